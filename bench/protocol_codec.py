"""How fast, and how large in memory, is Corsia's msgspec codec for a sightings batch, against the alternatives?

    .venv/bin/python bench/protocol_codec.py [--items 50] [--seconds 2]

Side by side, on one deterministic batch (mixed Eddystone-EID and iBeacon ids, plausible RSSI):

1. **Corsia**: ``edge.protocol.encode`` and ``edge.protocol.decode(Sightings, ...)``, the code in production;
2. **stdlib**: frozen slotted dataclasses, ``json`` and hand-written validation of the same schema — what we
   would maintain without msgspec, written to be fast (C json, checks only on the way in, paths built only on
   the error path), not as a strawman;
3. **pydantic v2**, when installed: the same constraints as a strict, frozen model that forbids extra fields.

Before timing anything, the script checks that the three are doing the same job: each encodes the batch to the
same bytes, decodes those bytes back to an equal batch, and rejects the same bad payloads naming the same field.
The alternatives' constraints are spelled out here by hand; they are compared with ``edge/protocol/messages.py``
at start, so a change there cannot leave this benchmark comparing different schemas. The exit status is 1 when
any check fails. See ``docs/protocol-codec.md`` for the results and the decision they support.
"""

from __future__ import annotations

import argparse
import gc
import itertools
import json
import math
import os
import platform
import random
import re
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any, Final

import msgspec
from rich.console import Console
from rich.table import Table

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # runs from a checkout without an install too

from edge.protocol import ProtocolError, Sighting, Sightings, decode, eid_id, encode, ibeacon_id
from edge.protocol.codec import DEFAULT_MAX_BYTES
from edge.protocol.ids import ID_PATTERN
from edge.protocol.messages import MAX_BATCH_ITEMS, PROTOCOL_VERSION

# --- the v1 constraints of a sightings batch, as the alternatives spell them out ----------------------------
# msgspec keeps these in messages.py next to the types; without it they would live in code like the below.
# `schema_drift()` compares them with messages.py, so the comparison stays like for like.

SLUG_PATTERN: Final = r"^[a-z0-9][a-z0-9-]{0,31}\Z"
SEQ: Final = (0, 2**53)
TIME_S: Final = (0.0, 2.0**33)
INTERVAL_S: Final = (0.0, 3600.0)  # the lower bound is exclusive: an interval of 0 s is meaningless
DBM: Final = (-127, 20)  # rssi (a float), raw and tx (ints)
ADVERTS: Final = (1, 100_000)
DIST_M: Final = (0.0, 1000.0)


def schema_drift() -> list[str]:
    """How the constraints above differ from Corsia's schema; empty when they agree."""
    insp = msgspec.inspect
    expected: dict[type[msgspec.Struct], dict[str, insp.Type]] = {
        Sightings: {
            "gw": insp.StrType(pattern=SLUG_PATTERN),
            "seq": insp.IntType(ge=SEQ[0], le=SEQ[1]),
            "t": insp.FloatType(ge=TIME_S[0], le=TIME_S[1]),
            "interval": insp.FloatType(gt=INTERVAL_S[0], le=INTERVAL_S[1]),
            "items": insp.ListType(item_type=insp.StructType(Sighting, ()), max_length=MAX_BATCH_ITEMS),
        },
        Sighting: {
            "id": insp.StrType(pattern=ID_PATTERN),
            "rssi": insp.FloatType(ge=DBM[0], le=DBM[1]),
            "raw": insp.IntType(ge=DBM[0], le=DBM[1]),
            "n": insp.IntType(ge=ADVERTS[0], le=ADVERTS[1]),
            "tx": insp.IntType(ge=DBM[0], le=DBM[1]),
            "dist": insp.FloatType(ge=DIST_M[0], le=DIST_M[1]),
        },
    }
    problems = []
    for struct, fields in expected.items():
        info = insp.type_info(struct)
        assert isinstance(info, insp.StructType)
        if not info.forbid_unknown_fields:
            problems.append(f"{struct.__name__} now allows unknown fields")
        if struct is Sightings and (info.tag_field, info.tag) != ("v", PROTOCOL_VERSION):
            problems.append(f"Sightings is tagged {info.tag_field}={info.tag!r}")
        actual: dict[str, insp.Type] = {}
        for field in info.fields:
            kind = field.type.type if isinstance(field.type, insp.Metadata) else field.type
            if isinstance(kind, insp.ListType) and isinstance(kind.item_type, insp.StructType):
                # Compare the item class, not its fields again (they are checked as a struct of their own).
                kind = insp.ListType(insp.StructType(kind.item_type.cls, ()), kind.min_length, kind.max_length)
            if not field.required:
                problems.append(f"{struct.__name__}.{field.name} is now optional")
            actual[field.name] = kind
        if list(actual) != list(fields):
            problems.append(f"{struct.__name__} fields are {list(actual)}, the bench has {list(fields)}")
        problems += [
            f"{struct.__name__}.{name}: schema {actual.get(name)!r}, bench {kind!r}"
            for name, kind in fields.items()
            if actual.get(name) != kind
        ]
    return problems


# --- one realistic batch ------------------------------------------------------------------------------------

# Two fleets of iBeacons (a loyalty app's and the staff badges'), major = the store; the rest are EIDs.
IBEACON_UUIDS: Final = (
    bytes.fromhex("f7826da64fa24e988024bc5b71e0893e"),
    bytes.fromhex("2f234454cf6d4a0fadf2f4911ba9ffa6"),
)
PATH_LOSS_EXPONENT: Final = 2.2  # a shop floor with shelves and people


def build_batch(items: int, seed: int = 1842) -> Sightings:
    """A gateway's batch for one 1 s interval: the same `items` sightings every run for a given `seed`."""
    rng = random.Random(seed)
    sightings = []
    for _ in range(items):
        if rng.random() < 0.6:
            beacon, tx = eid_id(rng.randbytes(8)), rng.choice((-59, -61, -65))
        else:
            beacon, tx = ibeacon_id(rng.choice(IBEACON_UUIDS), 100, rng.randint(1, 2000)), rng.choice((-59, -62))
        true_dist = min(30.0, rng.lognormvariate(math.log(4.0), 0.7))
        true_rssi = tx - 10 * PATH_LOSS_EXPONENT * math.log10(true_dist)
        rssi = round(max(-105.0, true_rssi + rng.gauss(0, 1.5)), 1)  # filtered: little noise left
        raw = max(-110, min(-30, round(true_rssi + rng.gauss(0, 5.0))))  # one advert: noisy
        dist = round(10 ** ((tx - rssi) / (10 * PATH_LOSS_EXPONENT)), 1)
        sightings.append(Sighting(id=beacon, rssi=rssi, raw=raw, n=rng.randint(1, 12), tx=tx, dist=dist))
    return Sightings(gw="gw-03", seq=1842, t=1795392000.25, interval=1.0, items=sightings)


# --- the stdlib alternative: frozen slotted dataclasses, json, hand-written validation ----------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class SightingDC:
    """`edge.protocol.Sighting` as a dataclass."""

    id: str
    rssi: float
    raw: int
    n: int
    tx: int
    dist: float


@dataclass(frozen=True, slots=True, kw_only=True)
class SightingsDC:
    """`edge.protocol.Sightings` as a dataclass; ``v`` is implied by the type, as with msgspec's tag."""

    gw: str
    seq: int
    t: float
    interval: float
    items: list[SightingDC]


class _Invalid(Exception):
    """A value that does not fit; the path is filled in on the way out, so the happy path builds no strings."""

    def __init__(self, reason: str, *path: str | int) -> None:
        super().__init__(reason)
        self.reason = reason
        self.path = list(path)

    def within(self, *outer: str | int) -> _Invalid:
        self.path[:0] = outer
        return self

    def field(self) -> str:
        return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in self.path).lstrip(".")


_JSON_TYPES: Final = {dict: "object", list: "array", str: "str", int: "int", float: "float", bool: "bool"}


def _got(value: object) -> str:
    return _JSON_TYPES.get(type(value), "null")


def _fields(value: object, names: frozenset[str]) -> dict[str, Any]:
    """`value` as a JSON object with exactly the fields `names` (all required, nothing else)."""
    if type(value) is not dict:
        raise _Invalid(f"expected `object`, got `{_got(value)}`")
    if value.keys() != names:  # one set comparison on the happy path; find out which field only on failure
        for name in value:
            if name not in names:
                raise _Invalid("unknown field (contract v1 allows no extra fields)", name)
        for name in names:
            if name not in value:
                raise _Invalid("required field is missing", name)
    return value


def _int(obj: dict[str, Any], name: str, lo: int, hi: int) -> int:
    value = obj[name]
    if type(value) is not int:  # JSON true and false load as bool, a subclass of int: excluded on purpose
        raise _Invalid(f"expected `int`, got `{_got(value)}`", name)
    if not lo <= value <= hi:
        raise _Invalid(f"expected `int` >= {lo} and <= {hi}", name)
    return value


def _float(obj: dict[str, Any], name: str, lo: float, hi: float, *, lo_exclusive: bool = False) -> float:
    value = obj[name]
    if type(value) is not float and type(value) is not int:  # an integer is a valid float; a bool is not
        raise _Invalid(f"expected `float`, got `{_got(value)}`", name)
    # Written as "not in range" so that NaN (which compares false to everything) is rejected too.
    if not ((lo < value) if lo_exclusive else (lo <= value)) or not value <= hi:
        raise _Invalid(f"expected `float` {'>' if lo_exclusive else '>='} {lo} and <= {hi}", name)
    return float(value)  # after the range check, so a huge integer cannot overflow here


def _text(obj: dict[str, Any], name: str, pattern: re.Pattern[str]) -> str:
    value = obj[name]
    if type(value) is not str:
        raise _Invalid(f"expected `str`, got `{_got(value)}`", name)
    if pattern.search(value) is None:  # search, as msgspec does: the same (anchored) patterns behave the same
        raise _Invalid(f"expected `str` matching regex {pattern.pattern!r}", name)
    return value


_SLUG_RE: Final = re.compile(SLUG_PATTERN)
_ID_RE: Final = re.compile(ID_PATTERN)
_SIGHTING_FIELDS: Final = frozenset(("id", "rssi", "raw", "n", "tx", "dist"))
_SIGHTINGS_FIELDS: Final = frozenset(("v", "gw", "seq", "t", "interval", "items"))


def _sighting(value: object) -> SightingDC:
    obj = _fields(value, _SIGHTING_FIELDS)
    return SightingDC(
        id=_text(obj, "id", _ID_RE),
        rssi=_float(obj, "rssi", *DBM),
        raw=_int(obj, "raw", *DBM),
        n=_int(obj, "n", *ADVERTS),
        tx=_int(obj, "tx", *DBM),
        dist=_float(obj, "dist", *DIST_M),
    )


def _sightings(value: object) -> SightingsDC:
    obj = _fields(value, _SIGHTINGS_FIELDS)
    version = obj["v"]
    if type(version) is not int:
        raise _Invalid(f"the protocol version must be the integer {PROTOCOL_VERSION}; got `{_got(version)}`", "v")
    if version != PROTOCOL_VERSION:
        raise _Invalid(f"unsupported protocol version {version}; this consumer speaks {PROTOCOL_VERSION}", "v")
    # In the order Corsia encodes the fields, so the first problem reported is the first in such a payload.
    gw = _text(obj, "gw", _SLUG_RE)
    seq = _int(obj, "seq", *SEQ)
    t = _float(obj, "t", *TIME_S)
    interval = _float(obj, "interval", *INTERVAL_S, lo_exclusive=True)
    items = obj["items"]
    if type(items) is not list:
        raise _Invalid(f"expected `array`, got `{_got(items)}`", "items")
    if len(items) > MAX_BATCH_ITEMS:
        raise _Invalid(f"expected `array` of length <= {MAX_BATCH_ITEMS}", "items")
    try:
        decoded = [_sighting(item) for item in items]
    except _Invalid:
        # Error path only: find the failing item's index again rather than count items on the happy path.
        for index, item in enumerate(items):
            try:
                _sighting(item)
            except _Invalid as exc:
                raise exc.within("items", index) from None
        raise
    return SightingsDC(gw=gw, seq=seq, t=t, interval=interval, items=decoded)


def _no_constant(name: str) -> float:
    raise ValueError(f"{name} is not valid JSON")  # json accepts NaN and Infinity by default; JSON does not


_JSON_IN: Final = json.JSONDecoder(parse_constant=_no_constant)
# The C encoder; no circular check (these dicts are built just below and cannot contain themselves).
_JSON_OUT: Final = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False)


def stdlib_encode(batch: SightingsDC) -> bytes:
    """The same bytes as `edge.protocol.encode`: compact UTF-8 JSON, ``"v"`` first."""
    return _JSON_OUT.encode(
        {
            "v": PROTOCOL_VERSION,
            "gw": batch.gw,
            "seq": batch.seq,
            "t": batch.t,
            "interval": batch.interval,
            "items": [
                {"id": s.id, "rssi": s.rssi, "raw": s.raw, "n": s.n, "tx": s.tx, "dist": s.dist} for s in batch.items
            ],
        }
    ).encode()


def stdlib_decode(payload: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> SightingsDC:
    """Decode and validate like `edge.protocol.decode(Sightings, ...)`: `ProtocolError` naming the field."""
    if len(payload) > max_bytes:
        raise ProtocolError(f"payload of {len(payload)} bytes exceeds the limit of {max_bytes}")
    try:
        text = payload.decode()  # json.loads would also take UTF-16 and UTF-32; the contract is UTF-8
    except UnicodeDecodeError:
        raise ProtocolError("payload is not valid UTF-8") from None
    try:
        obj = _JSON_IN.decode(text)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError is a ValueError; so is a 5000-digit number
        raise ProtocolError(f"not valid JSON: {exc}") from None
    if type(obj) is not dict:
        raise ProtocolError(f"payload must be a JSON object; got `{_got(obj)}`")
    try:
        return _sightings(obj)
    except _Invalid as exc:
        raise ProtocolError(exc.reason, field=exc.field()) from None


def to_dataclasses(batch: Sightings) -> SightingsDC:
    items = [SightingDC(id=s.id, rssi=s.rssi, raw=s.raw, n=s.n, tx=s.tx, dist=s.dist) for s in batch.items]
    return SightingsDC(gw=batch.gw, seq=batch.seq, t=batch.t, interval=batch.interval, items=items)


# --- the implementations under test -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Codec:
    """One implementation: how to build its batch object, encode it, and decode + validate a payload."""

    name: str
    version: str
    build: Callable[[Sightings], object]
    encode: Callable[[Any], bytes]
    decode: Callable[[bytes], object]  # raises ProtocolError, with the field path, when the payload is bad


def _corsia_decode(payload: bytes) -> Sightings:
    return decode(Sightings, payload)


def _rust_regex(pattern: str) -> str:
    """pydantic's Rust regex engine has no ``\\Z``; its ``$`` already means the very end (no trailing newline)."""
    return pattern.replace("\\Z", "$")


def _pydantic_codec() -> Codec | None:
    """Corsia's schema as a pydantic v2 model (strict, frozen, no extra fields); None without pydantic."""
    try:
        from pydantic import BaseModel, ConfigDict, Field, StringConstraints, TypeAdapter, ValidationError
    except ImportError:
        return None
    from typing import Annotated

    class Strict(BaseModel):
        model_config = ConfigDict(strict=True, frozen=True, extra="forbid")

    class SightingPD(Strict):
        id: Annotated[str, StringConstraints(pattern=_rust_regex(ID_PATTERN))]
        rssi: Annotated[float, Field(ge=DBM[0], le=DBM[1])]
        raw: Annotated[int, Field(ge=DBM[0], le=DBM[1])]
        n: Annotated[int, Field(ge=ADVERTS[0], le=ADVERTS[1])]
        tx: Annotated[int, Field(ge=DBM[0], le=DBM[1])]
        dist: Annotated[float, Field(ge=DIST_M[0], le=DIST_M[1])]

    class SightingsPD(Strict):
        # Not Literal[1]: in pydantic 2.x a Literal accepts true and 1.0 for 1 even in strict mode.
        v: Annotated[int, Field(ge=PROTOCOL_VERSION, le=PROTOCOL_VERSION)]
        gw: Annotated[str, StringConstraints(pattern=_rust_regex(SLUG_PATTERN))]
        seq: Annotated[int, Field(ge=SEQ[0], le=SEQ[1])]
        t: Annotated[float, Field(ge=TIME_S[0], le=TIME_S[1])]
        interval: Annotated[float, Field(gt=INTERVAL_S[0], le=INTERVAL_S[1])]
        items: Annotated[list[SightingPD], Field(max_length=MAX_BATCH_ITEMS)]

    adapter: TypeAdapter[SightingsPD] = TypeAdapter(SightingsPD)  # dump_json gives bytes, without a str copy

    def build(batch: Sightings) -> SightingsPD:
        items = [SightingPD(id=s.id, rssi=s.rssi, raw=s.raw, n=s.n, tx=s.tx, dist=s.dist) for s in batch.items]
        return SightingsPD(
            v=PROTOCOL_VERSION, gw=batch.gw, seq=batch.seq, t=batch.t, interval=batch.interval, items=items
        )

    def decode_pd(payload: bytes) -> SightingsPD:
        if len(payload) > DEFAULT_MAX_BYTES:
            raise ProtocolError(f"payload of {len(payload)} bytes exceeds the limit of {DEFAULT_MAX_BYTES}")
        try:
            return SightingsPD.model_validate_json(payload)
        except ValidationError as exc:
            first = exc.errors(include_url=False)[0]
            field = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in first["loc"]).lstrip(".")
            raise ProtocolError(first["msg"], field=field) from None

    return Codec("pydantic v2", metadata.version("pydantic"), build, adapter.dump_json, decode_pd)


def codecs() -> list[Codec]:
    found = [
        Codec("Corsia (msgspec)", metadata.version("msgspec"), lambda batch: batch, encode, _corsia_decode),
        Codec(
            "stdlib dataclasses", f"Python {platform.python_version()}", to_dataclasses, stdlib_encode, stdlib_decode
        ),
    ]
    if (pydantic := _pydantic_codec()) is not None:
        found.append(pydantic)
    return found


# --- like for like: round trip and the same rejections ------------------------------------------------------


def bad_payloads(good: bytes) -> list[tuple[str, bytes, str]]:
    """(what, payload, field every implementation must name) for payloads each one must reject."""

    def edit(change: Callable[[dict[str, Any]], object]) -> bytes:
        obj = json.loads(good)
        change(obj)
        return json.dumps(obj, separators=(",", ":")).encode()

    gw_at = good.index(b'"gw-03"') + 1
    return [
        ("missing field", edit(lambda o: o["items"][1].pop("n")), "items[1].n"),
        ("wrong type: string for int", edit(lambda o: o.update(seq="1842")), "seq"),
        ("wrong type: bool for int", edit(lambda o: o["items"][2].update(raw=True)), "items[2].raw"),
        ("wrong type: float for int", edit(lambda o: o["items"][3].update(n=9.0)), "items[3].n"),
        ("rssi out of range", edit(lambda o: o["items"][4].update(rssi=25.0)), "items[4].rssi"),
        ("bad beacon id (a MAC)", edit(lambda o: o["items"][5].update(id="mac:d4:3b:04:1a:2b:3c")), "items[5].id"),
        ("unknown field", edit(lambda o: o["items"][6].update(mac="d4:3b:04:1a:2b:3c")), "items[6].mac"),
        ("v = 2", edit(lambda o: o.update(v=2)), "v"),
        ("invalid UTF-8", good[:gw_at] + b"\xff" + good[gw_at + 1 :], ""),
        ("not an object", b"[" + good + b"]", ""),
    ]


@dataclass(frozen=True, slots=True)
class Checks:
    payload: bytes
    same_bytes: bool  # encodes to exactly Corsia's bytes
    round_trip: bool  # decodes its own payload, and Corsia's, back to an equal batch
    failures: list[str]  # bad payloads not rejected, or rejected naming another field
    rejected: int


def check(codec: Codec, batch: Sightings, reference: bytes, bad: list[tuple[str, bytes, str]]) -> Checks:
    obj = codec.build(batch)
    payload = codec.encode(obj)
    round_trip = codec.decode(payload) == obj and codec.decode(reference) == obj
    failures = []
    for what, data, field in bad:
        try:
            codec.decode(data)
        except ProtocolError as exc:
            if exc.field != field:
                failures.append(f"{what}: named {exc.field!r}, expected {field!r}")
        else:
            failures.append(f"{what}: accepted")
    return Checks(payload, payload == reference, round_trip, failures, len(bad) - len(failures))


# --- measuring ----------------------------------------------------------------------------------------------


def _loop(call: Callable[[Any], object], arg: object, loops: int) -> int:
    """Nanoseconds for `loops` calls of call(arg). The garbage collector stays on: the hub runs with it."""
    start = time.perf_counter_ns()
    for _ in itertools.repeat(None, loops):
        call(arg)
    return time.perf_counter_ns() - start


def _calibrate(call: Callable[[Any], object], arg: object, seconds_per_run: float) -> int:
    """How many calls make one run of `seconds_per_run`; the doubling also serves as the warm-up."""
    loops = 1
    while (elapsed := _loop(call, arg, loops)) < 50_000_000:
        loops *= 2
    return max(1, round(loops * seconds_per_run * 1e9 / elapsed))


@dataclass(frozen=True, slots=True)
class Timing:
    samples_ns: list[float]  # per call, one per run

    @property
    def best_ns(self) -> float:
        return min(self.samples_ns)

    @property
    def median_ns(self) -> float:
        return statistics.median(self.samples_ns)


def time_all(jobs: list[tuple[Callable[[Any], object], object]], seconds: float, runs: int) -> list[Timing]:
    """Best-of-`runs` timings of each job. Runs are interleaved across jobs, so a burst of load from another
    process on this machine hits every implementation alike instead of spoiling one of them."""
    loops = [_calibrate(call, arg, seconds / runs) for call, arg in jobs]
    samples: list[list[float]] = [[] for _ in jobs]
    for _ in range(runs):
        for (call, arg), n, out in zip(jobs, loops, samples, strict=True):
            out.append(_loop(call, arg, n) / n)
    return [Timing(s) for s in samples]


@dataclass(frozen=True, slots=True)
class Memory:
    retained: int  # bytes held by one decoded batch object
    peak: int  # bytes at the high-water mark of one decode, the result included


def memory(decode: Callable[[bytes], object], payload: bytes, copies: int = 100) -> Memory:
    """tracemalloc sees the Python allocator: every object, and msgspec's buffers. It does not see memory that
    a Rust extension (pydantic-core) takes from the system allocator while parsing, so that peak is a floor."""
    decode(payload)  # regex and decoder caches are filled outside the measurement
    kept: list[object] = [None] * copies  # allocated before the baseline: only the batches are counted
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for i in range(copies):
            kept[i] = decode(payload)
        retained = (tracemalloc.get_traced_memory()[0] - before) // copies
        kept.clear()
        gc.collect()
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        one = decode(payload)
        peak = tracemalloc.get_traced_memory()[1] - base
        del one
    finally:
        tracemalloc.stop()
    return Memory(retained, peak)


# --- reporting ----------------------------------------------------------------------------------------------


def cpu_model() -> str:
    """The CPU as /proc/cpuinfo names it (x86: "model name"; a Raspberry Pi: "Model"), else what platform says."""
    try:
        lines = Path("/proc/cpuinfo").read_text().splitlines()
    except OSError:
        lines = []
    for key in ("model name", "Model", "Hardware"):
        for line in lines:
            name, _, value = line.partition(":")
            if name.strip() == key and value.strip():
                return value.strip()
    return platform.processor() or platform.machine()


def _rate(per_second: float) -> str:
    return f"{per_second / 1e6:,.2f} M" if per_second >= 1e6 else f"{per_second:,.0f}"


def _us(timing: Timing) -> str:
    return f"{timing.best_ns / 1000:,.1f}  [dim]({timing.median_ns / 1000:,.1f})[/dim]"


def _ratio(timing: Timing, reference: Timing) -> str:
    ratio = timing.best_ns / reference.best_ns
    return "1.0×" if timing is reference else f"{ratio:.1f}× {'slower' if ratio >= 1 else 'faster'}"


def _yes(ok: bool) -> str:
    return "[green]yes[/green]" if ok else "[bold red]NO[/bold red]"


def report(
    console: Console,
    found: list[Codec],
    checks: list[Checks],
    encodes: list[Timing],
    decodes: list[Timing],
    memories: list[Memory],
    items: int,
    bad: int,
) -> None:
    table = Table(title=f"one Sightings batch of {items} items; µs: best of runs (median)", title_justify="left")
    table.add_column("")
    for codec in found:
        table.add_column(f"{codec.name}\n[dim]{codec.version}[/dim]", justify="right")

    def row(label: str, cells: Iterator[str]) -> None:
        table.add_row(label, *cells)

    row("payload, bytes", (f"{len(c.payload):,}" for c in checks))
    row("same bytes as Corsia", (_yes(c.same_bytes) for c in checks))
    table.add_section()
    row("encode, µs/batch", (_us(t) for t in encodes))
    row("encode, batches/s", (_rate(1e9 / t.best_ns) for t in encodes))
    row("encode, items/s", (_rate(1e9 * items / t.best_ns) for t in encodes))
    row("encode vs Corsia", (_ratio(t, encodes[0]) for t in encodes))
    table.add_section()
    row("decode + validate, µs/batch", (_us(t) for t in decodes))
    row("decode, batches/s", (_rate(1e9 / t.best_ns) for t in decodes))
    row("decode, items/s", (_rate(1e9 * items / t.best_ns) for t in decodes))
    row("decode vs Corsia", (_ratio(t, decodes[0]) for t in decodes))
    table.add_section()
    row("decoded batch object, bytes", (f"{m.retained:,}" for m in memories))
    row(
        "peak while decoding, bytes",
        (f"{m.peak:,}" + ("*" if c.name.startswith("pydantic") else "") for m, c in zip(memories, found, strict=True)),
    )
    table.add_section()
    row("round-trips", (_yes(c.round_trip) for c in checks))
    row(f"rejects all {bad} bad payloads", (_yes(not c.failures) + f" {c.rejected}/{bad}" for c in checks))
    console.print(table)
    for codec, result in zip(found, checks, strict=True):
        for failure in result.failures:
            console.print(f"[bold red]{codec.name}[/bold red]: {failure}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Time Corsia's sightings codec against a stdlib and a pydantic equivalent."
    )
    parser.add_argument("--items", type=int, default=50, help="sightings in the batch (default 50)")
    parser.add_argument("--seconds", type=float, default=2.0, help="measured time per implementation and operation")
    parser.add_argument("--runs", type=int, default=5, help="runs to take the best of (default 5)")
    args = parser.parse_args(argv)
    if not 0 <= args.items <= MAX_BATCH_ITEMS:
        parser.error(f"--items must be 0..{MAX_BATCH_ITEMS}")
    console = Console()

    if drift := schema_drift():
        for problem in drift:
            console.print(f"[bold red]schema drift[/bold red]: {problem}")
        console.print("update the constraints at the top of bench/protocol_codec.py to match edge/protocol/messages.py")
        return 1

    batch = build_batch(args.items)
    reference = encode(batch)
    if len(reference) > DEFAULT_MAX_BYTES:
        parser.error(f"--items {args.items} makes a {len(reference)}-byte payload, over decode()'s default limit")
    found = codecs()
    bad = bad_payloads(reference if args.items >= 8 else encode(build_batch(8)))  # they edit items[1] to [6]
    checks = [check(codec, batch, reference, bad) for codec in found]

    load = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    console.print(
        f"Python {platform.python_version()} ({platform.python_implementation()}, {sys.platform}), "
        f"{cpu_model()}, {os.cpu_count()} CPUs, load {load}\n"
        f"{args.items} items, {len(reference):,}-byte payload; best of {args.runs} runs of "
        f"~{args.seconds / args.runs:.2f} s each per implementation and operation, runs interleaved"
    )
    objects = [codec.build(batch) for codec in found]
    with console.status("timing encode"):
        encodes = time_all([(c.encode, o) for c, o in zip(found, objects, strict=True)], args.seconds, args.runs)
    with console.status("timing decode"):
        decodes = time_all([(c.decode, reference) for c in found], args.seconds, args.runs)
    memories = [memory(c.decode, reference) for c in found]
    report(console, found, checks, encodes, decodes, memories, args.items, len(bad))
    if len(found) < 3:
        console.print("[dim]pydantic is not installed: `.venv/bin/pip install pydantic` to compare it too[/dim]")
    else:
        console.print(
            "[dim]* pydantic-core parses in Rust with the system allocator, which tracemalloc does not see[/dim]"
        )
    ok = all(c.same_bytes and c.round_trip and not c.failures for c in checks)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
