"""docs/kiosk.md documents every route of the kiosk's app, with its methods."""

from __future__ import annotations

from flask import Flask

from tests.conftest import REPO

DOC = REPO / "docs" / "kiosk.md"


def test_every_route_is_documented_with_its_methods(app: Flask) -> None:
    rows = [line for line in DOC.read_text(encoding="utf-8").splitlines() if line.startswith("| `")]
    rules = list(app.url_map.iter_rules())
    assert len(rules) > 15
    for rule in rules:
        row = next((r for r in rows if f"{rule.rule}`" in r.split("|")[1]), None)
        assert row is not None, f"{rule.rule} is not in docs/kiosk.md"
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            assert method in row.split("|")[1], f"{method} {rule.rule} is not in docs/kiosk.md"


def test_the_screenshots_the_doc_shows_exist() -> None:
    text = DOC.read_text(encoding="utf-8")
    for name in ("kiosk-home.png", "kiosk-signup.png"):
        assert f"(img/{name})" in text
        assert (REPO / "docs" / "img" / name).stat().st_size > 10_000
