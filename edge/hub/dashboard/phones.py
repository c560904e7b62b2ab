"""The demo's phones view: what each simulated shopper's phone received and decrypted, read from the phones' push
service (``[hub] phones_url``, which only ``corsia demo`` sets).

A real store's dashboard is pseudonymous and never shows a shopper's messages; this view exists only when the
demo points the hub at its own push service. What the service answers is checked field by field and cut to
strings and numbers (`Phone`, `PhoneMessage`): the templates and the page's script escape it like any other text,
since the texts came from pushes.
"""

from __future__ import annotations

import json
import math
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass
from typing import Any, Final

from edge.errors import CorsiaError

TIMEOUT_S: Final = 2.0
"""The push service runs beside the hub on the same machine: an answer takes milliseconds, or it is not there."""
MAX_BYTES: Final = 4 * 1024 * 1024
MAX_PHONES: Final = 500
MAX_MESSAGES: Final = 50
MAX_TEXT: Final = 1000


class PhonesUnavailable(CorsiaError):
    """The phones' push service did not answer, or answered something that is not its phones list."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason


@dataclass(frozen=True, slots=True)
class PhoneMessage:
    """One push a phone decrypted: when it arrived (Unix seconds) and what the payload said."""

    t: float
    title: str | None
    body: str | None
    lang: str | None
    kind: str | None
    trigger: str | None
    campaign: str | None


@dataclass(frozen=True, slots=True)
class Phone:
    """One simulated shopper's phone: their short name, the language they chose, their messages (newest first)."""

    label: str | None
    language: str | None
    messages: tuple[PhoneMessage, ...]


def fetch_phones(url: str, timeout_s: float = TIMEOUT_S) -> list[Phone]:
    """The phones that received at least one message, the one with the newest message first.

    Raises `PhonesUnavailable` when the service cannot be reached or its answer is not what it serves.
    """
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # on this machine: never via a proxy
    try:
        with direct.open(request, timeout=timeout_s) as answer:
            raw = answer.read(MAX_BYTES + 1)
    except urllib.error.HTTPError as exc:
        raise PhonesUnavailable(url, f"HTTP {exc.code}") from exc
    except (urllib.error.URLError, OSError) as exc:
        reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
        raise PhonesUnavailable(url, f"cannot connect: {reason}") from exc
    if len(raw) > MAX_BYTES:
        raise PhonesUnavailable(url, f"answer larger than {MAX_BYTES} bytes")
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise PhonesUnavailable(url, f"not JSON: {exc}") from exc
    listed = data.get("phones") if isinstance(data, dict) else None
    if not isinstance(listed, list):
        raise PhonesUnavailable(url, 'no "phones" list in the answer')
    phones = [phone for item in listed[:MAX_PHONES] if (phone := _phone(item)) is not None and phone.messages]
    phones.sort(key=lambda phone: phone.messages[0].t, reverse=True)
    return phones


def as_json(phones: list[Phone]) -> list[dict[str, Any]]:
    """The phones as the page's script gets them."""
    return [asdict(phone) for phone in phones]


def _text(value: object) -> str | None:
    return value[:MAX_TEXT] if isinstance(value, str) else None


def _phone(item: object) -> Phone | None:
    if not isinstance(item, dict):
        return None
    listed = item.get("messages")
    if not isinstance(listed, list):
        listed = []
    messages = [m for raw in listed[:MAX_MESSAGES] if (m := _message(raw)) is not None]
    messages.sort(key=lambda m: m.t, reverse=True)
    return Phone(_text(item.get("label")), _text(item.get("language")), tuple(messages))


def _message(raw: object) -> PhoneMessage | None:
    if not isinstance(raw, dict):
        return None
    t = raw.get("t")
    if isinstance(t, bool) or not isinstance(t, int | float) or not math.isfinite(t):
        return None
    return PhoneMessage(
        float(t), _text(raw.get("title")), _text(raw.get("body")), _text(raw.get("lang")), _text(raw.get("kind")),
        _text(raw.get("trigger")), _text(raw.get("campaign")),
    )  # fmt: skip
