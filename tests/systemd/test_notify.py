"""The sd_notify protocol as systemd sees it, with the real processes and no systemd.

Each test listens on a datagram socket, starts a real ``corsia`` process with ``NOTIFY_SOCKET`` pointing at it (as
systemd does for a ``Type=notify`` unit), and reads what arrives: ``READY=1`` once the process serves,
``WATCHDOG=1`` repeatedly when ``WATCHDOG_USEC`` is set (``WatchdogSec=``), ``STOPPING=1`` on SIGTERM.

The processes also run with the kernel's memory-deny-write-execute (``PR_SET_MDWE``, Linux 6.3 and later), the
closest thing to the units' ``MemoryDenyWriteExecute=yes`` available without systemd: a library that needs
writable executable memory (a JIT, old-style cffi callbacks) fails these tests, as it would fail under the unit.
"""

from __future__ import annotations

import itertools
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from edge.broker import MosquittoBroker
from firmware_sim.bluez import VirtualBluez
from tests.conftest import REPO, wait_for
from tests.gateway.conftest import GatewayUnderTest

PR_SET_MDWE = 65
PR_MDWE_REFUSE_EXEC_GAIN = 1

# Run the command with memory-deny-write-execute set, inherited by everything the process starts.
MDWE_WRAPPER = f"""
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
if libc.prctl({PR_SET_MDWE}, {PR_MDWE_REFUSE_EXEC_GAIN}, 0, 0, 0) != 0:
    sys.exit("PR_SET_MDWE failed: " + os.strerror(ctypes.get_errno()))
os.execv(sys.argv[1], sys.argv[1:])
"""


def mdwe_supported() -> bool:
    """Whether this kernel has PR_SET_MDWE; checked in a child, since it cannot be undone."""
    probe = "import ctypes, sys; sys.exit(ctypes.CDLL(None).prctl(65, 1, 0, 0, 0) != 0)"
    return subprocess.run([sys.executable, "-c", probe], check=False).returncode == 0


MDWE = mdwe_supported()


def corsia_command(*args: str) -> list[str]:
    """``corsia ARGS`` from this checkout, under MDWE where the kernel has it."""
    command = [sys.executable, "-m", "edge.cli", *args]
    return [sys.executable, "-c", MDWE_WRAPPER, *command] if MDWE else command


class NotifyListener:
    """The manager's end of sd_notify: an abstract datagram socket, as systemd's own is a path in /run."""

    def __init__(self) -> None:
        self.name = f"corsia-test-notify-{secrets.token_hex(6)}"
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind("\0" + self.name)
        self.received: list[tuple[float, str]] = []

    @property
    def address(self) -> str:
        return "@" + self.name

    def collect(self, until: float, stop_at: str | None = None) -> None:
        """Read datagrams until the monotonic time `until` (or one equal to `stop_at` arrives)."""
        while (left := until - time.monotonic()) > 0:
            self.sock.settimeout(left)
            try:
                data = self.sock.recv(4096)
            except TimeoutError:
                return
            for line in data.decode().splitlines():
                self.received.append((time.monotonic(), line))
                if line == stop_at:
                    return

    def states(self, name: str) -> list[float]:
        return [t for t, line in self.received if line == name]

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def listener() -> Iterator[NotifyListener]:
    sock = NotifyListener()
    yield sock
    sock.close()


def terminate(process: subprocess.Popen[bytes], listener: NotifyListener, log: Path) -> None:
    """SIGTERM, as `systemctl stop` sends it: STOPPING=1 arrives and the process exits 0."""
    process.send_signal(signal.SIGTERM)
    listener.collect(time.monotonic() + 15, stop_at="STOPPING=1")
    assert listener.states("STOPPING=1"), log.read_text()
    assert process.wait(20) == 0, log.read_text()


@contextmanager
def notified(
    role: str, config: Path, tmp_path: Path, listener: NotifyListener
) -> Iterator[tuple[subprocess.Popen[bytes], Path]]:
    """`corsia <role> --config <config>` under systemd's notify socket (WatchdogSec=2), once it said READY=1:
    the process and its log. Killed on the way out if the test did not stop it."""
    log = tmp_path / f"{role}.log"
    env = dict(os.environ, NOTIFY_SOCKET=listener.address, WATCHDOG_USEC="2000000")
    with open(log, "wb") as out:
        process = subprocess.Popen(corsia_command(role, "--config", str(config)), cwd=tmp_path, env=env,
                                   stdout=out, stderr=subprocess.STDOUT)  # fmt: skip
    try:
        listener.collect(time.monotonic() + 30, stop_at="READY=1")
        assert listener.states("READY=1"), log.read_text()
        yield process, log
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)


def check_watchdog(listener: NotifyListener, *, observe_s: float, at_least: int, max_gap_s: float) -> None:
    """After READY, WATCHDOG=1 keeps arriving, never further apart than `max_gap_s` (under WatchdogSec)."""
    listener.collect(time.monotonic() + observe_s)
    pings = listener.states("WATCHDOG=1")
    ready = listener.states("READY=1")
    assert len(ready) == 1
    after = [t for t in pings if t >= ready[0]]
    assert len(after) >= at_least, listener.received
    gaps = [b - a for a, b in itertools.pairwise(after)]
    assert max(gaps) <= max_gap_s, gaps


def test_mdwe_wrapper_really_refuses_writable_executable_memory() -> None:
    """The wrapper is not a no-op: a process under it cannot map writable executable memory."""
    if not MDWE:
        pytest.skip("this kernel has no PR_SET_MDWE (Linux 6.3 and later)")
    attempt = "import mmap; mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)"
    wrapped = subprocess.run(
        [sys.executable, "-c", MDWE_WRAPPER, sys.executable, "-c", attempt], capture_output=True, check=False
    )
    assert wrapped.returncode != 0
    assert b"PermissionError" in wrapped.stderr
    plain = subprocess.run([sys.executable, "-c", attempt], capture_output=True, check=False)
    assert plain.returncode == 0, plain.stderr


def test_hub_notifies_ready_watchdog_and_stopping(
    tmp_path: Path, broker: MosquittoBroker, listener: NotifyListener
) -> None:
    config = tmp_path / "hub.toml"
    config.write_text(
        f"""
[store]
id = "demo"
layout = "{REPO / "examples/stores/demo.toml"}"
[mqtt]
port = {broker.port}
reconnect_min_s = 0.2
reconnect_max_s = 1.0
[hub]
db = "{tmp_path / "hub.db"}"
http = "127.0.0.1:0"
vapid_private_key_file = "{tmp_path / "vapid.pem"}"
secret_key_file = "{tmp_path / "secret.key"}"
""",
        encoding="utf-8",
    )
    # WatchdogSec=2: a ping at least every second; the hub's ticker runs once a second.
    with notified("hub", config, tmp_path, listener) as (process, log):
        # First start: the VAPID and at-rest keys were generated (cryptography, under MDWE) before READY.
        assert (tmp_path / "vapid.pem").exists()
        assert (tmp_path / "secret.key").exists()
        check_watchdog(listener, observe_s=3.5, at_least=2, max_gap_s=2.0)
        terminate(process, listener, log)


def test_kiosk_notifies_ready_watchdog_and_stopping(
    tmp_path: Path, broker: MosquittoBroker, listener: NotifyListener
) -> None:
    config = tmp_path / "kiosk.toml"
    config.write_text(
        f"""
[mqtt]
port = {broker.port}
[kiosk]
http = "127.0.0.1:0"
hub_url = "http://127.0.0.1:9"
card_reader = ""
camera = ""
outbox = "{tmp_path / "outbox.db"}"
""",
        encoding="utf-8",
    )
    with notified("kiosk", config, tmp_path, listener) as (process, log):
        check_watchdog(listener, observe_s=3.5, at_least=2, max_gap_s=2.0)
        terminate(process, listener, log)


class NotifiedGateway(GatewayUnderTest):
    """The gateway harness of tests/gateway, started through the MDWE wrapper when the kernel has it."""

    def start(self, **extra_env: str) -> None:
        env = dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=self.bluez.address, **extra_env)
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(corsia_command("gateway", "--config", str(self.config)), cwd=REPO,
                                            env=env, stdout=log, stderr=subprocess.STDOUT)  # fmt: skip
        assert wait_for(lambda: self.bluez.discovering, 15), self.log.read_text()


def test_gateway_notifies_ready_watchdog_and_stopping(
    tmp_path: Path, broker: MosquittoBroker, listener: NotifyListener
) -> None:
    with VirtualBluez() as bluez:
        gateway = NotifiedGateway(tmp_path, broker, bluez)
        # WatchdogSec=0.6: the event loop pings every 0.3 s.
        gateway.start(NOTIFY_SOCKET=listener.address, WATCHDOG_USEC="600000")
        try:
            assert gateway.process is not None
            listener.collect(time.monotonic() + 15, stop_at="READY=1")
            assert listener.states("READY=1"), gateway.log.read_text()
            assert bluez.discovering  # READY comes once the real bleak scans the (virtual) BlueZ
            check_watchdog(listener, observe_s=2.0, at_least=4, max_gap_s=0.6)
            terminate(gateway.process, listener, gateway.log)
            gateway.process = None
        finally:
            gateway.stop()
