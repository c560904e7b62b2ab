"""`corsia demo`: run a whole simulated store on this machine (docs/demo.md).

    corsia demo                                  # 60 shoppers every 10 minutes, until Ctrl-C
    corsia demo --shoppers 30 --duration 60 --no-browser --json var/demo-report.json

This module parses the options, installs the signal handlers and calls `firmware_sim.demo.run_demo`; heavy
imports happen inside `run`, so ``corsia demo --help`` stays fast.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from pathlib import Path
from types import FrameType


def _positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError("must be a positive number of seconds")
    return value


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Run a whole simulated store on this machine: broker, hub, one real gateway per gateway of the demo "
        "store scanning a virtual BlueZ, shoppers with the loyalty app, tills, the phones' push service and the "
        "kiosk. Prints the dashboard's address and a live summary; Ctrl-C stops everything in order."
    )
    parser.add_argument("--shoppers", type=_count, default=60, metavar="N",
                        help="shoppers over --duration, or per 10 minutes (default: %(default)s)")  # fmt: skip
    parser.add_argument("--duration", type=_positive_seconds, default=None, metavar="S",
                        help="close the store after S seconds (default: run until Ctrl-C)")  # fmt: skip
    parser.add_argument("--seed", type=int, default=1, metavar="N", help="the world's seed (default: %(default)s)")
    parser.add_argument("--state", type=Path, default=Path("var/demo"), metavar="DIR",
                        help="state folder, wiped at start (default: %(default)s)")  # fmt: skip
    parser.add_argument("--no-browser", action="store_true", help="do not open the dashboard in a browser")
    parser.add_argument("--embedded-broker", action="store_true",
                        help="use the embedded amqtt broker even when Mosquitto is installed")  # fmt: skip
    parser.add_argument("--json", type=Path, default=None, metavar="FILE",
                        help="also write the final counts to FILE as JSON")  # fmt: skip


def run(args: argparse.Namespace) -> int:
    import signal
    import threading

    from firmware_sim.demo import DemoOptions, run_demo

    stop = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        stop.set()
        if signum == signal.SIGINT:  # a second Ctrl-C interrupts the orderly stop itself
            signal.signal(signal.SIGINT, signal.default_int_handler)
        elif signum == signal.SIGHUP:
            # The terminal was closed: stop in order all the same (the children run in sessions of their own and
            # would outlive us), and let what is left to say go nowhere rather than fail on a terminal that is gone.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            os.dup2(devnull, sys.stderr.fileno())
            os.close(devnull)

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, on_signal)
    options = DemoOptions(
        shoppers=args.shoppers, duration_s=args.duration, seed=args.seed, state=args.state,
        browser=not args.no_browser, log_level=args.log_level, embedded_broker=args.embedded_broker,
    )  # fmt: skip
    report = run_demo(options, stop)
    if args.json is not None:
        report.write_json(args.json)
    return 0 if report.ok else 1
