"""Both languages, complete: every key in Italian and English, every key the templates and views use exists,
and the placeholders agree."""

from __future__ import annotations

import re
import string
from datetime import date
from pathlib import Path

import pytest

from kiosk.app.forms import parse_card, parse_details
from kiosk.app.i18n import LANGUAGES, other, translate
from kiosk.app.policy import PURPOSES, notice
from kiosk.app.texts import CATALOG
from tests.conftest import REPO

TEMPLATES = sorted((REPO / "kiosk" / "templates").glob("*.html"))
VIEWS = sorted((REPO / "kiosk" / "app").glob("*.py"))
_LITERAL_KEY = re.compile(r"""\bt\(\s*["']([a-z0-9_.]*[a-z0-9_])["']\s*[,)]""")  # not "field." ~ name
_SAID = re.compile(r"""(?:say|unknown=|or)\s*\(?\s*["']((?:notice|error)\.[a-z0-9_.]+)["']""")


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("key", sorted(CATALOG))
def test_every_text_is_in_both_languages_with_the_same_placeholders(key: str) -> None:
    italian, english = CATALOG[key]
    assert italian.strip()
    assert english.strip()
    assert fields(italian) == fields(english)


def test_every_key_a_template_uses_exists() -> None:
    used = {key for path in TEMPLATES for key in _LITERAL_KEY.findall(path.read_text(encoding="utf-8"))}
    assert len(used) > 40
    assert used - set(CATALOG) == set()


def test_every_message_a_view_shows_exists() -> None:
    said = {key for path in VIEWS for key in _SAID.findall(path.read_text(encoding="utf-8"))}
    assert "notice.card_unknown" in said
    assert said - set(CATALOG) == set()


def test_every_error_the_form_can_give_exists() -> None:
    bad = {"first_name": "", "last_name": "x" * 101, "email": "@", "phone": "12", "birth_date": "1800-01-01"}
    _, errors = parse_details(bad, date(2026, 1, 1))
    keys = set(errors.values()) | {parse_card(text)[1] for text in ("", "1", "1" * 30)}
    assert keys - set(CATALOG) == set()
    for key in CATALOG:
        if key.startswith("error.") and key.count(".") == 2:
            assert translate("en", key)


def test_the_language_switch_is_written_in_the_language_it_offers() -> None:
    assert translate("it", "switch_language") == "English"
    assert translate("en", "switch_language") == "Italiano"
    assert [other(language) for language in LANGUAGES] == ["en", "it"]


@pytest.mark.parametrize("purpose", PURPOSES)
def test_each_privacy_notice_says_the_same_in_both_languages(purpose: str) -> None:
    italian, english = notice(purpose, "it"), notice(purpose, "en")  # type: ignore[arg-type]
    assert len(italian.paragraphs) == len(english.paragraphs) >= 2
    assert italian.title != english.title
    assert italian.label != english.label
    assert re.findall(r"\d+", " ".join(italian.paragraphs)) == re.findall(r"\d+", " ".join(english.paragraphs))


def test_templates_hold_no_text_outside_the_catalog() -> None:
    # Words between tags must come from t(...): anything else would not switch language.
    for path in TEMPLATES:
        text = re.sub(r"{[{%#].*?[}%#]}", "", Path(path).read_text(encoding="utf-8"), flags=re.DOTALL)
        text = re.sub(r"<[^>]*>", " ", text)
        words = [w for w in re.findall(r"[A-Za-zÀ-ÿ]{3,}", text) if w not in {"html", "doctype"}]
        assert words == [], f"{path.name}: {words}"
