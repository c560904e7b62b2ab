"""The hub's presence engine: per device and gateway the latest calibrated RSSI, the zone with hysteresis, and
the visit (enter, zone change, dwell, exit).

    >>> from edge.presence import PresenceEngine
    >>> from edge.store import load_layout
    >>> engine = PresenceEngine(load_layout("examples/stores/demo.toml"))
    >>> [e.event for e in engine.ingest("gw-09", seq=1, t=1000.0, items=[("dev-1", -60.0)], now=1000.1)]
    ['enter']
    >>> engine.zone_of("dev-1")
    'entrance'

Pure logic, no I/O, no clock of its own. The model, the settings and the measured cost: docs/presence.md.
"""

from edge.presence.engine import PresenceEngine
from edge.presence.events import EVENT_KINDS, EventKind, JourneyEvent, PresenceStats
from edge.presence.settings import ZONE_RULES, PresenceSettings, RadioModel, ZoneRule

__all__ = [
    "EVENT_KINDS",
    "ZONE_RULES",
    "EventKind",
    "JourneyEvent",
    "PresenceEngine",
    "PresenceSettings",
    "PresenceStats",
    "RadioModel",
    "ZoneRule",
]
