"""Feedback: one answer per link, replaced on a second answer, bounded input, found from the notification."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from edge.hub.db import Feedback, HubDatabase, InvalidRecord, Member, Notification, Outbox

TOKEN = "0123456789abcdef0123456789abcdef"


def test_an_answer_is_kept_once_per_link_and_replaced(db: HubDatabase, make_member: Callable[..., Member]) -> None:
    feedback = Feedback(db, clock=lambda: 1000.0)
    assert feedback.link(TOKEN) is None
    Outbox(db).enqueue(Notification(
        idempotency_key="purchase-1", channel="webpush", kind="marketing", member_id=make_member().member_id, payload={
            "title": "Grazie", "lang": "en", "feedback_url": f"https://hub.example/feedback/{TOKEN}"},
    ))  # fmt: skip
    link = feedback.link(TOKEN)
    assert link is not None
    assert link["lang"] == "en"
    feedback.answer(TOKEN, 3, "  ok   so  ")
    feedback.answer(TOKEN, 5)
    answer = feedback.get(TOKEN)
    assert answer is not None
    assert (answer.rating, answer.comment) == (5, "")
    assert feedback.summary(0, 2000) == {"answers": 1, "average": 5.0}


@pytest.mark.parametrize(("token", "rating", "comment", "field"), [
    ("not-a-token", 3, "", "token"), (TOKEN, 0, "", "rating"), (TOKEN, 6, "", "rating"),
    (TOKEN, True, "", "rating"), (TOKEN, 3, "x" * 501, "comment"), (TOKEN, 3, "a\x00b", "comment"),
])  # fmt: skip
def test_bad_answers_are_refused(db: HubDatabase, token: str, rating: int, comment: str, field: str) -> None:
    with pytest.raises(InvalidRecord) as caught:
        Feedback(db).answer(token, rating, comment)
    assert caught.value.field == field
    assert Feedback(db).get(TOKEN) is None
