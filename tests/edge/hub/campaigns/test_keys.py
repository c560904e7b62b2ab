"""Idempotency keys, coupon codes and feedback tokens: deterministic, distinct, keyed by the secret."""

from __future__ import annotations

import re

from edge.hub.campaigns.keys import COUPON_ALPHABET, coupon_code, feedback_token, notification_key

SECRET = b"0123456789abcdef"


def test_keys_are_deterministic_and_shaped() -> None:
    key = notification_key("store_enter", "c1", "visit:v-1", "m-1", "webpush")
    assert key == notification_key("store_enter", "c1", "visit:v-1", "m-1", "webpush")
    assert re.fullmatch(r"store_enter-[0-9a-f]{32}", key)


def test_every_part_changes_the_key() -> None:
    base = ("store_enter", "c1", "visit:v-1", "m-1", "webpush", "")
    keys = {notification_key(*base)}  # type: ignore[arg-type]
    for i, other in enumerate(["pickup_arrival", "c2", "visit:v-2", "m-2", "staff", "ORD-1"]):
        parts = list(base)
        parts[i] = other
        keys.add(notification_key(*parts))  # type: ignore[arg-type]
    assert len(keys) == 7


def test_no_collision_by_moving_a_separator() -> None:
    a = notification_key("store_enter", "c1:x", "visit:v", "m", "webpush")
    b = notification_key("store_enter", "c1", "x:visit:v", "m", "webpush")
    assert a != b


def test_coupon_code_is_stable_readable_and_secret_dependent() -> None:
    code = coupon_code(SECRET, "purchase-abc")
    assert code == coupon_code(SECRET, "purchase-abc")
    assert re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}", code)
    assert set(code.replace("-", "")) <= set(COUPON_ALPHABET)
    assert not set(code) & set("ILOU")
    assert coupon_code(b"another secret, 16+ bytes", "purchase-abc") != code
    codes = {coupon_code(SECRET, f"purchase-{i}") for i in range(2000)}
    assert len(codes) == 2000


def test_feedback_token_differs_from_the_coupon_and_by_key() -> None:
    token = feedback_token(SECRET, "purchase-abc")
    assert re.fullmatch(r"[0-9a-f]{32}", token)
    assert token == feedback_token(SECRET, "purchase-abc")
    assert token != feedback_token(SECRET, "purchase-abd")
    assert coupon_code(SECRET, "purchase-abc").replace("-", "").lower() not in token
