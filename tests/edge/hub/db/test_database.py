"""Opening the database and the transaction rule: pragmas, commit and rollback, savepoints, atomic writes across
repositories, and use from several threads (one shared connection, or one connection each)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from edge.hub.db import HubDatabase, Members, NewMember, Notification, Outbox, StorageError, open_database, transaction
from edge.hub.db.database import fetch_value


def count(db: HubDatabase, table: str) -> int:
    return int(fetch_value(db, f"SELECT COUNT(*) FROM {table}"))


def add_product(db: HubDatabase, sku: str) -> None:
    db.execute("INSERT INTO products (sku, name, category, price, updated) VALUES (?, 'a', 'c', 1, 0)", [sku])


def add_then_fail(db: HubDatabase, sku: str, error: Exception) -> None:
    with transaction(db):
        add_product(db, sku)
        raise error


def test_open_creates_the_directory_and_sets_durable_pragmas(db_path: Path) -> None:
    db = open_database(db_path)
    assert db_path.is_file()
    pragmas = {name: db.execute(f"PRAGMA {name}").fetchone()[0] for name in (
        "journal_mode", "foreign_keys", "synchronous", "busy_timeout", "secure_delete")}  # fmt: skip
    assert pragmas == {
        "journal_mode": "wal",
        "foreign_keys": 1,
        "synchronous": 2,
        "busy_timeout": 5000,
        "secure_delete": 1,
    }
    db.close()


def test_memory_database_is_migrated(memory_db: HubDatabase) -> None:
    assert "members" in memory_db.table_names()
    assert count(memory_db, "members") == 0


def test_a_file_that_is_not_a_database_is_a_storage_error(tmp_path: Path) -> None:
    path = tmp_path / "hub.db"
    path.write_bytes(b"this is not SQLite at all" * 100)
    with pytest.raises(StorageError, match=r"hub\.db"):
        open_database(path)


def test_transaction_commits_and_rolls_back(db: HubDatabase) -> None:
    with transaction(db):
        add_product(db, "A1")
    with pytest.raises(RuntimeError):
        add_then_fail(db, "B2", RuntimeError("decided against it"))
    assert [r["sku"] for r in db.query("SELECT sku FROM products")] == ["A1"]
    assert not db.conn.in_transaction


def test_an_inner_transaction_is_a_savepoint(db: HubDatabase) -> None:
    with transaction(db):
        add_product(db, "A1")
        with pytest.raises(ValueError, match="inner"):
            add_then_fail(db, "B2", ValueError("inner"))
        assert db.conn.in_transaction  # the outer transaction goes on
    assert [r["sku"] for r in db.query("SELECT sku FROM products")] == ["A1"]


def test_rollback_spans_repositories(db: HubDatabase, new_member: Callable[..., NewMember]) -> None:
    members, outbox = Members(db), Outbox(db)

    def decide() -> None:
        with transaction(db):
            member = members.create(new_member())
            assert outbox.enqueue(Notification(
                idempotency_key="k1", channel="webpush", kind="marketing", payload={"title": "x"},
                member_id=member.member_id)) is not None  # fmt: skip
            raise RuntimeError("the push could not be rendered")

    with pytest.raises(RuntimeError, match="rendered"):
        decide()
    assert count(db, "members") == 0
    assert count(db, "consents") == 0
    assert count(db, "outbox") == 0


def test_a_shared_connection_serializes_threads(db: HubDatabase) -> None:
    """While one thread is inside a transaction, another thread's read waits, so it never sees half of it."""
    seen: list[int] = []
    with transaction(db):
        add_product(db, "A1")
        reader = threading.Thread(target=lambda: seen.append(count(db, "products")))
        reader.start()
        reader.join(0.2)
        assert reader.is_alive()  # waiting for the lock
        add_product(db, "B2")
    reader.join(5)
    assert seen == [2]


def _sign_up_many(db: HubDatabase, new_member: Callable[..., NewMember], n: int, errors: list[BaseException]) -> None:
    try:
        members, outbox = Members(db), Outbox(db)
        for i in range(n):
            with transaction(db):
                member = members.create(new_member())
                outbox.enqueue(Notification(
                    idempotency_key=f"welcome:{member.member_id}", channel="webpush", kind="service",
                    payload={"i": i}, member_id=member.member_id))  # fmt: skip
    except BaseException as exc:  # reported to the test thread
        errors.append(exc)


@pytest.mark.parametrize("shared", [True, False], ids=["shared-connection", "connection-per-thread"])
def test_two_threads_write_at_once(db_path: Path, new_member: Callable[..., NewMember], shared: bool) -> None:
    main = open_database(db_path)
    connections = [main, main] if shared else [open_database(db_path), open_database(db_path)]
    errors: list[BaseException] = []
    threads = [threading.Thread(target=_sign_up_many, args=(c, new_member, 15, errors)) for c in connections]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
    assert time.monotonic() - started < 60
    assert count(main, "members") == 30
    assert count(main, "outbox") == 30
    for connection in {id(c): c for c in [main, *connections]}.values():
        connection.close()


def test_sqlite_errors_come_out_as_storage_errors(db: HubDatabase) -> None:
    outbox = Outbox(db)
    with pytest.raises(StorageError, match="FOREIGN KEY") as caught:
        outbox.enqueue(Notification(
            idempotency_key="k", channel="webpush", kind="marketing", payload={}, member_id="m_nobody"))  # fmt: skip
    assert caught.value.__cause__ is not None
    assert not db.conn.in_transaction
    assert outbox.stats() == {"pending": 0, "sent": 0, "dead": 0}
