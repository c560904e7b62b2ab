"""The demo's child processes: `corsia hub`, `corsia kiosk` and the embedded broker, each with its log file.

Every child runs in a session of its own, so a Ctrl-C in the terminal reaches only `corsia demo`, which then
stops them in its own order (SIGTERM, and SIGKILL for one that does not exit in time). Their output goes to a
log file in the state folder; the last lines are shown when one fails to start.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Final

from edge.errors import CorsiaError

CORSIA: Final = (sys.executable, "-m", "edge.cli")
LOG_TAIL_BYTES: Final = 3000


class DemoError(CorsiaError):
    """The demo cannot run: a part did not start (`part` names it), or the state folder is not the demo's."""

    def __init__(self, part: str, reason: str) -> None:
        self.part = part
        self.reason = reason
        super().__init__(f"{part}: {reason}")


def log_tail(path: Path, size: int = LOG_TAIL_BYTES) -> str:
    """The end of a log file ("" when there is none)."""
    try:
        with open(path, "rb") as log:
            log.seek(max(0, path.stat().st_size - size))
            return log.read().decode("utf-8", "replace")
    except OSError:
        return ""


class ChildProcess:
    """One `corsia …` child process, `name` for messages, output to `log`."""

    def __init__(self, name: str, argv: Sequence[str], log: Path, env: Mapping[str, str] | None = None) -> None:
        self.name = name
        self.argv = list(argv)
        self.log = log
        self.env = dict(os.environ if env is None else env)
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> ChildProcess:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log, "ab") as out:
            try:
                self.process = subprocess.Popen(
                    self.argv, env=self.env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                    start_new_session=True,
                )  # fmt: skip
            except OSError as exc:
                raise DemoError(self.name, f"cannot start: {exc}") from exc
        return self

    @property
    def pid(self) -> int | None:
        return None if self.process is None else self.process.pid

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    @property
    def returncode(self) -> int | None:
        return None if self.process is None else self.process.poll()

    def wait_until(self, ready: Callable[[], bool], timeout_s: float, what: str) -> None:
        """Poll `ready` until it holds; `DemoError` with the log's tail when the process exits or time runs out."""
        deadline = time.monotonic() + timeout_s
        while True:
            if ready():
                return
            if not self.running:
                raise DemoError(
                    self.name, f"exited with code {self.returncode} before {what}; the end of {self.log}:\n"
                    f"{log_tail(self.log)}",
                )  # fmt: skip
            if time.monotonic() >= deadline:
                raise DemoError(self.name, f"not {what} within {timeout_s:g} s; see {self.log}:\n{log_tail(self.log)}")
            time.sleep(0.1)

    def stop(self, timeout_s: float = 15.0) -> int | None:
        """SIGTERM, wait, SIGKILL after `timeout_s`; the exit code (None if it never started). Idempotent."""
        process = self.process
        if process is None:
            return None
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout_s)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        return process.returncode
