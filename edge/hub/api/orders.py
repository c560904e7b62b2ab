"""Click & collect orders: the e-commerce system tells the hub about an order and when it is ready, so the store
notices the member walking in; the member's app may read its own orders."""

from __future__ import annotations

from flask import Response

from edge.hub.api import repos
from edge.hub.api.auth import require_own
from edge.hub.api.database import hub_context
from edge.hub.api.errors import Invalid, NotFound
from edge.hub.api.routing import ADMIN, APP, Answer, ApiBlueprint, reply
from edge.hub.api.store_schemas import NewOrder, OrderLine, OrderStatus, OrderView
from edge.hub.db import NotFound as UnknownRecord
from edge.hub.db import OrderLine as StoredLine
from edge.hub.db import PickupOrder

api = ApiBlueprint("orders", __name__)

ORDER = Answer("The order", OrderView)


def order_view(order: PickupOrder) -> OrderView:
    """The answer for a stored order."""
    return OrderView(
        order_id=order.order_id,
        member_id=order.member_id,
        store=order.store,
        status=order.status,
        items=[OrderLine(sku=line.sku, qty=line.qty) for line in order.items],
        created=order.created,
        updated=order.updated,
    )


@api.route(
    "POST", "/orders",
    scopes=(ADMIN,), body=NewOrder, errors=(409,), answers={201: Answer("Stored", OrderView)},
)  # fmt: skip
def create_order(body: NewOrder) -> Response:
    """Tell the hub about a click & collect order for this store."""
    lines = [StoredLine(line.sku, line.qty) for line in body.items]
    try:
        order = repos.orders().create(body.order_id, body.member_id, hub_context().store, lines, body.status)
    except UnknownRecord:
        # The member is named in the body, not in the path: a field of the request is wrong.
        raise Invalid("no such member", {"member_id": "unknown"}) from None
    return reply(order_view(order), 201)


@api.route(
    "PATCH", "/orders/<order_id>",
    scopes=(ADMIN,), body=OrderStatus, errors=(409,), answers={200: ORDER},
)  # fmt: skip
def set_order_status(order_id: str, body: OrderStatus) -> Response:
    """Move an order on: ready, collected or cancelled."""
    return reply(order_view(repos.orders().set_status(order_id, body.status)))


@api.route(
    "GET", "/orders/<order_id>",
    scopes=(ADMIN, APP), answers={200: ORDER},
)  # fmt: skip
def get_order(order_id: str) -> Response:
    """An order (an app sees only its member's orders)."""
    order = repos.orders().get(order_id)
    if order is None:
        raise NotFound("no such order", {"order": "unknown"})
    require_own(order.member_id)
    return reply(order_view(order))
