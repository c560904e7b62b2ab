"""`corsia sim`: the real-time driver into virtual BlueZ, the whole path through real gateways, record and replay.

The end-to-end test runs `corsia sim --spawn-gateways` for three gateways of store-small against a real Mosquitto:
each `corsia gateway` scans its own virtual BlueZ with the real bleak, and a hub in the test resolves the
sightings with `EidResolver` and the tag table and feeds `PresenceEngine`, on the scenario's clock.
"""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from types import SimpleNamespace

import pytest
from dbus_fast import Message, MessageType
from dbus_fast.aio import MessageBus

from edge.broker import MosquittoBroker
from edge.config import load_gateway_config
from edge.identity import EidResolver
from edge.mqtt import MqttClient, Received
from edge.presence import JourneyEvent, PresenceEngine
from edge.protocol import Sightings, Topic
from edge.store import StoreLayout, ZoneKind
from firmware_sim.bluez import Advertisement, VirtualBluez
from firmware_sim.bluez.connection import add_match
from firmware_sim.realtime import GatewayFleet, RealtimeDriver, SimClock, SimError, gateway_env, to_advertisement
from firmware_sim.world import SCENARIOS, Advert, Scenario, build_scenario, replay
from firmware_sim.world.devices import EidPhone, IBeaconTag
from tests.conftest import REPO

Record = tuple[float, str, Advert]
TEMPLATE_UUID = "f7826da6-4fa2-4e98-8024-bc5b71e0893e"  # the example config's tag UUID, not the scenario's


def corsia(*args: str, timeout: float = 60.0) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "edge.cli", *args], cwd=REPO, capture_output=True, text=True, timeout=timeout
    )


def window(scenario: Scenario, start_s: float, duration_s: float) -> list[Record]:
    first, end = scenario.start_t + start_s, scenario.start_t + start_s + duration_s
    return [r for r in scenario.adverts() if first <= r[0] < end]


class FakeSink:
    """A stand-in bus: what `advertise_many` got, with when."""

    def __init__(self) -> None:
        self.got: list[tuple[float, Advertisement]] = []

    def advertise_many(self, adverts: Iterable[Advertisement]) -> int:
        now = time.monotonic()
        batch = list(adverts)
        self.got.extend((now, adv) for adv in batch)
        return len(batch)


def advert(address: str, rssi: int) -> Advert:
    return Advert({0x004C: b"\x02\x15" + bytes(21)}, {}, rssi, address)


# -- the driver, with stand-in buses ------------------------------------------------------------------------


def test_driver_sends_each_advert_to_its_gateway_in_order_when_due_never_early() -> None:
    t0 = 1_000_000.0
    records = [(t0 + 0.05 * i, f"gw-0{1 + i % 3}", advert(f"C0:00:00:00:00:{i:02X}", -50 - i)) for i in range(40)]
    sinks = {"gw-01": FakeSink(), "gw-02": FakeSink(), "gw-03": FakeSink()}
    driver = RealtimeDriver(records, sinks, speed=2.0, gateways={"gw-01", "gw-02"}, start_t=t0)
    stats = driver.run(threading.Event())
    clock = driver.clock
    assert clock is not None
    assert clock.t0 == t0
    for gw in ("gw-01", "gw-02"):
        expected = [(t, to_advertisement(a)) for t, g, a in records if g == gw]
        got = sinks[gw].got
        assert [adv for _at, adv in got] == [adv for _t, adv in expected]
        late = [at - clock.due(t) for (at, _), (t, _) in zip(got, expected, strict=True)]
        assert min(late) >= 0.0
        assert max(late) < 0.2
    assert sinks["gw-03"].got == []
    assert stats.sent == {"gw-01": 14, "gw-02": 13}
    assert stats.skipped == 13
    assert stats.finished
    assert 0.0 <= stats.late_mean_s <= stats.late_max_s < 0.2
    assert 0.9 < stats.elapsed_s < 1.5  # 1.95 s of scenario at speed 2


def test_driver_skips_the_start_offset_stops_after_the_duration_and_on_stop() -> None:
    t0 = 500.0
    records = [(t0 + 0.1 * i, "gw-01", advert("C0:00:00:00:00:01", -60)) for i in range(100)]
    sink = FakeSink()
    stats = RealtimeDriver(records, {"gw-01": sink}, speed=20.0, start_offset_s=2.0, duration_s=3.0).run()
    assert stats.sent == {"gw-01": 30}  # t0+2.0 .. t0+4.9: the recording's start is the second before its first
    assert stats.played_s == pytest.approx(3.0)
    stop = threading.Event()
    slow = RealtimeDriver(records, {"gw-01": FakeSink()}, speed=1.0)
    threading.Timer(0.3, stop.set).start()
    stats = slow.run(stop)
    assert not stats.finished
    assert 2 <= stats.total <= 5


def test_driver_refuses_bad_arguments() -> None:
    with pytest.raises(SimError, match="no virtual BlueZ for gateway"):
        RealtimeDriver([], {"gw-01": FakeSink()}, gateways={"gw-02"})
    with pytest.raises(SimError, match="speed"):
        RealtimeDriver([], {"gw-01": FakeSink()}, speed=0.0)
    with pytest.raises(SimError, match="start offset"):
        RealtimeDriver([], {"gw-01": FakeSink()}, start_offset_s=-1.0)


def test_clock_maps_scenario_time_to_wall_time_both_ways() -> None:
    clock = SimClock(t0=1000.0, wall0=50.0, mono0=7.0, speed=4.0)
    assert clock.wall_time(1008.0) == 52.0
    assert clock.due(1008.0) == 9.0
    assert clock.scenario_time(52.0) == 1008.0
    assert clock.describe() == "scenario_t0=1000.0 wall_t0=50.0 speed=4.0"


def test_gateway_env_gives_each_gateway_its_id_spool_bus_and_the_tag_uuids(tmp_path: Path) -> None:
    uuids = ["df74e6d7-eb53-5ae4-8b71-d92fed961205", "00000000-0000-0000-0000-000000000001"]
    env = gateway_env("gw-07", "unix:path=/tmp/x/bus", tmp_path / "gw-07" / "spool.db", uuids, {"PATH": "/bin"})
    config = load_gateway_config(REPO / "examples" / "config" / "gateway.toml", env=env)
    assert config.gateway.id == "gw-07"
    assert config.gateway.spool == str(tmp_path / "gw-07" / "spool.db")
    assert config.gateway.allow.ibeacon_uuids == tuple(uuids)
    assert env["DBUS_SYSTEM_BUS_ADDRESS"] == "unix:path=/tmp/x/bus"
    keep = gateway_env("gw-07", "unix:path=/tmp/x/bus", tmp_path / "s.db", None, {})
    assert "CORSIA_GATEWAY_ALLOW_IBEACON_UUIDS" not in keep


# -- (a) into virtual BlueZ, as a discovery client on each bus sees it ------------------------------------------


class Listener:
    """A discovery client on one virtual BlueZ recording every Device1 report as (monotonic time, address, rssi)."""

    def __init__(self) -> None:
        self.heard: list[tuple[float, str, int]] = []
        self.bus: MessageBus | None = None

    async def connect(self, address: str) -> None:
        bus = self.bus = await MessageBus(bus_address=address).connect()
        bus.add_message_handler(self._on_message)
        for rule in (
            "type='signal',interface='org.freedesktop.DBus.Properties',member='PropertiesChanged',"
            "path_namespace='/org/bluez'",
            "type='signal',interface='org.freedesktop.DBus.ObjectManager',member='InterfacesAdded'",
        ):
            await add_match(bus, rule)
        reply = await bus.call(
            Message(destination="org.bluez", path="/org/bluez/hci0", interface="org.bluez.Adapter1",
                    member="StartDiscovery")
        )  # fmt: skip
        assert reply is not None
        assert reply.message_type is MessageType.METHOD_RETURN

    def _on_message(self, msg: Message) -> None:
        now = time.monotonic()
        if msg.member == "PropertiesChanged" and msg.body[0] == "org.bluez.Device1" and "RSSI" in msg.body[1]:
            address = str(msg.path).rsplit("/dev_", 1)[1].replace("_", ":")
            self.heard.append((now, address, msg.body[1]["RSSI"].value))
        elif msg.member == "InterfacesAdded" and "org.bluez.Device1" in msg.body[1]:
            props = msg.body[1]["org.bluez.Device1"]
            self.heard.append((now, props["Address"].value, props["RSSI"].value))

    async def close(self) -> None:
        if self.bus is not None:
            self.bus.disconnect()
            await self.bus.wait_for_disconnect()  # type: ignore[no-untyped-call]


def test_driver_plays_store_small_into_virtual_bluez_in_order_and_on_time() -> None:
    scenario = build_scenario("store-small", seed=1)
    played = ("gw-09", "gw-10", "gw-12")
    start_s, duration_s, speed = 15.0, 16.0, 2.0  # the first member walks in at 17 s
    with VirtualBluez() as b9, VirtualBluez() as b10, VirtualBluez() as b11, VirtualBluez() as b12:
        buses = {"gw-09": b9, "gw-10": b10, "gw-11": b11, "gw-12": b12}
        driver = RealtimeDriver(
            scenario, buses, speed=speed, start_offset_s=start_s, duration_s=duration_s, gateways=set(played)
        )
        listeners = {gw: Listener() for gw in buses}

        async def body() -> None:
            for gw, listener in listeners.items():
                await listener.connect(buses[gw].address)
            await asyncio.to_thread(driver.run, threading.Event())
            for bus in buses.values():
                await asyncio.to_thread(bus.wait_idle)
            await asyncio.sleep(0.2)
            for listener in listeners.values():
                await listener.close()

        asyncio.run(body())
        counters = {gw: bus.counters() for gw, bus in buses.items()}

    clock = driver.clock
    assert clock is not None
    assert clock.t0 == scenario.start_t + start_s
    records = window(scenario, start_s, duration_s)
    stats = driver.stats()
    assert stats.finished
    lateness: list[float] = []
    for gw in played:
        expected = [(t, to_advertisement(a)) for t, g, a in records if g == gw]
        assert len(expected) > 50
        assert stats.sent[gw] == len(expected)
        assert (counters[gw].submitted, counters[gw].emitted, counters[gw].dropped) == (len(expected),) * 2 + (0,)
        heard = listeners[gw].heard
        assert [(address, rssi) for _at, address, rssi in heard] == [(a.address, a.rssi) for _t, a in expected]
        lateness += [at - clock.due(t) for (at, _a, _r), (t, _adv) in zip(heard, expected, strict=True)]
    assert counters["gw-11"].submitted == 0
    assert listeners["gw-11"].heard == []
    assert stats.skipped == len(records) - sum(stats.sent.values())
    lateness.sort()
    assert lateness[0] >= 0.0  # never early
    assert lateness[len(lateness) // 2] < 0.05  # the 10 ms slices plus D-Bus
    assert lateness[int(len(lateness) * 0.95)] < 0.15
    assert lateness[-1] < 1.0


# -- (b) end to end: corsia sim --spawn-gateways, real bleak, a real broker, a hub on the scenario's clock -------


def neighbours(layout: StoreLayout, zone_id: str) -> set[str]:
    """The zones sharing a stretch of border with `zone_id` (and itself)."""
    r = next(z.rect for z in layout.zones if z.id == zone_id)
    found = {zone_id}
    for z in layout.zones:
        o = z.rect
        overlap_x = min(r.x1, o.x1) - max(r.x0, o.x0)
        overlap_y = min(r.y1, o.y1) - max(r.y0, o.y0)
        if (overlap_x > 0 and overlap_y == 0) or (overlap_y > 0 and overlap_x == 0):
            found.add(z.id)
    return found


def owners(scenario: Scenario, start_s: float, end_s: float) -> dict[str, str]:
    """Wire id → the device really sending it, for every EID phone (enrolled or not) and tag in the window."""
    found: dict[str, str] = {}
    for device in scenario.devices:
        if isinstance(device, EidPhone):
            for t in range(int(start_s) - 60, int(end_s) + 60):
                found[f"eid:{device.eid_at(float(t)).hex()}"] = device.id
        elif isinstance(device, IBeaconTag):
            found[device.wire_id] = device.id
    return found


def test_corsia_sim_drives_real_gateways_and_a_hub_sees_the_right_members(
    tmp_path: Path, broker: MosquittoBroker, make_client: Callable[..., MqttClient]
) -> None:
    scenario = build_scenario("store-small", seed=1)
    start_s, duration_s = 66.0, 20.0  # a stranger's EID app walks up at 70 s, a member at 73 s
    played = ("gw-09", "gw-10", "gw-12")
    template = tmp_path / "gateway.toml"
    template.write_text(
        f'[store]\nid = "demo"\n[mqtt]\nport = {broker.port}\nkeepalive_s = 5\nreconnect_min_s = 0.2\n'
        f'[gateway]\nspool = "{tmp_path / "unused.db"}"\n[gateway.allow]\neid = true\n'
        f'ibeacon_uuids = ["{TEMPLATE_UUID}"]\n',
        encoding="utf-8",
    )
    batches: list[tuple[float, Sightings]] = []
    lock = threading.Lock()

    def on_batch(received: Received[Sightings]) -> None:
        with lock:
            batches.append((time.time(), received.message))

    hub = make_client("hub", start=False)
    hub.subscribe(Topic.SIGHTINGS, Sightings, on_batch)
    hub.start()
    assert hub.wait_connected(5)
    assert hub.wait_subscribed(5)

    done = corsia(
        "sim", "--config", str(template), "--scenario", "store-small", "--start", str(start_s),
        "--duration", str(duration_s), "--gateways", ",".join(played), "--spawn-gateways",
        "--state-dir", str(tmp_path / "state"), timeout=90,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    time.sleep(0.5)  # the gateways' last batches, published as they stopped
    out = done.stdout
    assert "gateway exit codes: gw-09 0, gw-10 0, gw-12 0" in out
    for gw in played:  # each said so in its log
        assert f"gateway {gw} stopped" in (tmp_path / "state" / gw / "gateway.log").read_text(encoding="utf-8")
    expected = Counter(gw for _t, gw, _a in window(scenario, start_s, duration_s))
    for gw in played:  # every advert handed to the bus, and emitted to the gateway's scanner
        row = re.search(rf"^{gw}\s+(\d+)\s+(\d+)\s+(\d+)", out, re.MULTILINE)
        assert row is not None, out
        assert (int(row[1]), int(row[2]), int(row[3])) == (expected[gw], expected[gw], 0)
    clock_line = re.search(r"clock: scenario_t0=(\S+) wall_t0=(\S+) speed=(\S+)", out)
    assert clock_line is not None, out
    clock = SimClock(float(clock_line[1]), float(clock_line[2]), 0.0, float(clock_line[3]))

    resolver = EidResolver()
    for device_id, key, k in scenario.members:
        resolver.enroll(device_id, key, k)
    tags = {wire: device_id for device_id, wire in scenario.tags}
    truly = owners(scenario, start_s, start_s + duration_s)
    engine = PresenceEngine(scenario.layout)
    events: list[JourneyEvent] = []
    seen_ids: set[str] = set()
    wrong: list[tuple[str, str | None, str | None]] = []
    with lock:
        received = sorted(batches, key=lambda b: b[0])
    assert {b.gw for _at, b in received} == set(played)
    for at, batch in received:
        t, now = clock.scenario_time(batch.t), clock.scenario_time(at)
        resolved = []
        for item in batch.items:
            seen_ids.add(item.id)
            device = tags.get(item.id) if item.id.startswith("ib:") else resolver.resolve(item.id, t)
            if device is not None and device != truly.get(item.id):
                wrong.append((item.id, device, truly.get(item.id)))
            if device is not None:
                resolved.append((device, item.rssi))
        events += engine.ingest(batch.gw, batch.seq, t, resolved, now)
        events += engine.tick(now)

    assert wrong == []  # nothing resolves to a device that did not send it
    strangers = {wire for wire, device in truly.items() if device not in scenario.enrolled}
    assert seen_ids & strangers, "the stranger's EID reached the hub (the gateways forward every EID)"
    assert seen_ids & set(tags), "the tags came through: the allow-list got the scenario's UUID, not the template's"

    truth = {(s.device_id, round((s.t - scenario.start_t) * 10)): s for s in scenario.truth(0.1)}
    entrance = next(z.id for z in scenario.layout.zones if z.kind is ZoneKind.ENTRANCE)
    enters = [e for e in events if e.event == "enter"]
    assert {e.device for e in enters} <= set(scenario.enrolled)
    right = []
    for e in enters:
        sample = truth.get((e.device, round((e.t - scenario.start_t) * 10)))
        true_zone = sample.zone if sample is not None and sample.in_store and sample.zone else entrance
        if e.zone in neighbours(scenario.layout, true_zone):
            right.append(e.device)
    assert "s0006-phone" in {e.device for e in enters}  # walked in during the window
    assert right, [(e.device, e.zone, e.t - scenario.start_t) for e in enters]


STUCK_GATEWAY = """
import faulthandler, signal, sys, time
faulthandler.register(signal.SIGUSR1, all_threads=True)  # as `corsia gateway` does
signal.signal(signal.SIGTERM, signal.SIG_IGN)
print("up", flush=True)
def stuck_in_shutdown():
    time.sleep(60)
stuck_in_shutdown()
"""


def test_a_gateway_that_does_not_stop_leaves_its_stacks_in_its_log_and_is_killed(tmp_path: Path) -> None:
    bus = SimpleNamespace(address="unix:path=/nonexistent", discovering=False, monitors=0)
    fleet = GatewayFleet({"gw-01": bus}, tmp_path, command=[sys.executable, "-c", STUCK_GATEWAY])
    fleet.start()
    log = fleet.log_path("gw-01")
    deadline = time.monotonic() + 10.0
    while "up" not in log.read_text(encoding="utf-8") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert fleet.stop(timeout_s=0.5) == {"gw-01": -9}
    text = log.read_text(encoding="utf-8")
    assert "stuck_in_shutdown" in text, text


# -- (c) record and replay ----------------------------------------------------------------------------------------


def test_record_then_replay_gives_the_same_adverts(tmp_path: Path) -> None:
    path = tmp_path / "walk.jsonl"
    done = corsia("sim", "--scenario", "espresense-walk", "--seed", "2", "--record", str(path))
    assert done.returncode == 0, done.stderr
    scenario = build_scenario("espresense-walk", seed=2)
    recorded = list(replay(path))
    assert recorded == list(scenario.adverts())
    assert f"recorded {len(recorded):,} adverts" in done.stdout

    gateways = sorted({gw for _t, gw, _a in recorded})
    from_file = {gw: FakeSink() for gw in gateways}
    from_world = {gw: FakeSink() for gw in gateways}
    file_driver = RealtimeDriver(path, from_file, speed=100.0)
    file_driver.run()
    RealtimeDriver(scenario, from_world, speed=100.0).run()
    for gw in gateways:
        assert [a for _at, a in from_file[gw].got] == [a for _at, a in from_world[gw].got]
        assert len(from_file[gw].got) == sum(1 for _t, g, _a in recorded if g == gw)
    assert file_driver.clock is not None
    assert file_driver.clock.t0 == scenario.start_t

    played = corsia("sim", "--replay", str(path), "--speed", "40")
    assert played.returncode == 0, played.stderr
    counts = Counter(gw for _t, gw, _a in recorded)
    for gw in gateways:
        assert re.search(rf"^{gw}\s+{counts[gw]}\s", played.stdout, re.MULTILINE), played.stdout


# -- (d) the command line -----------------------------------------------------------------------------------------


def test_help_is_fast_and_documents_the_options() -> None:
    done = corsia("sim", "--help")
    assert done.returncode == 0
    for option in ("--scenario", "--speed", "--duration", "--record", "--replay", "--gateways", "--spawn-gateways",
                   "--state-dir", "--config"):  # fmt: skip
        assert option in done.stdout
    probe = "import sys, firmware_sim.cli; print(sorted({'numpy', 'dbus_fast'} & set(sys.modules)))"
    light = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, timeout=30, check=True
    )
    assert light.stdout.strip() == "[]"


def test_cli_scenario_names_match_the_world() -> None:
    from firmware_sim.cli import SCENARIOS as CLI_SCENARIOS

    assert set(CLI_SCENARIOS) == set(SCENARIOS)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "give --scenario"),
        (("--scenario", "store-small", "--gateways", "gw-99"), "unknown gateway(s) gw-99"),
        (("--replay", "missing.jsonl"), "no such recording"),
        (("--scenario", "store-small", "--record", "a.jsonl", "--replay", "b.jsonl"), "cannot be combined"),
    ],
)
def test_bad_requests_are_errors_with_a_message(args: tuple[str, ...], message: str) -> None:
    done = corsia("sim", *args)
    assert done.returncode == 1
    assert message in done.stderr
