"""schemathesis against the app: generated requests, valid and invalid, for every documented operation; no 500
and no answer the OpenAPI document does not describe.

Bounded and deterministic (a fixed number of examples per operation, derandomized) so it stays fast and a
failure is reproducible. The strategies are used directly with Hypothesis, one test per operation and mode;
a third mode fixes the path parameters to records that exist (a member, a card, a product, an order, a
campaign), so generated bodies reach the code behind the 404s.

One check is left out: `positive_data_acceptance`, which expects every schema-valid body to be accepted. The
document states shapes; rules that need the database or the contact normalizers (an email's domain, a sku in
the catalog, the service consent being true) still answer 422, as documented.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import schemathesis
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from edge.hub.api.app import BLUEPRINTS
from tests.edge.hub.api.conftest import TEXTS

ADMIN = {"Authorization": "Bearer admin-token-for-tests"}
ROUTES = [r for bp in BLUEPRINTS for r in bp.routes]
POSITIVE, NEGATIVE = GenerationMode.POSITIVE, GenerationMode.NEGATIVE
CASES = (
    [(r.method, r.openapi_path, POSITIVE, False) for r in ROUTES]
    # Negative cases need something to break: a path parameter, a query or a body.
    + [(r.method, r.openapi_path, NEGATIVE, False) for r in ROUTES if r.path_params or r.query or r.body]
    + [(r.method, r.openapi_path, POSITIVE, True) for r in ROUTES if {n for n, _ in r.path_params} - {"store"}]
)
IDS = [f"{m} {p} {g.value}{' seeded' if s else ''}" for m, p, g, s in CASES]


@pytest.fixture
def records(client: FlaskClient, admin: dict[str, str], sign_up: Callable[..., dict[str, Any]]) -> dict[str, str]:
    """A member with a card, a product, an order and a campaign: the path parameters of the seeded cases."""
    member = sign_up(card="0042-1234 5678")
    catalog = {
        "products": [{"sku": "RUN-42", "name": "Scarpa", "category": "running", "price": 89.9}],
        "locations": [{"store": "demo", "sku": "RUN-42", "zone": "aisle-4", "shelf": "B", "stock": 3}],
    }
    seeds = {
        "/api/v1/catalog": catalog,
        "/api/v1/stores/demo/campaigns": {"id": "welcome", "name": "Welcome", "trigger": "store_enter", "texts": TEXTS},
        "/api/v1/orders": {"order_id": "WEB-1", "member_id": member["member_id"]},
    }
    for path, body in seeds.items():
        assert client.post(path, json=body, headers=admin).status_code in (200, 201)
    return {"member_id": member["member_id"], "card": "004212345678", "sku": "RUN-42", "order_id": "WEB-1",
            "campaign_id": "welcome", "notification_id": "n-unknown"}  # fmt: skip


@pytest.mark.parametrize(("method", "path", "mode", "seeded"), CASES, ids=IDS)
def test_the_api_keeps_its_document(
    app: Flask, records: dict[str, str], method: str, path: str, mode: GenerationMode, seeded: bool
) -> None:
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operation = schema[path][method]
    fixed = {p.name: records[p.name] for p in operation.path_parameters if seeded and p.name in records}
    strategy = operation.as_strategy(generation_mode=mode, path_parameters=fixed or None)

    @given(data=st.data())
    @settings(max_examples=15, derandomize=True, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    def check(data: st.DataObject) -> None:
        case = data.draw(strategy)
        case.call_and_validate(headers=ADMIN, excluded_checks=[schemathesis.checks.positive_data_acceptance])

    check()
