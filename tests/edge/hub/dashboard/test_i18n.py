"""The page's words: both languages say everything, and every key the templates and the script use exists."""

from __future__ import annotations

import re
import typing
from pathlib import Path

from edge.hub.dashboard import i18n
from edge.protocol.messages import AlertKind

PACKAGE = Path(i18n.__file__).parent


def used_keys() -> set[str]:
    templates = "".join(p.read_text(encoding="utf-8") for p in (PACKAGE / "templates").rglob("*.html"))
    script = "".join(p.read_text(encoding="utf-8") for p in (PACKAGE / "static").glob("*.js"))
    keys = set(re.findall(r'data-t(?:-aria)?="(\w+)"', templates))
    keys |= set(re.findall(r"\bt\.(\w+)", templates)) - {"replace"}
    keys |= set(re.findall(r'text\("(\w+)"[,)]', script))  # whole keys, not prefixes ("ev_" + event)
    return keys


def test_italian_and_english_have_the_same_words_and_placeholders() -> None:
    it, en = i18n.TEXTS["it"], i18n.TEXTS["en"]
    assert set(it) == set(en)
    for key in it:
        assert set(re.findall(r"\{\w+\}", it[key])) == set(re.findall(r"\{\w+\}", en[key])), key
        assert it[key], key
        assert en[key], key


def test_every_key_the_page_uses_exists() -> None:
    keys = used_keys()
    assert {"title", "map_title", "feed_title", "switch", "phone_unnamed"} <= keys  # the scan finds what it should
    assert keys - set(i18n.TEXTS["it"]) == set()


def test_every_event_alert_and_trigger_has_its_words() -> None:
    # The script builds these keys from the feed's own values ("ev_" + event...).
    for event in ("enter", "zone", "dwell", "exit", "purchase"):
        assert f"ev_{event}" in i18n.TEXTS["it"]
    for alert in typing.get_args(AlertKind):  # every kind the contract has
        assert f"alert_{alert}" in i18n.TEXTS["it"]
        assert f"alert_{alert}" in i18n.TEXTS["en"]
    for trigger in ("store_enter", "zone_dwell", "pickup_arrival", "purchase"):
        assert f"trigger_{trigger}" in i18n.TEXTS["it"]


def test_the_language_is_asked_remembered_or_italian() -> None:
    assert i18n.choose("en", "it") == "en"
    assert i18n.choose(None, "en") == "en"
    assert i18n.choose("fr", None) == "it"
    assert i18n.choose(None, None) == "it"
