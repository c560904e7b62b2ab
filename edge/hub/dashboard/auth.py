"""Signing in to the dashboard: a browser cannot send the API's bearer header, so the admin token is given once
(the sign-in form, or ``?token=`` in a link the demo opens) and exchanged for a session cookie.

The cookie is Flask's signed session: ``HttpOnly`` (no script can read it), ``SameSite=Strict`` (no other site
can make the browser send it, so no cross-site request forgery), limited to ``/dashboard``, ``Secure`` when the
page came over HTTPS or the hub's public URL is HTTPS, and valid for `SESSION_HOURS` after the last use.

The signing key is derived with HMAC from the hub's secret key and the admin token: it is not the key that
seals identity keys, and changing the admin token signs every dashboard out.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from typing import Final

from flask import Flask, request, session
from flask.sessions import SecureCookieSessionInterface

from edge.config import HubSection

COOKIE: Final = "corsia_dashboard"
SESSION_HOURS: Final = 12
"""A shift: a tablet in use stays signed in, one left in a drawer overnight does not."""
_PURPOSE: Final = b"corsia/dashboard/session\x00"


def token_matches(given: str, configured: str) -> bool:
    """Whether `given` is `configured`, in time that does not depend on where they differ; "" never matches.

    The API's own check (`edge.hub.api.auth.token_matches`) is the same; the dashboard does not import the API
    package, which mounts the dashboard.
    """
    if not configured:
        return False
    return hmac.compare_digest(given.encode("utf-8", "surrogateescape"), configured.encode("utf-8", "surrogateescape"))


def session_key(secret_key: bytes, admin_token: str) -> bytes:
    """The dashboard's cookie signing key: HMAC-SHA256 of the admin token under the hub's secret key."""
    return hmac.new(secret_key, _PURPOSE + admin_token.encode("utf-8", "surrogateescape"), hashlib.sha256).digest()


class DashboardSessions(SecureCookieSessionInterface):
    """Flask's signed cookie sessions, with the ``Secure`` flag decided per request."""

    salt = "corsia-dashboard-session"

    def get_cookie_secure(self, app: Flask) -> bool:
        return request.is_secure or super().get_cookie_secure(app)


def configure(app: Flask, secret_key: bytes, hub: HubSection, mount: str, hours: int = SESSION_HOURS) -> None:
    """Set `app` up for dashboard sessions; `mount` is the path the dashboard is served under."""
    app.secret_key = session_key(secret_key, hub.admin_token)
    app.session_interface = DashboardSessions()
    app.config.update(
        SESSION_COOKIE_NAME=COOKIE,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_PATH=mount,
        SESSION_COOKIE_SECURE=hub.public_url.startswith("https://"),
        PERMANENT_SESSION_LIFETIME=dt.timedelta(hours=hours),
    )


def sign_in(token: str, hub: HubSection) -> bool:
    """Start a session when `token` is the admin token (compared in constant time; an unset token never
    matches). False, and no session, otherwise."""
    session.clear()
    if not token_matches(token.strip(), hub.admin_token):
        return False
    session["admin"] = True
    session.permanent = True
    return True


def signed_in() -> bool:
    """Whether this request carries a valid, unexpired dashboard session."""
    return session.get("admin") is True


def sign_out() -> None:
    """End the session: the response deletes the cookie."""
    session.clear()
