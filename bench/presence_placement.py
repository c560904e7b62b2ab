"""Where should a store hang its gateways? The busy hour with the demo store's aisle gateways placed otherwise.

    .venv/bin/python bench/presence_placement.py [--seeds 1] [--variants as-built,mouths] [--scenario store-small]

The demo store hangs one gateway in the middle of each 16 m aisle, 8 m from its mouth, while the checkout's and
the pickup desk's gateways are 2–3 m from those mouths: a shopper at the front of an aisle is nearer the front's
gateways, and most late zone switches are from the front strip into an aisle (docs/accuracy.md). The same
shoppers (`store-busy`, same seed) run through the production pipeline with the hub's defaults on:

- ``as-built``: the demo store as it is (12 gateways);
- ``forward``: each aisle's gateway moved 4 m towards the mouth (y 8 instead of 12; 12 gateways);
- ``mouths``: a second gateway in each aisle, 2 m inside its mouth (y 6; 20 gateways);
- ``two-per-aisle``: two gateways in each aisle, at y 7 and y 15 (20 gateways).

The channel is the simulator's (docs/simulator.md); a new gateway has no receiver offset. Printed per variant and
seed: zone accuracy, entry, zone-switch and exit latency p50 / p95, visits and false visits (passers-by taken for
visits). About 30 s per run on one core; ``--scenario store-small`` (six shoppers, seven minutes) is a quick
check that the script works, not a measurement. Results: docs/accuracy.md.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import replace
from typing import Final

from rich.console import Console
from rich.table import Table

from edge.store import StoreLayout
from edge.store.layout import GatewayPlacement, ZoneKind
from firmware_sim.eval.harness import EvalSettings, run
from firmware_sim.eval.metrics import percentile
from firmware_sim.world import build_scenario


def _aisles(layout: StoreLayout) -> list[tuple[str, float]]:
    """Each aisle's id and the x of its centre line."""
    return [(z.id, (z.rect.x0 + z.rect.x1) / 2) for z in layout.zones_of_kind(ZoneKind.AISLE)]


def _moved(layout: StoreLayout, y: float) -> list[GatewayPlacement]:
    aisles = {a for a, _ in _aisles(layout)}
    return [replace(g, y=y) if g.zone_id in aisles else g for g in layout.gateways]


def as_built(layout: StoreLayout) -> list[GatewayPlacement]:
    return list(layout.gateways)


def forward(layout: StoreLayout) -> list[GatewayPlacement]:
    return _moved(layout, 8.0)


def mouths(layout: StoreLayout) -> list[GatewayPlacement]:
    return list(layout.gateways) + [GatewayPlacement(f"gw-{a}-mouth", a, x, 6.0) for a, x in _aisles(layout)]


def two_per_aisle(layout: StoreLayout) -> list[GatewayPlacement]:
    return _moved(layout, 7.0) + [GatewayPlacement(f"gw-{a}-back", a, x, 15.0) for a, x in _aisles(layout)]


SCENARIOS: Final = ("store-busy", "store-small")  # the demo store's, whose aisles the variants know

VARIANTS: Final[dict[str, Callable[[StoreLayout], list[GatewayPlacement]]]] = {
    "as-built": as_built,
    "forward": forward,
    "mouths": mouths,
    "two-per-aisle": two_per_aisle,
}


def _pair(values: list[float]) -> str:
    p50, p95 = percentile(values, 0.5), percentile(values, 0.95)
    return "—" if p50 is None or p95 is None else f"{p50:.1f} / {p95:.1f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="1", help="comma-separated seeds of the busy hour (default: %(default)s)")
    parser.add_argument("--variants", default=",".join(VARIANTS), help=f"comma-separated, of: {', '.join(VARIANTS)}")
    parser.add_argument("--scenario", default="store-busy", choices=SCENARIOS, help="default: %(default)s")
    args = parser.parse_args()
    names = args.variants.split(",")
    unknown = [n for n in names if n not in VARIANTS]
    if unknown:
        parser.error(f"unknown variant(s) {', '.join(unknown)}; known: {', '.join(VARIANTS)}")
    table = Table(title=f"{args.scenario} with the aisle gateways placed otherwise (the hub's defaults)")
    for column in ("variant", "seed", "gateways", "zone accuracy", "entry p50 / p95", "switch p50 / p95",
                   "exit p50 / p95", "visits", "false visits"):  # fmt: skip
        table.add_column(column, justify="left" if column == "variant" else "right")
    for seed in (int(s) for s in args.seeds.split(",")):
        for name in names:
            scenario = build_scenario(args.scenario, seed)
            layout = replace(scenario.layout, gateways=tuple(VARIANTS[name](scenario.layout)))
            s = run(replace(scenario, layout=layout), EvalSettings(), name=name, seed=seed).scores
            table.add_row(
                name, str(seed), str(len(layout.gateways)), f"{s.accuracy:.1%}", _pair(s.entry_s), _pair(s.switch_s),
                _pair(s.exit_s), str(s.visits), str(s.false_visits),
            )  # fmt: skip
    Console().print(table)


if __name__ == "__main__":
    main()
