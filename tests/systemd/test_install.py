"""systemd/install.sh's plans, from its dry runs against a scratch root (CORSIA_INSTALL_ROOT).

The script is never run for real here: every run has --dry-run, and the tests check that a dry run leaves the
root as it found it.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import REPO

SCRIPT = REPO / "systemd/install.sh"


def plan(root: Path, *args: str) -> tuple[list[str], subprocess.CompletedProcess[str]]:
    """The dry run's actions: each ``+ command`` line, split like the shell would."""
    assert "--dry-run" in args
    env = dict(os.environ, CORSIA_INSTALL_ROOT=str(root))
    run = subprocess.run(["bash", str(SCRIPT), *args], capture_output=True, text=True, env=env, timeout=60,
                         check=False)  # fmt: skip
    # printf %q's quoting undone, so that the tests compare plain words
    actions = [" ".join(shlex.split(line[2:])) for line in run.stdout.splitlines() if line.startswith("+ ")]
    return actions, run


def snapshot(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


def release_of(actions: list[str], root: Path) -> str:
    venvs = [a for a in actions if a.startswith("python3 -m venv ")]
    assert len(venvs) == 1, actions
    path = shlex.split(venvs[0])[-1]
    assert path.startswith(f"{root}/opt/corsia/releases/")
    return path


def test_fresh_hub_install_plan(tmp_path: Path) -> None:
    before = snapshot(tmp_path)
    actions, run = plan(tmp_path, "hub", "--dry-run")
    assert run.returncode == 0, run.stderr
    assert snapshot(tmp_path) == before  # a dry run changes nothing
    text = "\n".join(actions)
    # packages: the role's, installed when missing
    assert "# packages for the hub: python3 python3-venv ca-certificates mosquitto mosquitto-clients" in run.stdout
    assert "apt-get" not in text or re.search(r"apt-get install -y --no-install-recommends( [a-z0-9.-]+)+$", text, re.M)
    assert f"systemd-sysusers {tmp_path}/usr/lib/sysusers.d/corsia-hub.conf" in actions
    release = release_of(actions, tmp_path)
    version = re.search(r'^version = "(.+)"$', (REPO / "pyproject.toml").read_text(encoding="utf-8"), re.M)
    assert version is not None
    assert re.fullmatch(rf".*/releases/{re.escape(version.group(1))}-[0-9a-f]{{12}}-hub", release)
    pip = next(shlex.split(a) for a in actions if "/bin/pip install" in a)
    assert pip[0] == f"{release}/bin/pip"
    assert pip[-1] == f"{REPO}[hub]"
    # the switch: a new link renamed over `current`, after the venv is complete
    assert actions.index(f"touch {release}/.complete") < actions.index(
        f"mv -T {tmp_path}/opt/corsia/current.new {tmp_path}/opt/corsia/current"
    )
    assert f"ln -sfn {release} {tmp_path}/opt/corsia/current.new" in actions
    # config, layout, tokens, unit
    assert (f"install -m 0640 -o root -g corsia-hub {REPO}/systemd/config/hub.toml {tmp_path}/etc/corsia/hub.toml"
            in actions)  # fmt: skip
    assert f"install -m 0644 {REPO}/examples/stores/demo.toml {tmp_path}/etc/corsia/store.toml" in actions
    for token in ("hub-admin-token", "hub-kiosk-token"):
        assert f"write {tmp_path}/etc/corsia/secrets/{token} (0640 root:corsia-hub)" in actions
    assert f"install -m 0644 {REPO}/systemd/corsia-hub.service {tmp_path}/etc/systemd/system/corsia-hub.service" in (
        actions
    )
    assert actions[-2:] == ["systemctl enable corsia-hub.service", "systemctl restart corsia-hub.service"]
    assert "systemctl enable --now mosquitto.service" in actions
    assert not any("kiosk" in a or "gateway" in a for a in actions if a.startswith("systemctl"))


def test_kiosk_plan_has_the_screen_and_the_device_groups(tmp_path: Path) -> None:
    actions, run = plan(tmp_path, "kiosk", "--dry-run")
    assert run.returncode == 0, run.stderr
    listed = next(line for line in run.stdout.splitlines() if line.startswith("# packages for the kiosk: "))
    assert {"chromium", "cage", "python3-venv"} <= set(listed.split(": ")[1].split())
    assert f"systemd-tmpfiles --create {tmp_path}/usr/lib/tmpfiles.d/corsia-kiosk.conf" in actions
    for unit in ("corsia-kiosk.service", "corsia-kiosk-browser.service"):
        assert f"install -m 0644 {REPO}/systemd/{unit} {tmp_path}/etc/systemd/system/{unit}" in actions
    assert "systemctl enable corsia-kiosk.service corsia-kiosk-browser.service" in actions
    assert "systemctl set-default graphical.target" in actions


def test_existing_config_is_kept_and_roles_share_one_venv(tmp_path: Path) -> None:
    """A kiosk added to the hub's machine: its config is kept, and the new venv has both extras."""
    etc = tmp_path / "etc/corsia"
    (etc / "secrets").mkdir(parents=True)
    (etc / "kiosk.toml").write_text("# the store's own\n", encoding="utf-8")
    (tmp_path / "opt/corsia").mkdir(parents=True)
    (tmp_path / "opt/corsia/roles").write_text("hub\n", encoding="utf-8")
    actions, run = plan(tmp_path, "kiosk", "--dry-run")
    assert run.returncode == 0, run.stderr
    assert f"# keeping the existing {etc}/kiosk.toml" in run.stdout.splitlines()
    assert not any(a.endswith(f"{etc}/kiosk.toml") for a in actions)
    assert release_of(actions, tmp_path).endswith("-hub+kiosk")
    assert any(a.endswith(f"{REPO}[hub,kiosk]") for a in actions if "/bin/pip install" in a)
    # the shared venv changed: every Corsia unit on the machine restarts
    restarts = {a.split()[-1] for a in actions if a.startswith("systemctl restart")}
    assert restarts == {"corsia-hub.service", "corsia-kiosk.service", "corsia-kiosk-browser.service"}


def installed(root: Path, role: str) -> str:
    """Make `root` look like install.sh already installed this source for `role`; return the release path."""
    actions, _ = plan(root, role, "--dry-run")
    release = Path(release_of(actions, root))
    release.mkdir(parents=True)
    (release / ".complete").touch()
    (root / "opt/corsia/current").symlink_to(release)
    (root / "opt/corsia/roles").write_text(f"{role}\n", encoding="utf-8")
    (root / "etc/corsia/secrets").mkdir(parents=True)
    (root / f"etc/corsia/{role}.toml").write_text("", encoding="utf-8")
    (root / "etc/systemd/system").mkdir(parents=True)
    shutil.copy(REPO / f"systemd/corsia-{role}.service", root / "etc/systemd/system")
    return str(release)


def test_second_run_changes_nothing(tmp_path: Path) -> None:
    installed(tmp_path, "gateway")
    actions, run = plan(tmp_path, "gateway", "--dry-run")
    assert run.returncode == 0, run.stderr
    assert not any("venv" in a or "pip" in a or "current" in a or "restart" in a for a in actions), actions
    assert actions[-1] == "systemctl start corsia-gateway.service"


def test_update_builds_next_to_the_old_release_and_switches(tmp_path: Path) -> None:
    old = tmp_path / "opt/corsia/releases/0.0.9-000000000000-gateway"
    old.mkdir(parents=True)
    (old / ".complete").touch()
    shutil.rmtree(installed(tmp_path, "gateway"))  # this version is not built yet
    current = tmp_path / "opt/corsia/current"
    current.unlink()
    current.symlink_to(old)
    actions, run = plan(tmp_path, "gateway", "--dry-run")
    assert run.returncode == 0, run.stderr
    release = release_of(actions, tmp_path)
    assert f"ln -sfn {old} {tmp_path}/opt/corsia/previous" in actions
    assert actions.index(f"ln -sfn {old} {tmp_path}/opt/corsia/previous") < actions.index(
        f"ln -sfn {release} {tmp_path}/opt/corsia/current.new"
    )
    assert not any(a.startswith("rm -rf") and str(old) in a for a in actions)  # the old one is kept
    assert "systemctl restart corsia-gateway.service" in actions


def test_rollback_switches_back_and_restarts(tmp_path: Path) -> None:
    releases = tmp_path / "opt/corsia/releases"
    new, old = releases / "0.2.0-bbbbbbbbbbbb-hub", releases / "0.1.0-aaaaaaaaaaaa-hub"
    for release in (new, old):
        release.mkdir(parents=True)
    (tmp_path / "opt/corsia/current").symlink_to(new)
    (tmp_path / "opt/corsia/previous").symlink_to(old)
    (tmp_path / "opt/corsia/roles").write_text("hub\n", encoding="utf-8")
    actions, run = plan(tmp_path, "hub", "--rollback", "--dry-run")
    assert run.returncode == 0, run.stderr
    assert actions == [
        f"ln -sfn {old} {tmp_path}/opt/corsia/current.new",
        f"mv -T {tmp_path}/opt/corsia/current.new {tmp_path}/opt/corsia/current",
        f"ln -sfn {new} {tmp_path}/opt/corsia/previous",
        "systemctl restart corsia-hub.service",
    ]


def test_rollback_without_a_previous_release_fails(tmp_path: Path) -> None:
    _, run = plan(tmp_path, "hub", "--rollback", "--dry-run")
    assert run.returncode != 0
    assert "no previous release" in run.stderr


@pytest.mark.parametrize("args", [(), ("router",), ("hub", "kiosk"), ("hub", "--bogus")])
def test_bad_arguments_are_refused(tmp_path: Path, args: tuple[str, ...]) -> None:
    _, run = plan(tmp_path, *args, "--dry-run")
    assert run.returncode != 0
    assert snapshot(tmp_path) == set()


def test_script_is_strict_and_parses() -> None:
    text = SCRIPT.read_text(encoding="utf-8")
    assert "\nset -euo pipefail\n" in text
    assert subprocess.run(["bash", "-n", str(SCRIPT)], check=False).returncode == 0
    if shutil.which("shellcheck"):
        check = subprocess.run(["shellcheck", str(SCRIPT)], capture_output=True, text=True, check=False)
        assert check.returncode == 0, check.stdout
