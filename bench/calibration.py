"""How exact the calibration walk measures the gateways' `rssi_offset`, and what that is worth in the busy hour.

    .venv/bin/python bench/calibration.py [--walk-seeds 1,2,3] [--busy-seed 1] [--passes 2] [--no-busy]

The demo store's calibration walk (`firmware_sim.world.calibration`: a tag held 1 m below each of the 12
gateways in turn) through the gateways' own pipeline, and `corsia calibrate`'s fit (`edge.store.calibration`)
from every layout offset at 0. The receivers are off by minus the demo layout's offsets (±2 dB, 1.1 dB rms), so
those are the truth. Two tables:

1. **The walk**: per way of holding (how long, standing or circling), the offsets' error against the truth over
   the walk seeds: rms (mean and range over the seeds) and the worst gateway.
2. **The busy hour** (`corsia eval --scenario store-busy`, the hub's defaults) with the hub's offsets exact (the
   simulator's usual assumption), all at 0 (not calibrated), and as each walk of three minutes circling found
   them: zone accuracy, entry, switch and exit p95; then as the hub learned them from the shoppers
   (`edge.presence.offset_learning`): from every offset at 0, each pass runs the busy hour with the offsets so far
   and adds the corrections the hub reports at its end, as a store would accept each day's. About 70 s per row.

Results: docs/accuracy.md, "Calibrating the gateways".
"""

from __future__ import annotations

import argparse
import statistics
from dataclasses import replace
from typing import Final

from rich.console import Console
from rich.table import Table

from edge.store import StoreLayout, load_layout
from edge.store.calibration import CalibrationSettings, fit_offsets
from firmware_sim.eval.calibration import walk_readings
from firmware_sim.eval.harness import run
from firmware_sim.eval.report import summary
from firmware_sim.world import build_scenario
from firmware_sim.world.calibration import calibration_walk
from firmware_sim.world.scenarios import DEMO_LAYOUT

HOLDINGS: Final = ((60.0, 0.0), (120.0, 0.0), (120.0, 1.0), (180.0, 0.0), (180.0, 1.0), (180.0, 2.0))
"""(hold s, circle diameter m): 0 is standing still."""
BUSY_WALK: Final = (180.0, 1.0)


def walked_offsets(
    layout: StoreLayout, truth: dict[str, float], seed: int, hold_s: float, circle_m: float
) -> dict[str, float]:
    """The offsets `corsia calibrate` finds from one simulated walk, starting from every offset at 0."""
    walk = calibration_walk(
        layout, seed=seed, hold_s=hold_s, circle_m=circle_m, receiver_offsets_db={g: -o for g, o in truth.items()}
    )
    readings = walk_readings(walk)
    # the whole hold counts, less its ends and a fade or two (the command's default asks for 2 minutes)
    return fit_offsets(readings, dict.fromkeys(truth, 0.0), CalibrationSettings(min_hold_s=hold_s - 40.0)).offsets


def errors(found: dict[str, float], truth: dict[str, float]) -> tuple[float, float]:
    """(rms, worst) of `found` against `truth`, in dB."""
    e = [found[g] - truth[g] for g in truth]
    return statistics.fmean(x * x for x in e) ** 0.5, max(map(abs, e))


def busy_hour(
    layout: StoreLayout, truth: dict[str, float], offsets: dict[str, float], seed: int
) -> tuple[list[str], dict[str, float]]:
    """The busy hour's figures with the hub's offsets at `offsets`, and the corrections the hub learned."""
    hub = replace(layout, gateways=tuple(replace(g, rssi_offset=offsets[g.id]) for g in layout.gateways))
    busy = build_scenario("store-busy", seed)
    busy = replace(busy, layout=hub, radio=replace(busy.radio, receiver_offsets_db={g: -o for g, o in truth.items()}))
    result = run(busy, name="store-busy", seed=seed)
    d = summary(result)
    row = [
        f"{100 * d['zone_accuracy']:.1f} %",
        f"{d['entry_s']['p95']:.2f} s",
        f"{d['switch_s']['p95']:.2f} s",
        f"{d['exit_s']['p95']:.2f} s",
    ]
    learned = {e.gateway: e.correction_db for e in result.offset_corrections if e.correction_db is not None}
    return row, learned


def busy_row(layout: StoreLayout, truth: dict[str, float], offsets: dict[str, float], seed: int) -> list[str]:
    return busy_hour(layout, truth, offsets, seed)[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--walk-seeds", default="1,2,3", help="comma-separated walk seeds (default: %(default)s)")
    parser.add_argument("--busy-seed", type=int, default=1, help="the busy hour's seed (default: %(default)s)")
    parser.add_argument(
        "--passes", type=int, default=2, help="busy hours the hub learns the offsets over (default: %(default)s)"
    )
    parser.add_argument("--no-busy", action="store_true", help="only the walk's table")
    args = parser.parse_args()
    seeds = [int(s) for s in args.walk_seeds.split(",")]
    layout = load_layout(DEMO_LAYOUT)
    truth = {g.id: g.rssi_offset for g in layout.gateways}
    console = Console()

    table = Table(title=f"Calibration walk, demo store (12 gateways), seeds {args.walk_seeds}")
    for column in ("hold", "holding", "rms error", "rms range", "worst gateway"):
        table.add_column(column, justify="right")
    zero_rms, zero_worst = errors(dict.fromkeys(truth, 0.0), truth)
    table.add_row("—", "not calibrated (all 0)", f"{zero_rms:.2f} dB", "", f"{zero_worst:.1f} dB")
    walked: dict[int, dict[str, float]] = {}
    for hold_s, circle_m in HOLDINGS:
        results = []
        for seed in seeds:
            found = walked_offsets(layout, truth, seed, hold_s, circle_m)
            if (hold_s, circle_m) == BUSY_WALK:
                walked[seed] = found
            results.append(errors(found, truth))
        rms = [r for r, _ in results]
        holding = "standing" if circle_m == 0 else f"circling {circle_m:g} m"
        table.add_row(
            f"{hold_s:.0f} s", holding, f"{statistics.fmean(rms):.2f} dB", f"{min(rms):.2f}–{max(rms):.2f}",
            f"{max(w for _, w in results):.1f} dB",
        )  # fmt: skip
    console.print(table)
    if args.no_busy:
        return

    busy = Table(title=f"Busy hour (seed {args.busy_seed}) by the hub's offsets")
    for column in ("hub's offsets", "rms error", "zone accuracy", "entry p95", "switch p95", "exit p95"):
        busy.add_column(column, justify="right")
    busy.add_row("exact", "0.00 dB", *busy_row(layout, truth, truth, args.busy_seed))
    learning = dict.fromkeys(truth, 0.0)
    row, learned = busy_hour(layout, truth, learning, args.busy_seed)
    busy.add_row("not calibrated", f"{zero_rms:.2f} dB", *row)
    for n in range(1, args.passes + 1):
        # a gateway without enough readings keeps its offset (none in the busy hour)
        learning = {g: o + learned.get(g, 0.0) for g, o in learning.items()}
        error, _ = errors(learning, truth)
        row, learned = busy_hour(layout, truth, learning, args.busy_seed)
        busy.add_row(f"learned, {n} pass{'es' if n > 1 else ''}", f"{error:.2f} dB", *row)
    for seed, found in walked.items():
        error, _ = errors(found, truth)
        busy.add_row(f"walk seed {seed}", f"{error:.2f} dB", *busy_row(layout, truth, found, args.busy_seed))
    console.print(busy)


if __name__ == "__main__":
    main()
