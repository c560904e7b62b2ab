"""Does a shopper standing still on a zone boundary make the decided zone flap? Each zone rule, the simulated channel.

    .venv/bin/python bench/presence_flapping.py [--seeds 1,2,3] [--minutes 5] [--rules best-gateway,hmm] [--set K=V]

One enrolled phone (advertising every 0.3 s, −59 dBm at 1 m) stands still for `--minutes` at each of a few points
of the demo store, facing into the store and then facing the street, through the simulator's channel as in the
busy hour (slow and fast fading, multipath bursts, body loss towards the gateways behind, shelving, packet loss),
the production gateway pipeline and the presence engine. Printed per point and rule: the `zone` events, each
run's count and the total. A still shopper makes none in the ideal case; every event is a flap.

The unit tests feed readings with independent noise each second and no gateway filter; here the noise is
correlated over seconds (the slow fading of docs/simulator.md), as it is in a store. Results: docs/accuracy.md.
"""

from __future__ import annotations

import argparse
import math
from dataclasses import replace
from typing import Final

from rich.console import Console
from rich.table import Table

from edge.presence import ZONE_RULES
from edge.store import StoreLayout, load_layout
from firmware_sim.eval.harness import EvalSettings, run
from firmware_sim.eval.overrides import add_set_option, presence_or_exit
from firmware_sim.world import Scenario, seeds
from firmware_sim.world.devices import EidPhone
from firmware_sim.world.radio import RadioParams
from firmware_sim.world.scenario import DEFAULT_START_T
from firmware_sim.world.scenarios import DEMO_LAYOUT
from firmware_sim.world.trajectory import TrajectoryBuilder

POINTS: Final = {  # (x, y) on the demo store's floor, and what lies there
    "checkout | entrance, by the tills": (11.0, 2.0),
    "entrance | pickup": (19.0, 2.0),
    "aisle 1 | aisle 2, mid-aisle": (3.0, 10.0),
    "entrance | walkway": (15.0, 4.0),
    "aisle 2's mouth, 0.5 m in": (4.5, 4.5),
}
HEADINGS: Final = (math.pi / 2, -math.pi / 2)  # facing the back wall, facing the street


def standing(layout: StoreLayout, x: float, y: float, heading: float, seconds: float, seed: int) -> Scenario:
    """One enrolled phone standing at (x, y) facing `heading` for `seconds`."""
    rng = seeds.stream(seed, "standing", "phone")
    key = rng.randbytes(16)
    phone = EidPhone(
        "phone", key, start_t=DEFAULT_START_T, tx_1m_dbm=-59.0, interval_s=0.3, seed=seed, kind="member-phone"
    )
    trajectory = TrajectoryBuilder(0.0, x, y).dwell(seconds, heading).build()
    return Scenario(
        name="standing",
        seed=seed,
        layout=layout,
        duration_s=seconds,
        start_t=DEFAULT_START_T,
        devices=(phone,),
        trajectories={phone.id: trajectory},
        radio=RadioParams(),
        members=[(phone.id, key, phone.k)],
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="1,2,3", help="comma-separated seeds (default: %(default)s)")
    parser.add_argument("--minutes", type=float, default=5.0, help="how long each shopper stands (default: 5)")
    parser.add_argument("--rules", default="best-gateway,hmm", help=f"comma-separated, of: {', '.join(ZONE_RULES)}")
    add_set_option(parser)
    args = parser.parse_args()
    base = presence_or_exit(parser, args)
    layout = load_layout(DEMO_LAYOUT)
    rules = args.rules.split(",")
    seed_list = [int(s) for s in args.seeds.split(",")]
    table = Table(title=f"zone events of a shopper standing still for {args.minutes:g} min (each seed, each facing)")
    table.add_column("where")
    for rule in rules:
        table.add_column(rule, justify="right")
    totals = dict.fromkeys(rules, 0)
    for where, (x, y) in POINTS.items():
        cells = []
        for rule in rules:
            settings = EvalSettings(presence=replace(base, rule=rule))
            counts = [
                sum(e.event == "zone" for e in run(standing(layout, x, y, h, args.minutes * 60, s), settings).events)
                for s in seed_list
                for h in HEADINGS
            ]
            totals[rule] += sum(counts)
            cells.append(f"{' '.join(map(str, counts))}  (Σ {sum(counts)})")
        table.add_row(where, *cells)
    table.add_row("total", *(str(totals[r]) for r in rules), style="bold")
    Console().print(table)


if __name__ == "__main__":
    main()
