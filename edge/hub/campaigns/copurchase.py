"""Co-purchase statistics: which products are bought together, for the thank-you coupon after a purchase.

From past baskets (the skus of each receipt), count how many baskets hold each product and each pair. For a
basket just bought, the related products are ranked by **lift**:

    lift(a, b) = P(a and b) / (P(a) P(b)) = n(a, b) · N / (n(a) · n(b))

Confidence, P(b | a) = n(a, b) / n(a), ranks by how often b follows a, which mostly means how popular b is:
socks and water bottles go with everything, so a confidence ranking offers socks to everyone. Lift divides
the popularity out and keeps what is bought *because of* a (the insoles with the running shoes). Its weakness is
the opposite one, a rare product seen once with a and nowhere else gets a huge lift from one coincidence; the
`min_support` floor (at least that many baskets with both) keeps such flukes out. Ties go to the pair seen in
more baskets, then to the sku, so the ranking is deterministic.

For a basket of several products a candidate's score is its best lift with any of them. When history gives
fewer than `n` candidates (a new store, a new product), the rest are the bestsellers of the bought products'
categories, if the catalogue's categories were given, including products never sold yet.

Counting is one pass over the baskets; 100,000 baskets of 1–8 products take about a second on one core
(docs/campaigns.md). Very large baskets (a team's kit) count for their products but not for pairs: their
pairs are many, and say little.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from itertools import combinations
from typing import Final

MAX_BASKET: Final = 50
"""Baskets with more distinct products than this add to the product counts only (their pairs grow as n²)."""


class CoPurchase:
    """Product and pair counts over a set of baskets, and the related-product ranking over them."""

    __slots__ = ("_baskets", "_by_category", "_categories", "_counts", "_pairs")

    def __init__(
        self,
        baskets: int,
        counts: Mapping[str, int],
        pairs: Mapping[str, Mapping[str, int]],
        categories: Mapping[str, str] | None = None,
    ) -> None:
        """Prefer `from_baskets`. `pairs[a][b]` is the number of baskets with both (symmetric)."""
        self._baskets = baskets
        self._counts = dict(counts)
        self._pairs = {a: dict(b) for a, b in pairs.items()}
        self._categories = dict(categories or {})
        by_category: dict[str, list[str]] = defaultdict(list)
        for sku, category in self._categories.items():
            by_category[category].append(sku)
        # Bestsellers first; never-sold products of the category still count, last.
        self._by_category = {
            c: sorted(skus, key=lambda s: (-self._counts.get(s, 0), s)) for c, skus in by_category.items()
        }

    @classmethod
    def from_baskets(
        cls,
        baskets: Iterable[Iterable[str]],
        *,
        categories: Mapping[str, str] | None = None,
        max_basket: int = MAX_BASKET,
        keep_support: int = 2,
    ) -> CoPurchase:
        """Count `baskets` (each the skus of one receipt; a sku twice in one basket counts once).
        `categories` maps sku to category, for the fallback. Pairs seen in fewer than `keep_support` baskets
        are dropped once counted: most pairs are one-off coincidences (five in six, on 100,000 baskets), and
        `related` ignores them at its default floor anyway."""
        index: dict[str, int] = {}
        names: list[str] = []
        counts: Counter[int] = Counter()
        pair_codes: Counter[int] = Counter()
        total = 0
        for basket in baskets:
            total += 1
            ids = []
            for sku in set(basket):
                i = index.get(sku)
                if i is None:
                    i = index[sku] = len(names)
                    names.append(sku)
                ids.append(i)
            counts.update(ids)
            if 2 <= len(ids) <= max_basket:
                ids.sort()
                # One int per pair keeps the counter's keys small and the counting in C.
                pair_codes.update([a << 32 | b for a, b in combinations(ids, 2)])
        pairs: dict[str, dict[str, int]] = defaultdict(dict)
        for code, n in pair_codes.items():
            if n < keep_support:
                continue
            a, b = names[code >> 32], names[code & 0xFFFFFFFF]
            pairs[a][b] = n
            pairs[b][a] = n
        return cls(total, {names[i]: n for i, n in counts.items()}, pairs, categories)

    @property
    def baskets(self) -> int:
        """How many baskets were counted."""
        return self._baskets

    def count(self, sku: str) -> int:
        """Baskets holding `sku`."""
        return self._counts.get(sku, 0)

    def support(self, a: str, b: str) -> int:
        """Baskets holding both."""
        return self._pairs.get(a, {}).get(b, 0)

    def confidence(self, a: str, b: str) -> float:
        """P(b | a): the share of baskets with `a` that also hold `b` (0.0 when `a` was never bought)."""
        n = self.count(a)
        return self.support(a, b) / n if n else 0.0

    def lift(self, a: str, b: str) -> float:
        """How much likelier `b` is in a basket with `a` than in any basket (1.0 = independent; 0.0 unseen)."""
        both = self.support(a, b)
        return both * self._baskets / (self.count(a) * self.count(b)) if both else 0.0

    def related(self, skus: Iterable[str], exclude: Iterable[str] = (), n: int = 3, min_support: int = 2) -> list[str]:
        """Up to `n` products to suggest with `skus`, best first, none of them in `skus` or `exclude`: by lift
        among pairs seen in at least `min_support` baskets, then the bought products' category bestsellers."""
        bought = list(dict.fromkeys(skus))
        skip = set(bought) | set(exclude)
        best: dict[str, tuple[float, int]] = {}
        for a in bought:
            n_a = self._counts.get(a, 0)
            for b, both in self._pairs.get(a, {}).items():
                if both < min_support or b in skip:
                    continue
                score = (both * self._baskets / (n_a * self._counts[b]), both)
                if score > best.get(b, (0.0, 0)):
                    best[b] = score
        ranked = sorted(best, key=lambda b: (-best[b][0], -best[b][1], b))[:n]
        if len(ranked) < n:
            ranked += self._category_fallback(bought, skip | set(ranked), n - len(ranked))
        return ranked

    def bestsellers(self, n: int = 3, exclude: Iterable[str] = (), category: str | None = None) -> list[str]:
        """The `n` most bought products (of `category`, if given), best first: the suggestions that say nothing
        about the member, for members without profiling consent."""
        skip = set(exclude)
        if category is not None:
            pool: Iterable[str] = self._by_category.get(category, [])
        else:
            pool = sorted(self._counts, key=lambda s: (-self._counts[s], s))
        return [s for s in pool if s not in skip][:n]

    def _category_fallback(self, bought: list[str], skip: set[str], n: int) -> list[str]:
        chosen: list[str] = []
        # Interleave the bought products' categories so one big category does not crowd out the others.
        categories = dict.fromkeys(self._categories[s] for s in bought if s in self._categories)
        lists = [self._by_category[c] for c in categories]
        positions = [0] * len(lists)
        while len(chosen) < n and any(p < len(lst) for p, lst in zip(positions, lists, strict=True)):
            for k, lst in enumerate(lists):
                while positions[k] < len(lst) and (lst[positions[k]] in skip or lst[positions[k]] in chosen):
                    positions[k] += 1
                if positions[k] < len(lst) and len(chosen) < n:
                    chosen.append(lst[positions[k]])
                    positions[k] += 1
        return chosen
