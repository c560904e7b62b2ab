"""The rules a config value must follow, kept on the field they guard.

A section declares a field's rule as metadata::

    port: int = field(default=1883, metadata=checked(between(1, 65535)))

and the `Section` base class runs every rule when the dataclass is built, so a section built in code is checked
exactly like one loaded from a file. A rule is a function that returns why a value is wrong, or ``None``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from datetime import time
from typing import Any, Final
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from edge.errors import ConfigError

Check = Callable[[Any], str | None]
"""Returns the reason a value is wrong (``"must be between 1 and 65535, got 70000"``), or None when it is fine."""

CHECK: Final = "corsia.config.check"
READS_INTO: Final = "corsia.config.reads_into"


class InvalidValue(ConfigError):
    """A section's field breaks its rule.

    Raised while a section is built; `key` is the field's name. The loader re-raises it as a `ConfigError` that
    names the file (or environment variable) the value came from and the dotted key.
    """

    def __init__(self, section: str, key: str, reason: str) -> None:
        super().__init__(section, key, reason)


@dataclass(frozen=True, slots=True)
class Section:
    """Base of every config section and sub-table: runs the fields' rules, then `check_together`."""

    def __post_init__(self) -> None:
        for f in fields(self):
            check: Check | None = f.metadata.get(CHECK)
            if check is not None:
                reason = check(getattr(self, f.name))
                if reason is not None:
                    raise InvalidValue(type(self).__name__, f.name, reason)
        self.check_together()

    def check_together(self) -> None:
        """Override for rules that involve several fields; raise `InvalidValue` naming the field to fix."""

    def require_at_most(self, name: str, limit: str) -> None:
        """For `check_together`: field `name` must not exceed field `limit`; the error names `name`."""
        value, bound = getattr(self, name), getattr(self, limit)
        if value > bound:
            raise InvalidValue(type(self).__name__, name, f"must not exceed {limit} ({bound}), got {value}")


def checked(*checks: Check) -> Mapping[str, Check]:
    """Field metadata that gives the field its rule (several rules apply in order, first failure wins)."""
    if len(checks) == 1:
        return {CHECK: checks[0]}

    def all_of(value: Any) -> str | None:
        for check in checks:
            reason = check(value)
            if reason is not None:
                return reason
        return None

    return {CHECK: all_of}


def reads_into(target: str) -> Mapping[str, str]:
    """Field metadata for a ``*_file`` key: when set, the loader reads the file into the `target` field."""
    return {READS_INTO: target}


def between(low: float, high: float) -> Check:
    """Inclusive range."""

    def check(value: float) -> str | None:
        if low <= value <= high:
            return None
        return f"must be between {low} and {high}, got {value}"

    return check


def above(low: float, *, at_most: float = math.inf) -> Check:
    """Strictly greater than `low`, and at most `at_most`."""

    def check(value: float) -> str | None:
        if low < value <= at_most:
            return None
        if at_most == math.inf:
            return f"must be greater than {low}, got {value}"
        return f"must be greater than {low} and at most {at_most}, got {value}"

    return check


def at_least(low: float) -> Check:
    def check(value: float) -> str | None:
        return None if value >= low else f"must be at least {low}, got {value}"

    return check


def one_of(*choices: str) -> Check:
    def check(value: str) -> str | None:
        if value in choices:
            return None
        return f"must be one of {', '.join(choices)}; got {value!r}"

    return check


def matches(regex: str, what: str) -> Check:
    """The whole value matches `regex`; `what` tells the reader the rule in words."""
    compiled = re.compile(regex)

    def check(value: str) -> str | None:
        return None if compiled.fullmatch(value) else f"must be {what}; got {value!r}"

    return check


def each(check: Check) -> Check:
    """Apply `check` to every item of an array; the reason names the item's position."""

    def check_all(values: tuple[Any, ...]) -> str | None:
        for i, value in enumerate(values):
            reason = check(value)
            if reason is not None:
                return f"item {i + 1}: {reason}"
        return None

    return check_all


def not_empty(value: str) -> str | None:
    return None if value else "must not be empty"


# Ids go into MQTT topics (corsia/v1/{store}/gw/{gw}/...): no wildcards, slashes, spaces or upper case.
SLUG: Final = matches(
    r"[a-z0-9][a-z0-9-]{0,31}",
    "a slug of 1 to 32 characters: lower-case letters, digits and '-', not starting with '-'",
)


def host_port(value: str) -> str | None:
    """``host:port`` to listen on; ``[::1]:8000`` for IPv6; port 0 lets the OS choose a free port."""
    host, sep, port = value.rpartition(":")
    if host.startswith("["):
        host = host[1:-1] if host.endswith("]") else ""
    if not sep or not host or any(c.isspace() for c in value) or not port.isdigit() or int(port) > 65535:
        return f"must be host:port (such as '127.0.0.1:8000', port 0 to 65535); got {value!r}"
    return None


def http_url(value: str) -> str | None:
    try:
        parts = urlsplit(value)
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        return f"must be an http:// or https:// URL with a host; got {value!r}"
    return None


def mailto_or_https(value: str) -> str | None:
    # The Web Push (VAPID, RFC 8292) subject is how a push service contacts the sender: mailto: or https:.
    if value.startswith("mailto:") and len(value) > len("mailto:"):
        return None
    if value.startswith("https://") and http_url(value) is None:
        return None
    return f"must be a mailto: address or an https:// URL; got {value!r}"


def time_zone(value: str) -> str | None:
    """An IANA time zone name (``Europe/Rome``): days, schedules and quiet hours are in the store's local time."""
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        return f"must be an IANA time zone such as 'Europe/Rome'; got {value!r}"
    return None


def parse_time_window(value: str) -> tuple[time, time] | None:
    """``"21:00-08:00"`` → (21:00, 08:00); ``""`` → None. A window may wrap midnight. Raises ValueError."""
    if not value:
        return None
    start, sep, end = value.partition("-")
    if not sep:
        raise ValueError("no '-'")
    first, last = time.fromisoformat(start.strip()), time.fromisoformat(end.strip())
    if first == last:
        raise ValueError("empty window")
    return first, last


def time_window(value: str) -> str | None:
    """Local times ``HH:MM-HH:MM`` (may wrap midnight), or empty for none."""
    try:
        parse_time_window(value)
    except ValueError:
        return f"must be 'HH:MM-HH:MM' in local time (such as '21:00-08:00') or empty; got {value!r}"
    return None


def empty_or(check: Check) -> Check:
    """`check`, except that "" (the key's "not set") is also accepted."""

    def optional(value: str) -> str | None:
        return None if value == "" else check(value)

    return optional
