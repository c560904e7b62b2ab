"""The dashboard's server-sent events: one `EventStream` per connected page.

A stream starts with ``retry`` and a ``snapshot`` (occupancy, gateways, today's statistics), then sends the
live feed's items as they come (``journey``, ``notification``, ``alert``, each with an id), ``occupancy`` and
``gateways`` when they change, ``stats`` after activity (at most every few seconds) and regularly anyway
(receipts reach the hub without a feed item), and a comment line as a heartbeat when nothing else was sent.

Reconnecting is safe: item ids are ``<boot>:<n>``, where `boot` names this run of the hub. A page that comes
back with ``Last-Event-ID`` from the same run gets only the items it has not seen; from an earlier run it gets
the whole backlog, and the new boot in the snapshot tells it to start its list afresh. A stream ends itself
after `StreamSettings.max_age_s`: the browser reconnects at once, and the session cookie is checked again.

The heartbeat is also how a stream learns that its page is gone: writing to a closed connection fails, the
server closes the response, and `EventStream.close` drops the feed subscription.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from typing import Any

from edge.hub.dashboard.board import Board, public
from edge.hub.db import StorageError
from edge.hub.feed import LiveFeed

log = logging.getLogger("corsia.hub.dashboard")


@dataclass(frozen=True, slots=True)
class StreamSettings:
    """How a stream paces itself."""

    heartbeat_s: float = 10.0
    """A comment line after this long without any other message."""
    poll_s: float = 1.0
    """How often occupancy and gateway states are looked at (the feed itself wakes the stream at once)."""
    stats_min_gap_s: float = 2.0
    """After activity, statistics are recomputed at most this often."""
    stats_every_s: float = 15.0
    """...and at least this often (a purchase brings no feed item)."""
    max_age_s: float = 900.0
    """The stream ends after this long; the browser reconnects and the cookie is checked again."""
    retry_ms: int = 3000
    """How long the browser waits before reconnecting."""


def frame(event: str, data: Any, event_id: str | None = None) -> str:
    """One server-sent event. `data` goes as one line of JSON (``json.dumps`` never breaks lines)."""
    head = f"id: {event_id}\n" if event_id is not None else ""
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str)
    return f"{head}event: {event}\ndata: {body}\n\n"


def last_seen(header: str | None, boot: str) -> int | None:
    """The feed item id a reconnecting page saw last, from its ``Last-Event-ID``; None when it saw nothing of
    this run of the hub (no header, another boot, or an id that is not ours)."""
    if not header:
        return None
    seen_boot, _, number = header.partition(":")
    if seen_boot != boot or not number.isdigit():
        return None
    return int(number)


class StreamSlots:
    """A cap on concurrent streams: each holds one of the HTTP server's threads for as long as a page is open."""

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._used = 0
        self._lock = threading.Lock()

    def acquire(self) -> bool:
        with self._lock:
            if self._used >= self._limit:
                return False
            self._used += 1
            return True

    def release(self) -> None:
        with self._lock:
            self._used -= 1

    @property
    def used(self) -> int:
        with self._lock:
            return self._used


class EventStream:
    """The response body of one ``/dashboard/events`` connection.

    It subscribes to the feed when made (so nothing published from then on is missed) and lets go of the
    subscription and its slot in `close`, which the server calls when the response ends for any reason, even
    if the body was never iterated.
    """

    def __init__(
        self,
        board: Board,
        feed: LiveFeed,
        boot: str,
        seen: int | None,
        settings: StreamSettings,
        release: Callable[[], None],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._board = board
        self._boot = boot
        self._seen = seen
        self._settings = settings
        self._release: Callable[[], None] | None = release
        self._clock = clock
        self._subscription = feed.subscribe(backlog=True)
        self._events = self._run()

    def __iter__(self) -> Iterator[str]:
        return self._events

    def close(self) -> None:
        self._events.close()
        self._subscription.close()
        if self._release is not None:
            self._release()
            self._release = None

    def _run(self) -> Generator[str, None, None]:
        s, board = self._settings, self._board
        gateways = board.gateway_states()
        occupancy = board.occupancy()
        states = gateways.snapshot()
        yield f"retry: {s.retry_ms}\n\n"
        yield frame("snapshot", {"boot": self._boot, "occupancy": occupancy, "gateways": states,
                                 "stats": self._stats() or {}})  # fmt: skip
        started = last_write = last_stats = self._clock()
        active = False
        while self._clock() - started < s.max_age_s:
            out: list[str] = []
            for item in self._subscription.take(timeout=s.poll_s):
                if self._seen is not None and item.id <= self._seen:
                    continue  # the page had it before it reconnected
                if item.kind == "alert":
                    gateways.apply(item.data)
                active = active or item.kind in ("journey", "notification")
                shown = public(item.kind, item.t, item.data)
                if shown is not None:
                    out.append(frame(item.kind, shown, f"{self._boot}:{item.id}"))
            now_occupancy, now_states = board.occupancy(), gateways.snapshot()
            if now_occupancy != occupancy:
                occupancy = now_occupancy
                out.append(frame("occupancy", occupancy))
            if now_states != states:
                states = now_states
                out.append(frame("gateways", states))
            now = self._clock()
            if (active and now - last_stats >= s.stats_min_gap_s) or now - last_stats >= s.stats_every_s:
                stats = self._stats()
                if stats is not None:
                    out.append(frame("stats", stats))
                last_stats, active = now, False
            if not out and now - last_write >= s.heartbeat_s:
                out.append(": keep-alive\n\n")
            if out:
                last_write = now
                yield "".join(out)

    def _stats(self) -> dict[str, Any] | None:
        try:
            return self._board.stats()
        except StorageError as exc:  # the database busy past its timeout: the next round will tell
            log.warning("dashboard statistics skipped: %s", exc)
            return None
