"""`RealtimeDriver`: a scenario (or a recording) played in real time, each advert to its gateway's virtual BlueZ.

Scenario time maps to wall time from one start instant: an advert of scenario time ``t`` is due at
``start + (t - t0) / speed``. The driver wakes every `slice_s` (10 ms) at most, hands each gateway everything that
has become due with one `advertise_many` call, and sleeps until the next advert is due, so the pacing is as smooth
as the slice and it never sends early. How late each advert went out is measured (`Lateness`), which is how
"does it keep up" is answered (docs/simulator.md, "Driving real gateways").

Concurrency: `run` is a plain blocking loop in the caller's thread (the CLI's main thread, or a test's worker
thread); `VirtualBluez.advertise_many` only appends to each bus's queue, so the loop never waits for D-Bus.
`stats()` may be called from any thread while it runs.
"""

from __future__ import annotations

import bisect
import hashlib
import itertools
import math
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Final, Protocol

from edge.errors import CorsiaError
from firmware_sim.bluez.model import Advertisement
from firmware_sim.world import Advert, Scenario, replay

AdvertRecord = tuple[float, str, Advert]
Source = Scenario | str | os.PathLike[str] | Iterable[AdvertRecord]
"""What can be played: a `Scenario`, the path of a JSON Lines recording, or any time-ordered records."""

DEFAULT_SLICE_S: Final = 0.01
MAX_PER_SLICE: Final = 5_000  # when far behind, flush at least this often so the buses start emitting
LATENESS_EDGES_S: Final = (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0)


class SimError(CorsiaError):
    """`corsia sim` cannot do what it was asked (an unknown gateway, a bad speed, a gateway that died...)."""


class AdvertSink(Protocol):
    """Where one gateway's adverts go: a `VirtualBluez` (or a test's stand-in)."""

    def advertise_many(self, adverts: Iterable[Advertisement]) -> int: ...


@dataclass(frozen=True, slots=True)
class SimClock:
    """The mapping between scenario time and this machine's clocks, fixed when playing starts.

    `t0` is the scenario's Unix time that is played at `wall0` (``time.time()``) and `mono0`
    (``time.monotonic()``, taken at the same moment); scenario time runs `speed` times faster than wall time.
    """

    t0: float
    wall0: float
    mono0: float
    speed: float

    def due(self, t: float) -> float:
        """The ``time.monotonic()`` at which the scenario reaches `t`."""
        return self.mono0 + (t - self.t0) / self.speed

    def wall_time(self, t: float) -> float:
        """The ``time.time()`` at which the scenario reaches `t`."""
        return self.wall0 + (t - self.t0) / self.speed

    def scenario_time(self, wall: float) -> float:
        """The scenario time at wall time `wall` (``time.time()``): what a hub must use to resolve EIDs, since
        the phones' clocks run on the scenario's calendar, not on this machine's."""
        return self.t0 + (wall - self.wall0) * self.speed

    def describe(self) -> str:
        """One line a person or a script can read: ``scenario_t0=… wall_t0=… speed=…``."""
        return f"scenario_t0={self.t0!r} wall_t0={self.wall0!r} speed={self.speed!r}"


class Lateness:
    """How late adverts went out (seconds after they were due): max, mean and a histogram for quantiles."""

    __slots__ = ("bins", "count", "max_s", "total_s")

    def __init__(self) -> None:
        self.bins = [0] * (len(LATENESS_EDGES_S) + 1)
        self.count = 0
        self.total_s = 0.0
        self.max_s = 0.0

    def add(self, late_s: float) -> None:
        late_s = max(late_s, 0.0)
        self.bins[bisect.bisect_left(LATENESS_EDGES_S, late_s)] += 1
        self.count += 1
        self.total_s += late_s
        if late_s > self.max_s:
            self.max_s = late_s

    @property
    def mean_s(self) -> float:
        return self.total_s / self.count if self.count else 0.0

    def within_s(self, share: float) -> float:
        """The smallest histogram edge that at least `share` of the adverts were within (inf past the last)."""
        needed = share * self.count
        seen = 0
        for edge, n in zip((*LATENESS_EDGES_S, math.inf), self.bins, strict=True):
            seen += n
            if seen >= needed:
                return edge
        return math.inf


@dataclass(frozen=True, slots=True)
class DriverStats:
    """What a run did. `sent` counts adverts handed to each gateway's bus, `refused` those its full queue
    refused, `skipped` adverts of gateways not being driven; lateness is over the sent adverts."""

    sent: Mapping[str, int]
    refused: Mapping[str, int]
    skipped: int
    late_max_s: float
    late_mean_s: float
    late_p99_s: float
    played_s: float
    """Scenario seconds played (from the start offset to the last advert handed out)."""
    elapsed_s: float
    """Wall seconds from the start instant to the end of the run."""
    finished: bool
    """True when the source ran out or the duration was reached; False when stopped early."""
    lateness_bins: tuple[int, ...] = field(default=())

    @property
    def total(self) -> int:
        return sum(self.sent.values())


def fallback_address(advert: Advert) -> str:
    """A stable static random address for a recorded advert without one (old recordings): from its payload."""
    payload = repr((sorted(advert.manufacturer_data.items()), sorted(advert.service_data.items())))
    digest = hashlib.blake2b(payload.encode(), digest_size=6).digest()
    octets = bytes([digest[0] | 0xC0, *digest[1:]])
    return ":".join(f"{b:02X}" for b in octets)


def to_advertisement(advert: Advert) -> Advertisement:
    """The world's `Advert` as the virtual BlueZ's report (RSSI clamped to what a controller reports)."""
    return Advertisement(
        advert.address or fallback_address(advert),
        min(20, max(-127, advert.rssi)),
        manufacturer_data=advert.manufacturer_data,
        service_data=advert.service_data,
    )


class RealtimeDriver:
    """Plays `source` in real time into `buses` (gateway id → its virtual BlueZ); see the module docstring.

    `start_offset_s` skips that many scenario seconds (they are generated, not played, before the clock starts),
    `duration_s` stops after that many scenario seconds (None: to the end). `gateways` limits the gateways
    driven (None: every bus); adverts of the others are skipped. For a recording the scenario's start is
    `start_t` when given, else the whole second before its first advert.
    """

    def __init__(
        self,
        source: Source,
        buses: Mapping[str, AdvertSink],
        speed: float = 1.0,
        start_offset_s: float = 0.0,
        gateways: set[str] | None = None,
        *,
        duration_s: float | None = None,
        start_t: float | None = None,
        slice_s: float = DEFAULT_SLICE_S,
    ) -> None:
        if not (math.isfinite(speed) and speed > 0):
            raise SimError(f"speed must be a positive number, got {speed!r}")
        if not (math.isfinite(start_offset_s) and start_offset_s >= 0):
            raise SimError(f"the start offset must be a non-negative number of seconds, got {start_offset_s!r}")
        if duration_s is not None and not duration_s > 0:
            raise SimError(f"the duration must be a positive number of seconds, got {duration_s!r}")
        if not 0.001 <= slice_s <= 1.0:
            raise SimError(f"slice_s must be between 1 ms and 1 s, got {slice_s!r}")
        selected = set(buses) if gateways is None else set(gateways)
        missing = sorted(selected - set(buses))
        if missing:
            raise SimError(f"no virtual BlueZ for gateway(s) {', '.join(missing)}")
        self._source = source
        self._buses = {gw: buses[gw] for gw in sorted(selected)}
        self.speed = speed
        self.start_offset_s = start_offset_s
        self.duration_s = duration_s
        self.slice_s = slice_s
        self._start_t = source.start_t if isinstance(source, Scenario) and start_t is None else start_t
        self._end_t = source.end_t if isinstance(source, Scenario) else math.inf
        self._clock: SimClock | None = None
        self._started = threading.Event()
        self._sent = dict.fromkeys(self._buses, 0)
        self._refused = dict.fromkeys(self._buses, 0)
        self._skipped = 0
        self._lateness = Lateness()
        self._last_t: float | None = None
        self._finished = False
        self._ended_mono: float | None = None

    @property
    def gateways(self) -> list[str]:
        """The gateways being driven, sorted."""
        return list(self._buses)

    @property
    def clock(self) -> SimClock | None:
        """The time mapping, once playing has started (None before)."""
        return self._clock

    def wait_started(self, timeout: float | None = None) -> SimClock | None:
        """Block until playing starts (the start offset skipped); the clock, or None on timeout."""
        self._started.wait(timeout)
        return self._clock

    def stats(self) -> DriverStats:
        """A snapshot of the counters (safe from any thread, while running or after)."""
        clock = self._clock
        end = self._ended_mono if self._ended_mono is not None else time.monotonic()
        played = 0.0 if clock is None or self._last_t is None else self._last_t - clock.t0
        late = self._lateness
        return DriverStats(
            sent=dict(self._sent),
            refused=dict(self._refused),
            skipped=self._skipped,
            late_max_s=late.max_s,
            late_mean_s=late.mean_s,
            late_p99_s=late.within_s(0.99) if late.count else 0.0,
            played_s=played,
            elapsed_s=0.0 if clock is None else end - clock.mono0,
            finished=self._finished,
            lateness_bins=tuple(late.bins),
        )

    # -- the loop -----------------------------------------------------------------------------------------

    def run(
        self,
        stop: threading.Event | None = None,
        *,
        on_start: Callable[[SimClock], object] | None = None,
        on_progress: Callable[[DriverStats], object] | None = None,
        progress_every_s: float = 10.0,
    ) -> DriverStats:
        """Play (once) until the source ends, the duration is reached or `stop` is set; the final stats.

        `on_start` gets the clock once the start offset is skipped; `on_progress` gets a snapshot every
        `progress_every_s` wall seconds.
        """
        if self._clock is not None:
            raise SimError("a RealtimeDriver plays once: make a new one to play again")
        stop = stop if stop is not None else threading.Event()
        records, origin = self._records()
        first = next(records, None)  # the start offset is generated and skipped here, before the clock starts
        if origin is None:  # an empty recording: nothing to play
            origin = self.start_offset_s
        end_t = self._end_t if self.duration_s is None else min(self._end_t, origin + self.duration_s)
        clock = SimClock(origin, time.time(), time.monotonic(), self.speed)
        self._clock = clock
        self._started.set()
        if on_start is not None:
            on_start(clock)
        try:
            self._play(first, records, clock, end_t, stop, on_progress, progress_every_s)
        finally:
            self._ended_mono = time.monotonic()
        return self.stats()

    def _records(self) -> tuple[Iterator[AdvertRecord], float | None]:
        """The records from the start offset on, and the scenario time of the start (None: from the first)."""
        source = self._source
        if isinstance(source, Scenario):
            stream: Iterable[AdvertRecord] = source.adverts()
        elif isinstance(source, str | os.PathLike):
            stream = replay(source)
        else:
            stream = source
        if self._start_t is None:
            it = iter(stream)
            first = next(it, None)
            if first is None:
                return iter(()), None
            origin = float(math.floor(first[0])) + self.start_offset_s
            self._start_t = origin - self.start_offset_s
            return itertools.dropwhile(lambda r: r[0] < origin, itertools.chain((first,), it)), origin
        origin = self._start_t + self.start_offset_s
        return itertools.dropwhile(lambda r: r[0] < origin, stream), origin

    def _play(
        self,
        rec: AdvertRecord | None,
        records: Iterator[AdvertRecord],
        clock: SimClock,
        end_t: float,
        stop: threading.Event,
        on_progress: Callable[[DriverStats], object] | None,
        progress_every_s: float,
    ) -> None:
        buses = self._buses
        pending: dict[str, list[Advertisement]] = {gw: [] for gw in buses}
        dues: list[float] = []  # when each pending advert was due (time.monotonic())
        lateness = self._lateness
        t0, mono0, speed = clock.t0, clock.mono0, clock.speed
        next_progress = mono0 + progress_every_s
        while not stop.is_set():
            now = time.monotonic()
            horizon = t0 + (now - mono0) * speed  # the scenario's time now: everything up to it is due
            while rec is not None and rec[0] <= horizon and len(dues) < MAX_PER_SLICE:
                t, gw, advert = rec
                if t >= end_t:
                    rec = None
                    break
                batch = pending.get(gw)
                if batch is None:
                    self._skipped += 1
                else:
                    batch.append(to_advertisement(advert))
                    dues.append(mono0 + (t - t0) / speed)
                self._last_t = t
                rec = next(records, None)
            sent_at = time.monotonic()
            for gw, batch in pending.items():
                if batch:
                    accepted = buses[gw].advertise_many(batch)
                    self._sent[gw] += len(batch)
                    self._refused[gw] += len(batch) - accepted
                    pending[gw] = []
            for due in dues:
                lateness.add(sent_at - due)
            dues.clear()
            if rec is not None and rec[0] >= end_t:
                rec = None
            if rec is None:
                self._finished = True
                if self.duration_s is not None and math.isfinite(end_t):
                    self._last_t = end_t  # the window was played in full, even if its last second was quiet
                return
            if on_progress is not None and now >= next_progress:
                on_progress(self.stats())
                next_progress = now + progress_every_s
            due = clock.due(rec[0])
            if due <= time.monotonic():
                continue  # behind: no sleeping until caught up
            delay = max(due, now + self.slice_s) - time.monotonic()
            if delay > 0:
                stop.wait(delay)
