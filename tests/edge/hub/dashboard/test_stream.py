"""The dashboard's server-sent events over a real HTTP server: what a stream sends, how it resumes after a
reconnect, and that it lets go of the feed when its page goes."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests

from edge.hub.context import HubContext
from edge.hub.dashboard import DashboardSettings
from edge.hub.dashboard.stream import StreamSettings
from tests.conftest import wait_for
from tests.edge.hub.dashboard import seed
from tests.edge.hub.dashboard.conftest import ADMIN_TOKEN, FAST, Clock


@dataclass
class Event:
    name: str
    data: Any
    id: str | None


@dataclass
class Stream:
    """A connected page's view of the stream: events parsed as they arrive, comments counted."""

    response: requests.Response
    chunks: Iterator[bytes]
    buffer: str = ""
    comments: int = 0
    retry: int | None = None
    seen: list[Event] = field(default_factory=list)

    def next(self, name: str, timeout: float = 5.0, where: Callable[[Any], bool] = lambda data: True) -> Event:
        """The next event called `name` whose data passes `where` (others are kept in `seen`)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            while "\n\n" in self.buffer:
                block, self.buffer = self.buffer.split("\n\n", 1)
                event = self._parse(block)
                if event is not None:
                    self.seen.append(event)
                    if event.name == name and where(event.data):
                        return event
            self.buffer += next(self.chunks).decode("utf-8")
        raise AssertionError(f"no {name!r} event within {timeout} s; saw {[e.name for e in self.seen]}")

    def _parse(self, block: str) -> Event | None:
        fields: dict[str, str] = {}
        for line in block.split("\n"):
            if line.startswith(":"):
                self.comments += 1
                continue
            key, _, value = line.partition(": ")
            fields[key] = value
        if "retry" in fields:
            self.retry = int(fields["retry"])
        if "event" not in fields:
            return None
        return Event(fields["event"], json.loads(fields["data"]), fields.get("id"))

    def close(self) -> None:
        self.response.close()


@pytest.fixture
def connect(serve: Callable[..., str]) -> Iterator[Callable[..., Stream]]:
    """Open event streams as a signed-in page would; all are closed at the end."""
    streams: list[Stream] = []
    sessions: list[requests.Session] = []
    urls: dict[int, str] = {}

    def open_stream(settings: DashboardSettings = FAST, last_id: str | None = None) -> Stream:
        key = id(settings)
        if key not in urls:
            urls[key] = serve(settings)
        session = requests.Session()
        sessions.append(session)
        signed = session.post(urls[key] + "/dashboard/signin", data={"token": ADMIN_TOKEN}, allow_redirects=False)
        assert signed.status_code == 303
        headers = {"Last-Event-ID": last_id} if last_id is not None else {}
        response = session.get(urls[key] + "/dashboard/events", stream=True, timeout=5, headers=headers)
        assert response.status_code == 200, response.text
        assert response.headers["Content-Type"].startswith("text/event-stream")
        stream = Stream(response, response.iter_content(chunk_size=None))
        streams.append(stream)
        return stream

    yield open_stream
    for stream in streams:
        stream.close()
    for session in sessions:
        session.close()


def test_a_journey_published_on_the_feed_reaches_the_page(ctx: HubContext, connect: Callable[..., Stream]) -> None:
    stream = connect()
    snapshot = stream.next("snapshot")
    assert stream.retry == FAST.stream.retry_ms
    assert set(snapshot.data) == {"boot", "occupancy", "gateways", "stats"}
    ctx.feed.publish("journey", {"t": 1.0, "event": "enter", "zone": "entrance", "prev": None,
                                 "member": "p_0123456789abcdef", "visit": "v1", "member_id": "m_private"})  # fmt: skip
    journey = stream.next("journey")
    assert journey.data == {"t": journey.data["t"], "event": "enter", "zone": "entrance", "prev": None,
                            "member": "p_0123456789abcdef", "visit": "v1"}  # fmt: skip
    assert journey.id == f"{snapshot.data['boot']}:1"
    assert "m_private" not in json.dumps([e.data for e in stream.seen])  # only the fields a page may show


def test_occupancy_gateways_and_statistics_follow_the_store(
    ctx: HubContext, connect: Callable[..., Stream], live_counts: dict[str, int], clock: Clock
) -> None:
    stream = connect()
    first = stream.next("snapshot").data
    assert first["occupancy"]["total"] == 0
    assert first["stats"]["funnel"] == {"entered": 0, "engaged": 0, "bought": 0}
    assert set(first["gateways"].values()) == {"online"}

    live_counts["aisle-4"] = 2
    occupancy = stream.next("occupancy").data
    assert (occupancy["zones"]["aisle-4"], occupancy["total"]) == (2, 2)

    ctx.feed.publish("alert", {"kind": "gateway_offline", "source": "gw-08", "active": True,
                               "severity": "critical", "detail": "no sightings for 60 s"})  # fmt: skip
    assert stream.next("alert").data["source"] == "gw-08"
    gateways = stream.next("gateways").data
    assert gateways["gw-08"] == "offline"
    assert gateways["gw-01"] == "online"

    db = ctx.connect()
    shopper = seed.member(db)
    seed.visit(db, shopper, [(clock.now - 600, "entrance"), (clock.now - 500, "aisle-4")])
    db.conn.close()
    ctx.feed.publish("journey", {"t": clock.now, "event": "zone", "zone": "aisle-4", "prev": "entrance",
                                 "member": "p_0123456789abcdef", "visit": "v1"})  # fmt: skip
    # A regular update may still be on its way with the numbers from before: the next one after the visit counts.
    stats = stream.next("stats", where=lambda data: data["funnel"]["entered"] > 0).data
    assert stats["funnel"] == {"entered": 1, "engaged": 1, "bought": 0}
    assert stats["day"] == "2026-01-01"


def test_a_quiet_stream_sends_heartbeats(connect: Callable[..., Stream]) -> None:
    stream = connect(DashboardSettings(stream=StreamSettings(heartbeat_s=0.1, poll_s=0.05, stats_every_s=60.0)))
    stream.next("snapshot")
    deadline = time.monotonic() + 3.0
    while stream.comments < 3 and time.monotonic() < deadline:
        stream.buffer += next(stream.chunks).decode("utf-8")
        for _ in range(stream.buffer.count("\n\n")):
            block, stream.buffer = stream.buffer.split("\n\n", 1)
            stream._parse(block)
    assert stream.comments >= 3


def test_a_page_that_goes_away_drops_its_feed_subscription(ctx: HubContext, connect: Callable[..., Stream]) -> None:
    stream = connect()
    stream.next("snapshot")
    assert len(ctx.feed) == 1
    second = connect()
    second.next("snapshot")
    assert len(ctx.feed) == 2
    stream.close()
    assert wait_for(lambda: len(ctx.feed) == 1, 5.0), "the stream kept its subscription after the page left"
    second.close()
    assert wait_for(lambda: len(ctx.feed) == 0, 5.0)


def test_a_reconnecting_page_gets_only_what_it_missed(ctx: HubContext, connect: Callable[..., Stream]) -> None:
    first = connect()
    boot = first.next("snapshot").data["boot"]
    for n in range(3):
        ctx.feed.publish("journey", {"event": "zone", "zone": f"aisle-{n + 1}", "member": "p_1", "visit": "v1"})
    ids = [first.next("journey").id for _ in range(3)]
    assert ids == [f"{boot}:1", f"{boot}:2", f"{boot}:3"]
    first.close()

    resumed = connect(last_id=f"{boot}:2")
    resumed.next("snapshot")
    again = resumed.next("journey")
    assert (again.id, again.data["zone"]) == (f"{boot}:3", "aisle-3")
    # A page from another run of the hub (its boot differs) starts over with everything the feed holds.
    fresh = connect(last_id="0badb007:2")
    assert fresh.next("snapshot").data["boot"] == boot
    assert [fresh.next("journey").data["zone"] for _ in range(3)] == ["aisle-1", "aisle-2", "aisle-3"]


def test_streams_are_capped_and_end_by_themselves(ctx: HubContext, serve: Callable[..., str]) -> None:
    url = serve(DashboardSettings(stream=StreamSettings(heartbeat_s=0.1, poll_s=0.05, max_age_s=0.5), max_streams=1))
    with requests.Session() as session:
        session.post(url + "/dashboard/signin", data={"token": ADMIN_TOKEN})
        started = time.monotonic()
        with session.get(url + "/dashboard/events", stream=True, timeout=5) as first:
            busy = session.get(url + "/dashboard/events", timeout=5)
            assert busy.status_code == 503
            assert busy.headers["Retry-After"] == "30"
            body = b"".join(first.iter_content(chunk_size=None))  # ends: the stream closed itself
        assert time.monotonic() - started < 4.0
        assert b"event: snapshot" in body
        assert wait_for(lambda: len(ctx.feed) == 0, 5.0)
        with session.get(url + "/dashboard/events", stream=True, timeout=5) as again:
            assert again.status_code == 200  # the slot was given back
        assert wait_for(lambda: len(ctx.feed) == 0, 5.0)
        head = session.head(url + "/dashboard/events", timeout=5)  # answered at once, holding nothing
        assert head.status_code == 200
        assert len(ctx.feed) == 0
