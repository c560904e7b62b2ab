"""The application factory: one Flask app per `HubContext`, its blueprints, error handlers and request metrics."""

from __future__ import annotations

from collections.abc import Mapping

from flask import Flask, Response, request

from edge.hub.api import (
    campaigns,
    catalog,
    devices,
    feedback,
    inbox,
    members,
    orders,
    preregistrations,
    store,
    system,
    tags,
    tracking,
    wallet,
    wishlist,
)
from edge.hub.api.database import init_app
from edge.hub.api.domain import register_domain_errors
from edge.hub.api.errors import register_error_handlers
from edge.hub.api.openapi import build_document
from edge.hub.api.routing import MIB, ApiBlueprint, Route
from edge.hub.api.tracking import ORIGINS_KEY
from edge.hub.context import HubContext
from edge.hub.dashboard import mount_dashboard
from edge.hub.webapp import mount_webapp

ROUTES_KEY = "corsia_routes"

BLUEPRINTS: tuple[ApiBlueprint, ...] = (
    system.root,
    system.api,
    members.api,
    preregistrations.api,
    devices.api,
    tags.api,
    wishlist.api,
    wallet.api,
    inbox.api,
    catalog.api,
    orders.api,
    campaigns.api,
    store.api,
    tracking.root,
    feedback.root,
)


def create_app(ctx: HubContext, test_config: Mapping[str, object] | None = None) -> Flask:
    """The API app for the hub described by `ctx`; `test_config` overrides Flask settings (``TESTING``...)."""
    app = Flask(__name__, static_folder=None)
    # The largest body any route takes (a catalog import); each route lowers it to what it needs.
    app.config.from_mapping({"MAX_CONTENT_LENGTH": 2 * MIB, ORIGINS_KEY: []})
    if test_config is not None:
        app.config.from_mapping(test_config)
    init_app(app, ctx)
    register_error_handlers(app)
    register_domain_errors(app)
    routes: list[Route] = []
    for api in BLUEPRINTS:
        app.register_blueprint(api.blueprint)
        routes += api.routes
    app.extensions[ROUTES_KEY] = tuple(routes)
    app.extensions[system.OPENAPI_KEY] = build_document(routes, ctx.store)

    @app.after_request
    def count(response: Response) -> Response:
        # The rule, not the URL, so member ids never become label values.
        endpoint = request.url_rule.rule if request.url_rule is not None else "unmatched"
        ctx.metrics.http_requests.labels(endpoint=endpoint, status=str(response.status_code)).inc()
        return response

    mount_dashboard(app, ctx)
    mount_webapp(app, ctx)
    return app


def routes_of(app: Flask) -> tuple[Route, ...]:
    """The declared routes of an app made by `create_app`."""
    found: tuple[Route, ...] = app.extensions[ROUTES_KEY]
    return found
