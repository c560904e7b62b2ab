"""Where should a store hang its gateways? The busy hour with the demo store's aisle gateways placed otherwise.

    .venv/bin/python bench/presence_placement.py [--seeds 1] [--variants as-built,mouths] [--aisle-y 7 ...]
        [--scenario store-small] [--set enter_inside_min_dbm=-80 ...]

The demo store hangs one gateway in the middle of each 16 m aisle, 8 m from its mouth, while the checkout's and
the pickup desk's gateways are 2–3 m from those mouths: a shopper at the front of an aisle is nearer the front's
gateways, and most late zone switches are from the front strip into an aisle (docs/accuracy.md). The same
shoppers (`store-busy`, same seed) run through the production pipeline with the hub's defaults, or the presence
settings given by ``--set`` (as `corsia eval --set`), on:

- ``as-built``: the demo store as it is (12 gateways);
- ``forward``: each aisle's gateway moved 4 m towards the mouth (y 8 instead of 12; 12 gateways);
- ``mouths``: a second gateway in each aisle, 2 m inside its mouth (y 6; 20 gateways);
- ``two-per-aisle``: two gateways in each aisle, at y 7 and y 15 (20 gateways);
- ``yY`` for each ``--aisle-y Y``: each aisle's gateway at y Y (12 gateways).

The placements are `firmware_sim.eval.placement`'s.

The channel is the simulator's (docs/simulator.md); a new gateway has no receiver offset. Printed per variant and
seed: zone accuracy, entry, zone-switch and exit latency p50 / p95, visits and false visits (passers-by taken for
visits). Then, per variant over the seeds, what a ``store_enter`` campaign that waits `Campaign.dwell_s` into the
visit would reach: it fires once a visit has gone on that long without an exit (the hub's `visit_age` watch), so
the false visits it reaches are those lasting at least that long, and the shoppers it misses are those whose
visits never do. About 30 s per run on one core; ``--scenario store-small`` (six shoppers, seven minutes) is a quick
check that the script works, not a measurement. Results: docs/accuracy.md.
"""

from __future__ import annotations

import argparse
import math
from dataclasses import replace
from typing import Final

from rich.console import Console
from rich.table import Table

from firmware_sim.eval.harness import EvalResult, EvalSettings, run
from firmware_sim.eval.metrics import in_store_stays, is_false_start, percentile
from firmware_sim.eval.overrides import add_set_option, chosen, presence_or_exit
from firmware_sim.eval.placement import PLACEMENTS, at_y, placed
from firmware_sim.world import build_scenario

SCENARIOS: Final = ("store-busy", "store-small")  # the demo store's, whose aisles the variants know

ENTRY_WAITS_S: Final = (0.0, 15.0, 30.0, 45.0, 60.0, 90.0)
"""The store-entry campaign's waits (`Campaign.dwell_s`) tried in the second table."""


def visit_runs(result: EvalResult) -> list[tuple[bool, float]]:
    """Every visit of `result`: whether it started as a false visit, and its longest run from an ``enter`` to
    the next ``exit`` (a visit that resumes after an exit starts a new run). A run still open when the world
    stops, or ended by its stopping (the phones fall silent then), counts as endless: the shoppers who came in
    during the hour's last minute would otherwise look like short visits."""
    stays = {device: in_store_stays([(t, zone) for t, _x, _y, zone in truth]) for device, truth in result.truth.items()}
    world_end = max((truth[-1][0] for truth in result.truth.values() if truth), default=math.inf)
    false: dict[str, bool] = {}
    longest: dict[str, float] = {}
    since: dict[str, float] = {}
    for ev in result.events:
        if ev.event == "enter":
            false.setdefault(ev.visit, is_false_start(stays.get(ev.device, []), ev.t))
            since[ev.visit] = ev.t
        elif ev.event == "exit" and ev.visit in since:
            length = math.inf if ev.t >= world_end else ev.t - since[ev.visit]
            del since[ev.visit]
            longest[ev.visit] = max(longest.get(ev.visit, 0.0), length)
    for visit in since:
        longest[visit] = math.inf
    return [(false[v], longest[v]) for v in false]


def _pair(values: list[float]) -> str:
    p50, p95 = percentile(values, 0.5), percentile(values, 0.95)
    return "—" if p50 is None or p95 is None else f"{p50:.1f} / {p95:.1f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="1", help="comma-separated seeds of the busy hour (default: %(default)s)")
    parser.add_argument(
        "--variants", default=",".join(PLACEMENTS), help=f"comma-separated, of: {', '.join(PLACEMENTS)}"
    )
    parser.add_argument(
        "--aisle-y", type=float, action="append", default=[], metavar="Y",
        help="also the aisle gateways hung at y = Y, as variant yY (repeatable)",
    )  # fmt: skip
    parser.add_argument("--scenario", default="store-busy", choices=SCENARIOS, help="default: %(default)s")
    add_set_option(parser)
    args = parser.parse_args()
    settings = EvalSettings(presence=presence_or_exit(parser, args))
    names = chosen(args.variants, tuple(PLACEMENTS), parser, "variant")
    variants = {name: PLACEMENTS[name] for name in names} | dict(at_y(y) for y in args.aisle_y)
    label = ", ".join(args.presence_set) or "the hub's defaults"
    table = Table(title=f"{args.scenario} with the aisle gateways placed otherwise ({label})")
    for column in ("variant", "seed", "gateways", "zone accuracy", "entry p50 / p95", "switch p50 / p95",
                   "exit p50 / p95", "visits", "false visits"):  # fmt: skip
        table.add_column(column, justify="left" if column == "variant" else "right")
    runs: dict[str, list[tuple[bool, float]]] = {name: [] for name in variants}
    for seed in (int(s) for s in args.seeds.split(",")):
        for name, placement in variants.items():
            scenario = build_scenario(args.scenario, seed)
            layout = placed(scenario.layout, placement)
            result = run(replace(scenario, layout=layout), settings, name=name, seed=seed)
            runs[name] += visit_runs(result)
            s = result.scores
            table.add_row(
                name, str(seed), str(len(layout.gateways)), f"{s.accuracy:.1%}", _pair(s.entry_s), _pair(s.switch_s),
                _pair(s.exit_s), str(s.visits), str(s.false_visits),
            )  # fmt: skip
    console = Console(width=140)  # the tables stay readable when piped
    console.print(table)
    console.print(_entry_waits(runs, args.seeds))


def _entry_waits(runs: dict[str, list[tuple[bool, float]]], seeds: str) -> Table:
    """The second table: per variant and wait, the false visits a store-entry push still reaches and the
    shoppers' visits it misses."""
    table = Table(title=f"A store-entry campaign waiting dwell_s into the visit (seeds {seeds} together): false visits "
                  "reached of all false; shoppers' visits missed of all")  # fmt: skip
    table.add_column("variant")
    for wait in ENTRY_WAITS_S:
        table.add_column(f"{wait:g} s", justify="right")
    for name, visits in runs.items():
        false = [length for is_false, length in visits if is_false]
        true = [length for is_false, length in visits if not is_false]
        cells = [f"{sum(x >= w for x in false)} of {len(false)}; {sum(x < w for x in true)} of {len(true)}"
                 for w in ENTRY_WAITS_S]  # fmt: skip
        table.add_row(name, *cells)
    return table


if __name__ == "__main__":
    main()
