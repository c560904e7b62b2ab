"""`edge.store.calibration`: finding when the tag was under each gateway, the offsets from it, and writing them
into a layout file."""

from __future__ import annotations

import random
import statistics
import tomllib

import pytest

from edge.store import parse_layout
from edge.store.calibration import (
    CalibrationSettings,
    Reading,
    fit_offsets,
    holds,
    with_offsets,
)
from tests.conftest import REPO

T0 = 1_795_392_000.0
NEAR, FAR = -60.0, -75.0  # the tag 1 m below a gateway, and as the other gateways read it


def walk(
    receivers: dict[str, float], hold_s: int, *, noise_db: float = 0.0, seed: int = 1, skip: tuple[str, ...] = ()
) -> list[Reading]:
    """Readings of a tag held under each gateway in turn for `hold_s` seconds, one reading a second per gateway,
    by receivers that add `receivers[g]` dB (what the offsets must cancel); 10 s of walking between holds."""
    rng = random.Random(seed)
    out: list[Reading] = []
    t = T0
    for under in receivers:
        if under in skip:
            continue
        for second in range(hold_s + 10):
            walking = second >= hold_s
            for g, bias in receivers.items():
                level = FAR if walking or g != under else NEAR
                out.append(Reading(g, t + second + 0.1, level + bias + rng.gauss(0.0, noise_db)))
        t += hold_s + 10
    return out


RECEIVERS = {"gw-a": 2.0, "gw-b": -1.0, "gw-c": 0.0, "gw-d": -3.0}


def test_the_offsets_cancel_each_receivers_bias_around_the_typical_one() -> None:
    cal = fit_offsets(walk(RECEIVERS, 150, noise_db=2.0), dict.fromkeys(RECEIVERS, 0.0))
    assert cal.complete
    typical = statistics.median(RECEIVERS.values())
    for g in cal.gateways:
        assert g.calibrated
        assert g.problem is None
        assert g.offset_db == pytest.approx(typical - RECEIVERS[g.gateway], abs=0.4), g
        assert g.held_s == pytest.approx(150 - 2 * CalibrationSettings().settle_s, abs=2.0)


def test_the_current_offsets_are_where_the_new_ones_start_from() -> None:
    right = {g: -bias for g, bias in RECEIVERS.items()}
    cal = fit_offsets(walk(RECEIVERS, 150), right)
    assert cal.offsets == pytest.approx(right, abs=0.05)
    assert all(g.correction_db == pytest.approx(0.0, abs=0.05) for g in cal.gateways)
    # one gateway moved since: held with its neighbours, only it changes
    moved = dict(RECEIVERS, **{"gw-c": 4.0})
    cal = fit_offsets(walk(moved, 150), right)
    assert cal.offsets == pytest.approx(dict(right, **{"gw-c": -4.0}), abs=0.05)


def test_a_hold_keeps_its_faded_readings_so_the_median_is_not_biased() -> None:
    """Every fourth reading under the gateway fades by 12 dB, below the margin over the others: a decision per
    reading would drop them and read the gateway 0.5–1 dB hot. The hold is decided on the window's median."""
    readings = []
    for second in range(200):
        t = T0 + second
        under_a = second < 150
        faded = under_a and second % 4 == 0
        readings.append(Reading("gw-a", t, (NEAR - 12.0 if faded else NEAR) if under_a else FAR))
        readings.append(Reading("gw-b", t + 0.5, FAR + 3.0 if under_a else NEAR))
        readings.append(Reading("gw-c", t + 0.7, FAR))
    settings = CalibrationSettings(min_hold_s=30)
    spans = holds(readings, settings)
    [(first, last)] = spans["gw-a"]  # one hold, not broken by the fades
    assert first == T0
    assert T0 + 145 <= last <= T0 + 149
    a = fit_offsets(readings, {"gw-a": 0.0, "gw-b": 0.0, "gw-c": 0.0}, settings).gateways[0]
    start, end = first + settings.settle_s, last - settings.settle_s
    kept = [r for r in readings if r.gateway == "gw-a" and start <= r.t < end + 1.0]
    assert a.readings == len(kept)
    assert sum(r.rssi < NEAR for r in kept) == len(kept) // 4
    assert a.held_s == end + 1.0 - start


def test_a_gateway_not_held_keeps_its_offset_and_says_why() -> None:
    current = {"gw-a": 0.5, "gw-b": 0.0, "gw-c": -1.0, "gw-d": 0.0}
    readings = walk(RECEIVERS, 150, skip=("gw-d",))
    later = walk({"gw-d": 0.0, "gw-c": 0.0, "gw-x": 0.0}, 60)  # then gw-d held for 60 s only
    readings += [Reading(r.gateway, r.t + 10_000, r.rssi) for r in later if r.t < T0 + 60]
    cal = fit_offsets([*readings, Reading("gw-zz", T0, -50.0)], current)
    assert not cal.complete
    d = next(g for g in cal.gateways if g.gateway == "gw-d")
    assert not d.calibrated
    assert d.offset_db == 0.0
    assert d.problem is not None
    assert "120 s needed" in d.problem
    assert cal.ignored == {"gw-x": 60, "gw-zz": 1}
    never = fit_offsets(walk(RECEIVERS, 150, skip=("gw-b",)), dict.fromkeys(RECEIVERS, 0.0))
    b = next(g for g in never.gateways if g.gateway == "gw-b")
    assert b.problem == "the tag was never held under it"
    assert b.offset_db == 0.0


def test_one_gateway_held_is_no_reference() -> None:
    cal = fit_offsets(walk({"gw-a": 0.0, "gw-b": 3.0}, 150, skip=("gw-b",)), {"gw-a": 0.0, "gw-b": 0.0})
    assert cal.reference_dbm is None
    assert [g.calibrated for g in cal.gateways] == [False, False]
    assert cal.gateways[0].problem is not None
    assert "too few gateways" in cal.gateways[0].problem


def test_offsets_out_of_range_are_refused_and_large_ones_flagged() -> None:
    cal = fit_offsets(walk({"gw-a": 0.0, "gw-b": 0.0, "gw-c": -8.0}, 150), dict.fromkeys(["gw-a", "gw-b", "gw-c"], 0.0))
    c = cal.gateways[2]
    assert c.calibrated
    assert c.offset_db == pytest.approx(8.0, abs=0.1)
    assert c.problem is not None
    assert "check the mounting" in c.problem
    # a receiver 31 dB deaf, found under the offset that almost made up for it
    cal = fit_offsets(walk({"gw-a": 0.0, "gw-b": 0.0, "gw-c": -31.0}, 150), {"gw-a": 0.0, "gw-b": 0.0, "gw-c": 29.0})
    c = cal.gateways[2]
    assert not c.calibrated
    assert c.offset_db == 29.0
    assert c.problem is not None
    assert "beyond ±30" in c.problem


def test_readings_that_are_not_numbers_are_left_out() -> None:
    readings = [*walk(RECEIVERS, 150), Reading("gw-a", float("nan"), -50.0), Reading("gw-a", T0 + 5, float("inf"))]
    assert fit_offsets(readings, dict.fromkeys(RECEIVERS, 0.0)).offsets == pytest.approx(
        fit_offsets(walk(RECEIVERS, 150), dict.fromkeys(RECEIVERS, 0.0)).offsets
    )


@pytest.mark.parametrize(
    ("field", "value"), [("margin_db", 0.0), ("window_s", float("nan")), ("settle_s", -1.0), ("min_hold_s", -5.0)]
)
def test_settings_are_checked(field: str, value: float) -> None:
    with pytest.raises(ValueError, match=field):
        CalibrationSettings(**{field: value})


DEMO = (REPO / "examples" / "stores" / "demo.toml").read_text(encoding="utf-8")


def test_offsets_are_written_in_place_keeping_everything_else() -> None:
    new = with_offsets(DEMO, {"gw-06": -1.25, "gw-10": 0.04})
    layout = parse_layout(tomllib.loads(new))
    before = parse_layout(tomllib.loads(DEMO))
    offsets = {g.id: g.rssi_offset for g in layout.gateways}
    assert offsets == {g.id: g.rssi_offset for g in before.gateways} | {"gw-06": -1.2, "gw-10": 0.0}
    changed = [(a, b) for a, b in zip(DEMO.splitlines(), new.splitlines(), strict=True) if a != b]
    assert len(changed) == 2  # the two offset lines, nothing else
    assert changed[0][1].startswith("rssi_offset = -1.2 ")
    assert "metal bike rack" in changed[0][1]


def test_a_missing_offset_line_is_added_and_an_unknown_gateway_refused() -> None:
    text = '[store]\nid = "s"\n\n[[gateway]]\nid = "a"\nzone = "z"\n\n[[gateway]]\n  id = \'b\'\n  rssi_offset = 1.0'
    new = with_offsets(text, {"a": 2.0, "b": -0.5})
    data = tomllib.loads(new)
    assert [g["rssi_offset"] for g in data["gateway"]] == [2.0, -0.5]
    assert "  rssi_offset = -0.5" in new  # the table's own indentation
    with pytest.raises(ValueError, match="'c'"):
        with_offsets(text, {"c": 1.0})
