"""edge.config: defaults, the example files, strict file types, checks, environment overrides, secrets, docs."""

from __future__ import annotations

import dataclasses
import re
import typing
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import edge.config
from edge.config import (
    ConfigError,
    GatewayConfig,
    HubConfig,
    KioskConfig,
    LogSection,
    MqttSection,
    Section,
    StoreSection,
    load_config,
    load_gateway_config,
    load_hub_config,
    load_kiosk_config,
)
from edge.config.checks import between, checked
from edge.hub.core import presence_settings
from edge.presence import PresenceSettings, RadioModel

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "config"
DOC = ROOT / "docs" / "config.md"
PROCESSES = [GatewayConfig, HubConfig, KioskConfig]


# A config shaped like a future one, to exercise what today's sections do not use: a sub-table, arrays, a pair.
@dataclasses.dataclass(frozen=True, slots=True)
class AllowTable(Section):
    eid: tuple[str, ...] = ()
    limit: int = dataclasses.field(default=5, metadata=checked(between(1, 10)))


@dataclasses.dataclass(frozen=True, slots=True)
class DemoSection(Section):
    names: tuple[str, ...] = ("a",)
    tags: list[str] = dataclasses.field(default_factory=list)
    size: tuple[float, float] = (30.0, 20.0)
    allow: AllowTable = dataclasses.field(default_factory=AllowTable)


@dataclasses.dataclass(frozen=True, slots=True)
class DemoConfig:
    demo: DemoSection = dataclasses.field(default_factory=DemoSection)
    log: LogSection = dataclasses.field(default_factory=LogSection)


def write(tmp_path: Path, text: str, name: str = "corsia.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def file_error(tmp_path: Path, text: str, cls: type[Any] = GatewayConfig) -> ConfigError:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_config(cls, path, {})
    assert info.value.source == str(path)
    assert str(info.value).startswith(f"{path}: ")
    return info.value


def env_error(env: dict[str, str], cls: type[Any] = GatewayConfig) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        load_config(cls, None, env)
    return info.value


# --- defaults and examples -------------------------------------------------------------------------------------


def test_defaults_are_the_design_values() -> None:
    gateway, hub, kiosk = load_gateway_config(None, {}), load_hub_config(None, {}), load_kiosk_config(None, {})
    assert gateway.store == StoreSection(id="demo", layout="examples/stores/demo.toml")
    assert gateway.mqtt == MqttSection()
    assert (gateway.mqtt.host, gateway.mqtt.port, gateway.mqtt.tls) == ("127.0.0.1", 1883, False)
    assert (gateway.mqtt.keepalive_s, gateway.mqtt.max_inflight) == (10, 1000)
    assert (gateway.mqtt.reconnect_min_s, gateway.mqtt.reconnect_max_s) == (0.5, 30.0)
    g = gateway.gateway
    assert (g.id, g.adapter, g.report_interval, g.spool) == ("gw-01", "hci0", 1.0, "var/gateway-spool.db")
    assert g.health_interval_s == 15.0
    h = hub.hub
    assert (h.db, h.http, h.admin_token, h.kiosk_token) == ("var/hub.db", "127.0.0.1:8000", "", "")
    assert (h.vapid_private_key_file, h.vapid_subject) == ("var/vapid-private.pem", "mailto:it@example.com")
    assert h.exit_timeout_s == 8.0
    k = kiosk.kiosk
    assert (k.id, k.http, k.hub_url, k.hub_token) == ("kiosk-01", "127.0.0.1:8080", "http://127.0.0.1:8000", "")
    assert (k.card_reader, k.card_protocol, k.camera, k.idle_timeout_s) == ("/dev/ttyUSB0", "barcode", "0", 90)
    assert gateway.log.level == "info"


def test_an_empty_file_gives_the_defaults(tmp_path: Path) -> None:
    assert load_hub_config(write(tmp_path, ""), {}) == HubConfig()


@pytest.mark.parametrize(
    ("name", "loader"),
    [("gateway", load_gateway_config), ("hub", load_hub_config), ("kiosk", load_kiosk_config)],
)
def test_each_example_loads(name: str, loader: Any) -> None:
    config = loader(EXAMPLES / f"{name}.toml", {})
    assert config.store.id == "demo"
    assert config.store.layout == "examples/stores/demo.toml"
    assert (config.mqtt.host, config.mqtt.port) == ("127.0.0.1", 1883)


def test_example_state_lives_under_var() -> None:
    gateway = load_gateway_config(EXAMPLES / "gateway.toml", {})
    hub = load_hub_config(EXAMPLES / "hub.toml", {})
    for path in (gateway.gateway.spool, hub.hub.db, hub.hub.vapid_private_key_file):
        assert path.startswith("var/")


def test_the_demo_kiosk_token_matches_the_demo_hub() -> None:
    hub = load_hub_config(str(EXAMPLES / "hub.toml"), {})
    kiosk = load_kiosk_config(str(EXAMPLES / "kiosk.toml"), {})
    assert hub.hub.kiosk_token
    assert kiosk.kiosk.hub_token == hub.hub.kiosk_token
    assert kiosk.kiosk.hub_url == f"http://{hub.hub.http}"


def test_a_full_file_is_read(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        [store]
        id = "milano-centro"
        [mqtt]
        host = "broker.lan"
        port = 8883
        tls = true
        ca_file = "/etc/corsia/tls/ca.pem"
        [gateway]
        id = "gw-07"
        report_interval = 2
        [log]
        level = "debug"
        """,
    )
    config = load_gateway_config(path, {})
    assert config.store.id == "milano-centro"
    assert (config.mqtt.host, config.mqtt.port, config.mqtt.tls) == ("broker.lan", 8883, True)
    assert config.gateway.id == "gw-07"
    # An integer is accepted for a float key, and becomes a float.
    assert config.gateway.report_interval == 2.0
    assert isinstance(config.gateway.report_interval, float)
    assert config.log.level == "debug"


# --- structure: sections and keys -------------------------------------------------------------------------------


def test_unknown_section_is_an_error(tmp_path: Path) -> None:
    error = file_error(tmp_path, '[hub]\ndb = "var/hub.db"\n')
    assert error.key == "hub"
    assert error.reason == "unknown section [hub]; known sections: store, mqtt, gateway, log"


def test_a_key_outside_any_section_is_an_error(tmp_path: Path) -> None:
    error = file_error(tmp_path, "port = 1883\n")
    assert error.key == "port"
    assert "outside any section" in error.reason


def test_unknown_key_names_file_key_and_known_keys(tmp_path: Path) -> None:
    error = file_error(tmp_path, "[mqtt]\nprot = 1884\n")
    assert error.key == "mqtt.prot"
    assert "did you mean 'port'?" in error.reason
    known = ", ".join(f.name for f in dataclasses.fields(MqttSection))
    assert error.reason.endswith(f"known keys in [mqtt]: {known}")


def test_a_section_must_be_a_table(tmp_path: Path) -> None:
    error = file_error(tmp_path, "mqtt = 5\n")
    assert (error.key, error.reason) == ("mqtt", "expected a table [mqtt], got the integer 5")


# --- types ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("toml", "key", "reason"),
    [
        ('[mqtt]\nport = "1883"', "mqtt.port", "expected an integer, got the string '1883'"),
        ("[mqtt]\nport = 1883.0", "mqtt.port", "expected an integer, got the float 1883.0"),
        ("[mqtt]\nport = true", "mqtt.port", "expected an integer, got the boolean true"),
        ("[mqtt]\ntls = 1", "mqtt.tls", "expected a boolean (true or false), got the integer 1"),
        ('[mqtt]\ntls = "true"', "mqtt.tls", "expected a boolean (true or false), got the string 'true'"),
        ("[store]\nid = 7", "store.id", "expected a string, got the integer 7"),
        ('[mqtt]\nhost = ["a"]', "mqtt.host", "expected a string, got an array"),
        ("[mqtt]\nhost = {a = 1}", "mqtt.host", "expected a string, got a table"),
        ('[gateway]\nreport_interval = "1.0"', "gateway.report_interval", "expected a number, got the string '1.0'"),
        ("[gateway]\nreport_interval = false", "gateway.report_interval", "expected a number, got the boolean false"),
        ("[gateway]\nreport_interval = nan", "gateway.report_interval", "expected a finite number, got nan"),
        ("[store]\nid = 1979-05-27", "store.id", "expected a string, got the date/time 1979-05-27"),
    ],
)
def test_wrong_types_are_errors(tmp_path: Path, toml: str, key: str, reason: str) -> None:
    error = file_error(tmp_path, toml + "\n")
    assert (error.key, error.reason) == (key, reason)


@pytest.mark.parametrize(
    ("toml", "key", "reason"),
    [
        ('[demo]\nnames = "a,b"', "demo.names", "expected an array of strings, got the string 'a,b'"),
        ('[demo]\nnames = ["a", 2]', "demo.names", "item 2: expected a string, got the integer 2"),
        ("[demo]\ntags = [true]", "demo.tags", "item 1: expected a string, got the boolean true"),
        ("[demo]\nsize = [1.0]", "demo.size", "expected an array of 2 numbers, got 1 items"),
        ('[demo]\nsize = [1.0, "2"]', "demo.size", "item 2: expected a number, got the string '2'"),
        ("[demo]\nallow = 3", "demo.allow", "expected a table [demo.allow], got the integer 3"),
        ("[demo.allow]\neid = [1]", "demo.allow.eid", "item 1: expected a string, got the integer 1"),
        ("[demo.allow]\nlimit = 11", "demo.allow.limit", "must be between 1 and 10, got 11"),
    ],
)
def test_arrays_and_sub_tables_are_typed(tmp_path: Path, toml: str, key: str, reason: str) -> None:
    error = file_error(tmp_path, toml + "\n", DemoConfig)
    assert (error.key, error.reason) == (key, reason)


def test_arrays_and_sub_tables_load(tmp_path: Path) -> None:
    path = write(tmp_path, '[demo]\nnames = ["x", "y"]\ntags = ["t"]\nsize = [3, 4.5]\n[demo.allow]\neid = ["e"]\n')
    demo = load_config(DemoConfig, path, {}).demo
    assert demo.names == ("x", "y")
    assert demo.tags == ["t"]
    assert demo.size == (3.0, 4.5)
    assert demo.allow == AllowTable(eid=("e",))


def test_unknown_key_in_a_sub_table(tmp_path: Path) -> None:
    error = file_error(tmp_path, "[demo.allow]\neids = []\n", DemoConfig)
    assert error.key == "demo.allow.eids"
    assert error.reason.endswith("known keys in [demo.allow]: eid, limit")


def test_a_secret_of_the_wrong_type_is_not_repeated(tmp_path: Path) -> None:
    error = file_error(tmp_path, "[mqtt]\npassword = 271828\n")
    assert (error.key, error.reason) == ("mqtt.password", "expected a string, got an integer")
    assert "271828" not in str(error)


# --- values -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("section", "key", "value", "reason"),
    [
        ("mqtt", "port", "0", "must be between 1 and 65535, got 0"),
        ("mqtt", "port", "70000", "must be between 1 and 65535, got 70000"),
        ("mqtt", "keepalive_s", "1", "must be between 2 and 600, got 1"),
        ("mqtt", "max_inflight", "60001", "must be between 1 and 60000, got 60001"),
        ("mqtt", "host", '""', "must not be empty"),
        ("mqtt", "reconnect_min_s", "0", "must be greater than 0, got 0.0"),
        ("gateway", "report_interval", "0", "must be greater than 0 and at most 60, got 0.0"),
        ("gateway", "report_interval", "60.5", "must be greater than 0 and at most 60, got 60.5"),
        ("gateway", "adapter", '"wlan0"', "must be a BlueZ adapter name (hci0); got 'wlan0'"),
        ("gateway", "id", '"GW-01"', None),
        ("store", "id", '"-demo"', None),
        ("store", "id", '"demo/1"', None),
        ("store", "id", '"' + "a" * 33 + '"', None),
        ("store", "id", '""', None),
        ("store", "layout", '""', "must not be empty"),
        ("log", "level", '"INFO"', "must be one of debug, info, warning, error; got 'INFO'"),
    ],
)
def test_out_of_range_values_are_errors(tmp_path: Path, section: str, key: str, value: str, reason: str | None) -> None:
    error = file_error(tmp_path, f"[{section}]\n{key} = {value}\n")
    assert error.key == f"{section}.{key}"
    if reason is None:
        assert error.reason.startswith("must be a slug")
    else:
        assert error.reason == reason


@pytest.mark.parametrize(
    ("cls", "toml", "key", "reason"),
    [
        (KioskConfig, '[kiosk]\ncard_protocol = "nfc"', "kiosk.card_protocol", "must be one of barcode, rdm6300"),
        (KioskConfig, "[kiosk]\nidle_timeout_s = 29", "kiosk.idle_timeout_s", "must be at least 30, got 29"),
        (KioskConfig, '[kiosk]\nhub_url = "ftp://hub"', "kiosk.hub_url", "must be an http:// or https:// URL"),
        (KioskConfig, '[kiosk]\nhub_url = "http://"', "kiosk.hub_url", "must be an http:// or https:// URL"),
        (KioskConfig, '[kiosk]\nhttp = "localhost"', "kiosk.http", "must be host:port"),
        (HubConfig, '[hub]\nhttp = "127.0.0.1:99999"', "hub.http", "must be host:port"),
        (HubConfig, '[hub]\nhttp = ":8000"', "hub.http", "must be host:port"),
        (HubConfig, '[hub]\nvapid_subject = "it@example.com"', "hub.vapid_subject", "must be a mailto: address"),
        (HubConfig, "[hub]\nexit_timeout_s = -1", "hub.exit_timeout_s", "must be between 4 and 3600"),
        (HubConfig, "[hub]\nentrance_exit_s = 0.5", "hub.entrance_exit_s", "must be between 1 and 3600"),
        (HubConfig, '[hub.presence]\nrule = "nearest"', "hub.presence.rule", "must be one of best-gateway"),
        (HubConfig, "[hub.presence]\nhmm_switch_p = 1.0", "hub.presence.hmm_switch_p", "must be between 0.5 and 0.99"),
        (HubConfig, "[hub.presence]\nbody_loss_db = 31", "hub.presence.body_loss_db", "must be between 0.0 and 30.0"),
        (HubConfig, "[hub]\ndoor_confirm_s = 90", "hub.door_confirm_s", "must be between 0 and 60"),
        (HubConfig, "[hub]\nentrance_exit_s = 9", "hub.entrance_exit_s", "must not exceed exit_timeout_s (8.0)"),
        (HubConfig, '[hub]\npoints_multipliers = ["run"]', "hub.points_multipliers", "item 1: must be"),
        (HubConfig, '[hub]\npoints_multipliers = ["running=-1"]', "hub.points_multipliers", "item 1: must be"),
        (HubConfig, "[hub]\npoints_per_euro = -0.5", "hub.points_per_euro", "must be between 0 and 100"),
        (KioskConfig, '[kiosk]\napp_url = "wallet.example"', "kiosk.app_url", "must be an http:// or https:// URL"),
    ],
)
def test_bad_choices_and_formats_are_errors(tmp_path: Path, cls: type[Any], toml: str, key: str, reason: str) -> None:
    error = file_error(tmp_path, toml + "\n", cls)
    assert error.key == key
    assert error.reason.startswith(reason)


@pytest.mark.parametrize(
    ("cls", "toml"),
    [
        (GatewayConfig, "[mqtt]\nport = 1\nkeepalive_s = 600\nmax_inflight = 60000"),
        (GatewayConfig, "[mqtt]\nport = 65535\n[gateway]\nreport_interval = 60\nid = 'a'"),
        (GatewayConfig, "[store]\nid = '0123456789abcdef0123456789abcdef'"),
        (KioskConfig, "[kiosk]\nidle_timeout_s = 30\ncard_protocol = 'rdm6300'\ncard_reader = ''\ncamera = ''"),
        (KioskConfig, "[kiosk]\nhub_url = 'https://hub.store.lan:8443/'"),
        (HubConfig, "[hub]\nhttp = '[::1]:8000'\nvapid_subject = 'https://corsia.example.com/contact'"),
        (HubConfig, "[hub]\nhttp = '0.0.0.0:0'"),
    ],
)
def test_boundary_values_are_accepted(tmp_path: Path, cls: type[Any], toml: str) -> None:
    load_config(cls, write(tmp_path, toml + "\n"), {})


def test_points_multipliers_and_the_wallet_url(tmp_path: Path) -> None:
    hub = load_config(
        HubConfig, write(tmp_path, '[hub]\npoints_multipliers = ["running=2", "outlet=0", "swim=1.25"]\n'), {}
    )
    assert hub.hub.multipliers == {"running": 2.0, "outlet": 0.0, "swim": 1.25}
    kiosk = load_config(KioskConfig, write(tmp_path, "[kiosk]\nhub_url = 'http://10.0.0.2:8000/'\n"), {})
    assert kiosk.kiosk.wallet_url == "http://10.0.0.2:8000/app"
    public = load_config(KioskConfig, write(tmp_path, "[kiosk]\napp_url = 'https://negozio.example.it/app'\n"), {})
    assert public.kiosk.wallet_url == "https://negozio.example.it/app"


def test_reconnect_min_may_not_exceed_max(tmp_path: Path) -> None:
    error = file_error(tmp_path, "[mqtt]\nreconnect_min_s = 60\n")
    assert error.key == "mqtt.reconnect_min_s"
    assert error.reason == "must not exceed reconnect_max_s (30.0), got 60.0"


def test_a_client_certificate_needs_its_key(tmp_path: Path) -> None:
    error = file_error(tmp_path, '[mqtt]\ntls = true\ncert_file = "gw.pem"\n')
    assert error.key == "mqtt.cert_file"
    assert "key_file" in error.reason


def test_sections_built_in_code_are_checked_too() -> None:
    with pytest.raises(ConfigError) as info:
        MqttSection(port=0)
    assert (info.value.source, info.value.key) == ("MqttSection", "port")


# --- whole-file problems ----------------------------------------------------------------------------------------


def test_malformed_toml_names_file_and_line(tmp_path: Path) -> None:
    error = file_error(tmp_path, '[mqtt]\nhost = "127.0.0.1"\nport = \n')
    assert error.key == ""
    assert error.reason.startswith("invalid TOML: ")
    assert "line 3" in error.reason
    assert isinstance(error.__cause__, Exception)


def test_a_duplicate_key_is_malformed(tmp_path: Path) -> None:
    error = file_error(tmp_path, "[mqtt]\nport = 1\nport = 2\n")
    assert "line 3" in error.reason


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.toml"
    with pytest.raises(ConfigError) as info:
        load_hub_config(path, {})
    assert (info.value.source, info.value.key, info.value.reason) == (str(path), "", "file not found")
    assert isinstance(info.value.__cause__, FileNotFoundError)


def test_a_directory_is_not_a_config(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="is a directory"):
        load_hub_config(tmp_path, {})


def test_a_file_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes('[store]\nlayout = "caffè.toml"\n'.encode("latin-1"))
    with pytest.raises(ConfigError, match="not UTF-8") as info:
        load_hub_config(path, {})
    assert info.value.source == str(path)


def test_a_process_config_must_be_made_of_sections() -> None:
    @dataclasses.dataclass(frozen=True)
    class NotSections:
        port: int = 1

    with pytest.raises(TypeError, match="must be a section"):
        load_config(NotSections, None, {})


@dataclasses.dataclass(frozen=True, slots=True)
class OddSection(Section):
    mapping: dict[str, str] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True, slots=True)
class OddConfig:
    odd: OddSection = dataclasses.field(default_factory=OddSection)


def test_an_unsupported_field_type_fails_at_first_load() -> None:
    with pytest.raises(TypeError, match="unsupported config field type"):
        load_config(OddConfig, None, {})


# --- environment ------------------------------------------------------------------------------------------------


def test_env_overrides_an_int_over_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "[mqtt]\nport = 1884\n")
    assert load_gateway_config(path, {}).mqtt.port == 1884
    assert load_gateway_config(path, {"CORSIA_MQTT_PORT": "1885"}).mqtt.port == 1885


@pytest.mark.parametrize(
    ("text", "value"),
    [("true", True), ("FALSE", False), ("1", True), ("0", False), ("Yes", True), ("no", False), (" on ", True)],
)
def test_env_overrides_a_bool(text: str, value: bool) -> None:
    assert load_gateway_config(None, {"CORSIA_MQTT_TLS": text}).mqtt.tls is value


def test_env_overrides_a_str_and_a_float() -> None:
    env = {"CORSIA_HUB_ADMIN_TOKEN": "  s3cret token ", "CORSIA_HUB_EXIT_TIMEOUT_S": "20", "CORSIA_KIOSK_CAMERA": ""}
    hub = load_hub_config(None, env).hub
    assert hub.admin_token == "  s3cret token "  # a string is taken as is
    assert hub.exit_timeout_s == 20.0
    assert load_kiosk_config(None, env).kiosk.camera == ""


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ('["a,1", "b"]', ("a,1", "b")),
        ("a, b ,c", ("a", "b", "c")),
        ("solo", ("solo",)),
        ("", ()),
        ("[]", ()),
    ],
)
def test_env_overrides_a_list(text: str, names: tuple[str, ...]) -> None:
    assert load_config(DemoConfig, None, {"CORSIA_DEMO_NAMES": text}).demo.names == names


def test_env_reaches_pairs_plain_lists_and_sub_tables() -> None:
    env = {"CORSIA_DEMO_SIZE": "1, 2.5", "CORSIA_DEMO_TAGS": "x,y", "CORSIA_DEMO_ALLOW_EID": "eid:1a,eid:2b"}
    demo = load_config(DemoConfig, None, env).demo
    assert demo.size == (1.0, 2.5)
    assert demo.tags == ["x", "y"]
    assert demo.allow == AllowTable(eid=("eid:1a", "eid:2b"))


def test_env_defaults_to_os_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CORSIA_MQTT_PORT", "1999")
    assert load_gateway_config(None).mqtt.port == 1999


@pytest.mark.parametrize(
    ("var", "text", "reason"),
    [
        ("CORSIA_MQTT_PORT", "abc", "expected an integer, got 'abc'"),
        ("CORSIA_MQTT_PORT", "1.5", "expected an integer, got '1.5'"),
        ("CORSIA_MQTT_TLS", "maybe", "expected a boolean (true/false, 1/0, yes/no, on/off), got 'maybe'"),
        ("CORSIA_GATEWAY_REPORT_INTERVAL", "fast", "expected a number, got 'fast'"),
        ("CORSIA_GATEWAY_REPORT_INTERVAL", "inf", "expected a finite number, got inf"),
        ("CORSIA_MQTT_PORT", "70000", "must be between 1 and 65535, got 70000"),
        ("CORSIA_STORE_ID", "Demo Store", None),
    ],
)
def test_bad_env_values_name_the_variable(var: str, text: str, reason: str | None) -> None:
    error = env_error({var: text})
    assert error.source == f"environment variable {var}"
    assert error.key == var.removeprefix("CORSIA_").lower().replace("_", ".", 1)
    if reason is None:
        assert error.reason.startswith("must be a slug")
    else:
        assert error.reason == reason


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ('["a", 1]', "item 2: expected a string, got the integer 1"),
        ('["a"', "expected an array of strings, got an invalid TOML array"),
        ("a,,b", "expected an array of strings separated by commas, got an empty item"),
    ],
)
def test_bad_env_lists(text: str, reason: str) -> None:
    error = env_error({"CORSIA_DEMO_NAMES": text}, DemoConfig)
    assert (error.source, error.key) == ("environment variable CORSIA_DEMO_NAMES", "demo.names")
    assert error.reason.startswith(reason)


def test_env_for_an_unknown_key_in_a_known_section_is_an_error() -> None:
    error = env_error({"CORSIA_MQTT_PROT": "1884"})
    assert (error.source, error.key) == ("environment variable CORSIA_MQTT_PROT", "mqtt.prot")
    assert "did you mean 'port'?" in error.reason
    assert "known keys in [mqtt]: host, port," in error.reason


def test_env_for_a_section_the_process_lacks_is_ignored() -> None:
    env = {
        "CORSIA_HUB_ADMIN_TOKEN": "x",
        "CORSIA_KIOSK_NOSUCHKEY": "x",
        "CORSIA_CONFIG": "/etc/corsia/gateway.toml",
        "MQTT_PORT": "x",
        "corsia_mqtt_port": "x",
    }
    assert load_gateway_config(None, env) == GatewayConfig()


def test_env_checks_come_after_the_override(tmp_path: Path) -> None:
    # A bad file value replaced from the environment is never checked; the loaded config is valid.
    path = write(tmp_path, "[mqtt]\nport = 70000\n")
    assert load_gateway_config(path, {"CORSIA_MQTT_PORT": "1883"}).mqtt.port == 1883


@given(st.integers(min_value=1, max_value=65535))
def test_any_port_in_range_round_trips_through_env(port: int) -> None:
    assert load_gateway_config(None, {"CORSIA_MQTT_PORT": str(port)}).mqtt.port == port


@given(st.integers().filter(lambda n: not 1 <= n <= 65535))
def test_any_port_out_of_range_is_refused(port: int) -> None:
    error = env_error({"CORSIA_MQTT_PORT": str(port)})
    assert error.reason == f"must be between 1 and 65535, got {port}"


@given(st.from_regex(r"[a-z0-9][a-z0-9-]{0,31}", fullmatch=True))
def test_any_slug_is_a_store_id(slug: str) -> None:
    assert load_gateway_config(None, {"CORSIA_STORE_ID": slug}).store.id == slug


def toml_string(text: str) -> str:
    escaped = []
    for ch in text:
        if ch in '"\\' or ord(ch) < 0x20 or ord(ch) == 0x7F:
            escaped.append(f"\\u{ord(ch):04x}")
        else:
            escaped.append(ch)
    return '"' + "".join(escaped) + '"'


@given(st.lists(st.text(max_size=12), max_size=5))
def test_any_strings_round_trip_as_a_toml_array_in_env(names: list[str]) -> None:
    text = "[" + ", ".join(toml_string(n) for n in names) + "]"
    assert load_config(DemoConfig, None, {"CORSIA_DEMO_NAMES": text}).demo.names == tuple(names)


# --- secrets ----------------------------------------------------------------------------------------------------


def test_password_file_is_read_into_password(tmp_path: Path) -> None:
    secret = write(tmp_path, "hunter2\n", "mqtt.pass")
    path = write(tmp_path, f"[mqtt]\nusername = 'gw-01'\npassword_file = '{secret}'\n")
    mqtt = load_gateway_config(path, {}).mqtt
    assert (mqtt.username, mqtt.password, mqtt.password_file) == ("gw-01", "hunter2", str(secret))


def test_password_file_from_env(tmp_path: Path) -> None:
    secret = write(tmp_path, "hunter2\r\n", "mqtt.pass")
    assert load_gateway_config(None, {"CORSIA_MQTT_PASSWORD_FILE": str(secret)}).mqtt.password == "hunter2"


def test_token_files_are_read(tmp_path: Path) -> None:
    admin, kiosk = write(tmp_path, "adm\n", "admin"), write(tmp_path, "kio", "kiosk")
    env = {"CORSIA_HUB_ADMIN_TOKEN_FILE": str(admin), "CORSIA_HUB_KIOSK_TOKEN_FILE": str(kiosk)}
    hub = load_hub_config(None, env).hub
    assert (hub.admin_token, hub.kiosk_token) == ("adm", "kio")
    assert load_kiosk_config(None, {"CORSIA_KIOSK_HUB_TOKEN_FILE": str(kiosk)}).kiosk.hub_token == "kio"


def test_missing_password_file_names_the_key(tmp_path: Path) -> None:
    error = file_error(tmp_path, f"[mqtt]\npassword_file = '{tmp_path / 'absent'}'\n")
    assert error.key == "mqtt.password_file"
    assert "No such file" in error.reason
    assert isinstance(error.__cause__, FileNotFoundError)


def test_missing_password_file_from_env_names_the_variable() -> None:
    error = env_error({"CORSIA_MQTT_PASSWORD_FILE": "/nonexistent/corsia/pass"})
    assert (error.source, error.key) == ("environment variable CORSIA_MQTT_PASSWORD_FILE", "mqtt.password_file")


def test_an_empty_secret_file_is_an_error(tmp_path: Path) -> None:
    secret = write(tmp_path, "\n", "empty")
    error = env_error({"CORSIA_MQTT_PASSWORD_FILE": str(secret)})
    assert error.reason == f"{str(secret)!r} is empty"


def test_a_secret_and_its_file_together_are_an_error(tmp_path: Path) -> None:
    secret = write(tmp_path, "b", "pass")
    error = file_error(tmp_path, f"[mqtt]\npassword = 'a'\npassword_file = '{secret}'\n")
    assert (error.key, error.reason) == ("mqtt.password_file", "set either password or password_file, not both")


def test_the_conflict_says_where_the_other_secret_comes_from(tmp_path: Path) -> None:
    secret = write(tmp_path, "b", "pass")
    path = write(tmp_path, f"[mqtt]\npassword_file = '{secret}'\n")
    with pytest.raises(ConfigError) as info:
        load_gateway_config(path, {"CORSIA_MQTT_PASSWORD": "a"})
    assert info.value.reason.endswith("(password is set by environment variable CORSIA_MQTT_PASSWORD)")
    assert "'a'" not in str(info.value)


def test_secrets_are_not_in_repr(tmp_path: Path) -> None:
    secret = write(tmp_path, "file-secret-1\n", "pass")
    env = {
        "CORSIA_MQTT_PASSWORD_FILE": str(secret),
        "CORSIA_HUB_ADMIN_TOKEN": "admin-secret-2",
        "CORSIA_HUB_KIOSK_TOKEN": "kiosk-secret-3",
        "CORSIA_KIOSK_HUB_TOKEN": "kiosk-secret-3",
    }
    hub, kiosk = load_hub_config(None, env), load_kiosk_config(None, env)
    assert hub.mqtt.password == "file-secret-1"
    shown = repr(hub) + str(hub) + repr(kiosk) + str(kiosk)
    for value in ("file-secret-1", "admin-secret-2", "kiosk-secret-3"):
        assert value not in shown
    assert "password_file=" in shown  # the path is not a secret, and helps debugging


# --- immutability -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("cls", PROCESSES)
def test_configs_and_sections_are_frozen_and_slotted(cls: type[Any]) -> None:
    config = load_config(cls, None, {})
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.mqtt = MqttSection()
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.mqtt.port = 1
    for section in (config, *(getattr(config, f.name) for f in dataclasses.fields(config))):
        assert not hasattr(section, "__dict__")
    assert hash(config) == hash(load_config(cls, None, {}))


# --- the doc ----------------------------------------------------------------------------------------------------


TYPE_WORDS = {str: "string", int: "integer", float: "float", bool: "boolean", tuple[str, ...]: "array of strings"}


def toml_literal(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value + '"'
    if isinstance(value, tuple):
        return "[" + ", ".join(toml_literal(v) for v in value) + "]"
    return repr(value)


def documented_keys() -> dict[str, dict[str, tuple[str, str]]]:
    """Section name -> key -> (type, default) from the tables of docs/config.md."""
    sections: dict[str, dict[str, tuple[str, str]]] = {}
    current: dict[str, tuple[str, str]] | None = None
    for line in DOC.read_text(encoding="utf-8").splitlines():
        heading = re.fullmatch(r"### \[([a-z.]+)\]", line)
        if heading:
            current = sections.setdefault(heading.group(1), {})
        elif line.startswith("## "):
            current = None
        elif current is not None and (row := re.match(r"\| `(\w+)` \| ([^|]+) \| `([^`]*)` \|", line)):
            current[row.group(1)] = (row.group(2).strip(), row.group(3))
    return sections


def test_every_key_is_documented_with_its_type_and_default() -> None:
    doc = documented_keys()
    code: dict[str, dict[str, tuple[str, str]]] = {}
    for process in PROCESSES:
        config = process()
        for name in (f.name for f in dataclasses.fields(config)):
            section = getattr(config, name)
            collect_keys(code, name, section)
    assert doc == code


def collect_keys(code: dict[str, dict[str, tuple[str, str]]], name: str, section: object) -> None:
    """Section (and sub-table, as "gateway.allow") -> key -> (type word, TOML default)."""
    hints = typing.get_type_hints(type(section))
    keys: dict[str, tuple[str, str]] = {}
    for f in dataclasses.fields(section):  # type: ignore[arg-type]
        value = getattr(section, f.name)
        if dataclasses.is_dataclass(value):
            collect_keys(code, f"{name}.{f.name}", value)
        else:
            keys[f.name] = (TYPE_WORDS[hints[f.name]], toml_literal(value))
    code[name] = keys


def test_the_doc_states_the_rules() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert "CORSIA_<SECTION>_<KEY>" in text
    assert "relative to the working directory" in text.lower()
    assert "*_file" in text


def test_public_api() -> None:
    assert set(edge.config.__all__) >= {
        "load_config",
        "load_gateway_config",
        "load_hub_config",
        "load_kiosk_config",
        "GatewayConfig",
        "HubConfig",
        "KioskConfig",
        "ConfigError",
    }
    assert all(hasattr(edge.config, name) for name in edge.config.__all__)


def test_gateway_allow_and_filter_sub_tables(tmp_path: Path) -> None:
    path = tmp_path / "gw.toml"
    path.write_text(
        "[gateway]\nrssi_offset = -2.5\n"
        "[gateway.allow]\neid = false\nibeacon_uuids = ['F7826DA6-4FA2-4E98-8024-BC5B71E0893E']\n"
        "[gateway.filter]\nkind = 'window'\nwindow_s = 3\n",
        encoding="utf-8",
    )
    config = load_gateway_config(path, env={"CORSIA_GATEWAY_FILTER_FORGET_AFTER_S": "20"})
    assert config.gateway.rssi_offset == -2.5
    assert config.gateway.allow.eid is False
    assert config.gateway.allow.ibeacon_uuids == ("F7826DA6-4FA2-4E98-8024-BC5B71E0893E",)
    assert config.gateway.filter.kind == "window"
    assert config.gateway.filter.window_s == 3.0
    assert config.gateway.filter.forget_after_s == 20.0


@pytest.mark.parametrize(
    ("table", "line", "key"),
    [
        ("gateway.allow", "ibeacon_uuids = ['not-a-uuid']", "gateway.allow.ibeacon_uuids"),
        ("gateway.allow", "altbeacon_ids = ['0118:abc']", "gateway.allow.altbeacon_ids"),
        ("gateway.filter", "kind = 'median'", "gateway.filter.kind"),
        ("gateway.filter", "path_loss_exponent = 9.0", "gateway.filter.path_loss_exponent"),
        ("gateway", "rssi_offset = 40.0", "gateway.rssi_offset"),
    ],
)
def test_gateway_sub_table_errors_name_the_key(tmp_path: Path, table: str, line: str, key: str) -> None:
    path = tmp_path / "gw.toml"
    path.write_text(f"[{table}]\n{line}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_gateway_config(path, env={})
    assert info.value.key == key
    assert str(path) in str(info.value)


def test_the_hub_presence_defaults_are_the_engine_defaults() -> None:
    assert presence_settings(load_hub_config(None, {}).hub) == PresenceSettings()


def test_the_hub_presence_keys_reach_the_engine(tmp_path: Path) -> None:
    path = tmp_path / "hub.toml"
    path.write_text(
        "[hub]\nentrance_exit_s = 3\nexit_timeout_s = 10\ndoor_exit_dbm = -127\ndoor_confirm_s = 6\n"
        "rejoin_inside_min_dbm = -80\n"
        '[hub.presence]\nrule = "best-gateway"\nhmm_evidence = 1.5\nhmm_switch_p = 0.9\npoints_kind_motion = false\n'
        "path_loss_exponent = 2.7\nshelf_loss_db = 5\ngateway_height_m = 2.5\nbody_loss_db = 4\n"
    )
    settings = presence_settings(load_hub_config(path, {}).hub)
    assert (settings.rule, settings.hmm_evidence, settings.hmm_switch_p) == ("best-gateway", 1.5, 0.9)
    assert (settings.entrance_exit_s, settings.exit_timeout_s) == (3.0, 10.0)
    assert (settings.door_exit_dbm, settings.door_confirm_s) == (-127.0, 6.0)  # a store that turns it off
    assert settings.points_kind_motion is False
    assert PresenceSettings().points_kind_motion is True
    assert settings.rejoin_inside_min_dbm == -80.0
    radio = settings.radio
    assert (radio.path_loss_exponent, radio.shelf_loss_db, radio.gateway_height_m, radio.body_loss_db) == (
        2.7, 5.0, 2.5, 4.0,
    )  # fmt: skip
    assert radio.headings == RadioModel().headings  # what the config does not name keeps the engine's default
