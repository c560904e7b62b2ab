"""TLS and username/password from the config, against a real Mosquitto with a TLS listener and a password file."""

from __future__ import annotations

import datetime as dt
import ipaddress
import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from edge.broker import MosquittoBroker
from edge.config import MqttSection
from edge.mqtt import MqttClient
from edge.protocol import Journey, Topic
from tests.conftest import wait_for


def _write_key(key: ec.EllipticCurvePrivateKey, path: Path) -> None:
    path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )


def make_pki(folder: Path) -> tuple[Path, Path, Path]:
    """A store CA and a server certificate for 127.0.0.1, as the deployment's CA tool makes them."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Corsia test store CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    folder.mkdir(parents=True, exist_ok=True)
    ca_path, cert_path, key_path = folder / "ca.pem", folder / "server.pem", folder / "server.key"
    ca_path.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    _write_key(key, key_path)
    return ca_path, cert_path, key_path


@pytest.fixture
def tls_broker(tmp_path: Path) -> tuple[MosquittoBroker, Path]:
    ca, cert, key = make_pki(tmp_path / "pki")
    passwords = tmp_path / "passwd"
    passwords.touch()
    subprocess.run(["mosquitto_passwd", "-b", str(passwords), "gw-01", "s3cret-gw"], check=True)
    broker = MosquittoBroker(
        tmp_path / "broker",
        listener_options=[f"cafile {ca}", f"certfile {cert}", f"keyfile {key}"],
        allow_anonymous=False,
        extra_config=f"password_file {passwords}\n",
    )
    broker.start()
    yield broker, ca  # type: ignore[misc]
    broker.stop()


def settings(broker: MosquittoBroker, ca: Path, tmp_path: Path, password: str, **extra: object) -> MqttSection:
    secret = tmp_path / f"pw-{password}"
    secret.write_text(password + "\n")
    return MqttSection(
        host="127.0.0.1",
        port=broker.port,
        username="gw-01",
        password=secret.read_text().strip(),
        tls=True,
        ca_file=str(ca),
        reconnect_min_s=0.2,
        reconnect_max_s=1.0,
        **extra,  # type: ignore[arg-type]
    )


def test_tls_with_the_right_password_connects_and_delivers(
    tls_broker: tuple[MosquittoBroker, Path], tmp_path: Path
) -> None:
    broker, ca = tls_broker
    good = settings(broker, ca, tmp_path, "s3cret-gw")
    sub = MqttClient(good, store="demo", client_id="tls-sub", source="hub")
    pub = MqttClient(good, store="demo", client_id="tls-pub", source="gw-01")
    got: list[Journey] = []
    sub.subscribe(Topic.JOURNEY, Journey, lambda r: got.append(r.message))
    with sub, pub:
        assert sub.wait_subscribed(5)
        assert pub.wait_connected(5)
        msg = Journey(t=1795392000.0, visit="v-1", member="p-1", event="enter", zone="entrance")
        assert pub.publish(Topic.JOURNEY, msg).wait(5)
        assert wait_for(lambda: got == [msg], 5)


def test_a_wrong_password_is_refused(tls_broker: tuple[MosquittoBroker, Path], tmp_path: Path) -> None:
    broker, ca = tls_broker
    client = MqttClient(settings(broker, ca, tmp_path, "wrong"), store="demo", client_id="tls-bad", source="gw-01")
    with client:
        assert not client.wait_connected(1.5)
        assert "not authorized" in client.last_error.lower() or "bad user" in client.last_error.lower()


def test_plain_tcp_to_a_tls_listener_never_connects(tls_broker: tuple[MosquittoBroker, Path], tmp_path: Path) -> None:
    broker, _ca = tls_broker
    plain = MqttSection(host="127.0.0.1", port=broker.port, username="gw-01", password="s3cret-gw")
    client = MqttClient(plain, store="demo", client_id="tls-plain", source="gw-01")
    with client:
        assert not client.wait_connected(1.5)


def test_an_unknown_ca_is_not_trusted(tls_broker: tuple[MosquittoBroker, Path], tmp_path: Path) -> None:
    broker, _ = tls_broker
    other_ca, _, _ = make_pki(tmp_path / "other")
    client = MqttClient(settings(broker, other_ca, tmp_path, "s3cret-gw"), store="demo", client_id="x", source="gw-01")
    with client:
        assert not client.wait_connected(1.5)
