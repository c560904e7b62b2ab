"""Eddystone-EID identities: the EID computation against known vectors, and the hub's window-table resolver."""

from __future__ import annotations

import math
import subprocess
import sys

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from hypothesis import given, settings
from hypothesis import strategies as st

import edge.identity
from edge.identity import (
    DRIFT_BUDGET_S,
    EidResolver,
    Tolerance,
    eid,
    eid_from_temporary_key,
    epoch_of,
    temporary_key,
    time_counter,
    window_index,
    window_start,
)
from edge.identity.eid import aes_ecb
from tests.conftest import REPO

KEY = bytes(range(16))
T0 = 1_700_000_000  # 2023-11-14 22:13:20 UTC, 3,840 s before its temporary-key epoch ends
keys = st.binary(min_size=16, max_size=16)
ks = st.integers(min_value=0, max_value=15)
times = st.integers(min_value=0, max_value=2**32 - 1)


def reference_eid(identity_key: bytes, k: int, t: int) -> bytes:
    """The spec's computation spelled out as google/eddystone's eidtools.py does it: byte by byte, by division."""

    def aes(key: bytes, block: bytes) -> bytes:
        encryptor = Cipher(algorithms.AES(key), modes.ECB()).encryptor()
        return encryptor.update(block) + encryptor.finalize()

    t %= 2**32
    tk_data = bytes([0] * 11 + [0xFF, 0, 0, (t // 2**24) % 256, (t // 2**16) % 256])
    tk = aes(identity_key, tk_data)
    t = (t // 2**k) * 2**k
    eid_data = bytes([0] * 11 + [k] + [(t // 2**s) % 256 for s in (24, 16, 8, 0)])
    return aes(tk, eid_data)[:8]


# --- the EID computation -------------------------------------------------------------------------------------


def test_aes_is_fips_197_aes_128() -> None:
    # FIPS-197 appendix C.1: the AES underneath is the standard one.
    key = bytes.fromhex("000102030405060708090a0b0c0d0e0f")
    plain = bytes.fromhex("00112233445566778899aabbccddeeff")
    assert aes_ecb(key, plain).hex() == "69c4e0d86a7b0430d8cdb78070b4c55a"


@pytest.mark.parametrize(
    ("t", "expected"),
    [
        (0, "a9b76a71c5f89290"),  # beacon time 0
        (2000, "4144413e45fefa58"),  # beacon time 2000 s, the window 1024..2047
        (1024, "4144413e45fefa58"),
        (2047, "4144413e45fefa58"),
    ],
)
def test_published_vectors(t: int, expected: str) -> None:
    # RadiusNetworks/ephemeral_calc spec/encryptor_spec.rb: an independent implementation (Ruby, OpenSSL) of
    # eid-computation.md, identity key 0102030405060708090A111213141516, K = 10. The spec itself publishes none.
    assert eid(bytes.fromhex("0102030405060708090a111213141516"), 10, t).hex() == expected


@pytest.mark.parametrize(
    ("k", "t", "expected_eid", "expected_tk"),
    [
        (10, T0, "6402471e00ba6362", "176d04c4093c6a244b01aab123716778"),
        (0, T0, "40fe277acdc2613c", "176d04c4093c6a244b01aab123716778"),
        (15, T0, "1baecbaa49338788", "176d04c4093c6a244b01aab123716778"),
        (10, 2**32 - 1, "010fa535fd5f9d26", "26bd22233aac409684f72dd489d1222d"),  # the last second before the wrap
        (4, 65535, "16b57d5e7023dfc1", "68d14ef25b6abcc46b96568081ec8a52"),  # the last second of epoch 0
        (4, 65536, "21fea61756af3378", "89b9b57c9f9b105a9541f31958492269"),  # the first of epoch 1
    ],
)
def test_hand_derived_vectors(k: int, t: int, expected_eid: str, expected_tk: str) -> None:
    # Derived with the `openssl enc -aes-128-ecb -nopad` command line from the byte layouts of eid-computation.md
    # (identity key 000102…0f), so they do not depend on the code under test nor on `cryptography`.
    assert temporary_key(KEY, t).hex() == expected_tk
    assert eid(KEY, k, t).hex() == expected_eid
    assert eid_from_temporary_key(bytes.fromhex(expected_tk), k, t).hex() == expected_eid


@given(keys, ks, st.integers(min_value=-(2**40), max_value=2**40))
def test_eid_matches_the_reference_computation(identity_key: bytes, k: int, t: int) -> None:
    assert eid(identity_key, k, t) == reference_eid(identity_key, k, t)


@given(keys, ks, times)
def test_the_counter_is_unix_time_mod_2_32(identity_key: bytes, k: int, t: int) -> None:
    assert eid(identity_key, k, t) == eid(identity_key, k, t + 2**32)
    assert time_counter(t + 2**32 + 0.75) == t


@given(keys, ks, st.integers(min_value=1, max_value=2**16))
def test_eid_changes_exactly_at_window_boundaries(identity_key: bytes, k: int, n: int) -> None:
    period = 2**k
    start = n * period  # some window start, away from 0 and the wrap
    inside = {eid(identity_key, k, t) for t in (start, start + period // 2, start + period - 1)}
    assert len(inside) == 1
    current = inside.pop()
    assert eid(identity_key, k, start - 1) != current
    assert eid(identity_key, k, start + period) != current
    assert window_start(k, start + period - 1) == start
    assert window_index(k, start + period - 1) == start >> k
    assert window_index(k, start + period) == (start >> k) + 1


@given(keys, keys, ks, times)
def test_different_keys_give_different_eids(key_a: bytes, key_b: bytes, k: int, t: int) -> None:
    if key_a != key_b:
        assert eid(key_a, k, t) != eid(key_b, k, t)


@given(keys, ks, ks, times)
def test_different_exponents_give_different_eids(identity_key: bytes, k_a: int, k_b: int, t: int) -> None:
    if k_a != k_b:
        assert eid(identity_key, k_a, t) != eid(identity_key, k_b, t)


def test_the_temporary_key_changes_once_per_epoch() -> None:
    assert temporary_key(KEY, 65536) == temporary_key(KEY, 65536 + 65535)
    assert temporary_key(KEY, 65535) != temporary_key(KEY, 65536)
    assert epoch_of(2**32 + 65536) == 1


@pytest.mark.parametrize("bad", [b"", bytes(15), bytes(17), "00" * 16, bytearray(16)])
def test_a_bad_identity_key_is_named(bad: object) -> None:
    with pytest.raises(ValueError, match="identity_key"):
        eid(bad, 10, T0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="identity_key"):
        EidResolver().enroll("d", bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", [-1, 16, 10.0, True, None])
def test_a_bad_exponent_is_named(bad: object) -> None:
    with pytest.raises(ValueError, match=r"^k "):
        eid(KEY, bad, T0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"^k "):
        EidResolver().enroll("d", KEY, bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"^k "):
        window_start(bad, T0)  # type: ignore[arg-type]


def test_a_bad_time_is_named() -> None:
    with pytest.raises(ValueError, match=r"^t "):
        eid(KEY, 10, float(T0))  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", [math.nan, math.inf, "1700000000", None])
def test_a_bad_resolver_time_is_named(bad: object) -> None:
    resolver = EidResolver()
    resolver.enroll("member-1", KEY)
    with pytest.raises(ValueError, match=r"^t "):
        resolver.resolve(eid(KEY, 10, T0), bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"^t "):
        resolver.rebuild(bad)  # type: ignore[arg-type]


def test_errors_never_quote_the_key() -> None:
    with pytest.raises(ValueError, match="identity_key") as info:
        eid(KEY[:15], 10, T0)
    assert KEY[:15].hex() not in str(info.value)


# --- the resolver: windows, drift, switch moment -------------------------------------------------------------


def test_tolerance_reach() -> None:
    tolerance = Tolerance()
    assert tolerance.drift_s == pytest.approx(150e-6 * 86_400)
    assert [tolerance.reach(k) for k in (15, 10, 5, 4)] == [1, 1, 1, 1]  # previous, current and next
    assert tolerance.reach(3) == 2  # 8-second windows: 13 s of drift is two windows away
    assert tolerance.reach(0) == math.ceil(DRIFT_BUDGET_S + 0.1)
    assert Tolerance(drift_s=0, switch_fraction=0).reach(0) == 1
    with pytest.raises(ValueError, match="drift_s"):
        Tolerance(drift_s=-1)
    with pytest.raises(ValueError, match="switch_fraction"):
        Tolerance(switch_fraction=math.nan)


@pytest.mark.parametrize("k", [4, 10, 15])
def test_previous_current_and_next_windows_resolve(k: int) -> None:
    resolver = EidResolver()
    resolver.enroll("member-1", KEY, k)
    period = 2**k
    for t in (T0, window_start(k, T0), window_start(k, T0) + period - 1):
        for offset in (-period, 0, period):
            assert resolver.resolve(eid(KEY, k, t + offset), t) == "member-1"
        for offset in (-2 * period, 2 * period):
            assert resolver.resolve(eid(KEY, k, t + offset), t) is None


@settings(max_examples=300)
@given(
    identity_key=keys,
    k=ks,
    t=st.integers(min_value=2**20, max_value=2**32 + 2**20),
    ppm=st.floats(min_value=-150, max_value=150),
    since_sync_s=st.floats(min_value=0, max_value=86_400),
    switch=st.floats(min_value=-0.1, max_value=0.1),
)
def test_a_drifting_phone_that_switches_off_the_boundary_resolves(
    identity_key: bytes, k: int, t: int, ppm: float, since_sync_s: float, switch: float
) -> None:
    # The phone's clock drifted by up to ±150 ppm over up to a day since it last took network time, and it
    # switches to each new EID up to 10% of a window early or late: the EID it advertises at hub time `t` is
    # the one of its own time shifted by that much.
    phone_t = t + ppm * 1e-6 * since_sync_s - switch * 2**k
    resolver = EidResolver()
    resolver.enroll("member-1", identity_key, k)
    assert resolver.resolve(eid(identity_key, k, math.floor(phone_t)), t) == "member-1"


def test_rotation_across_many_boundaries() -> None:
    resolver = EidResolver()
    resolver.enroll("member-1", KEY)
    for t in range(T0, T0 + 5 * 2**16, 97):  # five epochs, a step that lands on every phase of the window
        assert resolver.resolve(eid(KEY, 10, t), t) == "member-1"
        assert resolver.resolve(eid(KEY, 10, t + 1024), t) == "member-1"
        assert resolver.resolve(eid(KEY, 10, t - 1024), t) == "member-1"
    assert resolver.stats.rebuilds == 1


def test_the_table_wraps_with_the_counter() -> None:
    resolver = EidResolver()
    resolver.enroll("member-1", KEY)
    assert resolver.resolve(eid(KEY, 10, 0), 2**32 - 1) == "member-1"  # the next window's counter is 0
    assert resolver.resolve(eid(KEY, 10, 2**32 - 1), 2**32 + 5) == "member-1"


# --- the resolver: lookups, membership, privacy --------------------------------------------------------------


def test_unknown_eids_resolve_to_none_and_are_not_kept() -> None:
    resolver = EidResolver()
    resolver.enroll("member-1", KEY)
    resolver.advance(T0)
    before = resolver.table()
    stranger = eid(bytes(16), 10, T0)
    assert resolver.resolve(stranger, T0) is None
    assert resolver.resolve("eid:" + stranger.hex(), T0) is None
    assert resolver.table() == before
    assert stranger not in before
    assert resolver.stats.misses == 2
    assert stranger.hex() not in repr(resolver.stats)


def test_the_wire_id_form() -> None:
    resolver = EidResolver()
    resolver.enroll("member-1", KEY)
    assert resolver.resolve("eid:" + eid(KEY, 10, T0).hex(), T0) == "member-1"
    assert resolver.resolve(bytearray(eid(KEY, 10, T0)), T0) == "member-1"  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "bad",
    [b"", bytes(7), bytes(9), "eid:", "eid:" + "0" * 15, "eid:" + "0" * 17, "eid:" + "A" * 16, "eid:" + "g" * 16,
     "eid:00 0000000000000", "ib:" + "0" * 16, "0" * 16, 12345678],
)  # fmt: skip
def test_a_malformed_eid_is_named(bad: object) -> None:
    with pytest.raises(ValueError, match=r"^eid "):
        EidResolver().resolve(bad, T0)  # type: ignore[arg-type]


def test_remove_makes_the_eids_unresolvable() -> None:
    resolver = EidResolver()
    resolver.enroll("member-1", KEY)
    resolver.enroll("member-2", bytes(16))
    assert resolver.resolve(eid(KEY, 10, T0), T0) == "member-1"
    assert resolver.remove("member-1") is True
    assert resolver.remove("member-1") is False
    assert "member-1" not in resolver
    assert len(resolver) == 1
    for offset in (-1024, 0, 1024):
        assert resolver.resolve(eid(KEY, 10, T0 + offset), T0) is None
    assert set(resolver.table().values()) == {"member-2"}
    assert resolver.resolve(eid(KEY, 10, T0 + 4096), T0 + 4096) is None  # and stays so as time passes


def test_enrolling_while_running() -> None:
    resolver = EidResolver()
    resolver.enroll("member-1", KEY)
    resolver.advance(T0)
    resolver.enroll("member-2", bytes(16), 12)  # a new K while the table runs
    assert resolver.resolve(eid(bytes(16), 12, T0), T0) == "member-2"
    resolver.enroll("member-1", bytes([7] * 16), 8)  # re-enrolled: the new key and K replace the old
    assert len(resolver) == 2
    assert resolver.resolve(eid(KEY, 10, T0), T0) is None
    assert resolver.resolve(eid(bytes([7] * 16), 8, T0), T0) == "member-1"
    assert resolver.stats.rebuilds == 1
    with pytest.raises(ValueError, match="device_id"):
        resolver.enroll("", KEY)


def test_a_collision_resolves_to_none_and_is_counted() -> None:
    # Two device ids with the same identity key (a duplicated enrollment) share every EID: the only realistic
    # collision. An EID shared by two devices is ambiguous, so it resolves to no one.
    resolver = EidResolver()
    resolver.enroll("member-1", KEY)
    resolver.enroll("member-2", KEY)
    resolver.enroll("member-3", KEY, 11)  # the same key with another K: different EIDs
    assert resolver.resolve(eid(KEY, 10, T0), T0) is None
    assert resolver.resolve(eid(KEY, 11, T0), T0) == "member-3"
    stats = resolver.stats
    assert (stats.shared_eids, stats.collided_lookups) == (3, 1)
    assert resolver.resolve(eid(KEY, 10, T0 + 1024), T0 + 1024) is None  # still shared after a rotation
    resolver.remove("member-1")
    assert resolver.resolve(eid(KEY, 10, T0 + 1024), T0 + 1024) == "member-2"
    assert resolver.stats.shared_eids == 0


def test_identity_keys_stay_out_of_reprs() -> None:
    resolver = EidResolver()
    resolver.enroll("member-1", KEY)
    resolver.advance(T0)
    device = resolver._devices["member-1"]
    assert KEY.hex() not in repr(device)
    assert repr(KEY) not in repr(device)


# --- the resolver: time going backwards and forwards ---------------------------------------------------------


def test_a_wall_clock_jump_backwards_rebuilds() -> None:
    resolver = EidResolver()
    resolver.enroll("member-1", KEY)
    resolver.advance(T0)
    earlier = T0 - 86_400
    assert resolver.resolve(eid(KEY, 10, earlier), earlier) == "member-1"
    assert resolver.resolve(eid(KEY, 10, T0), earlier) is None
    assert resolver.stats.rebuilds == 2
    assert resolver.now == earlier


def test_a_late_sighting_does_not_move_the_table_back() -> None:
    # Gateways' batches arrive a few seconds out of order: the table stays, and the window before still resolves.
    resolver = EidResolver(backstep_tolerance_s=60)
    resolver.enroll("member-1", KEY)
    boundary = window_start(10, T0) + 1024
    resolver.advance(boundary + 1)
    late = boundary - 5
    assert resolver.resolve(eid(KEY, 10, late), late) == "member-1"
    assert resolver.now == boundary + 1
    assert resolver.stats.rebuilds == 1


def test_a_wall_clock_jump_forwards_recomputes_only_what_changed() -> None:
    resolver = EidResolver()
    resolver.enroll("member-1", KEY)
    resolver.advance(T0)
    later = T0 + 30 * 86_400
    assert resolver.resolve(eid(KEY, 10, later), later) == "member-1"
    assert resolver.resolve(eid(KEY, 10, T0), later) is None
    assert resolver.stats.rebuilds == 1
    assert resolver.table() == _rebuilt(resolver).table()


def test_advancing_rotates_only_the_devices_whose_window_changed() -> None:
    resolver = EidResolver()
    for i in range(10):
        resolver.enroll(f"k10-{i}", bytes([i]) * 16, 10)
        resolver.enroll(f"k12-{i}", bytes([100 + i]) * 16, 12)
    start = window_start(12, T0) + 2048  # half-way through a K = 12 window, at a K = 10 boundary
    resolver.advance(start - 1)
    before = resolver.stats
    resolver.advance(start)  # the K = 10 devices rotate, the K = 12 ones do not
    after = resolver.stats
    assert after.rotations - before.rotations == 10
    assert after.eids_computed - before.eids_computed == 10
    assert after.temporary_keys_computed == before.temporary_keys_computed  # cached for the epoch
    resolver.advance(start + 100)  # inside the same windows: nothing to do
    assert resolver.stats.eids_computed == after.eids_computed


def test_a_rebuild_reports_its_cost() -> None:
    resolver = EidResolver()
    for i in range(20):
        resolver.enroll(f"member-{i}", bytes([i]) * 16, 10 if i % 2 else 3)
    cost = resolver.rebuild(T0)
    assert cost.devices == 20
    assert cost.eids == 10 * 3 + 10 * (2 * resolver.reach(3) + 1)
    assert cost.temporary_keys >= 20
    assert cost.seconds >= 0
    again = resolver.rebuild(T0)
    assert again.temporary_keys == 0  # the temporary keys of this epoch are cached
    assert resolver.stats.last_rebuild == again


def _rebuilt(resolver: EidResolver) -> EidResolver:
    """A fresh resolver with the same devices, rebuilt at `resolver`'s time."""
    fresh = EidResolver(tolerance=resolver.tolerance, backstep_tolerance_s=resolver.backstep_tolerance_s)
    for device in resolver._devices.values():
        fresh.enroll(device.device_id, device.identity_key, device.k)
    assert resolver.now is not None
    fresh.rebuild(resolver.now)
    return fresh


_steps = st.one_of(
    st.integers(min_value=0, max_value=3 * 2**10),  # within and across windows
    st.integers(min_value=0, max_value=2**17),  # across epochs and long gaps
    st.integers(min_value=-90, max_value=0),  # late sightings, and jumps back past the tolerance
    st.integers(min_value=-(2**17), max_value=0),  # wall-clock jumps back
)


@settings(max_examples=60, deadline=None)
@given(
    devices=st.lists(st.tuples(st.integers(0, 7), ks), min_size=1, max_size=30),
    steps=st.lists(st.tuples(_steps, st.integers(0, 20)), min_size=1, max_size=25),
    start=st.integers(min_value=0, max_value=2**32 - 1),
)
def test_incremental_advancing_gives_the_table_of_a_full_rebuild(
    devices: list[tuple[int, int]], steps: list[tuple[int, int]], start: int
) -> None:
    # Mixed K, some devices sharing a key (collisions), enrollments and removals while time moves on: at every
    # step the incrementally kept table is the one a rebuild at the same time gives.
    resolver = EidResolver()
    for i, (key_byte, k) in enumerate(devices):
        resolver.enroll(f"d{i}", bytes([key_byte]) * 16, k)
    t = start
    resolver.advance(t)
    for step, churn in steps:
        t += step
        resolver.advance(t)
        if churn == 0 and len(resolver):
            resolver.remove(next(iter(resolver._devices)))
        elif churn == 1:
            resolver.enroll(f"new{t}", bytes([churn + 8 + step % 3]) * 16, step % 16)
        fresh = _rebuilt(resolver)
        assert resolver.table() == fresh.table()
        assert resolver._table == fresh._table
        assert {e: sorted(h) for e, h in resolver._shared.items()} == {e: sorted(h) for e, h in fresh._shared.items()}


# --- the benchmark -------------------------------------------------------------------------------------------


def test_the_benchmark_runs_and_its_checks_pass() -> None:
    result = subprocess.run(
        [sys.executable, "bench/eid_resolver.py", "--sizes", "200,500", "--lookups", "2000"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "rebuild" in result.stdout


def test_every_public_function_and_class_is_documented() -> None:
    doc = (REPO / "docs" / "identity.md").read_text(encoding="utf-8")
    public = [name for name in edge.identity.__all__ if callable(getattr(edge.identity, name))]
    assert [name for name in public if f"`{name}" not in doc] == []


def test_the_package_imports_no_web_framework_and_no_ble_library() -> None:
    banned = ("flask", "bleak", "paho", "dbus_fast")
    code = f"import sys, edge.identity; print(sorted(m for m in {banned!r} if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
