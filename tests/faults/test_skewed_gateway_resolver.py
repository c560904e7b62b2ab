"""Found by the wall-clock jump fault: one gateway whose clock is hours off makes the hub rebuild its whole EID
table twice for every second of batches.

`HubCore.on_sightings` resolves each item at the batch's own time `t` before the presence engine has judged
the gateway's clock. The batches of a gateway 3 h behind move the resolver 3 h back (a full rebuild: every
enrolled device's EIDs recomputed) and the next batch of a gateway with a right clock moves it 3 h forward
(the same again). The presence engine then ignores the skewed gateway's batches anyway, and none of its EIDs
could resolve (the phones keep true time). At 100,000 enrolled devices a rebuild takes 0.6-1.6 s
(docs/identity.md): a single misconfigured gateway would keep the hub busy for more than the whole second.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from edge.protocol import Sighting, Sightings
from tests.edge.hub.conftest import RunningHub

SHOPPERS = 8
SECONDS = 30


def test_a_gateway_hours_off_does_not_make_the_resolver_rebuild_at_every_batch(
    start_hub: Callable[..., RunningHub],
) -> None:
    hub = start_hub()
    shoppers = [hub.sign_up(f"thrash{n}@example.com") for n in range(SHOPPERS)]
    core = hub.service.core
    now = time.time()
    core.on_sightings(Sightings(gw="gw-04", seq=1, t=now, interval=1.0, items=[]), now)  # enrollments applied
    resolver = core.identities.resolver
    assert len(resolver) == SHOPPERS
    rebuilds, computed = resolver.stats.rebuilds, resolver.stats.eids_computed
    for s in range(SECONDS):
        at = now + 1 + s
        items = [Sighting(id=p.eid(at), rssi=-60.0, raw=-60, n=3, tx=-59, dist=1.0) for p in shoppers]
        skewed = Sightings(gw="gw-01", seq=s + 1, t=at - 3 * 3600, interval=1.0, items=items)  # 3 h behind
        right = Sightings(gw="gw-04", seq=s + 2, t=at, interval=1.0, items=items)
        core.on_sightings(skewed, at)
        core.on_sightings(right, at)
    assert core.engine.devices == SHOPPERS  # the gateway with a right clock was resolved all along
    full_tables = (resolver.stats.eids_computed - computed) / (3 * SHOPPERS)
    assert resolver.stats.rebuilds - rebuilds <= 1, (
        f"{resolver.stats.rebuilds - rebuilds} full rebuilds and {full_tables:.0f} whole tables computed "
        f"for {2 * SECONDS} batches"
    )
