"""The sign-up: details, then each consent on its own screen, then the old card, then the result.

Each screen posts to itself and moves on with a redirect; a screen reached out of order sends the customer to
the first step still missing. A form with errors is shown again with the errors next to the fields (422).
"""

from __future__ import annotations

from datetime import date
from typing import Final

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from werkzeug.exceptions import NotFound
from werkzeug.wrappers import Response

from kiosk.app import state
from kiosk.app.codes import card_qr_text, ean13_svg, enrollment_qr_text, qr_svg
from kiosk.app.forms import parse_card, parse_details, typed
from kiosk.app.i18n import is_language, translate
from kiosk.app.policy import PURPOSES, Purpose, notice
from kiosk.app.registrar import Provisional, Registered, Rejected, WelcomeBack, read_scan, register, registration
from kiosk.app.runtime import runtime
from kiosk.app.security import limit
from kiosk.hub_client import HubRefused, HubUnavailable
from kiosk.payloads import CardNumber, MemberCode

bp = Blueprint("signup", __name__, url_prefix="/signup")

STEPS: Final = ("details", *PURPOSES, "card")


def _step(name: str) -> dict[str, int]:
    return {"n": STEPS.index(name) + 1, "total": len(STEPS)}


def _purpose(name: str) -> Purpose:
    for purpose in PURPOSES:
        if purpose == name:
            return purpose
    raise NotFound()


def _missing() -> Response | None:
    """A redirect to the first step not done yet, or None when the details and the service consent are in."""
    if state.details() is None:
        return redirect(url_for("signup.details"), 303)
    if state.consents().get("service") is not True:
        return redirect(url_for("signup.consent", purpose="service"), 303)
    return None


@bp.get("/")
def start() -> Response:
    state.start_signup()
    return redirect(url_for("signup.details"), 303)


@bp.route("/details", methods=["GET", "POST"])
def details() -> Response | tuple[str, int] | str:
    if request.method == "GET":
        shown = state.get(state.TYPED) or (d.as_session() if (d := state.details()) else {})
        return render_template("signup_details.html", form=shown, errors={}, step=_step("details"))
    form = typed(request.form)
    state.put(state.TYPED, form)
    switch = request.form.get("switch_language", "")
    if is_language(switch):  # the switch in the header posts the form, so nothing typed is lost
        state.set_language(switch)
        return redirect(url_for("signup.details"), 303)
    checked, errors = parse_details(form, date.today())
    if checked is None:
        return render_template("signup_details.html", form=form, errors=errors, step=_step("details")), 422
    state.put(state.DETAILS, checked.as_session())
    return redirect(url_for("signup.consent", purpose=PURPOSES[0]), 303)


@bp.route("/consents/<purpose>", methods=["GET", "POST"])
def consent(purpose: str) -> Response | tuple[str, int] | str:
    chosen = _purpose(purpose)
    if state.details() is None:
        return redirect(url_for("signup.details"), 303)
    error = None
    if request.method == "POST":
        agreed = request.form.get("agree") == "yes"
        state.set_consent(chosen, agreed)
        if chosen != "service" or agreed:
            after = PURPOSES.index(chosen) + 1
            target = url_for("signup.consent", purpose=PURPOSES[after]) if after < len(PURPOSES) else None
            return redirect(target or url_for("signup.card"), 303)
        error = "error.consent.required"
    before = PURPOSES.index(chosen) - 1
    back = url_for("signup.consent", purpose=PURPOSES[before]) if before >= 0 else url_for("signup.details")
    page = render_template(
        "signup_consent.html",
        purpose=chosen,
        text=notice(chosen, state.language()),
        version=runtime().policy_version,
        checked=state.consents().get(chosen, False),
        error=error,
        back=back,
        step=_step(chosen),
    )
    return (page, 422) if error else page


@bp.route("/card", methods=["GET", "POST"])
def card() -> Response | tuple[str, int] | str:
    missing = _missing()
    if missing is not None:
        return missing
    if request.method == "GET":
        return _card_page()
    number, error = parse_card(request.form.get("card_number", ""))
    if number is None:
        return _card_page(error=error, typed_number=request.form.get("card_number", "")[:40]), 422
    return _attach_card(number)


def _card_page(*, error: str | None = None, typed_number: str = "") -> str:
    linked = state.get(state.CARD)
    return render_template(
        "signup_card.html",
        last4=linked[-4:] if isinstance(linked, str) else None,
        error=error,
        typed_number=typed_number,
        step=_step("card"),
        back=url_for("signup.consent", purpose=PURPOSES[-1]),
    )


@bp.post("/card/scan")
def card_scan() -> Response:
    """The old card swiped (or its barcode shown) on the card screen."""
    found = runtime().bus.take(state.sid(), request.form.get("scan", ""))
    payload = read_scan(found, runtime().preregistration_hosts) if found is not None else None
    match payload:
        case CardNumber(number=number):
            return _attach_card(number)
        case MemberCode(number=number):
            return _attach_card(number, member_code=True)
        case None if found is not None:
            state.say("notice.code_unknown")
    return redirect(url_for("signup.card"), 303)


def _attach_card(number: str, *, member_code: bool = False) -> Response:
    """A card that already belongs to a member opens that member's page (they are coming back); any other
    card is kept to link at sign-up, also when the hub cannot be asked now (the sign-up will link it)."""
    limit("lookup")
    try:
        owner = runtime().hub.find(number)
    except (HubUnavailable, HubRefused):
        owner = None
    if owner is not None:
        state.set_holder(owner)
        state.say("notice.card_in_use")
        return redirect(url_for("member.page"), 303)
    if member_code:
        state.say("notice.member_unknown")
    else:
        state.put(state.CARD, number)
        state.say("notice.card_added")
    return redirect(url_for("signup.card"), 303)


@bp.post("/card/remove")
def card_remove() -> Response:
    state.drop(state.CARD)
    return redirect(url_for("signup.card"), 303)


@bp.post("/submit")
def submit() -> Response | tuple[str, int]:
    missing = _missing()
    if missing is not None:
        return missing
    checked = state.details()
    assert checked is not None
    limit("signup")
    rt = runtime()
    linked = state.get(state.CARD)
    signup = registration(checked, state.consents(), linked if isinstance(linked, str) else None, rt.policy_version)
    outcome = register(rt.hub, rt.outbox, signup)
    match outcome:
        case Registered():
            result = {"kind": "member", "number": outcome.member_number, "token": outcome.enrollment_token}
        case Provisional():
            result = {"kind": "provisional", "number": outcome.number, "token": ""}
        case WelcomeBack():
            return redirect(url_for("signup.welcome_back"), 303)
        case Rejected():
            errors = {name: "error.not_accepted" for name in outcome.fields}
            form = state.get(state.TYPED) or checked.as_session()
            page = render_template("signup_details.html", form=form, errors=errors, step=_step("details"))
            return page, 422
    # The result screen needs only the name and the codes: the rest of the sign-up leaves the session now.
    state.start_signup()
    state.put(state.RESULT, {**result, "name": checked.first_name})
    return redirect(url_for("signup.done"), 303)


@bp.get("/done")
def done() -> Response | str:
    result = state.get(state.RESULT)
    if not isinstance(result, dict):
        return redirect(url_for("home.index"), 303)
    language = state.language()
    number = result["number"]
    return render_template(
        "signup_done.html",
        provisional=result["kind"] == "provisional",
        name=result["name"],
        number=number,
        card_qr=qr_svg(card_qr_text(number), translate(language, "done.qr.card")),
        barcode=ean13_svg(number, translate(language, "done.barcode")),
        app_qr=qr_svg(
            enrollment_qr_text(result["token"], current_app.config["WALLET_URL"]), translate(language, "done.qr.app")
        )
        if result["token"]
        else None,
    )


@bp.get("/welcome-back")
def welcome_back() -> str:
    return render_template("welcome_back.html")
