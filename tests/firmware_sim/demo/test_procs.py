"""The process tree: roles from command lines, children found below a process, CPU per role between snapshots."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from firmware_sim.demo.procs import (
    Proc,
    counts_by_role,
    cpu_by_role,
    descendants,
    left_over,
    memory_by_role,
    record,
    role_of,
    snapshot,
    stop,
)


def test_roles_come_from_the_command_line() -> None:
    assert role_of(["/usr/bin/dbus-daemon", "--config-file=/tmp/x"]) == "dbus-daemon"
    assert role_of(["/usr/sbin/mosquitto", "-c", "m.conf"]) == "broker"
    assert role_of([sys.executable, "-m", "edge.cli", "--log-level", "info", "gateway", "--config", "g.toml"]) == (
        "gateway"
    )
    assert role_of([sys.executable, "-m", "edge.cli", "hub", "--config", "hub.toml"]) == "hub"
    assert role_of([sys.executable, "-m", "edge.cli", "broker", "--embedded"]) == "broker"
    assert role_of(["/bin/sleep", "5"]) == "other"
    assert role_of([]) == "other"


def test_children_and_grandchildren_are_found_and_gone_after_they_exit() -> None:
    script = "import subprocess, sys; subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(30)']).wait()"
    child = subprocess.Popen([sys.executable, "-c", script])
    try:
        deadline = time.monotonic() + 10
        found: list[Proc] = []
        while time.monotonic() < deadline:
            found = [p for p in descendants(os.getpid()) if p.pid == child.pid or p.ppid == child.pid]
            if len(found) == 2:
                break
            time.sleep(0.05)
        assert len(found) == 2
        mine = snapshot()
        assert (child.pid, next(p.started for p in found if p.pid == child.pid)) in mine
        assert any(p.role == "demo" and p.pid == os.getpid() for p in mine.values())
    finally:
        grandchildren = [p.pid for p in descendants(child.pid)]
        for pid in grandchildren:
            os.kill(pid, 9)
        child.wait(10)
    time.sleep(0.1)
    assert not [p for p in descendants(os.getpid()) if p.pid == child.pid or p.pid in grandchildren]


def test_cpu_per_role_is_the_difference_between_snapshots_as_a_share_of_one_core() -> None:
    before = {(1, 10): Proc(1, 0, 10, 5.0, "hub"), (2, 11): Proc(2, 0, 11, 1.0, "gateway")}
    after = {
        (1, 10): Proc(1, 0, 10, 7.0, "hub"),
        (2, 11): Proc(2, 0, 11, 2.0, "gateway"),
        (3, 12): Proc(3, 0, 12, 1.0, "gateway"),  # started in between: counted from zero
    }
    assert cpu_by_role(before, after, 10.0) == {"gateway": 0.2, "hub": 0.2}
    assert cpu_by_role(before, after, 0.0) == {}
    assert counts_by_role(after.values()) == {"gateway": 2, "hub": 1}


def test_memory_per_role_is_summed_over_its_processes() -> None:
    procs = [Proc(1, 0, 1, 0.0, "gateway", 40.0), Proc(2, 0, 2, 0.0, "gateway", 41.5), Proc(3, 0, 3, 0.0, "hub", 90)]
    assert memory_by_role(procs) == {"gateway": 81.5, "hub": 90.0}
    [me] = [p for p in snapshot().values() if p.role == "demo"]
    assert me.rss_mb > 10  # this Python process, with pytest loaded


def _started(command: list[str]) -> tuple[subprocess.Popen[bytes], Proc]:
    """A child in a session of its own, as the demo starts its children, once it says it is ready; and how
    `descendants` sees it."""
    child = subprocess.Popen(command, start_new_session=True, stdout=subprocess.PIPE)
    assert child.stdout is not None
    assert child.stdout.readline() == b"ready\n"
    found = [p for p in descendants(os.getpid()) if p.pid == child.pid]
    assert found
    return child, found[0]


def test_what_a_killed_demo_left_running_is_found_by_its_record_and_stopped(tmp_path: Path) -> None:
    sleeper = "import time; print('ready', flush=True); time.sleep(60)"
    # a "hub" that stops on SIGTERM, and a "gateway" that ignores it and needs the SIGKILL
    hub, hub_proc = _started([sys.executable, "-c", sleeper, "hub"])
    stubborn = (
        "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print('ready', flush=True); time.sleep(60)"
    )
    gateway, gateway_proc = _started([sys.executable, "-c", stubborn, "gateway"])
    gone, gone_proc = _started([sys.executable, "-c", sleeper, "kiosk"])
    try:
        gone.kill()  # exited since the record was written
        gone.wait(10)
        path = tmp_path / "processes"
        record(path, [hub_proc, gateway_proc, gone_proc])
        # a pid whose process has changed since (another start time) is not the demo's any more
        path.write_text(path.read_text() + f"{os.getpid()} 1 hub\nnot a line\n")
        stale = left_over(path)
        assert sorted((p.pid, p.role) for p in stale) == sorted([(hub.pid, "hub"), (gateway.pid, "gateway")])
        started = time.monotonic()
        stop(stale, timeout_s=1.0)
        assert hub.wait(5) == -15  # SIGTERM
        assert gateway.wait(5) == -9  # SIGKILL, once the timeout passed
        assert time.monotonic() - started >= 1.0
        assert left_over(path) == []
    finally:
        for child in (hub, gateway, gone):
            if child.poll() is None:
                child.kill()
                child.wait(5)
            assert child.stdout is not None
            child.stdout.close()
    assert left_over(tmp_path / "missing") == []
