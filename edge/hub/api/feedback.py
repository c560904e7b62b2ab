"""The feedback link of the thank-you push: ``/feedback/<token>`` shows a one-tap rating page on the phone, in the
member's language, and records the answer. The token is the link's only credential and names no member."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import Annotated, Final
from urllib.parse import parse_qs

import msgspec
from flask import Response
from msgspec import Meta

from edge.hub.api import repos
from edge.hub.api.errors import Invalid, validation_fields
from edge.hub.api.routing import Answer, ApiBlueprint

root = ApiBlueprint("feedback", __name__, url_prefix="")

FORM: Final = "application/x-www-form-urlencoded"
HTML: Final = "text/html"


@dataclass(frozen=True, slots=True)
class _Texts:
    title: str
    ask: str
    comment: str
    thanks: str
    unknown: str
    stars: tuple[str, ...]  # from 1 to 5


TEXTS: Final = {
    "it": _Texts(
        title="Com'è andata?", ask="Come valuti la tua visita di oggi?", comment="Vuoi dirci qualcosa? (facoltativo)",
        thanks="Grazie! La tua opinione ci aiuta a migliorare.", unknown="Questo link non è più valido.",
        stars=("1 — pessima", "2 — scarsa", "3 — nella media", "4 — buona", "5 — ottima"),
    ),
    "en": _Texts(
        title="How did it go?", ask="How would you rate today's visit?", comment="Anything to tell us? (optional)",
        thanks="Thank you! Your opinion helps us do better.", unknown="This link is no longer valid.",
        stars=("1 — very poor", "2 — poor", "3 — average", "4 — good", "5 — excellent"),
    ),
}  # fmt: skip


class FeedbackForm(msgspec.Struct, forbid_unknown_fields=True):
    """One answer: a rating from 1 to 5 and an optional comment."""

    rating: Annotated[int, Meta(ge=1, le=5)]
    comment: Annotated[str, Meta(max_length=500)] = ""


@root.route(
    "GET", "/feedback/<token>", scopes=(),
    answers={200: Answer("The rating page", str, media=HTML), 404: Answer("An unknown link", str, media=HTML)},
)  # fmt: skip
def feedback_page(token: str) -> Response:
    """Show the rating page of a thank-you push's feedback link."""
    payload = repos.feedback().link(token)
    lang = _language(payload)
    if payload is None:
        return _page(lang, f"<p>{escape(TEXTS[lang].unknown)}</p>", 404)
    t = TEXTS[lang]
    stars = "".join(
        f'<button name="rating" value="{n}" type="submit">{escape(label)}</button>'
        for n, label in zip(range(5, 0, -1), reversed(t.stars), strict=True)
    )
    body = (
        f'<form method="post"><p id="ask">{escape(t.ask)}</p>'
        f'<label for="comment">{escape(t.comment)}</label>'
        f'<textarea id="comment" name="comment" maxlength="500" rows="3"></textarea>'
        f'<div class="stars" role="group" aria-labelledby="ask">{stars}</div></form>'
    )
    return _page(lang, body)


@root.route(
    "POST", "/feedback/<token>", scopes=(), body=FeedbackForm, media=(FORM, "application/json"),
    answers={200: Answer("Thanks", str, media=HTML), 404: Answer("An unknown link", str, media=HTML)},
)  # fmt: skip
def feedback_answer(token: str, body: FeedbackForm | str) -> Response:
    """Record the answer to a feedback link (a new answer replaces the previous one)."""
    form = _form(body) if isinstance(body, str) else body
    store = repos.feedback()
    payload = store.link(token)
    lang = _language(payload)
    if payload is None:
        return _page(lang, f"<p>{escape(TEXTS[lang].unknown)}</p>", 404)
    store.answer(token, form.rating, form.comment)
    return _page(lang, f'<p role="status">{escape(TEXTS[lang].thanks)}</p>')


def _form(text: str) -> FeedbackForm:
    fields = {k: v[-1] for k, v in parse_qs(text, keep_blank_values=True).items()}
    try:
        return msgspec.convert(fields, FeedbackForm, strict=False)
    except msgspec.ValidationError as error:
        raise Invalid("the answer is not valid", validation_fields(error)) from None


def _language(payload: dict[str, object] | None) -> str:
    lang = str((payload or {}).get("lang", "it"))
    return lang if lang in TEXTS else "it"


def _page(lang: str, body: str, status: int = 200) -> Response:
    title = escape(TEXTS[lang].title)
    html = f"""<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body{{font:18px/1.5 system-ui,sans-serif;margin:0;padding:1.5rem;color:#12263a;background:#f6f8fa}}
h1{{font-size:1.5rem}} textarea{{width:100%;font:inherit;box-sizing:border-box}}
.stars{{display:flex;flex-direction:column;gap:.5rem;margin-top:1rem}}
button{{min-height:48px;font:inherit;border:0;border-radius:.5rem;background:#0b6e4f;color:#fff}}
</style></head><body><main><h1>{title}</h1>{body}</main></body></html>"""
    return Response(html, status=status, mimetype=HTML)
