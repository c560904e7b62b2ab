"""The storage layer's errors: one root, `StorageError`, and subclasses that carry what a caller needs.

Messages never quote personal data, tokens or keys: they name fields, ids the hub made up, and reasons.
"""

from __future__ import annotations

from collections.abc import Mapping

from edge.errors import CorsiaError


class StorageError(CorsiaError):
    """The hub database cannot do what was asked (cannot be opened, is of another version, refuses a record)."""


class SchemaTooNew(StorageError):
    """The database was written by a newer Corsia: this code knows schema versions up to `supported` only."""

    def __init__(self, found: int, supported: int) -> None:
        self.found = found
        self.supported = supported
        super().__init__(
            f"the hub database has schema version {found}, this Corsia knows up to {supported}: "
            "upgrade Corsia (a database is never migrated backwards)"
        )


class NotCorsiaDatabase(StorageError):
    """The file holds tables but no Corsia schema version: it is some other program's database."""


class InvalidRecord(StorageError):
    """A value that cannot be stored: `field` names it, `reason` is a short code (``empty``, ``invalid``, ...)."""

    def __init__(self, field: str, reason: str, detail: str = "") -> None:
        self.field = field
        self.reason = reason
        super().__init__(f"{field}: {reason}" + (f" ({detail})" if detail else ""))


class UnknownPurpose(InvalidRecord):
    """A consent purpose that is not one of `edge.hub.db.consents.PURPOSES`."""

    def __init__(self, purpose: str) -> None:
        self.purpose = purpose
        super().__init__(f"consents.{purpose}", "unknown_purpose")


class NotFound(StorageError):
    """No `what` (``member``, ``order``, ...) has the id `key`."""

    def __init__(self, what: str, key: str) -> None:
        self.what = what
        self.key = key
        super().__init__(f"no {what} {key!r}")


class DuplicateMember(StorageError):
    """Some of the submitted contact fields already belong to a member.

    `fields` maps each clashing field that was submitted (``email``, ``phone``, ``card``) to ``"taken"``; it says
    nothing about the other member, not even which one it is.
    """

    def __init__(self, fields: Mapping[str, str]) -> None:
        self.fields = dict(fields)
        super().__init__("already registered: " + ", ".join(sorted(self.fields)))


class TokenUnknown(StorageError):
    """No enrollment token like this was ever issued (or its member was erased)."""

    def __init__(self) -> None:
        super().__init__("unknown enrollment token")


class TokenGone(StorageError):
    """The enrollment token was valid once: `reason` is ``used`` or ``expired``."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(f"enrollment token {reason}")


class SealError(StorageError):
    """A sealed secret does not open: wrong key, wrong context, or damaged bytes."""


class KeyFileError(StorageError):
    """The at-rest key file `path` cannot be read or made, or is malformed (`reason`)."""

    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"{path}: {reason}")


class CatalogImportError(StorageError):
    """A catalog import row is wrong; nothing of the import was stored.

    `row` is the line number in a CSV file (the header is line 1) or the 1-based position in a JSON list;
    `field` the column (CSV) or ``products.price``-style path (JSON); `reason` what is wrong.
    """

    def __init__(self, row: int, field: str, reason: str) -> None:
        self.row = row
        self.field = field
        self.reason = reason
        super().__init__(f"row {row}: {field}: {reason}")


class UnknownProduct(StorageError):
    """A SKU that is not in the catalog."""

    def __init__(self, sku: str) -> None:
        self.sku = sku
        super().__init__(f"unknown product {sku!r}")


class DuplicateOrder(StorageError):
    """A pickup order with this id is already stored."""

    def __init__(self, order_id: str) -> None:
        self.order_id = order_id
        super().__init__(f"pickup order {order_id!r} already exists")


class InvalidTransition(StorageError):
    """A pickup order cannot go from `current` to `requested` (a collected order is not made ready again)."""

    def __init__(self, order_id: str, current: str, requested: str) -> None:
        self.order_id = order_id
        self.current = current
        self.requested = requested
        super().__init__(f"pickup order {order_id!r}: {current} -> {requested} is not allowed")
