"""The demo's phones: seeded members' phones get the real hub's pushes in their own language, decrypted by the
phones' push service, and its ``GET /phones`` lists them under the member's short name and language."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from edge.config import MqttSection
from edge.hub.service import HubService
from edge.identity import eid
from edge.mqtt import MqttClient
from edge.protocol import Sighting, Sightings, Topic
from firmware_sim.demo.catalog import DemoCatalog
from firmware_sim.demo.people import Profile
from firmware_sim.demo.run import time_now
from firmware_sim.demo.seeding import HubFiles, SeededMember, display_name, seed_hub
from firmware_sim.demo.world import build_world
from firmware_sim.devices.push_service import PushService
from tests.edge.hub.conftest import hub_config

ENTRANCE_GATEWAY = "gw-09"


@pytest.fixture
def push() -> Iterator[PushService]:
    with PushService() as service:
        yield service


def phones_of(push: PushService) -> list[dict[str, Any]]:
    with urllib.request.urlopen(push.url + "/phones", timeout=5) as answer:
        assert answer.headers["Content-Type"] == "application/json; charset=utf-8"
        body = json.loads(answer.read())
    assert isinstance(body, dict)
    phones = body["phones"]
    assert isinstance(phones, list)
    return phones


def test_display_names_are_first_name_and_last_initial() -> None:
    def person(first: str, last: str) -> Profile:
        return Profile(first, last, "x@example.it", None, "it")

    assert display_name(person("Giulia", "Rossi")) == "Giulia R."
    assert display_name(person("Nicolò", "D'Angelo")) == "Nicolò D."
    assert display_name(person("Emily", "Smith")) == "Emily S."


def test_seeded_phones_show_the_hubs_pushes_in_each_members_language(
    tmp_path: Path, push: PushService, mqtt_settings: MqttSection, make_client: Any
) -> None:
    now = time_now()
    world = build_world(1, 20, 120.0, now)
    files = HubFiles(tmp_path / "hub.db", tmp_path / "secret.key", tmp_path / "vapid.pem")
    seeded = seed_hub(files, world, DemoCatalog.load(), push.subscribe, now=now)
    before = phones_of(push)  # every member's phone, labelled, nothing received yet
    assert sorted((p["label"], p["language"]) for p in before) == sorted(
        (display_name(m.profile), m.profile.language) for m in seeded.members
    )
    assert all(phone["messages"] == [] for phone in before)

    keys = {device_id: (key, k) for device_id, key, k in world.members}

    def walking_in(language: str) -> SeededMember:
        return next(
            m for m in seeded.members
            if m.profile.language == language and m.device_id in keys
            and m.profile.consents["proximity"] and m.profile.consents["marketing"]
        )  # fmt: skip

    giulia, emily = walking_in("it"), walking_in("en")
    hub = HubService(
        hub_config(tmp_path, mqtt_settings, db=str(files.db), secret_key_file=str(files.secret_key_file),
                   vapid_private_key_file=str(files.vapid_private_key_file), min_push_gap_s=60.0)
    )  # fmt: skip
    hub.start()
    try:
        assert hub.client.wait_connected(10)
        assert hub.client.wait_subscribed(10)
        gateway: MqttClient = make_client("gw")
        for seq in range(1, 4):
            t = time.time()
            items = []
            for member in (giulia, emily):
                key, k = keys[member.device_id]
                wire = "eid:" + eid(key, k, int(t)).hex()
                items.append(Sighting(id=wire, rssi=-55.0, raw=-55, n=5, tx=-59, dist=1.0))
            gateway.publish(Topic.SIGHTINGS, Sightings(gw=ENTRANCE_GATEWAY, seq=seq, t=t, interval=1.0, items=items),
                            device=ENTRANCE_GATEWAY)  # fmt: skip
            time.sleep(0.05)
        for member in (giulia, emily):
            push.wait_for(1, endpoint=seeded.subscriptions[member.member_id])
    finally:
        hub.stop()

    phones = phones_of(push)
    got = [phone for phone in phones if phone["messages"]]
    assert {phone["label"] for phone in got} == {display_name(giulia.profile), display_name(emily.profile)}
    assert phones[: len(got)] == got  # the phones with messages first
    by_label = {phone["label"]: phone for phone in got}

    it = by_label[display_name(giulia.profile)]
    assert it["language"] == "it"
    [message] = it["messages"]
    assert message["title"].startswith("Ecco dove trovare ")
    assert message["body"].startswith(f"Ciao {giulia.profile.first_name}!")
    assert (message["lang"], message["trigger"], message["kind"]) == ("it", "store_enter", "marketing")
    assert now <= message["t"] <= time.time()

    en = by_label[display_name(emily.profile)]
    assert en["language"] == "en"
    [message] = en["messages"]
    assert message["title"].startswith("Here is where to find ")
    assert message["body"].startswith(f"Hi {emily.profile.first_name}!")
    assert (message["lang"], message["trigger"]) == ("en", "store_enter")
    # Only the shown fields leave the phone: not the open-tracking link, not the notification's id.
    assert set(message) == {"t", "title", "body", "lang", "kind", "trigger", "campaign"}


def test_only_phones_is_served_and_unlabelled_subscriptions_still_work(push: PushService) -> None:
    push.subscribe()
    labelled = push.subscribe(label="Sara C.", language="it")
    assert labelled.endpoint.startswith(push.url + "/push/")
    assert [(p["label"], p["language"]) for p in phones_of(push)] == [(None, None), ("Sara C.", "it")]
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(push.url + "/push", timeout=5)
    assert caught.value.code == 404
    caught.value.close()
