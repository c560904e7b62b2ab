"""How soon the hub's `offset_drift` alert flags a receiver that changed after calibration, and whether it flags
any other.

    .venv/bin/python bench/offset_drift.py [--seed 1] [--knocks gw-04=2,gw-04=3,gw-04=-3,gw-10=3,gw-04=4]
                                           [--threshold 1.5] [--set KEY=VALUE ...]

The demo store's busy hour (`corsia eval --scenario store-busy`) with the hub's offsets exact, first as calibrated
(no receiver changed), then once per knock: that gateway's receiver reads `dB` louder (positive) or weaker than
the offset the hub has for it, as after a knock, a new enclosure or a swapped unit. Every minute of the hour the
run notes the corrections learned so far (`EvalResult.offset_history`); they go to the hub's own alert logic
(`edge.hub.fleet.FleetWatch`, `offset_alert_db` at `--threshold`) as the hub's tick would give them. Per row:
the knocked gateway's learned correction at the hour's end, the minute its alert was raised, the largest
correction of the other gateways and which of them were ever alerted. About 70 s per row.

Results: docs/accuracy.md, "Offsets learned from the shoppers".
"""

from __future__ import annotations

import argparse
from dataclasses import replace

from rich.console import Console
from rich.table import Table

from edge.hub.fleet import FleetWatch
from edge.presence import PresenceSettings
from edge.store import load_layout
from firmware_sim.eval.harness import EvalResult, EvalSettings, run
from firmware_sim.eval.overrides import add_set_option, presence_or_exit
from firmware_sim.world import build_scenario
from firmware_sim.world.scenarios import DEMO_LAYOUT


def knocks(text: str) -> list[tuple[str, float]]:
    out = []
    for part in filter(None, text.split(",")):
        gateway, _, db = part.partition("=")
        out.append((gateway.strip(), float(db)))
    return out


def knocked_run(
    scenario_name: str, seed: int, knock: tuple[str, float] | None, presence: PresenceSettings
) -> EvalResult:
    layout = load_layout(DEMO_LAYOUT)
    receivers = {g.id: -g.rssi_offset for g in layout.gateways}  # the hub's offsets cancel them exactly
    if knock is not None:
        receivers[knock[0]] += knock[1]
    scenario = build_scenario(scenario_name, seed)
    scenario = replace(scenario, radio=replace(scenario.radio, receiver_offsets_db=receivers))
    return run(scenario, EvalSettings(presence=presence), name=scenario_name, seed=seed)


def alerts(result: EvalResult, threshold: float) -> dict[str, float]:
    """Each gateway ever alerted, with the minute of the run its alert was first raised."""
    gateways = [g.id for g in result.layout.gateways]
    start = result.offset_history[0][0] - 60.0 if result.offset_history else 0.0
    watch = FleetWatch(gateways, silence_s=1e9, backlog=10**9, started=start, offset_alert_db=threshold)
    raised: dict[str, float] = {}
    for t, estimates in result.offset_history:
        corrections = {e.gateway: e.correction_db for e in estimates if e.correction_db is not None}
        for alert in watch.tick(t, corrections=corrections):
            if alert.kind == "offset_drift" and alert.active:
                raised.setdefault(alert.source, (t - start) / 60.0)
    return raised


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1, help="the busy hour's seed (default: %(default)s)")
    parser.add_argument(
        "--scenario", default="store-busy", choices=("store-busy", "store-small"), help="(default: %(default)s)"
    )
    parser.add_argument(
        "--knocks", default="gw-04=2,gw-04=3,gw-04=-3,gw-10=3,gw-04=4",
        help="gateway=dB, comma-separated: a receiver reading that much louder (default: %(default)s)",
    )  # fmt: skip
    parser.add_argument("--threshold", type=float, default=1.5, help="offset_alert_db (default: %(default)s)")
    add_set_option(parser)
    args = parser.parse_args()
    presence = presence_or_exit(parser, args)

    table = Table(title=f"offset_drift alerts at {args.threshold:g} dB, {args.scenario} seed {args.seed}")
    for column in ("receiver changed", "its correction", "alerted after", "largest other", "others alerted"):
        table.add_column(column, justify="right")
    for knock in [None, *knocks(args.knocks)]:
        result = knocked_run(args.scenario, args.seed, knock, presence)
        final = {e.gateway: e.correction_db for e in result.offset_corrections if e.correction_db is not None}
        raised = alerts(result, args.threshold)
        if knock is None:
            label, own, when, others = "none", "", "", final
        else:
            gateway, db = knock
            label = f"{gateway} {db:+g} dB"
            own = f"{final[gateway]:+.2f} dB" if gateway in final else "too few readings"
            when = f"{raised[gateway]:.0f} min" if gateway in raised else "never"
            others = {g: c for g, c in final.items() if g != gateway}
        largest = max(others, key=lambda g: abs(others[g]), default=None)
        most = f"{largest} {others[largest]:+.2f} dB" if largest is not None else "too few readings"
        extra = sorted(g for g in raised if knock is None or g != knock[0])
        table.add_row(label, own, when, most, ", ".join(extra) or "none")
    Console().print(table)


if __name__ == "__main__":
    main()
