"""The demo store's aisle gateways hung otherwise, for the benches that ask where a store should hang them.

Each placement takes a layout and gives its gateways; the aisles are the layout's zones of kind ``aisle``, each
running front to back (the demo store's), with its gateways on the aisle's centre line. A new gateway has no
receiver offset. Measured in docs/accuracy.md ("Where the gateways hang").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Final

from edge.store import StoreLayout
from edge.store.layout import GatewayPlacement, ZoneKind

Placement = Callable[[StoreLayout], list[GatewayPlacement]]


def aisle_centres(layout: StoreLayout) -> list[tuple[str, float]]:
    """Each aisle's id and the x of its centre line."""
    return [(z.id, (z.rect.x0 + z.rect.x1) / 2) for z in layout.zones_of_kind(ZoneKind.AISLE)]


def aisle_gateways_at(layout: StoreLayout, y: float) -> list[GatewayPlacement]:
    """The layout's gateways with those of the aisles moved to `y`; the others stay."""
    aisles = {a for a, _ in aisle_centres(layout)}
    return [replace(g, y=y) if g.zone_id in aisles else g for g in layout.gateways]


def as_built(layout: StoreLayout) -> list[GatewayPlacement]:
    return list(layout.gateways)


def forward(layout: StoreLayout) -> list[GatewayPlacement]:
    """Each aisle's gateway 4 m nearer the mouth than the demo store's (y 8 instead of 12)."""
    return aisle_gateways_at(layout, 8.0)


def mouths(layout: StoreLayout) -> list[GatewayPlacement]:
    """As built, plus a second gateway 2 m inside each aisle's mouth (y 6)."""
    return list(layout.gateways) + [GatewayPlacement(f"gw-{a}-mouth", a, x, 6.0) for a, x in aisle_centres(layout)]


def two_per_aisle(layout: StoreLayout) -> list[GatewayPlacement]:
    """Two gateways in each aisle, at y 7 and y 15."""
    back = [GatewayPlacement(f"gw-{a}-back", a, x, 15.0) for a, x in aisle_centres(layout)]
    return aisle_gateways_at(layout, 7.0) + back


PLACEMENTS: Final[dict[str, Placement]] = {
    "as-built": as_built,
    "forward": forward,
    "mouths": mouths,
    "two-per-aisle": two_per_aisle,
}


def at_y(y: float) -> tuple[str, Placement]:
    """A placement named for the y its aisle gateways hang at (``"y7"``)."""
    return f"y{y:g}", lambda layout: aisle_gateways_at(layout, y)


def placed(layout: StoreLayout, placement: Placement) -> StoreLayout:
    """`layout` with its gateways hung as `placement` says."""
    return replace(layout, gateways=tuple(placement(layout)))
