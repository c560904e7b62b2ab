"""The real `CardReader` (pyserial in its thread) reading the simulated device over a real pty.

Every wait is for a condition with a generous timeout; nothing asserts how fast something happened except
that `stop` returns well within its bound.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from edge.config import KioskSection
from firmware_sim.devices.card_reader import VirtualCardReader
from kiosk.reader import CardRead, CardReader, ReaderSettingError, ReaderState, make_decoder
from tests.conftest import wait_for

TAG_A, TAG_B, TAG_C = "62E3086CED", "0102030405", "AABBCCDDEE"
QUIET_S = 0.3  # how long "nothing arrives" is watched for


class Recorder:
    """What the reader's callbacks received, thread-safely."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cards: list[CardRead] = []
        self._states: list[ReaderState] = []

    def card(self, card: CardRead) -> None:
        with self._lock:
            self._cards.append(card)

    def state(self, state: ReaderState) -> None:
        with self._lock:
            self._states.append(state)

    @property
    def cards(self) -> list[CardRead]:
        with self._lock:
            return list(self._cards)

    @property
    def texts(self) -> list[str]:
        return [c.text for c in self.cards]

    @property
    def states(self) -> list[ReaderState]:
        with self._lock:
            return list(self._states)


@pytest.fixture
def device(tmp_path: Path) -> Iterator[VirtualCardReader]:
    with VirtualCardReader(tmp_path, protocol="rdm6300", seed=7) as dev:
        yield dev


@pytest.fixture
def seen() -> Recorder:
    return Recorder()


def reader(port: str, seen: Recorder, protocol: str = "rdm6300", **options: Any) -> CardReader:
    options.setdefault("reopen_s", 0.05)
    options.setdefault("read_timeout_s", 0.05)
    return CardReader(port, protocol, on_card=seen.card, on_state=seen.state, **options)


def swipe_and_wait(device: VirtualCardReader, seen: Recorder, card: str) -> None:
    before = len(seen.cards)
    assert device.swipe(card)
    assert wait_for(lambda: len(seen.cards) > before, 5.0), f"the swipe of {card} did not arrive"


def test_a_swipe_arrives(device: VirtualCardReader, seen: Recorder) -> None:
    with reader(device.port, seen) as running:
        assert wait_for(lambda: running.state == "ok", 5.0)
        swipe_and_wait(device, seen, TAG_A)
        assert seen.cards == [
            CardRead(text=TAG_A, raw=b"\x0262E3086CED08\x03", protocol="rdm6300", printed="3808980205")
        ]
        assert seen.states == ["ok"]
        counters = running.counters()
        assert (counters.cards, counters.frames, counters.bytes_in) == (1, 1, 14)


def test_a_barcode_scanner_with_a_prefix(tmp_path: Path, seen: Recorder) -> None:
    with (
        VirtualCardReader(tmp_path, protocol="barcode", terminator="CRLF", prefix="]E0") as scanner,
        reader(scanner.port, seen, "barcode", decoder=make_decoder("barcode", prefix="]E0")) as running,
    ):
        assert wait_for(lambda: running.state == "ok", 5.0)
        swipe_and_wait(scanner, seen, "2500001234567")
        assert seen.cards == [
            CardRead(text="2500001234567", raw=b"]E02500001234567", protocol="barcode", printed="2500001234567")
        ]


def test_noise_and_bad_checksum_give_nothing_and_the_next_swipe_arrives(
    device: VirtualCardReader, seen: Recorder
) -> None:
    with reader(device.port, seen) as running:
        assert wait_for(lambda: running.state == "ok", 5.0)
        assert device.noise(40)
        assert device.bad_checksum(TAG_A)
        assert device.partial(TAG_B)
        assert wait_for(lambda: running.counters().bad_checksums == 1, 5.0)
        time.sleep(QUIET_S)
        assert seen.cards == []
        swipe_and_wait(device, seen, TAG_C)
        assert seen.texts == [TAG_C]
        counters = running.counters()
        # The half frame is counted once the next frame's STX breaks it.
        assert counters.noise_bytes == 40 + len(device.frame(TAG_B)) // 2
        assert (counters.frames, counters.errors) == (1, 0)


def test_a_stale_partial_line_is_not_glued_to_the_next_scan(tmp_path: Path, seen: Recorder) -> None:
    decoder = make_decoder("barcode", terminator="CR", stale_s=0.2)
    with (
        VirtualCardReader(tmp_path, protocol="barcode") as scanner,
        reader(scanner.port, seen, "barcode", decoder=decoder) as running,
    ):
        assert wait_for(lambda: running.state == "ok", 5.0)
        assert scanner.partial("98765432")
        assert wait_for(lambda: running.counters().bytes_in == 4, 5.0)
        time.sleep(0.2 * 2)  # the gap is measured between reads, and the partial's read is done
        swipe_and_wait(scanner, seen, "2500001234567")
        assert seen.texts == ["2500001234567"]
        assert running.counters().noise_bytes == 4


def test_a_card_held_on_the_reader_is_one_scan(device: VirtualCardReader, seen: Recorder) -> None:
    with reader(device.port, seen, debounce_s=2.0) as running:
        assert wait_for(lambda: running.state == "ok", 5.0)
        sent = device.hold(TAG_A, 0.5, interval_s=0.05)
        assert sent >= 2
        assert wait_for(lambda: running.counters().frames == sent, 5.0)
        counters = running.counters()
        assert (counters.cards, counters.repeats) == (1, sent - 1)
        swipe_and_wait(device, seen, TAG_B)  # another card is reported at once
        assert seen.texts == [TAG_A, TAG_B]


def test_unplug_goes_down_and_replug_comes_back(device: VirtualCardReader, seen: Recorder) -> None:
    with reader(device.port, seen) as running:
        assert wait_for(lambda: running.state == "ok", 5.0)
        swipe_and_wait(device, seen, TAG_A)
        device.unplug()
        assert wait_for(lambda: running.state == "down", 5.0)
        assert running.last_error
        assert not device.swipe(TAG_B)  # nobody hears an unplugged reader
        time.sleep(QUIET_S)  # several failed reopen attempts: still down, reported once
        assert seen.states == ["ok", "down"]
        device.replug()
        assert wait_for(lambda: running.state == "ok", 5.0)
        swipe_and_wait(device, seen, TAG_C)
        assert seen.texts == [TAG_A, TAG_C]
        assert seen.states == ["ok", "down", "ok"]
        assert running.counters().disconnects == 1


def test_a_port_that_vanishes_without_an_error_is_down(device: VirtualCardReader, seen: Recorder) -> None:
    # Some USB serial drivers leave the open port silent instead of failing: only the path tells.
    with reader(device.port, seen) as running:
        assert wait_for(lambda: running.state == "ok", 5.0)
        os.unlink(device.port)  # the pty itself stays open and quiet
        assert wait_for(lambda: running.state == "down", 5.0)
        assert running.last_error == "the port vanished"
        device.replug()
        assert wait_for(lambda: running.state == "ok", 5.0)
        swipe_and_wait(device, seen, TAG_A)


def test_a_frame_cut_by_the_unplug_is_not_glued_to_the_next_one(device: VirtualCardReader, seen: Recorder) -> None:
    # No stale rule: only closing the port may throw the cut frame away.
    with reader(device.port, seen, decoder=make_decoder("rdm6300", stale_s=None)) as running:
        assert wait_for(lambda: running.state == "ok", 5.0)
        bytes_before = running.counters().bytes_in
        assert device.write(device.frame(TAG_A)[:-5])  # no ETX yet
        assert wait_for(lambda: running.counters().bytes_in > bytes_before, 5.0)
        device.unplug()
        assert wait_for(lambda: running.state == "down", 5.0)
        device.replug()
        assert wait_for(lambda: running.state == "ok", 5.0)
        assert device.write(device.frame(TAG_A)[-5:])  # the end of the frame, alone
        swipe_and_wait(device, seen, TAG_B)
        assert seen.texts == [TAG_B]


def test_a_port_missing_at_start_is_down_then_ok_when_it_appears(tmp_path: Path, seen: Recorder) -> None:
    with VirtualCardReader(tmp_path, plugged=False) as device, reader(device.port, seen) as running:
        assert wait_for(lambda: seen.states == ["down"], 5.0)
        assert running.state == "down"
        assert "No such file" in (running.last_error or "")
        device.replug()
        assert wait_for(lambda: running.state == "ok", 5.0)
        swipe_and_wait(device, seen, TAG_A)
        assert seen.states == ["down", "ok"]
        assert running.counters().disconnects == 0


def test_stop_is_prompt_while_reading_and_while_waiting_to_reopen(device: VirtualCardReader, seen: Recorder) -> None:
    running = reader(device.port, seen, read_timeout_s=0.1).start()
    assert wait_for(lambda: running.state == "ok", 5.0)
    started = time.monotonic()
    running.stop()
    assert time.monotonic() - started < 1.5
    assert not any(t.name.startswith("card-reader") for t in threading.enumerate())

    missing = reader(str(device.directory / "absent"), seen, reopen_s=60.0).start()
    assert wait_for(lambda: seen.states[-1:] == ["down"], 5.0)
    started = time.monotonic()
    missing.stop()
    assert time.monotonic() - started < 1.5
    assert not any(t.name.startswith("card-reader") for t in threading.enumerate())


def test_a_stopped_reader_can_start_again(device: VirtualCardReader, seen: Recorder) -> None:
    running = reader(device.port, seen)
    try:
        running.start()
        assert wait_for(lambda: running.state == "ok", 5.0)
        running.stop()
        running.start()
        assert wait_for(lambda: seen.states == ["ok", "ok"], 5.0)  # the first state after a start is reported
        swipe_and_wait(device, seen, TAG_A)
    finally:
        running.stop()


def test_a_failing_callback_does_not_stop_the_reader(device: VirtualCardReader) -> None:
    delivered: list[str] = []

    def on_card(card: CardRead) -> None:
        delivered.append(card.text)
        if len(delivered) == 1:
            raise RuntimeError("the kiosk's handler failed")

    with CardReader(device.port, "rdm6300", on_card=on_card, reopen_s=0.05) as running:
        assert wait_for(lambda: running.state == "ok", 5.0)
        assert device.swipe(TAG_A)
        assert wait_for(lambda: running.counters().errors == 1, 5.0)
        assert device.swipe(TAG_B)
        assert wait_for(lambda: delivered == [TAG_A, TAG_B], 5.0)
        assert running.state == "ok"


def test_a_second_reader_on_the_same_port_is_down(device: VirtualCardReader, seen: Recorder) -> None:
    other = Recorder()
    with reader(device.port, seen) as first:
        assert wait_for(lambda: first.state == "ok", 5.0)
        with reader(device.port, other) as second:
            assert wait_for(lambda: other.states == ["down"], 5.0)
            assert second.state == "down"
        swipe_and_wait(device, seen, TAG_A)
        assert other.cards == []


def test_no_port_configured_is_none(seen: Recorder) -> None:
    with reader("", seen) as running:
        assert running.state == "none"
        time.sleep(0.05)
        assert seen.states == []
        assert not any(t.name.startswith("card-reader") for t in threading.enumerate())


def test_from_config(tmp_path: Path, seen: Recorder) -> None:
    with VirtualCardReader(tmp_path, protocol="barcode") as scanner:
        section = KioskSection(card_reader=scanner.port, card_protocol="barcode")
        with CardReader.from_config(section, on_card=seen.card, on_state=seen.state, reopen_s=0.05) as running:
            assert wait_for(lambda: running.state == "ok", 5.0)
            swipe_and_wait(scanner, seen, "1234")
            assert seen.cards[0].protocol == "barcode"
    assert CardReader.from_config(KioskSection(card_reader=""), on_card=seen.card).state == "none"


@pytest.mark.parametrize(
    ("options", "name"),
    [
        ({"protocol": "nfc"}, "protocol"),
        ({"decoder": make_decoder("barcode")}, "decoder"),
        ({"baudrate": 0}, "baudrate"),
        ({"reopen_s": 0}, "reopen_s"),
        ({"read_timeout_s": -1}, "read_timeout_s"),
        ({"debounce_s": -1}, "debounce_s"),
    ],
)
def test_bad_settings_are_refused(options: dict[str, Any], name: str) -> None:
    protocol = options.pop("protocol", "rdm6300")
    with pytest.raises(ReaderSettingError) as caught:
        CardReader("/dev/null", protocol, on_card=lambda card: None, **options)
    assert caught.value.name == name


def test_from_config_reads_the_barcode_line_settings(tmp_path: Path, seen: Recorder) -> None:
    with VirtualCardReader(tmp_path, protocol="barcode", terminator="CR", prefix="]C0") as scanner:
        section = KioskSection(card_reader=scanner.port, card_protocol="barcode", card_terminator="CR",
                               card_prefix="]C0")  # fmt: skip
        with CardReader.from_config(section, on_card=seen.card, on_state=seen.state, reopen_s=0.05) as running:
            assert wait_for(lambda: running.state == "ok", 5.0)
            swipe_and_wait(scanner, seen, "0012345678")
            assert seen.texts == ["0012345678"]  # the prefix stripped, as the config says
