"""Presence accuracy and latency against ground truth: pure functions over two time series.

For each tracked device the harness gives the truth (a zone, or out of the store, every 100 ms) and the
hub's decisions (a zone, or no visit, changing only at journey events). From these:

* zone accuracy — the share of in-store truth samples where the decided zone equals the true one;
* wrong-zone share — the share where a zone was decided and it is not the true one (the ESPresense harness's
  "wrong room"); the rest of the misses are samples with no visit yet (entry latency, or a missed device);
* entry latency — from the first in-store truth sample to the visit's start (a visit that starts while the
  shopper is still on the pavement walking in, up to `early_s` before the door, counts as latency 0 and as an
  early entry: gateways by the doors hear through the shop front);
* zone-switch latency — from a true zone change (to a zone then kept for at least `settle_s`) to the moment the
  decision first equals the new zone;
* exit latency — from leaving the store to the visit's end;
* false visits — visits that begin while the device is not in the store and does not walk in within `early_s`
  (a passer-by heard through the shop front; a non-member phone cannot have any: it never resolves);
* phases — where the misses are: zone accuracy per phase of a stay, the shopper standing or walking
  (`STILL_MPS`) crossed with the time since the last true zone change (`PHASE_EDGES_S`). A decider is judged
  differently on each: right just after a change is latency, right while standing still is accuracy.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Final


@dataclass(slots=True)
class Timeline:
    """A step function of time: `values[i]` holds from `times[i]` until the next change."""

    times: list[float] = field(default_factory=list)
    values: list[str | None] = field(default_factory=list)

    def set(self, t: float, value: str | None) -> None:
        if self.values and self.values[-1] == value:
            return
        if self.times and t < self.times[-1]:
            t = self.times[-1]  # decisions arrive in order; clamp rounding
        self.times.append(t)
        self.values.append(value)

    def at(self, t: float) -> str | None:
        i = bisect.bisect_right(self.times, t) - 1
        return self.values[i] if i >= 0 else None

    def first_time(self, value: str | None, after: float, before: float = math.inf) -> float | None:
        """The first time at or after `after` (and before `before`) at which the value is `value`."""
        if self.at(after) == value:
            return after
        i = bisect.bisect_right(self.times, after)
        while i < len(self.times) and self.times[i] < before:
            if self.values[i] == value:
                return self.times[i]
            i += 1
        return None


def percentile(values: Sequence[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    lo, hi = math.floor(k), math.ceil(k)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


STILL_MPS: Final = 0.3
"""Slower than this between two truth samples is standing (shuffling at a shelf); faster is walking."""
PHASE_EDGES_S: Final = (2.0, 6.0)
"""The phases' limits in seconds since the last true zone change: under 2 s, 2 to 6 s, 6 s and more."""
PHASES: Final = tuple(f"{motion} {span}" for motion in ("standing", "walking") for span in ("< 2 s", "2–6 s", "≥ 6 s"))
"""Phase names, in report order: ``"standing < 2 s"`` … ``"walking ≥ 6 s"``."""


@dataclass(slots=True)
class Scores:
    samples: int = 0  # in-store truth samples of tracked devices
    correct: int = 0
    wrong: int = 0
    undecided: int = 0
    entry_s: list[float] = field(default_factory=list)
    switch_s: list[float] = field(default_factory=list)
    exit_s: list[float] = field(default_factory=list)
    early_entries: int = 0
    missed_entries: int = 0
    missed_switches: int = 0
    missed_exits: int = 0
    false_visits: int = 0
    visits: int = 0  # visit starts: every enter, including those that continue a visit (`resumed`)
    resumed: int = 0  # enters that continued a visit the device had left within `rejoin_s`
    confusion: dict[tuple[str, str], int] = field(default_factory=dict)  # (true, decided or "-") -> samples
    phases: dict[str, list[int]] = field(default_factory=lambda: {p: [0, 0] for p in PHASES})  # [samples, right]

    def phase_share(self, phase: str) -> float:
        """The share of in-store time spent in `phase`."""
        total = sum(n for n, _ in self.phases.values())
        return self.phases[phase][0] / total if total else math.nan

    def phase_accuracy(self, phase: str) -> float:
        """Zone accuracy within `phase` (NaN when the phase never occurred)."""
        n, right = self.phases[phase]
        return right / n if n else math.nan

    @property
    def accuracy(self) -> float:
        return self.correct / self.samples if self.samples else math.nan

    @property
    def wrong_share(self) -> float:
        return self.wrong / self.samples if self.samples else math.nan


EARLY_S: Final = 15.0
"""A visit that starts this long or less before its device steps in is an early entry, not a false visit."""
HORIZON_S: Final = 60.0
"""A stay's entry is its first visit start from `EARLY_S` before it to this long after (the exit's likewise)."""


def may_enter(stay: tuple[float, float], t: float, *, early_s: float = EARLY_S, horizon_s: float = HORIZON_S) -> bool:
    """Whether a visit starting at `t` can be the entry of `stay` (first in-store time, first time out)."""
    first, out = stay
    return first - early_s <= t < min(out, first + horizon_s)


def is_false_start(stays: Iterable[tuple[float, float]], t: float, *, early_s: float = EARLY_S) -> bool:
    """Whether a visit starting at `t` is a false visit: it starts neither up to `early_s` before one of the
    device's `stays` (`in_store_stays`) nor during one, or in the second after it ends (its last batch)."""
    return not any(first - early_s <= t <= out + 1.0 for first, out in stays)


def in_store_stays(truth: Iterable[tuple[float, str | None]]) -> list[tuple[float, float]]:
    """The maximal runs of in-store truth samples, as (first in-store time, first time out after it, or infinity
    for a stay that lasts to the end)."""
    stays: list[tuple[float, float]] = []
    start: float | None = None
    for t, zone in truth:
        if zone is not None and start is None:
            start = t
        elif zone is None and start is not None:
            stays.append((start, t))
            start = None
    if start is not None:
        stays.append((start, math.inf))
    return stays


def score_device(
    truth: Sequence[tuple[float, str | None]],
    decided: Timeline,
    visit_starts: Iterable[float],
    scores: Scores,
    *,
    settle_s: float = 5.0,
    horizon_s: float = HORIZON_S,
    early_s: float = EARLY_S,
) -> None:
    """Add one device's comparison to `scores`. `truth` is (t, zone or None when out of the store), in time order."""
    for t, zone in truth:
        if zone is None:
            continue
        got = decided.at(t)
        scores.samples += 1
        if got == zone:
            scores.correct += 1
        elif got is None:
            scores.undecided += 1
        else:
            scores.wrong += 1
        key = (zone, got or "-")
        scores.confusion[key] = scores.confusion.get(key, 0) + 1

    stays = in_store_stays(truth)
    starts = sorted(visit_starts)
    scores.visits += len(starts)
    scores.false_visits += sum(is_false_start(stays, s, early_s=early_s) for s in starts)

    for a, b in stays:
        entered = next((s for s in starts if may_enter((a, b), s, early_s=early_s, horizon_s=horizon_s)), None)
        if entered is None:
            scores.missed_entries += 1
        else:
            scores.entry_s.append(max(0.0, entered - a))
            if entered < a:
                scores.early_entries += 1
        if b != math.inf:
            left = decided.first_time(None, b, b + horizon_s)
            if left is None:
                scores.missed_exits += 1
            else:
                scores.exit_s.append(left - b)

    for _first, _last, latency in zone_switches(truth, decided, settle_s):  # changes kept for settle_s
        if latency is None:
            scores.missed_switches += 1
        else:
            scores.switch_s.append(latency)


def zone_switches(
    truth: Sequence[tuple[float, str | None]], decided: Timeline, settle_s: float = 5.0
) -> Iterator[tuple[int, int, float | None]]:
    """The true zone changes in `truth` to a zone then kept for `settle_s` or more: the index of the change's
    first sample, of the last sample in the new zone, and the latency of its first decision (None: never while
    the shopper stayed)."""
    for i in range(1, len(truth)):
        t, zone = truth[i]
        prev = truth[i - 1][1]
        if zone is None or prev is None or zone == prev:
            continue
        j = i
        while j + 1 < len(truth) and truth[j + 1][1] == zone:
            j += 1
        kept_until = truth[j][0]
        if kept_until - t < settle_s:
            continue
        hit = decided.first_time(zone, t, kept_until + 0.001)
        yield i, j, None if hit is None else hit - t


def late_oracle(
    truth: Sequence[tuple[float, str | None]], lag_s: float, *, every_s: float = 0.0, phase_s: float = 0.0
) -> Timeline:
    """The decisions of a decider that knows the true zone exactly but late: at time t, the zone at t − `lag_s`.
    With `every_s` > 0 it hears only once every `every_s` (at ``phase_s + k·every_s``), each time the zone as it
    was `lag_s` before, and holds it until the next time, as the hub holds a decision between two reports. What
    no zone rule can beat when its knowledge is that old: the timing's part of the accuracy, with no channel."""
    known = Timeline()
    for t, zone in truth:
        known.set(t, zone)
    if not truth:
        return known
    first, last = truth[0][0], truth[-1][0]
    if every_s <= 0:
        return Timeline([t + lag_s for t in known.times], list(known.values))
    out = Timeline()
    k = math.ceil((first - phase_s) / every_s)
    while (t := phase_s + k * every_s) <= last + lag_s + every_s:
        out.set(t, known.at(t - lag_s))
        k += 1
    return out


def score_phases(truth: Sequence[tuple[float, float, float, str | None]], decided: Timeline, scores: Scores) -> None:
    """Add one device's in-store samples (t, x, y, zone or None), in time order, to `scores.phases`."""
    last_change = -math.inf
    previous: str | None = None
    late, later = PHASE_EDGES_S
    for i, (t, x, y, zone) in enumerate(truth):
        if zone is None:
            previous = None
            continue
        if zone != previous:
            last_change, previous = t, zone
        # Speed towards the next sample (the last sample looks back), so a walk's first step counts as walking.
        j = i + 1 if i + 1 < len(truth) else i - 1
        dt = abs(truth[j][0] - t) if j >= 0 else 0.0
        moved = math.hypot(truth[j][1] - x, truth[j][2] - y) if j >= 0 else 0.0
        walking = dt > 0 and moved / dt >= STILL_MPS
        since = t - last_change
        span = 0 if since < late else 1 if since < later else 2
        tally = scores.phases[PHASES[(3 if walking else 0) + span]]
        tally[0] += 1
        if decided.at(t) == zone:
            tally[1] += 1
