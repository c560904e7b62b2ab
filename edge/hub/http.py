"""Serving the hub's Flask app: werkzeug's threaded WSGI server in a background thread.

A store hub answers a few kiosks, the staff's tablets and the members' phones in the shop, so a threaded server
is enough and keeps the install to the hub extra. Put a TLS reverse proxy in front before exposing it beyond the
store's network (docs/deployment.md).
"""

from __future__ import annotations

import logging
import re
import threading

from flask import Flask
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

log = logging.getLogger("corsia.hub.http")


# Path parts that are personal or secret: a card number, a token. The access log shows the route, not them.
_SECRET_PARTS = re.compile(r"(/(?:cards|preregistrations|feedback|t|members)/)[^/?\s]+")


def redact(path: str) -> str:
    """`path` fit for a log line: ids, card numbers and tokens replaced, the query string dropped."""
    return _SECRET_PARTS.sub(r"\1…", path.split("?", 1)[0])


class _QuietHandler(WSGIRequestHandler):
    """werkzeug's handler, logging the method, the redacted path and the status only."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        log.info("%s %s %s", self.command, redact(self.path), code)


def split_host_port(value: str) -> tuple[str, int]:
    """``"127.0.0.1:8000"`` → ("127.0.0.1", 8000); ``"[::1]:0"`` → ("::1", 0). The config checked the shape."""
    host, _, port = value.rpartition(":")
    return host.strip("[]"), int(port)


class HttpServer:
    """The app served on `address` (``host:port``; port 0 picks a free one) until `stop`."""

    def __init__(self, app: Flask, address: str) -> None:
        host, port = split_host_port(address)
        self._server: BaseWSGIServer = make_server(host, port, app, threaded=True, request_handler=_QuietHandler)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, name="hub-http", daemon=True
        )

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
        log.info("API listening on %s", self.url)

    def stop(self) -> None:
        self._server.shutdown()  # returns within serve_forever's poll interval
        self._server.server_close()
        self._thread.join(timeout=5.0)
