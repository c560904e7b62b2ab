"""The Eddystone-EID value: google/eddystone ``eddystone-eid/eid-computation.md``, byte for byte.

Two AES-128-ECB blocks turn a device's 16-byte identity key and a 32-bit time counter into the 8-byte ephemeral
identifier (EID) that the phone advertises:

1. the temporary key, ``AES(identity_key, 00×11 ‖ FF ‖ 00 00 ‖ counter >> 16 as 2 bytes big-endian)``, which
   changes once per 2^16-second *epoch* (about 18 h);
2. the EID, the first 8 bytes of ``AES(temporary_key, 00×11 ‖ K ‖ counter with its K low bits cleared as 4 bytes
   big-endian)``, which changes once per 2^K-second *window*.

The time counter is Unix time in seconds modulo 2^32 on both sides (DESIGN.md, "Identity and privacy"); times
here are plain seconds, reduced modulo 2^32 where the counter is built, so window arithmetic can use absolute
window numbers (``floor(t) >> K``) and still wrap correctly in 2106. AES comes from ``cryptography``.
"""

from __future__ import annotations

import math
from typing import Final

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

KEY_BYTES: Final = 16
EID_BYTES: Final = 8
MAX_K: Final = 15  # the spec's rotation period exponents are 0..15
DEFAULT_K: Final = 10  # a new EID every 1024 s, about 17 minutes
EPOCH_BITS: Final = 16  # the temporary key covers 2^16 seconds
COUNTER_MASK: Final = 0xFFFF_FFFF

_ECB: Final = modes.ECB()
_TK_PREFIX: Final = bytes(11) + b"\xff" + bytes(2)  # then the counter's top 16 bits
_EID_PREFIXES: Final = tuple(bytes(11) + bytes([k]) for k in range(MAX_K + 1))  # then the window start


def aes_ecb(key: bytes, blocks: bytes) -> bytes:
    """AES-128-ECB encryption of whole 16-byte blocks (one cipher context for all of them)."""
    encryptor = Cipher(algorithms.AES(key), _ECB).encryptor()
    return encryptor.update(blocks) + encryptor.finalize()


def check_identity_key(identity_key: bytes) -> None:
    """`ValueError` naming ``identity_key`` unless it is 16 bytes (the key itself is never put in the message)."""
    if not isinstance(identity_key, bytes) or len(identity_key) != KEY_BYTES:
        got = f"{len(identity_key)} bytes" if isinstance(identity_key, bytes) else type(identity_key).__name__
        raise ValueError(f"identity_key must be {KEY_BYTES} bytes, got {got}")


def check_k(k: int) -> None:
    """`ValueError` naming ``k`` unless it is a rotation period exponent, 0..15."""
    if not isinstance(k, int) or isinstance(k, bool) or not 0 <= k <= MAX_K:
        raise ValueError(f"k (the rotation period exponent) must be an int in 0..{MAX_K}, got {k!r}")


def time_counter(t: float) -> int:
    """The 32-bit EID time counter at Unix time `t` (seconds): ``floor(t) mod 2^32``."""
    return math.floor(t) & COUNTER_MASK


def window_index(k: int, t: float) -> int:
    """The absolute number of the 2^K-second window holding Unix time `t`: ``floor(t) >> k`` (not wrapped)."""
    check_k(k)
    return math.floor(t) >> k


def window_start(k: int, t: float) -> int:
    """The time counter at which the window holding `t` starts: the counter with its `k` low bits cleared."""
    check_k(k)
    return time_counter(t) & ~((1 << k) - 1)


def epoch_of(counter: int) -> int:
    """The temporary key's epoch of a time counter: its top 16 bits."""
    return (counter & COUNTER_MASK) >> EPOCH_BITS


def temporary_key(identity_key: bytes, t: int) -> bytes:
    """The 16-byte temporary key of the epoch holding time `t` (seconds, reduced mod 2^32)."""
    check_identity_key(identity_key)
    return epoch_key(identity_key, epoch_of(t))


def epoch_key(identity_key: bytes, epoch: int) -> bytes:
    """The temporary key of a wrapped epoch number (0..65535), without checking the key: the resolver's path."""
    return aes_ecb(identity_key, _TK_PREFIX + epoch.to_bytes(2, "big"))


def eid_block(k: int, counter: int) -> bytes:
    """The 16-byte plaintext of an EID: ``00×11 ‖ K ‖ window start (4 bytes, big-endian)``."""
    return _EID_PREFIXES[k] + ((counter & COUNTER_MASK) & ~((1 << k) - 1)).to_bytes(4, "big")


def eid_from_temporary_key(temp_key: bytes, k: int, t: int) -> bytes:
    """The EID at time `t` from the temporary key of `t`'s epoch (the caller made sure it is that epoch's)."""
    check_k(k)
    return aes_ecb(temp_key, eid_block(k, t))[:EID_BYTES]


def eid(identity_key: bytes, k: int, t: int) -> bytes:
    """The 8-byte Eddystone-EID of a device with this 16-byte identity key and exponent `k` at Unix time `t`.

    `t` is in seconds and is reduced modulo 2^32, as the phone's counter is. `ValueError` names ``identity_key``
    or ``k`` when it is not valid. Two AES blocks; a resolver that keeps the temporary key spends one.
    """
    check_identity_key(identity_key)
    check_k(k)
    if not isinstance(t, int) or isinstance(t, bool):
        raise ValueError(f"t must be an int number of seconds, got {type(t).__name__}")
    return aes_ecb(temporary_key(identity_key, t), eid_block(k, t))[:EID_BYTES]
