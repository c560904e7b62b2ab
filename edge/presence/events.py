"""What the presence engine hands out: journey events, and the counters of what it took in and threw away."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal, get_args

from edge.protocol import Journey

EventKind = Literal["enter", "zone", "dwell", "exit"]
EVENT_KINDS: Final[tuple[EventKind, ...]] = get_args(EventKind)


@dataclass(frozen=True, slots=True)
class JourneyEvent:
    """One step of a visit, as the engine decided it.

    ===========  ===============  ==================  ==========================================
    `event`      `zone`           `prev`              `dwell_s`
    ===========  ===============  ==================  ==========================================
    ``enter``    the first zone   ``None``            ``None``
    ``zone``     the new zone     the zone left       time spent in the zone left
    ``dwell``    the zone         ``None``            time in the zone so far (>= ``dwell_s``)
    ``exit``     ``None``         the last zone       time spent in the last zone, until last heard
    ===========  ===============  ==================  ==========================================
    """

    t: float
    """Hub time (Unix seconds) of the decision: the `now` of the call that produced the event."""
    device: str
    """The resolved device id; the hub maps it to a pseudonymous member reference before publishing."""
    visit: str
    """The visit's id: the same for every event of one visit, a new one at each ``enter`` unless the device is
    back within `PresenceSettings.rejoin_s` of its ``exit``: then the ``enter`` continues the visit it left."""
    event: EventKind
    zone: str | None
    prev: str | None
    dwell_s: float | None

    def to_journey(self, member: str) -> Journey:
        """The ``journey`` MQTT payload for this event, with the hub's pseudonymous `member` reference."""
        return Journey(
            t=self.t, visit=self.visit, member=member, event=self.event, zone=self.zone, prev=self.prev,
            dwell_s=None if self.dwell_s is None else round(self.dwell_s, 3),
        )  # fmt: skip


@dataclass(slots=True)
class PresenceStats:
    """Counters since the engine was made. Every batch counts in `batches` and in at most one of
    `unknown_gateway`, `duplicates`, `out_of_order` and `stale`; the others were applied."""

    batches: int = 0
    """Every call to `PresenceEngine.ingest`."""
    duplicates: int = 0
    """A `seq` already taken from this gateway (QoS 1 redelivers)."""
    out_of_order: int = 0
    """A `seq` below the highest taken that was not seen before: arrived late, ignored."""
    stale: int = 0
    """In order, but older than `stale_s` on the corrected clock (a spool replayed after an outage), or from
    a gateway whose clock is off by more than `max_skew_s`: ignored."""
    gaps: int = 0
    """Sequence numbers skipped over (batches lost, or dropped by the gateway's spool)."""
    items: int = 0
    """Sighting items applied (from accepted batches only)."""
    weak: int = 0
    """Sighting items below `min_rssi_dbm` after calibration: ignored."""
    unknown_gateway: int = 0
    """Batches from a gateway that is not in the store layout."""
    resets: int = 0
    """Times a gateway's `seq` went down and was taken as a restart of its numbering."""
    clock_steps: int = 0
    """Times a gateway's clock went back while its `seq` went on: the skew estimate started again."""
