"""`corsia broker`: a local MQTT broker for the demo and for development."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import threading

from edge.broker.embedded import serve_embedded
from edge.broker.mosquitto import MosquittoBroker, find_mosquitto


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
    parser.add_argument("--port", type=int, default=1883, help="port to listen on (default: %(default)s)")
    parser.add_argument("--data-dir", default="var/broker", help="persistence folder (default: %(default)s)")
    parser.add_argument(
        "--embedded", action="store_true", help="use the embedded amqtt broker even when Mosquitto is installed"
    )


def run(args: argparse.Namespace) -> int:
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    if not args.embedded and find_mosquitto():
        with MosquittoBroker(args.data_dir, host=args.host, port=args.port) as broker:
            print(f"Mosquitto listening on {args.host}:{args.port} (state in {args.data_dir}); Ctrl-C stops it")
            while not stop.wait(0.5):
                if not broker.running:
                    print("mosquitto exited; see", broker.log_path)
                    return 1
        return 0
    print(f"embedded MQTT broker (amqtt) listening on {args.host}:{args.port}; Ctrl-C stops it")
    asyncio.run(_serve(args.host, args.port, stop))
    return 0


async def _serve(host: str, port: int, stop: threading.Event) -> None:
    done = asyncio.Event()
    loop = asyncio.get_running_loop()
    watcher = loop.run_in_executor(None, stop.wait)
    watcher.add_done_callback(lambda _f: done.set())
    with contextlib.suppress(asyncio.CancelledError):
        await serve_embedded(host, port, done)
