"""Opening the hub database, and the two ways of touching it: `transaction` (writes) and `reading` (reads).

Threads. Two ways are safe, and may be mixed:

* One connection shared by several threads: `open_database` makes it usable from any thread, and a re-entrant
  lock, held by `transaction` and `reading`, lets one thread at a time use it. Simple, and the only way for
  ``":memory:"``; a store hub's load (a few writes a second) hardly ever waits for the lock.
* One connection per thread or per request (`open_database` again; opening an up-to-date database takes no
  write lock): WAL lets readers work while one writer writes, and ``BEGIN IMMEDIATE`` with the busy timeout
  makes writers of different connections queue instead of failing half-way.

The rule: every statement runs inside ``transaction(db)`` or ``reading(db)``; the repositories do this for
every method, and a caller wraps several repository calls in one ``transaction(db)`` to make them atomic (a
campaign decision and its outbox row). An inner ``transaction`` is a SAVEPOINT: its failure undoes only its own
part when the caller catches the error, and the outer one decides whether everything is committed.
"""

from __future__ import annotations

import itertools
import sqlite3
import threading
import weakref
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Final

import sqlite_utils

from edge.hub.db.errors import StorageError

BUSY_TIMEOUT_MS: Final = 5000  # another process (a backup) holding the write lock: wait this long, then fail

Params = Sequence[Any] | dict[str, Any]


class HubDatabase(sqlite_utils.Database):
    """A `sqlite_utils.Database` whose connection may be used from several threads, one at a time, under `lock`."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        super().__init__(conn, execute_plugins=False)
        self.lock = threading.RLock()


# A plain `sqlite_utils.Database` (a caller's own) gets a lock too, so `transaction` works with any database.
_other_locks: weakref.WeakKeyDictionary[sqlite_utils.Database, threading.RLock] = weakref.WeakKeyDictionary()
_other_locks_guard = threading.Lock()
_savepoints = itertools.count(1)


def lock_of(db: sqlite_utils.Database) -> threading.RLock:
    """The lock that serializes use of `db`'s connection."""
    if isinstance(db, HubDatabase):
        return db.lock
    with _other_locks_guard:
        lock = _other_locks.get(db)
        if lock is None:
            lock = _other_locks[db] = threading.RLock()
        return lock


def open_database(path: str | Path, *, busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> HubDatabase:
    """Open (or create) the hub database at `path` (``":memory:"`` for a private in-memory one) and migrate it.

    WAL journal, foreign keys on, ``synchronous=FULL`` (a committed notification decision survives a power cut),
    ``secure_delete`` on (erased personal data is overwritten, not left in free pages), a busy timeout for other
    processes. Raises `StorageError` when the file cannot be opened, is not a Corsia database or is newer than
    this code (`SchemaTooNew`).
    """
    from edge.hub.db.migrations import migrate  # migrations use `transaction` from this module

    name = str(path)
    try:
        if name != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: no implicit BEGIN from the driver; `transaction` says where transactions are.
        conn = sqlite3.connect(name, check_same_thread=False, isolation_level=None, timeout=busy_timeout_ms / 1000)
    except (sqlite3.Error, OSError) as exc:
        raise StorageError(f"cannot open the hub database {name}: {exc}") from exc
    try:
        db = HubDatabase(conn)
        with reading(db):
            conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = FULL")
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA secure_delete = ON")
        migrate(db)
    except StorageError as exc:
        conn.close()
        if type(exc) is StorageError:  # SQLite's own error: say which file (the subclasses say what is wrong)
            raise StorageError(f"cannot open the hub database {name}: {exc}") from exc
        raise
    except sqlite3.Error as exc:
        conn.close()
        raise StorageError(f"cannot open the hub database {name}: {exc}") from exc
    return db


@contextmanager
def transaction(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """A write transaction: ``BEGIN IMMEDIATE`` ... ``COMMIT``, or ``ROLLBACK`` when the block raises.

    Nestable: inside another transaction (of this thread) it is a SAVEPOINT, rolled back alone when its block
    raises. Holds the database's lock for its whole duration, so other threads wait at their own `transaction`
    or `reading` instead of mixing their statements into this one. SQLite's own errors (a constraint, a disk
    full, a lock held by another process past the busy timeout) come out as `StorageError`.
    """
    conn = db.conn
    with lock_of(db), _as_storage_errors():
        if conn.in_transaction:
            name = f"corsia_sp{next(_savepoints)}"
            conn.execute(f"SAVEPOINT {name}")
            try:
                yield db
            except BaseException:
                if conn.in_transaction:  # some errors end the whole transaction, savepoints included
                    conn.execute(f"ROLLBACK TO {name}")
                    conn.execute(f"RELEASE {name}")
                raise
            conn.execute(f"RELEASE {name}")
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield db
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise


@contextmanager
def reading(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """Hold the database's lock while reading (no transaction of its own; inside a `transaction` it joins it)."""
    with lock_of(db), _as_storage_errors():
        yield db


@contextmanager
def _as_storage_errors() -> Iterator[None]:
    try:
        yield
    except sqlite3.Error as exc:  # messages name tables and columns, never the values
        raise StorageError(f"database error: {type(exc).__name__}: {exc}") from exc


def fetch_all(db: sqlite_utils.Database, sql: str, params: Params = ()) -> list[dict[str, Any]]:
    """Every row of a query as dicts, read under the lock (never a lazy cursor that outlives it)."""
    with reading(db):
        return list(db.query(sql, params))


def fetch_one(db: sqlite_utils.Database, sql: str, params: Params = ()) -> dict[str, Any] | None:
    """The first row of a query, or None."""
    with reading(db):
        cursor = db.execute(sql, params)
        row = cursor.fetchone()
        if row is None:
            return None
        return dict(zip((d[0] for d in cursor.description), row, strict=True))


def fetch_value(db: sqlite_utils.Database, sql: str, params: Params = ()) -> Any:
    """The first column of the first row of a query, or None when there is no row."""
    with reading(db):
        row = db.execute(sql, params).fetchone()
    return None if row is None else row[0]
