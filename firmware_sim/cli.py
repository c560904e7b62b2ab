"""`corsia sim`: play the simulated world to real gateways, in real time, through one virtual BlueZ per gateway.

    corsia sim --scenario store-small                       # buses up, their addresses printed, then play
    corsia sim --config gw.toml --scenario store-small --spawn-gateways   # and one `corsia gateway` each
    corsia sim --scenario store-busy --record busy.jsonl    # write the adverts, play nothing
    corsia sim --replay busy.jsonl --speed 2                # play a recording

Heavy imports (numpy, dbus-fast) happen inside `run`, so ``corsia sim --help`` stays fast. The work is
`firmware_sim.realtime.session.play`; this module parses, installs the signal handlers and prints.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from firmware_sim.realtime.session import SimPlan

SCENARIOS = ("espresense-walk", "espresense-boundary", "store-busy", "store-small")


def _number(what: str, *, positive: bool) -> Callable[[str], float]:
    """An argparse type: a finite number, positive or at least zero."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
        if not math.isfinite(value) or value < 0 or (positive and value == 0):
            raise argparse.ArgumentTypeError(f"must be a {'positive' if positive else 'non-negative'} {what}")
        return value

    return parse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Play the simulated world in real time to real gateways: one virtual BlueZ (a private D-Bus) per "
        "gateway, scanned by the real bleak. --config is the template gateway config for --spawn-gateways."
    )
    parser.add_argument("--scenario", choices=SCENARIOS, help="the world to simulate (required unless --replay)")
    parser.add_argument("--seed", type=int, default=1, help="the world's random seed (default: %(default)s)")
    parser.add_argument(
        "--noise-db",
        type=_number("number of dB", positive=False),
        default=None,
        help="shadowing σ in dB (default: the scenario's)",
    )
    parser.add_argument("--speed", type=_number("number", positive=True), default=1.0,
                        help="scenario seconds per wall second (default: %(default)s)")  # fmt: skip
    parser.add_argument("--start", type=_number("number of seconds", positive=False), default=0.0, metavar="S",
                        help="skip the first S scenario seconds (default: %(default)s)")  # fmt: skip
    parser.add_argument("--duration", type=_number("number of seconds", positive=True), default=None, metavar="S",
                        help="play S scenario seconds (default: to the end)")  # fmt: skip
    parser.add_argument("--record", metavar="FILE", help="write the adverts as JSON Lines and exit without playing")
    parser.add_argument("--replay", metavar="FILE", help="play a recording instead of a scenario")
    parser.add_argument("--gateways", metavar="IDS", help="only these gateways, comma-separated (gw-01,gw-02)")
    parser.add_argument("--spawn-gateways", action="store_true",
                        help="also run one `corsia gateway` process per gateway (from --config)")  # fmt: skip
    parser.add_argument("--state-dir", metavar="DIR", default="var/sim",
                        help="the spawned gateways' spools and logs (default: %(default)s)")  # fmt: skip
    parser.add_argument("--wait", type=_number("number of seconds", positive=False), default=None, metavar="S",
                        help="wait up to S s for a scanner on every bus before playing "
                        "(default: 0, or 30 with --spawn-gateways)")  # fmt: skip


def run(args: argparse.Namespace) -> int:
    import signal
    import sys
    import threading

    from firmware_sim.realtime import SimError
    from firmware_sim.realtime.session import play, summary_lines

    if args.record and args.replay:
        raise SimError("--record writes a scenario's adverts; it cannot be combined with --replay")
    if args.scenario is None and not args.replay:
        raise SimError("give --scenario NAME (or --replay FILE)")
    if args.record:
        return _record(args)

    plan = _plan(args)
    stop = threading.Event()

    def on_signal(signum: int, _frame: object) -> None:
        print(f"corsia sim: {signal.Signals(signum).name}, stopping", file=sys.stderr, flush=True)
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        result = play(plan, stop, say=lambda line: print(line, flush=True))
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    for line in summary_lines(result):
        print(line, flush=True)
    failed = {gw: code for gw, code in result.exit_codes.items() if code != 0}
    if failed:
        print(f"corsia sim: gateway(s) failed: {', '.join(failed)}; see {plan.state_dir}/", file=sys.stderr)
        return 1
    return 0


def _record(args: argparse.Namespace) -> int:
    from pathlib import Path

    from firmware_sim.world import build_scenario
    from firmware_sim.world.jsonl import record

    scenario = build_scenario(args.scenario, seed=args.seed, noise_db=args.noise_db)
    path = Path(args.record)
    path.parent.mkdir(parents=True, exist_ok=True)
    if args.start == 0 and args.duration is None:
        count = scenario.record(path)
    else:
        first = scenario.start_t + args.start
        end = scenario.end_t if args.duration is None else first + args.duration
        count = record(((t, gw, a) for t, gw, a in scenario.adverts() if first <= t < end), path)
    print(f"recorded {count:,} adverts of {scenario.name} (seed {scenario.seed}) to {path}")
    return 0


def _plan(args: argparse.Namespace) -> SimPlan:
    from pathlib import Path

    from edge.config import load_gateway_config
    from firmware_sim.realtime.session import DEFAULT_SPAWN_WAIT_S, SimPlan, plan_gateways, recorded_gateways
    from firmware_sim.world import build_scenario

    scenario = build_scenario(args.scenario, seed=args.seed, noise_db=args.noise_db) if args.scenario else None
    recording = Path(args.replay) if args.replay else None
    if recording is not None and not recording.is_file():
        from firmware_sim.realtime import SimError

        raise SimError(f"{recording}: no such recording")
    if scenario is not None:
        known = [g.id for g in scenario.layout.gateways]
    elif args.gateways is not None:
        known = [g.strip() for g in args.gateways.split(",") if g.strip()]  # no layout to check them against
    else:
        assert recording is not None
        known = recorded_gateways(recording)
    config = Path(args.config) if getattr(args, "config", None) else None
    adapter = "hci0"
    if args.spawn_gateways:
        adapter = load_gateway_config(config).gateway.adapter  # a bad template fails here, before anything starts
    wait_s = args.wait if args.wait is not None else (DEFAULT_SPAWN_WAIT_S if args.spawn_gateways else 0.0)
    return SimPlan(
        scenario=scenario,
        recording=recording,
        gateways=plan_gateways(known, args.gateways),
        speed=args.speed,
        start_offset_s=args.start,
        duration_s=args.duration,
        spawn=args.spawn_gateways,
        config=config,
        state_dir=Path(args.state_dir),
        wait_s=wait_s,
        adapter=adapter,
        log_level=getattr(args, "log_level", "info"),
    )
