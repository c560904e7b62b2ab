"""Reading a store layout file: TOML in, a validated `StoreLayout` out.

Every problem raises `LayoutError(source, key, reason)`, with `source` the file and `key` where in it:
``store.size``, ``zone[aisle-4].rect``, ``gateway[gw-04].pos``. A zone or gateway is named by its id when it
has a valid one, otherwise by its position in the file, counting from 1 (``zone[3].id`` is the third
``[[zone]]``). Validation stops at the first problem. docs/store-layout.md lists every key and rule.
"""

from __future__ import annotations

import difflib
import math
import os
import tomllib
from collections.abc import Mapping, Sequence
from datetime import date, datetime, time
from typing import Any, Final, NoReturn

from edge.errors import LayoutError
from edge.store.layout import ID_PATTERN, GatewayPlacement, Rect, StoreLayout, Zone, ZoneKind

TOP_KEYS: Final = ("store", "zone", "gateway")
STORE_KEYS: Final = ("id", "name", "size")
ZONE_KEYS: Final = ("id", "kind", "label", "rect", "shelves")
LABEL_KEYS: Final = ("it", "en")
GATEWAY_KEYS: Final = ("id", "zone", "pos", "rssi_offset")

# Beyond ±30 dB an "offset" is a broken or misplaced gateway, not a calibration.
RSSI_OFFSET_LIMIT_DB: Final = 30.0
SHELF_LABEL_MAX: Final = 16


def load_layout(path: str | os.PathLike[str]) -> StoreLayout:
    """Read and validate a layout file; `LayoutError` naming the file, key and reason for any problem."""
    source = os.fspath(path)
    try:
        with open(source, "rb") as f:
            data = tomllib.load(f)
    except OSError as exc:
        raise LayoutError(source, "", f"cannot read the layout file: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise LayoutError(source, "", f"not UTF-8 text: byte {exc.start} cannot be decoded") from exc
    except tomllib.TOMLDecodeError as exc:
        raise LayoutError(source, "", f"not valid TOML: {exc}") from exc
    return parse_layout(data, source)


def parse_layout(data: Mapping[str, Any], source: str = "<layout>") -> StoreLayout:
    """Validate an already parsed layout (the dict `tomllib` returns); `source` names it in errors."""
    return _Reader(source).layout(data)


def _describe(value: object) -> str:
    """A value's TOML type for messages, with the value when it is short."""
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if isinstance(value, int | float):
        return f"a number ({value!r})"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f"a string ({shown!r})"
    if isinstance(value, Mapping):
        return "a table"
    if isinstance(value, Sequence):
        return f"an array of {len(value)} item{'' if len(value) == 1 else 's'}"
    if isinstance(value, datetime | date | time):
        return "a date or time"
    return f"a {type(value).__name__}"


def _num(v: float) -> str:
    return f"{v:g}"


def _bracket(values: Sequence[float]) -> str:
    return "[" + ", ".join(_num(v) for v in values) + "]"


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _hint(word: str, choices: Sequence[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


class _Reader:
    """The checks, bound to the source so every error names the file."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, key: str, reason: str) -> NoReturn:
        raise LayoutError(self.source, key, reason)

    # --- generic value checks -------------------------------------------------------------------------

    def table(self, value: object, key: str, what: str = "a table") -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            self.fail(key, f"expected {what}, got {_describe(value)}")
        return value

    def known_keys(self, table: Mapping[str, Any], known: Sequence[str], where: str) -> None:
        for name in table:
            if name not in known:
                place = where or "the top level"
                self.fail(
                    f"{where}.{name}" if where else str(name),
                    f"unknown key {name!r} in {place}; known keys: {', '.join(known)}{_hint(str(name), known)}",
                )

    def required(self, table: Mapping[str, Any], name: str, where: str) -> Any:
        if name not in table:
            self.fail(f"{where}.{name}" if where else name, "missing required key")
        return table[name]

    def text(self, value: object, key: str) -> str:
        if not isinstance(value, str):
            self.fail(key, f"expected a string, got {_describe(value)}")
        if not value.strip():
            self.fail(key, "must not be empty")
        return value

    def slug(self, value: object, key: str) -> str:
        if not isinstance(value, str):
            self.fail(key, f"expected a string, got {_describe(value)}")
        if ID_PATTERN.fullmatch(value) is None:
            self.fail(
                key,
                f"{value!r} is not a valid id: use 1 to 32 lowercase letters, digits and '-', "
                "starting with a letter or digit",
            )
        return value

    def number(self, value: object, key: str, name: str = "") -> float:
        what = f"{name} must be a number" if name else "expected a number"
        # bool is an int subclass in Python, but `true` is never a measurement.
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.fail(key, f"{what}, got {_describe(value)}")
        if not math.isfinite(value):
            self.fail(key, f"{name or 'value'} must be a finite number, got {value!r}")
        return float(value)

    def numbers(self, value: object, key: str, names: Sequence[str]) -> tuple[float, ...]:
        form = f"[{', '.join(names)}]"
        if isinstance(value, str | Mapping) or not isinstance(value, Sequence):
            self.fail(key, f"expected an array {form}, got {_describe(value)}")
        if len(value) != len(names):
            self.fail(key, f"expected an array {form}, got {_describe(value)}")
        return tuple(self.number(v, key, name) for v, name in zip(value, names, strict=True))

    def entries(self, data: Mapping[str, Any], name: str) -> list[Mapping[str, Any]]:
        value = data.get(name, [])
        if isinstance(value, Mapping):
            self.fail(name, f"expected an array of tables ([[{name}]]), got a single table ([{name}])")
        if isinstance(value, str) or not isinstance(value, Sequence):
            self.fail(name, f"expected an array of tables ([[{name}]]), got {_describe(value)}")
        return [self.table(v, f"{name}[{i}]") for i, v in enumerate(value, start=1)]

    @staticmethod
    def entry_name(kind: str, position: int, table: Mapping[str, Any]) -> str:
        """``zone[aisle-4]`` when the entry has a valid id, else ``zone[3]`` (its position from 1)."""
        ident = table.get("id")
        if isinstance(ident, str) and ID_PATTERN.fullmatch(ident):
            return f"{kind}[{ident}]"
        return f"{kind}[{position}]"

    # --- the layout -----------------------------------------------------------------------------------

    def layout(self, data: Mapping[str, Any]) -> StoreLayout:
        self.table(data, "", "a table of [store], [[zone]] and [[gateway]]")
        self.known_keys(data, TOP_KEYS, "")
        store = self.table(self.required(data, "store", ""), "store", "a table ([store])")
        self.known_keys(store, STORE_KEYS, "store")
        store_id = self.slug(self.required(store, "id", "store"), "store.id")
        name = self.text(self.required(store, "name", "store"), "store.name")
        width, depth = self.numbers(self.required(store, "size", "store"), "store.size", ("width", "depth"))
        if width <= 0 or depth <= 0:
            self.fail("store.size", f"width and depth must be positive, got {_bracket((width, depth))}")

        zone_tables = self.entries(data, "zone")
        if not zone_tables:
            self.fail("zone", "a layout needs at least one [[zone]]")
        zones = self.zones(zone_tables, width, depth)
        entrances = [z for z in zones if z.kind is ZoneKind.ENTRANCE]
        if not entrances:
            self.fail("zone", "no zone of kind 'entrance': at least one is required (visits start there)")
        if not any(z.rect.y0 <= 0.0 for z in entrances):
            # y = 0 is the shop front: the presence engine's entry floors and exit timeouts depend on it.
            self.fail(
                f"zone[{entrances[0].id}].rect",
                f"{_bracket(entrances[0].rect.as_list())} does not reach the shop front (y = 0): put the origin at "
                "the front-left corner, by the main doors, so that an entrance starts at y 0",
            )
        gateways = self.gateways(self.entries(data, "gateway"), zones, width, depth)
        return StoreLayout(
            id=store_id, name=name, width=width, depth=depth, zones=tuple(zones), gateways=tuple(gateways)
        )

    def zones(self, tables: list[Mapping[str, Any]], width: float, depth: float) -> list[Zone]:
        zones: list[Zone] = []
        first_seen: dict[str, int] = {}
        for position, table in enumerate(tables, start=1):
            zone = self.zone(table, position, width, depth)
            if zone.id in first_seen:
                self.fail(
                    f"zone[{position}].id",
                    f"duplicate zone id {zone.id!r}: the {_ordinal(first_seen[zone.id])} and the "
                    f"{_ordinal(position)} [[zone]] both use it",
                )
            first_seen[zone.id] = position
            for other in zones:
                shared = zone.rect.intersection_area(other.rect)
                if shared > 0:
                    self.fail(
                        f"zone[{zone.id}].rect",
                        f"zone {zone.id!r} overlaps zone {other.id!r} by {shared:g} m²; "
                        "zones may share edges but not floor area",
                    )
            zones.append(zone)
        return zones

    def zone(self, table: Mapping[str, Any], position: int, width: float, depth: float) -> Zone:
        where = self.entry_name("zone", position, table)
        self.known_keys(table, ZONE_KEYS, where)
        zone_id = self.slug(self.required(table, "id", where), f"{where}.id")
        kind_text = self.text(self.required(table, "kind", where), f"{where}.kind")
        kinds = [k.value for k in ZoneKind]
        if kind_text not in kinds:
            self.fail(
                f"{where}.kind",
                f"unknown kind {kind_text!r}; one of: {', '.join(kinds)}{_hint(kind_text, kinds)}",
            )
        label_it, label_en = self.label(self.required(table, "label", where), f"{where}.label")
        rect = self.rect(self.required(table, "rect", where), f"{where}.rect", width, depth)
        shelves = self.shelves(table.get("shelves", []), f"{where}.shelves")
        return Zone(
            id=zone_id,
            kind=ZoneKind(kind_text),
            rect=rect,
            label_it=label_it,
            label_en=label_en,
            shelves=shelves,
        )

    def label(self, value: object, key: str) -> tuple[str, str | None]:
        table = self.table(value, key, 'a table like { it = "Corsia 1", en = "Aisle 1" }')
        self.known_keys(table, LABEL_KEYS, key)
        label_it = self.text(self.required(table, "it", key), f"{key}.it")
        label_en = self.text(table["en"], f"{key}.en") if "en" in table else None
        return label_it, label_en

    def rect(self, value: object, key: str, width: float, depth: float) -> Rect:
        x0, y0, x1, y1 = self.numbers(value, key, ("x0", "y0", "x1", "y1"))
        if not x0 < x1:
            self.fail(key, f"x0 ({_num(x0)}) must be less than x1 ({_num(x1)})")
        if not y0 < y1:
            self.fail(key, f"y0 ({_num(y0)}) must be less than y1 ({_num(y1)})")
        if x0 < 0 or y0 < 0 or x1 > width or y1 > depth:
            self.fail(
                key,
                f"{_bracket((x0, y0, x1, y1))} extends outside the store (x 0..{_num(width)}, y 0..{_num(depth)})",
            )
        return Rect(x0, y0, x1, y1)

    def shelves(self, value: object, key: str) -> tuple[str, ...]:
        if isinstance(value, str | Mapping) or not isinstance(value, Sequence):
            self.fail(key, f'expected an array of shelf labels like ["A", "B"], got {_describe(value)}')
        seen: set[str] = set()
        for item in value:
            shelf = self.text(item, key)
            if len(shelf) > SHELF_LABEL_MAX:
                self.fail(key, f"shelf label {shelf!r} is longer than {SHELF_LABEL_MAX} characters")
            if shelf in seen:
                self.fail(key, f"duplicate shelf label {shelf!r}")
            seen.add(shelf)
        return tuple(value)

    def gateways(
        self, tables: list[Mapping[str, Any]], zones: list[Zone], width: float, depth: float
    ) -> list[GatewayPlacement]:
        zones_by_id = {z.id: z for z in zones}
        gateways: list[GatewayPlacement] = []
        first_seen: dict[str, int] = {}
        for position, table in enumerate(tables, start=1):
            gateway = self.gateway(table, position, zones_by_id, width, depth)
            if gateway.id in first_seen:
                self.fail(
                    f"gateway[{position}].id",
                    f"duplicate gateway id {gateway.id!r}: the {_ordinal(first_seen[gateway.id])} and the "
                    f"{_ordinal(position)} [[gateway]] both use it",
                )
            first_seen[gateway.id] = position
            gateways.append(gateway)
        return gateways

    def gateway(
        self,
        table: Mapping[str, Any],
        position: int,
        zones: Mapping[str, Zone],
        width: float,
        depth: float,
    ) -> GatewayPlacement:
        where = self.entry_name("gateway", position, table)
        self.known_keys(table, GATEWAY_KEYS, where)
        gateway_id = self.slug(self.required(table, "id", where), f"{where}.id")
        zone_id = self.text(self.required(table, "zone", where), f"{where}.zone")
        if zone_id not in zones:
            known = list(zones)
            self.fail(
                f"{where}.zone",
                f"unknown zone {zone_id!r}; known zones: {', '.join(known)}{_hint(zone_id, known)}",
            )
        x, y = self.numbers(self.required(table, "pos", where), f"{where}.pos", ("x", "y"))
        if not (0 <= x <= width and 0 <= y <= depth):
            self.fail(
                f"{where}.pos",
                f"({_num(x)}, {_num(y)}) is outside the store (x 0..{_num(width)}, y 0..{_num(depth)})",
            )
        zone = zones[zone_id]
        if not zone.rect.contains(x, y):
            # A gateway is placed to cover its zone; one elsewhere is a typo or a zone assigned by mistake.
            off_by = _num(round(zone.rect.distance_to(x, y), 2))
            self.fail(
                f"{where}.pos",
                f"({_num(x)}, {_num(y)}) is {off_by} m outside its zone {zone_id!r} {_bracket(zone.rect.as_list())}; "
                "a gateway must be inside or on the edge of the zone it covers",
            )
        offset = self.number(table.get("rssi_offset", 0.0), f"{where}.rssi_offset")
        if abs(offset) > RSSI_OFFSET_LIMIT_DB:
            lim = _num(RSSI_OFFSET_LIMIT_DB)
            self.fail(f"{where}.rssi_offset", f"must be between -{lim} and {lim} dB, got {_num(offset)}")
        return GatewayPlacement(id=gateway_id, zone_id=zone_id, x=x, y=y, rssi_offset=offset)
