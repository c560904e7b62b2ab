"""The demo's state folder and the configuration files it writes there for the hub, the gateways and the kiosk.

Each process reads its own TOML file, as in a store (docs/config.md); only what differs per gateway comes from
the environment (`firmware_sim.realtime.GatewayFleet`). Secrets (the hub's admin and kiosk tokens) are new for
every run and live in files of their own (mode 0600), referenced by the `*_file` keys as production does.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from edge.errors import CorsiaError
from firmware_sim.world.scenarios import DEMO_LAYOUT

STORE: Final = "demo"
KIOSK_ID: Final = "kiosk-01"
MQTT_USER: Final = "corsia-demo"
"""The embedded broker (amqtt) keeps persistent sessions only for clients with a user name, so every demo
process gives one; Mosquitto, as the demo runs it, takes any name without a password."""
MIN_PUSH_GAP_S: Final = 60.0
"""The demo's gap between two marketing pushes to one member. The production default (600 s) would hide the
zone promotion and the thank-you of a shopper who got the entry push a few minutes before."""
MARKER: Final = ".corsia-demo"
"""A file in the state folder saying the demo made it: only such a folder is wiped at the next start."""


def toml_str(value: str | Path) -> str:
    """A TOML basic string (JSON's escapes are TOML's for everything a path or token holds)."""
    return json.dumps(str(value), ensure_ascii=False)


@dataclass(frozen=True, slots=True)
class Ports:
    mqtt: int
    hub: int
    kiosk: int


@dataclass(frozen=True, slots=True)
class StatePaths:
    """Where everything of one run lives, under `root` (``var/demo`` by default)."""

    root: Path

    def _p(self, name: str) -> Path:
        return self.root / name

    @property
    def broker(self) -> Path:
        return self._p("broker")

    @property
    def hub_toml(self) -> Path:
        return self._p("hub.toml")

    @property
    def gateway_toml(self) -> Path:
        return self._p("gateway.toml")

    @property
    def kiosk_toml(self) -> Path:
        return self._p("kiosk.toml")

    @property
    def hub_db(self) -> Path:
        return self._p("hub.db")

    @property
    def secret_key(self) -> Path:
        return self._p("hub-secret.key")

    @property
    def vapid_key(self) -> Path:
        return self._p("vapid-private.pem")

    @property
    def admin_token(self) -> Path:
        return self._p("admin-token")

    @property
    def kiosk_token(self) -> Path:
        return self._p("kiosk-token")

    @property
    def gateways(self) -> Path:
        return self._p("gateways")

    @property
    def devices(self) -> Path:
        return self._p("devices")

    @property
    def kiosk_outbox(self) -> Path:
        return self._p("kiosk-outbox.db")

    def log(self, name: str) -> Path:
        return self._p(f"{name}.log")


@dataclass(frozen=True, slots=True)
class Tokens:
    admin: str
    kiosk: str

    @classmethod
    def new(cls) -> Tokens:
        return cls(secrets.token_urlsafe(24), secrets.token_urlsafe(24))


def write_secret(path: Path, value: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as file:
        file.write(value + "\n")


def _common(ports: Ports, log_level: str) -> tuple[str, str]:
    head = f"[store]\nid = {toml_str(STORE)}\nlayout = {toml_str(DEMO_LAYOUT)}\n\n"
    mqtt = f'[mqtt]\nhost = "127.0.0.1"\nport = {ports.mqtt}\nusername = {toml_str(MQTT_USER)}\n\n'
    tail = f"[log]\nlevel = {toml_str(log_level)}\n"
    return head + mqtt, tail


def write_configs(
    paths: StatePaths,
    ports: Ports,
    tokens: Tokens,
    *,
    card_reader: str,
    camera: str,
    log_level: str = "info",
    phones_url: str = "",
) -> None:
    """The three config files and the two token files. `phones_url` (the phones' push service's ``/phones``)
    gives the hub's dashboard its demo-only phones view."""
    write_secret(paths.admin_token, tokens.admin)
    write_secret(paths.kiosk_token, tokens.kiosk)
    head, tail = _common(ports, log_level)
    paths.hub_toml.write_text(
        "# corsia demo: the hub. Written at every start; see docs/demo.md.\n" + head + "[hub]\n"
        f"db = {toml_str(paths.hub_db)}\n"
        f'http = "127.0.0.1:{ports.hub}"\n'
        f'public_url = "http://127.0.0.1:{ports.hub}"\n'
        f"admin_token_file = {toml_str(paths.admin_token)}\n"
        f"kiosk_token_file = {toml_str(paths.kiosk_token)}\n"
        f"secret_key_file = {toml_str(paths.secret_key)}\n"
        f"vapid_private_key_file = {toml_str(paths.vapid_key)}\n"
        'vapid_subject = "mailto:it@example.it"\n'
        f"min_push_gap_s = {MIN_PUSH_GAP_S}\n"
        f"phones_url = {toml_str(phones_url)}\n\n" + tail,
        encoding="utf-8",
    )
    paths.gateway_toml.write_text(
        "# corsia demo: the template of every gateway (id, spool, bus and tag UUIDs come from the environment).\n"
        + head
        + '[gateway]\nadapter = "hci0"\nreport_interval = 1.0\n\n'
        "[gateway.allow]\neid = true\n\n" + tail,
        encoding="utf-8",
    )
    paths.kiosk_toml.write_text(
        "# corsia demo: the kiosk, with the virtual card reader and camera.\n" + head + "[kiosk]\n"
        f"id = {toml_str(KIOSK_ID)}\n"
        f'http = "127.0.0.1:{ports.kiosk}"\n'
        f'hub_url = "http://127.0.0.1:{ports.hub}"\n'
        f"hub_token_file = {toml_str(paths.kiosk_token)}\n"
        f"card_reader = {toml_str(card_reader)}\n"
        'card_protocol = "barcode"\n'
        f"camera = {toml_str(camera)}\n\n" + tail,
        encoding="utf-8",
    )


def prepare_state(root: Path) -> StatePaths:
    """An empty state folder at `root`: made if missing, wiped if an earlier demo made it.

    A folder with anything else in it is left alone (`NotDemoState`): ``--state ~`` must not wipe a home.
    """
    root = root.resolve()
    if root.exists():
        if not root.is_dir():
            raise NotDemoState(root, "it is not a folder")
        if any(root.iterdir()) and not (root / MARKER).exists():
            raise NotDemoState(root, f"it is not empty and has no {MARKER} file (the demo wipes only its own)")
        shutil.rmtree(root)
    root.mkdir(parents=True)
    (root / MARKER).write_text("made by corsia demo; wiped at its next start\n", encoding="utf-8")
    return StatePaths(root)


class NotDemoState(CorsiaError):
    """The state folder holds something the demo did not make."""

    def __init__(self, path: Path, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"--state {path}: {reason}")
