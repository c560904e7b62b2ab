"""The hub's own routes: liveness for systemd and IT, Prometheus metrics, and the API's OpenAPI document."""

from __future__ import annotations

import logging
import sqlite3
from typing import Any

import msgspec
from flask import Response, current_app
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from edge.hub.api.database import get_db, hub_context
from edge.hub.api.routing import Answer, ApiBlueprint, reply
from edge.hub.db import StorageError, reading

log = logging.getLogger("corsia.hub.api")

OPENAPI_KEY = "corsia_openapi"

root = ApiBlueprint("system", __name__, url_prefix="")
api = ApiBlueprint("openapi", __name__)


class Health(msgspec.Struct):
    """Whether the hub can serve."""

    status: str
    """``ok``, or ``unavailable`` when the database cannot be read."""
    db: str
    """``ok`` or ``error``."""


@root.route(
    "GET", "/healthz",
    scopes=(),
    answers={200: Answer("The hub is serving", Health), 503: Answer("The database cannot be read", Health)},
)  # fmt: skip
def healthz() -> Response:
    """Whether the hub can read its database."""
    try:
        db = get_db()
        with reading(db):
            db.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
    except (StorageError, sqlite3.Error, OSError) as error:
        log.warning("health check: the database cannot be read: %s", error)
        return reply(Health(status="unavailable", db="error"), 503)
    return reply(Health(status="ok", db="ok"))


@root.route(
    "GET", "/metrics",
    scopes=(),
    answers={200: Answer("Prometheus text exposition format", str, media="text/plain")},
)  # fmt: skip
def metrics() -> Response:
    """Prometheus metrics (counts only: no member, device or token)."""
    return Response(generate_latest(hub_context().metrics.registry), mimetype=None, content_type=CONTENT_TYPE_LATEST)


@api.route(
    "GET", "/openapi.json",
    scopes=(),
    answers={200: Answer("The OpenAPI document", dict[str, Any])},
)  # fmt: skip
def openapi_document() -> Response:
    """This API's OpenAPI 3.1 document."""
    return reply(current_app.extensions[OPENAPI_KEY])
