"""Run a real Mosquitto broker as a child process: for `corsia broker`, the demo and the tests.

Mosquitto 2 starts in milliseconds without systemd. The generated configuration listens on one loopback
port, keeps persistent sessions on disk (so a restart loses no queued QoS 1 message) and queues enough
messages per offline client for a hub that is away for a while.
"""

from __future__ import annotations

import getpass
import os
import signal
import socket
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path

from edge.errors import CorsiaError
from edge.programs import find_program


class BrokerError(CorsiaError):
    """The broker could not be found, configured or started."""


def find_mosquitto() -> str | None:
    """The mosquitto executable (Debian installs it in /usr/sbin)."""
    return find_program("mosquitto")


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that was free a moment ago (the broker binds it right after)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.2):
            return True
    except OSError:
        return False


class MosquittoBroker:
    """A Mosquitto child process on `host`:`port` with its state in `data_dir`.

    `listener_options` are lines for the listener (TLS files); `extra_config` is appended to the generated
    configuration (password file, ACLs, more listeners).
    Use as a context manager, or `start` / `stop`; `restart` keeps the port and the persisted sessions.
    """

    def __init__(
        self,
        data_dir: str | os.PathLike[str],
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        extra_config: str = "",
        listener_options: Sequence[str] = (),
        allow_anonymous: bool = True,
        executable: str | None = None,
    ) -> None:
        exe = executable or find_mosquitto()
        if exe is None:
            raise BrokerError("mosquitto is not installed (apt-get install mosquitto), or use the embedded broker")
        self.executable = exe
        self.host = host
        self.port = port or free_port(host)
        self.data_dir = Path(data_dir)
        self.extra_config = extra_config
        self.listener_options = tuple(listener_options)
        self.allow_anonymous = allow_anonymous
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def config_path(self) -> Path:
        return self.data_dir / "mosquitto.conf"

    @property
    def log_path(self) -> Path:
        return self.data_dir / "mosquitto.log"

    def write_config(self) -> Path:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        lines = [
            f"listener {self.port} {self.host}",
            *self.listener_options,  # per-listener lines (cafile, certfile, keyfile, ...) follow the listener
            f"allow_anonymous {'true' if self.allow_anonymous else 'false'}",
            "persistence true",
            f"persistence_location {self.data_dir.resolve()}/",
            "autosave_interval 5",
            # A hub away for a while must find its sightings queued: 1,000 (the default) is 16 minutes of one
            # gateway's batches.
            "max_queued_messages 200000",
            "max_inflight_messages 1000",
            "set_tcp_nodelay true",
            f"log_dest file {self.log_path.resolve()}",
            "log_type error",
            "log_type warning",
            "log_type notice",
        ]
        if os.geteuid() == 0:
            # As root, mosquitto would switch to the "mosquitto" user, who cannot write our data folder.
            lines.append(f"user {getpass.getuser()}")
        self.config_path.write_text("\n".join(lines) + "\n" + self.extra_config + "\n", encoding="utf-8")
        return self.config_path

    def start(self, timeout: float = 10.0) -> None:
        """Start the broker and wait until it accepts connections."""
        if self.process is not None and self.process.poll() is None:
            return
        self.write_config()
        self.process = subprocess.Popen(
            [self.executable, "-c", str(self.config_path)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,  # a Ctrl-C in a terminal reaches the demo, which stops us in order
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                err = ""
                if self.process.stderr is not None:
                    with self.process.stderr:  # closed here: the process is gone and nobody else reads it
                        err = self.process.stderr.read().decode(errors="replace")
                log = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
                raise BrokerError(f"mosquitto exited with {self.process.returncode}: {err.strip()} {log.strip()}")
            if port_open(self.host, self.port):
                return
            time.sleep(0.02)
        self.stop()
        raise BrokerError(f"mosquitto did not listen on {self.host}:{self.port} within {timeout} s")

    def stop(self, timeout: float = 10.0) -> None:
        """Stop cleanly (SIGTERM): Mosquitto saves its persistent sessions first."""
        self._signal(signal.SIGTERM, timeout)

    def kill(self) -> None:
        """Stop abruptly (SIGKILL), as a power cut would."""
        self._signal(signal.SIGKILL, 10.0)

    def restart(self, down_s: float = 0.0) -> None:
        self.stop()
        if down_s:
            time.sleep(down_s)
        self.start()

    def _signal(self, sig: signal.Signals, timeout: float) -> None:
        proc = self.process
        if proc is None or proc.poll() is not None:
            self.process = None
            return
        proc.send_signal(sig)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stderr:
            proc.stderr.close()
        self.process = None

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def __enter__(self) -> MosquittoBroker:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
