"""The shop front: passers-by heard through it do not become visits; a shopper fading at the doors has left."""

from __future__ import annotations

from pathlib import Path

from edge.presence import PresenceEngine, PresenceSettings
from edge.store import load_layout

DEMO = load_layout(Path(__file__).resolve().parents[2] / "examples" / "stores" / "demo.toml")
T0 = 1_795_392_000.0


def feed(engine: PresenceEngine, readings: dict[str, float], seconds: range, device: str = "d1") -> list[str]:
    """One batch per gateway per second; returns the events as "event:zone" strings."""
    out = []
    seqs = dict.fromkeys(readings, 0)
    for s in seconds:
        for gw, rssi in readings.items():
            seqs[gw] = s + 1
            for ev in engine.ingest(gw, seqs[gw], T0 + s, [(device, rssi)], now=T0 + s):
                out.append(f"{ev.event}:{ev.zone or ev.prev}")
        for ev in engine.tick(T0 + s + 0.5):
            out.append(f"{ev.event}:{ev.zone or ev.prev}")
    return out


def test_a_passer_by_heard_weakly_through_the_front_is_no_visit() -> None:
    engine = PresenceEngine(DEMO, PresenceSettings(apply_layout_offsets=False))
    assert feed(engine, {"gw-09": -85.0, "gw-10": -90.0}, range(30)) == []
    assert engine.devices == 0
    assert engine.stats.weak == 60


def test_a_shopper_walking_in_is_a_visit_at_once() -> None:
    engine = PresenceEngine(DEMO, PresenceSettings(apply_layout_offsets=False))
    assert feed(engine, {"gw-09": -70.0}, range(3))[0] == "enter:entrance"


def test_fading_at_the_doors_ends_the_visit_after_the_confirmation() -> None:
    settings = PresenceSettings(apply_layout_offsets=False, door_exit_dbm=-82.0, door_confirm_s=4.0)
    engine = PresenceEngine(DEMO, settings)
    assert feed(engine, {"gw-09": -70.0}, range(0, 5)) == ["enter:entrance"]
    events = feed(engine, {"gw-09": -88.0}, range(5, 20))
    assert events == ["exit:entrance"]
    assert engine.devices == 0


def test_turning_back_at_the_doors_keeps_the_visit() -> None:
    settings = PresenceSettings(apply_layout_offsets=False, door_exit_dbm=-82.0, door_confirm_s=4.0)
    engine = PresenceEngine(DEMO, settings)
    feed(engine, {"gw-09": -70.0}, range(0, 5))
    assert feed(engine, {"gw-09": -88.0}, range(5, 7)) == []  # fading for 2 s...
    assert feed(engine, {"gw-09": -70.0}, range(7, 20)) == []  # ...then back in: no exit
    assert engine.devices == 1


def test_by_default_a_shopper_fading_at_the_doors_leaves_before_the_timeout() -> None:
    # Walking off along the pavement, heard through the window below the doors' floor but not unheard: without
    # the doors' exit the visit would last as long as the readings do.
    engine = PresenceEngine(DEMO, PresenceSettings(apply_layout_offsets=False))
    assert feed(engine, {"gw-09": -70.0}, range(0, 5)) == ["enter:entrance"]
    events = feed(engine, {"gw-09": -86.0}, range(5, 20))
    assert events == ["exit:entrance"]
    off = PresenceEngine(DEMO, PresenceSettings(apply_layout_offsets=False, door_exit_dbm=-127.0))
    feed(off, {"gw-09": -70.0}, range(0, 5))
    assert feed(off, {"gw-09": -86.0}, range(5, 20)) == []
    assert off.devices == 1


def test_by_default_a_shopper_lingering_at_the_doors_keeps_the_visit() -> None:
    engine = PresenceEngine(DEMO, PresenceSettings(apply_layout_offsets=False))
    feed(engine, {"gw-09": -70.0}, range(0, 5))
    events = feed(engine, {"gw-09": -82.0}, range(5, 40))  # weak, but above the doors' floor
    assert "exit:entrance" not in events
    assert engine.devices == 1
