"""Members: sign-up, reading and changing a member, erasure, consents, and the old plastic cards.

The kiosk signs members up and looks them up by card; the app reads and changes its own member; an admin may
do everything. A duplicate sign-up answers only which submitted fields are taken, never who has them.
"""

from __future__ import annotations

from typing import TypeVar

from flask import Response
from msgspec import UnsetType

from edge.hub.api import repos
from edge.hub.api.auth import Scope, current_principal
from edge.hub.api.database import get_db, hub_context
from edge.hub.api.errors import Invalid, NotFound
from edge.hub.api.routing import ADMIN, APP, KIOSK, Answer, ApiBlueprint, no_content, reply
from edge.hub.api.schemas import (
    CardHolder,
    CardLink,
    CardsView,
    ConsentPatch,
    ConsentsView,
    MemberCreated,
    MemberMerged,
    MemberPatch,
    MemberView,
    SignUp,
)
from edge.hub.db import PURPOSES, ConsentState, Member, NewMember, Source, transaction

api = ApiBlueprint("members", __name__)

MEMBER = Answer("The member", MemberView)
T = TypeVar("T")


def consents_view(state: ConsentState) -> ConsentsView:
    """The answer for a consent state."""
    return ConsentsView(
        service=state.service,
        marketing=state.marketing,
        profiling=state.profiling,
        proximity=state.proximity,
        policy_version=state.policy_version,
        t=state.t,
    )


def member_view(member: Member) -> MemberView:
    """The member with their current consents and the ids of their devices."""
    return MemberView(
        member_id=member.member_id,
        member_number=member.member_number,
        first_name=member.first_name,
        last_name=member.last_name,
        email=member.email,
        phone=member.phone,
        language=member.language,
        points=member.points,
        consents=consents_view(repos.consents().current(member.member_id)),
        cards=list(member.cards),
        devices=[d.device_id for d in repos.devices().for_member(member.member_id)],
    )


_SOURCE_OF: dict[Scope, Source] = {Scope.ADMIN: "admin", Scope.KIOSK: "kiosk", Scope.APP: "app"}


def _caller_source() -> Source:
    """Where a consent change came from when the body does not say: the caller's scope."""
    principal = current_principal()
    return _SOURCE_OF[principal.scope] if principal is not None else "app"


def _given(value: T | UnsetType) -> T | None:
    return None if isinstance(value, UnsetType) else value


@api.route(
    "POST", "/members",
    scopes=(ADMIN, KIOSK), body=SignUp, errors=(409,),
    answers={201: Answer("Signed up; the enrollment token is for the member's phone", MemberCreated)},
)  # fmt: skip
def create_member(body: SignUp) -> Response:
    """Sign a member up (with consents, optionally linking a card)."""
    new = NewMember(
        first_name=body.first_name,
        last_name=body.last_name,
        email=body.email,
        phone=body.phone,
        language=body.language,
        card=body.card,
        birth_date=body.birth_date,
        source=body.source,
        consents={
            "service": body.consents.service,
            "marketing": body.consents.marketing,
            "profiling": body.consents.profiling,
            "proximity": body.consents.proximity,
        },
        policy_version=body.policy_version,
    )
    # One transaction: a member is never stored without the token the kiosk is about to show.
    with transaction(get_db()):
        member = repos.members().create(new)
        token = repos.devices().issue_token(member.member_id, hub_context().config.hub.enrollment_ttl_s)
        repos.preregistrations().use(token=body.preregistration, email=member.email)
    return reply(MemberCreated(member.member_id, member.member_number, token), 201)


@api.route(
    "POST", "/members/merge",
    scopes=(ADMIN, KIOSK), body=SignUp, errors=(404, 409),
    answers={200: Answer("The member this sign-up is: consents recorded, card linked", MemberMerged)},
)  # fmt: skip
def merge_member(body: SignUp) -> Response:
    """Fold a sign-up that clashed on its email or phone into the member it is (the kiosk's offline outbox)."""
    members = repos.members()
    member = members.match(body.first_name, body.last_name, body.email, body.phone)
    if member is None:
        # The same answer whether nobody has this email or someone else has it: the route finds nobody by email.
        raise NotFound("no member matches this sign-up", {"member": "no match"})
    with transaction(get_db()):
        repos.consents().record(
            member.member_id,
            {"marketing": body.consents.marketing, "profiling": body.consents.profiling,
             "proximity": body.consents.proximity},
            body.policy_version, body.source,
        )  # fmt: skip
        if body.card is not None:
            member = members.link_card(member.member_id, body.card)
    hub_context().listener.member_changed(member.member_id)
    return reply(MemberMerged(member.member_id, member.member_number))


@api.route(
    "GET", "/members/<member_id>",
    scopes=(ADMIN, KIOSK, APP), answers={200: MEMBER},
)  # fmt: skip
def get_member(member_id: str) -> Response:
    """A member, their consents, points, cards and devices."""
    return reply(member_view(repos.member(member_id)))


@api.route(
    "PATCH", "/members/<member_id>",
    scopes=(ADMIN, APP), body=MemberPatch, errors=(409,), answers={200: MEMBER},
)  # fmt: skip
def update_member(member_id: str, body: MemberPatch) -> Response:
    """Change a member's names, email, phone or language."""
    member = repos.members().update(
        member_id,
        first_name=_given(body.first_name),
        last_name=_given(body.last_name),
        email=_given(body.email),
        phone=None if isinstance(body.phone, UnsetType) else body.phone or "",  # "" is the library's "remove"
        language=_given(body.language),
    )
    return reply(member_view(member))


@api.route(
    "DELETE", "/members/<member_id>",
    scopes=(ADMIN, APP), answers={204: Answer("Erased")},
)  # fmt: skip
def erase_member(member_id: str) -> Response:
    """Erase a member and everything personal about them (GDPR art. 17)."""
    if not repos.members().erase(member_id):
        raise NotFound("no such member", {"member": "unknown"})
    hub_context().listener.member_changed(member_id)
    return no_content()


@api.route(
    "PATCH", "/members/<member_id>/consents",
    scopes=(ADMIN, KIOSK, APP), body=ConsentPatch, answers={200: Answer("The current consents", ConsentsView)},
)  # fmt: skip
def update_consents(member_id: str, body: ConsentPatch) -> Response:
    """Record consent changes under a privacy policy version."""
    changes: dict[str, bool] = {p: v for p in PURPOSES if isinstance(v := getattr(body, p), bool)}
    if changes.get("service") is False:
        # The service consent is the card itself: without it there is no membership to keep.
        raise Invalid("the service consent is withdrawn by erasing the membership", {"service": "erase instead"})
    source = _given(body.source) or _caller_source()
    state = repos.consents().record(member_id, changes, body.policy_version, source)
    hub_context().listener.member_changed(member_id)
    return reply(consents_view(state))


@api.route(
    "POST", "/members/<member_id>/cards",
    scopes=(ADMIN, KIOSK), body=CardLink, errors=(409,), answers={201: Answer("Linked", CardsView)},
)  # fmt: skip
def link_card(member_id: str, body: CardLink) -> Response:
    """Link an old plastic card (again: no change)."""
    member = repos.members().link_card(member_id, body.card)
    return reply(CardsView(member.member_id, list(member.cards)), 201)


@api.route(
    "GET", "/cards/<card>",
    scopes=(ADMIN, KIOSK), answers={200: Answer("The card's holder", CardHolder)},
)  # fmt: skip
def lookup_card(card: str) -> Response:
    """The member a card or member number belongs to."""
    member = repos.members().resolve_card(card)
    if member is None:
        raise NotFound("no member has this card", {"card": "unknown"})
    return reply(CardHolder(member.member_id, member.member_number, member.first_name, member.points))
