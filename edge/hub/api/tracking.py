"""The open-tracking link a push leads through: ``/t/<notification_id>?u=<where>`` marks the notification
opened and redirects to `u`.

Only to the hub's own public URL or to origins the store allows (``REDIRECT_ORIGINS``): a tracking link on the
store's domain must never be a way to send people anywhere (an open redirect is a phishing tool). A relative
path is taken under the public URL.
"""

from __future__ import annotations

from typing import Final
from urllib.parse import urljoin, urlsplit

from flask import Response, current_app

from edge.hub.api import repos
from edge.hub.api.database import hub_context
from edge.hub.api.errors import Invalid
from edge.hub.api.routing import Answer, ApiBlueprint
from edge.hub.api.store_schemas import TrackQuery

root = ApiBlueprint("tracking", __name__, url_prefix="")

ORIGINS_KEY: Final = "REDIRECT_ORIGINS"
"""Flask config: origins (``https://shop.example.com``) a tracking link may lead to, besides the public URL."""


def _origin(url: str) -> tuple[str, str, int] | None:
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:  # a malformed host ("[::1") or port
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname or "@" in parts.netloc:
        return None
    return parts.scheme, parts.hostname.lower(), port


def safe_destination(target: str, public_url: str, allowed: list[str]) -> str | None:
    """`target` as an absolute URL if a tracking link may lead there, else None."""
    # Browsers read a backslash as a slash and drop tabs and newlines: refuse them rather than guess.
    if any(c in target for c in "\\\t\r\n ") or not target.isprintable():
        return None
    if target.startswith("/") and not target.startswith("//"):
        target = urljoin(public_url.rstrip("/") + "/", target.lstrip("/"))
    origin = _origin(target)
    if origin is None:
        return None
    if origin == _origin(public_url):
        path, base = urlsplit(target).path, urlsplit(public_url).path.rstrip("/")
        # Dot segments (also percent-encoded: browsers decode them) would climb out of the public path.
        segments = path.lower().replace("%2e", ".").split("/")
        inside = not base or path == base or path.startswith(base + "/")
        return target if inside and ".." not in segments else None
    return target if origin in {_origin(o) for o in allowed} else None


@root.route(
    "GET", "/t/<notification_id>",
    scopes=(), query=TrackQuery, answers={302: Answer("To the destination", headers=("Location",))},
)  # fmt: skip
def track(notification_id: str, query: TrackQuery) -> Response:
    """Follow a notification's link: count the open, redirect to the destination."""
    ctx = hub_context()
    allowed = list(current_app.config.get(ORIGINS_KEY, ()))
    destination = safe_destination(query.u, ctx.config.hub.public_url, allowed)
    if destination is None:
        raise Invalid("the link leads outside the store's own sites", {"u": "not an allowed destination"})
    # An unknown or already opened notification still redirects: the member came for the page, not the count.
    repos.outbox().mark_opened(notification_id, ctx.clock())
    return Response(status=302, headers={"Location": destination})
