"""LiveFeed: every subscriber gets every item, a new dashboard gets the recent past, a slow one loses the oldest."""

from __future__ import annotations

import threading

from edge.hub import feed as feed_module
from edge.hub.feed import LiveFeed


def test_subscribers_each_get_every_item_in_order() -> None:
    feed = LiveFeed()
    a, b = feed.subscribe(), feed.subscribe()
    for n in range(3):
        feed.publish("journey", {"n": n})
    assert [i.data["n"] for i in a.take(0)] == [0, 1, 2]
    assert [i.data["n"] for i in b.take(0)] == [0, 1, 2]
    assert a.take(0) == []
    a.close()
    feed.publish("alert", {"n": 3})
    assert len(feed) == 1
    assert [i.kind for i in b.take(0)] == ["alert"]


def test_a_new_subscriber_can_start_with_the_recent_past() -> None:
    feed = LiveFeed()
    feed.publish("journey", {"n": 1})
    with feed.subscribe(backlog=True) as late:
        assert [i.data["n"] for i in late.take(0)] == [1]
    with feed.subscribe() as fresh:
        assert fresh.take(0) == []


def test_a_slow_subscriber_loses_the_oldest_and_never_blocks_the_publisher() -> None:
    feed = LiveFeed()
    slow = feed.subscribe()
    for n in range(feed_module.QUEUE + 5):
        feed.publish("journey", {"n": n})
    items = slow.take(0)
    assert len(items) == feed_module.QUEUE
    assert items[0].data["n"] == 5
    assert slow.dropped == 5


def test_take_wakes_when_an_item_arrives_from_another_thread() -> None:
    feed = LiveFeed()
    sub = feed.subscribe()
    threading.Timer(0.05, feed.publish, args=("occupancy", {"total": 1})).start()
    assert [i.kind for i in sub.take(timeout=5)] == ["occupancy"]
