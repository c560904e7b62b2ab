"""The card reader's errors: one root, `CardReaderError`, whose subclasses carry the facts as attributes."""

from __future__ import annotations

from edge.errors import CorsiaError


class CardReaderError(CorsiaError):
    """Base class of the card reader's errors."""


class ReaderSettingError(CardReaderError):
    """A card reader setting is wrong: `name` the setting, `value` what was given, `reason` what is wrong."""

    def __init__(self, name: str, value: object, reason: str) -> None:
        self.name = name
        self.value = value
        self.reason = reason
        super().__init__(f"card reader setting {name}={value!r}: {reason}")


class PortError(CardReaderError):
    """The serial port cannot be opened or read: `port` its path, `reason` what the system said.

    The reader's thread handles it (the state goes "down" and the port is reopened later); it is never raised
    to the kiosk, which sees it as `CardReader.last_error`.
    """

    def __init__(self, port: str, reason: str) -> None:
        self.port = port
        self.reason = reason
        super().__init__(f"{port}: {reason}")
