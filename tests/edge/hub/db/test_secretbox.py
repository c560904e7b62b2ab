"""Secrets at rest: AES-256-GCM bound to a context, and the key file (created 0600, never silently replaced)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from edge.hub.db import KeyFileError, SealError, SecretBox, load_or_create_key

KEY = bytes(range(32))


def test_seal_and_open_round_trip_with_a_fresh_nonce() -> None:
    box = SecretBox(KEY)
    secret = os.urandom(16)
    first, second = box.seal(secret, context=b"d_1"), box.seal(secret, context=b"d_1")
    assert first != second
    assert secret not in first
    assert box.open(first, context=b"d_1") == box.open(second, context=b"d_1") == secret


def test_another_context_does_not_open() -> None:
    box = SecretBox(KEY)
    sealed = box.seal(b"identity key 16b", context=b"d_aaaa")
    with pytest.raises(SealError):
        box.open(sealed, context=b"d_bbbb")


def test_another_key_does_not_open() -> None:
    sealed = SecretBox(KEY).seal(b"identity key 16b", context=b"d_1")
    with pytest.raises(SealError):
        SecretBox(bytes(32)).open(sealed, context=b"d_1")


@pytest.mark.parametrize("damage", ["flip", "truncate", "version"])
def test_damaged_bytes_do_not_open(damage: str) -> None:
    box = SecretBox(KEY)
    sealed = bytearray(box.seal(b"identity key 16b", context=b"d_1"))
    if damage == "flip":
        sealed[-1] ^= 1
    elif damage == "truncate":
        del sealed[20:]
    else:
        sealed[0] = 2
    with pytest.raises(SealError):
        box.open(bytes(sealed), context=b"d_1")


def test_the_key_must_be_32_bytes_and_is_never_shown() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        SecretBox(bytes(16))
    assert KEY.hex() not in repr(SecretBox(KEY))


def test_a_key_file_is_created_private_and_read_back(tmp_path: Path) -> None:
    path = tmp_path / "secrets" / "hub.key"
    key = load_or_create_key(path)
    assert len(key) == 32
    assert path.read_text() == key.hex() + "\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert load_or_create_key(path) == key
    assert load_or_create_key(tmp_path / "other.key") != key


@pytest.mark.parametrize("content", ["", "abc", "zz" * 32, "00" * 31, "00" * 33, "00" * 32 + " extra"])
def test_a_malformed_key_file_is_an_error_and_is_kept(tmp_path: Path, content: str) -> None:
    path = tmp_path / "hub.key"
    path.write_text(content)
    with pytest.raises(KeyFileError) as caught:
        load_or_create_key(path)
    assert caught.value.path == str(path)
    assert str(path) in str(caught.value)
    assert path.read_text() == content


def test_a_key_file_with_surrounding_whitespace_is_fine(tmp_path: Path) -> None:
    path = tmp_path / "hub.key"
    path.write_text("  " + KEY.hex().upper() + "\r\n")
    path.chmod(0o600)
    assert load_or_create_key(path) == KEY


def test_an_uncreatable_key_file_names_the_file(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    with pytest.raises(KeyFileError, match="not-a-dir"):
        load_or_create_key(blocker / "hub.key")
