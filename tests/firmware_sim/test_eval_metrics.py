"""The evaluation's scoring, on hand-made truths and decisions."""

from __future__ import annotations

import math

import pytest

from firmware_sim.eval.metrics import (
    EARLY_S,
    HORIZON_S,
    Scores,
    Timeline,
    in_store_stays,
    is_false_start,
    late_oracle,
    may_enter,
    percentile,
    score_device,
    score_phases,
)


def truth(spans: list[tuple[float, float, str | None]], step: float = 0.1) -> list[tuple[float, str | None]]:
    out = []
    for start, end, zone in spans:
        n = round((end - start) / step)
        out.extend((start + i * step, zone) for i in range(n))
    return out


def timeline(changes: list[tuple[float, str | None]]) -> Timeline:
    tl = Timeline()
    for t, zone in changes:
        tl.set(t, zone)
    return tl


def test_timeline_steps() -> None:
    tl = timeline([(1.0, "a"), (3.0, "b"), (5.0, None)])
    assert [tl.at(t) for t in (0.5, 1.0, 2.9, 3.0, 4.0, 6.0)] == [None, "a", "a", "b", "b", None]
    assert tl.first_time("b", 0.0) == 3.0
    assert tl.first_time("a", 2.0) == 2.0  # already "a" then
    assert tl.first_time("c", 0.0) is None


def test_stays_run_from_the_first_sample_inside_to_the_first_outside_and_an_open_stay_lasts_forever() -> None:
    tr = truth([(0, 1, None), (1, 3, "entrance"), (3, 4, "aisle-1"), (4, 6, None), (6, 7, "entrance")])
    stays = in_store_stays(tr)
    assert [a for a, _b in stays] == pytest.approx([1.0, 6.0])
    assert stays[0][1] == pytest.approx(4.0)  # a zone change inside does not end the stay
    assert stays[1][1] == math.inf
    assert in_store_stays(truth([(0, 2, None)])) == []


def test_a_false_visit_starts_neither_early_s_before_a_stay_nor_during_it_nor_in_the_second_after_it() -> None:
    stays = [(100.0, 200.0), (400.0, math.inf)]
    assert not is_false_start(stays, 100.0 - EARLY_S)  # an early entry, heard through the window
    assert is_false_start(stays, 100.0 - EARLY_S - 0.1)
    assert not is_false_start(stays, 150.0)
    assert not is_false_start(stays, 201.0)  # the stay's last batch
    assert is_false_start(stays, 201.1)
    assert not is_false_start(stays, 10_000.0)  # still in the store
    assert is_false_start([], 150.0)  # a passer-by who never came in


def test_a_visit_may_enter_a_stay_from_early_s_before_it_until_it_ends_or_the_horizon_passes() -> None:
    assert may_enter((100.0, 500.0), 100.0 - EARLY_S)
    assert not may_enter((100.0, 500.0), 100.0 - EARLY_S - 0.1)
    assert may_enter((100.0, 500.0), 100.0 + HORIZON_S - 0.1)
    assert not may_enter((100.0, 500.0), 100.0 + HORIZON_S)  # too late to be this stay's entry
    assert not may_enter((100.0, 120.0), 120.0)  # the stay had ended


def test_perfect_decisions_score_100_percent_and_zero_latency() -> None:
    scores = Scores()
    tr = truth([(0, 10, None), (10, 40, "entrance"), (40, 80, "aisle-1"), (80, 100, None)])
    decided = timeline([(10.0, "entrance"), (40.0, "aisle-1"), (80.0, None)])
    score_device(tr, decided, [10.0], scores)
    assert scores.accuracy == pytest.approx(1.0)
    assert scores.wrong == 0
    assert scores.entry_s == [0.0]
    assert scores.switch_s == [pytest.approx(0.0)]
    assert scores.exit_s == [pytest.approx(0.0)]
    assert scores.false_visits == 0


def test_late_and_wrong_decisions_are_measured() -> None:
    scores = Scores()
    tr = truth([(0, 10, None), (10, 40, "entrance"), (40, 80, "aisle-1"), (80, 200, None)])
    decided = timeline([(11.5, "entrance"), (41.0, "aisle-2"), (43.0, "aisle-1"), (92.0, None)])
    score_device(tr, decided, [11.5], scores)
    assert scores.entry_s == [pytest.approx(1.5)]
    assert scores.switch_s == [pytest.approx(3.0)]
    assert scores.exit_s == [pytest.approx(12.0)]
    samples = 700
    assert scores.samples == samples
    assert scores.undecided == 15  # 10.0 .. 11.4
    assert scores.wrong == 30  # 40.0 .. 40.9 still "entrance", 41.0 .. 42.9 "aisle-2"
    assert scores.accuracy == pytest.approx((samples - 45) / samples)
    assert scores.confusion[("aisle-1", "aisle-2")] == 20


def test_a_brush_through_a_zone_is_not_a_switch_to_measure() -> None:
    scores = Scores()
    tr = truth([(0, 20, "aisle-1"), (20, 22, "walkway"), (22, 60, "aisle-2")])
    decided = timeline([(0.0, "aisle-1"), (24.0, "aisle-2")])
    score_device(tr, decided, [0.0], scores)
    assert scores.switch_s == [pytest.approx(2.0)]  # only aisle-2, kept for 38 s
    assert scores.missed_switches == 0


def test_a_visit_while_out_of_the_store_is_false() -> None:
    scores = Scores()
    tr = truth([(0, 50, None), (50, 60, "entrance"), (60, 200, None)])
    score_device(tr, timeline([(5.0, "aisle-3"), (10.0, None), (50.5, "entrance"), (65.0, None)]), [5.0, 50.5], scores)
    assert scores.false_visits == 1
    assert scores.visits == 2


def test_a_visit_starting_on_the_pavement_just_before_the_door_is_an_early_entry() -> None:
    scores = Scores()
    tr = truth([(0, 50, None), (50, 80, "entrance"), (80, 200, None)])
    score_device(tr, timeline([(42.0, "entrance"), (85.0, None)]), [42.0], scores)
    assert scores.false_visits == 0
    assert scores.entry_s == [0.0]
    assert scores.early_entries == 1


def test_missed_events_are_counted() -> None:
    scores = Scores()
    tr = truth([(0, 10, None), (10, 30, "aisle-1"), (30, 200, None)])
    score_device(tr, Timeline(), [], scores)
    assert scores.missed_entries == 1
    assert scores.missed_exits == 0  # never entered, so never "still inside"
    assert scores.undecided == scores.samples


def test_percentile() -> None:
    assert percentile([], 0.5) is None
    assert percentile([3.0, 1.0, 2.0], 0.5) == 2.0
    assert percentile([0.0, 10.0], 0.95) == pytest.approx(9.5)


def walk(
    spans: list[tuple[float, float, float, float, str | None]], step: float = 0.1
) -> list[tuple[float, float, float, str | None]]:
    """Truth rows (t, x, y, zone) from spans (start, end, x speed in m/s, x at start, zone), along y = 0."""
    out = []
    for start, end, speed, x0, zone in spans:
        n = round((end - start) / step)
        out.extend((start + i * step, x0 + speed * i * step, 0.0, zone) for i in range(n))
    return out


def test_phases_split_time_by_motion_and_time_since_the_zone_changed() -> None:
    scores = Scores()
    # In at t 10 standing in "a" for 10 s, walking at 1 m/s into "b" at t 20 for 10 s, then standing in "b".
    tr = walk([(0, 10, 0.0, 0.0, None), (10, 20, 0.0, 0.0, "a"), (20, 30, 1.0, 0.0, "b"), (30, 40, 0.0, 10.0, "b")])
    decided = timeline([(10.0, "a"), (21.0, "b")])  # the change is seen 1 s late
    score_phases(tr, decided, scores)
    counts = {p: n for p, (n, _) in scores.phases.items()}
    # Standing in "a": 2 s, 4 s, 4 s; walking in "b": 2 s, 4 s, 4 s; then 10 s standing more than 6 s after the change.
    assert counts == {
        "standing < 2 s": 20,
        "standing 2–6 s": 40,
        "standing ≥ 6 s": 40 + 100,
        "walking < 2 s": 20,
        "walking 2–6 s": 40,
        "walking ≥ 6 s": 40,
    }
    assert scores.phase_accuracy("walking < 2 s") == pytest.approx(0.5)  # the first second was still "a"
    assert scores.phase_accuracy("walking 2–6 s") == 1.0
    assert scores.phase_accuracy("standing ≥ 6 s") == 1.0
    assert scores.phase_share("standing ≥ 6 s") == pytest.approx(140 / 300)


def test_phases_restart_with_each_stay_and_ignore_time_outside() -> None:
    scores = Scores()
    tr = walk([(0, 3, 0.0, 0.0, "a"), (3, 5, 0.0, 0.0, None), (5, 8, 0.0, 0.0, "a")])
    score_phases(tr, timeline([(0.0, "a"), (3.0, None), (6.0, "a")]), scores)
    assert scores.phases["standing < 2 s"] == [40, 30]  # 2 s of each stay; the second is decided 1 s late
    assert scores.phases["standing 2–6 s"] == [20, 20]
    assert sum(n for n, _ in scores.phases.values()) == 60
    assert math.isnan(scores.phase_accuracy("walking < 2 s"))  # never seen


def _right(samples: list[tuple[float, str | None]], decided: Timeline) -> int:
    return sum(decided.at(t) == zone for t, zone in samples if zone is not None)


def test_a_late_oracle_is_wrong_for_exactly_its_lag_after_each_change() -> None:
    # 10 s in a, 10 s in b, then out: 200 in-store samples, one change inside the store
    samples = truth([(0.0, 10.0, "a"), (10.0, 20.0, "b"), (20.0, 22.0, None)])
    exact = late_oracle(samples, 0.0)
    assert _right(samples, exact) == 200
    late = late_oracle(samples, 1.5)
    # unknown for the first 1.5 s of the stay, and still "a" for the first 1.5 s in b
    assert [late.at(t) for t in (1.4, 1.5, 11.4, 11.5, 21.4, 21.5)] == [None, "a", "a", "b", "b", None]
    assert _right(samples, late) == 200 - 2 * 15


def test_an_oracle_that_hears_once_a_second_holds_each_zone_until_the_next_report() -> None:
    samples = truth([(0.0, 10.0, "a"), (10.0, 20.0, "b"), (20.0, 22.0, None)])
    fresh = late_oracle(samples, 0.0, every_s=1.0, phase_s=0.3)
    # reports at 0.3, 1.3, …: the change at 10.0 is heard at 10.3
    assert [fresh.at(t) for t in (0.2, 0.3, 10.2, 10.3, 20.2, 20.3)] == [None, "a", "a", "b", "b", None]
    assert _right(samples, fresh) == 200 - 3 - 3
    stale = late_oracle(samples, 0.5, every_s=1.0, phase_s=0.3)
    # the report at 0.3 tells where the shopper was at -0.2 (nowhere), the one at 10.3 where they were at 9.8:
    # a is heard at 1.3, b only at 11.3
    assert [stale.at(t) for t in (0.3, 1.3, 10.3, 11.2, 11.3)] == [None, "a", "a", "a", "b"]
    assert _right(samples, stale) == 200 - 13 - 13
