"""Moves spooled batches to the broker, in `seq` order, and forgets each one once the broker has it.

The spool is the only queue: every batch is written there first (`Spool.append`), and this pump is the only
publisher of sightings. It hands batches to the MQTT client oldest first while connected, up to the client's
in-flight cap, and resumes as acknowledgements free room. Batches handed to the client and not yet
acknowledged when the connection drops are resent by the client itself after the reconnect (a persistent
session), so the pump's cursor only moves forward; after a restart it starts from the spool's oldest batch.
Acknowledged batches are deleted in groups, in a worker thread, so the event loop never waits for an fsync.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from functools import partial

from edge.mqtt import Backpressure, Delivery, MqttClient, PublishError
from gateway.spool import Spool

log = logging.getLogger("corsia.gateway.publisher")
PAGE = 200


class BatchPublisher:
    """Run `run()` as a task on the gateway's loop; call `kick()` from anywhere when there is news."""

    def __init__(self, client: MqttClient, spool: Spool, topic: str, loop: asyncio.AbstractEventLoop) -> None:
        self._client = client
        self._spool = spool
        self._topic = topic
        self._loop = loop
        self._wake = asyncio.Event()
        self._lock = threading.Lock()
        self._acked: list[int] = []
        self._cursor = 0  # the highest seq handed to the client by this process
        self.published = 0
        self.acknowledged = 0

    def kick(self) -> None:
        """Wake the pump (thread-safe): a new batch, a connection, an acknowledgement."""
        self._loop.call_soon_threadsafe(self._wake.set)

    @property
    def backlog(self) -> int:
        """Batches in the spool (not yet acknowledged by the broker)."""
        return len(self._spool)

    async def run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            await self._forget_acknowledged()
            if self._client.connected and await self._send_page():
                self._wake.set()  # a full page went out: there may be more

    async def drain(self, timeout: float) -> bool:
        """Wait until every spooled batch is acknowledged (for a clean stop); False on timeout."""
        deadline = self._loop.time() + timeout
        while self._loop.time() < deadline:
            self.kick()
            await asyncio.sleep(0.05)
            await self._forget_acknowledged()
            if len(self._spool) == 0:
                return True
        return len(self._spool) == 0

    async def _send_page(self) -> bool:
        rows = await asyncio.to_thread(self._spool.pending, self._cursor, PAGE)
        for seq, payload in rows:
            try:
                delivery = self._client.publish_raw(self._topic, payload, qos=1, block=False)
            except Backpressure:
                return False  # acknowledgements will kick us
            except PublishError as exc:
                log.warning("cannot publish batch %d now: %s", seq, exc)
                return False
            self._cursor = seq
            self.published += 1
            delivery.add_done_callback(partial(self._on_ack, seq))
        return len(rows) == PAGE

    def _on_ack(self, seq: int, _delivery: Delivery) -> None:  # on the MQTT network thread
        with self._lock:
            self._acked.append(seq)
        self.kick()

    async def _forget_acknowledged(self) -> None:
        with self._lock:
            seqs, self._acked = self._acked, []
        if seqs:
            self.acknowledged += len(seqs)
            await asyncio.to_thread(self._spool.ack_many, seqs)
