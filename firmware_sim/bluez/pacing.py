"""Pacing: a bounded queue that any thread fills and one event loop drains, and the socket's flow control.

Why: dbus-fast (5.x) writes each message with ``socket.send`` as soon as it is queued; when the socket buffer
is full it gets ``EAGAIN`` and drops the whole connection instead of waiting. A unix socket's default buffer
(212,992 bytes) holds only about 170 small messages, because each also costs about a kilobyte of kernel
bookkeeping. So `PacedQueue` hands out at most `batch` items at a time and no more than `rate_per_s` a second
(a token bucket), and `Backlog` keeps the bytes the bus daemon has not read yet under a budget.

`PacedQueue.put` is cheap and thread-safe: it appends to a deque and wakes the loop only when the drainer
sleeps.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from typing import Any, Final, Generic, TypeVar

from firmware_sim.bluez.model import Advertisement

T = TypeVar("T")

# Estimated bytes a message holds in the socket buffer: its size plus the kernel's bookkeeping (measured with
# a socketpair: 212,992 bytes of buffer hold 167 messages of 300 bytes, 93 of 1,200).
KERNEL_COST: Final = 1100
CHANGED_COST: Final = KERNEL_COST + 250
ADDED_COST: Final = KERNEL_COST + 800
REMOVED_COST: Final = KERNEL_COST + 200


def payload_cost(adv: Advertisement) -> int:
    """Bytes an advertisement's data adds to its message."""
    data = sum(len(v) for v in adv.manufacturer_data.values()) + sum(len(v) + 40 for v in adv.service_data.values())
    return data + len(adv.name or "") + 40 * len(adv.service_uuids)


class TokenBucket:
    """`rate_per_s` tokens a second, at most `burst` saved up."""

    __slots__ = ("_last", "_tokens", "burst", "rate_per_s")

    def __init__(self, rate_per_s: float, burst: int) -> None:
        if rate_per_s <= 0 or burst < 1:
            raise ValueError("rate_per_s must be positive and burst at least 1")
        self.rate_per_s = rate_per_s
        self.burst = burst
        self._tokens = float(burst)
        self._last = time.monotonic()

    def take(self, wanted: int, now: float) -> int:
        """Take up to `wanted` whole tokens; returns how many were taken."""
        self._tokens = min(float(self.burst), self._tokens + (now - self._last) * self.rate_per_s)
        self._last = now
        taken = min(wanted, int(self._tokens))
        self._tokens -= taken
        return taken

    def wait_s(self) -> float:
        """Seconds until the next whole token."""
        return max(0.0, (1.0 - self._tokens) / self.rate_per_s)


class PacedQueue(Generic[T]):
    """Items in order; `next_batch` hands out at most `batch` of them, no faster than `rate_per_s`."""

    def __init__(self, *, rate_per_s: float, batch: int, max_len: int) -> None:
        if max_len < 1:
            raise ValueError("max_len must be at least 1")
        self._items: deque[T] = deque()
        self._bucket = TokenBucket(rate_per_s, batch)
        self.batch = batch
        self.max_len = max_len
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None
        self._idle = False

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        """Attach to the loop that drains; call from that loop."""
        self._loop = loop
        self._wake = asyncio.Event()

    def __len__(self) -> int:
        return len(self._items)

    def put(self, item: T, *, force: bool = False) -> bool:
        """Append `item` (from any thread); False when the queue is full, unless `force`."""
        if not force and len(self._items) >= self.max_len:
            return False
        self._items.append(item)
        self._poke()
        return True

    def put_many(self, items: list[T]) -> int:
        """Append as many of `items` as fit; returns how many."""
        room = max(0, self.max_len - len(self._items))
        accepted = items[:room]
        self._items.extend(accepted)
        if accepted:
            self._poke()
        return len(accepted)

    def _poke(self) -> None:
        if self._idle and self._loop is not None and self._wake is not None:
            self._idle = False
            with contextlib.suppress(RuntimeError):  # a closed loop: nothing drains any more
                self._loop.call_soon_threadsafe(self._wake.set)

    async def next_batch(self) -> list[T]:
        """Wait for items and for tokens, then return the next batch (never empty)."""
        assert self._wake is not None, "bind() the queue to its loop first"
        while True:
            if not self._items:
                self._idle = True
                if not self._items:  # re-check after announcing the sleep: a put may have slipped in
                    await self._wake.wait()
                self._wake.clear()
                self._idle = False
                continue
            taken = self._bucket.take(min(self.batch, len(self._items)), time.monotonic())
            if taken == 0:
                await asyncio.sleep(self._bucket.wait_s())
                continue
            pop = self._items.popleft
            return [pop() for _ in range(taken)]

    def clear(self) -> list[T]:
        """Remove and return everything still queued."""
        items = list(self._items)
        self._items.clear()
        return items


class Backlog:
    """Bytes written to the bus socket that the bus daemon has not yet confirmed reading.

    The writer `add`s the estimated cost of each message (its size plus the kernel's bookkeeping, about a
    kilobyte). Every `budget_bytes / 4` it sends a checkpoint (a ``Ping`` to the daemon, whose reply proves the
    daemon has read everything before it) and hands its future to `checkpoint`. Past three quarters of the
    budget it must `relieve` (await the oldest checkpoints) before writing more; so the socket never holds more
    than the budget and ``send`` never meets ``EAGAIN``, while writing and the daemon's reading overlap.
    """

    __slots__ = ("_open", "_waiting", "_waiting_bytes", "budget_bytes", "checkpoint_bytes", "high_water")

    def __init__(self, budget_bytes: int) -> None:
        self.budget_bytes = budget_bytes
        self.checkpoint_bytes = budget_bytes // 4
        self.high_water = budget_bytes * 3 // 4
        self._open = 0
        self._waiting: deque[tuple[asyncio.Future[Any], int]] = deque()
        self._waiting_bytes = 0

    @property
    def unconfirmed(self) -> int:
        return self._open + self._waiting_bytes

    @property
    def open_bytes(self) -> int:
        """Bytes written since the last checkpoint."""
        return self._open

    def add(self, cost: int) -> bool:
        """Count a written message; True when a checkpoint is due."""
        self._open += cost
        return self._open >= self.checkpoint_bytes

    def checkpoint(self, confirmation: asyncio.Future[Any]) -> None:
        self._waiting.append((confirmation, self._open))
        self._waiting_bytes += self._open
        self._open = 0

    async def relieve(self, until: int) -> None:
        """Await checkpoints, oldest first, until at most `until` bytes are unconfirmed (or none is left)."""
        while self._waiting and self.unconfirmed > until:
            confirmation, cost = self._waiting.popleft()
            self._waiting_bytes -= cost
            await confirmation

    def reset(self) -> list[asyncio.Future[Any]]:
        """Forget everything (the connection is gone); returns the checkpoints, cancelled, to be awaited."""
        confirmations = [confirmation for confirmation, _ in self._waiting]
        for confirmation in confirmations:
            confirmation.cancel()
        self._waiting.clear()
        self._waiting_bytes = 0
        self._open = 0
        return confirmations
