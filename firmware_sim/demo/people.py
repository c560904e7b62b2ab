"""The demo's loyalty members as people: names, contacts, language, consents and old plastic cards.

Deterministic for a seed, and plausible for a store in Milan: mostly Italian names, a few English-speaking
customers (who get their pushes in English), e-mail addresses at ``example.it`` (a domain reserved for
examples, so no e-mail can ever reach a real person), made-up Italian mobile numbers (nothing in Corsia sends an
SMS), most consenting to proximity and marketing and some not, so the demo also shows what the hub does *not* do.
"""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final, Literal

from firmware_sim.world import seeds

Language = Literal["it", "en"]
POLICY_VERSION: Final = "2026-01"
ENGLISH_SHARE: Final = 0.08
"""Tourists and expatriates: the share of members who chose English."""
CONSENT_SHARES: Final[Mapping[str, float]] = {"marketing": 0.85, "profiling": 0.6, "proximity": 0.9}
"""How often each optional purpose is granted; ``service`` (the card itself) always is."""
PHONE_SHARE: Final = 0.7
OLD_CARD_SHARE: Final = 0.3
"""Members who linked the plastic card of the old loyalty programme when they signed up."""

FIRST_NAMES_IT: Final = (
    "Giulia", "Francesca", "Chiara", "Sara", "Martina", "Valentina", "Alessia", "Federica", "Elisa", "Silvia",
    "Giorgia", "Beatrice", "Anna", "Laura", "Elena", "Ilaria", "Camilla", "Aurora", "Noemi", "Marta",
    "Marco", "Luca", "Alessandro", "Andrea", "Matteo", "Lorenzo", "Davide", "Simone", "Federico", "Riccardo",
    "Stefano", "Giovanni", "Tommaso", "Nicolò", "Gabriele", "Pietro", "Filippo", "Edoardo", "Paolo", "Emanuele",
)  # fmt: skip
LAST_NAMES_IT: Final = (
    "Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci", "Marino", "Greco",
    "Bruno", "Gallo", "Conti", "De Luca", "Mancini", "Costa", "Giordano", "Rizzo", "Lombardi", "Moretti",
    "Barbieri", "Fontana", "Santoro", "Mariani", "Rinaldi", "Caruso", "Ferrara", "Galli", "Martini", "Leone",
    "Longo", "Gentile", "Martinelli", "Vitale", "Lombardo", "Serra", "Coppola", "De Santis", "D'Angelo", "Sala",
)  # fmt: skip
FIRST_NAMES_EN: Final = ("Emily", "James", "Oliver", "Charlotte", "Jack", "Sophie", "Harry", "Grace", "Daniel", "Amy")
LAST_NAMES_EN: Final = ("Smith", "Taylor", "Brown", "Wilson", "Clarke", "Evans", "Walker", "Hughes", "Wright", "Hall")


@dataclass(frozen=True, slots=True)
class Profile:
    """One member as they signed up."""

    first_name: str
    last_name: str
    email: str
    phone: str | None
    language: Language
    consents: dict[str, bool] = field(default_factory=dict)
    card: str | None = None
    """The old programme's card number, linked to the member (a till may scan it instead of the member number)."""


def ascii_slug(text: str) -> str:
    """``"Nicolò D'Angelo"`` → ``"nicolodangelo"``: what an e-mail address makes of a name."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return "".join(ch for ch in plain.lower() if ch.isalnum())


def phone(rng: random.Random) -> str:
    """A made-up Italian mobile number, ``+39 3xx 000 xxxx``."""
    return f"+39 3{rng.randint(20, 99)} 000 {rng.randint(0, 9999):04d}"


def old_card(rng: random.Random) -> str:
    """A card number of the old plastic programme: 13 digits starting ``04`` (never a member number's ``29``)."""
    return "04" + "".join(str(rng.randint(0, 9)) for _ in range(11))


def profiles(seed: int, count: int) -> list[Profile]:
    """`count` members for the world of `seed`, with unique e-mails, phones and cards."""
    emails: set[str] = set()
    phones: set[str] = set()
    cards: set[str] = set()
    out: list[Profile] = []
    for n in range(count):
        rng = seeds.stream(seed, "demo", "member", n)
        language: Language = "en" if rng.random() < ENGLISH_SHARE else "it"
        first = rng.choice(FIRST_NAMES_EN if language == "en" else FIRST_NAMES_IT)
        last = rng.choice(LAST_NAMES_EN if language == "en" else LAST_NAMES_IT)
        base = f"{ascii_slug(first)}.{ascii_slug(last)}"
        email = f"{base}@example.it"
        suffix = 1
        while email in emails:  # a second Giulia Rossi: giulia.rossi2@example.it
            suffix += 1
            email = f"{base}{suffix}@example.it"
        emails.add(email)
        number: str | None = None
        if rng.random() < PHONE_SHARE:
            number = phone(rng)
            while number in phones:
                number = phone(rng)
            phones.add(number)
        card: str | None = None
        if rng.random() < OLD_CARD_SHARE:
            card = old_card(rng)
            while card in cards:
                card = old_card(rng)
            cards.add(card)
        consents = {"service": True} | {purpose: rng.random() < share for purpose, share in CONSENT_SHARES.items()}
        out.append(Profile(first, last, email, number, language, consents, card))
    return out
