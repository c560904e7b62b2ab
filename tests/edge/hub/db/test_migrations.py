"""Schema migrations: versioned, forward only, idempotent; a newer or a foreign database is refused."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import sqlite_utils

from edge.hub.db import (
    MIGRATIONS,
    Migration,
    NotCorsiaDatabase,
    SchemaTooNew,
    StorageError,
    latest_version,
    migrate,
    open_database,
    schema_version,
)


def test_a_new_database_is_at_the_latest_version(db_path: Path) -> None:
    db = open_database(db_path)
    assert schema_version(db) == latest_version() == MIGRATIONS[-1].version
    rows = list(db.query("SELECT version, name FROM schema_version ORDER BY version"))
    assert [r["version"] for r in rows] == [m.version for m in MIGRATIONS]
    db.close()


def test_migrating_twice_changes_nothing(db_path: Path) -> None:
    db = open_database(db_path)
    db.execute("INSERT INTO products (sku, name, category, price, updated) VALUES ('A1', 'a', 'c', 1, 0)")
    before = list(db.query("SELECT * FROM schema_version"))
    assert migrate(db) == latest_version()
    db.close()
    again = open_database(db_path)
    assert list(again.query("SELECT * FROM schema_version")) == before
    assert again.execute("SELECT COUNT(*) FROM products").fetchone()[0] == 1
    again.close()


def test_a_later_migration_applies_only_what_is_pending(db_path: Path) -> None:
    db = open_database(db_path)
    db.execute("INSERT INTO products (sku, name, category, price, updated) VALUES ('A1', 'a', 'c', 1, 0)")
    calls: list[int] = []

    def add_brand(database: sqlite_utils.Database) -> None:
        calls.append(1)
        database.execute("ALTER TABLE products ADD COLUMN brand TEXT")

    newer = (*MIGRATIONS, Migration(len(MIGRATIONS) + 1, "product brand", add_brand))
    assert migrate(db, newer) == len(newer)
    assert migrate(db, newer) == len(newer)
    assert calls == [1]
    assert "brand" in db["products"].columns_dict
    assert db.execute("SELECT sku, brand FROM products").fetchall() == [("A1", None)]
    db.close()


def test_a_failing_migration_leaves_the_database_as_it_was(db_path: Path) -> None:
    db = open_database(db_path)

    def broken(database: sqlite_utils.Database) -> None:
        database.execute("CREATE TABLE half_done (x)")
        database.execute("THIS IS NOT SQL")

    broken_version = len(MIGRATIONS) + 1
    with pytest.raises(StorageError, match=f"migration {broken_version}"):
        migrate(db, (*MIGRATIONS, Migration(broken_version, "broken", broken)))
    assert schema_version(db) == len(MIGRATIONS)
    assert "half_done" not in db.table_names()
    db.close()


def test_a_newer_database_is_refused(db_path: Path) -> None:
    db = open_database(db_path)
    db.execute("INSERT INTO schema_version (version, name, applied_at) VALUES (99, 'from the future', 0)")
    db.close()
    with pytest.raises(SchemaTooNew) as caught:
        open_database(db_path)
    assert (caught.value.found, caught.value.supported) == (99, latest_version())
    assert "upgrade Corsia" in str(caught.value)


def test_another_programs_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE photos (id INTEGER PRIMARY KEY)")
    conn.close()
    with pytest.raises(NotCorsiaDatabase, match="photos"):
        open_database(path)


def test_migration_versions_must_count_from_one(db_path: Path) -> None:
    db = open_database(db_path)
    with pytest.raises(ValueError, match="1, 2, 3"):
        migrate(db, (MIGRATIONS[0], Migration(3, "skips two", lambda _db: None)))
    db.close()
