"""Deterministic identifiers: idempotency keys, coupon codes and feedback tokens.

The same event planned twice (a redelivered MQTT message, a hub restart between planning and commit) must give
the same notification, so the outbox, whose key column is unique, writes it once. Every identifier is therefore
a function of what the notification is about (campaign, visit or receipt, member, channel), never of a clock or
a random number. Coupon codes and feedback tokens are keyed hashes (HMAC-SHA256 with the hub's secret) of the
idempotency key: stable across replays, and not guessable from a receipt number by someone without the secret.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Final

from edge.hub.campaigns.model import Trigger

MIN_SECRET_BYTES: Final = 16
COUPON_ALPHABET: Final = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
"""Crockford's base 32: no I, L, O or U, so a code read aloud at the till or typed on a phone is not mistyped."""
COUPON_CHARS: Final = 8  # 40 bits: collisions among a store's coupons are negligible, and it fits on a receipt


def notification_key(
    trigger: Trigger, campaign_id: str, scope: str, member_id: str, channel: str, part: str = ""
) -> str:
    """The idempotency key of one notification, e.g. ``"store_enter-3f9c…"`` (the trigger, then 32 hex digits).

    `scope` is ``"visit:<visit id>"`` or ``"receipt:<receipt>"``; `part` tells apart several notifications of
    one campaign in one scope (one per pickup order). The parts are hashed as a JSON list, so no choice of
    ids can make two different notifications collide by concatenation.
    """
    canonical = json.dumps(["v1", campaign_id, scope, member_id, channel, part], ensure_ascii=False)
    return f"{trigger}-{hashlib.sha256(canonical.encode()).hexdigest()[:32]}"


def _mac(secret: bytes, domain: str, key: str) -> bytes:
    # The domain keeps a coupon code and a feedback token of one notification unrelated to each other.
    return hmac.new(secret, f"{domain}\x00{key}".encode(), hashlib.sha256).digest()


def coupon_code(secret: bytes, key: str) -> str:
    """The coupon code of the notification with idempotency key `key`: ``"XXXX-XXXX"`` in Crockford base 32."""
    number = int.from_bytes(_mac(secret, "coupon", key)[:5], "big")
    chars = "".join(COUPON_ALPHABET[(number >> (5 * i)) & 31] for i in reversed(range(COUPON_CHARS)))
    return f"{chars[:4]}-{chars[4:]}"


def feedback_token(secret: bytes, key: str) -> str:
    """The token of the notification's feedback link (32 hex digits); the hub looks the notification up by it."""
    return _mac(secret, "feedback", key).hex()[:32]
