"""The gateway's throughput: in-process on one core, side by side with TheengsDecoder, and end to end through
the virtual BlueZ with the real bleak and the real `corsia gateway` process.

    .venv/bin/python bench/gateway_pipeline.py [--adverts 200000] [--e2e-rates 2000,5000,8000] [--e2e-seconds 8]

The workload is a busy shop's airwaves, built deterministically: loyalty-app phones (Eddystone-EID, allowed),
loyalty key-fob tags (iBeacon, allowed), and everything else a gateway hears — iPhones' "nearby" data, other
companies' manufacturer data, foreign iBeacons, Eddystone URL and TLM frames — which must cost little and leave
no trace. Each device repeats its frame, in new bytes objects, as bleak delivers them.

Rows:
* in-process — `Pipeline.feed` (decode, allow-list, filter, interval counts) plus one `collect` per simulated
  second, on this one core; and `gateway.beacons.parse` alone.
* TheengsDecoder (PyPI ``theengsdecoder``, the decoder of Theengs Gateway), decoding the same advertisements
  through its Python API (``decodeBLE`` on the JSON it expects), when it is installed.
* end to end — a virtual BlueZ emitting at a target rate, `corsia gateway` scanning it with the real bleak and
  publishing to a real Mosquitto; the advertisements the gateway counted per second, the CPU share of the gateway
  process, and its peak RSS.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import signal
import struct
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rich.console import Console
from rich.table import Table

from gateway import beacons
from gateway.allowlist import AllowList
from gateway.pipeline import Pipeline

EDDYSTONE = "0000feaa-0000-1000-8000-00805f9b34fb"
TAG_UUID = "f7826da6-4fa2-4e98-8024-bc5b71e0893e"
Advert = tuple[dict[int, bytes], dict[str, bytes], int]


@dataclass(frozen=True)
class Device:
    kind: str
    manufacturer_data: dict[int, bytes]
    service_data: dict[str, bytes]
    rssi: int
    interval_s: float


def shop(seed: int = 7, phones: int = 150, tags: int = 30, strangers: int = 300) -> list[Device]:
    rng = random.Random(seed)
    devices = []
    for _ in range(phones):
        frame = b"\x30" + struct.pack("b", rng.randint(-25, -10)) + rng.randbytes(8)
        devices.append(Device("phone", {}, {EDDYSTONE: frame}, rng.randint(-95, -45), rng.uniform(0.1, 1.0)))
    for i in range(tags):
        data = b"\x02\x15" + bytes.fromhex(TAG_UUID.replace("-", "")) + struct.pack(">HHb", 100, i, -59)
        devices.append(Device("tag", {0x004C: data}, {}, rng.randint(-95, -50), 1.0))
    for i in range(strangers):
        r = i % 5
        if r == 0:  # an iPhone's "nearby" data: the most common advertisement in any shop
            md, sd = {0x004C: b"\x10\x05" + rng.randbytes(5)}, {}
        elif r == 1:  # Microsoft's CDP beacon (Windows laptops)
            md, sd = {0x0006: b"\x01\x09\x20\x02" + rng.randbytes(23)}, {}
        elif r == 2:  # someone else's iBeacon
            md, sd = {0x004C: b"\x02\x15" + rng.randbytes(16) + struct.pack(">HHb", 1, i, -59)}, {}
        elif r == 3:  # Google Fast Pair
            md, sd = {}, {"0000fe2c-0000-1000-8000-00805f9b34fb": rng.randbytes(3)}
        else:  # Eddystone TLM
            md, sd = {}, {EDDYSTONE: b"\x20\x00\x0b\xb8\x17\x80" + rng.randbytes(8)}
        devices.append(Device("stranger", md, sd, rng.randint(-100, -50), rng.uniform(0.05, 0.5)))
    return devices


def airwaves(devices: list[Device], count: int, seed: int = 11) -> list[Advert]:
    """`count` advertisements in time order, each device at its own interval with jitter and RSSI noise."""
    rng = random.Random(seed)
    rates = [1.0 / d.interval_s for d in devices]
    picks = rng.choices(range(len(devices)), weights=rates, k=count)
    out: list[Advert] = []
    for i in picks:
        d = devices[i]
        # New dict and bytes objects per advertisement, as bleak builds them for every callback.
        md = {k: bytes(bytearray(v)) for k, v in d.manufacturer_data.items()}
        sd = {k: bytes(bytearray(v)) for k, v in d.service_data.items()}
        out.append((md, sd, d.rssi + rng.randint(-4, 4)))
    return out


def adverts_per_second(devices: list[Device]) -> float:
    return sum(1.0 / d.interval_s for d in devices)


def bench_pipeline(adverts: list[Advert], per_second: float) -> tuple[float, int]:
    """Adverts/s through feed + collect (one collect per simulated second of airtime), on this core."""
    allow = AllowList.build(eid=True, ibeacon_uuids=[TAG_UUID])
    best = 0.0
    items = 0
    for _ in range(3):
        beacons.clear_memo()
        pipeline = Pipeline(allow)
        per_interval = max(1, int(per_second))
        t = 0.0
        start = time.perf_counter()
        for i, (md, sd, rssi) in enumerate(adverts):
            pipeline.feed(md, sd, rssi, t + (i % per_interval) / per_interval)
            if i % per_interval == per_interval - 1:
                t += 1.0
                items += len(pipeline.collect(t))
        elapsed = time.perf_counter() - start
        best = max(best, len(adverts) / elapsed)
    return best, items


def bench_parse(adverts: list[Advert]) -> float:
    best = 0.0
    parse = beacons.parse
    for _ in range(3):
        beacons.clear_memo()
        start = time.perf_counter()
        for md, sd, _rssi in adverts:
            parse(md, sd)
        best = max(best, len(adverts) / (time.perf_counter() - start))
    return best


def theengs_inputs(adverts: list[Advert]) -> list[str]:
    """The JSON TheengsDecoder's decodeBLE takes, one per advertisement (as Theengs Gateway builds it)."""
    out = []
    for i, (md, sd, rssi) in enumerate(adverts):
        data: dict[str, object] = {"id": f"C0:FF:EE:{(i >> 16) & 255:02X}:{(i >> 8) & 255:02X}:{i & 255:02X}",
                                   "rssi": rssi}  # fmt: skip
        if md:
            company, payload = next(iter(md.items()))
            data["manufacturerdata"] = company.to_bytes(2, "little").hex() + payload.hex()
        if sd:
            uuid, payload = next(iter(sd.items()))
            data["servicedata"] = payload.hex()
            data["servicedatauuid"] = "0x" + uuid[4:8]
        out.append(json.dumps(data))
    return out


def bench_theengs(adverts: list[Advert], budget_s: float) -> tuple[float, int] | None:
    try:
        from TheengsDecoder import decodeBLE  # type: ignore[import-not-found]
    except ImportError:
        return None
    inputs = theengs_inputs(adverts)
    decoded = 0
    start = time.perf_counter()
    done = 0
    for text in inputs:
        if decodeBLE(text):
            decoded += 1
        done += 1
        if time.perf_counter() - start > budget_s:
            break
    return done / (time.perf_counter() - start), decoded


# --- end to end ------------------------------------------------------------------------------------------


def proc_cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def proc_peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024.0
    return float("nan")


@dataclass
class E2ERow:
    target: int
    emitted_per_s: float
    counted_per_s: float
    gateway_cpu: float
    peak_rss_mb: float


def bench_e2e(rates: list[int], seconds: float, devices: list[Device]) -> list[E2ERow]:
    from edge.broker import MosquittoBroker
    from edge.config import MqttSection
    from edge.mqtt import MqttClient
    from edge.protocol import GatewayHealth, Topic
    from firmware_sim.bluez import Advertisement, VirtualBluez

    rows = []
    pool = [
        Advertisement(address=f"C0:FF:EE:{i >> 8:02X}:{i & 255:02X}:01", rssi=d.rssi,
                      manufacturer_data=d.manufacturer_data, service_data=d.service_data)
        for i, d in enumerate(devices)
    ]  # fmt: skip
    with tempfile.TemporaryDirectory() as folder, MosquittoBroker(Path(folder) / "broker") as broker:
        for rate in rates:
            with VirtualBluez(rate_per_s=max(rate * 2, 20000)) as bluez:
                config = Path(folder) / "gw.toml"
                config.write_text(
                    f'[mqtt]\nport = {broker.port}\n[gateway]\nspool = "{folder}/spool-{rate}.db"\n'
                    f'health_interval_s = 1.0\n[gateway.allow]\nibeacon_uuids = ["{TAG_UUID}"]\n',
                    encoding="utf-8",
                )
                healths: list[GatewayHealth] = []
                watcher = MqttClient(MqttSection(port=broker.port), store="demo", client_id="bench", source="bench")
                watcher.subscribe(Topic.GATEWAY_HEALTH, GatewayHealth, lambda r, into=healths: into.append(r.message))
                watcher.start()
                watcher.wait_subscribed(5)
                env = dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=bluez.address, CORSIA_LOG_LEVEL="warning")
                gw = subprocess.Popen(
                    [sys.executable, "-m", "edge.cli", "--log-level", "warning", "gateway", "--config", str(config)],
                    env=env, cwd=Path(__file__).resolve().parent.parent,
                )  # fmt: skip
                deadline = time.monotonic() + 15
                while not bluez.discovering and time.monotonic() < deadline:
                    time.sleep(0.05)
                time.sleep(1.0)
                emitted_before = bluez.counters().emitted
                cpu_before = proc_cpu_s(gw.pid)
                healths.clear()
                start = time.monotonic()
                sent = 0
                while time.monotonic() - start < seconds:
                    due = int((time.monotonic() - start) * rate)
                    batch = [pool[(sent + k) % len(pool)] for k in range(max(0, due - sent))]
                    if batch:
                        bluez.advertise_many(batch)
                        sent += len(batch)
                    time.sleep(0.002)
                elapsed = time.monotonic() - start
                cpu = proc_cpu_s(gw.pid) - cpu_before
                emitted = bluez.counters().emitted - emitted_before
                time.sleep(1.5)
                counted = [h.adverts_per_s for h in healths[1:-1]] or [h.adverts_per_s for h in healths]
                rss = proc_peak_rss_mb(gw.pid)
                gw.send_signal(signal.SIGTERM)
                gw.wait(20)
                watcher.stop()
                rows.append(E2ERow(rate, emitted / elapsed, sum(counted) / max(len(counted), 1), cpu / elapsed, rss))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--adverts", type=int, default=200_000, help="advertisements for the in-process runs")
    parser.add_argument("--theengs-seconds", type=float, default=5.0, help="time budget for TheengsDecoder")
    parser.add_argument("--e2e-rates", default="2000,5000,8000", help="target adverts/s end to end ('' to skip)")
    parser.add_argument("--e2e-seconds", type=float, default=8.0)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core, as the issue asks

    devices = shop()
    adverts = airwaves(devices, args.adverts)
    per_second = adverts_per_second(devices)
    pipe_rate, items = bench_pipeline(adverts, per_second)
    parse_rate = bench_parse(adverts)
    theengs = bench_theengs(adverts, args.theengs_seconds)

    console = Console()
    console.print(
        f"Python {platform.python_version()} on {platform.machine()}; {len(devices)} devices, "
        f"{per_second:,.0f} adverts/s of airtime, {len(adverts):,} adverts"
    )
    table = Table(title="Gateway pipeline, in-process, one core")
    table.add_column("path")
    table.add_column("adverts/s", justify="right")
    table.add_column("µs/advert", justify="right")
    table.add_column("vs TheengsDecoder", justify="right")
    theengs_rate = theengs[0] if theengs else None

    def ratio(rate: float) -> str:
        return f"{rate / theengs_rate:,.0f}x" if theengs_rate else "n/a"

    table.add_row("Corsia pipeline: decode + allow-list + filter + batching", f"{pipe_rate:,.0f}",
                  f"{1e6 / pipe_rate:.2f}", ratio(pipe_rate))  # fmt: skip
    table.add_row("Corsia decode only (gateway.beacons.parse)", f"{parse_rate:,.0f}", f"{1e6 / parse_rate:.2f}",
                  ratio(parse_rate))  # fmt: skip
    if theengs is not None:
        table.add_row(f"TheengsDecoder decodeBLE ({theengs[1]:,} decoded)", f"{theengs[0]:,.0f}",
                      f"{1e6 / theengs[0]:.1f}", "1x")  # fmt: skip
    else:
        table.add_row("TheengsDecoder", "not installed (pip install theengsdecoder)", "", "")
    console.print(table)
    console.print(f"({items:,} sighting items produced)")

    rates = [int(r) for r in args.e2e_rates.split(",") if r.strip()]
    if rates:
        if hasattr(os, "sched_setaffinity"):
            os.sched_setaffinity(0, os.sched_getaffinity(0) | set(range(os.cpu_count() or 1)))
        rows = bench_e2e(rates, args.e2e_seconds, devices)
        e2e = Table(title="End to end: virtual BlueZ → real bleak → corsia gateway → Mosquitto")
        for col in ["target/s", "emitted/s", "counted by the gateway/s", "gateway CPU (of one core)", "peak RSS MB"]:
            e2e.add_column(col, justify="right")
        for row in rows:
            e2e.add_row(f"{row.target:,}", f"{row.emitted_per_s:,.0f}", f"{row.counted_per_s:,.0f}",
                        f"{row.gateway_cpu:.0%}", f"{row.peak_rss_mb:.1f}")  # fmt: skip
        console.print(e2e)


if __name__ == "__main__":
    main()
