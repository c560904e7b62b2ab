#!/usr/bin/env bash
# Install, update or roll back Corsia on Raspberry Pi OS (Debian 12 "bookworm" based). docs/deploy.md.
#
#   sudo systemd/install.sh gateway|hub|kiosk [--from DIR] [--dry-run]    install, or update to DIR's version
#   sudo systemd/install.sh gateway|hub|kiosk --rollback [--dry-run]       back to the previous version
#
# What an install does, every step safe to repeat (a second run with the same source changes nothing):
#   1. the role's Debian packages (python3-venv; bluez for a gateway, mosquitto for the hub, chromium and cage
#      for a kiosk);
#   2. its system users and groups (systemd-sysusers: corsia-gateway in bluetooth, corsia-kiosk in dialout
#      and video, corsia-screen for the kiosk's browser);
#   3. a virtual environment /opt/corsia/releases/<version>-<source hash>-<roles> with corsia and the extras of
#      every role on this machine, built next to the running one, then /opt/corsia/current switched to it
#      (the old one stays as /opt/corsia/previous);
#   4. /etc/corsia/<role>.toml from systemd/config/ (an existing file is never overwritten), the hub's tokens
#      in /etc/corsia/secrets/, the store layout /etc/corsia/store.toml;
#   5. the units in /etc/systemd/system, enabled, and (re)started when something changed.
#
# --from DIR   the Corsia source tree to install (default: the tree this script is in).
# --dry-run    print the plan, change nothing (no root needed).
# --rollback   point /opt/corsia/current back at /opt/corsia/previous and restart every Corsia unit here.
#
# CORSIA_INSTALL_ROOT prefixes every path this script reads or writes (the tests' dry runs use it).

set -euo pipefail

ROOT="${CORSIA_INSTALL_ROOT:-}"
PREFIX="$ROOT/opt/corsia"
ETC="$ROOT/etc/corsia"
UNIT_DIR="$ROOT/etc/systemd/system"
SYSUSERS_DIR="$ROOT/usr/lib/sysusers.d"
TMPFILES_DIR="$ROOT/usr/lib/tmpfiles.d"
KEEP_RELEASES=3

usage() {
    sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
}

die() {
    echo "install.sh: $*" >&2
    exit 1
}

role=""
src=""
dry_run=0
rollback=0
while (($#)); do
    case "$1" in
        gateway | hub | kiosk)
            [[ -z "$role" ]] || die "one role at a time (got $role and $1)"
            role="$1"
            ;;
        --from)
            (($# >= 2)) || die "--from needs a directory"
            src="$2"
            shift
            ;;
        --from=*) src="${1#--from=}" ;;
        --dry-run) dry_run=1 ;;
        --rollback) rollback=1 ;;
        -h | --help) usage ;;
        *) die "unknown argument: $1 (try --help)" ;;
    esac
    shift
done
[[ -n "$role" ]] || usage

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
src="$(cd "${src:-$here/..}" && pwd)" || die "no such directory: $src"
units_src="$src/systemd"

if ((!dry_run)) && ((EUID != 0)); then
    die "run as root (sudo), or with --dry-run to see the plan"
fi

# --- helpers: every change goes through run (or a function that says what it does in a dry run) -------------

run() {
    if ((dry_run)); then
        printf '+'
        printf ' %q' "$@"
        printf '\n'
    else
        "$@"
    fi
}

note() {
    printf '# %s\n' "$*"
}

# write_file MODE OWNER:GROUP PATH: standard input to PATH, atomically.
write_file() {
    local mode="$1" owner="$2" path="$3"
    if ((dry_run)); then
        printf '+ write %s (%s %s)\n' "$path" "$mode" "$owner"
        cat >/dev/null
        return
    fi
    local tmp
    tmp="$(mktemp "$path.XXXXXX")"
    cat >"$tmp"
    chown "$owner" "$tmp"
    chmod "$mode" "$tmp"
    mv -f "$tmp" "$path"
}

units_of() {
    case "$1" in
        gateway) echo "corsia-gateway.service" ;;
        hub) echo "corsia-hub.service" ;;
        kiosk) echo "corsia-kiosk.service corsia-kiosk-browser.service" ;;
    esac
}

packages_of() {
    case "$1" in
        gateway) echo "bluez" ;;
        hub) echo "mosquitto mosquitto-clients" ;;
        kiosk) echo "chromium cage libgl1-mesa-dri fonts-noto-core" ;;
    esac
}

# The roles installed on this machine: they share one virtual environment, which needs every role's extra.
roles_file="$PREFIX/roles"
installed_roles() {
    if [[ -f "$roles_file" ]]; then
        grep -E '^(gateway|hub|kiosk)$' "$roles_file" || true
    fi
}

restart_units() {
    local r u
    for r in $(installed_roles; echo "$role"); do
        for u in $(units_of "$r"); do
            echo "$u"
        done
    done | sort -u | while read -r u; do
        run systemctl restart "$u"
    done
}

# --- rollback ----------------------------------------------------------------------------------------------

if ((rollback)); then
    [[ -L "$PREFIX/previous" ]] || die "no previous release to roll back to ($PREFIX/previous)"
    current="$(readlink "$PREFIX/current")"
    previous="$(readlink "$PREFIX/previous")"
    note "rolling back: $current -> $previous"
    run ln -sfn "$previous" "$PREFIX/current.new"
    run mv -T "$PREFIX/current.new" "$PREFIX/current"
    run ln -sfn "$current" "$PREFIX/previous"
    restart_units
    note "rolled back to $previous; the release before stays as $PREFIX/previous: roll forward with --rollback again"
    exit 0
fi

# --- 1. Debian packages --------------------------------------------------------------------------------------

[[ -f "$src/pyproject.toml" && -d "$src/edge" ]] || die "$src is not a Corsia source tree"
if [[ -r /etc/os-release ]] && ! grep -q '^VERSION_CODENAME=bookworm' /etc/os-release; then
    note "warning: written for Raspberry Pi OS / Debian 12 (bookworm); this system is not"
fi

read -r -a packages <<<"python3 python3-venv ca-certificates $(packages_of "$role")"
note "packages for the $role: ${packages[*]}"
missing=()
for pkg in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
    run apt-get update
    run env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
else
    note "all installed already"
fi

# --- 2. users and groups -------------------------------------------------------------------------------------

run install -d -m 0755 "$SYSUSERS_DIR"
run install -m 0644 "$units_src/sysusers.d/corsia-$role.conf" "$SYSUSERS_DIR/corsia-$role.conf"
run systemd-sysusers "$SYSUSERS_DIR/corsia-$role.conf"
if [[ -f "$units_src/tmpfiles.d/corsia-$role.conf" ]]; then
    run install -d -m 0755 "$TMPFILES_DIR"
    run install -m 0644 "$units_src/tmpfiles.d/corsia-$role.conf" "$TMPFILES_DIR/corsia-$role.conf"
    run systemd-tmpfiles --create "$TMPFILES_DIR/corsia-$role.conf"
fi

# --- 3. the release: a virtual environment next to the running one -------------------------------------------

mapfile -t roles < <({ installed_roles; echo "$role"; } | sort -u)
extras="$(IFS=,; echo "${roles[*]}")"
version="$(sed -n 's/^version = "\(.*\)"$/\1/p' "$src/pyproject.toml" | head -n 1)"
[[ -n "$version" ]] || die "no version in $src/pyproject.toml"
# The source's content, not its mtime or git state: the same tree always gives the same release.
digest="$(
    cd "$src" &&
        find edge gateway kiosk firmware_sim pyproject.toml -type f \
            ! -name '*.pyc' ! -path '*/__pycache__/*' -print0 |
        LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -c1-12
)"
release="$version-$digest-${extras//,/+}"
release_dir="$PREFIX/releases/$release"

changed=0
if [[ -f "$release_dir/.complete" ]]; then
    note "release $release is already built"
else
    note "building release $release (corsia[$extras]) in $release_dir"
    if [[ -e "$release_dir" ]]; then
        run rm -rf "$release_dir" # an interrupted build
    fi
    run install -d -m 0755 "$PREFIX/releases"
    run python3 -m venv "$release_dir"
    run "$release_dir/bin/pip" install --no-cache-dir --disable-pip-version-check --quiet "$src[$extras]"
    run "$release_dir/bin/corsia" --version
    run touch "$release_dir/.complete"
fi

current=""
if [[ -L "$PREFIX/current" ]]; then
    current="$(readlink "$PREFIX/current")"
fi
if [[ "$current" != "$release_dir" ]]; then
    note "switching $PREFIX/current: ${current:-none} -> $release_dir"
    if [[ -n "$current" ]]; then
        run ln -sfn "$current" "$PREFIX/previous"
    fi
    # A new symlink renamed over the old one: the switch is atomic.
    run ln -sfn "$release_dir" "$PREFIX/current.new"
    run mv -T "$PREFIX/current.new" "$PREFIX/current"
    changed=1
else
    note "$PREFIX/current is already $release"
fi

if ! printf '%s\n' "${roles[@]}" | cmp -s - "$roles_file" 2>/dev/null; then
    printf '%s\n' "${roles[@]}" | write_file 0644 root:root "$roles_file"
fi

# --- 4. configuration and secrets ---------------------------------------------------------------------------

run install -d -m 0755 "$ETC"
run install -d -m 0755 "$ETC/secrets"
config="$ETC/$role.toml"
if [[ -e "$config" ]]; then
    note "keeping the existing $config"
else
    if [[ "$role" == kiosk && -f "$ETC/secrets/hub-kiosk-token" ]]; then
        # The hub runs on this machine: the kiosk reaches it on loopback, with a copy of its kiosk token.
        note "the hub is on this machine: $config points at it"
        run install -m 0640 -o root -g corsia-kiosk "$ETC/secrets/hub-kiosk-token" "$ETC/secrets/kiosk-hub-token"
        sed -e 's|^host = "hub.local"|host = "127.0.0.1"|' \
            -e 's|^hub_url = "http://hub.local:8000"|hub_url = "http://127.0.0.1:8000"|' \
            -e 's|^# hub_token_file = "/etc/corsia/secrets/hub-kiosk-token"|hub_token_file = "/etc/corsia/secrets/kiosk-hub-token"|' \
            "$units_src/config/kiosk.toml" | write_file 0640 "root:corsia-$role" "$config"
    else
        run install -m 0640 -o root -g "corsia-$role" "$units_src/config/$role.toml" "$config"
    fi
fi
if [[ "$role" == hub ]]; then
    if [[ -e "$ETC/store.toml" ]]; then
        note "keeping the existing $ETC/store.toml"
    else
        run install -m 0644 "$src/examples/stores/demo.toml" "$ETC/store.toml"
    fi
    for token in hub-admin-token hub-kiosk-token; do
        if [[ -e "$ETC/secrets/$token" ]]; then
            note "keeping the existing $ETC/secrets/$token"
        else
            # 32 random bytes, URL-safe.
            head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n' | write_file 0640 root:corsia-hub "$ETC/secrets/$token"
        fi
    done
fi

# --- 5. units ------------------------------------------------------------------------------------------------

units_changed=0
for unit in $(units_of "$role"); do
    if ! cmp -s "$units_src/$unit" "$UNIT_DIR/$unit"; then
        run install -m 0644 "$units_src/$unit" "$UNIT_DIR/$unit"
        units_changed=1
    fi
done
if ((units_changed)); then
    run systemctl daemon-reload
    changed=1
fi
if [[ "$role" == hub ]]; then
    run systemctl enable --now mosquitto.service
    note "the broker still needs TLS, users and ACLs: docs/broker-security.md"
fi
if [[ "$role" == kiosk ]]; then
    # The browser unit is part of graphical.target and takes tty1 from the console login.
    run systemctl set-default graphical.target
    if [[ -z "$ROOT" ]] && systemctl is-enabled --quiet display-manager.service 2>/dev/null; then
        note "warning: a desktop display manager is enabled; the kiosk screen needs Raspberry Pi OS Lite or"
        note "         'systemctl disable display-manager.service' (docs/deploy.md)"
    fi
fi
# shellcheck disable=SC2046 # one word per unit
run systemctl enable $(units_of "$role")
if ((changed)); then
    restart_units
else
    # shellcheck disable=SC2046
    run systemctl start $(units_of "$role")
fi

# --- old releases: keep the current, the previous and a few more --------------------------------------------

if [[ -d "$PREFIX/releases" ]]; then
    keep=("$release_dir")
    [[ -L "$PREFIX/previous" ]] && keep+=("$(readlink "$PREFIX/previous")")
    [[ -n "$current" ]] && keep+=("$current")
    # shellcheck disable=SC2012 # release names are ours: no newlines
    ls -1t "$PREFIX/releases" | tail -n +$((KEEP_RELEASES + 1)) | while read -r old; do
        if ! printf '%s\n' "${keep[@]}" | grep -qxF "$PREFIX/releases/$old"; then
            run rm -rf "$PREFIX/releases/$old"
        fi
    done
fi

note "done: corsia $release for $role; 'systemctl status $(units_of "$role")' and docs/deploy.md"
