"""What the world needs to know about a floor plan beyond `edge.store`: shelving, the doors and walkable paths.

Everything is derived from the layout's zones and their kinds, so any layout that tiles its floor works:

* **Shelf lines.** An aisle (kind ``aisle``) is a lane with gondola shelving along both long sides. Each long
  side that is not an outer wall is a shelf line: shoppers cannot walk through it, and radio crossing it loses
  `RadioParams.shelf_loss_db`. Two aisles side by side share one line.
* **The door.** The middle of the entrance zone's side that lies on the outer wall, with the outward normal;
  the street runs parallel to that wall, `STREET_OFFSET_M` outside it.
* **The walk graph.** Waypoints: the door and the middle of every non-aisle zone; for every aisle, its mouth
  (each short side that is not an outer wall), a point `MOUTH_OUTSIDE_M` outside the mouth in the cross aisle
  and points every ≤ 3 m along its centre line; points along the long axis of every ``other`` zone (the
  walkway). Two waypoints are joined when the straight segment between them crosses no shelf line (with a
  `SHELF_END_CLEARANCE_M` margin around the shelf ends); routes are shortest paths (Dijkstra) over that graph.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

from edge.store import StoreLayout, Zone, ZoneKind

Point = tuple[float, float]

STREET_OFFSET_M: Final = 2.5
MOUTH_OUTSIDE_M: Final = 1.0
AXIS_SPACING_M: Final = 3.0
END_MARGIN_M: Final = 0.5
SHELF_END_CLEARANCE_M: Final = 0.3
EPS: Final = 1e-9


@dataclass(frozen=True, slots=True)
class ShelfLine:
    """An axis-parallel line segment of shelving: ``x = at`` for y in [lo, hi] (vertical) or ``y = at`` (horizontal)."""

    vertical: bool
    at: float
    lo: float
    hi: float

    def crosses(self, p: Point, q: Point, clearance: float = 0.0) -> bool:
        """Whether the segment p–q passes through the line (touching an end of p–q on it does not count)."""
        (pa, pb), (qa, qb) = (p, q) if self.vertical else ((p[1], p[0]), (q[1], q[0]))
        if (pa - self.at) * (qa - self.at) >= 0:
            return False
        cross = pb + (qb - pb) * (self.at - pa) / (qa - pa)
        return self.lo - clearance <= cross <= self.hi + clearance


def _long_axis_vertical(zone: Zone) -> bool:
    return zone.rect.height >= zone.rect.width


def shelf_lines(layout: StoreLayout) -> tuple[ShelfLine, ...]:
    """The shelving of the layout (see the module docstring), deduplicated, in a stable order."""
    found: dict[tuple[bool, float, float, float], ShelfLine] = {}
    for zone in layout.zones_of_kind(ZoneKind.AISLE):
        r = zone.rect
        if _long_axis_vertical(zone):
            sides = [(True, r.x0, r.y0, r.y1), (True, r.x1, r.y0, r.y1)]
            walls = (0.0, layout.width)
        else:
            sides = [(False, r.y0, r.x0, r.x1), (False, r.y1, r.x0, r.x1)]
            walls = (0.0, layout.depth)
        for vertical, at, lo, hi in sides:
            if min(abs(at - w) for w in walls) > EPS:
                key = (vertical, round(at, 6), round(lo, 6), round(hi, 6))
                found.setdefault(key, ShelfLine(vertical, at, lo, hi))
    return tuple(found[k] for k in sorted(found))


def shelf_array(lines: tuple[ShelfLine, ...]) -> npt.NDArray[np.float64]:
    """The lines as an (L, 4) array ``[vertical, at, lo, hi]`` for the radio's vectorised crossing count."""
    if not lines:
        return np.zeros((0, 4))
    return np.array([[1.0 if s.vertical else 0.0, s.at, s.lo, s.hi] for s in lines], dtype=np.float64)


@dataclass(frozen=True, slots=True)
class Door:
    """The way in: a point on the outer wall, the outward normal and the direction the street runs."""

    x: float
    y: float
    normal: Point
    along: Point

    def outside(self, distance_m: float, sideways_m: float = 0.0) -> Point:
        """A point `distance_m` out from the door and `sideways_m` along the street."""
        return (
            self.x + self.normal[0] * distance_m + self.along[0] * sideways_m,
            self.y + self.normal[1] * distance_m + self.along[1] * sideways_m,
        )


def find_door(layout: StoreLayout) -> Door:
    """The middle of the first entrance zone's side on the outer wall (the front, y = 0, preferred)."""
    zone = layout.entrances[0]
    r = zone.rect
    cx, cy = r.center
    if r.y0 <= EPS:
        return Door(cx, 0.0, (0.0, -1.0), (1.0, 0.0))
    if r.y1 >= layout.depth - EPS:
        return Door(cx, layout.depth, (0.0, 1.0), (1.0, 0.0))
    if r.x0 <= EPS:
        return Door(0.0, cy, (-1.0, 0.0), (0.0, 1.0))
    if r.x1 >= layout.width - EPS:
        return Door(layout.width, cy, (1.0, 0.0), (0.0, 1.0))
    return Door(cx, cy, (0.0, -1.0), (1.0, 0.0))  # an inner entrance: the street is "below" it


@dataclass(frozen=True, slots=True)
class AisleGeometry:
    """An aisle's centre line, the point just outside its mouth and the spot in front of each shelf bay."""

    zone_id: str
    vertical: bool
    centre: float
    mouth_outside: Point | None
    axis: tuple[Point, ...]
    bays: tuple[tuple[str, Point], ...]


def aisle_geometry(layout: StoreLayout, zone: Zone) -> AisleGeometry:
    r = zone.rect
    vertical = _long_axis_vertical(zone)
    lo, hi, far = (r.y0, r.y1, layout.depth) if vertical else (r.x0, r.x1, layout.width)
    centre = r.center[0] if vertical else r.center[1]

    def pt(along: float) -> Point:
        return (centre, along) if vertical else (along, centre)

    mouth_outside: Point | None = None
    for end, outward in ((lo, -1.0), (hi, 1.0)):
        if EPS < end < far - EPS:
            candidate = pt(end + outward * MOUTH_OUTSIDE_M)
            outside_zone = layout.zone_at(*candidate)
            if outside_zone is not None and outside_zone.kind is not ZoneKind.AISLE:
                mouth_outside = candidate
                break
    count = max(2, math.ceil((hi - lo - 2 * END_MARGIN_M) / AXIS_SPACING_M) + 1)
    axis = tuple(pt(float(v)) for v in np.linspace(lo + END_MARGIN_M, hi - END_MARGIN_M, count))
    labels = zone.shelves or ("A", "B", "C", "D")
    # Bays are lettered from the mouth (the front) inwards.
    from_hi = mouth_outside is not None and (mouth_outside[1] if vertical else mouth_outside[0]) > hi
    step = (hi - lo) / len(labels)
    bays = []
    for i, label in enumerate(labels):
        v = hi - (i + 0.5) * step if from_hi else lo + (i + 0.5) * step
        bays.append((label, pt(v)))
    return AisleGeometry(zone.id, vertical, centre, mouth_outside, axis, tuple(bays))


class WalkGraph:
    """Waypoints and the shelf-free straight segments between them; `route` finds shortest walks."""

    def __init__(self, layout: StoreLayout) -> None:
        self.layout = layout
        self.lines = shelf_lines(layout)
        self.door = find_door(layout)
        self.aisles = {z.id: aisle_geometry(layout, z) for z in layout.zones_of_kind(ZoneKind.AISLE)}
        nodes: list[Point] = [(self.door.x, self.door.y)]
        for zone in layout.zones:
            if zone.kind is ZoneKind.AISLE:
                a = self.aisles[zone.id]
                nodes.extend(a.axis)
                if a.mouth_outside is not None:
                    nodes.append(a.mouth_outside)
            elif zone.kind is ZoneKind.OTHER:
                nodes.extend(aisle_geometry(layout, zone).axis)
            else:
                nodes.append(zone.rect.center)
        self.nodes = nodes
        n = len(nodes)
        self._edges: list[list[tuple[int, float]]] = [[] for _ in range(n)]
        for i in range(n):
            for j in range(i + 1, n):
                if self.visible(nodes[i], nodes[j]):
                    d = math.dist(nodes[i], nodes[j])
                    self._edges[i].append((j, d))
                    self._edges[j].append((i, d))

    def visible(self, p: Point, q: Point) -> bool:
        """Whether one can walk straight from p to q (no shelving in between)."""
        return not any(line.crosses(p, q, SHELF_END_CLEARANCE_M) for line in self.lines)

    def route(self, p: Point, q: Point) -> list[Point]:
        """The waypoints of a shortest walk from p to q, ending with q (p itself is not included)."""
        if self.visible(p, q):
            return [q]
        n = len(self.nodes)
        dist = [math.inf] * n
        prev = [-1] * n
        heap: list[tuple[float, int]] = []
        for i, node in enumerate(self.nodes):
            if self.visible(p, node):
                dist[i] = math.dist(p, node)
                heap.append((dist[i], i))
        heapq.heapify(heap)
        targets = {i: math.dist(node, q) for i, node in enumerate(self.nodes) if self.visible(node, q)}
        best, best_i = math.inf, -1
        while heap:
            d, i = heapq.heappop(heap)
            if d > dist[i] or d >= best:
                continue
            if i in targets and d + targets[i] < best:
                best, best_i = d + targets[i], i
            for j, w in self._edges[i]:
                if d + w < dist[j]:
                    dist[j] = d + w
                    prev[j] = i
                    heapq.heappush(heap, (d + w, j))
        if best_i < 0:
            raise ValueError(f"no walkable route from {p} to {q} in store {self.layout.id!r}")
        path = []
        i = best_i
        while i >= 0:
            path.append(self.nodes[i])
            i = prev[i]
        path.reverse()
        return [*path, q]
