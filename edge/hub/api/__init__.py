"""The hub's HTTP API (``/api/v1``) for the kiosk, the loyalty app and the store's admin tools.

    app = create_app(ctx)          # ctx: edge.hub.context.HubContext
    app.test_client().get("/healthz")

A Flask layer over the hub's libraries: each view parses its input into a msgspec Struct, makes one library
call and maps the library's errors to HTTP answers. Routes declare who may call them and what they take and
answer (`edge.hub.api.routing`); the OpenAPI document at ``/api/v1/openapi.json`` is built from those
declarations. Nothing is started at import: ``corsia hub`` serves the app this factory returns.
"""

from edge.hub.api.app import ROUTES_KEY, create_app, routes_of

__all__ = ["ROUTES_KEY", "create_app", "routes_of"]
