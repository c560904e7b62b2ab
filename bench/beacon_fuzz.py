"""Fuzz `gateway.beacons.parse`: any advertisement must give a Beacon or None, never an exception.

    .venv/bin/python bench/beacon_fuzz.py                 # 1,000,000 inputs
    .venv/bin/python bench/beacon_fuzz.py --count 50000 --seed 7

Inputs mix random bytes, mutated valid frames (byte replacements, bit flips), truncations and extensions,
random dict shapes (0–5 entries, keys near and far from the real ones: the Eddystone UUID in other cases, other
UUIDs, any text; company ids in and out of 16 bits) and, now and then, values that are not bytes. Every result
is checked: None, or a Beacon of a known kind whose id is a well-formed wire id; 1 % of the inputs are parsed
again at the end, each from an empty memo, and must give the same answer. Prints the inputs tried, the frames
recognised per kind and the rate of parse-and-check (input generation excluded); exits 1 on any exception or
bad result. The seed is printed so a failure can be replayed.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import traceback
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from edge.protocol import is_beacon_id
from gateway import beacons
from gateway.beacons import APPLE_COMPANY_ID, EDDYSTONE_UUID, KINDS, MEMO_SIZE, Beacon, clear_memo, parse

Advertisement = tuple[dict[Any, Any], dict[Any, Any]]

SERVICE_KEYS = [
    EDDYSTONE_UUID,
    EDDYSTONE_UUID.upper(),
    "0000feab-0000-1000-8000-00805f9b34fb",
    "0000fd6f-0000-1000-8000-00805f9b34fb",  # exposure notification
    "0000feaa",
    "feaa",
    "",
]
COMPANY_IDS = [APPLE_COMPANY_ID, 0x0118, 0x0006, 0x0059, 0x0000, 0xFFFF, 0x10000, -1, 2**64]


class Fuzzer:
    """Makes advertisements from one seeded random generator."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.makers: list[Callable[[], Advertisement]] = [
            self.valid,
            self.random_bytes,
            self.mutated,
            self.mutated,
            self.mutated,
            self.cut_or_extended,
            self.cut_or_extended,
            self.random_shape,
            self.random_shape,
            self.odd_values,
        ]

    # --- frames --------------------------------------------------------------------------------------------

    def valid_frame(self) -> tuple[str, Any, bytes]:
        """A valid frame of a random kind with random fields: ("svc" | "mfg", key, bytes)."""
        rng = self.rng
        ranging = rng.randbytes(1)
        choice = rng.randrange(8)
        if choice == 0:
            return "svc", EDDYSTONE_UUID, b"\x30" + ranging + rng.randbytes(8)
        if choice == 1:
            return "svc", EDDYSTONE_UUID, b"\x00" + ranging + rng.randbytes(16) + rng.choice([b"", b"\x00\x00"])
        if choice == 2:
            length = rng.randrange(18)
            encoded = bytes(
                rng.choice(range(0x21, 0x7F)) if rng.random() < 0.8 else rng.randrange(14) for _ in range(length)
            )
            return "svc", EDDYSTONE_UUID, b"\x10" + ranging + bytes([rng.randrange(4)]) + encoded
        if choice == 3:
            return "svc", EDDYSTONE_UUID, b"\x20\x00" + rng.randbytes(12)
        if choice == 4:
            return "svc", EDDYSTONE_UUID, b"\x20\x01" + rng.randbytes(16)
        if choice == 5:
            return "mfg", rng.randrange(0x10000), b"\xbe\xac" + rng.randbytes(22)
        return "mfg", APPLE_COMPANY_ID, b"\x02\x15" + rng.randbytes(21)

    def place(self, where: str, key: Any, frame: Any) -> Advertisement:
        return ({key: frame}, {}) if where == "mfg" else ({}, {key: frame})

    def any_payload(self) -> bytes:
        rng = self.rng
        kind = rng.randrange(4)
        if kind == 0:
            return rng.randbytes(rng.randrange(32))
        _, _, frame = self.valid_frame()
        if kind == 1:
            return frame
        if kind == 2:
            return self.mutate(frame)
        return self.cut(frame)

    def mutate(self, frame: bytes) -> bytes:
        rng = self.rng
        data = bytearray(frame)
        if not data:
            return frame
        for _ in range(rng.randrange(1, 4)):
            i = rng.randrange(len(data))
            if rng.random() < 0.5:
                data[i] = rng.randrange(256)
            else:
                data[i] ^= 1 << rng.randrange(8)
        return bytes(data)

    def cut(self, frame: bytes) -> bytes:
        rng = self.rng
        if rng.random() < 0.6:
            return frame[: rng.randrange(len(frame) + 1)]
        return frame + rng.randbytes(rng.randrange(1, 8))

    # --- advertisements ------------------------------------------------------------------------------------

    def valid(self) -> Advertisement:
        return self.place(*self.valid_frame())

    def random_bytes(self) -> Advertisement:
        rng = self.rng
        frame = rng.randbytes(rng.randrange(32))
        if rng.random() < 0.3:  # a known first byte sends random bytes down a decoder's deeper paths
            frame = rng.choice([b"\x00", b"\x10", b"\x20", b"\x30", b"\x02\x15", b"\xbe\xac"]) + frame
        if rng.random() < 0.5:
            return {}, {EDDYSTONE_UUID: frame}
        return {rng.choice(COMPANY_IDS): frame}, {}

    def mutated(self) -> Advertisement:
        where, key, frame = self.valid_frame()
        return self.place(where, key, self.mutate(frame))

    def cut_or_extended(self) -> Advertisement:
        where, key, frame = self.valid_frame()
        return self.place(where, key, self.cut(frame))

    def random_key(self, service: bool) -> Any:
        rng = self.rng
        r = rng.random()
        if service:
            if r < 0.6:
                return rng.choice(SERVICE_KEYS)
            if r < 0.9:
                return "".join(rng.choice("0123456789abcdefABCDEF-") for _ in range(rng.randrange(40)))
            return rng.choice([0xFEAA, b"\xaa\xfe", None, (1, 2), 3.5])
        if r < 0.7:
            return rng.choice(COMPANY_IDS)
        if r < 0.95:
            return rng.randrange(-(2**20), 2**20)
        return rng.choice([True, 76.0, "76", None, b"\x4c\x00", (0x4C,)])

    def random_shape(self) -> Advertisement:
        rng = self.rng
        mfg = {self.random_key(False): self.any_payload() for _ in range(rng.randrange(6))}
        svc = {self.random_key(True): self.any_payload() for _ in range(rng.randrange(6))}
        return mfg, svc

    def odd_values(self) -> Advertisement:
        rng = self.rng
        payload = self.any_payload()
        released = memoryview(payload)
        released.release()
        value = rng.choice(
            [bytearray(payload), memoryview(payload), released, payload.hex(), None, 0x30, list(payload), 1.5]
        )
        key = rng.choice([APPLE_COMPANY_ID, 0x0118])
        return ({key: value}, {}) if rng.random() < 0.5 else ({}, {EDDYSTONE_UUID: value})

    def make(self) -> Advertisement:
        return self.rng.choice(self.makers)()


def check(result: object) -> str | None:
    """Why `result` is not an acceptable answer, or None when it is."""
    if result is None:
        return None
    if not isinstance(result, Beacon):
        return f"not a Beacon: {result!r}"
    if result.kind not in KINDS:
        return f"unknown kind {result.kind!r}"
    if result.id is not None and not is_beacon_id(result.id):
        return f"malformed id {result.id!r}"
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--count", type=int, default=1_000_000, help="inputs to try (default 1,000,000)")
    parser.add_argument("--seed", type=int, default=None, help="random seed (default: a fresh one, printed)")
    parser.add_argument("--batch", type=int, default=10_000, help="inputs generated, then parsed, per batch")
    args = parser.parse_args(argv)
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(2**32)
    fuzzer = Fuzzer(seed)

    tried = 0
    exceptions = 0
    bad = 0
    recognised: Counter[str] = Counter()
    samples: list[tuple[dict[Any, Any], dict[Any, Any], str]] = []
    parse_time = 0.0
    started = time.perf_counter()
    while tried < args.count:
        batch = [fuzzer.make() for _ in range(min(args.batch, args.count - tried))]
        t0 = time.perf_counter()
        for mfg, svc in batch:
            try:
                result = parse(mfg, svc)
            except Exception:
                exceptions += 1
                if exceptions <= 5:
                    print(f"EXCEPTION for parse({mfg!r}, {svc!r}):", file=sys.stderr)
                    traceback.print_exc()
                continue
            problem = check(result)
            if problem is None and fuzzer.rng.random() < 0.01:
                samples.append((mfg, svc, repr(result)))
            if problem is not None:
                bad += 1
                if bad <= 5:
                    print(f"BAD RESULT for parse({mfg!r}, {svc!r}): {problem}", file=sys.stderr)
                continue
            recognised[result.kind if result is not None else "none"] += 1
        parse_time += time.perf_counter() - t0
        tried += len(batch)
    wall = time.perf_counter() - started

    memo = len(beacons._eddystone_memo), len(beacons._ibeacon_memo), len(beacons._altbeacon_memo)
    # The answers given with the memo as the run left it, again from an empty memo: they must not differ.
    for mfg, svc, answer in samples:
        clear_memo()
        alone = repr(parse(mfg, svc))
        if alone != answer:
            bad += 1
            if bad <= 5:
                print(f"MEMO CHANGED THE ANSWER for parse({mfg!r}, {svc!r}): {answer} but {alone}", file=sys.stderr)

    print(f"inputs tried: {tried:,} (seed {seed})")
    print(f"exceptions: {exceptions}")
    print(f"bad results: {bad}")
    print("recognised per kind:")
    for kind in (*KINDS, "none"):
        print(f"  {kind:14} {recognised[kind]:>10,}")
    rate = tried / parse_time if parse_time else float("inf")
    print(f"parse: {parse_time:.2f} s, {rate:,.0f} inputs/s (generation excluded; wall {wall:.1f} s)")
    print(f"memo: {len(samples):,} answers checked again from an empty memo")
    print(f"memo at the end: {memo[0]} eddystone, {memo[1]} ibeacon, {memo[2]} altbeacon (bound {MEMO_SIZE} each)")
    memo_ok = max(memo) <= MEMO_SIZE
    if not memo_ok:
        print("MEMO OVER ITS BOUND", file=sys.stderr)
    return 0 if exceptions == 0 and bad == 0 and memo_ok else 1


if __name__ == "__main__":
    sys.exit(main())
