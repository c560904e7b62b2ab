"""The demo's process tree, read from ``/proc``: which processes it runs, how much CPU and memory each role
uses, and whether any is left behind at the end.

Roles come from each process's command line: ``gateway``, ``hub``, ``kiosk``, ``broker``, ``dbus-daemon``, and
``demo`` for the demo's own process (the world, the virtual BlueZ services, the POS, the push service). Memory is
the resident set at the moment of the snapshot. Linux only, like the virtual BlueZ; elsewhere the tree is empty
and the figures are left out.

The children run in sessions of their own, so a demo killed outright leaves them running: `record` names them in
the state folder, and the next start stops those `left_over` (`stop`).
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final

PROC: Final = Path("/proc")
CLK_TCK: Final = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
PAGE_MB: Final = (os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096) / (1024 * 1024)


@dataclass(frozen=True, slots=True)
class Proc:
    """One process: its id, parent, start time (clock ticks since boot: with the pid, a process's identity) and
    CPU time used so far (user + system, seconds)."""

    pid: int
    ppid: int
    started: int
    cpu_s: float
    role: str
    rss_mb: float = 0.0


def _stat_fields(pid: int) -> list[str] | None:
    """The fields of ``/proc/<pid>/stat`` after the command name, from the state on (None: no such process)."""
    try:
        text = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2 :].split()  # the command name may hold spaces and parentheses


def _stat(pid: int) -> tuple[int, int, float] | None:
    fields = _stat_fields(pid)
    if fields is None:
        return None
    ppid, utime, stime, started = int(fields[1]), int(fields[11]), int(fields[12]), int(fields[19])
    return ppid, started, (utime + stime) / CLK_TCK


def _rss_mb(pid: int) -> float:
    try:
        return int((PROC / str(pid) / "statm").read_text().split()[1]) * PAGE_MB
    except (OSError, IndexError, ValueError):
        return 0.0


def role_of(argv: list[str]) -> str:
    """The role a command line plays in the demo."""
    if not argv:
        return "other"
    program = Path(argv[0]).name
    if program.startswith("dbus-daemon"):
        return "dbus-daemon"
    if program.startswith("mosquitto"):
        return "broker"
    for role in ("gateway", "hub", "kiosk", "broker"):
        if role in argv[1:]:
            return role
    return "other"


def _argv(pid: int) -> list[str]:
    try:
        raw = (PROC / str(pid) / "cmdline").read_bytes()
    except OSError:
        return []
    return [part.decode("utf-8", "replace") for part in raw.split(b"\0") if part]


def descendants(root: int) -> list[Proc]:
    """Every living process below `root` (its children, theirs, ...), found by walking ``/proc``."""
    if not PROC.is_dir():
        return []
    parents: dict[int, list[tuple[int, int, float]]] = {}
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        stat = _stat(int(entry.name))
        if stat is not None:
            ppid, started, cpu = stat
            parents.setdefault(ppid, []).append((int(entry.name), started, cpu))
    found: list[Proc] = []
    todo = [root]
    while todo:
        parent = todo.pop()
        for pid, started, cpu in parents.get(parent, ()):
            found.append(Proc(pid, parent, started, cpu, role_of(_argv(pid)), _rss_mb(pid)))
            todo.append(pid)
    return found


def own() -> Proc | None:
    """This process."""
    stat = _stat(os.getpid())
    if stat is None:
        return None
    ppid, started, cpu = stat
    return Proc(os.getpid(), ppid, started, cpu, "demo", _rss_mb(os.getpid()))


def snapshot() -> dict[tuple[int, int], Proc]:
    """This process and all below it, by (pid, start time)."""
    procs = [p for p in (own(), *descendants(os.getpid())) if p is not None]
    return {(p.pid, p.started): p for p in procs}


def cpu_by_role(
    before: Mapping[tuple[int, int], Proc], after: Mapping[tuple[int, int], Proc], wall_s: float
) -> dict[str, float]:
    """CPU used by each role between two snapshots, as a share of one core (1.0 = one core busy all along).

    A process seen only in `after` counts from zero; one gone by then is not counted (it ran outside the window).
    """
    if wall_s <= 0:
        return {}
    used: dict[str, float] = {}
    for key, proc in after.items():
        start = before[key].cpu_s if key in before else 0.0
        used[proc.role] = used.get(proc.role, 0.0) + max(0.0, proc.cpu_s - start)
    return {role: round(seconds / wall_s, 3) for role, seconds in sorted(used.items())}


def memory_by_role(procs: Iterable[Proc]) -> dict[str, float]:
    """Resident memory of each role, in MB, summed over its processes."""
    used: dict[str, float] = {}
    for proc in procs:
        used[proc.role] = used.get(proc.role, 0.0) + proc.rss_mb
    return {role: round(mb, 1) for role, mb in sorted(used.items())}


def counts_by_role(procs: Iterable[Proc]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for proc in procs:
        counts[proc.role] = counts.get(proc.role, 0) + 1
    return dict(sorted(counts.items()))


RECORD: Final = ".corsia-demo-processes"
"""The file in the state folder that names the demo's running children, for the next start (`left_over`)."""


def record(path: Path, found: Iterable[Proc]) -> None:
    """Name `found` (their pid, start time and role) in `path`, replacing it whole: the children run in sessions
    of their own, so a demo killed before it could stop them (SIGKILL, a crash) leaves them running, and the next
    start reads this to stop them (`left_over`)."""
    partial = path.with_name(path.name + ".partial")
    partial.write_text("".join(f"{p.pid} {p.started} {p.role}\n" for p in found), encoding="utf-8")
    os.replace(partial, path)


def left_over(path: Path) -> list[Proc]:
    """The processes `record` named in `path` that still run as what they were: the same pid, start time and role
    (a recycled pid is another process, and is left alone). None when there is no such file."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return []
    alive = []
    for text in lines:
        parts = text.split()
        if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit():
            continue  # not a line `record` wrote
        pid, started, role = int(parts[0]), int(parts[1]), parts[2]
        stat = _stat(pid)
        if stat is not None and stat[1] == started and role_of(_argv(pid)) == role:
            alive.append(Proc(pid, stat[0], started, stat[2], role))
    return alive


def stop(found: Iterable[Proc], timeout_s: float = 10.0) -> None:
    """SIGTERM each of `found`, and SIGKILL those still running (as the same process) after `timeout_s`."""
    waiting = list(found)
    for proc in waiting:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(proc.pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout_s
    while waiting and time.monotonic() < deadline:
        time.sleep(0.1)
        waiting = [p for p in waiting if _same(p)]
    for proc in waiting:
        if _same(proc):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(proc.pid, signal.SIGKILL)


def _same(proc: Proc) -> bool:
    """Whether `proc` still runs (not a zombie, not a recycled pid)."""
    fields = _stat_fields(proc.pid)
    return fields is not None and fields[0] != "Z" and int(fields[19]) == proc.started
