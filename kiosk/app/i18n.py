"""The kiosk's two languages: Italian (the default) and English, and the lookup the templates call as ``t``.

Every text on screen comes from `kiosk.app.texts.CATALOG` by key, in both languages; a missing key is a
`KeyError` (the tests render every template in both languages, so a typo fails there, not in a shop).
Placeholders are ``str.format`` fields; the values are escaped by Jinja like any other string.
"""

from __future__ import annotations

from typing import Final, Literal, TypeGuard

from kiosk.app.texts import CATALOG

Language = Literal["it", "en"]
LANGUAGES: Final[tuple[Language, ...]] = ("it", "en")
DEFAULT: Final[Language] = "it"


def is_language(value: object) -> TypeGuard[Language]:
    return value in LANGUAGES


def other(language: Language) -> Language:
    """The language the switch on every screen offers."""
    return "en" if language == "it" else "it"


def translate(language: Language, key: str, **values: object) -> str:
    """The text for `key` in `language`, with `values` filled in."""
    text = CATALOG[key][LANGUAGES.index(language)]
    return text.format(**values) if values else text
