"""The demo's members as people: unique contacts the hub accepts, mostly Italian, a few in English, and a mix
of consents."""

from __future__ import annotations

from edge.hub.contact import normalize_card, normalize_email, normalize_phone
from firmware_sim.demo.people import ascii_slug, profiles


def test_profiles_are_unique_valid_contacts_and_the_same_for_a_seed() -> None:
    people = profiles(1, 300)
    assert people == profiles(1, 300)
    assert people != profiles(2, 300)
    emails = [normalize_email(p.email) for p in people]
    assert len(set(emails)) == len(emails)
    assert all(e.endswith("@example.it") for e in emails)
    phones = [normalize_phone(p.phone) for p in people if p.phone]
    assert len(set(phones)) == len(phones) > 100
    cards = [normalize_card(p.card) for p in people if p.card]
    assert len(set(cards)) == len(cards) > 30
    assert not any(c.startswith("29") for c in cards)  # never mistaken for a member number


def test_most_speak_italian_a_few_english_and_consents_vary() -> None:
    people = profiles(1, 300)
    english = [p for p in people if p.language == "en"]
    assert 5 <= len(english) <= 50
    assert all(p.consents["service"] for p in people)
    for purpose in ("marketing", "proximity", "profiling"):
        granted = sum(p.consents[purpose] for p in people)
        assert 0.4 * len(people) < granted < len(people), purpose
    assert sum(p.consents["proximity"] for p in people) > 0.8 * len(people)


def test_names_become_plain_addresses() -> None:
    assert ascii_slug("Nicolò") == "nicolo"
    assert ascii_slug("D'Angelo") == "dangelo"
    assert ascii_slug("De Santis") == "desantis"
