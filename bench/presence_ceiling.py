"""How much zone accuracy can the busy hour give at all? The same shoppers with the channel made ideal step by step.

    .venv/bin/python bench/presence_ceiling.py [--seed 1] [--placement two-per-aisle | --aisle-y 7]
        [--scenario store-small]

`store-busy` is the demo store's busy hour (docs/simulator.md). Its zone accuracy target is 95 %; this script
separates what the radio channel costs from what the pipeline's timing costs, by running the same world (same
shoppers, same phones, same seed) through the production gateway pipeline and presence engine with:

1. the channel as simulated, the best-gateway rule (kalman filter, 3 dB for 3 s);
2. the same with the hub's defaults (the ``hmm`` rule);
3. no shadowing (σ 0 dB: no slow or fast fading) — multipath bursts, body loss and packet loss remain;
4. an ideal channel: no shadowing, no multipath, no body loss (packet loss, integer dBm and the phones' spread of
   transmit power remain), the hub's defaults otherwise;
5. the ideal channel with the hub's propagation model matched to it (exponent, shelf loss, mount height, no body
   loss) and the fastest settings that stay stable there (ewma τ 0.3 s, readings fresh for 1.5 s, the ``hmm``
   rule weighting each second's evidence 3 and switching at 0.5): what the decision can reach when every reading
   is right and the only loss is timing;
6. the same with gateways reporting twice a second.

``--placement`` or ``--aisle-y`` hangs the demo store's aisle gateways otherwise in every run, as
`bench/presence_placement.py` does (`firmware_sim.eval.placement`): the ceiling of another placement.

``--scenario store-small`` (six shoppers, seven minutes) is a quick check that the script works, not a
measurement.

Printed per run: zone accuracy, zone-switch latency p50 / p95, and the accuracy per phase of a stay (standing or
walking, and the time since the last true zone change; `firmware_sim.eval.metrics`). Each run takes 15–30 s on
one core.

A second table takes the radio out altogether: a decider that knows every shopper's true zone exactly, but late
(`firmware_sim.eval.metrics.late_oracle`), always or only at reports once or twice a second, as the gateways
send them. No zone rule can beat it with knowledge that old: it is the timing's own share of the target. It
uses the first run's ground truth, so it costs no run of its own. The figures and what they mean are in
docs/accuracy.md.
"""

from __future__ import annotations

import argparse
import math
import time
from dataclasses import dataclass, replace
from typing import Final

from rich.console import Console
from rich.table import Table

from edge.presence import PresenceSettings
from edge.presence.settings import RadioModel
from firmware_sim.eval.harness import EvalResult, EvalSettings, run
from firmware_sim.eval.metrics import PHASES, Scores, late_oracle, percentile, score_phases
from firmware_sim.eval.placement import PLACEMENTS, Placement, at_y, placed
from firmware_sim.world import Scenario, build_scenario
from gateway.filters import FilterSettings


@dataclass(frozen=True, slots=True)
class Case:
    name: str
    channel: str  # "as simulated", "no shadowing" or "ideal"
    settings: EvalSettings


def ideal(scenario: Scenario) -> Scenario:
    """`scenario` with no shadowing, multipath or body loss."""
    return replace(scenario, radio=replace(scenario.radio, sigma_db=0.0, multipath_share=0.0, body_loss_db=0.0))


def matched_model(scenario: Scenario) -> RadioModel:
    """The hub's propagation model set to the ideal channel's own parameters."""
    radio = scenario.radio
    return RadioModel(
        path_loss_exponent=radio.path_loss_exponent,
        shelf_loss_db=radio.shelf_loss_db,
        gateway_height_m=radio.gateway_height_m - radio.device_height_m,
        body_loss_db=0.0,
        headings=1,
    )


def cases(scenario: Scenario) -> list[Case]:
    hmm = replace(PresenceSettings(), rule="hmm")  # the rule these cases were first measured with
    best = replace(hmm, rule="best-gateway")
    fast = replace(hmm, radio=matched_model(scenario), stale_s=1.5, hmm_evidence=3.0, hmm_switch_p=0.5)
    ewma = FilterSettings(kind="ewma", tau_s=0.3)
    return [
        Case("best-gateway rule", "as simulated", EvalSettings(presence=best)),
        Case("hmm rule", "as simulated", EvalSettings(presence=hmm)),
        Case("hmm rule", "no shadowing", EvalSettings(presence=hmm)),
        Case("hmm rule", "ideal", EvalSettings(presence=hmm)),
        Case("matched model, fastest settings", "ideal", EvalSettings(filter=ewma, presence=fast)),
        Case(
            "… reports twice a second",
            "ideal",
            EvalSettings(filter=ewma, presence=replace(fast, stale_s=1.0, hmm_step_s=0.5), report_interval_s=0.5),
        ),
    ]


ORACLES: Final = (
    ("knows each zone 0.5 s late", 0.5, 0.0),
    ("… 1 s late", 1.0, 0.0),
    ("… 1.5 s late", 1.5, 0.0),
    ("… 2 s late", 2.0, 0.0),
    ("hears once a second the zone as it is then", 0.0, 1.0),
    ("hears once a second the zone 0.5 s before (a second's readings' mean age)", 0.5, 1.0),
    ("hears twice a second the zone 0.25 s before", 0.25, 0.5),
)
"""The late deciders of the second table: (name, how old what it hears is, how often it hears; 0: always)."""


def oracle_scores(result: EvalResult, lag_s: float, every_s: float) -> Scores:
    """The phases' accuracy of a decider that knows every shopper's true zone, `lag_s` late and every `every_s`
    (`late_oracle`), over `result`'s shoppers; each device hears at its own phase of the interval, as gateways
    report at their own."""
    scores = Scores()
    for i, (_device, truth) in enumerate(sorted(result.truth.items())):
        zones = [(t, zone) for t, _x, _y, zone in truth]
        decided = late_oracle(zones, lag_s, every_s=every_s, phase_s=every_s * (i % 10) / 10)
        score_phases(truth, decided, scores)
    return scores


def phases_accuracy(scores: Scores) -> float:
    """Zone accuracy over all the phases (they split the in-store time)."""
    samples = sum(n for n, _ in scores.phases.values())
    return sum(right for _, right in scores.phases.values()) / samples if samples else math.nan


def _hung(scenario: Scenario, placement: Placement) -> Scenario:
    return replace(scenario, layout=placed(scenario.layout, placement))


def pct(value: float) -> str:
    return "—" if math.isnan(value) else f"{value:.1%}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1, help="the busy hour's seed (default: %(default)s)")
    parser.add_argument("--scenario", default="store-busy", choices=("store-busy", "store-small"),
                        help="default: %(default)s")  # fmt: skip
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--placement", choices=PLACEMENTS, default="as-built", help="default: %(default)s")
    where.add_argument("--aisle-y", type=float, metavar="Y", help="each aisle's gateway at y = Y")
    args = parser.parse_args()
    name, placement = (args.placement, PLACEMENTS[args.placement]) if args.aisle_y is None else at_y(args.aisle_y)
    console = Console(width=None if Console().is_terminal else 170)
    simulated = _hung(build_scenario(args.scenario, args.seed), placement)
    worlds = {
        "as simulated": simulated,
        "no shadowing": _hung(build_scenario(args.scenario, args.seed, noise_db=0.0), placement),
        "ideal": ideal(simulated),
    }
    table = Table(title=f"{args.scenario}, seed {args.seed}, gateways {name}: zone accuracy by channel and settings")
    for col in ("channel", "settings", "zone accuracy", "switch p50 / p95", *PHASES):
        table.add_column(col.replace(" ", "\n", 1) if col in PHASES else col, justify="left" if col in
                         ("channel", "settings") else "right")  # fmt: skip
    shares: list[str] = []
    first: EvalResult | None = None
    for case in cases(simulated):
        started = time.perf_counter()
        result = run(worlds[case.channel], case.settings, name=args.scenario, seed=args.seed)
        first = first or result
        scores = result.scores
        p50, p95 = percentile(scores.switch_s, 0.5), percentile(scores.switch_s, 0.95)
        table.add_row(
            case.channel,
            case.name,
            pct(scores.accuracy),
            f"{p50 or math.nan:.1f} / {p95 or math.nan:.1f} s",
            *(pct(scores.phase_accuracy(p)) for p in PHASES),
        )
        shares = [pct(scores.phase_share(p)) for p in PHASES]
        console.log(f"{case.channel} / {case.name}: {time.perf_counter() - started:.0f} s")
    table.add_row("share of in-store time", "", "", "", *shares, style="dim")
    console.print(table)

    assert first is not None
    late = Table(title="a decider that knows every shopper's true zone exactly, but late: the timing's own cost")
    for col in ("decider", "zone accuracy", *PHASES):
        late.add_column(col.replace(" ", "\n", 1) if col in PHASES else col, justify="left" if col == "decider"
                        else "right")  # fmt: skip
    for label, lag_s, every_s in ORACLES:
        scores = oracle_scores(first, lag_s, every_s)
        late.add_row(label, pct(phases_accuracy(scores)), *(pct(scores.phase_accuracy(p)) for p in PHASES))
    console.print(late)


if __name__ == "__main__":
    main()
