"""Key-fob tags with a fixed id: handed to a member at the desk or the kiosk, returned or lost."""

from __future__ import annotations

from typing import Annotated

import msgspec
from flask import Response
from msgspec import Meta

from edge.hub.api import repos
from edge.hub.api.database import hub_context
from edge.hub.api.errors import NotFound
from edge.hub.api.routing import ADMIN, KIOSK, Answer, ApiBlueprint, no_content, reply

api = ApiBlueprint("tags", __name__)


class TagBody(msgspec.Struct, forbid_unknown_fields=True):
    beacon_id: Annotated[str, Meta(min_length=1, max_length=128)]
    """The tag's wire id: ``ib:<uuid>:<major>:<minor>``, ``uid:<namespace>:<instance>`` or ``alt:<mfg>:<id>``."""


class TagView(msgspec.Struct):
    tag_id: str
    beacon_id: str


@api.route(
    "POST", "/members/<member_id>/tags",
    scopes=(ADMIN, KIOSK), body=TagBody, errors=(409,), answers={201: Answer("Registered", TagView)},
)  # fmt: skip
def register_tag(member_id: str, body: TagBody) -> Response:
    """Give a key-fob tag with a fixed beacon id to a member (again: no change)."""
    tag = repos.tags().register(member_id, body.beacon_id)
    hub_context().listener.member_changed(member_id)
    return reply(TagView(tag.tag_id, tag.wire_id), 201)


@api.route(
    "DELETE", "/members/<member_id>/tags/<tag_id>",
    scopes=(ADMIN, KIOSK), answers={204: Answer("Removed")},
)  # fmt: skip
def remove_tag(member_id: str, tag_id: str) -> Response:
    """A tag returned or lost: it stops being recognised."""
    tags = repos.tags()
    if not any(t.tag_id == tag_id for t in tags.for_member(member_id)) or not tags.remove(tag_id):
        raise NotFound("the member has no such tag", {"tag": "unknown"})
    hub_context().listener.member_changed(member_id)
    return no_content()
