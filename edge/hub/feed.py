"""The hub's live feed: what just happened (journey steps, notifications decided and sent, alerts), for the store
dashboard's server-sent events. In memory only, pseudonymous only (the member's `ref`, never a name or an id),
bounded: a slow or vanished subscriber loses old items, it never holds the hub up.

    >>> feed = LiveFeed()
    >>> sub = feed.subscribe()
    >>> feed.publish("journey", {"event": "enter", "zone": "entrance"})
    >>> [(i.kind, i.data["event"]) for i in sub.take(timeout=0)]
    [('journey', 'enter')]
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

RECENT = 200  # what a new subscriber (a dashboard just opened) gets to start with
QUEUE = 1000  # per subscriber; beyond it the oldest are dropped


@dataclass(frozen=True, slots=True)
class FeedItem:
    """One thing that happened: `kind` is ``journey``, ``notification``, ``alert`` or ``occupancy``."""

    id: int
    t: float
    kind: str
    data: Mapping[str, Any]


class Subscription:
    """One listener's queue. `take` waits for items; `close` when the listener goes."""

    def __init__(self, feed: LiveFeed, backlog: list[FeedItem]) -> None:
        self._feed = feed
        self._items: deque[FeedItem] = deque(backlog, maxlen=QUEUE)
        self._ready = threading.Condition()
        self.dropped = 0

    def _put(self, item: FeedItem) -> None:
        with self._ready:
            if len(self._items) == QUEUE:
                self.dropped += 1
            self._items.append(item)
            self._ready.notify()

    def take(self, timeout: float | None = None) -> list[FeedItem]:
        """Everything queued, waiting up to `timeout` seconds for the first item ([] on timeout)."""
        with self._ready:
            if not self._items:
                self._ready.wait(timeout)
            items = list(self._items)
            self._items.clear()
            return items

    def close(self) -> None:
        self._feed._unsubscribe(self)

    def __enter__(self) -> Subscription:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class LiveFeed:
    """A broadcast of recent events to any number of subscribers, from any thread."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._recent: deque[FeedItem] = deque(maxlen=RECENT)
        self._subscribers: list[Subscription] = []
        self._ids = itertools.count(1)

    def publish(self, kind: str, data: Mapping[str, Any]) -> None:
        item = FeedItem(next(self._ids), self._clock(), kind, dict(data))
        with self._lock:
            self._recent.append(item)
            subscribers = list(self._subscribers)
        for subscriber in subscribers:
            subscriber._put(item)

    def subscribe(self, *, backlog: bool = False) -> Subscription:
        """A new subscription; with `backlog`, it starts with the most recent items."""
        with self._lock:
            sub = Subscription(self, list(self._recent) if backlog else [])
            self._subscribers.append(sub)
            return sub

    def recent(self) -> list[FeedItem]:
        with self._lock:
            return list(self._recent)

    def _unsubscribe(self, sub: Subscription) -> None:
        with self._lock:
            if sub in self._subscribers:
                self._subscribers.remove(sub)

    def __len__(self) -> int:
        with self._lock:
            return len(self._subscribers)
