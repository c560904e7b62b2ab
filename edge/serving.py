"""Serving a Flask app in the background: werkzeug's threaded WSGI server on a thread of its own.

The hub (its API, dashboard and wallet app) and each kiosk (its touch screen's pages) serve a handful of
clients on the store's network, so a threaded server is enough. Each open event stream holds one (daemon)
thread while its page is shown.
"""

from __future__ import annotations

import logging
import threading

from flask import Flask
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server


def split_host_port(value: str) -> tuple[str, int]:
    """``"127.0.0.1:8000"`` → ("127.0.0.1", 8000); ``"[::1]:0"`` → ("::1", 0). The config checked the shape."""
    host, _, port = value.rpartition(":")
    return host.strip("[]"), int(port)


class BackgroundServer:
    """`app` served on `address` (``host:port``; port 0 picks a free one) from `start` until `stop`.

    `announce` is logged to `log` at start with the server's URL (``"API listening on %s"``); `handler`
    replaces werkzeug's request handler (one that logs less, say)."""

    def __init__(
        self, app: Flask, address: str, *, name: str, log: logging.Logger, announce: str,
        handler: type[WSGIRequestHandler] | None = None,
    ) -> None:  # fmt: skip
        host, port = split_host_port(address)
        self._server: BaseWSGIServer = make_server(host, port, app, threaded=True, request_handler=handler)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, name=name, daemon=True
        )
        self._log = log
        self._announce = announce

    @property
    def port(self) -> int:
        return int(self._server.server_port)

    @property
    def url(self) -> str:
        host = str(self._server.server_address[0])
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{self.port}"

    def start(self) -> None:
        self._thread.start()
        self._log.info(self._announce, self.url)

    def stop(self) -> None:
        self._server.shutdown()  # returns within serve_forever's poll interval
        self._server.server_close()
        self._thread.join(timeout=5.0)
