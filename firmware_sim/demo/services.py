"""Starting the demo's servers: the broker, `corsia hub` and `corsia kiosk`, each ready before the next needs it.

The broker is Mosquitto when it is installed (as in a store), else the embedded amqtt broker of `corsia broker
--embedded`. The hub is ready when its ``/healthz`` answers; the kiosk when its screen's port accepts
connections. The kiosk is optional: when it does not start, the demo says why and goes on without it.
"""

from __future__ import annotations

import contextlib
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Final

from edge.broker import BrokerError, MosquittoBroker, find_mosquitto, port_open
from firmware_sim.demo.configs import StatePaths
from firmware_sim.demo.processes import CORSIA, ChildProcess, DemoError, log_tail

BROKER_START_S: Final = 15.0
HUB_START_S: Final = 60.0
KIOSK_START_S: Final = 45.0


class Broker:
    """The demo's MQTT broker on 127.0.0.1:`port`: `kind` says which one runs."""

    def __init__(self, paths: StatePaths, port: int, *, embedded: bool | None = None) -> None:
        self.port = port
        self.embedded = find_mosquitto() is None if embedded is None else embedded
        self.kind = "embedded amqtt" if self.embedded else "Mosquitto"
        self._mosquitto: MosquittoBroker | None = None
        self._child: ChildProcess | None = None
        self._paths = paths

    def start(self) -> Broker:
        if not self.embedded:
            self._mosquitto = MosquittoBroker(self._paths.broker, port=self.port)
            try:
                self._mosquitto.start(BROKER_START_S)
            except BrokerError as exc:
                raise DemoError("broker", str(exc)) from exc
            return self
        argv = [*CORSIA, "broker", "--embedded", "--host", "127.0.0.1", "--port", str(self.port),
                "--data-dir", str(self._paths.broker)]  # fmt: skip
        self._child = ChildProcess("broker", argv, self._paths.log("broker")).start()
        self._child.wait_until(lambda: port_open("127.0.0.1", self.port), BROKER_START_S, "listening")
        return self

    @property
    def running(self) -> bool:
        if self._mosquitto is not None:
            return self._mosquitto.running
        return self._child is not None and self._child.running

    def stop(self) -> None:
        if self._mosquitto is not None:
            self._mosquitto.stop()
        if self._child is not None:
            self._child.stop()


def http_ok(url: str, timeout_s: float = 2.0) -> bool:
    """Whether `url` answers 200."""
    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as answer:  # our own loopback URL
            return int(answer.status) == 200
    except (urllib.error.URLError, OSError, ValueError):
        return False


def start_hub(paths: StatePaths, port: int, log_level: str = "info") -> ChildProcess:
    """`corsia hub` on the demo's config, once its API answers ``/healthz``."""
    argv = [*CORSIA, "--log-level", log_level, "hub", "--config", str(paths.hub_toml)]
    hub = ChildProcess("hub", argv, paths.log("hub")).start()
    try:
        hub.wait_until(lambda: http_ok(f"http://127.0.0.1:{port}/healthz"), HUB_START_S, "serving /healthz")
    except DemoError:
        hub.stop()
        raise
    return hub


@dataclass(frozen=True, slots=True)
class KioskStart:
    """The kiosk process when it runs, else why not (the demo goes on without it)."""

    process: ChildProcess | None
    problem: str = ""


def start_kiosk(paths: StatePaths, port: int, log_level: str = "info") -> KioskStart:
    """`corsia kiosk` on the demo's config, once its screen's port is open; a `KioskStart` with the problem and
    the log's last line when it does not start."""
    argv = [*CORSIA, "--log-level", log_level, "kiosk", "--config", str(paths.kiosk_toml),
            "--outbox", str(paths.kiosk_outbox)]  # fmt: skip
    kiosk = ChildProcess("kiosk", argv, paths.log("kiosk"))
    try:
        kiosk.start()
        kiosk.wait_until(lambda: port_open("127.0.0.1", port), KIOSK_START_S, "serving its screen")
    except DemoError as exc:
        with contextlib.suppress(DemoError):
            kiosk.stop()
        lines = [line for line in log_tail(paths.log("kiosk")).splitlines() if line.strip()]
        last = lines[-1].strip() if lines else exc.reason.splitlines()[0]
        return KioskStart(None, f"{last} (see {paths.log('kiosk')})")
    return KioskStart(kiosk)
