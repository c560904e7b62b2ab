"""The store broker's security: a per-store CA, one MQTT user per device, and an ACL per device.

`generate` writes everything a store's Mosquitto 2 needs to refuse strangers and to keep each device to its own
topics: a store CA (EC P-256) and the broker's server certificate, a password file with one user per gateway,
kiosk, till, the hub and IT's monitor, one random password per user (0600, for each device's
``[mqtt] password_file``), an ACL file, and a ``conf.d`` snippet that ties them together. Running it again keeps
the CA and every password (so no device needs touching) unless told to rotate them; a device left out of the
new run loses its account. See docs/broker-security.md.

Command line: ``python -m edge.broker.security --layout examples/stores/demo.toml --kiosk kiosk-01 ...``.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import enum
import hashlib
import ipaddress
import os
import re
import secrets
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from edge.broker.mosquitto import BrokerError
from edge.errors import CorsiaError
from edge.programs import find_program
from edge.protocol.topics import ROOT

SLUG_RE: Final = re.compile(r"^[a-z0-9][a-z0-9-]{0,31}$")
HUB_USER: Final = "hub"
MONITOR_USER: Final = "it-monitor"
TLS_PORT: Final = 8883
DEFAULT_INSTALL_DIR: Final = "/etc/mosquitto/corsia"
CA_DAYS: Final = 3650
SERVER_DAYS: Final = 825
# Mosquitto 2's own password hash: PBKDF2-HMAC-SHA512, a 12-byte salt, 101 rounds (what mosquitto_passwd
# writes). The passwords are 256 random bits, so the round count is not what protects them.
PBKDF2_ROUNDS: Final = 101
PBKDF2_SALT_BYTES: Final = 12


class Role(enum.Enum):
    GATEWAY = "gateway"
    KIOSK = "kiosk"
    TILL = "till"
    HUB = "hub"
    MONITOR = "monitor"
    OPERATOR = "operator"


@dataclass(frozen=True, slots=True)
class Account:
    """One MQTT user: its name, what it is, and the device id its topics carry (gateways, kiosks, tills)."""

    user: str
    role: Role
    device: str | None = None


@dataclass(frozen=True, slots=True)
class AclRule:
    """``topic read|write|readwrite <filter>`` for one user."""

    access: str
    topic: str


@dataclass(frozen=True, slots=True)
class StoreSecurity:
    """What to generate for one store.

    `hosts` are the names and addresses devices use to reach the broker (all go in the server certificate).
    `install_dir` is where the broker's files will live on the hub's machine: the ``conf.d`` snippet names
    them there. `local_port` adds a password-protected listener without TLS on 127.0.0.1 only, for processes
    on the broker's own machine (the hub); None leaves it out. `monitors` are IT's read-only accounts (one per
    person who watches at the same time when client ids are bound); `operators` are IT's accounts that send
    gateways a configuration or a command by hand. `bind_client_ids` makes the broker use
    each user name as its client id, so no device can take over another's session (see the docs).
    """

    store: str
    gateways: tuple[str, ...]
    kiosks: tuple[str, ...] = ()
    tills: tuple[str, ...] = ()
    hosts: tuple[str, ...] = ("localhost", "127.0.0.1")
    tls_port: int = TLS_PORT
    tls_bind: str = ""
    local_port: int | None = None
    install_dir: str = DEFAULT_INSTALL_DIR
    monitors: tuple[str, ...] = (MONITOR_USER,)
    operators: tuple[str, ...] = ()
    bind_client_ids: bool = True

    def __post_init__(self) -> None:
        _check_slug("store", self.store)
        devices = (
            ("gateway", self.gateways),
            ("kiosk", self.kiosks),
            ("till", self.tills),
            ("monitor", self.monitors),
            ("operator", self.operators),
        )
        for kind, ids in devices:
            for device in ids:
                _check_slug(kind, device)
        if not self.hosts:
            raise BrokerError("the server certificate needs at least one host name or address")
        for port in (self.tls_port, self.local_port):
            if port is not None and not 1 <= port <= 65535:
                raise BrokerError(f"port {port} is not 1-65535")
        if self.local_port is not None and self.local_port == self.tls_port:
            raise BrokerError("the local listener needs a port of its own")
        if not os.path.isabs(self.install_dir):
            raise BrokerError(f"install_dir must be an absolute path, got {self.install_dir!r}")
        accounts(self)  # duplicate and reserved names fail here, before any file is written

    @property
    def root(self) -> str:
        return f"{ROOT}/{self.store}"


@dataclass(frozen=True, slots=True)
class GeneratedFiles:
    """Where `generate` wrote each file (below its `out` folder)."""

    out: Path
    conf: Path  # -> /etc/mosquitto/conf.d/corsia.conf
    broker_dir: Path  # its files -> install_dir
    ca_cert: Path  # also for every device ([mqtt] ca_file)
    server_cert: Path
    server_key: Path
    password_file: Path
    acl_file: Path
    ca_key: Path  # stays with IT, never on the broker
    secrets: Mapping[str, Path] = field(default_factory=dict)  # user -> its password file (0600)
    removed: tuple[str, ...] = ()  # users whose secrets were deleted because they are no longer in the store


def _check_slug(kind: str, value: str) -> None:
    if not SLUG_RE.fullmatch(value):
        raise BrokerError(f"{kind} id {value!r} must be 1-32 of a-z, 0-9 and '-', starting with a letter or digit")


# --- accounts and the ACL ------------------------------------------------------------------------------------


def accounts(spec: StoreSecurity) -> list[Account]:
    """Every MQTT user of the store: the device id is the user name; plus ``hub`` and ``it-monitor``."""
    result = [
        *(Account(gw, Role.GATEWAY, gw) for gw in spec.gateways),
        *(Account(k, Role.KIOSK, k) for k in spec.kiosks),
        *(Account(t, Role.TILL, t) for t in spec.tills),
        Account(HUB_USER, Role.HUB),
        *(Account(user, Role.MONITOR) for user in spec.monitors),
        *(Account(user, Role.OPERATOR) for user in spec.operators),
    ]
    seen: dict[str, Role] = {}
    for account in result:
        if account.user in seen:
            other = seen[account.user]
            raise BrokerError(
                f"user {account.user!r} is both a {other.value} and a {account.role.value}: every device id of a "
                f"store must be unique, and {HUB_USER!r} is the hub's"
            )
        seen[account.user] = account.role
    return result


def acl_rules(spec: StoreSecurity, account: Account) -> list[AclRule]:
    """What `account` may publish (write) and receive (read), as Mosquitto ``topic`` lines.

    A gateway speaks only for itself; a kiosk and a till likewise; the hub reads what it consumes and writes what
    it produces; the monitor reads the whole store and writes nothing. Everyone but the monitor may report on
    ``errors``. An operator (IT, by hand) configures and commands gateways, reads their answers, and clears the retained
    status of a device that is gone.
    """
    r = spec.root
    d = account.device
    rules: list[AclRule]
    if account.role is Role.GATEWAY:
        rules = [
            *(AclRule("write", f"{r}/gw/{d}/{leaf}") for leaf in _GATEWAY_WRITES),
            AclRule("read", f"{r}/gw/{d}/config"),
            AclRule("read", f"{r}/gw/{d}/cmd"),
        ]
    elif account.role is Role.KIOSK:
        rules = [AclRule("write", f"{r}/kiosk/{d}/status"), AclRule("write", f"{r}/kiosk/{d}/health")]
    elif account.role is Role.TILL:
        rules = [AclRule("write", f"{r}/pos/{d}/receipt")]
    elif account.role is Role.HUB:
        rules = [
            *(AclRule("read", f"{r}/{leaf}") for leaf in _HUB_READS),
            *(AclRule("write", f"{r}/{leaf}") for leaf in _HUB_WRITES),
        ]
    elif account.role is Role.OPERATOR:
        rules = [
            AclRule("write", f"{r}/gw/+/config"),
            AclRule("write", f"{r}/gw/+/cmd"),
            # Only to clear a decommissioned device's retained status (an empty retained message).
            AclRule("write", f"{r}/gw/+/status"),
            AclRule("write", f"{r}/kiosk/+/status"),
            AclRule("read", f"{r}/gw/+/config/applied"),
            AclRule("read", f"{r}/gw/+/cmd/result"),
            AclRule("read", f"{r}/errors"),
        ]
    else:
        return [AclRule("read", f"{r}/#")]
    return [*rules, AclRule("write", f"{r}/errors")]


_GATEWAY_WRITES: Final = ("sightings", "status", "health", "config/applied", "cmd/result")
_HUB_READS: Final = (
    "gw/+/sightings",
    "gw/+/status",
    "gw/+/health",
    "gw/+/config/applied",
    "gw/+/cmd/result",
    "kiosk/+/status",
    "kiosk/+/health",
    "pos/+/receipt",
)
_HUB_WRITES: Final = ("hub/status", "journey", "occupancy", "alerts", "staff/alerts", "gw/+/config", "gw/+/cmd")


def render_acl(spec: StoreSecurity) -> str:
    """The ``acl_file``: one ``user`` block per account; anything not listed is denied."""
    lines = [
        f"# Corsia MQTT ACL for store {spec.store}: generated by edge.broker.security, regenerate rather than edit.",
        "# Anything not granted below is denied; anonymous clients are refused by the listener.",
    ]
    for account in accounts(spec):
        lines += ["", f"# {account.role.value}", f"user {account.user}"]
        lines += [f"topic {rule.access} {rule.topic}" for rule in acl_rules(spec, account)]
    return "\n".join(lines) + "\n"


def render_conf(spec: StoreSecurity) -> str:
    """The ``conf.d`` snippet (Debian's /etc/mosquitto/mosquitto.conf includes it and sets persistence_location)."""
    d = spec.install_dir
    bind = f" {spec.tls_bind}" if spec.tls_bind else ""
    lines = [
        f"# Corsia store {spec.store}: TLS, one user per device, per-device ACLs.",
        "# Generated by edge.broker.security; install as /etc/mosquitto/conf.d/corsia.conf.",
        "# per_listener_settings stays false (the default): the password file, the ACL and allow_anonymous",
        "# below apply to every listener, including the local one.",
        "",
        "allow_anonymous false",
        f"password_file {d}/passwd",
        f"acl_file {d}/acl",
        "",
        "persistence true",
        "autosave_interval 60",
        "max_queued_messages 200000",
        "max_inflight_messages 1000",
        "set_tcp_nodelay true",
        "",
    ]
    # A listener setting: each listener below repeats it. The broker then uses each user name as the client id,
    # so no device can take over (and so wipe) another device's persistent session by borrowing its client id.
    bound = ["use_username_as_clientid true"] if spec.bind_client_ids else []
    lines += [
        f"listener {spec.tls_port}{bind}",
        f"cafile {d}/ca.pem",
        f"certfile {d}/server.pem",
        f"keyfile {d}/server.key",
        "tls_version tlsv1.2",
        "require_certificate false",
        *bound,
    ]
    if spec.local_port is not None:
        lines += [
            "",
            "# Plain MQTT for processes on this machine only (the hub); still a user name and password each.",
            f"listener {spec.local_port} 127.0.0.1",
            *bound,
        ]
    return "\n".join(lines) + "\n"


# --- passwords -----------------------------------------------------------------------------------------------


def new_password() -> str:
    """A random password: 256 bits, URL-safe base64 (no ``:`` to upset a password file)."""
    return secrets.token_urlsafe(32)


def pbkdf2_hash(password: str, salt: bytes | None = None, rounds: int = PBKDF2_ROUNDS) -> str:
    """A password hash in Mosquitto 2's ``$7$`` format (PBKDF2-HMAC-SHA512)."""
    salt = salt if salt is not None else secrets.token_bytes(PBKDF2_SALT_BYTES)
    digest = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, rounds)
    return f"$7${rounds}${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def hash_passwords(passwords: Mapping[str, str], mosquitto_passwd: str | None = None) -> str:
    """The ``password_file`` text for `passwords` (user -> password).

    With `mosquitto_passwd`, Mosquitto's own tool hashes them (``-U`` on a private temporary file, so no
    password ever appears on a command line); without it, the same ``$7$`` format is computed here.
    """
    for user, password in passwords.items():
        if ":" in user or "\n" in user + password or not password:
            raise BrokerError(f"user {user!r}: a user name has no ':' and a password is one non-empty line")
    if mosquitto_passwd is None:
        return "".join(f"{user}:{pbkdf2_hash(pw)}\n" for user, pw in passwords.items())
    with tempfile.TemporaryDirectory(prefix="corsia-passwd-") as tmp:  # created 0700
        plain = Path(tmp) / "passwd"
        fd = os.open(plain, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.writelines(f"{user}:{pw}\n" for user, pw in passwords.items())
        done = subprocess.run(
            [mosquitto_passwd, "-U", str(plain)], capture_output=True, text=True, check=False, timeout=60
        )
        if done.returncode != 0:
            raise BrokerError(f"mosquitto_passwd -U failed ({done.returncode}): {done.stderr.strip()}")
        text = plain.read_text(encoding="utf-8")
    for line in text.splitlines():
        if line and not line.split(":", 1)[1].startswith("$"):
            raise BrokerError("mosquitto_passwd left a password unhashed")
    return text


def find_mosquitto_passwd() -> str | None:
    return find_program("mosquitto_passwd")


# --- certificates --------------------------------------------------------------------------------------------


def _pem_key(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def make_ca(store: str, days: int = CA_DAYS) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    """A store CA: EC P-256, may sign end-entity certificates only (path length 0)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Corsia"),
            x509.NameAttribute(NameOID.COMMON_NAME, f"Corsia store {store} CA"),
        ]
    )
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return key, cert


def make_server_cert(
    ca_key: ec.EllipticCurvePrivateKey, ca_cert: x509.Certificate, hosts: Sequence[str], days: int = SERVER_DAYS
) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    """The broker's certificate, valid for every name and address in `hosts`."""
    names: list[x509.GeneralName] = []
    for host in hosts:
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            names.append(x509.DNSName(host))
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hosts[0])]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(min(now + dt.timedelta(days=days), ca_cert.not_valid_after_utc))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    return key, cert


# --- writing it all ------------------------------------------------------------------------------------------


def _write(path: Path, data: str | bytes, mode: int) -> None:
    """Write atomically with `mode` from the start (a secret is never readable by others, even briefly)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(fd, "wb") as f:
        f.write(data.encode() if isinstance(data, str) else data)
    os.chmod(tmp, mode)  # not narrowed by the umask
    os.replace(tmp, path)


def _private_dir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    os.chmod(path, 0o700)
    return path


def _load_ca(key_path: Path, cert_path: Path) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate] | None:
    if not (key_path.exists() and cert_path.exists()):
        return None
    key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise BrokerError(f"{key_path} is not an EC private key")
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    if cert.not_valid_after_utc <= dt.datetime.now(dt.UTC) + dt.timedelta(days=30):
        raise BrokerError(f"the store CA {cert_path} expires on {cert.not_valid_after_utc:%Y-%m-%d}: use a new CA")
    return key, cert


def generate(
    spec: StoreSecurity,
    out: str | os.PathLike[str],
    *,
    rotate: Iterable[str] = (),
    new_ca: bool = False,
    mosquitto_passwd: str | bool | None = True,
) -> GeneratedFiles:
    """Write the store's broker security files below `out`; see the module docstring and GeneratedFiles.

    Existing passwords and the CA are kept; `rotate` names users who get a new password, `new_ca` makes a
    new CA (every device then needs the new ca.pem). `mosquitto_passwd`: True finds the tool (and hashes here
    when it is missing), a path uses that tool, False or None hashes here.
    """
    users = accounts(spec)
    names = {a.user for a in users}
    unknown = sorted(set(rotate) - names)
    if unknown:
        raise BrokerError(f"cannot rotate unknown users: {', '.join(unknown)}")
    root = Path(out)
    broker_dir = root / "broker"
    ca_dir = _private_dir(root / "ca")
    secrets_dir = _private_dir(root / "secrets")
    broker_dir.mkdir(parents=True, exist_ok=True)

    ca_key_path, ca_cert_path = ca_dir / "ca.key", broker_dir / "ca.pem"
    loaded = None if new_ca else _load_ca(ca_key_path, ca_cert_path)
    ca_key, ca_cert = loaded if loaded is not None else make_ca(spec.store)
    if loaded is None:
        _write(ca_key_path, _pem_key(ca_key), 0o600)
        _write(ca_cert_path, ca_cert.public_bytes(serialization.Encoding.PEM), 0o644)
    server_key, server_cert = make_server_cert(ca_key, ca_cert, spec.hosts)
    _write(broker_dir / "server.key", _pem_key(server_key), 0o600)
    _write(broker_dir / "server.pem", server_cert.public_bytes(serialization.Encoding.PEM), 0o644)

    passwords: dict[str, str] = {}
    secret_paths: dict[str, Path] = {}
    rotating = set(rotate)
    for account in users:
        path = secrets_dir / f"{account.user}.password"
        current = path.read_text(encoding="utf-8").strip() if path.exists() else ""
        if not current or account.user in rotating:
            current = new_password()
            _write(path, current + "\n", 0o600)
        passwords[account.user] = current
        secret_paths[account.user] = path
    removed = []
    for stale in sorted(secrets_dir.glob("*.password")):
        user = stale.name.removesuffix(".password")
        if user not in names:
            stale.unlink()
            removed.append(user)

    tool = find_mosquitto_passwd() if mosquitto_passwd is True else (mosquitto_passwd or None)
    _write(broker_dir / "passwd", hash_passwords(passwords, tool), 0o600)
    _write(broker_dir / "acl", render_acl(spec), 0o644)
    conf = root / "conf.d" / "corsia.conf"
    _write(conf, render_conf(spec), 0o644)
    return GeneratedFiles(
        out=root,
        conf=conf,
        broker_dir=broker_dir,
        ca_cert=ca_cert_path,
        server_cert=broker_dir / "server.pem",
        server_key=broker_dir / "server.key",
        password_file=broker_dir / "passwd",
        acl_file=broker_dir / "acl",
        ca_key=ca_key_path,
        secrets=secret_paths,
        removed=tuple(removed),
    )


# --- command line --------------------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m edge.broker.security",
        description="Generate a store's Mosquitto TLS, users, passwords and ACL (see docs/broker-security.md).",
    )
    p.add_argument("--layout", help="store layout file: its store id and gateways")
    p.add_argument("--store", help="store id (default: the layout's)")
    p.add_argument("--gateway", action="append", default=[], help="a gateway id (repeatable; adds to the layout's)")
    p.add_argument("--kiosk", action="append", default=[], help="a kiosk id (repeatable)")
    p.add_argument("--till", action="append", default=[], help="a till id (repeatable)")
    p.add_argument(
        "--host", action="append", default=[], help="a broker host name or IP for the certificate (repeatable)"
    )
    p.add_argument("--out", required=True, help="output folder (keep it: it holds the CA key and the passwords)")
    p.add_argument("--tls-port", type=int, default=TLS_PORT, help="TLS listener port (default: %(default)s)")
    p.add_argument("--local-port", type=int, help="also a plain listener on 127.0.0.1 (e.g. 1883) for the hub")
    p.add_argument("--install-dir", default=DEFAULT_INSTALL_DIR, help="broker files on the Pi (%(default)s)")
    p.add_argument(
        "--monitor", action="append", default=[], help=f"an IT read-only account (repeatable; default {MONITOR_USER})"
    )
    p.add_argument("--operator", action="append", default=[], help="an IT account for gateway config and commands")
    p.add_argument(
        "--no-bind-client-ids", action="store_true", help="let clients choose their client id (see the docs)"
    )
    p.add_argument("--rotate", action="append", default=[], help="give this user a new password (repeatable)")
    p.add_argument("--new-ca", action="store_true", help="replace the store CA (every device needs the new ca.pem)")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    gateways: list[str] = []
    store = args.store
    try:
        if args.layout:
            from edge.store import load_layout

            layout = load_layout(args.layout)
            if store and store != layout.id:
                raise BrokerError(f"--store {store} but the layout is store {layout.id}")
            store = layout.id
            gateways = [g.id for g in layout.gateways]
        if not store:
            raise BrokerError("give --store or --layout")
        gateways += [g for g in args.gateway if g not in gateways]
        spec = StoreSecurity(
            store=store,
            gateways=tuple(gateways),
            kiosks=tuple(args.kiosk),
            tills=tuple(args.till),
            hosts=tuple(args.host) or ("localhost", "127.0.0.1"),
            tls_port=args.tls_port,
            local_port=args.local_port,
            install_dir=args.install_dir,
            monitors=tuple(args.monitor) or (MONITOR_USER,),
            operators=tuple(args.operator),
            bind_client_ids=not args.no_bind_client_ids,
        )
        files = generate(spec, args.out, rotate=args.rotate, new_ca=args.new_ca)
    except (CorsiaError, OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"store {store}: {len(files.secrets)} users ({', '.join(files.secrets)})")
    print(f"  {files.conf}  -> /etc/mosquitto/conf.d/corsia.conf")
    print(f"  {files.broker_dir}/  -> {spec.install_dir}/")
    print(f"  {files.out / 'secrets'}/<user>.password  -> each device's [mqtt] password_file")
    print(f"  {files.ca_key}  stays off the broker")
    if files.removed:
        print(f"  removed users: {', '.join(files.removed)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
