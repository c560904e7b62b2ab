"""The scanner watchdog's decisions, from observations alone."""

from __future__ import annotations

import itertools

from gateway.watchdog import Action, Observation, Watchdog


def obs(now: float, last: float | None, *, discovering: bool | None = True, powered: bool | None = True,
        present: bool = True) -> Observation:  # fmt: skip
    return Observation(now=now, last_advert=last, discovering=discovering, powered=powered, service_present=present)


def run(wd: Watchdog, start: float, end: float, last: float | None, **kw: object) -> list[tuple[float, Action]]:
    actions = []
    t = start
    while t <= end:
        action = wd.decide(obs(t, last, **kw))  # type: ignore[arg-type]
        if action is not Action.NONE:
            actions.append((t, action))
        t += 1.0
    return actions


def test_a_healthy_scanner_is_left_alone() -> None:
    wd = Watchdog(silence_s=30)
    for t in range(0, 600):
        assert wd.decide(obs(float(t), float(t) - 0.3)) is Action.NONE
    assert wd.restarts == 0
    assert wd.state == "scanning"


def test_silence_restarts_discovery_then_power_cycles() -> None:
    wd = Watchdog(silence_s=30, max_backoff_s=1e9, power_cycle_after=2)
    actions = run(wd, 0, 400, last=0.0)
    kinds = [a for _, a in actions]
    assert kinds[:3] == [Action.RESTART_DISCOVERY, Action.RESTART_DISCOVERY, Action.POWER_CYCLE]
    assert actions[0][0] == 30.0
    assert wd.restarts == len(actions)
    # "restarting" only until BlueZ reports discovery on again: silence is not a fault of the scanner.
    wd2 = Watchdog(silence_s=30)
    assert run(wd2, 0, 30, last=0.0) == [(30.0, Action.RESTART_DISCOVERY)]
    assert wd2.state == "restarting"
    wd2.decide(obs(31.0, 0.0))
    assert wd2.state == "restarting"  # settling
    wd2.decide(obs(36.0, 0.0))
    assert wd2.state == "scanning"


def test_silence_backs_off_exponentially_in_a_quiet_shop() -> None:
    wd = Watchdog(silence_s=60, max_backoff_s=960)
    actions = run(wd, 0, 8 * 3600, last=None)
    gaps = [b - a for (a, _), (b, _) in itertools.pairwise(actions)]
    assert gaps[:4] == [120.0, 240.0, 480.0, 960.0]
    assert all(g == 960.0 for g in gaps[4:])
    assert len(actions) < 40  # a night costs a few dozen restarts, not thousands


def test_adverts_after_a_restart_mean_recovered_and_reset_the_backoff() -> None:
    wd = Watchdog(silence_s=30)
    assert run(wd, 0, 30, last=0.0) == [(30.0, Action.RESTART_DISCOVERY)]
    assert wd.state == "restarting"
    for t in range(31, 200):
        assert wd.decide(obs(float(t), float(t))) is Action.NONE
    assert wd.state == "scanning"
    assert run(wd, 200, 231, last=199.0)[0] == (229.0, Action.RESTART_DISCOVERY)  # back to 30 s, not 60


def test_discovery_stopped_by_itself_is_restarted_after_settling() -> None:
    wd = Watchdog(silence_s=300, settle_s=5)
    assert wd.decide(obs(10.0, 9.9, discovering=False)) is Action.RESTART_DISCOVERY
    assert wd.decide(obs(12.0, 9.9, discovering=False)) is Action.NONE  # settling
    assert wd.decide(obs(16.0, 9.9, discovering=False)) is Action.RESTART_DISCOVERY
    assert wd.restarts == 2


def test_adapter_powered_off_is_power_cycled() -> None:
    wd = Watchdog()
    assert wd.decide(obs(5.0, 4.0, powered=False, discovering=False)) is Action.POWER_CYCLE
    assert wd.state == "restarting"


def test_bluetoothd_gone_means_down_and_periodic_reconnects_counted_once() -> None:
    wd = Watchdog(settle_s=5)
    actions = run(wd, 0, 30, last=0.0, present=False, discovering=None, powered=None)
    assert [a for _, a in actions] == [Action.RECONNECT] * len(actions)
    assert [t for t, _ in actions] == [0.0, 5.0, 10.0, 15.0, 20.0, 25.0, 30.0]
    assert wd.state == "down"
    assert wd.restarts == 1
    wd.recovered(31.0)
    assert wd.state == "scanning"
    assert wd.decide(obs(40.0, 39.5)) is Action.NONE
