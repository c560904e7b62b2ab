"""One database connection per request, opened on first use and closed when the request ends.

SQLite connections must not cross threads and Flask may serve each request on its own thread, so the API never
keeps a connection beyond a request: `get_db` opens one through `HubContext.connect` and keeps it on `flask.g`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Flask, current_app, g

from edge.hub.context import HubContext

if TYPE_CHECKING:
    from sqlite_utils import Database

_CONTEXT_KEY = "corsia_hub"


def hub_context() -> HubContext:
    """The `HubContext` the running app was made with."""
    ctx = current_app.extensions[_CONTEXT_KEY]
    assert isinstance(ctx, HubContext)
    return ctx


def get_db() -> Database:
    """This request's connection to the hub's database, opened on first use."""
    if "db" not in g:
        g.db = hub_context().connect()
    db: Database = g.db
    return db


def close_db(_error: BaseException | None = None) -> None:
    """Close the request's connection, if it opened one."""
    db = g.pop("db", None)
    if db is not None:
        db.conn.close()


def init_app(app: Flask, ctx: HubContext) -> None:
    """Attach `ctx` to `app` and close each request's connection on teardown."""
    app.extensions[_CONTEXT_KEY] = ctx
    app.teardown_appcontext(close_db)
