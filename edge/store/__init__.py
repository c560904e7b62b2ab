"""The store layout: the floor plan of one store, its zones and where its gateways are.

    >>> from edge.store import load_layout
    >>> layout = load_layout("examples/stores/demo.toml")
    >>> layout.zone_at(10.5, 12.0).label_for("en")
    'Aisle 4 — Running'

Part of the contract every process imports: plain typed data, stdlib only. The file format is in
docs/store-layout.md.
"""

from edge.errors import LayoutError
from edge.store.layout import ID_PATTERN, GatewayPlacement, Rect, StoreLayout, Zone, ZoneKind
from edge.store.loader import load_layout, parse_layout

__all__ = [
    "ID_PATTERN",
    "GatewayPlacement",
    "LayoutError",
    "Rect",
    "StoreLayout",
    "Zone",
    "ZoneKind",
    "load_layout",
    "parse_layout",
]
