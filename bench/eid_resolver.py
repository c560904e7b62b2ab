"""What do Eddystone-EIDs cost the hub: computing one, rebuilding the window table, rotating it, resolving?

    .venv/bin/python bench/eid_resolver.py [--sizes 1000,10000,100000] [--lookups 200000] [--k 10]

1. ``edge.identity.eid``: µs per call (two AES blocks, each with its own cipher context), and the one-block path
   a resolver takes with a cached temporary key (``eid_from_temporary_key``).
2. For each number of enrolled devices (random keys, one K), with ``edge.identity.EidResolver``:
   * a full ``rebuild``, cold (every temporary key computed) and warm (keys cached for the epoch, best of 3):
     the hub's target is 100,000 devices within 5 s;
   * an incremental ``advance`` across one window boundary (every device rotates: one AES block each, best of
     5 boundaries) and into a new epoch (a new temporary key too, best of 3): µs per device rotated, and the
     whole pause;
   * ``resolve``: lookups/s at a fixed time, half enrolled EIDs and half strangers, as raw bytes and as wire ids;
   * memory per device (tracemalloc, a separate run: the resolver with its keys, caches and table).

Before timing is trusted, the script checks that the incrementally advanced table equals a rebuild at the same
time, and that every device's current EID resolves to it; it exits 1 when a check fails. Results and what they
mean: ``docs/identity.md``.
"""

from __future__ import annotations

import argparse
import gc
import math
import os
import platform
import random
import sys
import time
import timeit
import tracemalloc
from pathlib import Path
from typing import Final

from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # runs from a checkout without an install too

from edge.identity import EidResolver, eid, eid_from_temporary_key, temporary_key

T0: Final = 1_700_000_000  # 2023-11-14 22:13:20 UTC, 3,840 s before its temporary-key epoch ends
REBUILD_TARGET_S: Final = 5.0
TARGET_DEVICES: Final = 100_000
ROTATIONS: Final = 5  # window boundaries timed; the best is reported (a busy machine only adds time)
EPOCH_TURNS: Final = 3


def enrolled(n: int, k: int, seed: int = 1) -> tuple[EidResolver, list[tuple[str, bytes]]]:
    rng = random.Random(seed)
    devices = [(f"member-{i:06d}", rng.randbytes(16)) for i in range(n)]
    resolver = EidResolver()
    for device_id, key in devices:
        resolver.enroll(device_id, key, k)
    return resolver, devices


def bench_eid(console: Console) -> None:
    key = bytes(range(16))
    tk = temporary_key(key, T0)
    n = 50_000
    full = min(timeit.repeat(lambda: eid(key, 10, T0), number=n, repeat=5)) / n
    one_block = min(timeit.repeat(lambda: eid_from_temporary_key(tk, 10, T0), number=n, repeat=5)) / n
    table = Table(title="eid() per call")
    table.add_column("path")
    table.add_column("µs/call", justify="right")
    table.add_column("calls/s", justify="right")
    table.add_row("eid(identity_key, k, t): temporary key + EID, 2 AES blocks", f"{full * 1e6:.2f}", f"{1 / full:,.0f}")
    table.add_row("eid_from_temporary_key(tk, k, t): 1 AES block", f"{one_block * 1e6:.2f}", f"{1 / one_block:,.0f}")
    console.print(table)


def check(resolver: EidResolver, devices: list[tuple[str, bytes]], k: int, problems: list[str], label: str) -> None:
    now = resolver.now
    assert now is not None
    fresh = EidResolver(tolerance=resolver.tolerance)
    for device_id, key in devices:
        fresh.enroll(device_id, key, k)
    fresh.rebuild(now)
    if resolver.table() != fresh.table():
        problems.append(f"{len(devices)} devices, {label}: the incremental table differs from a rebuild")
    sample = devices[:: max(1, len(devices) // 500)]
    wrong = [device_id for device_id, key in sample if resolver.resolve(eid(key, k, now), now) != device_id]
    if wrong:
        problems.append(f"{len(devices)} devices, {label}: {len(wrong)} current EIDs do not resolve")


def bench_size(n: int, k: int, lookups: int, problems: list[str]) -> dict[str, str]:
    resolver, devices = enrolled(n, k)
    gc.collect()
    gc.disable()  # the timings measure the resolver, not the collector's passes over 100,000 new objects
    try:
        cold = resolver.rebuild(T0)
        warm = min((resolver.rebuild(T0) for _ in range(3)), key=lambda cost: cost.seconds)
        period = 1 << k
        boundary = (((T0 >> 16) + 1) << 16) + period  # five plain rotations, clear of an epoch's turn
        rotate_s = math.inf
        for step in range(ROTATIONS):  # successive boundaries: every device enters its next window
            resolver.advance(boundary + step * period - 1)
            started = time.perf_counter()
            resolver.advance(boundary + step * period)
            rotate_s = min(rotate_s, time.perf_counter() - started)
        check(resolver, devices, k, problems, "windows on")
        # The farthest window held enters the next epoch `reach` windows before the epoch does: then each
        # device computes the new epoch's temporary key as well.
        epoch_s, epoch_tks = math.inf, 0
        first_epoch = (resolver.now or T0) // (1 << 16) + 2  # an epoch that no held window has reached yet
        for epoch in range(first_epoch, first_epoch + EPOCH_TURNS):
            epoch_turn = (epoch << 16) - resolver.reach(k) * period
            resolver.advance(epoch_turn - 1)
            tks = resolver.stats.temporary_keys_computed
            started = time.perf_counter()
            resolver.advance(epoch_turn)
            epoch_s = min(epoch_s, time.perf_counter() - started)
            epoch_tks = resolver.stats.temporary_keys_computed - tks
            if epoch_tks != n:
                problems.append(f"{n} devices: {epoch_tks} temporary keys computed entering epoch {epoch}")
        check(resolver, devices, k, problems, "epochs on")

        now = resolver.now
        assert now is not None
        rng = random.Random(2)
        known = [eid(key, k, now) for _, key in rng.sample(devices, min(len(devices), 1000))]
        stream = [known[i % len(known)] if i % 2 == 0 else rng.randbytes(8) for i in range(lookups)]
        wire = ["eid:" + value.hex() for value in stream]
        resolve = resolver.resolve
        started = time.perf_counter()
        hits = sum(resolve(value, now) is not None for value in stream)
        raw_s = time.perf_counter() - started
        started = time.perf_counter()
        for text in wire:
            resolve(text, now)
        wire_s = time.perf_counter() - started
        if hits != (lookups + 1) // 2:
            problems.append(f"{n} devices: {hits} of {lookups} lookups resolved, expected {(lookups + 1) // 2}")
    finally:
        gc.enable()
    del resolver
    gc.collect()

    tracemalloc.start()
    base = tracemalloc.take_snapshot()
    measured = enrolled(n, k)[0]  # the resolver alone: the list of (id, key) it was fed is let go
    measured.rebuild(T0)
    gc.collect()
    size = sum(stat.size_diff for stat in tracemalloc.take_snapshot().compare_to(base, "filename"))
    tracemalloc.stop()
    del measured

    verdict = ""
    if n == TARGET_DEVICES:
        verdict = " ✓" if cold.seconds <= REBUILD_TARGET_S else f" ✗ (target {REBUILD_TARGET_S:.0f} s)"
    return {
        "devices": f"{n:,}",
        "cold": f"{cold.seconds:.3f} s{verdict}",
        "warm": f"{warm.seconds:.3f} s",
        "rotate": f"{rotate_s / n * 1e6:.1f} µs ({rotate_s * 1e3:,.0f} ms)",
        "epoch": f"{epoch_s / n * 1e6:.1f} µs ({epoch_s * 1e3:,.0f} ms)",
        "resolve": f"{lookups / raw_s:,.0f}",
        "wire": f"{lookups / wire_s:,.0f}",
        "memory": f"{size / n:,.0f} B",
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--sizes", default="1000,10000,100000", help="numbers of enrolled devices, comma-separated")
    parser.add_argument("--lookups", type=int, default=200_000, help="resolve calls timed per size")
    parser.add_argument("--k", type=int, default=10, help="the rotation period exponent of every device")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]

    console = Console()
    console.print(
        f"Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs; K = {args.k}, "
        f"{EidResolver().reach(args.k)} window(s) on each side"
    )
    bench_eid(console)

    problems: list[str] = []
    rows = {
        "cold": "rebuild, cold (every temporary key computed)",
        "warm": "rebuild, temporary keys cached",
        "rotate": "advance one window: per device (whole pause)",
        "epoch": "advance into a new epoch, + 1 temporary key each: per device (whole pause)",
        "resolve": "resolve/s, raw bytes (half strangers)",
        "wire": "resolve/s, wire id 'eid:…'",
        "memory": "memory per device (tracemalloc)",
    }
    results = [bench_size(n, args.k, args.lookups, problems) for n in sizes]
    table = Table(title=f"EidResolver, K = {args.k}")
    table.add_column("devices")
    for result in results:
        table.add_column(result["devices"], justify="right")
    for key, title in rows.items():
        table.add_row(title, *(result[key] for result in results))
    console.print(table)
    for problem in problems:
        console.print(f"[red]check failed:[/red] {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
