"""Micro-benchmark of `gateway.beacons.parse`: parses/s and µs per parse for each frame kind.

    .venv/bin/python bench/beacons.py [--n 100000] [--repeat 5]

Two rows per kind:

* ``repeat`` — the same frame again and again, each time in a new bytes object (as bleak delivers it): what a
  phone or tag repeating its frame costs, answered from the memo;
* ``new`` — a different frame every time, so every call decodes and builds the Beacon (the memo misses and, every
  `MEMO_SIZE` frames, starts again from empty, as in the field).

Then frames that are not beacons (the Apple "nearby" data every iPhone sends, another company's data, no data)
and a store-like mix. The best of `--repeat` runs is printed; the gateway's budget is 200,000 advertisements/s
per core for decode, allow-list, filter and batching together.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gateway.beacons import APPLE_COMPANY_ID, EDDYSTONE_UUID, clear_memo, parse

Advertisement = tuple[dict[int, bytes], dict[str, bytes]]

rng = random.Random(1)


def svc(frame: bytes) -> Advertisement:
    return {}, {EDDYSTONE_UUID: frame}


def mfg(company: int, data: bytes) -> Advertisement:
    return {company: data}, {}


# Each maker turns an integer into a valid frame of its kind; equal integers give equal frames.
MAKERS: dict[str, Callable[[int], Advertisement]] = {
    "eddystone-eid": lambda i: svc(b"\x30\xe7" + i.to_bytes(8, "big")),
    "ibeacon": lambda i: mfg(
        APPLE_COMPANY_ID,
        b"\x02\x15" + bytes.fromhex("b9407f30f5f8466eaff925556b57fe6d") + i.to_bytes(4, "big") + b"\xc5",
    ),
    "eddystone-uid": lambda i: svc(b"\x00\xee" + bytes(10) + i.to_bytes(6, "big") + b"\x00\x00"),
    "altbeacon": lambda i: mfg(0x0118, b"\xbe\xac" + bytes(16) + i.to_bytes(4, "big") + b"\xc5\x00"),
    "eddystone-url": lambda i: svc(b"\x10\xee\x01corsia" + i.to_bytes(4, "big").hex().encode() + b"\x07"),
    "eddystone-tlm": lambda i: svc(b"\x20\x00\x0b\xb8\x17\x80" + i.to_bytes(4, "big") + (i * 10).to_bytes(4, "big")),
}


def fresh(adv: Advertisement) -> Advertisement:
    """The same advertisement with new bytes objects (no cached hash), as each scan callback brings."""
    m, s = adv
    return {k: bytes(bytearray(v)) for k, v in m.items()}, {k: bytes(bytearray(v)) for k, v in s.items()}


def run(inputs: list[Advertisement], repeat: int) -> float:
    """Best seconds per parse over `repeat` passes through `inputs`."""
    best = float("inf")
    for _ in range(repeat):
        clear_memo()
        t0 = time.perf_counter()
        for m, s in inputs:
            parse(m, s)
        best = min(best, (time.perf_counter() - t0) / len(inputs))
    return best


def row(name: str, seconds: float) -> None:
    print(f"  {name:32} {seconds * 1e6:7.3f} µs {1 / seconds:>12,.0f} parses/s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=100_000, help="parses per pass")
    parser.add_argument("--repeat", type=int, default=5, help="passes; the best is printed")
    args = parser.parse_args(argv)
    n: int = args.n

    print(f"Python {sys.version.split()[0]}, {n:,} parses per pass, best of {args.repeat}")
    for kind, make in MAKERS.items():
        same = [fresh(make(7)) for _ in range(n)]
        new = [make(i) for i in range(n)]
        row(f"{kind} repeat", run(same, args.repeat))
        row(f"{kind} new", run(new, args.repeat))

    others: dict[str, list[Advertisement]] = {
        "apple nearby (not a beacon)": [fresh(mfg(APPLE_COMPANY_ID, bytes.fromhex("1005031c0a1b2c")))] * n,
        "other company data": [fresh(mfg(0x0006, bytes.fromhex("010920022a1b3c4d5e6f")))] * n,
        "nothing": [({}, {})] * n,
    }
    for name, inputs in others.items():
        row(name, run(inputs, args.repeat))

    # A store: 300 phones with EIDs, 40 iBeacon tags, many iPhones' Apple data, some other devices.
    pool: list[tuple[float, Callable[[], Advertisement]]] = [
        (0.45, lambda: fresh(MAKERS["eddystone-eid"](rng.randrange(300)))),
        (0.10, lambda: fresh(MAKERS["ibeacon"](rng.randrange(40)))),
        (0.30, lambda: fresh(mfg(APPLE_COMPANY_ID, bytes([0x10, 0x05, rng.randrange(256), 0x1C, 0x0A, 0x1B, 0x2C])))),
        (0.15, lambda: fresh(mfg(rng.choice([0x0006, 0x0075, 0x00E0]), rng.randbytes(12)))),
    ]
    weights = [w for w, _ in pool]
    mix: list[Any] = [rng.choices(pool, weights)[0][1]() for _ in range(n)]
    row("store mix", run(mix, args.repeat))
    return 0


if __name__ == "__main__":
    sys.exit(main())
