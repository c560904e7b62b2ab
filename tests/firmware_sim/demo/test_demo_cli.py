"""`corsia demo` end to end, as a user runs it: a subprocess, headless, against the real broker, hub, gateways
(real bleak over the virtual BlueZ), kiosk and push service. It must produce visits, notifications that reach the
phones and receipts, stop cleanly on time or on Ctrl-C, and leave no process behind."""

from __future__ import annotations

import contextlib
import json
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import requests

from firmware_sim.demo.procs import PROC, descendants
from tests.conftest import REPO


class Tree:
    """Every process seen below `pid` while it runs, by (pid, start time): none may outlive the demo."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.seen: dict[tuple[int, int], str] = {}
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        while not self._done.wait(0.5):
            for proc in descendants(self.pid):
                # A process between fork and exec, or exiting (a zombie has no command line), reads as "other".
                if proc.role != "other" or (proc.pid, proc.started) not in self.seen:
                    self.seen[(proc.pid, proc.started)] = proc.role

    def stop(self) -> None:
        self._done.set()
        self._thread.join(5)

    def alive(self) -> list[str]:
        """The processes seen that still run (same pid and start time: not a recycled pid)."""
        left = []
        for (pid, started), role in self.seen.items():
            try:
                fields = (PROC / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[19]) == started:
                left.append(f"{role} {pid}")
        return left


class Output:
    """The demo's output, read as it comes (`lines`); `opened` is set once it says the store is open."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.proc = proc
        self.lines: list[str] = []
        self.opened = threading.Event()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for text in self.proc.stdout:
            self.lines.append(text)
            if "Ctrl-C stops everything" in text:
                self.opened.set()

    def close(self) -> None:
        self._reader.join(5)
        assert self.proc.stdout is not None
        self.proc.stdout.close()


@contextlib.contextmanager
def open_store(*args: str) -> Iterator[tuple[subprocess.Popen[str], Output, Tree]]:
    """`demo(*args)` once it says the store is open; whatever happens, killed if still running afterwards."""
    proc = demo(*args)
    tree = Tree(proc.pid)
    output = Output(proc)
    try:
        assert output.opened.wait(90), "".join(output.lines)
        yield proc, output, tree
    finally:
        tree.stop()
        if proc.poll() is None:
            proc.kill()
        output.close()


def stopped_by(proc: subprocess.Popen[str], output: Output, sig: signal.Signals) -> None:
    """Send `sig` a second after the store opened; the demo must then stop in order and exit 0."""
    time.sleep(1)
    proc.send_signal(sig)
    assert proc.wait(60) == 0, "".join(output.lines)


def demo(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "edge.cli", "demo", "--no-browser", *args], cwd=REPO, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip


def test_a_minute_of_the_demo_has_visits_pushes_and_receipts_and_leaves_nothing_behind(tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    state = tmp_path / "state"
    proc = demo("--duration", "60", "--shoppers", "6", "--seed", "1", "--state", str(state), "--json", str(report))
    tree = Tree(proc.pid)
    try:
        out, _ = proc.communicate(timeout=150)
    finally:
        tree.stop()
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, out
    counts = json.loads(report.read_text())
    assert counts["visits"] >= 3, out
    assert counts["notifications"] >= 3, out  # decrypted by the phones' push service
    assert counts["notifications_by_trigger"].get("store_enter", 0) >= 1
    assert counts["receipts"] >= 2, out
    assert counts["member_receipts"] >= 1, out
    assert counts["journey"].get("purchase", 0) >= 1  # the hub linked a member's receipt to the visit
    assert counts["peak_gateways_online"] == counts["gateways"] == 12
    assert set(counts["gateway_exit_codes"].values()) == {0}
    assert counts["processes"]["gateway"] == 12
    assert counts["processes"]["dbus-daemon"] == 12
    assert counts["processes"]["hub"] == 1
    assert 55 <= counts["elapsed_s"] <= 75
    assert counts["left_running"] == 0
    assert tree.alive() == []
    assert {"gateway", "dbus-daemon", "hub", "broker"} <= set(tree.seen.values()), tree.seen
    assert "/dashboard?token=" in out
    assert "processes left running: 0" in out
    assert "Traceback" not in (state / "hub.log").read_text()
    for log in (state / "gateways").glob("*/gateway.log"):
        assert "Traceback" not in log.read_text(), log


def test_ctrl_c_stops_everything_in_order_and_exits_0(tmp_path: Path) -> None:
    with open_store("--shoppers", "6", "--state", str(tmp_path / "state")) as (proc, output, tree):
        lines = output.lines
        # The printed wallet link opens a simulated shopper's wallet app on the running hub.
        match = re.search(r"wallet app\s+(http://\S+)/app/enroll#(\S+) \(", "".join(lines))
        assert match is not None, "".join(lines)
        hub, token = match.groups()
        assert requests.get(f"{hub}/app/enroll", timeout=10).status_code == 200
        enrolled = requests.post(
            f"{hub}/api/v1/enroll", json={"enrollment_token": token, "platform": "web"}, timeout=10
        )
        assert enrolled.status_code == 201, enrolled.text
        wallet = requests.get(f"{hub}/api/v1/members/{enrolled.json()['member_id']}/wallet", timeout=10,
                              headers={"Authorization": f"Bearer {enrolled.json()['app_token']}"})  # fmt: skip
        assert wallet.status_code == 200, wallet.text
        stopped_by(proc, output, signal.SIGINT)
    out = "".join(lines)
    assert "processes left running: 0" in out
    assert "exit codes: gw-01 0" in out
    assert tree.alive() == []
    assert len([role for role in tree.seen.values() if role == "gateway"]) == 12


def test_closing_the_terminal_stops_everything_in_order_too(tmp_path: Path) -> None:
    # SIGHUP: the children run in sessions of their own, so without the demo stopping them they would outlive it
    report = tmp_path / "report.json"
    with open_store("--shoppers", "6", "--state", str(tmp_path / "state"), "--json", str(report)) as (
        proc,
        output,
        tree,
    ):
        stopped_by(proc, output, signal.SIGHUP)
    counts = json.loads(report.read_text())
    assert counts["left_running"] == 0
    assert set(counts["gateway_exit_codes"].values()) == {0}
    assert tree.alive() == []
    assert {"gateway", "dbus-daemon", "hub", "broker"} <= set(tree.seen.values()), tree.seen
    # the terminal is gone: nothing more is written to it, and nothing fails for want of it
    assert "processes left running" not in "".join(output.lines)


def test_the_next_start_stops_what_a_killed_demo_left_running(tmp_path: Path) -> None:
    state = tmp_path / "state"
    with open_store("--shoppers", "6", "--state", str(state)) as (killed, _output, tree):
        time.sleep(2)  # the record is written as the store opens, and every RECORD_EVERY_S after
        killed.kill()  # no chance to stop its children: they run in sessions of their own
        killed.wait(10)
    orphans = tree.alive()
    assert len(orphans) >= 27, orphans  # the broker, hub, kiosk, 12 gateways and their 12 D-Bus daemons

    again = demo("--duration", "1", "--shoppers", "2", "--state", str(state))
    out, _ = again.communicate(timeout=150)
    assert again.returncode == 0, out
    said = re.search(r"stopping (\d+) processes an earlier demo left running in \S+ \((.*)\)", out)
    assert said is not None, out
    assert int(said.group(1)) == len(orphans)
    for role in ("broker 1", "dbus-daemon 12", "gateway 12", "hub 1", "kiosk 1"):
        assert role in said.group(2), said.group(0)
    assert tree.alive() == []
    assert "processes left running: 0" in out


def test_a_folder_the_demo_did_not_make_is_refused(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("keep me")
    result = subprocess.run(
        [sys.executable, "-m", "edge.cli", "demo", "--no-browser", "--state", str(tmp_path)],
        cwd=REPO, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 1
    assert "is not empty" in result.stderr
    assert (tmp_path / "notes.txt").read_text() == "keep me"


def test_help_is_fast_and_bad_options_are_usage_errors() -> None:
    probe = (
        "import sys; from edge.cli import main\n"
        "try:\n    main(['demo', '--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('numpy', 'dbus_fast', 'rich', 'flask', 'cv2') if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert "--shoppers" in result.stdout
    assert "--json" in result.stdout
    assert "HEAVY []" in result.stdout
    for bad in (["--duration", "0"], ["--shoppers", "-3"], ["--duration", "soon"]):
        run = subprocess.run([sys.executable, "-m", "edge.cli", "demo", *bad], cwd=REPO, capture_output=True,
                             text=True, timeout=60)  # fmt: skip
        assert run.returncode == 2, bad
