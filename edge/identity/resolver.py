"""The hub's EID resolver: one dict lookup from an advertised EID to the enrolled device that sent it.

The window table maps, for every enrolled device, the EIDs of the windows around the hub's current one (the
previous, current and next window for K ≥ 4 with the default tolerance) to the device id. A phone's clock may
drift from the hub's (the spec allows 150 ppm) and a phone may switch to its next EID at a random moment near
the boundary, so the EID heard at hub time `t` is not always the one of `t`'s window; `Tolerance` says how far
off it may be and `Tolerance.reach` turns that into a number of windows on each side.

Keeping the table current is incremental. Devices are grouped in buckets by K: every device of a bucket has
the same windows, so when time enters a new window only the devices of the buckets whose window changed
rotate: each drops its oldest EID and computes its new farthest one. Each device keeps the temporary key of
its last two epochs (2^16 s), so a rotation costs one AES block. A full `rebuild` starts over (first use, a
wall-clock jump backwards).

Privacy: an EID that resolves to nothing returns ``None`` and is counted, never stored or logged; error
messages never quote an EID or a key. Identity keys are secrets: the resolver holds them in memory only (the
hub stores them encrypted at rest), and they are never in a repr, a log or an error.

Not thread-safe: one owner (the hub's resolving loop) calls it.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Final

from edge.identity.eid import (
    COUNTER_MASK,
    DEFAULT_K,
    EID_BYTES,
    EPOCH_BITS,
    MAX_K,
    aes_ecb,
    check_identity_key,
    check_k,
    eid_block,
    epoch_key,
)
from edge.identity.tolerance import Tolerance

BACKSTEP_TOLERANCE_S: Final = 60.0  # a time this much behind is a late sighting, more is a wall-clock jump
WIRE_PREFIX: Final = "eid:"

_SHARED: Final = ""  # the table's value for an EID held more than once (device ids are never empty)
_HEX: Final = frozenset("0123456789abcdef")


@dataclass(frozen=True, slots=True)
class RebuildCost:
    """What one full rebuild of the window table cost."""

    devices: int
    eids: int  # EIDs computed (one AES block each)
    temporary_keys: int  # temporary keys computed (the rest came from each device's cache)
    seconds: float  # wall time of the rebuild


@dataclass(frozen=True, slots=True)
class ResolverStats:
    """Counters of an `EidResolver` since it was made."""

    devices: int
    entries: int  # EIDs in the window table
    now: int | None  # the Unix second the table is built for; None before the first advance
    rebuilds: int
    rotations: int  # EIDs computed incrementally, one per device per window change
    eids_computed: int  # all EIDs computed, by rebuilds, rotations and enrollments
    temporary_keys_computed: int
    shared_eids: int  # EIDs in the table now held by more than one device
    collided_lookups: int  # lookups of such an EID, answered None
    misses: int  # lookups that resolved to nothing (the EIDs themselves are not kept)
    last_rebuild: RebuildCost | None


@dataclass(slots=True)
class _Device:
    device_id: str
    identity_key: bytes = field(repr=False)
    k: int
    eids: list[bytes] = field(default_factory=list, repr=False)  # oldest window first
    # A two-entry cache of temporary keys by epoch (the most recently used first): a device's windows span at
    # most two epochs, so a rotation finds its key here except at the first window of an epoch.
    epoch_a: int = -1
    tk_a: bytes = field(default=b"", repr=False)
    epoch_b: int = -1
    tk_b: bytes = field(default=b"", repr=False)


@dataclass(slots=True)
class _Bucket:
    k: int
    reach: int
    window: int = 0  # absolute window number (floor(now) >> k) the devices are centred on
    devices: dict[str, _Device] = field(default_factory=dict)


# One run of consecutive windows inside one epoch: (wrapped epoch, the EID plaintext blocks, how many).
_Run = tuple[int, bytes, int]


def _plan(k: int, first: int, count: int) -> list[_Run]:
    """The EID plaintexts of `count` windows from absolute window `first`, grouped by temporary-key epoch."""
    runs: list[_Run] = []
    per_epoch = 1 << (EPOCH_BITS - k)
    window, end = first, first + count
    while window < end:
        stop = min(end, (window // per_epoch + 1) * per_epoch)
        counter = (window << k) & COUNTER_MASK
        blocks = b"".join(eid_block(k, w << k) for w in range(window, stop))
        runs.append((counter >> EPOCH_BITS, blocks, stop - window))
        window = stop
    return runs


def _second(t: float) -> int:
    """``floor(t)``; `ValueError` naming ``t`` when it is not a finite number."""
    try:
        return math.floor(t)
    except (ValueError, OverflowError, TypeError):
        raise ValueError(f"t must be a finite number of seconds, got {t!r}") from None


def _wire_key(eid: bytes | str) -> bytes:
    """The 8 raw bytes of an EID given raw or as the wire id ``eid:<16 hex>``; `ValueError` names ``eid``."""
    if isinstance(eid, str):
        hex_part = eid[len(WIRE_PREFIX) :]
        if eid.startswith(WIRE_PREFIX) and len(hex_part) == 2 * EID_BYTES and _HEX.issuperset(hex_part):
            return bytes.fromhex(hex_part)
        raise ValueError("eid must be 8 bytes or a wire id 'eid:<16 lower-case hex>'")
    if isinstance(eid, bytes | bytearray | memoryview) and len(eid) == EID_BYTES:
        return bytes(eid)
    raise ValueError("eid must be 8 bytes or a wire id 'eid:<16 lower-case hex>'")


class EidResolver:
    """Enrolled devices and the window table that resolves their EIDs in O(1).

        >>> from edge.identity import EidResolver, eid
        >>> resolver = EidResolver()
        >>> resolver.enroll("member-42", bytes(range(16)))
        >>> resolver.resolve(eid(bytes(range(16)), 10, 1_700_000_000), 1_700_000_000.5)
        'member-42'

    `resolve(eid, t)` first brings the table to time `t` (`advance`). Times a little behind the table's (up to
    `backstep_tolerance_s`: sightings from gateways whose batches arrive out of order) leave it where it is; a
    time further behind is a wall-clock jump and rebuilds it.
    """

    def __init__(
        self, *, tolerance: Tolerance | None = None, backstep_tolerance_s: float = BACKSTEP_TOLERANCE_S
    ) -> None:
        if not (math.isfinite(backstep_tolerance_s) and backstep_tolerance_s >= 0):
            raise ValueError(f"backstep_tolerance_s must be a finite number ≥ 0, got {backstep_tolerance_s!r}")
        self.tolerance: Final = tolerance if tolerance is not None else Tolerance()
        self.backstep_tolerance_s: Final = backstep_tolerance_s
        self._reach: Final = tuple(self.tolerance.reach(k) for k in range(MAX_K + 1))
        self._devices: dict[str, _Device] = {}
        self._buckets: dict[int, _Bucket] = {}
        self._table: dict[bytes, str] = {}
        self._shared: dict[bytes, list[str]] = {}  # EID → every device holding it, once per window
        self._now: int | None = None
        self._next_change: float = math.inf  # the first second at which some bucket enters a new window
        self._rebuilds = 0
        self._rotations = 0
        self._eids_computed = 0
        self._tks_computed = 0
        self._collided_lookups = 0
        self._misses = 0
        self._last_rebuild: RebuildCost | None = None

    # --- enrolled devices ------------------------------------------------------------------------------------

    def enroll(self, device_id: str, identity_key: bytes, k: int = DEFAULT_K) -> None:
        """Add a device, or replace its key and exponent; its EIDs resolve at once if the table is running."""
        if not isinstance(device_id, str) or not device_id:
            raise ValueError("device_id must be a non-empty string")
        check_identity_key(identity_key)
        check_k(k)
        self.remove(device_id)
        device = _Device(device_id, identity_key, k)
        bucket = self._buckets.get(k)
        if bucket is None:
            bucket = self._buckets[k] = _Bucket(k, self._reach[k])
            if self._now is not None:
                bucket.window = self._now >> k
                self._update_next_change()
        bucket.devices[device_id] = device
        self._devices[device_id] = device
        if self._now is not None:
            device.eids = self._compute(device, _plan(k, bucket.window - bucket.reach, 2 * bucket.reach + 1))
            for value in device.eids:
                self._add(value, device_id)

    def remove(self, device_id: str) -> bool:
        """Forget a device and make its EIDs unresolvable; False when it was not enrolled."""
        device = self._devices.pop(device_id, None)
        if device is None:
            return False
        for value in device.eids:
            self._drop(value, device_id)
        bucket = self._buckets[device.k]
        del bucket.devices[device_id]
        if not bucket.devices:
            del self._buckets[device.k]
            self._update_next_change()
        return True

    def __len__(self) -> int:
        return len(self._devices)

    def __contains__(self, device_id: object) -> bool:
        return device_id in self._devices

    def reach(self, k: int) -> int:
        """Windows kept on each side of the current one for devices with exponent `k`."""
        check_k(k)
        return self._reach[k]

    # --- resolving -------------------------------------------------------------------------------------------

    def resolve(self, eid: bytes | str, t: float) -> str | None:
        """The id of the enrolled device advertising `eid` around Unix time `t`, or None.

        `eid` is the 8 raw bytes or the wire id ``eid:<16 hex>``. None also when two devices share the EID in the
        table (counted in `stats`). An unresolved EID is counted and forgotten.
        """
        key = _wire_key(eid)
        now = _second(t)
        if self._now is None or not self._now <= now < self._next_change:
            self.advance(t)
        owner = self._table.get(key)
        if owner is None:
            self._misses += 1
            return None
        if owner is _SHARED:
            holders = self._shared[key]
            if holders.count(holders[0]) == len(holders):  # one device's own windows (2^-64 per pair)
                return holders[0]
            self._collided_lookups += 1
            return None
        return owner

    def advance(self, t: float) -> None:
        """Bring the table to Unix time `t`: rotate the devices whose window changed (all, the first time)."""
        now = _second(t)
        last = self._now
        if last is None:
            self.rebuild(t)
            return
        if now < last:
            if last - now > self.backstep_tolerance_s:
                self.rebuild(t)  # the wall clock jumped back
            return
        self._now = now
        if now < self._next_change:
            return
        for bucket in self._buckets.values():
            window = now >> bucket.k
            if window != bucket.window:
                self._shift(bucket, window)
        self._update_next_change()

    def rebuild(self, t: float) -> RebuildCost:
        """Recompute the whole table for Unix time `t` and say what it cost."""
        started = time.perf_counter()
        eids_before, tks_before = self._eids_computed, self._tks_computed
        now = _second(t)
        self._table.clear()
        self._shared.clear()
        table = self._table
        for bucket in self._buckets.values():
            bucket.window = now >> bucket.k
            plan = _plan(bucket.k, bucket.window - bucket.reach, 2 * bucket.reach + 1)
            for device_id, device in bucket.devices.items():
                device.eids = self._compute(device, plan)
                for value in device.eids:
                    if value in table:
                        self._add(value, device_id)
                    else:
                        table[value] = device_id
        self._now = now
        self._update_next_change()
        self._rebuilds += 1
        cost = RebuildCost(
            devices=len(self._devices),
            eids=self._eids_computed - eids_before,
            temporary_keys=self._tks_computed - tks_before,
            seconds=time.perf_counter() - started,
        )
        self._last_rebuild = cost
        return cost

    # --- inspection ------------------------------------------------------------------------------------------

    @property
    def now(self) -> int | None:
        """The Unix second the table is built for (None before the first `advance`, `resolve` or `rebuild`)."""
        return self._now

    @property
    def stats(self) -> ResolverStats:
        return ResolverStats(
            devices=len(self._devices),
            entries=len(self._table),
            now=self._now,
            rebuilds=self._rebuilds,
            rotations=self._rotations,
            eids_computed=self._eids_computed,
            temporary_keys_computed=self._tks_computed,
            shared_eids=sum(1 for holders in self._shared.values() if len(set(holders)) > 1),
            collided_lookups=self._collided_lookups,
            misses=self._misses,
            last_rebuild=self._last_rebuild,
        )

    def table(self) -> dict[bytes, str | None]:
        """A copy of the window table: each EID held and its device, None where devices collide."""
        out: dict[bytes, str | None] = {}
        for value, owner in self._table.items():
            if owner is _SHARED:
                holders = set(self._shared[value])
                out[value] = holders.pop() if len(holders) == 1 else None
            else:
                out[value] = owner
        return out

    # --- internals -------------------------------------------------------------------------------------------

    def _shift(self, bucket: _Bucket, window: int) -> None:
        """Move a bucket's devices from their window to `window` (later): drop the oldest, compute the newest."""
        steps = window - bucket.window
        reach, span = bucket.reach, 2 * bucket.reach + 1
        if steps == 1:
            self._rotate(bucket)
        elif steps >= span or steps < 0:  # nothing held is still wanted
            plan = _plan(bucket.k, window - reach, span)
            for device_id, device in bucket.devices.items():
                for value in device.eids:
                    self._drop(value, device_id)
                device.eids = self._compute(device, plan)
                for value in device.eids:
                    self._add(value, device_id)
            self._rotations += span * len(bucket.devices)
        else:
            plan = _plan(bucket.k, bucket.window + reach + 1, steps)
            for device_id, device in bucket.devices.items():
                for value in device.eids[:steps]:
                    self._drop(value, device_id)
                new = self._compute(device, plan)
                device.eids = device.eids[steps:] + new
                for value in new:
                    self._add(value, device_id)
            self._rotations += steps * len(bucket.devices)
        bucket.window = window

    def _rotate(self, bucket: _Bucket) -> None:
        """The common step, one window on: per device one dict delete, one AES block, one dict insert."""
        ((epoch, block, _),) = _plan(bucket.k, bucket.window + bucket.reach + 1, 1)
        table = self._table
        for device_id, device in bucket.devices.items():
            eids = device.eids
            oldest = eids.pop(0)
            if table.get(oldest) is device_id:
                del table[oldest]
            else:
                self._drop(oldest, device_id)
            tk = device.tk_a if device.epoch_a == epoch else self._temporary_key(device, epoch)
            newest = aes_ecb(tk, block)[:EID_BYTES]
            eids.append(newest)
            if newest in table:
                self._add(newest, device_id)
            else:
                table[newest] = device_id
        self._rotations += len(bucket.devices)
        self._eids_computed += len(bucket.devices)

    def _compute(self, device: _Device, plan: list[_Run]) -> list[bytes]:
        """The device's EIDs for the planned windows: one AES call per epoch run, with its cached key."""
        out: list[bytes] = []
        for epoch, blocks, count in plan:
            tk = device.tk_a if device.epoch_a == epoch else self._temporary_key(device, epoch)
            cipher = aes_ecb(tk, blocks)
            if count == 1:
                out.append(cipher[:EID_BYTES])
            else:
                out.extend(cipher[i : i + EID_BYTES] for i in range(0, 16 * count, 16))
            self._eids_computed += count
        return out

    def _temporary_key(self, device: _Device, epoch: int) -> bytes:
        """The device's temporary key for `epoch`, from its two-entry cache or computed (then cached first)."""
        if device.epoch_b == epoch:
            tk = device.tk_b
        elif device.epoch_a == epoch:
            return device.tk_a
        else:
            tk = epoch_key(device.identity_key, epoch)
            self._tks_computed += 1
        device.epoch_a, device.tk_a, device.epoch_b, device.tk_b = epoch, tk, device.epoch_a, device.tk_a
        return tk

    def _add(self, value: bytes, device_id: str) -> None:
        owner = self._table.get(value)
        if owner is None:
            self._table[value] = device_id
        elif owner is _SHARED:
            self._shared[value].append(device_id)
        else:
            self._shared[value] = [owner, device_id]
            self._table[value] = _SHARED

    def _drop(self, value: bytes, device_id: str) -> None:
        owner = self._table.get(value)
        if owner is _SHARED:
            holders = self._shared[value]
            holders.remove(device_id)
            if len(holders) == 1:
                self._table[value] = holders[0]
                del self._shared[value]
        elif owner == device_id:
            del self._table[value]

    def _update_next_change(self) -> None:
        self._next_change = min(((b.window + 1) << b.k for b in self._buckets.values()), default=math.inf)
