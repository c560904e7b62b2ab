"""Routes that declare themselves: one declaration registers the Flask view, enforces its scopes, parses its body
and query into msgspec Structs, and is what the OpenAPI document is built from.

    api = ApiBlueprint("members", __name__)

    @api.route("POST", "/members", scopes=(ADMIN, KIOSK), body=SignUp,
               answers={201: Answer("Created", MemberCreated)}, errors=(409,))
    def create_member(body: SignUp) -> Response:
        '''Sign a member up.'''

The view's docstring is the operation's summary. So what the document says about a route (who may call it,
what it takes, what it answers) is what the code does; the tests check that the two never drift apart.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

import msgspec
from flask import Blueprint, Response, request

from edge.hub.api.auth import Scope, authenticate, authorize
from edge.hub.api.database import hub_context
from edge.hub.api.errors import ApiError, Invalid, Malformed, NotFound, UnsupportedMediaType, validation_fields
from edge.hub.api.repos import app_member

JSON: Final = "application/json"
CSV: Final = "text/csv"
API_PREFIX: Final = "/api/v1"

KIB: Final = 1024
MIB: Final = 1024 * KIB
DEFAULT_MAX_BODY: Final = 64 * KIB
"""Member, consent and campaign bodies are a few hundred bytes; catalog imports declare their own limit."""

ADMIN: Final = Scope.ADMIN
KIOSK: Final = Scope.KIOSK
APP: Final = Scope.APP

View = Callable[..., Response]

# Flask's "<member_id>" and "<int:n>" path parts; OpenAPI writes them "{member_id}".
_PATH_PARAM: Final = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")


@dataclass(frozen=True, slots=True)
class Answer:
    """One documented success answer of a route."""

    description: str
    schema: Any = None
    """A type msgspec can describe (a Struct, ``list[Struct]``, ``str``), or None for an answer without a body."""
    media: str = JSON
    headers: tuple[str, ...] = ()
    """Response headers worth documenting (``Location`` of a redirect)."""


@dataclass(frozen=True, slots=True)
class Route:
    """Everything the API knows about one route."""

    method: str
    path: str
    """The Flask rule from the root (``/api/v1/members/<member_id>``)."""
    endpoint: str
    summary: str
    scopes: tuple[Scope, ...]
    """Who may call it; empty for a public route."""
    answers: Mapping[int, Answer]
    body: type[msgspec.Struct] | None = None
    media: tuple[str, ...] = (JSON,)
    """The body's accepted content types; a text type (CSV) reaches the view as a `str`."""
    query: type[msgspec.Struct] | None = None
    extra_errors: tuple[int, ...] = ()
    max_body: int = DEFAULT_MAX_BODY
    tag: str = ""
    invalid: Callable[[msgspec.ValidationError], ApiError] | None = None
    """Turns the body's validation error into the route's own 422 (default: the field's path and reason)."""

    @property
    def path_params(self) -> list[tuple[str, str]]:
        """``(name, converter)`` of each path parameter, in order."""
        return [(m["name"], m["converter"] or "string") for m in _PATH_PARAM.finditer(self.path)]

    @property
    def openapi_path(self) -> str:
        return _PATH_PARAM.sub(lambda m: "{" + m["name"] + "}", self.path)

    @property
    def errors(self) -> tuple[int, ...]:
        """Every error status the route can answer, derived from what it declares."""
        found = set(self.extra_errors)
        if self.scopes:
            found |= {401, 403}
        if self.path_params:
            found.add(404)
        if self.body is not None:
            found |= {400, 413, 415, 422}
        if self.query is not None:
            found.add(422)
        return tuple(sorted(found))


@dataclass
class ApiBlueprint:
    """A Flask blueprint whose routes are declared with `route` and listed in `routes`."""

    name: str
    import_name: str
    url_prefix: str = API_PREFIX
    routes: list[Route] = field(default_factory=list)
    blueprint: Blueprint = field(init=False)

    def __post_init__(self) -> None:
        self.blueprint = Blueprint(self.name, self.import_name, url_prefix=self.url_prefix or None)

    def route(
        self,
        method: str,
        rule: str,
        *,
        scopes: tuple[Scope, ...],
        answers: Mapping[int, Answer],
        body: type[msgspec.Struct] | None = None,
        media: tuple[str, ...] = (JSON,),
        query: type[msgspec.Struct] | None = None,
        errors: tuple[int, ...] = (),
        max_body: int = DEFAULT_MAX_BODY,
        invalid: Callable[[msgspec.ValidationError], ApiError] | None = None,
    ) -> Callable[[View], View]:
        """Declare and register a route; the view gets the path parameters, and `body` and `query` if declared."""

        def register(view: View) -> View:
            if not view.__doc__:
                raise TypeError(f"{view.__name__} needs a docstring: it is the route's summary")
            spec = Route(
                method=method,
                path=self.url_prefix + rule,
                endpoint=f"{self.name}.{view.__name__}",
                summary=view.__doc__.strip().splitlines()[0],
                scopes=scopes,
                answers=answers,
                body=body,
                media=media,
                query=query,
                extra_errors=errors,
                max_body=max_body,
                tag=self.name,
                invalid=invalid,
            )

            @functools.wraps(view)
            def handle(**kwargs: Any) -> Response:
                return view(**prepare(spec, kwargs))

            self.blueprint.add_url_rule(rule, view.__name__, handle, methods=[method])
            self.routes.append(spec)
            return view

        return register


def prepare(route: Route, kwargs: dict[str, Any]) -> dict[str, Any]:
    """Check the caller and the path, parse the query and body: the view's keyword arguments."""
    ctx = hub_context()
    if route.scopes:
        principal = authenticate(ctx.config.hub, app_member)
        authorize(principal, route.scopes, kwargs.get("member_id"))
    if "store" in kwargs and kwargs["store"] != ctx.store:
        raise NotFound(f"this hub serves store {ctx.store!r}", {"store": "unknown store"})
    if route.query is not None:
        kwargs["query"] = parse_query(route.query)
    if route.body is not None:
        kwargs["body"] = parse_body(route)
    return kwargs


def parse_query(kind: type[msgspec.Struct]) -> msgspec.Struct:
    """The query string as `kind`; strings become numbers where the Struct says so."""
    try:
        return msgspec.convert(request.args.to_dict(), type=kind, strict=False)
    except msgspec.ValidationError as error:
        raise Invalid("the query string is not valid", validation_fields(error)) from None


def parse_body(route: Route) -> msgspec.Struct | str:
    """The request body: a Struct for JSON, the text itself for a text type (CSV)."""
    assert route.body is not None
    request.max_content_length = route.max_body
    if request.mimetype not in route.media:
        raise UnsupportedMediaType(f"send the body as {' or '.join(route.media)}", {"Content-Type": request.mimetype})
    data = request.get_data(cache=False)
    if request.mimetype != JSON:
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise Malformed("the body is not UTF-8 text") from None
    if not data.strip():
        raise Malformed("the body is empty; send a JSON object")
    try:
        return msgspec.json.decode(data, type=route.body)
    except msgspec.ValidationError as error:
        if route.invalid is not None:
            raise route.invalid(error) from None
        raise Invalid("the body is not valid", validation_fields(error)) from None
    except msgspec.DecodeError as error:
        raise Malformed(f"the body is not JSON: {error}") from None


def reply(obj: object, status: int = 200) -> Response:
    """A JSON answer."""
    return Response(msgspec.json.encode(obj), status=status, mimetype=JSON)


def no_content() -> Response:
    """An empty 204 answer."""
    return Response(status=204)
