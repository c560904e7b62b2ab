"""The hub's VAPID identity (RFC 8292): one P-256 key pair, kept in a PEM file that the hub creates on first start.

The public half is the *application server key* the loyalty app passes to ``pushManager.subscribe``: a browser
ties each subscription to it, so replacing the key silently orphans every subscription in the store. That is why
a file that exists but cannot be read as a key is an error, never an invitation to write a new one.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import logging
import os
import secrets
import stat
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from edge.errors import CorsiaError

log = logging.getLogger("corsia.hub.notify")

_MAX_KEY_FILE_BYTES = 64 * 1024  # a PEM key is a few hundred bytes; anything bigger is the wrong file
_B64URL_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


class VapidKeyError(CorsiaError):
    """The VAPID private key file exists but is not a usable key, or cannot be read or created.

    `path` is the file, `reason` what is wrong with it. The file is left exactly as it was.
    """

    def __init__(self, path: str, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"{path}: {reason}")


def b64url(data: bytes) -> str:
    """URL-safe base64 without padding, the encoding Web Push uses for keys and tokens."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """The inverse of `b64url`; padding is optional. Raises `ValueError` on anything but URL-safe base64."""
    if not text or any(c not in _B64URL_CHARS for c in text.rstrip("=")):
        raise ValueError("not URL-safe base64")
    try:
        return base64.urlsafe_b64decode(text.rstrip("=") + "=" * (-len(text.rstrip("=")) % 4))
    except binascii.Error as exc:
        raise ValueError(f"not URL-safe base64: {exc}") from exc


@dataclass(frozen=True, slots=True)
class VapidKeys:
    """The hub's VAPID key pair and where it lives."""

    private_key: ec.EllipticCurvePrivateKey
    path: Path

    @property
    def public_key_bytes(self) -> bytes:
        """The public key as an uncompressed P-256 point (65 bytes, starting 0x04)."""
        return self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )

    @property
    def application_server_key(self) -> str:
        """The public key as URL-safe base64 without padding: what the app passes to ``pushManager.subscribe``."""
        return b64url(self.public_key_bytes)

    def authorization(self, *, aud: str, sub: str, exp: int) -> str:
        """The RFC 8292 ``Authorization`` header value: ``vapid t=<ES256 JWT>,k=<application server key>``.

        `aud` is the push service's origin, `sub` the contact (``mailto:``/``https:``), `exp` Unix seconds.
        """
        header = b64url(b'{"typ":"JWT","alg":"ES256"}')
        claims = b64url(json.dumps({"aud": aud, "exp": exp, "sub": sub}, separators=(",", ":")).encode())
        signing_input = f"{header}.{claims}".encode("ascii")
        # JWS (RFC 7518 §3.4) wants r || s as two 32-byte integers, not the DER that cryptography returns.
        r, s = decode_dss_signature(self.private_key.sign(signing_input, ec.ECDSA(hashes.SHA256())))
        signature = b64url(r.to_bytes(32, "big") + s.to_bytes(32, "big"))
        # No space after the comma: the form pywebpush sends and every push service is known to parse.
        return f"vapid t={header}.{claims}.{signature},k={self.application_server_key}"

    def private_pem(self) -> bytes:
        """The private key as unencrypted PKCS#8 PEM (the file's format)."""
        return self.private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )


def load_or_create_vapid(path: str | os.PathLike[str]) -> VapidKeys:
    """Load the VAPID private key from `path`, creating it (mode 0600, directory included) when missing.

    Accepts PEM (PKCS#8 ``PRIVATE KEY`` or SEC 1 ``EC PRIVATE KEY``) and, so a store can keep the key its app
    already uses, the one-line URL-safe base64 private key that common Web Push tools print. Raises
    `VapidKeyError` naming the file when it exists but holds anything else, or cannot be read or written.
    """
    file = Path(path)
    try:
        data = _read_existing(file)
    except OSError as exc:
        raise VapidKeyError(str(file), f"cannot read: {exc.strerror or exc}") from exc
    if data is None:
        return _create(file)
    keys = VapidKeys(_parse(file, data), file)
    _warn_if_readable_by_others(file)
    return keys


def _read_existing(file: Path) -> bytes | None:
    try:
        with file.open("rb") as f:
            data = f.read(_MAX_KEY_FILE_BYTES + 1)
    except FileNotFoundError:
        return None
    if len(data) > _MAX_KEY_FILE_BYTES:
        raise VapidKeyError(str(file), f"larger than {_MAX_KEY_FILE_BYTES} bytes: not a VAPID private key")
    return data


def _parse(file: Path, data: bytes) -> ec.EllipticCurvePrivateKey:
    text = data.strip()
    if not text:
        raise VapidKeyError(str(file), "empty file: expected a PEM EC (P-256) private key")
    if text.startswith(b"-----BEGIN"):
        if b"ENCRYPTED" in text.split(b"\n", 1)[0]:
            raise VapidKeyError(str(file), "the private key is encrypted; the hub needs it unencrypted (mode 0600)")
        try:
            key = serialization.load_pem_private_key(text, password=None)
        except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
            raise VapidKeyError(str(file), f"not a readable PEM private key ({exc})") from exc
    else:
        key = _parse_raw(file, text)
    if not isinstance(key, ec.EllipticCurvePrivateKey) or not isinstance(key.curve, ec.SECP256R1):
        raise VapidKeyError(str(file), "not a P-256 (prime256v1) EC private key, which VAPID requires")
    return key


def _parse_raw(file: Path, text: bytes) -> ec.EllipticCurvePrivateKey:
    reason = "neither PEM nor a URL-safe base64 raw P-256 private key"
    try:
        raw = b64url_decode(text.decode("ascii"))
    except (UnicodeDecodeError, ValueError):
        raise VapidKeyError(str(file), reason) from None
    if len(raw) != 32:
        raise VapidKeyError(str(file), reason)
    try:
        return ec.derive_private_key(int.from_bytes(raw, "big"), ec.SECP256R1())
    except ValueError as exc:  # zero, or not below the curve order
        raise VapidKeyError(str(file), f"not a valid P-256 private key ({exc})") from exc


def _create(file: Path) -> VapidKeys:
    keys = VapidKeys(ec.generate_private_key(ec.SECP256R1()), file)
    tmp = file.with_name(f".{file.name}.{secrets.token_hex(4)}.tmp")
    try:
        file.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        # O_EXCL with 0600 from the start: the key is never readable by others, not even for a moment.
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(keys.private_pem())
                f.flush()
                os.fsync(f.fileno())
            # link() refuses to replace: if another process created the key meanwhile, its key wins.
            os.link(tmp, file)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
        _fsync_dir(file.parent)
    except FileExistsError:
        return load_or_create_vapid(file)
    except OSError as exc:
        raise VapidKeyError(str(file), f"cannot create: {exc.strerror or exc}") from exc
    log.info("created the VAPID key %s (application server key %s)", file, keys.application_server_key)
    return keys


def _fsync_dir(directory: Path) -> None:
    # So the new key survives a power cut right after first start (a Pi's SD card, no UPS).
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _warn_if_readable_by_others(file: Path) -> None:
    with contextlib.suppress(OSError):
        mode = file.stat().st_mode
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            log.warning("%s is readable by other users (mode %o); it should be 0600", file, stat.S_IMODE(mode))
