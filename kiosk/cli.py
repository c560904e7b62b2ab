"""`corsia kiosk --config FILE`: run the sign-up kiosk until SIGTERM or Ctrl-C."""

from __future__ import annotations

import argparse
import logging


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--outbox",
        metavar="FILE",
        default=None,
        help="the offline outbox's SQLite file (default: [kiosk] outbox in the config)",
    )


def run(args: argparse.Namespace) -> int:
    from edge.config import load_kiosk_config
    from edge.systemd import serve_until_signalled
    from kiosk.service import KioskService

    config = load_kiosk_config(args.config)
    logging.getLogger().setLevel(config.log.level.upper())
    service = KioskService(config, app_config={"OUTBOX_PATH": args.outbox} if args.outbox else None)
    serve_until_signalled(service)
    return 0
