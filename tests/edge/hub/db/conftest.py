"""Fixtures of the storage tests: a migrated database in a temporary file, a clock the test moves, members."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from edge.hub.db import HubDatabase, Member, Members, NewMember, SecretBox, open_database

START = 1_700_000_000.0


class FakeClock:
    """A clock that stands still until the test moves it."""

    def __init__(self, t: float = START) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> float:
        self.t += seconds
        return self.t


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "var" / "hub.db"


@pytest.fixture
def db(db_path: Path) -> Iterator[HubDatabase]:
    """A migrated hub database in a temporary file (WAL and fsync as in production)."""
    database = open_database(db_path)
    yield database
    database.close()


@pytest.fixture
def memory_db() -> Iterator[HubDatabase]:
    """A migrated in-memory hub database."""
    database = open_database(":memory:")
    yield database
    database.close()


@pytest.fixture
def box() -> SecretBox:
    return SecretBox(bytes(range(32)))


@pytest.fixture
def members(db: HubDatabase, clock: FakeClock) -> Members:
    return Members(db, clock)


_counter = iter(range(10**6))


def signup(**overrides: Any) -> NewMember:
    """A valid sign-up with a unique email; `overrides` replace any field."""
    n = next(_counter)
    fields: dict[str, Any] = {
        "first_name": "Giulia",
        "last_name": "Rossi",
        "email": f"giulia.rossi{n}@example.it",
        "language": "it",
        "source": "kiosk",
        "consents": {"service": True, "marketing": True, "profiling": False, "proximity": True},
        "policy_version": "2024-05",
    }
    fields.update(overrides)
    return NewMember(**fields)


@pytest.fixture
def make_member(members: Members) -> Callable[..., Member]:
    """Sign a member up: ``make_member(phone="333 123 4567", consents={...})``."""

    def make(**overrides: Any) -> Member:
        return members.create(signup(**overrides))

    return make


@pytest.fixture
def new_member() -> Callable[..., NewMember]:
    """Make a valid `NewMember` (a unique email each time); keyword arguments replace fields."""
    return signup
