"""The store hub's system of record: SQLite through sqlite-utils, one repository class per kind of record.

    >>> from edge.hub.db import Members, NewMember, Outbox, Notification, open_database, transaction
    >>> db = open_database(":memory:")
    >>> members = Members(db)
    >>> giulia = members.create(NewMember(
    ...     first_name="Giulia", last_name="Rossi", email="Giulia.Rossi@example.it", phone="333 123 4567",
    ...     consents={"service": True, "marketing": True}, policy_version="2024-05", source="kiosk"))
    >>> giulia.email, giulia.phone, giulia.member_number.startswith("29")
    ('giulia.rossi@example.it', '+393331234567', True)
    >>> with transaction(db):  # several repositories, one atomic write
    ...     Outbox(db).enqueue(Notification(idempotency_key="welcome:" + giulia.member_id, channel="webpush",
    ...         kind="service", payload={"title": "Benvenuta"}, member_id=giulia.member_id)) is not None
    True

Every repository is made with ``(db, clock=time.time)`` (`Devices` also takes a `SecretBox`) and is safe to
share between threads. Tables, retention, erasure, encryption at rest and the transaction rule:
``docs/hub-storage.md``.
"""

from edge.hub.db.campaigns import CampaignStore
from edge.hub.db.catalog import Catalog, ImportResult
from edge.hub.db.catalog_import import Location, Product
from edge.hub.db.consents import PURPOSES, SOURCES, ConsentChange, Consents, ConsentState, Purpose, Source
from edge.hub.db.database import HubDatabase, open_database, reading, transaction
from edge.hub.db.devices import PLATFORMS, Device, Devices, Enrollment, Platform
from edge.hub.db.errors import (
    CatalogImportError,
    DuplicateMember,
    DuplicateOrder,
    InvalidRecord,
    InvalidTransition,
    KeyFileError,
    NotCorsiaDatabase,
    NotFound,
    SchemaTooNew,
    SealError,
    StorageError,
    TokenGone,
    TokenUnknown,
    UnknownProduct,
    UnknownPurpose,
)
from edge.hub.db.feedback import Feedback, FeedbackAnswer
from edge.hub.db.ids import ean13_check_digit, is_ean13
from edge.hub.db.journeys import Journeys, Visit
from edge.hub.db.ledger import Coupon, CouponRefused, Ledger, LedgerEntry, LegacyImport, Redemption
from edge.hub.db.members import Member, Members, NewMember
from edge.hub.db.migrations import MIGRATIONS, Migration, latest_version, migrate, schema_version
from edge.hub.db.orders import STATUSES, OrderLine, PickupOrder, PickupOrders
from edge.hub.db.outbox import CHANNELS, STATES, Notification, Outbox, OutboxRow
from edge.hub.db.preregistrations import PreRegistration, Preregistrations
from edge.hub.db.push import PushSubscription, PushSubscriptions
from edge.hub.db.receipts import ReceiptLine, Receipts, StoredReceipt
from edge.hub.db.retention import enforce_retention
from edge.hub.db.secretbox import SecretBox, load_or_create_key
from edge.hub.db.tags import BeaconTag, BeaconTags
from edge.hub.db.wishlist import Wishlists

__all__ = [
    "CHANNELS",
    "MIGRATIONS",
    "PLATFORMS",
    "PURPOSES",
    "SOURCES",
    "STATES",
    "STATUSES",
    "BeaconTag",
    "BeaconTags",
    "CampaignStore",
    "Catalog",
    "CatalogImportError",
    "ConsentChange",
    "ConsentState",
    "Consents",
    "Coupon",
    "CouponRefused",
    "Device",
    "Devices",
    "DuplicateMember",
    "DuplicateOrder",
    "Enrollment",
    "Feedback",
    "FeedbackAnswer",
    "HubDatabase",
    "ImportResult",
    "InvalidRecord",
    "InvalidTransition",
    "Journeys",
    "KeyFileError",
    "Ledger",
    "LedgerEntry",
    "LegacyImport",
    "Location",
    "Member",
    "Members",
    "Migration",
    "NewMember",
    "NotCorsiaDatabase",
    "NotFound",
    "Notification",
    "OrderLine",
    "Outbox",
    "OutboxRow",
    "PickupOrder",
    "PickupOrders",
    "Platform",
    "PreRegistration",
    "Preregistrations",
    "Product",
    "Purpose",
    "PushSubscription",
    "PushSubscriptions",
    "ReceiptLine",
    "Receipts",
    "Redemption",
    "SchemaTooNew",
    "SealError",
    "SecretBox",
    "Source",
    "StorageError",
    "StoredReceipt",
    "TokenGone",
    "TokenUnknown",
    "UnknownProduct",
    "UnknownPurpose",
    "Visit",
    "Wishlists",
    "ean13_check_digit",
    "enforce_retention",
    "is_ean13",
    "latest_version",
    "load_or_create_key",
    "migrate",
    "open_database",
    "reading",
    "schema_version",
    "transaction",
]
