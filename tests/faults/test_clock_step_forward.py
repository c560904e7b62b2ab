"""Found by the wall-clock jump fault: after a gateway's clock steps *forward*, the presence engine no longer
recognises a replayed spool as stale.

`GatewayTrack._advance` learns the gateway's report interval from ``(t - previous t) / step`` whenever the batch
does not look like a step back, so a step forward of 30 s is learnt as an interval of 31 s. From then on every
batch at the real 1 s rhythm looks like the clock going back 30 s: ``clock_steps`` counts every batch, the
interval is never learnt again (it is only updated on the other branch), and the offset estimate is reset to
each batch's own ``now - t``. A spool replayed after a broker outage then has age 0 and is applied as live
presence (ghost visits), where before the step 17 of its 20 batches were rightly ignored as stale.
A Raspberry Pi without a real-time clock steps forward at every boot when NTP syncs, so this is common.
"""

from __future__ import annotations

from edge.presence import PresenceEngine
from edge.store import load_layout
from tests.edge.hub.conftest import LAYOUT

T0 = 1_767_225_600.0


def replay_after_outage(step_s: float) -> tuple[int, int]:
    """A gateway at 1 batch/s whose clock steps by `step_s` at 30 s; at 120 s the broker is away for 20 s and
    the 20 spooled batches arrive together. Returns (replayed batches taken as stale, clock steps counted)."""
    engine = PresenceEngine(load_layout(LAYOUT))
    seq = 0
    for s in range(120):
        seq += 1
        engine.ingest("gw-01", seq, T0 + s + (step_s if s >= 30 else 0.0), [], T0 + s + 0.05)
    steps = engine.stats.clock_steps
    stale_before = engine.stats.stale
    for s in range(120, 140):
        seq += 1
        engine.ingest("gw-01", seq, T0 + s + step_s, [("dev-1", -60.0)], T0 + 140.05)
    return engine.stats.stale - stale_before, steps


def test_a_replayed_spool_is_stale_whether_or_not_the_clock_stepped_forward_before() -> None:
    stale_without_step, steps_without = replay_after_outage(0.0)
    stale_after_step, steps_after = replay_after_outage(30.0)
    assert steps_without == 0
    assert stale_without_step == 17  # the batches older than stale_s (3 s) are ignored
    assert steps_after <= 1, f"one forward step counted as {steps_after} clock steps"
    assert stale_after_step == stale_without_step, "a replay after a forward clock step was taken as live"
