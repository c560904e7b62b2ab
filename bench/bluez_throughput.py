"""Throughput and latency of the virtual BlueZ through the REAL bleak, at a few target rates.

    .venv/bin/python bench/bluez_throughput.py [--rates 1000,5000,10000,20000] [--seconds 3]

For each rate a fresh `VirtualBluez` runs in this process; a real `BleakScanner` runs in a child process (as
a gateway would), pointed at the private bus with ``DBUS_SYSTEM_BUS_ADDRESS``. This process advertises at the
target rate, each frame carrying its sequence number and ``time.monotonic_ns()`` (one clock for every
process), so the child measures latency from `advertise` to bleak's callback. CPU is per side, as a share of one
core: the caller (the thread that calls `advertise`), the virtual BlueZ's own thread, the dbus-daemon, and
the bleak process.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import struct
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from firmware_sim.bluez import VirtualBluez

COMPANY = 0xFFFF  # "no company": reserved for tests
PHONES = 200  # distinct addresses, a busy store's worth
_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_s_of(stat_path: str) -> float:
    """utime + stime of a process or thread, from /proc/.../stat."""
    fields = Path(stat_path).read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS


# -- the scanner side (child process) ------------------------------------------------------------------------


def scanner_main(seconds: float) -> None:
    from bleak import BleakScanner
    from bleak.backends.device import BLEDevice
    from bleak.backends.scanner import AdvertisementData

    latencies_ns: list[int] = []
    seqs: set[int] = set()

    def heard(_device: BLEDevice, adv: AdvertisementData) -> None:
        now = time.monotonic_ns()
        payload = adv.manufacturer_data.get(COMPANY)
        if payload is not None and len(payload) == 12:
            seq, sent = struct.unpack(">Iq", payload)
            if seq not in seqs:
                seqs.add(seq)
                latencies_ns.append(now - sent)

    async def run() -> None:
        async with BleakScanner(heard, bluez={"adapter": "hci0"}):
            print("ready", flush=True)
            await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)

    cpu0 = time.process_time()
    asyncio.run(run())
    cpu = time.process_time() - cpu0
    print(json.dumps({"received": len(seqs), "latencies_ns": latencies_ns, "cpu_s": cpu}), flush=True)


# -- the emitter side ------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Row:
    target: int
    emitted_per_s: float
    received_per_s: float
    lost: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    caller_cpu: float
    bluez_cpu: float
    daemon_cpu: float
    scanner_cpu: float


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    return statistics.quantiles(values, n=1000, method="inclusive")[int(q * 1000) - 1] if len(values) > 1 else values[0]


def measure(rate: int, seconds: float, cap: float) -> Row:
    with VirtualBluez(rate_per_s=cap) as bluez:
        env = {**os.environ, "DBUS_SYSTEM_BUS_ADDRESS": bluez.address}
        child = subprocess.Popen(
            [sys.executable, __file__, "--scanner", "--seconds", str(seconds)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            text=True,
        )
        assert child.stdin is not None
        assert child.stdout is not None
        if child.stdout.readline().strip() != "ready":
            child.kill()
            raise SystemExit("the scanner did not start")
        loop_thread = next(t for t in threading.enumerate() if t.name.startswith("virtual-bluez"))
        loop_stat = f"/proc/self/task/{loop_thread.native_id}/stat"
        daemon_stat = f"/proc/{bluez.daemon.pid}/stat"
        addresses = [f"C0:FF:EE:00:{i // 256:02X}:{i % 256:02X}" for i in range(PHONES)]
        cpu0 = (time.thread_time(), cpu_s_of(loop_stat), cpu_s_of(daemon_stat))
        start = time.monotonic()
        sent = 0
        total = int(rate * seconds)
        while sent < total:
            due = min(total, int((time.monotonic() - start) * rate) + 1)
            while sent < due:
                payload = struct.pack(">Iq", sent, time.monotonic_ns())
                bluez.advertise(addresses[sent % PHONES], rssi=-60 - sent % 30, manufacturer_data={COMPANY: payload})
                sent += 1
            time.sleep(max(0.0002, start + (sent + 1) / rate - time.monotonic()))
        bluez.wait_idle(timeout=60.0)
        elapsed = time.monotonic() - start
        time.sleep(0.5)  # let the scanner read what the daemon still holds
        cpu1 = (time.thread_time(), cpu_s_of(loop_stat), cpu_s_of(daemon_stat))
        out, _ = child.communicate("stop\n", timeout=60)
        result = json.loads(out.strip().splitlines()[-1])
        counters = bluez.counters()
    latencies_ms = [ns / 1e6 for ns in result["latencies_ns"]]
    return Row(
        target=rate,
        emitted_per_s=counters.emitted / elapsed,
        received_per_s=result["received"] / elapsed,
        lost=total - result["received"],
        p50_ms=percentile(latencies_ms, 0.50),
        p95_ms=percentile(latencies_ms, 0.95),
        p99_ms=percentile(latencies_ms, 0.99),
        caller_cpu=(cpu1[0] - cpu0[0]) / elapsed,
        bluez_cpu=(cpu1[1] - cpu0[1]) / elapsed,
        daemon_cpu=(cpu1[2] - cpu0[2]) / elapsed,
        scanner_cpu=result["cpu_s"] / elapsed,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rates", default="1000,5000,10000,20000", help="target advertisements/s, comma separated")
    parser.add_argument("--seconds", type=float, default=3.0, help="seconds of advertising per rate")
    parser.add_argument("--cap", type=float, default=50_000.0, help="the virtual BlueZ's rate_per_s")
    parser.add_argument("--scanner", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.scanner:
        scanner_main(args.seconds)
        return
    print(
        f"virtual BlueZ -> dbus-daemon -> bleak, {args.seconds:g} s per rate, {PHONES} addresses, {os.cpu_count()} CPUs"
    )
    header = (
        f"{'target/s':>9} {'emitted/s':>10} {'received/s':>11} {'lost':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}"
        f" {'caller CPU':>11} {'bluez CPU':>10} {'daemon CPU':>11} {'bleak CPU':>10}"
    )
    print(header)
    print("-" * len(header))
    for rate in (int(r) for r in args.rates.split(",")):
        row = measure(rate, args.seconds, args.cap)
        print(
            f"{row.target:>9} {row.emitted_per_s:>10.0f} {row.received_per_s:>11.0f} {row.lost:>6}"
            f" {row.p50_ms:>8.2f} {row.p95_ms:>8.2f} {row.p99_ms:>8.2f}"
            f" {row.caller_cpu:>11.0%} {row.bluez_cpu:>10.0%} {row.daemon_cpu:>11.0%} {row.scanner_cpu:>10.0%}",
            flush=True,
        )


if __name__ == "__main__":
    main()
