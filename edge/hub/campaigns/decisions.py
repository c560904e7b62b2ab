"""What the planner decides: the notifications to write to the outbox, and the campaigns it refused and why."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final, Literal, get_args

from edge.hub.campaigns.model import Kind, Trigger
from edge.hub.campaigns.rules import Reason

Channel = Literal["webpush", "staff"]
"""``webpush``: a push to the member's browsers and app; ``staff``: a ``staff/alerts`` MQTT message."""
CHANNELS: Final[tuple[Channel, ...]] = get_args(Channel)


@dataclass(frozen=True, slots=True)
class Planned:
    """One notification to write to the outbox.

    The outbox's key column is unique on `idempotency_key`, so planning the same event twice writes it once.
    For ``webpush`` the `payload` is the push's JSON (``title``, ``body``, ``url`` in the member's language,
    plus ``lang``, ``kind``, ``campaign``, ``trigger`` and, by trigger, ``sku``, ``coupon``, ``feedback_url``;
    the hub adds ``notification_id`` and wraps ``url`` in its open-tracking link). For ``staff`` it has the
    fields of `edge.protocol.StaffAlert` (``msgspec.convert(payload, StaffAlert)`` builds the message), and the
    kind is always ``service``: counting marketing rows by kind alone gives the caps' count.
    """

    idempotency_key: str
    member_id: str
    campaign_id: str
    trigger: Trigger
    visit: str | None
    channel: Channel
    kind: Kind
    t: float
    """The event's time: when the decision was made, in hub time."""
    payload: Mapping[str, object]

    @property
    def counts_against_caps(self) -> bool:
        """Whether this notification counts in `History` (marketing pushes only)."""
        return self.channel == "webpush" and self.kind == "marketing"


@dataclass(frozen=True, slots=True)
class Refusal:
    """A campaign that applied to the event but was not sent, with the first rule that stopped it."""

    campaign_id: str
    trigger: Trigger
    reason: Reason
    member_id: str


@dataclass(frozen=True, slots=True)
class Plan:
    """The planner's answer for one event: what to send, in order of priority, and what was refused."""

    planned: tuple[Planned, ...] = ()
    refused: tuple[Refusal, ...] = ()

    @property
    def keys(self) -> tuple[str, ...]:
        """The idempotency keys of `planned`, in order."""
        return tuple(p.idempotency_key for p in self.planned)

    def reasons(self) -> dict[str, Reason]:
        """Refusal reasons by campaign id."""
        return {r.campaign_id: r.reason for r in self.refused}
