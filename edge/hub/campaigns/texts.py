"""Texts: the placeholders each trigger fills, safe rendering, and the default Italian and English texts.

A campaign's texts are written by store staff through the API, so rendering never runs Python's format
machinery on them: a text is parsed once, only bare named placeholders are allowed (``{first_name}``, not
``{member.__class__}``, ``{0}``, ``{items[0]}`` or ``{price:>10}``), and each is replaced by a plain string.
`validate_template` lists what is wrong with a text so the API can answer 422 before the campaign ever runs.
Literal braces are written ``{{`` and ``}}``.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable, Mapping
from typing import Final

from edge.hub.campaigns.errors import TemplateError
from edge.hub.campaigns.facts import PickupOrder, ProductHere
from edge.hub.campaigns.model import Campaign, Language, Message, Trigger

COMMON: Final = frozenset({"first_name", "store", "zone"})
"""Every trigger: the member's first name, the store's name, and the label of the event's zone (or of the
product's zone when the campaign is about a product)."""
PRODUCT: Final = frozenset({"product", "shelf", "where", "availability", "others"})
"""About one product: a wishlist item or the campaign's promoted product. A campaign without a `sku` whose
texts use any of these is a wishlist campaign: it speaks of the member's saved products."""
COUPON: Final = frozenset({"coupon", "products"})
"""A purchase's coupon: its code and the products it is for ("A, B e C"). Using either makes a coupon."""

PLACEHOLDERS: Final[Mapping[Trigger, frozenset[str]]] = {
    "store_enter": COMMON | PRODUCT,
    "zone_dwell": COMMON | PRODUCT,
    "pickup_arrival": COMMON | {"order", "desk"},
    "purchase": COMMON | COUPON | {"feedback_url"},
}
"""The placeholders each trigger can fill."""
ALL_PLACEHOLDERS: Final = frozenset().union(*PLACEHOLDERS.values())

_NAME: Final = re.compile(r"[a-z_]+")
_SPACES: Final = re.compile(r"[ \t]{2,}")
_CONTROL: Final = re.compile(r"[\x00-\x1f\x7f]+")


# --- parsing, validation, rendering --------------------------------------------------------------------------


def _parse(text: str) -> tuple[list[tuple[str, str | None]], list[str]]:
    """The text as (literal, placeholder name or None) pieces, and the problems found on the way."""
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError:
        return [], ["unbalanced braces: write {{ and }} for a literal brace"]
    pieces: list[tuple[str, str | None]] = []
    problems: list[str] = []
    for literal, name, spec, conversion in parsed:
        if name is None:
            pieces.append((literal, None))
            continue
        shown = "{" + name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "") + "}"
        if name == "" or name.isdigit():
            problems.append(f"{shown}: placeholders need a name, such as {{first_name}}")
        elif "." in name or "[" in name:
            problems.append(f"{shown}: attribute and index access are not allowed")
        elif conversion or spec:
            problems.append(f"{shown}: conversions and formats are not allowed")
        elif not _NAME.fullmatch(name):
            problems.append(f"{shown}: a placeholder name is lowercase letters and underscores")
        pieces.append((literal, name))
    return pieces, problems


def placeholders(text: str) -> list[str]:
    """The placeholder names `text` uses, in order of first use; raises `TemplateError` if it is malformed."""
    pieces, problems = _parse(text)
    if problems:
        raise TemplateError(text, problems)
    return list(dict.fromkeys(name for _, name in pieces if name is not None))


def validate_template(text: str, allowed: Iterable[str] = ALL_PLACEHOLDERS) -> list[str]:
    """What is wrong with `text` as a template, one sentence per problem; empty when it is fine. `allowed` is
    the set of known placeholders (by default every trigger's; `PLACEHOLDERS[trigger]` for one trigger's)."""
    known = frozenset(allowed)
    pieces, problems = _parse(text)
    for name in dict.fromkeys(n for _, n in pieces if n is not None and _NAME.fullmatch(n)):
        if name not in known:
            problems.append(f"{{{name}}}: unknown placeholder (known: {', '.join(sorted(known))})")
    return problems


def _clean(value: str) -> str:
    # A first name with a newline or a tab must not change the shape of a push.
    return _CONTROL.sub(" ", value).strip()


def render(text: str, values: Mapping[str, str]) -> str:
    """`text` with each placeholder replaced by its value. Values are inserted as they are, never parsed again
    (a first name with braces stays as typed); runs of spaces left by empty values are collapsed.
    Raises `TemplateError` for a malformed text or a placeholder without a value."""
    pieces, problems = _parse(text)
    missing = [n for _, n in pieces if n is not None and n not in values]
    if problems or missing:
        raise TemplateError(text, problems + [f"{{{n}}}: no value" for n in dict.fromkeys(missing)])
    out = "".join(literal + ("" if name is None else _clean(values[name])) for literal, name in pieces)
    return _SPACES.sub(" ", out).strip()


def render_message(message: Message, values: Mapping[str, str]) -> Message:
    """Both parts of a message rendered with the same values."""
    return Message(title=render(message.title, values), body=render(message.body, values))


def message_placeholders(texts: Mapping[Language, Message]) -> frozenset[str]:
    """Every placeholder used by a campaign's texts, in any language; malformed texts contribute none."""
    names: set[str] = set()
    for message in texts.values():
        for part in (message.title, message.body):
            pieces, _ = _parse(part)
            names.update(n for _, n in pieces if n is not None)
    return frozenset(names)


# --- phrases the planner puts into placeholders --------------------------------------------------------------


def where(language: Language, product: ProductHere) -> str:
    """``"Corsia 4 — Running, scaffale B"``: the product's zone and shelf here."""
    zone = product.zone_label.text(language) if product.zone_label is not None else (product.zone or "")
    if not product.shelf:
        return zone
    return f"{zone}, {'shelf' if language == 'en' else 'scaffale'} {product.shelf}"


def availability(language: Language, product: ProductHere) -> str:
    """Whether it is in stock here, as a short sentence; empty when the stock is unknown."""
    if product.stock is None:
        return ""
    if product.stock > 0:
        return "In stock here." if language == "en" else "Disponibile in negozio."
    return "Out of stock in this store at the moment." if language == "en" else "Al momento non disponibile qui."


def others(language: Language, count: int) -> str:
    """A sentence about the other wishlist products in the store; empty when there are none."""
    if count <= 0:
        return ""
    if language == "en":
        if count == 1:
            return "One more item from your wishlist is here too."
        return f"{count} more items from your wishlist are here too."
    if count == 1:
        return "Qui trovi anche un altro prodotto della tua lista."
    return f"Qui trovi anche altri {count} prodotti della tua lista."


def join_names(language: Language, names: list[str]) -> str:
    """``"A, B e C"`` / ``"A, B and C"``."""
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} {'and' if language == 'en' else 'e'} {names[-1]}"


def desk(language: Language, order: PickupOrder) -> str:
    """Where to collect an order: the pickup desk's zone label, or a generic name for it."""
    if order.desk_label is not None:
        return order.desk_label.text(language)
    return "the pickup desk" if language == "en" else "il banco ritiro ordini"


STAFF_PICKUP: Final[Mapping[Language, str]] = {
    "it": "Ritiro ordine {order}: cliente in negozio",
    "en": "Pickup order {order}: customer in the store",
}
"""The staff tablets' alert. It names the order only: no customer's name goes over MQTT."""


# --- defaults ------------------------------------------------------------------------------------------------


DEFAULT_TEXTS: Final[Mapping[Trigger, Mapping[Language, Message]]] = {
    "store_enter": {
        "it": Message("Ecco dove trovare {product}", "Ciao {first_name}! {where}. {availability} {others}"),
        "en": Message("Here is where to find {product}", "Hi {first_name}! {where}. {availability} {others}"),
    },
    "zone_dwell": {
        "it": Message(
            "In offerta qui: {product}", "Ciao {first_name}, in negozio allo stesso prezzo del sito. Dove: {where}."
        ),
        "en": Message(
            "On offer here: {product}", "Hi {first_name}, in store at the same price as online. Where: {where}."
        ),
    },
    "pickup_arrival": {
        "it": Message("Il tuo ordine {order} è pronto", "Ciao {first_name}, vieni a ritirarlo qui: {desk}."),
        "en": Message("Your order {order} is ready", "Hi {first_name}, you can collect it here: {desk}."),
    },
    "purchase": {
        "it": Message(
            "Grazie per il tuo acquisto!",
            "Ciao {first_name}, per te uno sconto su {products} con il codice {coupon}. "
            "Tocca qui per dirci com'è andata.",
        ),
        "en": Message(
            "Thank you for shopping with us!",
            "Hi {first_name}, here is a discount on {products} with the code {coupon}. "
            "Tap here to tell us how it went.",
        ),
    },
}
"""Italian and English texts for each trigger: a title to read at a glance, a body of a sentence or two."""


def default_campaigns() -> list[Campaign]:
    """The campaigns a new store starts with: the wishlist push on entry, the pickup arrival (a service
    message) and the thank-you coupon after a purchase. Zone promotions need a product and a zone, so the
    store adds those itself (`DEFAULT_TEXTS["zone_dwell"]` is a starting point)."""

    def texts(trigger: Trigger) -> dict[Language, Message]:
        return dict(DEFAULT_TEXTS[trigger])

    return [
        Campaign(
            "store-enter-wishlist", "Lista desideri all'ingresso", "store_enter", texts("store_enter"), priority=10
        ),
        Campaign(
            "pickup-arrival",
            "Ritiro ordini all'arrivo",
            "pickup_arrival",
            texts("pickup_arrival"),
            kind="service",
            priority=100,
        ),
        Campaign("purchase-thank-you", "Grazie dopo l'acquisto", "purchase", texts("purchase")),
    ]
