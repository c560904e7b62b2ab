"""Contact normalization (edge.hub.contact): emails, Italian-first phone numbers in E.164, old card numbers;
and the member numbers the hub makes up (edge.hub.db.ids)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edge.hub.contact import InvalidContact, normalize_card, normalize_email, normalize_phone
from edge.hub.db.ids import is_ean13, new_member_number


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("giulia@example.it", "giulia@example.it"),
        ("  Giulia.Rossi@Example.IT \n", "giulia.rossi@example.it"),
        ("mario+corsia@mail.co.uk", "mario+corsia@mail.co.uk"),
        ("o'brien@sub-domain.example.com", "o'brien@sub-domain.example.com"),
        ("x@xn--citt-6oa.it", "x@xn--citt-6oa.it"),
    ],
)
def test_valid_emails_are_trimmed_and_lowercased(text: str, expected: str) -> None:
    assert normalize_email(text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("giulia.example.it", "invalid"),
        ("giulia@", "invalid"),
        ("@example.it", "invalid"),
        ("giulia@example", "invalid"),
        ("giulia@example.i", "invalid"),
        ("giulia@@example.it", "invalid"),
        ("giu lia@example.it", "invalid"),
        ("giulia..rossi@example.it", "invalid"),
        (".giulia@example.it", "invalid"),
        ("giulia@-example.it", "invalid"),
        ("giulia@example..it", "invalid"),
        ("giulià@example.it", "invalid"),
        ("a" * 65 + "@example.it", "invalid"),
        ("a@" + "b" * 250 + ".it", "too_long"),
    ],
)
def test_invalid_emails_say_why(text: str, reason: str) -> None:
    with pytest.raises(InvalidContact) as caught:
        normalize_email(text)
    assert (caught.value.field, caught.value.reason) == ("email", reason)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("333 123 4567", "+393331234567"),
        ("3331234567", "+393331234567"),
        ("333-123-4567", "+393331234567"),
        ("333.123.4567", "+393331234567"),
        ("(333) 123 4567", "+393331234567"),
        ("+39 333 1234567", "+393331234567"),
        ("+393331234567", "+393331234567"),
        ("0039 333 1234567", "+393331234567"),
        ("39 333 1234567", "+393331234567"),
        ("393 123 4567", "+393931234567"),  # a 393 mobile prefix, not the country code
        ("333 123456", "+39333123456"),  # older 9-digit mobiles
        ("02 1234 5678", "+390212345678"),  # Milan: the 0 stays
        ("06 1234567", "+39061234567"),  # Rome
        ("0471 123456", "+390471123456"),
        ("+39 02 1234 5678", "+390212345678"),
        ("+44 20 7946 0958", "+442079460958"),
        ("0044 20 7946 0958", "+442079460958"),
        ("+1 (415) 555-0132", "+14155550132"),
        ("+49 30 1234567", "+49301234567"),
    ],
)
def test_phone_numbers_become_e164(text: str, expected: str) -> None:
    assert normalize_phone(text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        ("333 123", "invalid"),  # too short for a mobile
        ("333 1234 56789", "invalid"),  # too long for a mobile
        ("800 123 456", "invalid"),  # neither a mobile nor a landline
        ("12345678", "invalid"),
        ("333 12a 4567", "invalid"),
        ("+39 5", "invalid"),
        ("+44 123", "invalid"),  # too short for any country
        ("+1234567890123456", "too_long"),
        ("+0 123456789", "invalid"),
        ("٣٣٣١٢٣٤٥٦٧", "invalid"),  # digits, but not ASCII ones
    ],
)
def test_invalid_phone_numbers_say_why(text: str, reason: str) -> None:
    with pytest.raises(InvalidContact) as caught:
        normalize_phone(text)
    assert (caught.value.field, caught.value.reason) == ("phone", reason)


def test_a_national_number_of_another_country_needs_its_prefix() -> None:
    with pytest.raises(InvalidContact) as caught:
        normalize_phone("020 7946 0958", default_country="GB")
    assert caught.value.reason == "country"
    assert normalize_phone("+44 20 7946 0958", default_country="GB") == "+442079460958"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("0042-1234 5678", "004212345678"), ("ab12cd", "AB12CD"), (" 2900 0000 0000 1 ", "2900000000001")],
)
def test_cards_keep_digits_and_letters(text: str, expected: str) -> None:
    assert normalize_card(text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [("", "empty"), (" - ", "empty"), ("12345", "invalid"), ("1" * 21, "too_long"), ("1234/5678", "invalid")],
)
def test_invalid_cards_say_why(text: str, reason: str) -> None:
    with pytest.raises(InvalidContact) as caught:
        normalize_card(text)
    assert (caught.value.field, caught.value.reason) == ("card", reason)


_phone_like = st.from_regex(r"\A(\+39 ?|0039 ?|\+44 ?|\+1 ?)?[03][0-9 .-]{5,12}\Z", fullmatch=True)


@given(_phone_like)
def test_phone_normalization_is_stable(text: str) -> None:
    """Whatever is accepted comes out as E.164 and normalizes to itself again."""
    try:
        phone = normalize_phone(text)
    except InvalidContact:
        return
    assert re.fullmatch(r"\+[1-9][0-9]{7,14}", phone)
    assert normalize_phone(phone) == phone


@given(st.emails())
def test_email_normalization_is_stable(text: str) -> None:
    try:
        email = normalize_email(text)
    except InvalidContact:
        return
    assert email == email.strip().lower()
    assert normalize_email(email) == email


def test_new_member_numbers_are_valid_in_store_ean13() -> None:
    numbers = {new_member_number() for _ in range(2000)}
    assert all(is_ean13(n) and n.startswith("29") for n in numbers)
    assert len(numbers) == 2000
