"""An existing member's screens, opened by their card or the app's member QR: points, consents, a new phone.

The hub tells the kiosk only the member's first name, number and points (and, for the consents screen, the
consents): nothing else about them is ever on screen. Holding the card is what opens these screens, as it is
at the till.
"""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from kiosk.app import state
from kiosk.app.codes import enrollment_qr_text, qr_svg
from kiosk.app.i18n import translate
from kiosk.app.policy import OPTIONAL, notice
from kiosk.app.runtime import runtime
from kiosk.hub_client import Holder, HubRefused, HubUnavailable

bp = Blueprint("member", __name__, url_prefix="/member")


def _holder() -> Holder | Response:
    found = state.holder()
    return found if found is not None else redirect(url_for("home.index"), 303)


@bp.get("/")
def page() -> Response | str:
    holder = _holder()
    if isinstance(holder, Response):
        return holder
    return render_template("member.html", holder=holder)


@bp.route("/consents", methods=["GET", "POST"])
def consents() -> Response | str:
    holder = _holder()
    if isinstance(holder, Response):
        return holder
    hub = runtime().hub
    try:
        if request.method == "POST":
            choices: dict[str, bool] = {purpose: request.form.get(purpose) == "yes" for purpose in OPTIONAL}
            hub.set_consents(holder.member_id, choices, runtime().policy_version)
            state.say("notice.consents_saved")
            return redirect(url_for("member.page"), 303)
        current = hub.consents(holder.member_id)
    except (HubUnavailable, HubRefused):
        state.say("notice.consents_offline")
        return redirect(url_for("member.page"), 303)
    language = state.language()
    return render_template(
        "member_consents.html",
        purposes=[(p, notice(p, language), getattr(current, p)) for p in OPTIONAL],
        version=runtime().policy_version,
    )


@bp.post("/enroll")
def enroll() -> Response:
    holder = _holder()
    if isinstance(holder, Response):
        return holder
    try:
        issued = runtime().hub.new_enrollment(holder.member_id)
    except (HubUnavailable, HubRefused):
        state.say("notice.enroll_offline")
        return redirect(url_for("member.page"), 303)
    state.put(state.ENROLL, {"token": issued.enrollment_token, "expires": issued.expires})
    return redirect(url_for("member.enrollment"), 303)


@bp.get("/enroll")
def enrollment() -> Response | str:
    holder = _holder()
    issued = state.get(state.ENROLL)
    if isinstance(holder, Response) or not isinstance(issued, dict):
        return redirect(url_for("member.page" if not isinstance(holder, Response) else "home.index"), 303)
    language = state.language()
    until = datetime.fromtimestamp(float(issued["expires"])).strftime("%H:%M")
    return render_template(
        "member_enroll.html",
        until=until,
        app_qr=qr_svg(
            enrollment_qr_text(issued["token"], current_app.config["WALLET_URL"]), translate(language, "done.qr.app")
        ),
    )
