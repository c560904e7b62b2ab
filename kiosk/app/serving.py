"""Serving the kiosk's app (`edge.serving`).

One touch screen's browser talks to it on the kiosk itself (``[kiosk] http``, loopback by default), so a
threaded server is all it needs; each open event stream holds one (daemon) thread while its page is shown.
"""

from __future__ import annotations

import logging

from flask import Flask

from edge.serving import BackgroundServer

log = logging.getLogger("corsia.kiosk.http")


class KioskServer(BackgroundServer):
    """`app` served on `address` (``host:port``; port 0 picks a free one) from `start` until `stop`."""

    def __init__(self, app: Flask, address: str) -> None:
        super().__init__(app, address, name="kiosk-http", log=log, announce="kiosk screen served on %s")
