"""`GatewayFleet`: one `corsia gateway` process per simulated gateway, each scanning its own virtual BlueZ.

Every process runs the production gateway from one template config file; what differs per gateway comes from
the environment (docs/config.md, "Environment overrides"): ``CORSIA_GATEWAY_ID``, ``CORSIA_GATEWAY_SPOOL`` (under
the state folder), ``CORSIA_GATEWAY_ALLOW_IBEACON_UUIDS`` (the scenario's tag UUIDs, a TOML array literal) and
``DBUS_SYSTEM_BUS_ADDRESS`` (its virtual BlueZ's private bus). Processes start in a session of their own, so a
Ctrl-C reaches only `corsia sim`, which then stops them in order with SIGTERM (the gateway publishes its last
interval, drains and says offline).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Protocol

from firmware_sim.realtime.driver import SimError

LOG_TAIL_BYTES = 2000
STACKS_S = 1.0  # for a gateway that did not stop to write its stacks before it is killed


class ScannedBus(Protocol):
    """What the fleet needs of a virtual BlueZ: its bus address and whether anyone scans it."""

    @property
    def address(self) -> str: ...

    @property
    def discovering(self) -> bool: ...

    @property
    def monitors(self) -> int: ...


def gateway_env(
    gw_id: str, bus_address: str, spool: Path, ibeacon_uuids: Sequence[str] | None, base: Mapping[str, str]
) -> dict[str, str]:
    """The environment of gateway `gw_id`'s process: `base` plus its overrides (`ibeacon_uuids` None keeps
    the template's allow-list)."""
    env = dict(base)
    env["CORSIA_GATEWAY_ID"] = gw_id
    env["CORSIA_GATEWAY_SPOOL"] = str(spool)
    if ibeacon_uuids is not None:
        env["CORSIA_GATEWAY_ALLOW_IBEACON_UUIDS"] = "[" + ", ".join(f'"{u}"' for u in ibeacon_uuids) + "]"
    env["DBUS_SYSTEM_BUS_ADDRESS"] = bus_address
    return env


class GatewayFleet:
    """The gateway processes of one `corsia sim --spawn-gateways` run.

    `config` is the template gateway config (None: the gateway's defaults), `state_dir` gets a folder per
    gateway with its spool and its log (``gateway.log``). `command` is how to run ``corsia`` (default: this
    Python with ``-m edge.cli``).
    """

    def __init__(
        self,
        buses: Mapping[str, ScannedBus],
        state_dir: Path,
        *,
        config: Path | None = None,
        ibeacon_uuids: Sequence[str] | None = None,
        base_env: Mapping[str, str] | None = None,
        command: Sequence[str] = (sys.executable, "-m", "edge.cli"),
        log_level: str = "info",
    ) -> None:
        self.buses = dict(buses)
        self.state_dir = state_dir
        self.config = config
        self.ibeacon_uuids = ibeacon_uuids
        self.base_env = dict(os.environ if base_env is None else base_env)
        self.command = list(command)
        self.log_level = log_level
        self.processes: dict[str, subprocess.Popen[bytes]] = {}

    def folder(self, gw_id: str) -> Path:
        return self.state_dir / gw_id

    def log_path(self, gw_id: str) -> Path:
        return self.folder(gw_id) / "gateway.log"

    def env(self, gw_id: str) -> dict[str, str]:
        """Gateway `gw_id`'s environment (also what `check` validates the template with)."""
        spool = self.folder(gw_id) / "spool.db"
        return gateway_env(gw_id, self.buses[gw_id].address, spool, self.ibeacon_uuids, self.base_env)

    def check(self) -> None:
        """Load the template with each gateway's environment, as the gateway will: `ConfigError` if it fails."""
        from edge.config import load_gateway_config

        for gw_id in self.buses:
            load_gateway_config(self.config, env=self.env(gw_id))

    def start(self) -> None:
        """Start every gateway process (they come up in parallel; see `wait_scanning`)."""
        argv = [*self.command, "--log-level", self.log_level, "gateway"]
        if self.config is not None:
            argv += ["--config", str(self.config)]
        for gw_id in self.buses:
            folder = self.folder(gw_id)
            folder.mkdir(parents=True, exist_ok=True)
            with open(self.log_path(gw_id), "ab") as log:
                try:
                    self.processes[gw_id] = subprocess.Popen(
                        argv, env=self.env(gw_id), stdout=log, stderr=subprocess.STDOUT, start_new_session=True
                    )
                except OSError as exc:
                    self.stop()
                    raise SimError(f"cannot start the gateway process for {gw_id}: {exc}") from exc

    def scanning(self) -> list[str]:
        """The gateways whose virtual BlueZ has a scanner on it (an active discovery or a passive monitor)."""
        return [gw for gw, bus in self.buses.items() if bus.discovering or bus.monitors > 0]

    def wait_scanning(self, timeout_s: float, stop: threading.Event | None = None) -> None:
        """Block until every gateway scans its virtual BlueZ (or `stop` is set); `SimError` (with the log's
        tail) when a process exits or `timeout_s` passes first."""
        deadline = time.monotonic() + timeout_s
        while stop is None or not stop.is_set():
            for gw_id, process in self.processes.items():
                if process.poll() is not None:
                    raise SimError(
                        f"gateway {gw_id} exited with code {process.returncode} before scanning; "
                        f"the end of {self.log_path(gw_id)}:\n{self.log_tail(gw_id)}"
                    )
            waiting = sorted(set(self.buses) - set(self.scanning()))
            if not waiting:
                return
            if time.monotonic() >= deadline:
                raise SimError(
                    f"gateway(s) {', '.join(waiting)} did not start scanning within {timeout_s:g} s; "
                    f"see {self.log_path(waiting[0])}:\n{self.log_tail(waiting[0])}"
                )
            if stop is None:
                time.sleep(0.05)
            else:
                stop.wait(0.05)

    def log_tail(self, gw_id: str) -> str:
        path = self.log_path(gw_id)
        try:
            with open(path, "rb") as log:
                log.seek(max(0, path.stat().st_size - LOG_TAIL_BYTES))
                return log.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def stop(self, timeout_s: float = 20.0) -> dict[str, int]:
        """SIGTERM every running gateway, wait for each (SIGKILL after `timeout_s`); the exit codes. Idempotent."""
        for process in self.processes.values():
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout_s
        codes: dict[str, int] = {}
        for gw_id, process in self.processes.items():
            try:
                codes[gw_id] = process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                # Where it is stuck goes to its log first (`corsia gateway` dumps its stacks on SIGUSR1).
                with contextlib.suppress(ProcessLookupError):
                    process.send_signal(signal.SIGUSR1)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    process.wait(STACKS_S)
                process.kill()
                codes[gw_id] = process.wait()
        return codes
