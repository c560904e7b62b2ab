"""The privacy notice the kiosk shows, one purpose per screen, and its version.

Consent is asked for each purpose separately (Garante's rules for loyalty cards; EDPB guidelines 05/2020):
the card service, which the card cannot exist without, then marketing, profiling and proximity, each optional
and unticked until the customer ticks it. The hub records every choice with `VERSION`, so a new text needs a
new version string here; a store with its own lawyer-approved text replaces these.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from kiosk.app.i18n import LANGUAGES, Language

VERSION: Final = "2025-01"
Purpose = Literal["service", "marketing", "profiling", "proximity"]
PURPOSES: Final[tuple[Purpose, ...]] = ("service", "marketing", "profiling", "proximity")
OPTIONAL: Final[tuple[Purpose, ...]] = ("marketing", "profiling", "proximity")


@dataclass(frozen=True, slots=True)
class Notice:
    """One purpose's notice in one language."""

    title: str
    label: str
    """The checkbox's label: what the customer agrees to, in the first person."""
    paragraphs: tuple[str, ...]


_NOTICES: Final[dict[Purpose, tuple[Notice, Notice]]] = {
    "service": (
        Notice(
            "La carta fedeltà",
            "Acconsento al trattamento dei miei dati per avere la carta fedeltà",
            (
                "Usiamo nome, cognome, email e, se lo indichi, il cellulare per gestire la tua carta: "
                "accumulare e usare i punti, riconoscerti alla cassa e in questo chiosco, collegare la tua "
                "vecchia carta e la app.",
                "Non usiamo questi dati per pubblicità e non li cediamo a nessuno. Li conserviamo finché "
                "resti iscritto; puoi chiedere di vederli, correggerli o cancellarli quando vuoi, nella app "
                "o alla cassa.",
                "Senza questo consenso non possiamo darti la carta.",
            ),
        ),
        Notice(
            "The loyalty card",
            "I agree to the processing of my data to have the loyalty card",
            (
                "We use your first and last name, email and, if you give it, your mobile number to run your "
                "card: collecting and using points, recognising you at the till and at this kiosk, linking "
                "your old card and the app.",
                "We do not use this data for advertising and we do not pass it on to anyone. We keep it while "
                "you are a member; you can ask to see, correct or delete it at any time, in the app or at "
                "the till.",
                "Without this consent we cannot give you the card.",
            ),
        ),
    ),
    "marketing": (
        Notice(
            "Offerte e novità",
            "Acconsento a ricevere offerte e novità",
            (
                "Se acconsenti, ti mandiamo offerte, sconti e novità del negozio per email e come notifiche della app.",
                "Le offerte sono le stesse per tutti i clienti che le ricevono: per quelle pensate sui tuoi "
                "acquisti serve il consenso alla profilazione.",
                "Conserviamo lo storico dei messaggi per 24 mesi. Puoi revocare il consenso quando vuoi.",
            ),
        ),
        Notice(
            "Offers and news",
            "I agree to receive offers and news",
            (
                "If you agree, we send you the store's offers, discounts and news by email and as app notifications.",
                "These offers are the same for every customer who gets them: offers based on your purchases "
                "need the profiling consent.",
                "We keep the history of messages for 24 months. You can withdraw your consent at any time.",
            ),
        ),
    ),
    "profiling": (
        Notice(
            "Offerte su misura",
            "Acconsento all'analisi dei miei acquisti per ricevere offerte su misura",
            (
                "Se acconsenti, analizziamo i tuoi acquisti e la lista dei desideri per proporti prodotti e "
                "sconti adatti a te.",
                "Nessuna decisione che ti riguarda viene presa solo in modo automatico. Conserviamo questi "
                "dati per 12 mesi. Puoi revocare il consenso quando vuoi.",
            ),
        ),
        Notice(
            "Offers made for you",
            "I agree to the analysis of my purchases to get offers made for me",
            (
                "If you agree, we analyse your purchases and wishlist to suggest products and discounts that suit you.",
                "No decision about you is made by automated means alone. We keep this data for 12 months. "
                "You can withdraw your consent at any time.",
            ),
        ),
    ),
    "proximity": (
        Notice(
            "Avvisi in negozio",
            "Acconsento a ricevere avvisi sul telefono quando sono in negozio",
            (
                "Se acconsenti, quando entri in negozio con la app il telefono si fa riconoscere dai nostri "
                "sensori Bluetooth: ti diciamo dove trovare i prodotti che hai salvato e se il tuo ordine è "
                "pronto.",
                "Il segnale del telefono cambia ogni pochi minuti, così nessun altro può seguirti. Ricordiamo "
                "le zone del negozio che hai visitato per 30 giorni. Puoi revocare il consenso quando vuoi.",
            ),
        ),
        Notice(
            "In-store alerts",
            "I agree to get alerts on my phone when I am in the store",
            (
                "If you agree, when you enter the store with the app your phone makes itself known to our "
                "Bluetooth sensors: we tell you where to find the products you saved and whether your order "
                "is ready.",
                "Your phone's signal changes every few minutes, so nobody else can follow you. We remember "
                "the areas of the store you visited for 30 days. You can withdraw your consent at any time.",
            ),
        ),
    ),
}


def is_purpose(value: str) -> bool:
    return value in PURPOSES


def notice(purpose: Purpose, language: Language) -> Notice:
    """The notice for `purpose` in `language`."""
    return _NOTICES[purpose][LANGUAGES.index(language)]
