"""The scan bus: scans go to the session on screen only, once, and not after that session ends."""

from __future__ import annotations

import threading

from kiosk.app.scans import Scan, ScanBus

CARD = Scan("card", "0012345678", "rdm6300")


class Clock:
    def __init__(self) -> None:
        self.now = 50.0

    def __call__(self) -> float:
        return self.now


def test_a_scan_goes_to_the_session_that_attached_last_and_no_other() -> None:
    bus = ScanBus()
    first = bus.attach("first")
    second = bus.attach("second")
    scan_id = bus.publish(CARD)
    assert scan_id is not None
    assert first.wait(0.01) is None, "the earlier stream is over"
    assert second.wait(0.01) == [scan_id]
    assert bus.take("first", scan_id) is None, "another session cannot take it"
    assert bus.take("second", scan_id) == CARD
    assert bus.take("second", scan_id) is None, "a scan is taken once"


def test_with_no_session_on_screen_a_scan_is_dropped() -> None:
    bus = ScanBus()
    assert bus.publish(CARD) is None
    assert bus.dropped == 1
    stream = bus.attach("late")
    assert stream.wait(0.01) == [], "nothing read before the session was on screen reaches it"


def test_forgetting_a_session_drops_its_scans_and_ends_its_stream() -> None:
    bus = ScanBus()
    stream = bus.attach("customer")
    scan_id = bus.publish(CARD)
    assert scan_id is not None
    bus.forget("customer")
    assert bus.current is None
    assert stream.wait(0.01) is None
    assert bus.take("customer", scan_id) is None
    assert bus.publish(CARD) is None, "after a reset nobody gets scans until a new page attaches"


def test_a_scan_between_two_pages_waits_for_the_next_stream_briefly() -> None:
    clock = Clock()
    bus = ScanBus(clock, hold_s=5.0, keep_s=30.0)
    bus.attach("customer")  # the page that is going away
    held = bus.publish(CARD)
    clock.now += 2.0
    assert bus.attach("customer").wait(0.01) == [held], "the next page of the same session hears of it"
    late = bus.publish(Scan("code", "CORSIA:M:2900000000003", "QRCode"))
    clock.now += 6.0
    assert bus.attach("customer").wait(0.01) == [], "too old to act on when no page heard of it"
    assert bus.take("customer", late or "") is None


def test_a_scan_the_leaving_page_heard_of_but_did_not_take_goes_to_the_next_page() -> None:
    clock = Clock()
    bus = ScanBus(clock, hold_s=5.0, keep_s=30.0)
    leaving = bus.attach("customer")
    swiped = bus.publish(CARD)
    assert leaving.wait(0.01) == [swiped]  # heard of it as the browser moved on to the next step
    clock.now += 1.0
    assert bus.attach("customer").wait(0.01) == [swiped], "the next page gets it"
    assert bus.take("customer", swiped or "") == CARD
    taken = bus.publish(CARD)
    assert bus.attach("customer").wait(0.01) == [taken]
    assert bus.take("customer", taken or "") == CARD
    assert bus.attach("customer").wait(0.01) == [], "a scan a page took is not announced again"
    clock.now += 6.0
    assert bus.attach("customer").wait(0.01) == [], "nor one too old to act on"


def test_an_announced_scan_can_be_taken_for_keep_s_and_not_after() -> None:
    clock = Clock()
    bus = ScanBus(clock, hold_s=5.0, keep_s=30.0)
    stream = bus.attach("customer")
    scan_id = bus.publish(CARD)
    assert stream.wait(0.01) == [scan_id]
    assert stream.wait(0.01) == [], "announced once"
    clock.now += 31.0
    assert bus.take("customer", scan_id or "") is None


def test_a_waiting_stream_wakes_when_a_scan_arrives_and_closing_ends_it() -> None:
    bus = ScanBus()
    stream = bus.attach("customer")
    got: list[list[str] | None] = []
    waiter = threading.Thread(target=lambda: got.append(stream.wait(10.0)))
    waiter.start()
    scan_id = bus.publish(CARD)
    waiter.join(5.0)
    assert got == [[scan_id]]
    closer = threading.Thread(target=lambda: got.append(stream.wait(10.0)))
    closer.start()
    bus.close()
    closer.join(5.0)
    assert got[-1] is None
    assert bus.publish(CARD) is None


def test_the_card_number_stays_out_of_the_scans_repr() -> None:
    assert "0012345678" not in repr(CARD)
