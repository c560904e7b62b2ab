"""The gateway's pure pipeline: advertisement in, one batch of sightings per report interval out.

    decode (gateway.beacons) → allow-list → per-beacon RSSI filter → interval counts → Sighting items

No I/O and no clock of its own: the caller passes monotonic times, so the same code runs behind the real
bleak scanner, behind the simulator's in-process fast path, and in tests. A frame that is not allowed leaves
no trace beyond a counter; the decoder's memo of recent frames is emptied at every report, so nothing about a
stranger's phone outlives one interval.
"""

from __future__ import annotations

from dataclasses import dataclass

from edge.protocol import Sighting
from gateway import beacons
from gateway.allowlist import AllowList
from gateway.distance import estimate_distance
from gateway.filters import FilterBank, FilterSettings


def _clamp(value: float, low: float, high: float) -> float:
    return low if value < low else high if value > high else value


@dataclass(slots=True)
class PipelineStats:
    """Counters since start; the health report turns their differences into rates."""

    adverts: int = 0  # every advertisement the scanner delivered
    accepted: int = 0  # allowed beacon frames
    refused: int = 0  # beacon frames not on the allow-list
    ignored: int = 0  # not a beacon frame, or a frame without identity (Eddystone URL, TLM)


class Pipeline:
    """One gateway's decode, allow-list, filtering and batching."""

    __slots__ = ("_allow", "_bank", "_interval", "stats")

    def __init__(self, allow: AllowList, settings: FilterSettings | None = None, rssi_offset: float = 0.0) -> None:
        self._allow = allow
        self._bank = FilterBank(settings, rssi_offset)
        # beacon id -> [adverts this interval, last raw RSSI, tx power at 1 m]; a list, mutated in place.
        self._interval: dict[str, list[int]] = {}
        self.stats = PipelineStats()

    @property
    def allow(self) -> AllowList:
        return self._allow

    @property
    def settings(self) -> FilterSettings:
        return self._bank.settings

    @property
    def rssi_offset(self) -> float:
        return self._bank.rssi_offset

    @property
    def tracked(self) -> int:
        """Allowed beacons currently remembered (heard within their filter's forget time)."""
        return len(self._bank)

    def configure(
        self,
        allow: AllowList | None = None,
        settings: FilterSettings | None = None,
        rssi_offset: float | None = None,
    ) -> None:
        """Apply a new configuration; ``None`` keeps the current part. Beacons no longer allowed are dropped."""
        if allow is not None and allow != self._allow:
            self._allow = allow
            for beacon_id in [b for b in self._interval if not allow.allows(b)]:
                del self._interval[beacon_id]
            for beacon_id in [b for b in self._bank if not allow.allows(b)]:
                self._bank.discard(beacon_id)
        self._bank.configure(settings, rssi_offset)

    def feed(self, manufacturer_data: dict[int, bytes], service_data: dict[str, bytes], rssi: int, t: float) -> bool:
        """Take one advertisement heard at monotonic time `t`; True when it was an allowed beacon."""
        stats = self.stats
        stats.adverts += 1
        beacon = beacons.parse(manufacturer_data, service_data)
        if beacon is None or beacon.id is None:
            stats.ignored += 1
            return False
        beacon_id = beacon.id
        if not self._allow.allows(beacon_id):
            stats.refused += 1
            return False
        stats.accepted += 1
        self._bank.update(beacon_id, rssi, t)
        counts = self._interval.get(beacon_id)
        if counts is None:
            tx = beacon.tx_power if beacon.tx_power is not None else -59
            self._interval[beacon_id] = [1, rssi, tx]
        else:
            counts[0] += 1
            counts[1] = rssi
        return True

    def collect(self, t: float) -> list[Sighting]:
        """The sightings of this interval (beacons heard at least once), and start the next interval."""
        bank = self._bank
        exponent = bank.settings.path_loss_exponent
        items = []
        for beacon_id, (n, raw, tx) in self._interval.items():
            value = bank.value(beacon_id, t)
            if value is None:
                continue
            rssi = round(_clamp(value, -127.0, 20.0), 1)
            tx_1m = int(_clamp(tx, -127, 20))
            items.append(
                Sighting(
                    id=beacon_id,
                    rssi=rssi,
                    raw=int(_clamp(raw, -127, 20)),
                    n=n,
                    tx=tx_1m,
                    dist=round(estimate_distance(rssi, tx_1m, exponent), 2),
                )
            )
        self._interval.clear()
        bank.forget(t)
        beacons.clear_memo()  # privacy: no frame of anyone outlives the interval in which it was heard
        return items
