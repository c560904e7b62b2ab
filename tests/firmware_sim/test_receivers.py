"""A receiver changed since calibration (`firmware_sim.world.receivers`): the world reads it louder or weaker by
exactly that much, and the hub's residuals for it move."""

from __future__ import annotations

import itertools

import pytest

from edge.errors import ConfigError
from firmware_sim.eval.harness import run
from firmware_sim.eval.overrides import receivers_with
from firmware_sim.world import Scenario, build_scenario
from firmware_sim.world.receivers import receiver_changes, with_receivers_changed


def _readings(scenario: Scenario, gateway: str, adverts: int = 200_000) -> dict[float, int]:
    return {t: a.rssi for t, g, a in itertools.islice(scenario.adverts(), adverts) if g == gateway}


def test_a_changed_receiver_reads_exactly_that_much_louder_and_the_others_as_before() -> None:
    plain = build_scenario("store-small", 1)
    assert any(g.rssi_offset != 0 for g in plain.layout.gateways)  # the demo's receivers are all miscalibrated...
    assert receiver_changes(plain) == {}  # ...and the layout's offsets cancel them exactly
    changed = with_receivers_changed(plain, {"gw-04": 3.0, "gw-10": -2.5})
    assert receiver_changes(changed) == {"gw-04": 3.0, "gw-10": -2.5}
    before, after = _readings(plain, "gw-04"), _readings(changed, "gw-04")
    common = before.keys() & after.keys()
    assert len(common) > 1000
    assert {after[t] - before[t] for t in common} == {3}
    assert len(after) > len(before)  # adverts just under the receiver's sensitivity are now heard
    weaker_before, weaker_after = _readings(plain, "gw-10"), _readings(changed, "gw-10")
    assert {weaker_after[t] - weaker_before[t] for t in weaker_before.keys() & weaker_after.keys()} == {-2, -3}
    assert _readings(plain, "gw-05") == _readings(changed, "gw-05")
    assert receiver_changes(with_receivers_changed(changed, {})) == {}  # every receiver exact again


def test_the_hub_hears_the_changed_receiver_louder_than_its_model_says() -> None:
    plain = build_scenario("store-small", 1)
    sums = {
        name: {s.gateway: s.total_db / s.samples for s in run(scenario, name="store-small", seed=1).offset_sums}
        for name, scenario in (("plain", plain), ("changed", with_receivers_changed(plain, {"gw-04": 3.0})))
    }
    moved = {gw: sums["changed"][gw] - sums["plain"][gw] for gw in sums["plain"]}
    # The residual moves by about half the change: the shopper's placement follows the louder receiver a little.
    assert moved["gw-04"] > 1.0
    assert all(abs(v) < 0.5 for gw, v in moved.items() if gw != "gw-04"), moved


def test_changes_are_parsed_and_a_bad_one_is_refused_with_its_gateway_named() -> None:
    assert receivers_with(["gw-04=3", " gw-10 = -2.5", "gw-04=4"]) == {"gw-04": 4.0, "gw-10": -2.5}
    assert receivers_with([]) == {}
    for pair, message in [
        ("gw-04", "--receiver: expected GATEWAY=DB, got 'gw-04'"),
        ("=3", "--receiver: expected GATEWAY=DB, got '=3'"),
        ("gw-04=loud", "--receiver: gw-04: expected a number of dB, got 'loud'"),
        ("gw-04=nan", "--receiver: gw-04: expected a finite number of dB, got 'nan'"),
        ("gw-04=-inf", "--receiver: gw-04: expected a finite number of dB, got '-inf'"),
    ]:
        with pytest.raises(ConfigError) as caught:
            receivers_with([pair])
        assert str(caught.value) == message
    with pytest.raises(ConfigError, match=r"--receiver: gw-99: no such gateway in demo; it has gw-01, gw-02"):
        with_receivers_changed(build_scenario("store-small", 1), {"gw-99": 3.0})
