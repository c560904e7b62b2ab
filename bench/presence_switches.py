"""Which zone switches are slow in the busy hour, and why: the switch latency per kind of move, and where the
slowest shoppers were when the hub was late.

    .venv/bin/python bench/presence_switches.py [--seeds 1,2,3] [--set hmm_evidence=1.6 ...]

The busy hour (`corsia eval --scenario store-busy`) through the production pipeline with the hub's defaults, or
with the presence settings given by ``--set`` (as `corsia eval --set`: `firmware_sim.eval.overrides`). Tables:

1. **Summary** per seed: zone accuracy, zone-switch p50 / p95, `zone` events per minute of in-store time (a
   measure of flapping: the shoppers' true zone changes are about 2.3 a minute), exit p95.
2. **Switches by kind of move** (from the zone kind left to the one entered, every seed together): how many,
   their latency p50 / p95, how many were never decided and how many are among the slowest 5 %.
3. **Where the slow ones were**: the slowest 5 % (never decided included) against the switches decided within
   3 s, how far the shopper was from the zone they left 1, 2, 3 and 5 s after the true change (the median), and
   what the hub had decided 3 s after it.

A switch counts as `corsia eval` counts it: a true zone change to a zone then kept for 5 s or more (`corsia
eval` leaves the never decided ones out of its percentiles, as table 2's p50 / p95 do). About 45 s per seed.
Results: docs/accuracy.md ("Why the slowest switches are slow").
"""

from __future__ import annotations

import argparse
import statistics
from collections import Counter, defaultdict
from typing import Final

from rich.console import Console
from rich.table import Table

from firmware_sim.eval.harness import TRUTH_STEP_S, EvalResult, EvalSettings, run
from firmware_sim.eval.metrics import percentile, zone_switches
from firmware_sim.eval.overrides import add_set_option, presence_or_exit
from firmware_sim.world import build_scenario

SETTLE_S: Final = 5.0  # as `corsia eval`: a change counts when the new zone is kept this long
AFTER_S: Final = (1.0, 2.0, 3.0, 5.0)  # when to look at how far the shoppers have gone


class Switch:
    """One true zone change, its latency (None: never decided), how far the shopper was from the zone left at
    each of `AFTER_S`, and the zone decided 3 s after the change."""

    __slots__ = ("away", "kind", "latency", "then")

    def __init__(self, kind: tuple[str, str], latency: float | None, away: list[float], then: str) -> None:
        self.kind = kind
        self.latency = latency
        self.away = away
        self.then = then  # "the zone left", "the new zone", "another zone" or "none"


def switches(result: EvalResult) -> list[Switch]:
    """Every counted true zone change of every shopper in `result` (`corsia eval`'s, `zone_switches`)."""
    kind = {z.id: z.kind.value for z in result.layout.zones}
    rect = {z.id: z.rect for z in result.layout.zones}
    out = []
    for device, truth in result.truth.items():
        decided = result.decided[device]
        for i, last, latency in zone_switches([(t, zone) for t, _x, _y, zone in truth], decided, SETTLE_S):
            t, zone, prev = truth[i][0], truth[i][3], truth[i - 1][3]
            assert zone is not None  # a change is between two zones
            assert prev is not None
            away = []
            for after in AFTER_S:
                k = min(last, i + round(after / TRUTH_STEP_S))
                away.append(rect[prev].distance_to(truth[k][1], truth[k][2]))
            then = decided.at(t + 3.0)
            named = {prev: "the zone left", zone: "the new zone", None: "none"}.get(then, "another zone")
            out.append(Switch((kind[prev], kind[zone]), latency, away, named))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="1,2,3", help="comma-separated seeds (default: %(default)s)")
    parser.add_argument("--scenario", default="store-busy", choices=("store-busy", "store-small"),
                        help="the world (store-small: a quick check, not a measurement)")  # fmt: skip
    add_set_option(parser)
    args = parser.parse_args()
    presence = presence_or_exit(parser, args)
    settings = EvalSettings(presence=presence)
    console = Console(width=120)  # the tables stay readable when piped
    label = ", ".join(args.presence_set) or "the defaults"

    summary = Table(title=f"1. {args.scenario}, {presence.rule}, {label}")
    for column in ("seed", "zone accuracy", "switch p50 / p95", "zone events / min", "exit p95"):
        summary.add_column(column, justify="right")
    moves: list[Switch] = []
    for seed in (int(s) for s in args.seeds.split(",")):
        result = run(build_scenario(args.scenario, seed), settings, name=args.scenario, seed=seed)
        scores = result.scores
        minutes = scores.samples * TRUTH_STEP_S / 60.0
        zone_events = sum(e.event == "zone" for e in result.events)
        summary.add_row(str(seed), f"{scores.accuracy:.1%}",
                        f"{percentile(scores.switch_s, 0.5):.1f} / {percentile(scores.switch_s, 0.95):.1f} s",
                        f"{zone_events / minutes:.2f}", f"{percentile(scores.exit_s, 0.95):.1f} s")  # fmt: skip
        moves += switches(result)
    console.print(summary)

    decided = sorted(m.latency for m in moves if m.latency is not None)
    slow_from = percentile(decided, 0.95) or 0.0
    slow = [m for m in moves if m.latency is None or m.latency >= slow_from]
    by_kind: dict[tuple[str, str], list[Switch]] = defaultdict(list)
    for m in moves:
        by_kind[m.kind].append(m)
    kinds = Table(title=f"2. switches by kind of move ({len(moves)}; the slowest 5 %: {slow_from:.1f} s or more, "
                  "or never decided)")  # fmt: skip
    for column in ("from → to", "switches", "p50", "p95", "never decided", "among the slowest 5 %"):
        kinds.add_column(column, justify="left" if column == "from → to" else "right")
    for kind, group in sorted(by_kind.items(), key=lambda item: -len(item[1])):
        latencies = [m.latency for m in group if m.latency is not None]
        kinds.add_row(f"{kind[0]} → {kind[1]}", str(len(group)), f"{percentile(latencies, 0.5) or 0:.1f} s",
                      f"{percentile(latencies, 0.95) or 0:.1f} s", str(len(group) - len(latencies)),
                      str(sum(m in slow for m in group)))  # fmt: skip
    console.print(kinds)

    quick = [m for m in moves if m.latency is not None and m.latency < 3.0]
    where = Table(
        title="3. where the slow ones were: how far from the zone left (median), and the decision 3 s after the change"
    )
    for column in ("switches", "count", *(f"{a:g} s after" for a in AFTER_S), "decided 3 s after"):
        where.add_column(column, justify="left" if column == "switches" else "right")
    for name, group in (("decided within 3 s", quick), ("the slowest 5 %", slow)):
        if not group:
            continue
        away = [f"{statistics.median(m.away[k] for m in group):.1f} m" for k in range(len(AFTER_S))]
        then = Counter(m.then for m in group).most_common()
        where.add_row(name, str(len(group)), *away, ", ".join(f"{k} {n}" for k, n in then))
    console.print(where)


if __name__ == "__main__":
    main()
