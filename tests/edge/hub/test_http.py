"""The hub's HTTP server: the access log never shows a card number, a token or a member id."""

from __future__ import annotations

import pytest

from edge.hub.http import redact


@pytest.mark.parametrize(("path", "shown"), [
    ("/api/v1/cards/0042123456789", "/api/v1/cards/…"),
    ("/api/v1/preregistrations/q3J8abc-_xyz", "/api/v1/preregistrations/…"),
    ("/api/v1/members/m_0123456789abcdef/consents", "/api/v1/members/…/consents"),
    ("/t/5b0e5e2f3a8c4c1f?u=https%3A%2F%2Fshop", "/t/…"),
    ("/feedback/0123456789abcdef0123456789abcdef", "/feedback/…"),
    ("/api/v1/stores/demo/occupancy", "/api/v1/stores/demo/occupancy"),
    ("/healthz", "/healthz"),
])  # fmt: skip
def test_personal_and_secret_path_parts_are_redacted(path: str, shown: str) -> None:
    assert redact(path) == shown
