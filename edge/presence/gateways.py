"""`GatewayTrack`: per gateway, which batches to take (by `seq`) and how old they are (by a skew-corrected clock).

Order. A gateway numbers its batches with `seq`, +1 per batch and persisted across restarts, so a `seq` at or
below the highest taken is a redelivery or a late arrival. A bit mask of the last `SEQ_WINDOW` numbers tells
the two apart (``duplicates`` vs ``out_of_order``); a jump forward counts the skipped numbers as ``gaps``. A
`seq` that goes *down* is still handled, in case the persisted counter was lost: it is taken as a restart when
the batch is recent and newer on the gateway's own clock than the highest batch taken (a late or resent batch is
always older); batches of the numbering before the restart stay ignored. Nothing else resets the numbering: a
gateway that restarts resends what the broker had not acknowledged, and those batches must stay ignored.

Age. Each batch carries the gateway's time `t`; ``d = now - t`` is the clock offset plus the network delay. The
offset estimate is the lower envelope of `d`: a running minimum that rises by `SKEW_LEAK` per second, so it
follows a slowly drifting clock. The batch's corrected time is ``t + estimate`` and its age is its delay beyond
the quickest delivery. A spool replayed after an outage continues the `seq` and `t` of before: its `d` is
large, it leaves the minimum alone and its age is the time it spent in the spool, so it is stale.

Clock steps. A clock that steps forward lowers `d`, which the minimum takes at once. A step back shows as a `t`
below where the gateway's own rhythm (the last `t` plus the skipped batches times its interval) puts it; the
estimate moves by the size of the step, so a replay that straddles the step stays stale. A step hidden in a
long silence is caught later: `STALE_RUN` consecutive stale batches arriving at the gateway's live pace (not a
replay's burst) with a steady `d` restart the estimate from them.
"""

from __future__ import annotations

from typing import Final

from edge.presence.events import PresenceStats
from edge.presence.settings import PresenceSettings

SEQ_WINDOW: Final = 1024
"""How many sequence numbers below the highest are remembered, to tell a duplicate from a late batch."""
_WINDOW_MASK: Final = (1 << SEQ_WINDOW) - 1
SKEW_LEAK: Final = 1e-3
"""Seconds per second the offset estimate rises between batches: 1000 ppm, 20 times a bad crystal's drift."""
LEAK_GAP_CAP_S: Final = 2.0
"""The leak counts at most this much time per batch, so a silence (an outage) does not loosen the estimate."""
CLOCK_STEP_S: Final = 1.0
"""A `t` this much below the gateway's rhythm means its clock went back."""
RHYTHM_GAP_MAX: Final = 60
"""Beyond this many skipped batches the rhythm is not trusted to measure a step."""
STALE_RUN: Final = 30
"""Consecutive stale batches at the live pace after which the clock estimate starts again from them."""
STEADY_D_S: Final = 1.0
"""How much `d` may vary over such a run (a replay's `d` shrinks by about an interval per batch)."""
DEFAULT_INTERVAL_S: Final = 1.0


class GatewayTrack:
    """One gateway's position in the layout, calibration, sequence state and clock offset estimate."""

    __slots__ = (
        "_before_reset",
        "_high_t",
        "_interval",
        "_interval_seen",
        "_last_now",
        "_run",
        "_run_d",
        "_run_now",
        "_run_seq",
        "_seen",
        "high_seq",
        "id",
        "index",
        "offset_db",
        "skew_s",
        "zone",
    )

    def __init__(self, gateway_id: str, index: int, zone: int, offset_db: float) -> None:
        self.id = gateway_id
        self.index = index
        self.zone = zone
        self.offset_db = offset_db
        self.high_seq: int | None = None
        """The highest `seq` taken (None before the first batch)."""
        self.skew_s: float | None = None
        """The estimated ``hub clock - gateway clock`` (plus the quickest delivery), seconds."""
        self.forget()

    def forget(self) -> None:
        """Drop the sequence and clock state, as if no batch had come yet (a gateway rebuilt from scratch)."""
        self.high_seq = None
        self.skew_s = None
        self._high_t = 0.0  # the `t` of the batch with the highest seq
        self._seen = 0  # bit i: seq high_seq - i was taken
        self._interval = DEFAULT_INTERVAL_S  # the gateway's report interval, from its own t and seq
        self._interval_seen = DEFAULT_INTERVAL_S  # the last step's estimate: a new interval needs two in a row
        self._last_now = 0.0
        self._before_reset: tuple[int, float] | None = None  # (highest seq, its t) before a numbering restart
        self._run = 0  # the current run of stale batches at the live pace
        self._run_seq = 0
        self._run_now = 0.0
        self._run_d = 0.0

    def is_skewed(self, max_skew_s: float) -> bool:
        """Whether the clock offset estimate is beyond `max_skew_s` (the hub raises a ``clock_skew`` alert)."""
        return self.skew_s is not None and abs(self.skew_s) > max_skew_s

    def admit(self, seq: int, t: float, now: float, settings: PresenceSettings, stats: PresenceStats) -> float | None:
        """The batch's corrected time (hub clock) when its items should be applied; None when it is a
        duplicate, out of order or stale (counted in `stats`)."""
        d = now - t
        high = self.high_seq
        if high is None:
            self._take(seq, t)
            self.skew_s = d
        elif seq > high:
            old = self._before_reset
            if old is not None and seq <= old[0] and t <= old[1]:
                stats.out_of_order += 1  # a batch of the numbering before the restart, arriving late
                return None
            self._advance(seq, t, d, now, stats)
        else:
            behind = high - seq
            if behind < SEQ_WINDOW and (self._seen >> behind) & 1:
                stats.duplicates += 1
                return None
            if not self._is_restart(t, d, now, settings):
                if behind < SEQ_WINDOW:
                    self._seen |= 1 << behind
                stats.out_of_order += 1
                return None
            stats.resets += 1
            self._before_reset = (high, self._high_t)
            self._take(seq, t)
        skew = self.skew_s
        assert skew is not None
        age = d - skew
        if age > settings.stale_s and self._stale_run(seq, d, now):
            stats.clock_steps += 1
            self.skew_s = skew = d
            age = 0.0
        self._last_now = now if now > self._last_now else self._last_now
        if age > settings.stale_s or abs(skew) > settings.max_skew_s:
            stats.stale += 1
            return None
        self._run = 0
        return now - age

    def _advance(self, seq: int, t: float, d: float, now: float, stats: PresenceStats) -> None:
        """Take a batch above the highest seq: gaps, the duplicate mask, the rhythm and the clock estimate."""
        high = self.high_seq
        assert high is not None
        step = seq - high
        if step > 1:
            stats.gaps += step - 1
        self._seen = ((self._seen << step) | 1) & _WINDOW_MASK if step < SEQ_WINDOW else 1
        jump = t - (self._high_t + step * self._interval)
        if step <= RHYTHM_GAP_MAX and jump < -CLOCK_STEP_S:
            stats.clock_steps += 1
            assert self.skew_s is not None
            shifted = self.skew_s - jump  # the clock went back by -jump: hub minus gateway grew by as much
            self.skew_s = d if d < shifted else shifted
        else:
            if step <= RHYTHM_GAP_MAX and t > self._high_t:
                self._learn_interval((t - self._high_t) / step)
            self._update_skew(d, now)
        self.high_seq = seq
        self._high_t = t

    def _learn_interval(self, estimate: float) -> None:
        # One long step is a clock stepped forward (a Pi without a battery clock at boot), not a slower rhythm:
        # taken as the interval, it would make every following batch look like a clock step back. A new interval
        # (the hub changed report_interval) is taken once two steps in a row agree on it.
        current, previous = self._interval, self._interval_seen
        self._interval_seen = estimate
        if _close(estimate, current) or _close(estimate, previous):
            self._interval = estimate

    def _take(self, seq: int, t: float) -> None:
        self.high_seq = seq
        self._high_t = t
        self._seen = 1

    def _update_skew(self, d: float, now: float) -> None:
        skew = self.skew_s
        if skew is None:
            self.skew_s = d
            return
        gap = now - self._last_now
        skew += SKEW_LEAK * (LEAK_GAP_CAP_S if gap > LEAK_GAP_CAP_S else gap if gap > 0.0 else 0.0)
        self.skew_s = d if d < skew else skew

    def _is_restart(self, t: float, d: float, now: float, settings: PresenceSettings) -> bool:
        """Whether a `seq` below the highest taken means the gateway numbers its batches afresh: the batch is
        newer than the highest one on the gateway's own clock, and recent on the corrected clock."""
        if t <= self._high_t:
            return False
        self._update_skew(d, now)
        skew = self.skew_s
        return skew is not None and d - skew <= settings.stale_s

    def _stale_run(self, seq: int, d: float, now: float) -> bool:
        """Count a stale batch into the run; True when the run says the clock, not the batches, is off."""
        live_pace = now - self._run_now >= 0.5 * self._interval
        if self._run and seq == self._run_seq + 1 and live_pace and abs(d - self._run_d) <= STEADY_D_S:
            self._run += 1
        else:
            self._run = 1
            self._run_d = d
        self._run_seq = seq
        self._run_now = now
        if self._run >= STALE_RUN:
            self._run = 0
            return True
        return False


def _close(a: float, b: float) -> bool:
    """Within 20% of each other: the jitter of one report interval, not a change of rhythm."""
    return abs(a - b) <= 0.2 * max(a, b)
