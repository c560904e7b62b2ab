"""`kiosk.payloads`: the schemes the kiosk accepts, and the reasons it gives for everything else."""

from __future__ import annotations

import random

import pytest

from kiosk.payloads import (
    MAX_PAYLOAD_CHARS,
    CardNumber,
    Enrollment,
    MemberCode,
    PayloadError,
    PreRegistration,
    UnknownPayload,
    ean13_check_digit,
    format_enrollment_qr,
    format_member_qr,
    is_member_number,
    parse_payload,
)

MEMBER = "291234567890" + str(ean13_check_digit("291234567890"))
BAD_CHECK = MEMBER[:12] + str((int(MEMBER[12]) + 1) % 10)
TOKEN = "q7Zr-0_xY3kLmN8pQ2sT4vW6yA1cE5gI9jK0nP2rU4w"  # 43 characters, as the hub's
HOSTS = ("corsia.example", "Iscriviti.Corsia.IT")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"CORSIA:M:{MEMBER}", MemberCode(MEMBER)),
        (f"corsia:m:{MEMBER}", MemberCode(MEMBER)),
        (MEMBER, MemberCode(MEMBER)),
        (f"  {MEMBER}\r\n", MemberCode(MEMBER)),
        (f"CORSIA:P:{TOKEN}", PreRegistration(TOKEN)),
        (f"CORSIA:E:{TOKEN}", Enrollment(TOKEN)),
        (f"https://any.example.com/app/enroll#{TOKEN}", Enrollment(TOKEN)),
        ("CORSIA:P:" + "a" * 22, PreRegistration("a" * 22)),
        ("CORSIA:P:" + "a" * 64, PreRegistration("a" * 64)),
        (f"https://corsia.example/r/{TOKEN}", PreRegistration(TOKEN, "corsia.example")),
        (f"HTTPS://CORSIA.EXAMPLE/r/{TOKEN}/", PreRegistration(TOKEN, "corsia.example")),
        (f"https://iscriviti.corsia.it/r/{TOKEN}?utm_source=poster#top", PreRegistration(TOKEN, "iscriviti.corsia.it")),
        (f"https://corsia.example.:443/r/{TOKEN}", PreRegistration(TOKEN, "corsia.example")),
        ("168901", CardNumber("168901")),
        ("9780804816632", CardNumber("9780804816632")),  # an EAN-13 outside the member range: an old card
        ("FID00123456789ABCDEF", CardNumber("FID00123456789ABCDEF")),
        ("\tAB123456 ", CardNumber("AB123456")),
    ],
)
def test_accepted(text: str, expected: object) -> None:
    assert parse_payload(text, url_hosts=HOSTS) == expected


@pytest.mark.parametrize(
    ("text", "code"),
    [
        (f"CORSIA:M:{BAD_CHECK}", "check_digit"),
        (BAD_CHECK, "check_digit"),
        (f"CORSIA:M:{MEMBER}0", "bad_member_number"),
        (f"CORSIA:M:{MEMBER[:12]}", "bad_member_number"),
        ("CORSIA:M:9780804816632", "bad_member_number"),  # a valid EAN-13, but not a member number
        (f"CORSIA:M: {MEMBER}", "bad_member_number"),
        ("CORSIA:P:" + "a" * 21, "bad_token"),
        ("CORSIA:P:" + "a" * 65, "bad_token"),
        ("CORSIA:E:" + "a" * 30 + "=", "bad_token"),
        ("CORSIA:E:" + "a" * 30 + "/", "bad_token"),
        ("https://corsia.example/app/enroll#" + "a" * 10, "bad_token"),
        ("CORSIA:X:" + TOKEN, "unknown_scheme"),
        ("CORSIA:" + TOKEN, "unknown_scheme"),
        ("CORSIA:MM:" + MEMBER, "unknown_scheme"),
        (f"https://evil.example/r/{TOKEN}", "host_not_allowed"),
        (f"https://corsia.example.evil.example/r/{TOKEN}", "host_not_allowed"),
        (f"https://corsia.example@evil.example/r/{TOKEN}", "bad_url"),
        (f"https://user:pw@corsia.example/r/{TOKEN}", "bad_url"),
        (f"http://corsia.example/r/{TOKEN}", "bad_url"),
        (f"https://corsia.example:8443/r/{TOKEN}", "bad_url"),
        (f"https://corsia.example:99999/r/{TOKEN}", "bad_url"),
        (f"https://corsia.example/x/{TOKEN}", "bad_url"),
        (f"https://corsia.example/r/{TOKEN}/extra", "bad_url"),
        ("https://corsia.example/r/short", "bad_token"),
        ("https://[::1/r/x", "bad_url"),
        ("WIFI:S:shop;T:WPA;P:secret;;", "unknown_scheme"),
        ("BEGIN:VCARD\r\nN:Rossi\r\nEND:VCARD", "control_chars"),
        ("mailto:info@example.com", "unknown_scheme"),
        ("12345", "bad_card_number"),
        ("1" * 21, "bad_card_number"),
        ("ab123456", "unknown_scheme"),
        ("AB-123456", "unknown_scheme"),
        ("CARTA 1234", "unknown_scheme"),
        ("2912345678906\x1d", "control_chars"),
        ("AB\x00123456", "control_chars"),
        ("AB123456\u202e", "control_chars"),  # right-to-left override: would show the text reversed
        ("AB\u200b123456", "control_chars"),  # zero-width space
        ("ＡＢ１２３４５６", "unknown_scheme"),  # full-width look-alikes
        ("", "empty"),
        (" \r\n\t", "empty"),
        ("A" * (MAX_PAYLOAD_CHARS + 1), "too_long"),
    ],
)
def test_refused_with_a_reason(text: str, code: str) -> None:
    with pytest.raises(UnknownPayload) as err:
        parse_payload(text, url_hosts=HOSTS)
    assert err.value.code == code
    assert err.value.reason
    assert text.strip() not in str(err.value) or len(text.strip()) < 3  # the payload is not echoed


def test_links_need_an_allow_list() -> None:
    link = f"https://corsia.example/r/{TOKEN}"
    with pytest.raises(UnknownPayload) as err:
        parse_payload(link)
    assert err.value.code == "host_not_allowed"
    assert parse_payload(link, url_hosts=[" CORSIA.EXAMPLE. "]) == PreRegistration(TOKEN, "corsia.example")


def test_not_text_is_refused_not_crashed() -> None:
    for value in (None, b"CORSIA:M:" + MEMBER.encode(), 2912345678906, ["CORSIA"]):
        with pytest.raises(UnknownPayload):
            parse_payload(value)  # type: ignore[arg-type]


def test_random_input_only_ever_raises_unknown_payload() -> None:
    rng = random.Random(7)
    alphabet = "CORSIA:MPE/r.https029AZaz_-@?#%[]\x00\x1d\u202e é" + TOKEN
    accepted, refusals = 0, set()
    for _ in range(5000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 80)))
        if rng.random() < 0.3:
            text = rng.choice(["CORSIA:M:", "CORSIA:P:", "https://corsia.example/r/", "29"]) + text
        try:
            parse_payload(text, url_hosts=HOSTS)
            accepted += 1
        except UnknownPayload as exc:  # anything else escaping fails the test
            refusals.add((exc.code, bool(exc.reason)))
    assert accepted < 5000
    assert all(code and has_reason for code, has_reason in refusals)
    assert {"control_chars", "unknown_scheme", "bad_token", "empty"} <= {code for code, _ in refusals}


def test_round_trip_of_the_result_screen_codes() -> None:
    assert format_member_qr(MEMBER) == f"CORSIA:M:{MEMBER}"
    assert parse_payload(format_member_qr(MEMBER)) == MemberCode(MEMBER)
    assert parse_payload(format_enrollment_qr(TOKEN)) == Enrollment(TOKEN)


@pytest.mark.parametrize("number", [BAD_CHECK, "9780804816632", MEMBER[:12], "29123456789O3"])
def test_format_member_qr_refuses_what_is_not_a_member_number(number: str) -> None:
    with pytest.raises(PayloadError) as err:
        format_member_qr(number)
    assert err.value.code == "bad_member_number"


@pytest.mark.parametrize("token", ["short", "a" * 65, "has space in it 1234567", "dot.dot.dot.dot.dot.dot"])
def test_format_enrollment_qr_refuses_a_bad_token(token: str) -> None:
    with pytest.raises(PayloadError) as err:
        format_enrollment_qr(token)
    assert err.value.code == "bad_token"


def test_member_numbers() -> None:
    assert ean13_check_digit("978080481663") == 2
    assert is_member_number(MEMBER)
    assert not is_member_number(BAD_CHECK)
    assert not is_member_number("9780804816632")
    assert not is_member_number("٢٩١٢٣٤٥٦٧٨٩٠٦")  # Arabic-Indic digits are digits to str.isdigit, not to us
    with pytest.raises(ValueError, match="12 digits"):
        ean13_check_digit("12345")
