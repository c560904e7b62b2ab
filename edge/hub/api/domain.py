"""How the hub libraries' errors answer over HTTP, in one place so every route maps them alike.

A view lets a library error through when the generic answer fits (an unknown member is a 404 everywhere, a bad
email a 422 naming ``email``) and catches it only where its route means something else by it.
"""

from __future__ import annotations

from flask import Flask, Response

from edge.errors import CorsiaError
from edge.hub.api.errors import ApiError, Conflict, Gone, Invalid, NotFound, api_error_response
from edge.hub.campaigns.errors import TemplateError
from edge.hub.contact import InvalidContact
from edge.hub.db import errors as db


def api_error(error: CorsiaError) -> ApiError | None:
    """The API error a library error stands for, or None when it is not the caller's doing (a 500)."""
    match error:
        case db.DuplicateMember():
            # Only the submitted fields that clash: nothing about the member who has them.
            return Conflict("already registered", error.fields, code="duplicate")
        case db.DuplicateOrder():
            return Conflict("a pickup order with this id exists", {"order_id": "taken"}, code="duplicate")
        case db.InvalidTransition():
            reason = f"{error.current} -> {error.requested} is not allowed"
            return Conflict("the order cannot change to this status", {"status": reason}, code="invalid_transition")
        case db.NotFound():
            return NotFound(f"no such {error.what}", {error.what: "unknown"})
        case db.TokenUnknown():
            return NotFound("unknown enrollment token", {"enrollment_token": "unknown"}, code="unknown_token")
        case db.TokenGone():
            return Gone(f"the enrollment token was {error.reason}", {"enrollment_token": error.reason})
        case db.CatalogImportError():
            return Invalid(
                f"row {error.row}, field {error.field}: {error.reason}; nothing was imported",
                {error.field: f"row {error.row}: {error.reason}"},
                code="invalid_row",
            )
        case db.UnknownProduct():
            return Invalid("unknown product", {"sku": "unknown"})
        case db.InvalidRecord():
            return Invalid(f"{error.field} is not valid", {error.field: error.reason})
        case InvalidContact():
            return Invalid(f"{error.field} is not valid", {error.field: error.reason})
        case TemplateError():
            return Invalid("a text is not valid", {"texts": "; ".join(error.problems)})
    return None


def register_domain_errors(app: Flask) -> None:
    """Answer the libraries' errors as their API errors; anything else stays a 500."""

    def handle(error: CorsiaError) -> Response:
        mapped = api_error(error)
        if mapped is None:
            raise error
        return api_error_response(mapped)

    app.register_error_handler(CorsiaError, handle)
