"""What one customer's session holds, with the keys in one place.

Everything here is personal and short-lived: the session lives in the kiosk's memory (kiosk.app.sessions) and
`reset` wipes it. Values are assigned whole, never mutated in place, so concurrent requests of one session
cannot undo each other.
"""

from __future__ import annotations

from typing import Any, Final

from flask import session

from kiosk.app.forms import Details
from kiosk.app.i18n import DEFAULT, Language, is_language
from kiosk.app.sessions import KioskSession
from kiosk.hub_client import Holder

LANG: Final = "lang"
TYPED: Final = "typed"  # the details form as typed, shown again after an error or a language switch
DETAILS: Final = "details"  # the details, checked
CONSENTS: Final = "consents"  # purpose -> bool, as the customer chose on each screen
CARD: Final = "card"  # an old plastic card to link at sign-up
RESULT: Final = "result"  # what the result screen shows
HOLDER: Final = "holder"  # the member whose card was scanned
ENROLL: Final = "enroll"  # a new phone's enrollment token
NOTICE: Final = "notice"  # a message key for the next screen
SIGNUP_KEYS: Final = (TYPED, DETAILS, CONSENTS, CARD, RESULT)


def current() -> KioskSession:
    kiosk_session = session._get_current_object()  # type: ignore[attr-defined]
    assert isinstance(kiosk_session, KioskSession)
    return kiosk_session


def sid() -> str:
    """This session's id (what the scan bus routes by)."""
    return current().sid


def language() -> Language:
    value = session.get(LANG, DEFAULT)
    return value if is_language(value) else DEFAULT


def set_language(value: Language) -> None:
    session[LANG] = value


def say(key: str) -> None:
    """Show the message `key` on the next screen."""
    session[NOTICE] = key


def take_notice() -> str | None:
    key = session.get(NOTICE)
    if key is not None:
        session.pop(NOTICE)
    return key if isinstance(key, str) else None


def start_signup() -> None:
    """Forget any earlier sign-up of this session (and the member page: a sign-up is a new person)."""
    for key in (*SIGNUP_KEYS, HOLDER, ENROLL):
        session.pop(key, None)


def details() -> Details | None:
    data = session.get(DETAILS)
    return Details.from_session(data) if isinstance(data, dict) else None


def consents() -> dict[str, bool]:
    data = session.get(CONSENTS)
    return dict(data) if isinstance(data, dict) else {}


def set_consent(purpose: str, granted: bool) -> None:
    session[CONSENTS] = {**consents(), purpose: granted}


def holder() -> Holder | None:
    data = session.get(HOLDER)
    if not isinstance(data, dict):
        return None
    return Holder(data["member_id"], data["member_number"], data["first_name"], int(data["points"]))


def set_holder(found: Holder) -> None:
    for key in (*SIGNUP_KEYS, ENROLL):
        session.pop(key, None)
    session[HOLDER] = {
        "member_id": found.member_id,
        "member_number": found.member_number,
        "first_name": found.first_name,
        "points": found.points,
    }


def get(key: str) -> Any:
    return session.get(key)


def put(key: str, value: Any) -> None:
    session[key] = value


def drop(key: str) -> None:
    session.pop(key, None)


def reset() -> None:
    """The full reset: everything about this customer goes, and the session gets a new id."""
    current().reset()
