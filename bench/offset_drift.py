"""How soon the hub's `offset_drift` alert flags a receiver that changed after calibration, and whether it flags
any other.

    .venv/bin/python bench/offset_drift.py [--seed 1] [--knocks gw-04=2,gw-04=3,gw-04=-3,gw-10=3,gw-04=4]
                                           [--threshold 1.5] [--set KEY=VALUE ...]

The demo store's busy hour (`corsia eval --scenario store-busy`) with the hub's offsets exact, first as calibrated
(no receiver changed), then once per knock: that gateway's receiver reads `dB` louder (positive) or weaker than
the offset the hub has for it, as after a knock, a new enclosure or a swapped unit. Each knock runs twice: with
the hub learning from the hour's start, and with the hub having learned the clean hour before (its kept sums
restored), as a receiver that changes after a stretch of learning. Every minute the run notes the corrections
learned so far (`EvalResult.offset_history`); they go to the hub's own alert logic (`edge.hub.fleet.FleetWatch`,
`offset_alert_db` at `--threshold`): the recent corrections, which the hub's alert reads, and for comparison the
whole average since learning started. Per row: the changed gateway's corrections at the end, the minute each
would have raised its alert, the largest recent correction of any other gateway at any minute, and which others
were alerted. About 70 s per run, eleven runs.

Results: docs/accuracy.md, "Offsets learned from the shoppers".
"""

from __future__ import annotations

import argparse

from rich.console import Console
from rich.table import Table

from edge.errors import ConfigError
from edge.hub.fleet import FleetWatch
from edge.presence import PresenceSettings
from edge.presence.offset_learning import GatewaySums, OffsetEstimate
from firmware_sim.eval.harness import OFFSET_HISTORY_S, EvalResult, EvalSettings, run
from firmware_sim.eval.overrides import add_set_option, presence_or_exit, receivers_with
from firmware_sim.world import build_scenario
from firmware_sim.world.receivers import with_receivers_changed


def knocks(text: str) -> list[tuple[str, float]]:
    """``gw=dB`` pairs, comma-separated, in order: a gateway may come more than once (one run each)."""
    return [next(iter(receivers_with([part], source="--knocks").items())) for part in text.split(",") if part.strip()]


def knocked_run(
    scenario_name: str,
    seed: int,
    knock: tuple[str, float] | None,
    presence: PresenceSettings,
    before: tuple[GatewaySums, ...] = (),
) -> EvalResult:
    """The scenario with the hub's offsets exact but for `knock`'s receiver, the hub having learned `before`."""
    # Every other receiver exact: the hub's offsets cancel them.
    scenario = with_receivers_changed(build_scenario(scenario_name, seed), dict([knock] if knock else []))
    return run(scenario, EvalSettings(presence=presence, offset_sums=before), name=scenario_name, seed=seed)


def alerts(result: EvalResult, threshold: float, recent: bool) -> dict[str, float]:
    """Each gateway ever alerted, with the minute of the run its alert was first raised, from the recent
    corrections (what the hub's alert reads) or the whole average's."""
    gateways = [g.id for g in result.layout.gateways]
    start = result.offset_history[0][0] - OFFSET_HISTORY_S if result.offset_history else 0.0
    watch = FleetWatch(gateways, silence_s=1e9, backlog=10**9, started=start, offset_alert_db=threshold)
    raised: dict[str, float] = {}
    for t, estimates in result.offset_history:
        for alert in watch.tick(t, corrections=_corrections(estimates, recent)):
            if alert.kind == "offset_drift" and alert.active:
                raised.setdefault(alert.source, (t - start) / 60.0)
    return raised


def _corrections(estimates: list[OffsetEstimate], recent: bool) -> dict[str, float]:
    pairs = ((e.gateway, e.recent_db if recent else e.correction_db) for e in estimates)
    return {g: c for g, c in pairs if c is not None}


def _when(raised: dict[str, float], gateway: str) -> str:
    return f"{raised[gateway]:.0f} min" if gateway in raised else "never"


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
    try:
        changes = knocks(args.knocks)
    except ConfigError as exc:
        parser.error(str(exc))

    table = Table(title=f"offset_drift alerts at {args.threshold:g} dB, {args.scenario} seed {args.seed}")
    columns = (
        "receiver changed", "learned before", "its correction, recent / whole", "raised after (recent)",
        "raised after (whole)", "largest other recent, any minute", "others alerted",
    )  # fmt: skip
    for column in columns:
        table.add_column(column, justify="right")
    clean = knocked_run(args.scenario, args.seed, None, presence)
    for before in ("nothing", "the clean run"):
        kept = tuple(clean.offset_sums) if before != "nothing" else ()
        for knock in [None, *changes]:
            result = (
                clean if knock is None and not kept else knocked_run(args.scenario, args.seed, knock, presence, kept)
            )
            table.add_row(*_row(result, knock, before, args.threshold))
    Console().print(table)


def _row(result: EvalResult, knock: tuple[str, float] | None, before: str, threshold: float) -> list[str]:
    final = {e.gateway: e for e in result.offset_corrections}
    recent = alerts(result, threshold, recent=True)
    whole = alerts(result, threshold, recent=False)
    gateway = knock[0] if knock is not None else None
    label = "none" if knock is None else f"{knock[0]} {knock[1]:+g} dB"
    own = when_recent = when_whole = ""
    if gateway is not None:
        e = final[gateway]
        own = "too few readings" if e.correction_db is None or e.recent_db is None else (
            f"{e.recent_db:+.2f} / {e.correction_db:+.2f} dB"
        )  # fmt: skip
        when_recent, when_whole = _when(recent, gateway), _when(whole, gateway)
    others = [
        c for _, estimates in result.offset_history for g, c in _corrections(estimates, recent=True).items()
        if g != gateway
    ]  # fmt: skip
    largest = f"{max(others, key=abs):+.2f} dB" if others else "too few readings"
    extra = sorted(g for g in recent if g != gateway)
    return [label, before, own, when_recent, when_whole, largest, ", ".join(extra) or "none"]


if __name__ == "__main__":
    main()
