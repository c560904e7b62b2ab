"""Co-purchase ranking on a hand-made set of 20 baskets, worked out by hand in the comments."""

from __future__ import annotations

import pytest

from edge.hub.campaigns import CoPurchase

# 20 baskets. Socks go with everything (14 baskets); insoles only ever with shoes.
BASKETS: list[list[str]] = (
    [["shoes", "socks"]] * 4
    + [["shoes", "insoles"]] * 3
    + [["socks", "bottle"]] * 4
    + [["socks", "cap"]] * 3
    + [["socks", "tshirt"]] * 3
    + [["shoes", "gel"]]  # gel once: a coincidence, below the support floor
    + [["tent", "stove"]] * 2
)
CATEGORIES = {
    "shoes": "running",
    "insoles": "running",
    "socks": "running",
    "gel": "running",
    "laces": "running",  # in the catalogue, never sold yet
    "bottle": "apparel",
    "cap": "apparel",
    "tshirt": "apparel",
    "tent": "camping",
    "stove": "camping",
}


@pytest.fixture
def stats() -> CoPurchase:
    return CoPurchase.from_baskets(BASKETS, categories=CATEGORIES)


def test_counts(stats: CoPurchase) -> None:
    assert stats.baskets == 20
    assert (stats.count("shoes"), stats.count("socks"), stats.count("insoles"), stats.count("laces")) == (8, 14, 3, 0)
    assert stats.support("shoes", "socks") == stats.support("socks", "shoes") == 4
    assert stats.support("shoes", "tent") == 0


def test_lift_and_confidence_by_hand(stats: CoPurchase) -> None:
    # Confidence prefers the popular socks: 4/8 against 3/8.
    assert stats.confidence("shoes", "socks") == pytest.approx(0.5)
    assert stats.confidence("shoes", "insoles") == pytest.approx(0.375)
    # Lift divides popularity out: socks 4·20/(8·14) ≈ 0.71 (bought with shoes *less* than at random),
    # insoles 3·20/(8·3) = 2.5.
    assert stats.lift("shoes", "socks") == pytest.approx(80 / 112)
    assert stats.lift("shoes", "insoles") == pytest.approx(2.5)
    assert stats.lift("shoes", "tent") == 0.0
    assert stats.confidence("nothing", "shoes") == 0.0


def test_related_is_ranked_by_lift_with_a_support_floor(stats: CoPurchase) -> None:
    assert stats.related(["shoes"], n=2) == ["insoles", "socks"]
    # Gel's lift equals the insoles' (1·20/(8·1) = 2.5) but from one basket: below min_support=2 it is out,
    # and with the floor at 1 it comes after insoles, which were seen together in more baskets.
    assert "gel" not in stats.related(["shoes"], n=2)
    everything = CoPurchase.from_baskets(BASKETS, categories=CATEGORIES, keep_support=1)
    assert everything.related(["shoes"], n=3, min_support=1) == ["insoles", "gel", "socks"]
    # By default one-off pairs are not even kept: a lower floor at query time cannot bring them back.
    assert stats.support("shoes", "gel") == 0
    assert stats.related(["shoes"], n=2, min_support=1) == ["insoles", "socks"]


def test_related_never_suggests_what_is_bought_or_excluded(stats: CoPurchase) -> None:
    assert stats.related(["shoes"], exclude=["insoles"], n=1) == ["socks"]
    assert "shoes" not in stats.related(["shoes", "socks"], n=10)
    assert "socks" not in stats.related(["shoes", "socks"], n=10)


def test_a_basket_of_several_products_takes_each_candidate_best_lift(stats: CoPurchase) -> None:
    # From shoes: insoles 2.5. From socks: bottle, cap and tshirt all 20/14 ≈ 1.43; bottle has more support.
    assert stats.related(["shoes", "socks"], n=3) == ["insoles", "bottle", "cap"]
    assert stats.related(["tent"], n=1) == ["stove"]


def test_fallback_to_category_bestsellers_when_history_is_short(stats: CoPurchase) -> None:
    # Two from history, then running's bestsellers not yet chosen: gel (1 basket), then laces (never sold).
    assert stats.related(["shoes"], n=4) == ["insoles", "socks", "gel", "laces"]
    no_categories = CoPurchase.from_baskets(BASKETS)
    assert no_categories.related(["shoes"], n=4) == ["insoles", "socks"]


def test_a_new_store_suggests_from_the_catalogue_interleaving_categories() -> None:
    empty = CoPurchase.from_baskets([], categories=CATEGORIES)
    assert empty.baskets == 0
    assert empty.related(["shoes"], n=3) == ["gel", "insoles", "laces"]
    assert empty.related(["shoes", "tent"], n=4) == ["gel", "stove", "insoles", "laces"]
    assert empty.related(["unknown-sku"]) == []


def test_bestsellers(stats: CoPurchase) -> None:
    assert stats.bestsellers(3) == ["socks", "shoes", "bottle"]
    assert stats.bestsellers(2, exclude=["socks"]) == ["shoes", "bottle"]
    assert stats.bestsellers(5, category="camping") == ["stove", "tent"]
    assert stats.bestsellers(category="nothing") == []


def test_repeated_skus_count_once_and_huge_baskets_add_no_pairs() -> None:
    stats = CoPurchase.from_baskets([["a", "a", "b"], ("a", "b"), {"c"}])
    assert (stats.count("a"), stats.support("a", "b"), stats.baskets) == (2, 2, 3)
    kit = [f"item-{i}" for i in range(60)]
    stats = CoPurchase.from_baskets([kit, kit], max_basket=50)
    assert stats.count("item-0") == 2
    assert stats.support("item-0", "item-1") == 0
    assert CoPurchase.from_baskets([kit, kit]).support("item-0", "item-1") == 0  # the default cap is 50
    assert CoPurchase.from_baskets([kit, kit], max_basket=60).support("item-0", "item-1") == 2


def test_from_baskets_takes_a_generator() -> None:
    stats = CoPurchase.from_baskets(["x", s] for s in ["y", "y", "z"])
    assert stats.related(["x"]) == ["y"]
