"""The home screen and what every screen shares: the language switch, the reset, the keep-alive, the event
stream of scans, and acting on a scan on the home screen (a member's card or QR, a pre-registration QR)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Final

from flask import Blueprint, Response, current_app, g, redirect, render_template, request, url_for
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response as BaseResponse

from kiosk.app import state
from kiosk.app.forms import typed
from kiosk.app.i18n import is_language
from kiosk.app.registrar import read_scan
from kiosk.app.runtime import runtime
from kiosk.app.security import limit
from kiosk.app.sessions import PASSIVE
from kiosk.hub_client import HubRefused, HubUnavailable
from kiosk.payloads import CardNumber, Enrollment, MemberCode, PreRegistration

bp = Blueprint("home", __name__)

HEARTBEAT_S: Final = 10.0  # how often an idle stream proves it is alive (and learns the page has gone)


@bp.get("/")
def index() -> str:
    return render_template("home.html")


def safe_next(path: str) -> str:
    """`path` if it is one of the kiosk's own pages, else the home screen: nothing can lead out of the kiosk."""
    if not path.startswith("/") or path.startswith("//"):
        return url_for("home.index")
    try:
        current_app.url_map.bind("localhost").match(path, method="GET")
    except HTTPException:  # not found, not a GET page, or a redirect: not a page to go back to
        return url_for("home.index")
    return path


@bp.post("/language")
def language() -> BaseResponse:
    chosen = request.form.get("lang", "")
    if is_language(chosen):
        state.set_language(chosen)
    return redirect(safe_next(request.form.get("next", "")), 303)


@bp.post("/reset")
def reset() -> BaseResponse:
    state.reset()
    return redirect(url_for("home.index"), 303)


@bp.post("/alive")
def alive() -> Response:
    """The page's keep-alive while the customer is busy on one screen (typing makes no request)."""
    return Response(status=204)


@bp.get("/events")
def events() -> Response:
    """Server-sent events: ``scan`` with an opaque id, for the page to post back to its screen's scan form."""
    setattr(g, PASSIVE, True)  # a page waiting for scans is not the customer doing something
    subscription = runtime().bus.attach(state.sid())

    def stream() -> Iterator[str]:
        yield "retry: 1000\n\n"
        while True:
            ids = subscription.wait(HEARTBEAT_S)
            if ids is None:
                return
            if not ids:
                yield ": alive\n\n"
            for scan_id in ids:
                yield f"event: scan\ndata: {json.dumps({'id': scan_id})}\n\n"

    return Response(stream(), mimetype="text/event-stream", headers={"X-Accel-Buffering": "no"})


@bp.post("/scan")
def scan() -> BaseResponse:
    """A scan on the home screen (or a member's page, for the next customer): a member's card or QR opens their
    page, a pre-registration QR resumes it."""
    found = runtime().bus.take(state.sid(), request.form.get("scan", ""))
    if found is None:
        return redirect(url_for("home.index"), 303)
    payload = read_scan(found, runtime().preregistration_hosts)
    match payload:
        case MemberCode(number=number):
            return open_member(number, unknown="notice.member_unknown")
        case CardNumber(number=number):
            return open_member(number)
        case PreRegistration(token=token):
            return resume_preregistration(token)
        case Enrollment():
            state.say("notice.code_for_app")
        case _:
            state.say("notice.code_unknown")
    return redirect(url_for("home.index"), 303)


def open_member(number: str, *, unknown: str | None = None) -> BaseResponse:
    """Look `number` up and open its member's page; a notice on the home screen when it is nobody's."""
    limit("lookup")
    try:
        holder = runtime().hub.find(number)
    except (HubUnavailable, HubRefused):  # a refusal is the kiosk's setup (its token), not the customer's doing
        state.say("notice.lookup_offline")
        return redirect(url_for("home.index"), 303)
    if holder is None:
        state.say(unknown or "notice.card_unknown")
        return redirect(url_for("home.index"), 303)
    state.set_holder(holder)
    return redirect(url_for("member.page"), 303)


def resume_preregistration(token: str) -> BaseResponse:
    limit("lookup")
    try:
        found = runtime().hub.preregistration(token)
    except (HubUnavailable, HubRefused):
        found = None
    if found is None:
        return redirect(url_for("home.preregistration_missing"), 303)
    state.start_signup()
    state.put(
        state.TYPED,
        typed(
            {
                "first_name": found.first_name,
                "last_name": found.last_name,
                "email": found.email,
                "phone": found.phone or "",
                "language": found.language,
            }
        ),
    )
    state.say("notice.prereg_found")
    return redirect(url_for("signup.details"), 303)


@bp.get("/preregistration")
def preregistration_missing() -> str:
    return render_template("prereg_missing.html")
