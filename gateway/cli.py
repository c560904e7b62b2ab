"""`corsia gateway --config FILE`: run one BLE gateway until SIGTERM or Ctrl-C."""

from __future__ import annotations

import argparse
import asyncio
import faulthandler
import logging
import signal


def add_arguments(parser: argparse.ArgumentParser) -> None:
    del parser  # --config is added by the corsia command; the file says the rest


def run(args: argparse.Namespace) -> int:
    from edge.config import load_gateway_config
    from gateway.service import GatewayService

    config = load_gateway_config(args.config)
    logging.getLogger().setLevel(config.log.level.upper())
    service = GatewayService(config, config_path=args.config)

    # `kill -USR1` writes every thread's stack to the log: what a gateway that does not stop is waiting for.
    faulthandler.register(signal.SIGUSR1, all_threads=True)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await service.run(stop)

    asyncio.run(main())
    return 0
