"""`corsia hub --config FILE`: run the store hub until SIGTERM or Ctrl-C."""

from __future__ import annotations

import argparse
import logging


def add_arguments(parser: argparse.ArgumentParser) -> None:
    del parser  # --config is added by the corsia command; the file says the rest


def run(args: argparse.Namespace) -> int:
    from edge.config import load_hub_config
    from edge.hub.service import HubService
    from edge.systemd import serve_until_signalled

    config = load_hub_config(args.config)
    logging.getLogger().setLevel(config.log.level.upper())
    service = HubService(config)
    serve_until_signalled(service)
    return 0
