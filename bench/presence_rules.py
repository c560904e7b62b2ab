"""The gateways' filters and the hub's zone rules side by side on the ESPresense-companion harness, against its
published baselines.

    .venv/bin/python bench/presence_rules.py [--seeds 1,2,3,4,5,6] [--filters kalman,ewma,window]
        [--rules best-gateway,hmm-points] [--set hmm_evidence=1.3 ...]

Each pair of a gateway filter (`gateway.filters`) and a zone rule (`edge.presence`) runs both harness scenarios
(`espresense-walk`, `espresense-boundary`, as `corsia eval --scenario … --filter … --rule …`) for every seed,
with the hub's other settings at their defaults or as ``--set`` gives them. Printed per pair and scenario: the
wrong-zone share per seed, its mean and range, the published baseline and the target (docs/accuracy.md). The
defaults' row is marked. About a second per run; the full grid (3 filters, 6 rules, 2 scenarios, 6 seeds) takes
three to four minutes on one core. Results: docs/accuracy.md ("The ESPresense-companion harness").
"""

from __future__ import annotations

import argparse
import statistics
from dataclasses import replace
from typing import Final

from rich.console import Console
from rich.table import Table

from edge.presence import PresenceSettings
from edge.presence.settings import ZONE_RULES
from firmware_sim.eval.harness import EvalSettings, run
from firmware_sim.eval.overrides import add_set_option, chosen, presence_or_exit
from firmware_sim.eval.report import BASELINES
from firmware_sim.world import build_scenario
from gateway.filters import FILTER_KINDS, FilterSettings

SCENARIOS: Final = ("espresense-walk", "espresense-boundary")
TARGETS: Final = {"espresense-walk": 0.03, "espresense-boundary": 0.10}
"""Issue 4's targets for the wrong-zone share."""


def wrong_shares(scenario: str, seeds: list[int], settings: EvalSettings) -> list[float]:
    """The wrong-zone share of `scenario` for each of `seeds` under `settings`."""
    return [
        run(build_scenario(scenario, seed), settings, name=scenario, seed=seed).scores.wrong_share for seed in seeds
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="1,2,3,4,5,6", help="comma-separated (default: %(default)s)")
    parser.add_argument("--filters", default=",".join(FILTER_KINDS), help=f"of: {', '.join(FILTER_KINDS)}")
    parser.add_argument("--rules", default=",".join(ZONE_RULES), help=f"of: {', '.join(ZONE_RULES)}")
    add_set_option(parser)
    args = parser.parse_args()
    presence = presence_or_exit(parser, args)
    filters = chosen(args.filters, FILTER_KINDS, parser, "filter")
    rules = chosen(args.rules, ZONE_RULES, parser, "rule")
    seeds = [int(s) for s in args.seeds.split(",")]
    default_filter, default_rule = FilterSettings().kind, PresenceSettings().rule
    label = ", ".join(args.presence_set) or "the hub's other settings at their defaults"
    table = Table(title=f"The ESPresense-companion harness, wrong zone per seed ({label})")
    table.add_column("filter")
    table.add_column("zone rule")
    for scenario in SCENARIOS:
        table.add_column(f"{scenario.removeprefix('espresense-')}: seeds {args.seeds}", justify="right")
        table.add_column(
            f"mean (baseline {BASELINES[scenario]:.1%}, target ≤ {TARGETS[scenario]:.0%})", justify="right"
        )
    for rule in rules:
        for kind in filters:
            settings = EvalSettings(filter=FilterSettings(kind=kind), presence=replace(presence, rule=rule))
            cells: list[str] = []
            for scenario in SCENARIOS:
                shares = wrong_shares(scenario, seeds, settings)
                mean = statistics.fmean(shares)
                met = "met" if mean <= TARGETS[scenario] else "not met"
                cells += [" ".join(f"{s:.1%}" for s in shares), f"{mean:.1%} ({met})"]
            default = kind == default_filter and rule == default_rule
            table.add_row(kind, f"{rule} (default)" if default else rule, *cells, style="bold" if default else None)
    Console(width=200).print(table)


if __name__ == "__main__":
    main()
