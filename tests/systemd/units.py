"""Reading the unit files in systemd/ for the tests: a small parser of systemd's syntax, and the offline tools."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import REPO

UNITS = REPO / "systemd"
# The three services, by role; the browser unit belongs to the kiosk.
ROLES = ("gateway", "hub", "kiosk")
BROWSER = "corsia-kiosk-browser.service"
ALL_UNITS = (*(f"corsia-{role}.service" for role in ROLES), BROWSER)
# The exposure each service may have at most (systemd-analyze security, 0 = locked down, 10 = exposed).
EXPOSURE_LIMITS = {"gateway": 3.5, "hub": 2.5, "kiosk": 2.5}
# Binaries the units start, made to exist (as stubs) in the verification root.
EXECUTABLES = ("opt/corsia/current/bin/corsia", "usr/bin/cage", "usr/bin/chromium")


@dataclass(frozen=True)
class Unit:
    """A unit file as systemd reads it: sections of (key, value) pairs in order, repeated keys kept."""

    path: Path
    sections: dict[str, list[tuple[str, str]]]

    def values(self, section: str, key: str) -> list[str]:
        return [v for k, v in self.sections.get(section, []) if k == key]

    def value(self, section: str, key: str) -> str:
        """The key's last value (systemd's rule for single-valued settings); KeyError when absent."""
        found = self.values(section, key)
        if not found:
            raise KeyError(f"{self.path.name}: [{section}] {key} is not set")
        return found[-1]

    def words(self, section: str, key: str) -> list[str]:
        """All the space-separated words of a list setting, over every line that sets it."""
        return [word for v in self.values(section, key) for word in v.split()]


def parse_unit(path: Path) -> Unit:
    sections: dict[str, list[tuple[str, str]]] = {}
    current: list[tuple[str, str]] | None = None
    pending = ""
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = pending + raw.strip() if pending else raw.strip()
        if line.endswith("\\"):
            pending = line[:-1] + " "
            continue
        pending = ""
        if not line or line[0] in "#;":
            continue
        if match := re.fullmatch(r"\[(.+)\]", line):
            current = sections.setdefault(match.group(1), [])
            continue
        key, sep, value = line.partition("=")
        assert sep, f"{path.name}: not a setting: {line!r}"
        assert current is not None, f"{path.name}: a setting before any section: {line!r}"
        current.append((key.strip(), " ".join(value.split())))
    assert not pending, f"{path.name}: ends in a continuation"
    return Unit(path, sections)


def systemd_analyze() -> str | None:
    return shutil.which("systemd-analyze")


def make_verify_root(root: Path) -> None:
    """A file system root where the units' executables exist and systemd's own units are found, so that
    ``systemd-analyze verify --root`` checks our units without a running systemd and without /opt/corsia."""
    (root / "etc/systemd/system").mkdir(parents=True)
    for unit in ALL_UNITS:
        shutil.copy(UNITS / unit, root / "etc/systemd/system" / unit)
    for name in EXECUTABLES:
        stub = root / name
        stub.parent.mkdir(parents=True, exist_ok=True)
        stub.write_text("#!/bin/sh\nexit 0\n", encoding="ascii")
        stub.chmod(0o755)
    (root / "usr/lib/systemd").mkdir(parents=True, exist_ok=True)
    # systemd's targets and services (sysinit.target, network-online.target, ...), symlinks kept as they are.
    shutil.copytree("/usr/lib/systemd/system", root / "usr/lib/systemd/system", symlinks=True)
    (root / "lib").symlink_to("usr/lib")


def verify(root: Path, *units: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["systemd-analyze", "verify", f"--root={root}", "--man=no", *units],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip


EXPOSURE = re.compile(r"Overall exposure level for (\S+): (\d+\.\d+)")


def exposure(unit_path: Path, threshold: float = 100.0) -> tuple[float, subprocess.CompletedProcess[str]]:
    """``systemd-analyze security --offline=yes``'s overall exposure of the unit file, and the run."""
    run = subprocess.run(
        ["systemd-analyze", "security", "--offline=yes", "--no-pager", f"--threshold={round(threshold * 10)}",
         str(unit_path)],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    match = EXPOSURE.search(run.stdout + run.stderr)
    assert match is not None, run.stdout + run.stderr
    assert match.group(1) == unit_path.name
    return float(match.group(2)), run
