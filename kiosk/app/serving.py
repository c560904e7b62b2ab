"""Serving the kiosk's app: werkzeug's threaded WSGI server in a background thread.

One touch screen's browser talks to it on the kiosk itself (``[kiosk] http``, loopback by default), so a
threaded server is all it needs; each open event stream holds one (daemon) thread while its page is shown.
"""

from __future__ import annotations

import logging
import threading

from flask import Flask
from werkzeug.serving import BaseWSGIServer, make_server

log = logging.getLogger("corsia.kiosk.http")


def split_host_port(value: str) -> tuple[str, int]:
    """``"127.0.0.1:8080"`` → ("127.0.0.1", 8080); ``"[::1]:0"`` → ("::1", 0). The config checked the shape."""
    host, _, port = value.rpartition(":")
    return host.strip("[]"), int(port)


class KioskServer:
    """`app` served on `address` (``host:port``; port 0 picks a free one) from `start` until `stop`."""

    def __init__(self, app: Flask, address: str) -> None:
        host, port = split_host_port(address)
        self._server: BaseWSGIServer = make_server(host, port, app, threaded=True)
        self._thread = threading.Thread(target=self._serve, name="kiosk-http", daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.server_port)

    @property
    def url(self) -> str:
        host = str(self._server.server_address[0])
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{self.port}"

    def _serve(self) -> None:
        self._server.serve_forever(poll_interval=0.1)  # `stop` waits for the next poll

    def start(self) -> None:
        self._thread.start()
        log.info("kiosk screen served on %s", self.url)

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5.0)
