"""The API's errors: one JSON shape for every one of them, and the handlers that give it to Flask's own errors.

Every error answer is ``{"error": "<code>", "message": "...", "fields": {...}}``: `error` is a stable code a
client can branch on, `message` is for people, `fields` maps the offending fields (dotted paths, ``consents.service``,
``items[0].sku``) to what is wrong with each. Bad input is always a 4xx; an unexpected failure is a 500 that says
nothing about its cause (the log has it).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import ClassVar, Final

import msgspec
from flask import Flask, Response
from werkzeug.exceptions import HTTPException, InternalServerError

log = logging.getLogger("corsia.hub.api")


class ErrorBody(msgspec.Struct, forbid_unknown_fields=True):
    """What every error answer carries."""

    error: str
    """A stable code: ``invalid``, ``duplicate``, ``not_found``, ``gone``, ..."""
    message: str
    """A sentence for people; never a stack trace, never another member's data."""
    fields: dict[str, str] = msgspec.field(default_factory=dict)
    """The offending fields and what is wrong with each (empty when the error is not about fields)."""


class ApiError(Exception):
    """An error the API answers on purpose. Subclasses fix the HTTP status and the default code."""

    status: ClassVar[int] = 400
    code: ClassVar[str] = "bad_request"

    def __init__(self, message: str, fields: Mapping[str, str] | None = None, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = dict(fields or {})
        self.error_code = code or self.code

    def body(self) -> ErrorBody:
        return ErrorBody(error=self.error_code, message=self.message, fields=self.fields)


class Malformed(ApiError):
    """The body is not JSON (or not CSV) at all."""

    status = 400
    code = "malformed"


class Unauthorized(ApiError):
    """No bearer token, or one the hub does not know."""

    status = 401
    code = "unauthorized"


class Forbidden(ApiError):
    """A known token whose scope does not allow the call (a kiosk erasing, an app reading another member)."""

    status = 403
    code = "forbidden"


class NotFound(ApiError):
    """No such record, route or store; also a `{store}` that is not this hub's."""

    status = 404
    code = "not_found"


class Conflict(ApiError):
    """The call clashes with what is stored (a duplicate email, a card linked to someone else)."""

    status = 409
    code = "conflict"


class Gone(ApiError):
    """A one-time credential that was used or has expired."""

    status = 410
    code = "gone"


class UnsupportedMediaType(ApiError):
    """A body in a content type the route does not take."""

    status = 415
    code = "unsupported_media_type"


class Invalid(ApiError):
    """Well-formed input that breaks a rule: a missing or unknown field, a wrong type, a value out of range."""

    status = 422
    code = "invalid"


# The codes of Flask's and Werkzeug's own errors (routing, size limits), so a client sees one vocabulary.
_HTTP_CODES: Final[dict[int, str]] = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    410: "gone",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid",
    500: "internal",
    503: "unavailable",
}

# msgspec's messages: "Expected `int`, got `str` - at `$.items[0].qty`", "Object missing required field `email`".
_AT: Final = re.compile(r"^(?P<reason>.*?)(?: - at `\$(?P<path>[^`]*)`)?$", re.DOTALL)
_NAMED: Final = re.compile(r"^Object (?:missing required|contains unknown) field `(?P<name>[^`]*)`$")


def validation_fields(error: msgspec.ValidationError, prefix: str = "") -> dict[str, str]:
    """The field a msgspec validation error is about, as ``{"consents.service": "Expected `bool`, got `int`"}``.

    A missing or unknown field is named by itself (``consents.x``), not by the object that holds it.
    """
    match = _AT.match(str(error))
    reason = match["reason"] if match else str(error)
    path = (match["path"] or "") if match else ""
    named = _NAMED.match(reason)
    if named:
        path = f"{path}.{named['name']}"
        reason = "unknown field" if "unknown" in reason else "required"
    path = path.removeprefix(".")
    if prefix:
        path = f"{prefix}.{path}" if path else prefix
    return {path or "$": reason}


def error_response(status: int, body: ErrorBody, headers: Mapping[str, str] | None = None) -> Response:
    """A JSON error answer with `status`, `body` and extra `headers`."""
    response = Response(msgspec.json.encode(body), status=status, mimetype="application/json")
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def api_error_response(error: ApiError) -> Response:
    """The JSON answer of `error` (a 401 also says which scheme to use)."""
    headers = {"WWW-Authenticate": 'Bearer realm="corsia"'} if error.status == 401 else None
    return error_response(error.status, error.body(), headers)


def _http_error(error: HTTPException) -> Response:
    status = error.code or 500
    code = _HTTP_CODES.get(status, f"http_{status}")
    message = error.description or error.name
    # Keep what the exception says in its headers (Allow for 405), but the body is ours.
    headers = {k: v for k, v in error.get_headers() if k.lower() != "content-type"}
    return error_response(status, ErrorBody(error=code, message=message), headers)


def _internal_error(error: InternalServerError) -> Response:
    # Flask has logged the original exception with its traceback; the client learns nothing about it.
    cause = error.original_exception
    log.error("request failed: %s", type(cause).__name__ if cause is not None else "internal error")
    return error_response(500, ErrorBody(error="internal", message="the hub could not answer this request"))


def register_error_handlers(app: Flask) -> None:
    """Make every error of `app` answer the JSON error shape."""
    app.register_error_handler(ApiError, api_error_response)
    app.register_error_handler(InternalServerError, _internal_error)
    app.register_error_handler(HTTPException, _http_error)
