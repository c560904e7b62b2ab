"""A member's wishlist: the products they saved online, which the hub speaks of when they walk in."""

from __future__ import annotations

from flask import Response

from edge.hub.api import repos
from edge.hub.api.routing import ADMIN, APP, Answer, ApiBlueprint, reply
from edge.hub.api.schemas import Wishlist, WishlistView

api = ApiBlueprint("wishlist", __name__)

WISHLIST = Answer("The wishlist, in the member's order", WishlistView)


@api.route(
    "PUT", "/members/<member_id>/wishlist",
    scopes=(ADMIN, APP), body=Wishlist, answers={200: WISHLIST},
)  # fmt: skip
def replace_wishlist(member_id: str, body: Wishlist) -> Response:
    """Replace the member's wishlist (every sku must be in the catalog)."""
    skus = repos.wishlists().replace(member_id, body.skus)
    return reply(WishlistView(member_id=member_id, skus=skus))


@api.route(
    "GET", "/members/<member_id>/wishlist",
    scopes=(ADMIN, APP), answers={200: WISHLIST},
)  # fmt: skip
def get_wishlist(member_id: str) -> Response:
    """The member's wishlist."""
    repos.member(member_id)
    return reply(WishlistView(member_id=member_id, skus=repos.wishlists().get(member_id)))
