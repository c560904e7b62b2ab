"""Eddystone-EID identities: the EID a phone advertises, and the hub's resolver from EIDs to enrolled devices.

    >>> from edge.identity import eid
    >>> key = bytes.fromhex("0102030405060708090a111213141516")
    >>> eid(key, 10, 0).hex()
    'a9b76a71c5f89290'

Pure computation on bytes and numbers (AES from ``cryptography``): no web framework, no BLE library, no I/O.
See ``docs/identity.md``.
"""

from edge.identity.eid import (
    DEFAULT_K,
    EID_BYTES,
    KEY_BYTES,
    MAX_K,
    eid,
    eid_from_temporary_key,
    epoch_of,
    temporary_key,
    time_counter,
    window_index,
    window_start,
)
from edge.identity.resolver import BACKSTEP_TOLERANCE_S, EidResolver, RebuildCost, ResolverStats
from edge.identity.tolerance import DRIFT_BUDGET_S, DRIFT_PPM, RESYNC_INTERVAL_S, SWITCH_FRACTION, Tolerance

__all__ = [
    "BACKSTEP_TOLERANCE_S",
    "DEFAULT_K",
    "DRIFT_BUDGET_S",
    "DRIFT_PPM",
    "EID_BYTES",
    "KEY_BYTES",
    "MAX_K",
    "RESYNC_INTERVAL_S",
    "SWITCH_FRACTION",
    "EidResolver",
    "RebuildCost",
    "ResolverStats",
    "Tolerance",
    "eid",
    "eid_from_temporary_key",
    "epoch_of",
    "temporary_key",
    "time_counter",
    "window_index",
    "window_start",
]
