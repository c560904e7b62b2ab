"""Serving the hub's Flask app (`edge.serving`), with an access log that names routes, not members.

A store hub answers a few kiosks, the staff's tablets and the members' phones in the shop, so a threaded server
is enough and keeps the install to the hub extra. Put a TLS reverse proxy in front before exposing it beyond the
store's network (docs/deployment.md).
"""

from __future__ import annotations

import logging
import re

from flask import Flask
from werkzeug.serving import WSGIRequestHandler

from edge.serving import BackgroundServer

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


class HttpServer(BackgroundServer):
    """The hub's app served on `address` (``host:port``; port 0 picks a free one) until `stop`."""

    def __init__(self, app: Flask, address: str) -> None:
        super().__init__(app, address, name="hub-http", log=log, announce="API listening on %s", handler=_QuietHandler)
