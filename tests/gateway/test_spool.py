"""The gateway spool: seq continues across restarts, nothing acknowledged is kept, bounds drop the oldest and
count it, a full disk is a counted drop and not a crash, a SIGKILL mid-write loses nothing committed."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

from gateway.spool import Spool, SpoolLimits
from tests.conftest import REPO


def payload(seq: int, size: int = 10) -> bytes:
    return f"batch-{seq}:".encode() + b"x" * size


def test_seq_is_allocated_in_order_and_continues_after_reopen(tmp_path: Path) -> None:
    path = tmp_path / "spool.db"
    spool = Spool(path)
    assert [spool.append(100.0, payload)[0] for _ in range(3)] == [1, 2, 3]  # type: ignore[index]
    spool.ack(2)
    spool.close()
    again = Spool(path)
    assert again.next_seq() == 4
    assert [seq for seq, _ in again.pending()] == [1, 3]
    assert again.append(101.0, payload) == (4, payload(4))
    assert len(again) == 3


def test_pending_pages_through_in_seq_order(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "s.db")
    for _ in range(25):
        spool.append(100.0, payload)
    first = spool.pending(limit=10)
    assert [s for s, _ in first] == list(range(1, 11))
    assert [s for s, _ in spool.pending(after_seq=10, limit=100)] == list(range(11, 26))
    assert first[0][1] == payload(1)


def test_ack_forgets_and_tracks_size(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "s.db")
    for _ in range(5):
        spool.append(100.0, payload)
    total = spool.size_bytes
    spool.ack(1)
    assert spool.size_bytes == total - len(payload(1))
    spool.ack(1)  # twice is harmless: a duplicate PUBACK after a reconnect
    assert len(spool) == 4


def test_size_bound_drops_the_oldest_and_counts_persistently(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    spool = Spool(path, SpoolLimits(max_bytes=1000, max_age_s=1e9))
    for _ in range(30):
        spool.append(100.0, lambda seq: payload(seq, 90))
    assert spool.size_bytes <= 1000
    kept = [s for s, _ in spool.pending(limit=1000)]
    assert kept == list(range(30 - len(kept) + 1, 31))  # the newest survive
    assert spool.dropped == 30 - len(kept)
    spool.close()
    assert Spool(path).dropped == 30 - len(kept)


def test_age_bound(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "s.db", SpoolLimits(max_age_s=60))
    spool.append(1000.0, payload)
    spool.append(1030.0, payload)
    spool.append(1070.0, payload)  # the first is now 70 s old
    assert [s for s, _ in spool.pending()] == [2, 3]
    assert spool.dropped == 1


def test_a_full_disk_is_a_counted_drop_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    spool = Spool(path)
    spool.append(100.0, payload)
    # SQLITE_FULL, exactly as a full disk reports it: no page may be added beyond the current ones.
    pages = spool._db.execute("PRAGMA page_count").fetchone()[0]
    spool._db.execute(f"PRAGMA max_page_count = {pages}")
    results = [spool.append(100.0, lambda seq: payload(seq, 5000)) for _ in range(5)]
    assert results == [None] * 5
    assert spool.write_errors == 5
    assert spool.dropped == 5
    assert [s for s, _ in spool.pending()] == [1]
    spool._db.execute("PRAGMA max_page_count = 1073741823")
    assert spool.append(100.0, payload) == (2, payload(2))  # seq did not advance for the failed writes


WRITER = """
import sys
from gateway.spool import Spool
spool = Spool(sys.argv[1])
print("ready", flush=True)
while True:
    seq, _ = spool.append(100.0, lambda s: b"p" * 200 + str(s).encode())
    if seq % 3 == 0:
        spool.ack(seq - 1)
    print(seq, flush=True)
"""


def test_sigkill_during_writes_loses_no_committed_batch(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    for _ in range(5):
        proc = subprocess.Popen([sys.executable, "-c", WRITER, str(path)], cwd=REPO, stdout=subprocess.PIPE, text=True)
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready"
        last = 0
        for _ in range(50):
            last = int(proc.stdout.readline())
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
        with sqlite3.connect(path) as db:
            assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        spool = Spool(path)
        assert spool.next_seq() > last  # every seq reported as written is committed and never reused
        seqs = [s for s, _ in spool.pending(limit=100_000)]
        assert seqs == sorted(seqs)
        assert last in seqs or (last % 3 == 2)  # the last one is kept unless the writer acknowledged it
        spool.close()


def test_ack_many_in_one_transaction(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "s.db")
    for _ in range(10):
        spool.append(100.0, payload)
    spool.ack_many([2, 3, 5, 99])
    assert [s for s, _ in spool.pending()] == [1, 4, 6, 7, 8, 9, 10]
    assert len(spool) == 7
    assert spool.size_bytes == sum(len(p) for _, p in spool.pending())
