"""The dashboard's routes (under ``/dashboard``): the page, sign-in and sign-out, and the data it reads; in the
demo only (``[hub] phones_url`` set), the phones view.

Views only check the session, pick the language and hand over to `Board`, `EventStream` and `phones`; the numbers
are computed in `stats`, the map in `floorplan`.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any, Final

from flask import Blueprint, Response, abort, current_app, jsonify, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from edge.hub.context import HubContext
from edge.hub.dashboard import auth, i18n, phones
from edge.hub.dashboard.board import Board
from edge.hub.dashboard.floorplan import floor_plan
from edge.hub.dashboard.stream import EventStream, StreamSettings, StreamSlots, last_seen

bp = Blueprint("dashboard", __name__, template_folder="templates", static_folder="static")

STATE_KEY: Final = "corsia_dashboard"


class DashboardState:
    """What the dashboard app keeps for its whole life: the hub's context, the board, the stream settings."""

    def __init__(self, ctx: HubContext, board: Board, boot: str, settings: StreamSettings, max_streams: int) -> None:
        self.ctx = ctx
        self.board = board
        self.boot = boot
        self.settings = settings
        self.slots = StreamSlots(max_streams)
        self.plan = floor_plan(ctx.layout)


def state() -> DashboardState:
    found = current_app.extensions[STATE_KEY]
    assert isinstance(found, DashboardState)
    return found


def language() -> str:
    return i18n.choose(request.args.get("lang"), request.cookies.get(i18n.COOKIE))


def with_language(response: Response, lang: str) -> Response:
    """Remember a language asked for in the URL, as the page's own switch does."""
    if request.args.get("lang") == lang:
        response.set_cookie(i18n.COOKIE, lang, max_age=365 * 86400, path=request.script_root or "/", samesite="Strict")
    return response


def sign_in_page(lang: str, error: str | None = None, status: int = 200) -> Response:
    hub = state().ctx.config.hub
    if not hub.admin_token:
        error = "signin_disabled"
    html = render_template(
        "dashboard/signin.html", lang=lang, t=i18n.TEXTS[lang], error=error, hours=auth.SESSION_HOURS,
        store=state().plan.name, other=next(x for x in i18n.LANGUAGES if x != lang),
    )  # fmt: skip
    return with_language(Response(html, status=status, mimetype="text/html"), lang)


@bp.get("/")
def page() -> BaseResponse:
    """The dashboard; ``?token=`` signs in and comes back here without the token in the address bar."""
    lang = language()
    token = request.args.get("token")
    hub = state().ctx.config.hub
    if token is not None:
        if not auth.sign_in(token, hub):
            return sign_in_page(lang, "signin_wrong", 401)
        return redirect(url_for(".page"), 303)
    if not auth.signed_in():
        return redirect(url_for(".sign_in"), 303)
    s = state()
    data: dict[str, Any] = {
        "lang": lang,
        "texts": i18n.TEXTS,
        "timezone": s.ctx.config.hub.timezone,
        "labels": {z.id: {"it": z.label_it, "en": z.label_en} for z in s.plan.zones},
        "events": url_for(".events"),
        "state": url_for(".snapshot"),
        "snapshot": s.board.snapshot(s.boot),
    }
    html = render_template(
        "dashboard/board.html", lang=lang, t=i18n.TEXTS[lang], plan=s.plan, data=data,
        phones=bool(s.ctx.config.hub.phones_url),
    )  # fmt: skip
    return with_language(Response(html, mimetype="text/html"), lang)


@bp.route("/signin", methods=["GET", "POST"])
def sign_in() -> BaseResponse:
    """The sign-in form, and its answer: a session and the dashboard, or the form again."""
    lang = language()
    if request.method == "GET":
        return sign_in_page(lang)
    if not auth.sign_in(request.form.get("token", ""), state().ctx.config.hub):
        return sign_in_page(lang, "signin_wrong", 401)
    return redirect(url_for(".page"), 303)


@bp.post("/signout")
def sign_out() -> BaseResponse:
    """End the session."""
    auth.sign_out()
    return redirect(url_for(".sign_in"), 303)


def refused() -> Response:
    response = jsonify(error="unauthorized", message="sign in to the dashboard first")
    response.status_code = 401
    return response


@bp.get("/state")
def snapshot() -> Response:
    """Everything the page draws, as JSON (what the event stream starts with)."""
    if not auth.signed_in():
        return refused()
    s = state()
    return jsonify(s.board.snapshot(s.boot))


@bp.get("/events")
def events() -> Response:
    """The live updates, as server-sent events."""
    if not auth.signed_in():
        return refused()
    if request.method == "HEAD":  # the server would run a body it never sends until the stream's end
        return Response(mimetype="text/event-stream", headers={"Cache-Control": "no-store"})
    s = state()
    if not s.slots.acquire():
        response = jsonify(error="busy", message="too many dashboards are open on this hub")
        response.status_code = 503
        response.headers["Retry-After"] = "30"
        return response
    try:
        stream = EventStream(
            s.board, s.ctx.feed, s.boot, last_seen(request.headers.get("Last-Event-ID"), s.boot), s.settings,
            s.slots.release,
        )  # fmt: skip
    except BaseException:
        s.slots.release()
        raise
    # No buffering anywhere on the way (a reverse proxy included), or the page would see events in lumps.
    headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    return Response(stream, mimetype="text/event-stream", headers=headers)


def phones_url() -> str:
    """The demo's phones service; a hub without one has no phones view (404)."""
    url = state().ctx.config.hub.phones_url
    if not url:
        abort(404)
    return url


@bp.get("/phones")
def phones_page() -> BaseResponse:
    """Demo only: what each simulated shopper's phone received and decrypted; without a session, the sign-in form."""
    url = phones_url()
    if not auth.signed_in():
        return redirect(url_for(".sign_in"), 303)
    lang = language()
    s = state()
    try:
        shown: list[phones.Phone] | None = phones.fetch_phones(url)
    except phones.PhonesUnavailable:
        shown = None
    data: dict[str, Any] = {
        "lang": lang,
        "texts": i18n.TEXTS,
        "timezone": s.ctx.config.hub.timezone,
        "source": url_for(".phones_data"),
        "phones": phones.as_json(shown) if shown is not None else None,
    }
    html = render_template(
        "dashboard/phones.html", lang=lang, t=i18n.TEXTS[lang], store=s.plan.name, phones=shown, data=data,
        at=lambda t: dt.datetime.fromtimestamp(t, s.board.tz).strftime("%H:%M:%S"),
    )  # fmt: skip
    return with_language(Response(html, mimetype="text/html"), lang)


@bp.get("/phones/data")
def phones_data() -> Response:
    """Demo only: the phones and their messages as JSON; 502 when the phones' push service does not answer."""
    url = phones_url()
    if not auth.signed_in():
        return refused()
    try:
        shown = phones.fetch_phones(url)
    except phones.PhonesUnavailable as exc:
        response = jsonify(error="phones_unreachable", message=f"the phones' push service does not answer: {exc}")
        response.status_code = 502
        return response
    return jsonify(t=time.time(), phones=phones.as_json(shown))
