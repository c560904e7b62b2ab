"""The debouncer: a card held on the reader is one scan, a different card is reported at once."""

from __future__ import annotations

import pytest

from kiosk.reader import CardRead, Debouncer, ReaderSettingError


def card(text: str, protocol: str = "rdm6300") -> CardRead:
    return CardRead(text=text, raw=b"", protocol=protocol, printed=text)  # type: ignore[arg-type]


A, B = card("62E3086CED"), card("0102030405")


def test_first_read_is_a_scan_and_a_quick_repeat_is_not() -> None:
    debounce = Debouncer(2.0)
    assert debounce.accept(A, 100.0)
    assert not debounce.accept(A, 101.9)
    assert debounce.suppressed == 1


def test_card_held_for_long_is_one_scan() -> None:
    debounce = Debouncer(2.0)
    # An RFID module repeats its frame every 100 ms while the card lies on it: 10 s, 100 frames.
    accepted = [debounce.accept(A, 100.0 + i * 0.1) for i in range(100)]
    assert accepted == [True] + [False] * 99


def test_same_card_after_the_window_is_a_new_scan() -> None:
    debounce = Debouncer(2.0)
    assert debounce.accept(A, 100.0)
    assert debounce.accept(A, 102.0)


def test_different_card_is_reported_at_once() -> None:
    debounce = Debouncer(2.0)
    assert [debounce.accept(c, 100.0 + i * 0.01) for i, c in enumerate([A, B, A, A])] == [True, True, True, False]


def test_same_text_from_another_protocol_is_another_card() -> None:
    debounce = Debouncer(2.0)
    assert debounce.accept(card("0102030405", "barcode"), 0.0)
    assert debounce.accept(card("0102030405", "rdm6300"), 0.1)


def test_zero_window_reports_everything() -> None:
    debounce = Debouncer(0)
    assert all(debounce.accept(A, 1.0) for _ in range(3))


def test_reset_makes_the_next_read_a_scan() -> None:
    debounce = Debouncer(2.0)
    debounce.accept(A, 0.0)
    debounce.reset()
    assert debounce.accept(A, 0.1)


def test_negative_window_is_refused() -> None:
    with pytest.raises(ReaderSettingError) as caught:
        Debouncer(-1.0)
    assert caught.value.name == "debounce_s"
