"""`corsia hub --config FILE`: run the store hub until SIGTERM or Ctrl-C."""

from __future__ import annotations

import argparse
import logging
import signal
import threading
from types import FrameType


def add_arguments(parser: argparse.ArgumentParser) -> None:
    del parser  # --config is added by the corsia command; the file says the rest


def run(args: argparse.Namespace) -> int:
    from edge.config import load_hub_config
    from edge.hub.service import HubService

    config = load_hub_config(args.config)
    logging.getLogger().setLevel(config.log.level.upper())
    service = HubService(config)
    stopping = threading.Event()

    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        stopping.set()

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, on_signal)
    service.start()
    try:
        stopping.wait()
    finally:
        service.stop()
    return 0
