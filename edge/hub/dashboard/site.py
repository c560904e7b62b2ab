"""The dashboard's own small Flask app, mounted under ``/dashboard`` beside the API.

Why an app of its own rather than one more blueprint of the API app: the dashboard is a cookie-signed-in web
page, the API a bearer-token JSON service. Kept apart, the API's app has no session machinery and no secret key,
its JSON error handlers and its route list (the OpenAPI document covers exactly the routes it serves) stay the
API's, and the dashboard answers its own errors as pages.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Final

from flask import Flask
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from edge.hub.context import HubContext
from edge.hub.dashboard import auth
from edge.hub.dashboard.board import Board
from edge.hub.dashboard.stream import StreamSettings
from edge.hub.dashboard.views import STATE_KEY, DashboardState, bp
from edge.hub.pages import harden

MOUNT: Final = "/dashboard"
SETTINGS_KEY: Final = "DASHBOARD"
"""Key of the API app's config whose `DashboardSettings` the mounted dashboard takes (tests set it)."""
APP_KEY: Final = "corsia_dashboard_app"

# The page loads its script, style and data from the hub alone; nothing inline runs, nothing frames it.
CSP: Final = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)


@dataclass(frozen=True, slots=True)
class DashboardSettings:
    """The dashboard's knobs: its event streams' pacing and how many may be open at once."""

    stream: StreamSettings = field(default_factory=StreamSettings)
    max_streams: int = 16
    session_hours: int = auth.SESSION_HOURS


def create_dashboard(ctx: HubContext, settings: DashboardSettings | None = None, *, testing: bool = False) -> Flask:
    """The dashboard app for the hub described by `ctx`, to be served under `MOUNT`."""
    settings = settings or DashboardSettings()
    app = Flask(__name__, static_folder=None)
    app.testing = testing
    auth.configure(app, ctx.secret_key, ctx.config.hub, MOUNT, settings.session_hours)
    # A new boot per run of the hub: pages that reconnect across a restart know their feed ids are stale.
    boot = secrets.token_hex(4)
    app.extensions[STATE_KEY] = DashboardState(ctx, Board(ctx), boot, settings.stream, settings.max_streams)
    app.register_blueprint(bp, url_prefix="")

    harden(
        app, ctx, mount=MOUNT, csp=CSP, cache=lambda endpoint: None if endpoint == "dashboard.static" else "no-store"
    )

    return app


def mount_dashboard(api: Flask, ctx: HubContext) -> None:
    """Serve the dashboard under `MOUNT` of the API app `api`, with the settings in its config if any."""
    settings = api.config.get(SETTINGS_KEY)
    dashboard = create_dashboard(
        ctx, settings if isinstance(settings, DashboardSettings) else None, testing=api.testing
    )
    api.extensions[APP_KEY] = dashboard
    api.wsgi_app = DispatcherMiddleware(api.wsgi_app, {MOUNT: dashboard})  # type: ignore[method-assign]
