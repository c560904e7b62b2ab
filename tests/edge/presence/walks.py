"""A phone walking a path through the demo store, heard by every gateway: readings from the ``hmm`` rules' own
propagation model (a −59 dBm-at-1-m phone), plus seeded noise where a test asks for it. Deterministic, and fast."""

from __future__ import annotations

import itertools
import random

import numpy as np

from edge.presence import JourneyEvent, PresenceEngine, PresenceSettings
from edge.presence.model import ZoneModel
from edge.store import StoreLayout

T0 = 1_700_000_000.0
TX_DBM = -59.0


def readings_at(model: ZoneModel, x: float, y: float) -> list[float]:
    point = int(np.argmin((model._points_x - x) ** 2 + (model._points_y - y) ** 2))
    return [float(v) + TX_DBM for v in model.expected[0, point, :]]


def feed_path(
    layout: StoreLayout,
    model: ZoneModel,
    settings: PresenceSettings,
    path: list[tuple[float, float, float]],
    *,
    noise_db: float = 0.0,
    seed: int = 1,
) -> tuple[PresenceEngine, list[JourneyEvent]]:
    """Every gateway reports the device once a second at its own phase; `path` is (t from T0, x, y) corners."""
    engine = PresenceEngine(layout, settings)
    rnd = random.Random(seed)
    events: list[JourneyEvent] = []
    gateways = [g.id for g in layout.gateways]
    end = path[-1][0]
    for second in range(int(end)):
        seq = second + 1
        for i, gw in enumerate(gateways):
            t = second + i / len(gateways)
            for (t0, x0, y0), (t1, x1, y1) in itertools.pairwise(path):
                if t0 <= t <= t1:
                    f = (t - t0) / (t1 - t0) if t1 > t0 else 0.0
                    x, y = x0 + (x1 - x0) * f, y0 + (y1 - y0) * f
                    break
            rssi = readings_at(model, x, y)[i] + rnd.gauss(0.0, noise_db)
            events += engine.ingest(gw, seq, T0 + t, [("phone", rssi)], now=T0 + t + 0.02)
        events += engine.tick(T0 + second + 1.0)
    return engine, events
