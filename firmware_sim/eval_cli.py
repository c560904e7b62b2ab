"""`corsia eval --scenario NAME`: zone accuracy and latency of the presence pipeline against ground truth."""

from __future__ import annotations

import argparse
from pathlib import Path

SCENARIOS = ("espresense-walk", "espresense-boundary", "store-busy", "store-small")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    # Imported here: `corsia` builds only the chosen command's options, and this command loads them anyway.
    from edge.presence import ZONE_RULES
    from firmware_sim.eval.overrides import add_set_option
    from gateway.filters import FILTER_KINDS

    parser.add_argument("--scenario", required=True, choices=SCENARIOS, help="the world to simulate")
    parser.add_argument("--seed", type=int, default=1, help="the world's random seed (default: %(default)s)")
    parser.add_argument("--noise-db", type=float, default=None, help="shadowing σ in dB (default: the scenario's)")
    parser.add_argument("--layout", metavar="FILE", default=None,
                        help="a store layout (docs/store-layout.md) instead of the demo store, for store-busy and "
                        "store-small: how a store's own floor and gateways would do")  # fmt: skip
    parser.add_argument("--filter", choices=FILTER_KINDS, default=None,
                        help="the gateways' RSSI filter (default: the gateway's default)")  # fmt: skip
    parser.add_argument("--rule", choices=ZONE_RULES, default=None,
                        help="the hub's zone rule (default: the presence engine's default)")  # fmt: skip
    add_set_option(parser)
    parser.add_argument("--receiver", action="append", default=[], metavar="GATEWAY=DB", dest="receivers",
                        help="that gateway's receiver reads DB louder (negative: weaker) than its rssi_offset "
                        "cancels, as after a knock or a swap: what it costs, and what the hub learns of it "
                        "(repeatable)")  # fmt: skip
    parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    parser.add_argument("--plots", metavar="DIR", help="write PNG plots: map, confusion matrix, accuracy vs noise")
    parser.add_argument("--noise-sweep", default="1,2,2.5,3,4,5,6",
                        help="σ values for the accuracy-vs-noise plot (with --plots)")  # fmt: skip


def run(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from edge.store import load_layout
    from firmware_sim.eval.harness import EvalSettings
    from firmware_sim.eval.harness import run as run_eval
    from firmware_sim.eval.overrides import presence_with, receivers_with
    from firmware_sim.eval.report import plot_confusion, plot_map, plot_noise, print_table, write_json
    from firmware_sim.world import build_scenario
    from firmware_sim.world.receivers import with_receivers_changed
    from gateway.filters import FilterSettings

    layout = load_layout(args.layout) if args.layout else None
    receivers = receivers_with(args.receivers)
    settings = EvalSettings()
    if args.filter:
        settings = replace(settings, filter=FilterSettings(kind=args.filter))
    if args.rule:
        settings = replace(settings, presence=replace(settings.presence, rule=args.rule))
    if args.presence_set:
        settings = replace(settings, presence=presence_with(args.presence_set, settings.presence))

    def one(noise: float | None):  # type: ignore[no-untyped-def]
        scenario = build_scenario(args.scenario, seed=args.seed, noise_db=noise, layout=layout)
        if receivers:
            scenario = with_receivers_changed(scenario, receivers)
        return run_eval(scenario, settings, name=args.scenario, seed=args.seed, noise_db=noise)

    result = one(args.noise_db)
    if layout is not None:
        print(f"store: {layout.name} ({layout.id}), {len(layout.zones)} zones, {len(layout.gateways)} gateways, "
              f"from {args.layout}")  # fmt: skip
    print_table([result])
    if args.json:
        write_json([result], Path(args.json))
    if args.plots:
        folder = Path(args.plots)
        folder.mkdir(parents=True, exist_ok=True)
        plot_map(result, folder / f"{args.scenario}-map.png")
        plot_confusion(result, folder / f"{args.scenario}-confusion.png")
        points = []
        for sigma in [float(s) for s in args.noise_sweep.split(",") if s.strip()]:
            r = one(sigma)
            points.append((sigma, r.scores.accuracy, r.scores.wrong_share))
        plot_noise(points, args.scenario, folder / f"{args.scenario}-noise.png")
        print(f"plots written to {folder}/")
    return 0
