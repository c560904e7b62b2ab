"""Each gateway's `rssi_offset` from a calibration walk: one tag held about 1 m below each gateway in turn.

Enclosures, antennas and mounting differ, so one gateway reads a few dB hotter than another at the same distance
(docs/store-layout.md, "Drawing a real store"). The walk measures it: a person holds one loyalty tag about 1 m
below each gateway, circling slowly, for about three minutes each, in any order. The gateways report the tag as
usual; this module takes those readings and finds, for each gateway, when the tag was held under it, without
being told:

- **under gateway g**: g's level (the median of its readings over `CalibrationSettings.window_s`) is the loudest
  by at least `margin_db` over every other gateway's (1 m away against 3 m or more for the next gateway: 10 dB
  or more in a store, more through shelving). Levels are compared as the hub sees them, with the layout's current
  offsets added, and then again with the first pass's offsets, so that a deaf receiver beside a hot one is found;
- **a hold** is a run of seconds under g; its first and last `settle_s` are dropped, while the window and the
  gateway's filter follow the tag in and out. Every reading of g in what is left counts, faded or not;
- **the offset**: each gateway's median reading over its holds, against the median of those medians (the
  reference, so that the typical gateway's level does not move). The new offset is the current one plus the
  reference minus the gateway's median: the gateway that read hot gets a negative offset.

A gateway held for less than `min_hold_s` keeps its current offset, and the result says why (`GatewayFit.problem`).
In the simulator, three minutes circling under each gateway finds the offsets within 0.6–0.8 dB rms
(docs/accuracy.md, "Calibrating the gateways"). To re-calibrate one gateway after moving it, hold the tag under
it and under two or three of its neighbours, which set the reference.

Pure logic: readings in, offsets out (`fit_offsets`). `corsia calibrate` (`edge.monitor.calibrate_cli`) reads the
readings from the broker or from a recording.
"""

from __future__ import annotations

import math
import os
import re
import statistics
import tomllib
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final, NamedTuple

from edge.errors import LayoutError
from edge.store.layout import StoreLayout
from edge.store.loader import RSSI_OFFSET_LIMIT_DB, parse_layout

MOUNTING_WARNING_DB: Final = 6.0
"""An offset beyond this is more likely a gateway mounted badly (inside metal, behind a pillar) than a receiver
that reads hot: worth a look before writing it down."""


class Reading(NamedTuple):
    """One gateway's reading of the calibration tag: the `rssi` it published at `t` (Unix s)."""

    gateway: str
    t: float
    rssi: float


@dataclass(frozen=True, slots=True)
class CalibrationSettings:
    margin_db: float = 6.0
    """The tag is under a gateway when that gateway's level is at least this much above every other's."""
    window_s: float = 9.0
    """A gateway's level at a second is the median of its readings within this many seconds around it."""
    settle_s: float = 5.0
    """Dropped at each end of a hold: the window and the gateway's filter following the tag in and out."""
    min_hold_s: float = 120.0
    """Seconds of holds (after the ends are dropped) a gateway needs to be calibrated."""
    max_spread_db: float = 3.0
    """A gateway whose readings over its holds spread more than this (half the interquartile range, in dB) is
    reported: something moved between the tag and the gateway, or the tag was not under it all along."""

    def __post_init__(self) -> None:
        for name in ("margin_db", "window_s", "min_hold_s", "max_spread_db"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value > 0):
                raise ValueError(f"{name} must be a positive number, got {value!r}")
        if not (math.isfinite(self.settle_s) and self.settle_s >= 0):
            raise ValueError(f"settle_s must be zero or more, got {self.settle_s!r}")


@dataclass(frozen=True, slots=True)
class GatewayFit:
    """One gateway's calibration: how long the tag was held under it, what it read, and its offset."""

    gateway: str
    current_db: float
    """The offset in the layout now."""
    held_s: float
    """Seconds of holds used (each hold's ends dropped)."""
    readings: int
    median_dbm: float | None
    """The median reading over the holds, as the hub sees it (current offset added); None without holds."""
    spread_db: float | None
    """Half the interquartile range of those readings."""
    offset_db: float
    """The offset to write: the current one when the gateway is not calibrated."""
    problem: str | None = None
    """Why the gateway is not calibrated (`calibrated` is False), or what to check (`calibrated` stays True)."""
    calibrated: bool = False

    @property
    def correction_db(self) -> float:
        """How much the offset changes."""
        return self.offset_db - self.current_db


@dataclass(frozen=True, slots=True)
class Calibration:
    """The walk's result: one `GatewayFit` per gateway of the layout (in layout order), and the reference."""

    gateways: tuple[GatewayFit, ...]
    reference_dbm: float | None
    """The median over the calibrated gateways' medians; None when fewer than `MIN_CALIBRATED` were held."""
    ignored: Mapping[str, int] = field(default_factory=dict)
    """Readings from gateways the layout does not have, by gateway id."""

    @property
    def complete(self) -> bool:
        """Every gateway of the layout calibrated."""
        return bool(self.gateways) and all(g.calibrated for g in self.gateways)

    @property
    def offsets(self) -> dict[str, float]:
        """Every gateway's offset to write (uncalibrated ones keep their current offset)."""
        return {g.gateway: g.offset_db for g in self.gateways}


MIN_CALIBRATED: Final = 2
"""A reference needs at least this many gateways held: with one, its median is the reference and nothing is
learnt."""


def _quartiles(values: Sequence[float]) -> tuple[float, float, float]:
    if len(values) < 2:
        return values[0], values[0], values[0]
    q1, q2, q3 = statistics.quantiles(values, n=4, method="inclusive")
    return q1, q2, q3


def holds(readings: Sequence[Reading], settings: CalibrationSettings) -> dict[str, list[tuple[float, float]]]:
    """When the tag was under each gateway: per gateway, its holds as (first second, last second), ends not yet
    dropped. `readings` are the hub's view (current offsets added), in any order.

    Each gateway's level at each second is the median of its readings within `window_s` around it, so that one
    faded reading neither ends a hold nor starts one; the tag is under a gateway whose level is the loudest by
    `margin_db`. Which readings a hold keeps is decided by time alone, never by their own value, which would
    bias the median."""
    per_second: dict[str, dict[int, float]] = defaultdict(dict)
    for r in sorted(readings, key=lambda r: r.t):
        per_second[r.gateway][math.floor(r.t)] = r.rssi  # a gateway reports once a second: the latest counts
    if not per_second:
        return {}
    first = min(min(b) for b in per_second.values())
    last = max(max(b) for b in per_second.values())
    half = int(settings.window_s // 2)
    spans: dict[str, list[tuple[float, float]]] = defaultdict(list)
    run_gateway: str | None = None
    run_start = 0
    for second in range(first, last + 2):  # one past the end closes the last run
        under: str | None = None
        if second <= last:
            levels = sorted(
                ((statistics.median(window), gw) for gw, bins in per_second.items()
                 if len(window := [bins[b] for b in range(second - half, second + half + 1) if b in bins]) >= 3),
                reverse=True,
            )  # fmt: skip
            # One gateway alone hearing the tag says nothing of how near it is: a hold needs a second to compare.
            if len(levels) >= 2 and levels[0][0] - levels[1][0] >= settings.margin_db:
                under = levels[0][1]
        if under != run_gateway:
            if run_gateway is not None:
                spans[run_gateway].append((float(run_start), float(second - 1)))
            run_gateway, run_start = under, second
    return dict(spans)


def _measure(
    view: Sequence[Reading], seen: Mapping[str, Sequence[Reading]], settings: CalibrationSettings
) -> tuple[dict[str, tuple[float, int]], dict[str, tuple[float, float]]]:
    """The holds found in `view`, measured in `seen` (the same readings by gateway, maybe with other offsets): per
    gateway (seconds held, readings kept), and (median, spread) of its readings however short its holds."""
    held: dict[str, tuple[float, int]] = {}
    measured: dict[str, tuple[float, float]] = {}
    for gw, spans in holds(view, settings).items():
        kept = [(start + settings.settle_s, end - settings.settle_s) for start, end in spans]
        kept = [(start, end) for start, end in kept if end >= start]
        values = [r.rssi for r in seen.get(gw, ()) if any(s <= r.t < e + 1.0 for s, e in kept)]
        seconds = sum(end + 1.0 - start for start, end in kept)
        held[gw] = (seconds, len(values))
        if values:
            q1, median, q3 = _quartiles(values)
            measured[gw] = (median, (q3 - q1) / 2.0)
    return held, measured


def fit_offsets(
    readings: Iterable[Reading],
    current: Mapping[str, float],
    settings: CalibrationSettings | None = None,
) -> Calibration:
    """Each gateway's offset from a calibration walk's `readings` of the tag as the gateways published them.

    `current` is every gateway of the layout with its offset now, in layout order: the hub adds it to what the
    gateway publishes, and so does this function before comparing gateways. Readings from other gateways are
    counted in `Calibration.ignored` and otherwise left out."""
    settings = settings or CalibrationSettings()
    ignored: dict[str, int] = defaultdict(int)
    seen: list[Reading] = []
    for r in readings:
        if r.gateway not in current:
            ignored[r.gateway] += 1
        elif math.isfinite(r.t) and math.isfinite(r.rssi):
            seen.append(Reading(r.gateway, r.t, r.rssi + current[r.gateway]))
    by_gateway: dict[str, list[Reading]] = defaultdict(list)
    for r in seen:
        by_gateway[r.gateway].append(r)
    held, measured = _measure(seen, by_gateway, settings)
    if len(measured) >= MIN_CALIBRATED:
        # Receivers far apart (a hot one beside a deaf one) can hide a hold under the deaf one, or cut it short:
        # find the holds again with the first pass's levels evened out, and measure them as before.
        first = statistics.median(m[0] for m in measured.values())
        nudge = {gw: first - m[0] for gw, m in measured.items()}
        view = [Reading(r.gateway, r.t, r.rssi + nudge.get(r.gateway, 0.0)) for r in seen]
        held, measured = _measure(view, by_gateway, settings)
    measured = {gw: m for gw, m in measured.items() if held[gw][0] >= settings.min_hold_s}
    reference = statistics.median(m[0] for m in measured.values()) if len(measured) >= MIN_CALIBRATED else None
    fits = []
    for gw, now in current.items():
        seconds, n = held.get(gw, (0.0, 0))
        if gw in measured and reference is not None:
            median, spread = measured[gw]
            offset = round(now + reference - median, 1)
            problem = None
            if abs(offset) > RSSI_OFFSET_LIMIT_DB:
                fits.append(GatewayFit(gw, now, seconds, n, median, spread, now,
                                       f"the offset would be {offset:+.1f} dB, beyond ±{RSSI_OFFSET_LIMIT_DB:g}: "
                                       "check the gateway's antenna and mounting"))  # fmt: skip
                continue
            if spread > settings.max_spread_db:
                problem = f"readings spread ±{spread:.1f} dB: keep the tag close under the gateway, and hold it again"
            elif abs(offset) > MOUNTING_WARNING_DB:
                problem = f"an offset of {offset:+.1f} dB: check the mounting (metal, a pillar, the enclosure)"
            fits.append(GatewayFit(gw, now, seconds, n, median, spread, offset, problem, calibrated=True))
            continue
        if gw in measured:
            problem = f"too few gateways held for a reference (at least {MIN_CALIBRATED})"
        elif seconds > 0 or n > 0:
            problem = f"held {seconds:.0f} s under it, {settings.min_hold_s:g} s needed"
        else:
            problem = "the tag was never held under it"
        level, spread_or_none = measured.get(gw, (None, None))
        fits.append(GatewayFit(gw, now, seconds, n, level, spread_or_none, now, problem))
    return Calibration(tuple(fits), reference, dict(ignored))


_TABLE = re.compile(r"""^\s*\[\[?\s*[A-Za-z0-9_.\-"' ]+\s*\]\]?\s*(#.*)?$""")  # a table header, not an array line
_GATEWAY_TABLE = re.compile(r"^\s*\[\[\s*gateway\s*\]\]\s*(#.*)?$")
_ID_LINE = re.compile(r"""^\s*id\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_OFFSET_LINE = re.compile(r"^(\s*rssi_offset\s*=\s*)([^#\s]+)(.*)$")


def with_offsets(text: str, offsets: Mapping[str, float]) -> str:
    """A layout file's `text` with each gateway's ``rssi_offset`` set from `offsets` (by gateway id), keeping
    every other line, comment and the layout's order: a line ``rssi_offset = …`` is rewritten in place (its
    comment kept), or added after the gateway's ``id`` line. `ValueError` names a gateway of `offsets` that the
    text has no ``[[gateway]]`` table for."""
    lines = text.splitlines(keepends=True)
    blocks: list[tuple[int, int]] = []  # each [[gateway]] table's (first line, one past the last)
    start: int | None = None
    for i, line in enumerate(lines):
        if _TABLE.match(line):
            if start is not None:
                blocks.append((start, i))
                start = None
            if _GATEWAY_TABLE.match(line):
                start = i
    if start is not None:
        blocks.append((start, len(lines)))
    inserts: list[tuple[int, str]] = []
    done: set[str] = set()
    for first, end in blocks:
        gateway, id_line, offset_line = None, None, None
        for i in range(first + 1, end):
            if (m := _ID_LINE.match(lines[i])) is not None:
                gateway, id_line = m.group(1) if m.group(1) is not None else m.group(2), i
            elif _OFFSET_LINE.match(lines[i]):
                offset_line = i
        if gateway is None or id_line is None or gateway not in offsets:
            continue
        value = _number(offsets[gateway])
        if offset_line is not None:
            m = _OFFSET_LINE.match(lines[offset_line])
            assert m is not None
            newline = "\n" if lines[offset_line].endswith("\n") else ""
            lines[offset_line] = f"{m.group(1)}{value}{m.group(3).rstrip(chr(10))}{newline}"
        else:
            indent = lines[id_line][: len(lines[id_line]) - len(lines[id_line].lstrip())]
            inserts.append((id_line + 1, f"{indent}rssi_offset = {value}\n"))
        done.add(gateway)
    missing = [g for g in offsets if g not in done]
    if missing:
        raise ValueError(f"no [[gateway]] table with id {', '.join(map(repr, missing))} in the layout")
    for at, line in sorted(inserts, reverse=True):
        if at > 0 and not lines[at - 1].endswith("\n"):
            lines[at - 1] += "\n"
        lines.insert(at, line)
    return "".join(lines)


def write_offsets(path: str, layout: StoreLayout, offsets: Mapping[str, float]) -> None:
    """Write `offsets` (by gateway id) into the layout file at `path`, which `layout` was loaded from, in place
    (`with_offsets`) and atomically. `LayoutError` when the result would not load with exactly those offsets:
    a file the hub could not start with is never written."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    try:
        new = with_offsets(text, offsets)
        check = parse_layout(tomllib.loads(new), path)
    except (ValueError, tomllib.TOMLDecodeError) as exc:  # TOMLDecodeError is a ValueError too
        raise LayoutError(path, "", f"the offsets could not be written in place ({exc}); set them by hand") from exc
    wanted = {g.id: g.rssi_offset for g in layout.gateways} | {g: round(o, 1) for g, o in offsets.items()}
    if {g.id: g.rssi_offset for g in check.gateways} != wanted:
        raise LayoutError(path, "", "the offsets could not be written in place; set them by hand")
    tmp = f"{path}.calibrating"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(new)
    os.replace(tmp, path)


def _number(value: float) -> str:
    """An offset as the layout writes it: one decimal, no minus zero."""
    text = f"{round(value, 1):.1f}"
    return "0.0" if text == "-0.0" else text
