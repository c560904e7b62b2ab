"""The wallet app's Flask app, mounted under ``/app`` beside the API and the dashboard.

Why an app of its own: the wallet is static (a shell page, a script, a service worker) and talks to the API
like any client, with the bearer token of its enrollment; it needs no session and no database connection.
The service worker is served from ``/app/sw.js`` so its scope is the whole app and nothing else of the hub.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

from flask import Flask, Response, render_template, request, send_from_directory
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from edge.hub.context import HubContext
from edge.hub.pages import harden

MOUNT: Final = "/app"
PACKAGE: Final = Path(__file__).parent
STATIC: Final = PACKAGE / "static"

# Everything from the hub alone; the codes are data: images; nothing inline runs, nothing frames it.
CSP: Final = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "worker-src 'self'; manifest-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)


def create_webapp(ctx: HubContext) -> Flask:
    """The wallet app for the hub described by `ctx`, to be served under `MOUNT`."""
    app = Flask(__name__, static_folder=str(STATIC), static_url_path="/static", template_folder="templates")
    store_name = ctx.layout.name or ctx.store

    @app.get("/")
    def shell() -> str:
        # The script reads where the API is from the page: the hub may sit under a path of a reverse proxy.
        root = request.script_root.removesuffix(MOUNT)
        return render_template("webapp/index.html", api=root + "/api/v1", store=ctx.store, store_name=store_name)

    @app.get("/enroll")
    def enroll() -> str:
        """The kiosk's enrollment link: the same page, which reads the token from the fragment."""
        return shell()

    @app.get("/manifest.webmanifest")
    def manifest() -> Response:
        response = send_from_directory(STATIC, "manifest.webmanifest", mimetype="application/manifest+json")
        response.cache_control.no_cache = True
        return response

    @app.get("/sw.js")
    def worker() -> Response:
        response = send_from_directory(STATIC, "sw.js", mimetype="text/javascript")
        response.cache_control.no_cache = True  # a new version of the app reaches phones on their next visit
        return response

    # The page itself is checked on each visit (the worker keeps a copy for offline); files may be cached.
    harden(
        app, ctx, mount=MOUNT, csp=CSP, cache=lambda endpoint: "no-cache" if endpoint in ("shell", "enroll") else None
    )

    return app


def mount_webapp(api: Flask, ctx: HubContext) -> None:
    """Serve the wallet app under `MOUNT` of the API app `api`."""
    api.wsgi_app = DispatcherMiddleware(api.wsgi_app, {MOUNT: create_webapp(ctx)})  # type: ignore[method-assign]
