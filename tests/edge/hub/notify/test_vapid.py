"""The hub's VAPID key file: created once (0600, directory included), reused, never replaced when malformed."""

from __future__ import annotations

import base64
import json
import stat
import time
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from py_vapid import Vapid02

from edge.errors import CorsiaError
from edge.hub.notify.vapid import VapidKeyError, b64url, b64url_decode, load_or_create_vapid


def test_first_start_creates_the_key_and_its_directory_private(tmp_path: Path) -> None:
    path = tmp_path / "var" / "lib" / "corsia" / "vapid-private.pem"
    keys = load_or_create_vapid(path)
    assert path.is_file()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) & 0o077 == 0
    assert path.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    assert keys.path == path
    assert [p.name for p in path.parent.iterdir()] == ["vapid-private.pem"]  # no temporary file left behind


def test_later_starts_reuse_the_same_key(tmp_path: Path) -> None:
    path = tmp_path / "vapid.pem"
    first = load_or_create_vapid(path)
    content = path.read_bytes()
    second = load_or_create_vapid(str(path))
    assert second.application_server_key == first.application_server_key
    assert path.read_bytes() == content


def test_application_server_key_is_the_uncompressed_public_point(tmp_path: Path) -> None:
    keys = load_or_create_vapid(tmp_path / "vapid.pem")
    text = keys.application_server_key
    assert "=" not in text
    assert set(text) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    raw = base64.urlsafe_b64decode(text + "=")
    assert len(raw) == 65
    assert raw[0] == 4
    loaded = serialization.load_pem_private_key((tmp_path / "vapid.pem").read_bytes(), password=None)
    assert isinstance(loaded, ec.EllipticCurvePrivateKey)
    expected = loaded.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    assert raw == expected


def _pem(key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey, fmt: serialization.PrivateFormat) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, fmt, serialization.NoEncryption())


def test_an_existing_sec1_pem_key_is_used(tmp_path: Path) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    path = tmp_path / "vapid.pem"
    path.write_bytes(_pem(key, serialization.PrivateFormat.TraditionalOpenSSL))
    keys = load_or_create_vapid(path)
    public = key.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    assert keys.public_key_bytes == public


def test_a_raw_base64url_key_from_other_tools_is_used(tmp_path: Path) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    path = tmp_path / "vapid.txt"
    path.write_text(b64url(key.private_numbers().private_value.to_bytes(32, "big")) + "\n")
    keys = load_or_create_vapid(path)
    assert keys.private_key.private_numbers().private_value == key.private_numbers().private_value


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "empty"),
        (b"not a key\n", "neither PEM"),
        (b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", "not a readable PEM"),
        (_pem(ec.generate_private_key(ec.SECP384R1()), serialization.PrivateFormat.PKCS8), "P-256"),
        (_pem(rsa.generate_private_key(65537, 2048), serialization.PrivateFormat.PKCS8), "P-256"),
        (
            ec.generate_private_key(ec.SECP256R1()).private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.BestAvailableEncryption(b"secret"),
            ),
            "encrypted",
        ),
        (b64url(b"\x00" * 32).encode(), "not a valid P-256 private key"),
    ],
)
def test_a_malformed_file_is_an_error_naming_it_and_is_never_replaced(
    tmp_path: Path, content: bytes, reason: str
) -> None:
    path = tmp_path / "vapid.pem"
    path.write_bytes(content)
    with pytest.raises(VapidKeyError) as caught:
        load_or_create_vapid(path)
    assert isinstance(caught.value, CorsiaError)
    assert caught.value.path == str(path)
    assert str(path) in str(caught.value)
    assert reason in caught.value.reason
    assert path.read_bytes() == content


def test_a_directory_where_the_file_should_be_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "vapid.pem"
    path.mkdir()
    with pytest.raises(VapidKeyError, match="cannot read"):
        load_or_create_vapid(path)


def test_a_path_through_a_regular_file_is_an_error_naming_the_file(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    path = blocker / "vapid.pem"
    with pytest.raises(VapidKeyError) as caught:
        load_or_create_vapid(path)
    assert caught.value.path == str(path)
    assert "cannot" in caught.value.reason


def test_authorization_header_verifies_with_an_independent_implementation(tmp_path: Path) -> None:
    keys = load_or_create_vapid(tmp_path / "vapid.pem")
    exp = int(time.time()) + 3600
    header = keys.authorization(aud="https://push.example.net", sub="mailto:it@corsia.example", exp=exp)
    assert header.startswith("vapid t=")
    assert header.endswith(f",k={keys.application_server_key}")
    assert Vapid02.verify(header)  # py_vapid, the library pywebpush signs with
    token = header.removeprefix("vapid t=").split(",k=")[0]
    claims = json.loads(b64url_decode(token.split(".")[1]))
    assert claims == {"aud": "https://push.example.net", "exp": exp, "sub": "mailto:it@corsia.example"}
    assert json.loads(b64url_decode(token.split(".")[0])) == {"typ": "JWT", "alg": "ES256"}


def test_authorization_made_with_another_key_fails_verification(tmp_path: Path) -> None:
    ours = load_or_create_vapid(tmp_path / "a.pem")
    theirs = load_or_create_vapid(tmp_path / "b.pem")
    token = ours.authorization(aud="https://push.example.net", sub="mailto:a@b.example", exp=2_000_000_000)
    forged = token.split(",k=")[0] + ",k=" + theirs.application_server_key
    assert not Vapid02.verify(forged)


@pytest.mark.parametrize("text", ["", "a+b", "a/b", "abc$", "A"])
def test_b64url_decode_refuses_other_alphabets(text: str) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - the helper's contract is a plain ValueError
        b64url_decode(text)


def test_b64url_round_trip_with_and_without_padding() -> None:
    for data in (b"\x00", b"\xfb\xff", b"abc", bytes(range(65))):
        assert b64url_decode(b64url(data)) == data
        assert b64url_decode(base64.urlsafe_b64encode(data).decode()) == data
