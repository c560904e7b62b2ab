"""A private ``dbus-daemon`` as a child process: one per simulated gateway, so they never see each other.

The generated configuration is a session-type bus (no system policy, no service activation) that listens
on a unix socket in its own folder and allows everything. Its limits are the session bus's generous ones:
the virtual BlueZ emits tens of thousands of signals a second, and a daemon that queues or refuses them
would measure itself instead of the gateway.
"""

from __future__ import annotations

import os
import select
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import Final

from edge.programs import find_program
from firmware_sim.bluez.model import DbusDaemonError

# sockaddr_un.sun_path is 108 bytes with its terminating NUL.
_MAX_SOCKET_PATH: Final = 107

_CONFIG: Final = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path={socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
  </policy>
  <limit name="max_incoming_bytes">1000000000</limit>
  <limit name="max_outgoing_bytes">1000000000</limit>
  <limit name="max_message_size">1000000000</limit>
  <limit name="max_completed_connections">100000</limit>
  <limit name="max_connections_per_user">100000</limit>
  <limit name="max_names_per_connection">50000</limit>
  <limit name="max_match_rules_per_connection">50000</limit>
  <limit name="max_replies_per_connection">50000</limit>
</busconfig>
"""


def find_dbus_daemon() -> str | None:
    """The dbus-daemon executable (Debian package ``dbus-daemon``, pulled in by ``dbus``)."""
    return find_program("dbus-daemon")


class DbusDaemon:
    """A ``dbus-daemon`` child process with its configuration, socket and log in `state_dir`.

    Without `state_dir` a temporary folder is made and removed again by `stop`. `address` is the D-Bus
    address to connect to (``unix:path=...,guid=...``), known once `start` returns.
    """

    def __init__(self, state_dir: str | os.PathLike[str] | None = None, *, executable: str | None = None) -> None:
        exe = executable or find_dbus_daemon()
        if exe is None:
            raise DbusDaemonError("dbus-daemon is not installed (apt-get install dbus-daemon)")
        self.executable = exe
        self._given_dir = Path(state_dir) if state_dir is not None else None
        self._dir: Path | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._address: str | None = None

    @property
    def address(self) -> str:
        if self._address is None:
            raise DbusDaemonError("the dbus-daemon is not running")
        return self._address

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self.running and self._process is not None else None

    @property
    def state_dir(self) -> Path | None:
        return self._dir

    def start(self, timeout: float = 10.0) -> str:
        """Start the daemon and return its address once it accepts connections."""
        if self.running:
            return self.address
        if self._given_dir is not None:
            self._given_dir.mkdir(parents=True, exist_ok=True)
            self._dir = self._given_dir
        else:
            self._dir = Path(tempfile.mkdtemp(prefix="corsia-bus-"))
        socket_path = (self._dir / "bus").resolve()
        if len(str(socket_path)) > _MAX_SOCKET_PATH:
            raise DbusDaemonError(f"{socket_path}: too long for a unix socket; use a shorter state folder")
        socket_path.unlink(missing_ok=True)
        config = self._dir / "bus.conf"
        config.write_text(_CONFIG.format(socket=socket_path), encoding="utf-8")
        with (self._dir / "dbus-daemon.log").open("ab") as log:
            self._process = subprocess.Popen(
                [self.executable, f"--config-file={config}", "--nofork", "--nopidfile", "--print-address=1"],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=log,
                start_new_session=True,  # a Ctrl-C in a terminal reaches the demo, which stops us in order
            )
        try:
            self._address = self._read_address(timeout)
        except BaseException:
            self.stop()
            raise
        return self._address

    def _read_address(self, timeout: float) -> str:
        proc = self._process
        assert proc is not None
        assert proc.stdout is not None
        deadline = time.monotonic() + timeout
        line = b""
        while not line.endswith(b"\n"):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise DbusDaemonError(f"dbus-daemon did not print its address within {timeout} s")
            ready, _, _ = select.select([proc.stdout], [], [], remaining)
            if not ready:
                continue
            chunk = os.read(proc.stdout.fileno(), 4096)
            if not chunk:
                proc.wait(timeout=1.0)
                raise DbusDaemonError(f"dbus-daemon exited with {proc.returncode}: {self._log_tail()}")
            line += chunk
        return line.decode().strip()

    def _log_tail(self) -> str:
        assert self._dir is not None
        log = self._dir / "dbus-daemon.log"
        return log.read_text(errors="replace").strip()[-2000:] if log.exists() else ""

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the daemon (SIGTERM, then SIGKILL) and remove a temporary state folder."""
        proc, self._process, self._address = self._process, None, None
        if proc is not None:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
            if proc.stdout is not None:
                proc.stdout.close()
        if self._dir is not None and self._given_dir is None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None

    def __enter__(self) -> DbusDaemon:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
