"""`corsia monitor [--config FILE] [--json] [--seconds S] [--store ID]`: watch a store's fleet over MQTT.

The live view refreshes twice a second until Ctrl-C; ``--json`` collects for a few seconds and prints one
document for scripts. A broker that cannot be reached is a `BrokerUnreachable` error: the corsia command prints
it and exits 1. A bad configuration or layout file exits 78.
"""

from __future__ import annotations

import argparse
import logging
import os
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from edge.monitor.feed import FleetFeed

JSON_SECONDS_DEFAULT: Final = 3.0  # retained statuses arrive at once; this leaves time for a health report or two
CONNECT_TIMEOUT_S: Final = 5.0
REFRESH_PER_S: Final = 2.0

log = logging.getLogger("corsia.monitor")


def _positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0 < value <= 86400 * 365:
        raise argparse.ArgumentTypeError(f"must be more than 0 seconds, got {text}")
    return value


def _store_id(text: str) -> str:
    from edge.protocol import Topic, TopicError

    try:
        Topic.HUB_STATUS.build(text)  # the contract's rule for a store id
    except TopicError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="collect for --seconds, print one JSON document, exit")
    parser.add_argument(
        "--seconds",
        type=_positive_seconds,
        metavar="S",
        help=f"with --json: how long to listen (default {JSON_SECONDS_DEFAULT:g}); "
        "live: quit after S seconds (default: at Ctrl-C)",
    )
    parser.add_argument(
        "--store", type=_store_id, metavar="ID", help="the store to watch (default: [store] id of the config)"
    )


def run(args: argparse.Namespace) -> int:
    import time

    from edge.config import load_monitor_config
    from edge.monitor.feed import FleetFeed
    from edge.monitor.model import Fleet

    config = load_monitor_config(args.config)
    logging.getLogger().setLevel(config.log.level.upper())
    store: str = args.store or config.store.id
    fleet = Fleet(store, gateways=_layout_gateways(config.store.layout, store), started=time.time())
    feed = FleetFeed(config.mqtt, fleet)
    feed.start(CONNECT_TIMEOUT_S)
    try:
        if args.json:
            return _print_json(feed, args.seconds or JSON_SECONDS_DEFAULT)
        return _live(feed, args.seconds)
    finally:
        feed.stop()


def _layout_gateways(path: str, store: str) -> list[tuple[str, str | None]]:
    """The store's gateways from its layout file, so the ones never heard are listed too."""
    from edge.store import load_layout

    if not os.path.exists(path):
        return []  # IT's laptop need not carry the layout; gateways are then listed as they report
    layout = load_layout(path)  # a broken file is a LayoutError: exit 78, like every process that reads it
    if layout.id != store:
        log.warning("layout %s is store %r's, not %r: its gateways are not listed", path, layout.id, store)
        return []
    return [(g.id, g.zone_id) for g in layout.gateways]


def _broker(feed: FleetFeed) -> str:
    s = feed.settings
    return f"{s.host}:{s.port}" + (" (TLS)" if s.tls else "")


def _print_json(feed: FleetFeed, seconds: float) -> int:
    import json
    import time

    time.sleep(seconds)
    snapshot = feed.snapshot()
    document = {
        **snapshot.to_json(),
        "broker": {"address": _broker(feed), "connected": feed.connected, "client_id": feed.client_id},
    }
    print(json.dumps(document, indent=2, ensure_ascii=False))
    return 0


def _live(feed: FleetFeed, seconds: float | None) -> int:
    import time

    from rich.console import Console
    from rich.live import Live
    from rich.logging import RichHandler

    from edge.monitor.view import render

    console = Console()
    broker = _broker(feed)
    root = logging.getLogger()
    saved = root.handlers[:]
    # Log lines go through the live display's console, above the table, instead of tearing it.
    root.handlers = [RichHandler(console=console, show_path=False)]
    deadline = None if seconds is None else time.monotonic() + seconds
    try:
        with Live(
            get_renderable=lambda: render(feed.snapshot(), broker=broker, connected=feed.connected),
            console=console,
            refresh_per_second=REFRESH_PER_S,
        ):
            while deadline is None or time.monotonic() < deadline:
                time.sleep(0.1)
    except KeyboardInterrupt:
        pass  # quitting a viewer is a normal end
    finally:
        root.handlers = saved
    return 0
