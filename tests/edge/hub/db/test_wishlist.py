"""Wishlists: replaced whole, kept in order, unknown skus refused by name."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from edge.hub.db import Catalog, HubDatabase, Member, NotFound, Product, UnknownProduct, Wishlists
from tests.edge.hub.db.conftest import FakeClock


@pytest.fixture
def wishlists(db: HubDatabase, clock: FakeClock) -> Wishlists:
    Catalog(db, clock).upsert_products([Product(sku, sku.lower(), "running", 10.0) for sku in ("A-1", "B-2", "C-3")])
    return Wishlists(db, clock)


def test_replace_and_get(wishlists: Wishlists, make_member: Callable[..., Member]) -> None:
    giulia, marco = make_member(), make_member()
    assert wishlists.replace(giulia.member_id, ["C-3", "A-1", "C-3"]) == ["C-3", "A-1"]
    wishlists.replace(marco.member_id, ["A-1"])
    assert wishlists.get(giulia.member_id) == ["C-3", "A-1"]
    assert wishlists.replace(giulia.member_id, ["B-2"]) == ["B-2"]
    assert wishlists.get(giulia.member_id) == ["B-2"]
    assert wishlists.members_wanting("A-1") == {marco.member_id}
    assert wishlists.replace(giulia.member_id, []) == []
    assert wishlists.get(giulia.member_id) == []


def test_an_unknown_sku_is_named_and_the_old_list_stays(
    wishlists: Wishlists, make_member: Callable[..., Member]
) -> None:
    member = make_member()
    wishlists.replace(member.member_id, ["A-1"])
    with pytest.raises(UnknownProduct) as caught:
        wishlists.replace(member.member_id, ["B-2", "GHOST-9", "C-3"])
    assert caught.value.sku == "GHOST-9"
    assert wishlists.get(member.member_id) == ["A-1"]


def test_an_unknown_member(wishlists: Wishlists) -> None:
    with pytest.raises(NotFound):
        wishlists.replace("m_nobody", ["A-1"])
    assert wishlists.get("m_nobody") == []
