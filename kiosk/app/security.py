"""CSRF tokens, rate limiting, response headers and the error screens.

Every POST carries the session's CSRF token (a hidden field, or the ``X-CSRF-Token`` header of the page's
keep-alive); a missing or wrong one is refused before any view runs. Responses are never cached (``no-store``
also keeps a personal screen out of the browser's back-forward cache), may not be framed, send no referrer,
and the content security policy allows only the kiosk's own scripts, styles and connections: no page of the
kiosk can load or lead anywhere else.
"""

from __future__ import annotations

import hmac
import logging
import secrets
from typing import Final

from flask import Flask, Response, render_template, request, session
from werkzeug.exceptions import HTTPException, InternalServerError, NotFound

from kiosk.app import state
from kiosk.app.runtime import runtime

log = logging.getLogger("corsia.kiosk.app")

CSRF_KEY: Final = "csrf"
CSRF_FIELD: Final = "csrf_token"
CSRF_HEADER: Final = "X-CSRF-Token"
CSP: Final = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)


class CsrfRefused(HTTPException):
    code = 400
    description = "csrf"


class RateLimited(HTTPException):
    code = 429
    description = "rate"


def csrf_token() -> str:
    """This session's CSRF token (made on first use)."""
    token = session.get(CSRF_KEY)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        session[CSRF_KEY] = token
    return token


def check_csrf() -> None:
    """Refuse a POST without this session's token (a `before_request` hook)."""
    if request.method != "POST":
        return
    sent = request.form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER) or ""
    expected = session.get(CSRF_KEY)
    if not isinstance(expected, str) or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise CsrfRefused()


def limit(action: str) -> None:
    """Count one `action` (``signup``, ``lookup``) for this session; `RateLimited` past the limits."""
    if not runtime().limits.allow(action, state.sid()):
        log.warning("rate limit reached for %s", action)
        raise RateLimited()


def secure_headers(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
    return response


_SCREENS: Final = {400: "csrf", 404: "notfound", 405: "notfound", 429: "rate"}


def error_screen(error: HTTPException) -> tuple[str, int]:
    """A kind screen, in the customer's language, with the way back to the start; never a stack trace."""
    status = error.code or 500
    name = _SCREENS.get(status, "internal")
    return render_template("error.html", name=name), status


def register_security(app: Flask) -> None:
    app.before_request(check_csrf)
    app.after_request(secure_headers)
    app.register_error_handler(CsrfRefused, error_screen)
    app.register_error_handler(RateLimited, error_screen)
    app.register_error_handler(NotFound, error_screen)
    app.register_error_handler(HTTPException, error_screen)

    @app.errorhandler(InternalServerError)
    def internal(error: InternalServerError) -> tuple[str, int]:
        cause = error.original_exception
        log.error("a kiosk page failed: %s", type(cause).__name__ if cause is not None else "internal error")
        return render_template("error.html", name="internal"), 500
