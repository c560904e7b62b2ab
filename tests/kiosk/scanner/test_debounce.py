"""`kiosk.scanner.debounce`: one report per code shown."""

from __future__ import annotations

import pytest

from kiosk.scanner.debounce import MAX_TRACKED, Debouncer


def test_the_same_text_within_the_window_is_reported_once() -> None:
    d = Debouncer(3.0)
    assert d.accept("A", 0.0)
    assert not d.accept("A", 0.2)
    assert not d.accept("A", 2.9)


def test_a_code_held_in_view_is_reported_once_however_long() -> None:
    d = Debouncer(3.0)
    reports = [d.accept("A", t * 0.2) for t in range(300)]  # a minute of sightings, 5 a second
    assert reports.count(True) == 1


def test_shown_again_after_being_away_for_the_window_is_reported_again() -> None:
    d = Debouncer(3.0)
    assert d.accept("A", 0.0)
    assert not d.accept("A", 1.0)
    assert d.accept("A", 4.0)  # away from 1.0 to 4.0: a new showing
    assert not d.accept("A", 6.5)


def test_texts_are_independent() -> None:
    d = Debouncer(3.0)
    assert d.accept("A", 0.0)
    assert d.accept("B", 0.1)
    assert not d.accept("A", 0.2)
    assert not d.accept("B", 0.3)


def test_reset_forgets_everything() -> None:
    d = Debouncer(3.0)
    d.accept("A", 0.0)
    d.reset()
    assert d.accept("A", 0.1)


def test_a_zero_window_reports_every_sighting_and_a_negative_one_is_refused() -> None:
    d = Debouncer(0.0)
    assert all(d.accept("A", t) for t in (0.0, 0.0, 1.0))
    with pytest.raises(ValueError, match="negative"):
        Debouncer(-1.0)


def test_a_flood_of_texts_does_not_grow_without_bound() -> None:
    d = Debouncer(3.0)
    for i in range(5 * MAX_TRACKED):
        assert d.accept(f"noise-{i}", 0.0)
    assert len(d._last_seen) <= MAX_TRACKED
    assert not d.accept(f"noise-{5 * MAX_TRACKED - 1}", 0.1)  # the newest are kept


def test_expired_entries_are_dropped_and_fresh_ones_kept() -> None:
    d = Debouncer(3.0)
    for i in range(MAX_TRACKED - 1):
        d.accept(f"old-{i}", 0.0)
    d.accept("kept", 9.0)
    d.accept("new", 10.0)  # one too many: the expired go, not the fresh
    assert len(d._last_seen) == 2
    assert not d.accept("kept", 10.1)
