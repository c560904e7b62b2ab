"""The wallet route: who may read which wallet, its shape, and the legacy balance import."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from edge.hub.context import HubContext
from edge.hub.db import Ledger
from tests.edge.hub.api.conftest import Headers

LEGACY = "card,points\n0042-1111,120\n00422222,30\n"


def csv_post(client: FlaskClient, headers: Headers, text: str) -> Any:
    return client.post("/api/v1/wallet/legacy-balances", data=text, headers={**headers, "Content-Type": "text/csv"})


def test_wallet_scopes_and_shape(
    ctx: HubContext, client: FlaskClient, admin: Headers, kiosk: Headers, app_headers: Headers,
    member: dict[str, Any], sign_up: Any,
) -> None:  # fmt: skip
    member_id = member["member_id"]
    path = f"/api/v1/members/{member_id}/wallet"
    db = ctx.connect()
    try:
        Ledger(db, ctx.clock).issue(
            member_id, "ABCD-1234", percent=10, valid_until=ctx.clock() + 3600, skus=["RUN-42"], source="t"
        )
    finally:
        db.close()
    for headers in (admin, kiosk, app_headers):
        response = client.get(path, headers=headers)
        assert response.status_code == 200, response.json
    body = response.json
    assert body is not None
    assert (body["member_id"], body["points"]) == (member_id, 0)
    assert [(c["code"], c["state"], c["percent"], c["skus"]) for c in body["coupons"]] == [
        ("ABCD-1234", "active", 10.0, ["RUN-42"])
    ]
    assert [(h["kind"], h["code"], h["points"]) for h in body["history"]] == [("coupon_issued", "ABCD-1234", 0)]
    other = sign_up(email="marco@example.it", phone=None, first_name="Marco")
    assert client.get(f"/api/v1/members/{other['member_id']}/wallet", headers=app_headers).status_code == 403
    assert client.get(path).status_code == 401
    assert client.get("/api/v1/members/m_nobody/wallet", headers=admin).status_code == 404


def test_legacy_import_carries_over_to_linked_cards(
    client: FlaskClient, admin: Headers, kiosk: Headers, member: dict[str, Any]
) -> None:
    member_id = member["member_id"]
    linked = client.post(f"/api/v1/members/{member_id}/cards", json={"card": "00421111"}, headers=kiosk)
    assert linked.status_code == 201
    assert csv_post(client, kiosk, LEGACY).status_code == 403
    response = csv_post(client, admin, LEGACY)
    assert (response.status_code, response.json) == (200, {"imported": 2, "carried": 1, "skipped": 0})
    wallet = client.get(f"/api/v1/members/{member_id}/wallet", headers=admin).json
    assert wallet is not None
    assert wallet["points"] == 120
    assert [(h["kind"], h["card"], h["points"]) for h in wallet["history"]] == [("carry_over", "00421111", 120)]
    # Linked after the import: carried over when the wallet is read, once.
    client.post(f"/api/v1/members/{member_id}/cards", json={"card": "00422222"}, headers=kiosk)
    for _ in range(2):
        assert client.get(f"/api/v1/members/{member_id}/wallet", headers=admin).json["points"] == 150  # type: ignore[index]
    assert csv_post(client, admin, LEGACY).json == {"imported": 0, "carried": 0, "skipped": 2}


def test_a_bad_legacy_row_is_a_422_and_imports_nothing(client: FlaskClient, admin: Headers) -> None:
    response = csv_post(client, admin, "card,points\n00421111,5\n00422222,lots\n")
    assert response.status_code == 422
    assert response.json is not None
    assert (response.json["error"], response.json["fields"]) == ("invalid_row", {"points": "row 3: not an integer"})
    assert csv_post(client, admin, "card,points\n00421111,5\n").json == {"imported": 1, "carried": 0, "skipped": 0}
    wrong = client.post("/api/v1/wallet/legacy-balances", json={"card": "1"}, headers=admin)
    assert wrong.status_code == 415
