"""POST /members/merge: a sign-up that clashed on its email or phone folds into the member it is, and only when
the full name matches too, so the route finds nobody by email alone."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask.testing import FlaskClient

from tests.edge.hub.api.conftest import SIGN_UP, Headers, RecordingListener


def test_the_same_person_is_merged_with_their_new_consents_and_card(
    client: FlaskClient, kiosk: Headers, member: dict[str, Any], listener: RecordingListener
) -> None:
    again = {**SIGN_UP, "first_name": " giulia ", "consents": {"service": True, "marketing": False},
             "card": "2800000000017"}  # fmt: skip
    merged = client.post("/api/v1/members/merge", json=again, headers=kiosk)
    assert merged.status_code == 200, merged.json
    assert merged.json == {"member_id": member["member_id"], "member_number": member["member_number"]}
    record = client.get(f"/api/v1/members/{member['member_id']}", headers=kiosk).json
    assert record["consents"]["marketing"] is False  # type: ignore[index]
    assert "2800000000017" in record["cards"]  # type: ignore[index]
    assert ("member_changed", (member["member_id"],)) in listener.calls


def test_someone_else_with_the_email_is_not_found_and_nothing_changes(
    client: FlaskClient, kiosk: Headers, admin: Headers, member: dict[str, Any]
) -> None:
    stranger = {**SIGN_UP, "first_name": "Chiara", "consents": {"service": True, "marketing": False}}
    answer = client.post("/api/v1/members/merge", json=stranger, headers=kiosk)
    assert answer.status_code == 404
    assert member["member_number"] not in answer.get_data(as_text=True)
    nobody = client.post("/api/v1/members/merge", json={**SIGN_UP, "email": "nessuno@example.it", "phone": None},
                         headers=kiosk)  # fmt: skip
    assert nobody.status_code == 404
    assert nobody.json == answer.json  # the same answer: no way to tell a taken email from a free one
    record = client.get(f"/api/v1/members/{member['member_id']}", headers=admin).json
    assert record["consents"]["marketing"] is True  # type: ignore[index]


def test_only_kiosks_and_admins_merge(client: FlaskClient, sign_up: Callable[..., dict[str, Any]]) -> None:
    assert client.post("/api/v1/members/merge", json=SIGN_UP).status_code == 401
