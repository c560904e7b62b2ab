"""docs/hub-api.md documents every route of the API as the code declares it: a section per route, who may call
it, and an example request and answer."""

from __future__ import annotations

import re

import pytest

from edge.hub.api.app import BLUEPRINTS
from edge.hub.api.routing import Route
from tests.conftest import REPO

DOC = (REPO / "docs" / "hub-api.md").read_text(encoding="utf-8")
ROUTES = [r for bp in BLUEPRINTS for r in bp.routes]
HEADING = re.compile(r"^### `(?P<method>[A-Z]+) (?P<path>\S+)`$", re.MULTILINE)


def sections() -> dict[tuple[str, str], str]:
    """Each route heading's text, up to the next heading."""
    found: dict[tuple[str, str], str] = {}
    matches = list(HEADING.finditer(DOC))
    for here, after in zip(matches, [*matches[1:], None], strict=True):
        end = after.start() if after is not None else len(DOC)
        key = (here["method"], here["path"])
        assert key not in found, f"{key} is documented twice"
        found[key] = DOC[here.end() : end].split("\n## ", 1)[0]
    return found


def test_every_route_is_documented_and_nothing_else() -> None:
    assert set(sections()) == {(r.method, r.openapi_path) for r in ROUTES}


@pytest.mark.parametrize("route", ROUTES, ids=[f"{r.method} {r.openapi_path}" for r in ROUTES])
def test_each_section_says_who_and_shows_an_exchange(route: Route) -> None:
    text = sections()[(route.method, route.openapi_path)]
    who = ", ".join(str(s) for s in route.scopes) if route.scopes else "anyone (no token)"
    assert f"\nWho: {who}.\n" in text
    request_line = re.escape(route.method) + " " + re.sub(r"\\\{\w+\\\}", r"\\S+", re.escape(route.openapi_path))
    assert re.search(rf"```http\n{request_line}[ ?\n]", text), "an example request"
    assert re.search(r"```http\nHTTP/1\.1 \d{3} ", text), "an example answer"
