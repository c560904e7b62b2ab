"""The OpenAPI 3.1 document of the hub's API, built from the declared routes and their msgspec Structs.

Nothing here is written by hand per route: paths, parameters, security, request bodies and answers come from
`edge.hub.api.routing.Route`, schemas from ``msgspec.json.schema_components``. Every error answer refers to the
one error schema (`ErrorBody`).
"""

from __future__ import annotations

from collections.abc import Sequence
from http import HTTPStatus
from typing import Any, Final

import msgspec

from edge.hub.api.errors import ErrorBody
from edge.hub.api.routing import JSON, Route

REF: Final = "#/components/schemas/{name}"
SECURITY_SCHEME: Final = "bearer"
TITLE: Final = "Corsia hub API"
VERSION: Final = "1"

_DESCRIPTION: Final = (
    "The store hub's API for the kiosk, the loyalty app and the store's admin tools. "
    "`Authorization: Bearer <token>`: the admin token, the kiosk token, or an enrolled device's app token "
    '(which acts for its own member only). Every error is `{"error", "message", "fields"}`. '
    "See docs/hub-api.md."
)

_PATH_TYPES: Final = {"string": {"type": "string"}, "int": {"type": "integer"}, "path": {"type": "string"}}


def build_document(routes: Sequence[Route], store: str) -> dict[str, Any]:
    """The document for `routes` on the hub of `store` (the only value a ``{store}`` parameter accepts)."""
    types: list[Any] = [ErrorBody]
    for route in routes:
        types += [t for t in (route.body, route.query) if t is not None]
        types += [a.schema for a in route.answers.values() if a.schema is not None]
    unique = list(dict.fromkeys(types))
    schemas, components = msgspec.json.schema_components(unique, ref_template=REF)
    schema_of = dict(zip(unique, schemas, strict=True))

    paths: dict[str, dict[str, Any]] = {}
    for route in routes:
        operation = _operation(route, schema_of, components, store)
        paths.setdefault(route.openapi_path, {})[route.method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {"title": TITLE, "version": VERSION, "description": _DESCRIPTION},
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {SECURITY_SCHEME: {"type": "http", "scheme": "bearer"}},
        },
    }


def _operation(route: Route, schema_of: dict[Any, Any], components: dict[str, Any], store: str) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "operationId": route.endpoint.replace(".", "_"),
        "summary": route.summary,
        "tags": [route.tag],
        # OpenAPI 3.1 lets a non-OAuth requirement list roles: the scopes that may call.
        "security": [{SECURITY_SCHEME: [str(s) for s in route.scopes]}] if route.scopes else [],
    }
    parameters = [_path_parameter(name, converter, store) for name, converter in route.path_params]
    if route.query is not None:
        parameters += _query_parameters(components[route.query.__name__])
    if parameters:
        operation["parameters"] = parameters
    if route.body is not None:
        content = {
            media: {"schema": schema_of[route.body] if media == JSON else {"type": "string"}} for media in route.media
        }
        operation["requestBody"] = {"required": True, "content": content}
    responses: dict[str, Any] = {}
    for status, answer in sorted(route.answers.items()):
        response: dict[str, Any] = {"description": answer.description}
        if answer.schema is not None:
            response["content"] = {answer.media: {"schema": schema_of[answer.schema]}}
        if answer.headers:
            response["headers"] = {h: {"schema": {"type": "string"}} for h in answer.headers}
        responses[str(status)] = response
    for status in route.errors:
        if status in route.answers:
            continue  # the route answers this status itself (a page for people, not a JSON error)
        responses[str(status)] = {
            "description": HTTPStatus(status).phrase,
            "content": {JSON: {"schema": schema_of[ErrorBody]}},
        }
        if status == 401:
            responses["401"]["headers"] = {"WWW-Authenticate": {"schema": {"type": "string"}}}
    operation["responses"] = responses
    return operation


def _path_parameter(name: str, converter: str, store: str) -> dict[str, Any]:
    schema: dict[str, Any] = dict(_PATH_TYPES.get(converter, {"type": "string"}))
    if name == "store":
        schema["enum"] = [store]  # a hub serves one store; any other id is a 404
    elif name == "token":
        schema["pattern"] = "^[0-9a-f]{32}$"  # a feedback link's token
    else:
        schema["minLength"] = 1
    return {"name": name, "in": "path", "required": True, "schema": schema}


def _query_parameters(component: dict[str, Any]) -> list[dict[str, Any]]:
    required = set(component.get("required", ()))
    return [
        {"name": name, "in": "query", "required": name in required, "schema": schema}
        for name, schema in component.get("properties", {}).items()
    ]
