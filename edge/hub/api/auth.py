"""Who is calling: the bearer token and the scope it grants.

Three scopes. ``admin`` (``[hub] admin_token``) may do everything; ``kiosk`` (``[hub] kiosk_token``) signs
members up, links cards and records consents; ``app`` is one enrolled device's ``app_token``, which speaks for
exactly one member: it may only call for that member (another member's id is a 403, whether or not that member
exists, so an app cannot probe for ids).

Tokens are compared in constant time, and an empty configured token never matches anything, so a hub without a
kiosk token simply has no kiosk scope.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum

from flask import g, request

from edge.config import HubSection
from edge.hub.api.errors import Forbidden, Unauthorized


class Scope(StrEnum):
    """What a token may do; routes declare the scopes they accept."""

    ADMIN = "admin"
    KIOSK = "kiosk"
    APP = "app"


@dataclass(frozen=True, slots=True)
class Principal:
    """The caller of this request: its scope and, for an app token, the one member it speaks for."""

    scope: Scope
    member_id: str | None = None


def token_matches(given: str, configured: str) -> bool:
    """Whether `given` is `configured`, in time that does not depend on where they differ; "" never matches."""
    if not configured:
        return False
    return hmac.compare_digest(given.encode("utf-8", "surrogateescape"), configured.encode("utf-8", "surrogateescape"))


def bearer_token(header: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header (the scheme is case-insensitive), else None."""
    if not header:
        return None
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        return None
    return token


def identify(token: str, hub: HubSection, app_member: Callable[[str], str | None]) -> Principal | None:
    """The principal `token` stands for, or None. `app_member` maps an app token to its member's id."""
    if token_matches(token, hub.admin_token):
        return Principal(Scope.ADMIN)
    if token_matches(token, hub.kiosk_token):
        return Principal(Scope.KIOSK)
    member_id = app_member(token)
    return Principal(Scope.APP, member_id) if member_id is not None else None


def authorize(principal: Principal, allowed: Iterable[Scope], member_id: str | None = None) -> None:
    """Raise `Forbidden` unless `principal`'s scope is allowed and, for an app, `member_id` is its own member."""
    if principal.scope not in set(allowed):
        raise Forbidden(f"the {principal.scope} scope may not make this call")
    if principal.scope is Scope.APP and member_id is not None and member_id != principal.member_id:
        raise Forbidden("an app token may only act for its own member")


def authenticate(hub: HubSection, app_member: Callable[[str], str | None]) -> Principal:
    """The principal of the current request (kept on `flask.g`); `Unauthorized` without a known token."""
    token = bearer_token(request.headers.get("Authorization"))
    if token is None:
        raise Unauthorized("this call needs an Authorization: Bearer token")
    principal = identify(token, hub, app_member)
    if principal is None:
        raise Unauthorized("the bearer token is not valid")
    g.principal = principal
    return principal


def current_principal() -> Principal | None:
    """The principal authenticated for this request, None on a public route."""
    principal: Principal | None = g.get("principal")
    return principal


def require_own(member_id: str) -> None:
    """For views that learn the member only from what they load (an order): an app may only see its own."""
    principal = current_principal()
    if principal is not None and principal.scope is Scope.APP and principal.member_id != member_id:
        raise Forbidden("an app token may only act for its own member")
