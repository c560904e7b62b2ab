"""Secrets at rest: AES-256-GCM with a per-hub key kept in a file beside the database, not inside it.

A copy of the database alone (a backup, a stolen SD card image without the key file) does not give away the
identity keys that let someone follow a member's phone. Each sealed value is bound to a `context` (the device
id) as associated data, so a sealed key copied onto another device's row does not open there.

Sealed format: ``b"\\x01" + nonce (12 random bytes) + ciphertext and tag``. The leading version byte leaves
room for another scheme without guessing.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from edge.hub.db.errors import KeyFileError, SealError

log = logging.getLogger("corsia.hub.db.secretbox")

KEY_BYTES: Final = 32
NONCE_BYTES: Final = 12
TAG_BYTES: Final = 16
VERSION: Final = b"\x01"


class SecretBox:
    """Seals and opens small secrets with one AES-256-GCM key. The key never appears in a repr or an error."""

    __slots__ = ("_aead",)

    def __init__(self, key: bytes) -> None:
        if len(key) != KEY_BYTES:
            raise ValueError(f"a SecretBox key is {KEY_BYTES} bytes, not {len(key)}")
        self._aead = AESGCM(key)

    def __repr__(self) -> str:
        return "SecretBox(<key>)"

    def seal(self, plaintext: bytes, *, context: bytes) -> bytes:
        """Encrypt `plaintext`, bound to `context`; a fresh random nonce each time."""
        nonce = os.urandom(NONCE_BYTES)
        return VERSION + nonce + self._aead.encrypt(nonce, plaintext, context)

    def open(self, blob: bytes, *, context: bytes) -> bytes:
        """Decrypt a sealed `blob`; `SealError` when the key, the context or the bytes are not the sealing ones."""
        if len(blob) < 1 + NONCE_BYTES + TAG_BYTES or blob[:1] != VERSION:
            raise SealError("not a sealed value of this format")
        nonce, sealed = blob[1 : 1 + NONCE_BYTES], blob[1 + NONCE_BYTES :]
        try:
            return self._aead.decrypt(nonce, sealed, context)
        except InvalidTag as exc:
            raise SealError("the sealed value does not open with this key and context") from exc


def load_or_create_key(path: str | Path) -> bytes:
    """The 32-byte key in `path` (64 hex digits), or a new random one written there (mode 0600, its directory
    created 0700). An existing file that does not hold exactly such a key is a `KeyFileError` naming the file: it
    is never replaced, since a new key would make every sealed secret unreadable."""
    file = Path(path)
    try:
        return _read_key(file)
    except FileNotFoundError:
        pass
    key = os.urandom(KEY_BYTES)
    try:
        file.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it between our read and our create: use theirs
        return _read_key(file)
    except OSError as exc:
        raise KeyFileError(str(file), f"cannot create the key file: {exc.strerror or exc}") from exc
    try:
        os.write(fd, key.hex().encode("ascii") + b"\n")
        os.fsync(fd)
    except OSError as exc:
        raise KeyFileError(str(file), f"cannot write the key file: {exc.strerror or exc}") from exc
    finally:
        os.close(fd)
    log.info("created a new at-rest key in %s", file)
    return key


def _read_key(file: Path) -> bytes:
    """The key in an existing file; FileNotFoundError passes through, anything else wrong is a KeyFileError."""
    try:
        raw = file.read_bytes()
        mode = file.stat().st_mode
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise KeyFileError(str(file), f"cannot read the key file: {exc.strerror or exc}") from exc
    text = raw.strip()
    if len(text) != 2 * KEY_BYTES:
        raise KeyFileError(str(file), f"a key file holds {2 * KEY_BYTES} hex digits and nothing else")
    try:
        key = bytes.fromhex(text.decode("ascii"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise KeyFileError(str(file), "a key file holds hex digits only") from exc
    if mode & 0o077:
        log.warning("the key file %s can be read by other users: chmod 600 it", file)
    return key
