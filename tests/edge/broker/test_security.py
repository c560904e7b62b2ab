"""The store broker's security, against a real Mosquitto started on the generated configuration.

One broker serves the module (its files are generated once); every test uses its own device ids, so retained
messages of one test cannot satisfy another. A message that must NOT arrive is checked with a sentinel: the
same observer then receives a message that is allowed, published after it; the broker delivers to a subscriber
in the order it routed, so once the sentinel is in, anything forbidden would have been too.
"""

from __future__ import annotations

import base64
import json
import signal
import stat
import subprocess
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec

from edge.broker import MosquittoBroker, free_port
from edge.broker.security import (
    GeneratedFiles,
    StoreSecurity,
    accounts,
    generate,
    hash_passwords,
    main,
    pbkdf2_hash,
    render_acl,
)
from edge.config import GatewayConfig, MqttSection, load_config
from edge.mqtt import MqttClient
from edge.protocol import Sightings, Topic, encode
from edge.protocol.examples import EXAMPLES
from tests.conftest import REPO, wait_for

STORE = "demo"
ROOT = f"corsia/v1/{STORE}"
GATEWAYS = ("gw-01", "gw-02", "gw-03", "gw-04", "gw-05", "gw-06", "gw-07", "gw-08")
KIOSKS = ("kiosk-01",)
TILLS = ("till-1", "till-2")
SIGHTINGS = encode(EXAMPLES[Topic.SIGHTINGS])
RECEIPT = encode(EXAMPLES[Topic.RECEIPT])
JOURNEY = encode(EXAMPLES[Topic.JOURNEY])
STATUS = encode(EXAMPLES[Topic.GATEWAY_STATUS])


def sightings(gw: str, seq: int) -> bytes:
    doc = json.loads(SIGHTINGS)
    doc.update(gw=gw, seq=seq)
    return json.dumps(doc).encode()


@dataclass
class Store:
    """The generated files, the running broker and a factory of connected clients."""

    files: GeneratedFiles
    broker: MosquittoBroker
    tls_port: int
    clients: list[MqttClient] = field(default_factory=list)

    def settings(self, user: str | None, *, password: str | None = None, ca: Path | None = None) -> MqttSection:
        if password is None and user is not None:
            password = self.files.secrets[user].read_text(encoding="utf-8").strip()
        return MqttSection(
            host="127.0.0.1",
            port=self.tls_port,
            username=user or "",
            password=password or "",
            tls=True,
            ca_file=str(ca or self.files.ca_cert),
            keepalive_s=5,
            reconnect_min_s=0.2,
            reconnect_max_s=1.0,
        )

    def client(
        self, user: str | None, client_id: str, *, settings: MqttSection | None = None, start: bool = True
    ) -> MqttClient:
        # Clean sessions: nothing queued in one test is handed to a client of the next.
        c = MqttClient(
            settings or self.settings(user), store=STORE, client_id=client_id, source=user or "anon", persistent=False
        )
        self.clients.append(c)
        if start:
            c.start()
        return c

    def stop_clients(self) -> None:
        for c in self.clients:
            c.stop()
        self.clients.clear()


class Inbox:
    """Raw messages one client received: (topic, payload)."""

    def __init__(self) -> None:
        self.items: list[tuple[str, bytes]] = []
        self._lock = threading.Lock()

    def __call__(self, topic: str, payload: bytes, _retained: bool) -> None:
        with self._lock:
            self.items.append((topic, payload))

    def topics(self) -> set[str]:
        with self._lock:
            return {t for t, _ in self.items}

    def has(self, topic: str, payload: bytes | None = None) -> Callable[[], bool]:
        def check() -> bool:
            with self._lock:
                return any(t == topic and (payload is None or p == payload) for t, p in self.items)

        return check


def spec_for(out: Path, tls_port: int, **changes: object) -> StoreSecurity:
    values: dict[str, object] = {
        "store": STORE,
        "gateways": GATEWAYS,
        "kiosks": KIOSKS,
        "tills": TILLS,
        "hosts": ("127.0.0.1", "localhost"),
        "tls_port": tls_port,
        "tls_bind": "127.0.0.1",
        "install_dir": str((out / "broker").resolve()),
        "monitors": ("it-monitor", "it-late"),
        "operators": ("it-ops",),
    }
    values.update(changes)
    return StoreSecurity(**values)  # type: ignore[arg-type]


def start_store(tmp: Path, **changes: object) -> Store:
    """Generate into `tmp`/out and run Mosquitto as Debian does: a main file that includes the conf.d snippet.

    The main file's own listener is a plain loopback port; the generated one is the TLS listener under test.
    """
    out, tls_port = tmp / "out", free_port()
    files = generate(spec_for(out, tls_port, **changes), out)
    broker = MosquittoBroker(tmp / "broker", allow_anonymous=False, extra_config=f"include_dir {files.conf.parent}\n")
    broker.start()
    return Store(files, broker, tls_port)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    running = start_store(tmp_path_factory.mktemp("store"))
    yield running
    running.stop_clients()
    running.broker.stop()


@pytest.fixture
def net(store: Store) -> Iterator[Store]:
    """The module's store; the clients a test starts are stopped after it."""
    yield store
    store.stop_clients()


def connected(*clients: MqttClient) -> None:
    for c in clients:
        assert c.wait_subscribed(5), f"{c.client_id}: {c.last_error}"


def refused(client: MqttClient) -> bool:
    """The broker answered the CONNECT with a refusal (and the client never got in)."""
    return wait_for(lambda: bool(client.last_error), 5) and not client.connected


# --- the files -----------------------------------------------------------------------------------------------


def test_files_modes_certificates_and_reruns(tmp_path: Path) -> None:
    out = tmp_path / "out"
    spec = spec_for(out, 8883, local_port=1883)
    files = generate(spec, out)
    users = [a.user for a in accounts(spec)]
    assert users == [*GATEWAYS, *KIOSKS, *TILLS, "hub", "it-monitor", "it-late", "it-ops"]
    assert sorted(files.secrets) == sorted(users)
    for path in [*files.secrets.values(), files.ca_key, files.server_key, files.password_file]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert stat.S_IMODE((out / "secrets").stat().st_mode) == 0o700
    passwords = {u: p.read_text().strip() for u, p in files.secrets.items()}
    assert len(set(passwords.values())) == len(users)
    assert all(len(p) >= 40 for p in passwords.values())
    hashed = dict(line.split(":", 1) for line in files.password_file.read_text().splitlines())
    assert sorted(hashed) == sorted(users)
    assert all(h.startswith("$7$") for h in hashed.values())
    assert not any(p in files.password_file.read_text() for p in passwords.values())

    ca = x509.load_pem_x509_certificate(files.ca_cert.read_bytes())
    server = x509.load_pem_x509_certificate(files.server_cert.read_bytes())
    ca_key = ca.public_key()
    assert isinstance(ca_key, ec.EllipticCurvePublicKey)
    assert ca_key.curve.name == "secp256r1"
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    server.verify_directly_issued_by(ca)
    sans = server.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert sans.get_values_for_type(x509.DNSName) == ["localhost"]
    assert [str(ip) for ip in sans.get_values_for_type(x509.IPAddress)] == ["127.0.0.1"]

    conf = files.conf.read_text()
    assert "allow_anonymous false" in conf
    assert "listener 8883 127.0.0.1" in conf
    assert "listener 1883 127.0.0.1" in conf
    assert f"password_file {spec.install_dir}/passwd" in conf
    assert "use_username_as_clientid true" in conf

    # A second run keeps the CA and every password; a rotation changes only the one named; a device left
    # out loses its secret, its password line and its ACL block.
    again = generate(spec, out, rotate=["gw-02"])
    assert again.ca_cert.read_bytes() == files.ca_cert.read_bytes()
    after = {u: p.read_text().strip() for u, p in again.secrets.items()}
    assert [u for u in users if after[u] != passwords[u]] == ["gw-02"]
    fewer = generate(spec_for(out, 8883, gateways=GATEWAYS[:-1]), out)
    assert fewer.removed == (GATEWAYS[-1],)
    assert not (out / "secrets" / f"{GATEWAYS[-1]}.password").exists()
    assert f"\n{GATEWAYS[-1]}:" not in "\n" + fewer.password_file.read_text()
    assert f"user {GATEWAYS[-1]}\n" not in fewer.acl_file.read_text()


def test_the_acl_table() -> None:
    acl = render_acl(spec_for(Path("/x"), 8883))
    blocks = {b.split("\n")[1].removeprefix("user "): b.strip().split("\n")[2:] for b in acl.split("\n\n")[1:]}
    assert blocks["gw-03"] == [
        f"topic write {ROOT}/gw/gw-03/sightings",
        f"topic write {ROOT}/gw/gw-03/status",
        f"topic write {ROOT}/gw/gw-03/health",
        f"topic write {ROOT}/gw/gw-03/config/applied",
        f"topic write {ROOT}/gw/gw-03/cmd/result",
        f"topic read {ROOT}/gw/gw-03/config",
        f"topic read {ROOT}/gw/gw-03/cmd",
        f"topic write {ROOT}/errors",
    ]
    assert blocks["till-1"] == [f"topic write {ROOT}/pos/till-1/receipt", f"topic write {ROOT}/errors"]
    assert blocks["it-monitor"] == blocks["it-late"] == [f"topic read {ROOT}/#"]
    assert blocks["it-ops"] == [
        f"topic write {ROOT}/gw/+/config",
        f"topic write {ROOT}/gw/+/cmd",
        f"topic write {ROOT}/gw/+/status",
        f"topic write {ROOT}/kiosk/+/status",
        f"topic read {ROOT}/gw/+/config/applied",
        f"topic read {ROOT}/gw/+/cmd/result",
        f"topic read {ROOT}/errors",
        f"topic write {ROOT}/errors",
    ]
    hub = blocks["hub"]
    assert f"topic read {ROOT}/pos/+/receipt" in hub
    assert f"topic write {ROOT}/gw/+/cmd" in hub
    assert not any(line.startswith("topic readwrite") or line.endswith("/#") for line in hub)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"gateways": ("gw-01", "gw-01")}, "'gw-01' is both a gateway and a gateway"),
        ({"kiosks": ("hub",)}, "'hub' is both a kiosk and a hub"),
        ({"tills": ("Till_1",)}, "till id 'Till_1' must be"),
        ({"store": "a/b"}, "store id 'a/b' must be"),
        ({"local_port": 8883}, "a port of its own"),
    ],
)
def test_bad_inputs_are_refused_before_anything_is_written(
    tmp_path: Path, changes: dict[str, object], message: str
) -> None:
    with pytest.raises(Exception, match=message):
        spec_for(tmp_path, 8883, **changes)
    assert not any(tmp_path.iterdir())


def test_the_fallback_hash_is_mosquittos_own_format(tmp_path: Path) -> None:
    passwd = tmp_path / "passwd"
    passwd.touch()
    subprocess.run(["mosquitto_passwd", "-b", str(passwd), "u", "s3cret"], check=True)
    _user, line = passwd.read_text().strip().split(":", 1)
    _, _kind, rounds, salt, _digest = line.split("$")
    assert pbkdf2_hash("s3cret", base64.b64decode(salt), int(rounds)) == line
    assert pbkdf2_hash("other", base64.b64decode(salt), int(rounds)) != line
    via_tool = hash_passwords({"a": "pw-a"}, "mosquitto_passwd")
    assert via_tool.startswith("a:$7$")
    assert "pw-a" not in via_tool


def test_the_command_line_reads_the_layout(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    layout = REPO / "examples" / "stores" / "demo.toml"
    assert main(["--layout", str(layout), "--kiosk", "kiosk-01", "--till", "till-1", "--out", str(tmp_path)]) == 0
    acl = (tmp_path / "broker" / "acl").read_text()
    assert "user gw-12\ntopic write corsia/v1/demo/gw/gw-12/sightings" in acl
    assert (tmp_path / "secrets" / "till-1.password").exists()
    assert main(["--layout", str(layout), "--store", "other", "--out", str(tmp_path)]) == 1
    assert "the layout is store demo" in capsys.readouterr().err


# --- the broker ----------------------------------------------------------------------------------------------


def test_a_gateway_publishes_its_own_sightings_and_the_hub_gets_them(net: Store, tmp_path: Path) -> None:
    # The gateway's [mqtt] section as it would be on the Pi: password_file and ca_file from the generated files.
    config = tmp_path / "gateway.toml"
    config.write_text(
        f'[store]\nid = "{STORE}"\n[gateway]\nid = "gw-01"\n[mqtt]\nport = {net.tls_port}\nusername = "gw-01"\n'
        f'password_file = "{net.files.secrets["gw-01"]}"\ntls = true\nca_file = "{net.files.ca_cert}"\n',
        encoding="utf-8",
    )
    gw_settings = load_config(GatewayConfig, config, env={}).mqtt
    got: list[Sightings] = []
    hub = net.client("hub", "hub", start=False)
    hub.subscribe(Topic.SIGHTINGS, Sightings, lambda r: got.append(r.message))
    hub.start()
    gw = MqttClient(gw_settings, store=STORE, client_id="corsia-demo-gw-01", source="gw-01",
                    status=Topic.GATEWAY_STATUS, device="gw-01")  # fmt: skip
    net.clients.append(gw)
    gw.start()
    connected(hub, gw)
    assert gw.publish_raw(f"{ROOT}/gw/gw-01/sightings", sightings("gw-01", 1)).wait(5)
    assert wait_for(lambda: [s.seq for s in got] == [1], 5)
    assert got[0].gw == "gw-01"


def test_a_gateway_cannot_speak_for_another_device(net: Store) -> None:
    monitor = net.client("it-monitor", "mon-forge", start=False)
    seen = Inbox()
    monitor.subscribe_raw(f"{ROOT}/#", seen)
    hub_got: list[str] = []
    hub = net.client("hub", "hub", start=False)
    hub.subscribe(Topic.SIGHTINGS, Sightings, lambda r: hub_got.append(r.message.gw))
    monitor.start()
    hub.start()
    gw = net.client("gw-02", "gw-02")
    connected(monitor, hub, gw)
    forged = [
        (f"{ROOT}/gw/gw-03/sightings", sightings("gw-03", 7), False),
        (f"{ROOT}/gw/gw-03/status", STATUS, True),
        (f"{ROOT}/gw/gw-03/config", b'{"v":1,"rev":99}', True),
        (f"{ROOT}/gw/gw-03/cmd", b'{"v":1,"id":"c-1","cmd":"rescan"}', False),
        (f"{ROOT}/gw/gw-02/config", b'{"v":1,"rev":99}', True),  # not even its own configuration
        (f"{ROOT}/hub/status", STATUS, True),
        (f"{ROOT}/journey", JOURNEY, False),
        (f"{ROOT}/pos/till-1/receipt", RECEIPT, False),
        (f"{ROOT}/kiosk/kiosk-01/status", STATUS, True),
        (f"{ROOT}/alerts", b'{"v":1}', False),
        ("corsia/v1/other-store/gw/gw-02/sightings", sightings("gw-02", 1), False),
    ]
    for topic, payload, retain in forged:
        assert gw.publish_raw(topic, payload, retain=retain).wait(5)  # acknowledged, and dropped by the broker
    sentinel = sightings("gw-02", 2)
    assert gw.publish_raw(f"{ROOT}/gw/gw-02/sightings", sentinel).wait(5)
    assert wait_for(seen.has(f"{ROOT}/gw/gw-02/sightings", sentinel), 5)
    assert wait_for(lambda: hub_got == ["gw-02"], 5)
    assert not seen.topics() & {topic for topic, _, _ in forged}
    # Nothing forged was retained either: a new subscriber gets no retained message on those topics.
    late = Inbox()
    fresh = net.client("it-late", "mon-late", start=False)
    fresh.subscribe_raw(f"{ROOT}/gw/gw-03/#", late)
    fresh.subscribe_raw(f"{ROOT}/hub/status", late)
    fresh.start()
    connected(fresh)
    assert hub.publish_raw(f"{ROOT}/gw/gw-03/config", b'{"v":1,"rev":1}', retain=True).wait(5)
    assert wait_for(late.has(f"{ROOT}/gw/gw-03/config", b'{"v":1,"rev":1}'), 5)
    assert late.topics() == {f"{ROOT}/gw/gw-03/config"}


def test_a_gateway_reads_only_its_config_and_commands(net: Store) -> None:
    gw = net.client("gw-04", "gw-04", start=False)
    heard = Inbox()
    for filter_ in (f"{ROOT}/#", f"{ROOT}/pos/+/receipt", f"{ROOT}/journey", f"{ROOT}/gw/+/config", "#"):
        gw.subscribe_raw(filter_, heard)
    hub_heard = Inbox()
    hub = net.client("hub", "hub", start=False)
    hub.subscribe_raw(f"{ROOT}/pos/+/receipt", hub_heard)
    hub.start()
    gw.start()
    till = net.client("till-1", "till-1")
    connected(gw, hub, till)
    assert till.publish_raw(f"{ROOT}/pos/till-1/receipt", RECEIPT).wait(5)
    assert hub.publish_raw(f"{ROOT}/journey", JOURNEY).wait(5)
    assert hub.publish_raw(f"{ROOT}/gw/gw-05/config", b'{"v":1,"rev":3}', retain=True).wait(5)
    assert hub.publish_raw(f"{ROOT}/gw/gw-05/cmd", b'{"v":1,"id":"c-5","cmd":"identify"}').wait(5)
    own = b'{"v":1,"id":"c-4","cmd":"identify"}'
    assert hub.publish_raw(f"{ROOT}/gw/gw-04/cmd", own).wait(5)
    assert wait_for(heard.has(f"{ROOT}/gw/gw-04/cmd", own), 5)
    assert wait_for(hub_heard.has(f"{ROOT}/pos/till-1/receipt", RECEIPT), 5)  # the receipt was there to read
    assert heard.topics() <= {f"{ROOT}/gw/gw-04/cmd", f"{ROOT}/gw/gw-04/config"}


def test_tills_and_kiosks_speak_only_for_themselves(net: Store) -> None:
    hub = net.client("hub", "hub", start=False)
    heard = Inbox()
    hub.subscribe_raw(f"{ROOT}/pos/+/receipt", heard)
    hub.subscribe_raw(f"{ROOT}/kiosk/+/status", heard)
    hub.start()
    till, kiosk = net.client("till-2", "till-2"), net.client("kiosk-01", "kiosk-01")
    connected(hub, till, kiosk)
    assert till.publish_raw(f"{ROOT}/pos/till-1/receipt", RECEIPT).wait(5)
    assert kiosk.publish_raw(f"{ROOT}/pos/till-2/receipt", RECEIPT).wait(5)
    assert kiosk.publish_raw(f"{ROOT}/kiosk/kiosk-02/status", STATUS).wait(5)
    assert kiosk.publish_raw(f"{ROOT}/kiosk/kiosk-01/status", STATUS).wait(5)
    assert till.publish_raw(f"{ROOT}/pos/till-2/receipt", RECEIPT).wait(5)
    assert wait_for(heard.has(f"{ROOT}/pos/till-2/receipt"), 5)
    assert wait_for(heard.has(f"{ROOT}/kiosk/kiosk-01/status"), 5)
    assert heard.topics() == {f"{ROOT}/pos/till-2/receipt", f"{ROOT}/kiosk/kiosk-01/status"}
    assert len(heard.items) == 2


def test_the_monitor_reads_everything_and_publishes_nothing(net: Store) -> None:
    monitor = net.client("it-monitor", "mon-read", start=False)
    seen = Inbox()
    monitor.subscribe_raw(f"{ROOT}/#", seen)
    hub = net.client("hub", "hub", start=False)
    hub_heard = Inbox()
    hub.subscribe_raw(f"{ROOT}/gw/+/sightings", hub_heard)
    hub.subscribe_raw(f"{ROOT}/pos/+/receipt", hub_heard)
    monitor.start()
    hub.start()
    gw, till = net.client("gw-06", "gw-06"), net.client("till-1", "till-1")
    gw_heard = Inbox()
    gw.subscribe_raw(f"{ROOT}/gw/gw-06/cmd", gw_heard)
    connected(monitor, hub, gw, till)
    assert gw.publish_raw(f"{ROOT}/gw/gw-06/sightings", sightings("gw-06", 1)).wait(5)
    assert till.publish_raw(f"{ROOT}/pos/till-1/receipt", RECEIPT).wait(5)
    assert hub.publish_raw(f"{ROOT}/journey", JOURNEY).wait(5)
    assert gw.publish_raw(f"{ROOT}/errors", b'{"v":1,"source":"gw-06","topic":"x","reason":"y"}').wait(5)
    for topic in ("gw/gw-06/sightings", "pos/till-1/receipt", "journey", "errors"):
        assert wait_for(seen.has(f"{ROOT}/{topic}"), 5), topic
    # The monitor's own attempts: acknowledged by the broker, delivered to nobody.
    assert monitor.publish_raw(f"{ROOT}/gw/gw-06/cmd", b'{"v":1,"id":"m-1","cmd":"rescan"}').wait(5)
    assert monitor.publish_raw(f"{ROOT}/gw/gw-07/sightings", sightings("gw-07", 1)).wait(5)
    assert monitor.publish_raw(f"{ROOT}/pos/till-1/receipt", b'{"v":1,"forged":true}').wait(5)
    assert monitor.publish_raw(f"{ROOT}/errors", b'{"v":1,"source":"it","topic":"x","reason":"z"}').wait(5)
    sentinel = b'{"v":1,"id":"h-1","cmd":"identify"}'
    assert hub.publish_raw(f"{ROOT}/gw/gw-06/cmd", sentinel).wait(5)
    assert wait_for(gw_heard.has(f"{ROOT}/gw/gw-06/cmd", sentinel), 5)
    assert wait_for(seen.has(f"{ROOT}/gw/gw-06/cmd", sentinel), 5)
    assert [p for _, p in gw_heard.items] == [sentinel]
    assert not seen.has(f"{ROOT}/gw/gw-07/sightings")()
    assert [p for t, p in seen.items if t.endswith("/errors")] == [b'{"v":1,"source":"gw-06","topic":"x","reason":"y"}']
    assert len(hub_heard.items) == 2  # one sighting, one receipt; nothing from the monitor


def test_strangers_are_refused(net: Store, tmp_path: Path) -> None:
    wrong = net.client(None, "wrong-pw", settings=net.settings("gw-07", password="guess"))
    swapped = net.client(
        None, "swapped", settings=net.settings("gw-07", password=net.files.secrets["gw-08"].read_text().strip())
    )
    anonymous = net.client(None, "anon", settings=net.settings(None))
    assert refused(wrong)
    assert "not authorized" in wrong.last_error.lower()
    assert refused(swapped)
    assert refused(anonymous)
    # A broker impersonator: the client holds the store's CA, so a certificate from any other CA is refused.
    other = generate(spec_for(tmp_path / "other", net.tls_port), tmp_path / "other")
    mitm_trust = net.client(None, "other-ca", settings=net.settings("gw-07", ca=other.ca_cert))
    assert not mitm_trust.wait_connected(1.0)
    assert mitm_trust.stats.connects == 0
    # Plain MQTT to the TLS port gets nowhere either.
    plain = MqttSection(port=net.tls_port, username="gw-07", password=net.files.secrets["gw-07"].read_text().strip())
    assert not net.client(None, "plain", settings=plain).wait_connected(0.5)
    good = net.client("gw-07", "gw-07")
    assert good.wait_connected(5)


def test_a_gateway_cannot_take_over_the_hubs_session(net: Store) -> None:
    hub = net.client("hub", "corsia-hub-demo", start=False)
    heard = Inbox()
    hub.subscribe_raw(f"{ROOT}/pos/+/receipt", heard)
    hub.start()
    till = net.client("till-1", "till-1")
    connected(hub, till)
    thief = net.client("gw-08", "corsia-hub-demo")  # the hub's client id
    assert thief.wait_connected(5)
    assert till.publish_raw(f"{ROOT}/pos/till-1/receipt", RECEIPT).wait(5)
    assert wait_for(heard.has(f"{ROOT}/pos/till-1/receipt"), 5)
    assert hub.connected
    assert hub.stats.disconnects == 0


def test_revoking_a_gateway_and_rotating_a_password_take_effect_on_reload(tmp_path: Path) -> None:
    net = start_store(tmp_path, gateways=("gw-01", "gw-02"))
    try:
        old_password = net.files.secrets["gw-01"].read_text().strip()
        gw1, gw2 = net.client("gw-01", "gw-01"), net.client("gw-02", "gw-02")
        connected(gw1, gw2)
        spec = spec_for(tmp_path / "out", net.tls_port, gateways=("gw-01",))
        again = generate(spec, tmp_path / "out", rotate=["gw-01"])
        assert again.removed == ("gw-02",)
        assert net.broker.process is not None
        net.broker.process.send_signal(signal.SIGHUP)  # systemctl reload mosquitto
        assert wait_for(lambda: not gw2.connected, 5)  # the revoked gateway is cut off at once
        assert wait_for(lambda: not gw1.connected, 5)  # so is a client still using a rotated password
        assert wait_for(lambda: bool(gw2.last_error) and gw2.stats.connects == 1 and not gw2.connected, 5)
        stale = net.client(None, "gw-01-old", settings=net.settings("gw-01", password=old_password))
        assert refused(stale)
        fresh = net.client("gw-01", "gw-01-new")
        assert fresh.wait_connected(5)
    finally:
        net.stop_clients()
        net.broker.stop()


def test_a_password_file_hashed_without_mosquitto_passwd_works(tmp_path: Path) -> None:
    out, tls_port = tmp_path / "out", free_port()
    files = generate(spec_for(out, tls_port, gateways=("gw-01",)), out, mosquitto_passwd=False)
    broker = MosquittoBroker(
        tmp_path / "broker", allow_anonymous=False, extra_config=f"include_dir {files.conf.parent}\n"
    )
    with broker:
        net = Store(files, broker, tls_port)
        try:
            assert net.client("gw-01", "gw-01").wait_connected(5)
            assert refused(net.client(None, "bad", settings=net.settings("gw-01", password="nope")))
        finally:
            net.stop_clients()


def test_an_operator_commands_gateways_and_nothing_else(net: Store) -> None:
    gw = net.client("gw-05", "gw-05", start=False)
    heard = Inbox()
    gw.subscribe_raw(f"{ROOT}/gw/gw-05/cmd", heard)
    ops = net.client("it-ops", "it-ops", start=False)
    answers = Inbox()
    ops.subscribe_raw(f"{ROOT}/#", answers)
    gw.start()
    ops.start()
    till = net.client("till-2", "till-2")
    connected(gw, ops, till)
    assert till.publish_raw(f"{ROOT}/pos/till-2/receipt", RECEIPT).wait(5)
    assert ops.publish_raw(f"{ROOT}/journey", JOURNEY).wait(5)
    command = b'{"v":1,"id":"o-1","cmd":"identify"}'
    assert ops.publish_raw(f"{ROOT}/gw/gw-05/cmd", command).wait(5)
    assert wait_for(heard.has(f"{ROOT}/gw/gw-05/cmd", command), 5)
    result = b'{"v":1,"id":"o-1","cmd":"identify","ok":true,"detail":""}'
    assert gw.publish_raw(f"{ROOT}/gw/gw-05/cmd/result", result).wait(5)
    assert wait_for(answers.has(f"{ROOT}/gw/gw-05/cmd/result", result), 5)
    assert answers.topics() == {f"{ROOT}/gw/gw-05/cmd/result"}  # no receipt, no journey, not its own command
