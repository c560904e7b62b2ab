"""The sign-up form's rules: the hub's contact rules, names, the optional birth date and the card number."""

from __future__ import annotations

from datetime import date

import pytest

from kiosk.app.forms import Details, parse_birth_date, parse_card, parse_details, typed

TODAY = date(2026, 5, 15)
GOOD = {
    "first_name": "  Anna   Maria ",
    "last_name": "D'Angelo",
    "email": " Anna.DAngelo@Example.IT ",
    "phone": "333 123 4567",
    "birth_date": "1990-02-28",
    "language": "en",
}


def test_good_details_are_normalized_as_the_hub_stores_them() -> None:
    details, errors = parse_details(GOOD, TODAY)
    assert errors == {}
    assert details == Details(
        first_name="Anna Maria",
        last_name="D'Angelo",
        email="anna.dangelo@example.it",
        phone="+393331234567",
        birth_date=date(1990, 2, 28),
        language="en",
    )


def test_the_phone_and_birth_date_are_optional_and_language_defaults_to_italian() -> None:
    details, errors = parse_details({**GOOD, "phone": "  ", "birth_date": "", "language": "fr"}, TODAY)
    assert errors == {}
    assert details is not None
    assert (details.phone, details.birth_date, details.language) == (None, None, "it")


def test_the_session_form_round_trips() -> None:
    details, _ = parse_details(GOOD, TODAY)
    assert details is not None
    assert Details.from_session(details.as_session()) == details


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("first_name", "   ", "error.first_name.empty"),
        ("first_name", "x" * 101, "error.first_name.too_long"),
        ("last_name", "Rossi\u0000", "error.last_name.invalid"),
        ("email", "", "error.email.empty"),
        ("email", "giulia.rossi@", "error.email.invalid"),
        ("email", "giulia rossi@example.it", "error.email.invalid"),
        ("phone", "333 12", "error.phone.invalid"),
        ("phone", "333-abc-4567", "error.phone.invalid"),
        ("phone", "+1234567890123456", "error.phone.too_long"),
        ("birth_date", "31/02/1990", "error.birth_date.invalid"),
        ("birth_date", "2027-01-01", "error.birth_date.future"),
        ("birth_date", "1850-01-01", "error.birth_date.invalid"),
        ("birth_date", "2013-01-01", "error.birth_date.too_young"),
    ],
)
def test_each_bad_value_is_named_with_its_reason(field: str, value: str, error: str) -> None:
    details, errors = parse_details({**GOOD, field: value}, TODAY)
    assert details is None
    assert errors == {field: error}


def test_every_field_at_fault_is_reported_at_once() -> None:
    _, errors = parse_details({"email": "nope", "phone": "12"}, TODAY)
    assert set(errors) == {"first_name", "last_name", "email", "phone"}


def test_a_foreign_mobile_needs_its_country_code() -> None:
    details, errors = parse_details({**GOOD, "phone": "+41 79 123 45 67"}, TODAY)
    assert errors == {}
    assert details is not None
    assert details.phone == "+41791234567"


def test_a_birth_date_typed_by_hand_is_day_month_year() -> None:
    assert parse_birth_date("05/11/1988", TODAY) == (date(1988, 11, 5), None)
    assert parse_birth_date("5.11.1988", TODAY) == (date(1988, 11, 5), None)
    # Fourteen today is old enough; fourteen tomorrow is not.
    assert parse_birth_date("2012-05-15", TODAY) == (date(2012, 5, 15), None)
    assert parse_birth_date("2012-05-16", TODAY) == (None, "error.birth_date.too_young")


def test_what_was_typed_is_kept_trimmed_and_capped() -> None:
    kept = typed({"first_name": "  Giulia ", "email": "a" * 1000, "unexpected": "x"})
    assert kept["first_name"] == "Giulia"
    assert len(kept["email"]) == 300
    assert "unexpected" not in kept
    assert kept["phone"] == ""


def test_a_card_number_is_the_hubs_card_rule() -> None:
    assert parse_card(" 0012-3456 78 ") == ("0012345678", None)
    assert parse_card("ab12cd34") == ("AB12CD34", None)
    assert parse_card("") == (None, "error.card.empty")
    assert parse_card("12345") == (None, "error.card.invalid")
    assert parse_card("1" * 21) == (None, "error.card.too_long")
