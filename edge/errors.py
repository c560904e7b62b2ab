"""The root of Corsia's exceptions.

Every package raises subclasses of `CorsiaError` that carry the facts a caller needs as attributes, and wraps
third-party errors at its boundary with ``raise ... from``. Library code never calls ``sys.exit``: the CLI turns
these errors into messages and exit codes.
"""

from __future__ import annotations


class CorsiaError(Exception):
    """Base class of every error Corsia raises on purpose."""


class ConfigError(CorsiaError):
    """A configuration file, or an environment override, is wrong.

    `source` is the file path (or ``"environment"``), `key` the dotted key (``"mqtt.port"``) or ``""`` when the
    whole file is at fault, `reason` what is wrong with it.
    """

    def __init__(self, source: str, key: str, reason: str) -> None:
        self.source = source
        self.key = key
        self.reason = reason
        where = f"{source}: {key}" if key else source
        super().__init__(f"{where}: {reason}")


class LayoutError(ConfigError):
    """A store layout file is wrong (an overlapping zone, a gateway outside the store, ...)."""


class NotBuiltError(CorsiaError):
    """A command or feature that this version of Corsia does not provide yet."""
