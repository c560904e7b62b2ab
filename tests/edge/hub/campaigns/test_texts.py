"""Templates: what validation rejects, how rendering treats values, and the default texts in both languages."""

from __future__ import annotations

import pytest

from edge.hub.campaigns import DEFAULT_TEXTS, LANGUAGES, PLACEHOLDERS, TemplateError, default_campaigns
from edge.hub.campaigns.facts import Label, PickupOrder, ProductHere
from edge.hub.campaigns.texts import (
    availability,
    desk,
    join_names,
    others,
    placeholders,
    render,
    render_message,
    validate_template,
    where,
)
from edge.hub.campaigns.validation import validate_campaign

SHOES = ProductHere("SHOE-1", "Pegasus 41", "aisle-4", Label("Corsia 4 — Running", "Aisle 4 — Running"), "B", 3)


# --- validation ----------------------------------------------------------------------------------------------


def test_a_good_template_has_no_problems() -> None:
    assert validate_template("Ciao {first_name}, {product} è in {zone}. {{offerta}}") == []
    assert placeholders("Ciao {first_name}, {product}, {first_name}") == ["first_name", "product"]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("Ciao {name}", "{name}: unknown placeholder"),
        ("Ciao {first_name.__class__}", "attribute and index access are not allowed"),
        ("Ciao {first_name[0]}", "attribute and index access are not allowed"),
        ("Ciao {}", "placeholders need a name"),
        ("Ciao {0}", "placeholders need a name"),
        ("Ciao {first_name!r}", "conversions and formats are not allowed"),
        ("Ciao {first_name:>20}", "conversions and formats are not allowed"),
        ("Ciao {first_name:{zone}}", "conversions and formats are not allowed"),
        ("Ciao {First_Name}", "lowercase letters and underscores"),
        ("Ciao {first_name", "unbalanced braces"),
        ("Ciao }", "unbalanced braces"),
    ],
)
def test_bad_templates_are_rejected(text: str, problem: str) -> None:
    problems = validate_template(text)
    assert len(problems) == 1
    assert problem in problems[0]


def test_unknown_for_one_trigger() -> None:
    assert validate_template("{coupon}", PLACEHOLDERS["purchase"]) == []
    [problem] = validate_template("{coupon}", PLACEHOLDERS["store_enter"])
    assert problem.startswith("{coupon}: unknown placeholder (known: ")


# --- rendering -----------------------------------------------------------------------------------------------


def test_render_fills_values_without_parsing_them_again() -> None:
    values = {"first_name": "{zone.__class__} Anna", "zone": "Corsia 4"}
    assert render("Ciao {first_name}, vai in {zone}!", values) == "Ciao {zone.__class__} Anna, vai in Corsia 4!"


def test_render_collapses_the_spaces_empty_values_leave() -> None:
    assert (
        render("Ciao {first_name}!  {others} {availability}", {"first_name": "Anna", "others": "", "availability": ""})
        == "Ciao Anna!"
    )


def test_render_strips_control_characters_from_values() -> None:
    assert render("Ciao {first_name}!", {"first_name": "Anna\n\tMaria"}) == "Ciao Anna Maria!"


def test_render_keeps_literal_braces() -> None:
    assert render("{{sconto}} per {first_name}", {"first_name": "Anna"}) == "{sconto} per Anna"


def test_render_refuses_a_missing_value_or_a_bad_template() -> None:
    with pytest.raises(TemplateError) as caught:
        render("Ciao {first_name} {zone}", {"first_name": "Anna"})
    assert caught.value.problems == ["{zone}: no value"]
    with pytest.raises(TemplateError) as caught:
        render("Ciao {first_name.upper}", {"first_name": "Anna"})
    assert "attribute and index access" in caught.value.problems[0]
    assert caught.value.template == "Ciao {first_name.upper}"


# --- phrases -------------------------------------------------------------------------------------------------


def test_phrases_in_both_languages() -> None:
    assert where("it", SHOES) == "Corsia 4 — Running, scaffale B"
    assert where("en", SHOES) == "Aisle 4 — Running, shelf B"
    no_shelf_no_label = ProductHere("X", "X", "aisle-9", None, None, 1)
    assert where("it", no_shelf_no_label) == "aisle-9"
    assert availability("it", SHOES) == "Disponibile in negozio."
    assert availability("en", ProductHere("X", "X", "a", None, None, 0)) == "Out of stock in this store at the moment."
    assert availability("en", ProductHere("X", "X", "a", None, None, None)) == ""
    assert others("it", 0) == ""
    assert others("it", 1) == "Qui trovi anche un altro prodotto della tua lista."
    assert others("en", 3) == "3 more items from your wishlist are here too."
    assert join_names("it", ["A", "B", "C"]) == "A, B e C"
    assert join_names("en", ["A", "B"]) == "A and B"
    assert join_names("en", ["A"]) == "A"
    assert desk("en", PickupOrder("O-1")) == "the pickup desk"
    assert desk("it", PickupOrder("O-1", "pickup", Label("Ritiro ordini"))) == "Ritiro ordini"
    assert desk("en", PickupOrder("O-1", "pickup", Label("Ritiro ordini"))) == "Ritiro ordini"  # no English label


# --- defaults ------------------------------------------------------------------------------------------------


REAL_VALUES = {
    "first_name": "Giulia",
    "store": "Corsia Sport Milano Centro",
    "zone": "Corsia 4 — Running",
    "product": "Pegasus 41",
    "shelf": "B",
    "where": "Corsia 4 — Running, scaffale B",
    "availability": "Disponibile in negozio.",
    "others": "",
    "order": "ORD-77",
    "desk": "Ritiro ordini",
    "coupon": "7KQ2-M9XD",
    "products": "Solette gel e Calze tecniche",
    "feedback_url": "https://hub.example.it/feedback/abc",
}


@pytest.mark.parametrize("trigger", list(DEFAULT_TEXTS))
def test_default_texts_render_in_both_languages(trigger: str) -> None:
    for language in LANGUAGES:
        message = DEFAULT_TEXTS[trigger][language]  # type: ignore[index]
        for text in (message.title, message.body):
            assert validate_template(text, PLACEHOLDERS[trigger]) == []  # type: ignore[index]
        rendered = render_message(message, REAL_VALUES)
        assert "{" not in rendered.title + rendered.body
        assert len(rendered.title) <= 50  # read at a glance, not cut by the phone
        assert rendered.title
        assert rendered.body
    it, en = DEFAULT_TEXTS[trigger]["it"], DEFAULT_TEXTS[trigger]["en"]  # type: ignore[index]
    assert it != en


def test_default_texts_with_real_values() -> None:
    rendered = render_message(DEFAULT_TEXTS["pickup_arrival"]["it"], REAL_VALUES)
    assert rendered.title == "Il tuo ordine ORD-77 è pronto"
    assert rendered.body == "Ciao Giulia, vieni a ritirarlo qui: Ritiro ordini."
    rendered = render_message(DEFAULT_TEXTS["purchase"]["en"], REAL_VALUES)
    assert rendered.body.startswith(
        "Hi Giulia, here is a discount on Solette gel e Calze tecniche with the code 7KQ2-M9XD."
    )


def test_default_campaigns_are_valid_and_cover_the_journey() -> None:
    campaigns = default_campaigns()
    assert {c.trigger for c in campaigns} == {"store_enter", "pickup_arrival", "purchase"}
    assert len({c.id for c in campaigns}) == len(campaigns)
    for c in campaigns:
        assert validate_campaign(c) == {}, c.id
        assert set(c.texts) == set(LANGUAGES)
    [pickup] = [c for c in campaigns if c.trigger == "pickup_arrival"]
    assert pickup.kind == "service"
    # Each call gives fresh objects: one store editing its texts does not change another's.
    assert default_campaigns()[0].texts is not campaigns[0].texts
