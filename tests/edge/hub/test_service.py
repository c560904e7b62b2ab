"""The hub end to end: real Mosquitto, the real HTTP API, Web Push decrypted by a local push service."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import msgspec
import pytest

from edge.config import ConfigError, MqttSection
from edge.hub.db import Receipts, open_database
from edge.hub.db.offset_learning import OffsetLearning
from edge.hub.service import HubService
from edge.mqtt import MqttClient
from edge.presence.offset_learning import GatewaySums
from edge.protocol import Alert, GatewayHealth, Journey, Receipt, ReceiptItem, Sighting, Sightings, StaffAlert, Topic
from firmware_sim.devices.push_service import PushService
from tests.conftest import wait_for
from tests.edge.hub.conftest import KIOSK_TOKEN, LAYOUT, RunningHub, Shopper, hub_config


def walk_in(hub: RunningHub, shopper_rssi: list[tuple[Shopper, float]], batches: int = 3) -> None:
    for _ in range(batches):
        hub.sight("gw-09", shopper_rssi)
        time.sleep(0.05)


def watch(make_client: Callable[..., MqttClient]) -> tuple[list[Journey], list[StaffAlert]]:
    """The journey steps and the staff alerts the hub publishes from now on."""
    journeys: list[Journey] = []
    alerts: list[StaffAlert] = []
    watcher = make_client("watcher")
    watcher.subscribe(Topic.JOURNEY, Journey, lambda m: journeys.append(m.message))
    watcher.subscribe(Topic.STAFF_ALERT, StaffAlert, lambda m: alerts.append(m.message))
    assert watcher.wait_subscribed(10)
    return journeys, alerts


def hub_starter(
    tmp_path: Path, mqtt_settings: MqttSection, push_service: PushService, pos: MqttClient
) -> Callable[..., RunningHub]:
    """Starts a hub on the same database each time (one run after another, as after a restart), on the demo
    layout or another file."""

    def start(layout: str = LAYOUT) -> RunningHub:
        config = hub_config(tmp_path, mqtt_settings)
        service = HubService(replace(config, store=replace(config.store, layout=layout)))
        service.start()
        assert service.client.wait_connected(10)
        assert service.client.wait_subscribed(10)
        return RunningHub(service, push_service, pos)

    return start


def order_ready(hub: RunningHub, shopper: Shopper, order_id: str) -> None:
    """A click-and-collect order of `shopper`'s, ready at the desk."""
    order = hub.api("POST", "/api/v1/orders", json={"order_id": order_id, "member_id": shopper.member_id,
                                                    "status": "ready"})  # fmt: skip
    assert order.status_code == 201, order.text


def test_store_enter_push_names_the_zone_and_shelf_of_the_saved_product(
    start_hub: Callable[..., RunningHub], make_client: Callable[..., MqttClient]
) -> None:
    hub = start_hub()
    journeys: list[Journey] = []
    watcher = make_client("watcher")
    watcher.subscribe(Topic.JOURNEY, Journey, lambda m: journeys.append(m.message))
    assert watcher.wait_subscribed(10)
    giulia = hub.sign_up("giulia@example.it", wishlist=("RUN-001",))

    walk_in(hub, [(giulia, -55.0)])
    [delivery] = hub.push.wait_for(1, timeout=15, endpoint=giulia.subscription)

    body = delivery.payload
    assert "Corsia 4" in str(body["body"])
    assert "B" in str(body["body"])
    assert "Scarpe da running Veloce" in str(body["title"]) + str(body["body"])
    assert body["notification_id"]
    assert str(body["url"]).startswith("http://127.0.0.1:8000/t/" + str(body["notification_id"]))
    assert wait_for(lambda: any(j.event == "enter" for j in journeys), 10)
    enter = next(j for j in journeys if j.event == "enter")
    assert enter.zone == "entrance"
    assert giulia.member_id not in enter.member  # a pseudonymous ref, never the member id
    # The open-tracking link counts the open and sends the shopper on.
    link = str(body["url"]).removeprefix("http://127.0.0.1:8000")
    opened = hub.api("GET", link, allow_redirects=False)
    assert opened.status_code == 302, opened.text
    assert opened.headers["Location"].startswith("http://127.0.0.1:8000")


def test_strangers_and_members_without_proximity_consent_leave_nothing(
    start_hub: Callable[..., RunningHub],
) -> None:
    hub = start_hub()
    private = hub.sign_up("privata@example.it", proximity=False, wishlist=("RUN-001",))
    giulia = hub.sign_up("giulia@example.it", wishlist=("RUN-001",))
    walk_in(hub, [(private, -50.0), (giulia, -55.0)])
    hub.push.wait_for(1, timeout=15, endpoint=giulia.subscription)
    time.sleep(0.5)
    assert hub.push.deliveries(private.subscription) == []
    visits = hub.api("GET", "/api/v1/stores/demo/visits", params={"since": 0, "until": time.time() + 60}).json()
    members = {v.get("member_id") for v in visits.get("visits", [])}
    assert private.member_id not in members


def test_a_receipt_brings_the_thank_you_with_a_coupon_for_a_related_product(
    start_hub: Callable[..., RunningHub],
) -> None:
    hub = start_hub()
    giulia = hub.sign_up("giulia@example.it")
    # Past baskets: running shoes sell with socks.
    for n in range(4):
        basket = [ReceiptItem(sku="RUN-001", qty=1, price=89.9), ReceiptItem(sku="RUN-002", qty=1, price=9.9)]
        old = Receipt(t=time.time() - 86400 * 3, receipt=f"R-OLD-{n}", card=f"CARD{n:04d}", items=basket, total=99.8)
        hub.sender.publish(Topic.RECEIPT, old, device="till-1")
    db = open_database(hub.service.config.hub.db)
    assert wait_for(lambda: len(list(Receipts(db).baskets())) == 4, 10)
    db.close()
    hub.service.core.facts.refresh_copurchase()  # the hub does it hourly
    receipt = Receipt(t=time.time(), receipt="R-1", card=giulia.member_number,
                      items=[ReceiptItem(sku="RUN-001", qty=1, price=89.9)], total=89.9)  # fmt: skip
    hub.sender.publish(Topic.RECEIPT, receipt, device="till-1")
    hub.sender.publish(Topic.RECEIPT, receipt, device="till-1")  # a redelivery: one thank-you only
    [delivery] = hub.push.wait_for(1, timeout=15, endpoint=giulia.subscription)
    body = delivery.payload
    assert body.get("coupon")
    assert "Calze tecniche" in str(body["body"])
    assert "Scarpe" not in str(body["body"])  # never what was just bought
    time.sleep(0.5)
    assert len(hub.push.deliveries(giulia.subscription)) == 1
    member = hub.api("GET", f"/api/v1/members/{giulia.member_id}").json()
    assert member["points"] == 89
    # The coupon is in the member's wallet, and a later receipt that uses it redeems it once.
    code = str(body["coupon"]["code"])  # type: ignore[index]
    wallet = hub.api("GET", f"/api/v1/members/{giulia.member_id}/wallet").json()
    [coupon] = [c for c in wallet["coupons"] if c["code"] == code]
    assert coupon["state"] == "active"
    later = Receipt(t=time.time(), receipt="R-2", card=giulia.member_number, coupons=[code],
                    items=[ReceiptItem(sku="RUN-002", qty=1, price=9.9)], total=8.91)  # fmt: skip
    hub.sender.publish(Topic.RECEIPT, later, device="till-1")
    hub.sender.publish(Topic.RECEIPT, later, device="till-1")  # replayed: still one redemption
    assert wait_for(lambda: _coupon_state(hub, giulia.member_id, code) == "used", 10)
    history = hub.api("GET", f"/api/v1/members/{giulia.member_id}/wallet").json()["history"]
    assert sum(1 for h in history if h.get("code") == code and h["kind"] == "coupon_redeemed") == 1
    # The feedback link: a rating page in the member's language, one tap records the answer.
    link = str(body["feedback_url"]).removeprefix("http://127.0.0.1:8000")
    page = hub.api("GET", link)
    assert page.status_code == 200
    assert "Com&#x27;è andata?" in page.text
    answered = hub.api("POST", link, data={"rating": "5", "comment": "Tutto bene"})
    assert answered.status_code == 200
    assert "Grazie" in answered.text
    assert hub.api("POST", link, data={"rating": "9"}).status_code == 422
    assert hub.api("GET", "/feedback/" + "0" * 32).status_code == 404


def test_pickup_arrival_alerts_the_staff_and_tells_the_customer(
    start_hub: Callable[..., RunningHub], make_client: Callable[..., MqttClient]
) -> None:
    hub = start_hub()
    _, alerts = watch(make_client)
    giulia = hub.sign_up("giulia@example.it")
    order_ready(hub, giulia, "CC-1001")
    walk_in(hub, [(giulia, -55.0)])
    assert wait_for(lambda: len(alerts) >= 1, 15)
    assert alerts[0].kind == "pickup_arrival"
    assert alerts[0].order == "CC-1001"
    assert "Giulia" not in msgspec.json.encode(alerts[0]).decode()  # staff see the order, not the customer's data
    deliveries = hub.push.wait_for(1, timeout=15, endpoint=giulia.subscription)
    assert any(d.payload.get("kind") == "service" for d in deliveries)


def test_withdrawn_consent_stops_the_push_that_goes_to_others(start_hub: Callable[..., RunningHub]) -> None:
    hub = start_hub()
    withdrawn = hub.sign_up("ritirato@example.it", wishlist=("RUN-001",))
    control = hub.sign_up("controllo@example.it", wishlist=("RUN-001",))
    answer = hub.api("PATCH", f"/api/v1/members/{withdrawn.member_id}/consents", json={
        "marketing": False, "policy_version": "2026-01"})  # fmt: skip
    assert answer.status_code == 200, answer.text
    walk_in(hub, [(withdrawn, -55.0), (control, -55.0)])
    hub.push.wait_for(1, timeout=15, endpoint=control.subscription)
    time.sleep(1.0)
    assert hub.push.deliveries(withdrawn.subscription) == []


def test_the_kill_switch_stops_a_campaign_until_it_is_switched_back_on(start_hub: Callable[..., RunningHub]) -> None:
    hub = start_hub()
    first = hub.sign_up("primo@example.it", wishlist=("RUN-001",))
    second = hub.sign_up("secondo@example.it", wishlist=("RUN-001",))
    off = hub.api("POST", "/api/v1/stores/demo/campaigns/store-enter-wishlist/disable")
    assert off.status_code == 200, off.text
    walk_in(hub, [(first, -55.0)])
    time.sleep(1.5)
    assert hub.push.deliveries(first.subscription) == []
    assert hub.api("POST", "/api/v1/stores/demo/campaigns/store-enter-wishlist/enable").status_code == 200
    walk_in(hub, [(second, -55.0)])
    hub.push.wait_for(1, timeout=15, endpoint=second.subscription)


def test_the_daily_cap_stops_a_zone_promotion_after_the_entry_push(start_hub: Callable[..., RunningHub]) -> None:
    hub = start_hub(max_pushes_per_day=1, min_push_gap_s=0.0)
    promo = hub.api("POST", "/api/v1/stores/demo/campaigns", json={
        "id": "entrance-promo", "name": "Promo ingresso", "trigger": "zone_dwell", "zone": "entrance", "dwell_s": 1.0,
        "texts": {"it": {"title": "Offerta", "body": "Oggi -20% sulle calze"},
                  "en": {"title": "Offer", "body": "Socks 20% off today"}},
    })  # fmt: skip
    assert promo.status_code == 201, promo.text
    time.sleep(2.5)  # the hub picks up new dwell thresholds within 2 s
    giulia = hub.sign_up("giulia@example.it", wishlist=("RUN-001",))
    for _ in range(8):  # standing at the entrance for 2 s
        hub.sight("gw-09", [(giulia, -55.0)])
        time.sleep(0.25)
    [entry] = hub.push.wait_for(1, timeout=15, endpoint=giulia.subscription)
    assert entry.payload.get("trigger") == "store_enter"
    metrics = hub.api("GET", "/metrics").text
    assert wait_for(lambda: 'outcome="daily_cap"' in hub.api("GET", "/metrics").text, 10), metrics
    assert len(hub.push.deliveries(giulia.subscription)) == 1


def wait_into_the_visit(hub: RunningHub, dwell_s: float) -> None:
    """Only a store-entry campaign that waits `dwell_s` into the visit: the starter one is switched off."""
    off = hub.api("POST", "/api/v1/stores/demo/campaigns/store-enter-wishlist/disable")
    assert off.status_code == 200, off.text
    welcome = hub.api("POST", "/api/v1/stores/demo/campaigns", json={
        "id": "welcome-later", "name": "Benvenuto", "trigger": "store_enter", "dwell_s": dwell_s,
        "texts": {"it": {"title": "Ciao {first_name}", "body": "Buona spesa da {store}"},
                  "en": {"title": "Hi {first_name}", "body": "Enjoy your visit to {store}"}},
    })  # fmt: skip
    assert welcome.status_code == 201, welcome.text
    time.sleep(2.5)  # the hub picks up the campaigns' waits within 2 s


def test_a_store_entry_campaign_that_waits_reaches_the_shopper_who_stays_and_not_the_member_walking_past(
    start_hub: Callable[..., RunningHub], make_client: Callable[..., MqttClient]
) -> None:
    hub = start_hub()
    journeys, _ = watch(make_client)
    wait_into_the_visit(hub, 5.0)
    shopper = hub.sign_up("giulia@example.it")
    passer = hub.sign_up("passante@example.it")
    started = time.monotonic()
    for k in range(32):  # the shopper stays at the doors 8 s; the member walking past is heard for half a second
        hub.sight("gw-09", [(shopper, -55.0)] + ([(passer, -70.0)] if k < 2 else []))
        time.sleep(0.25)
        if hub.push.deliveries(shopper.subscription):
            break
    [delivery] = hub.push.wait_for(1, timeout=15, endpoint=shopper.subscription)
    assert time.monotonic() - started >= 4.5  # not at the entry: 5 s into the visit
    assert delivery.payload["title"] == "Ciao Giulia"
    # The passer-by was taken for a visit, which ended (2.5 s unheard at the doors) before its 5 s.
    assert sum(j.event == "enter" for j in journeys) == 2
    assert wait_for(lambda: any(j.event == "exit" for j in journeys), 10)
    time.sleep(3.0)
    assert hub.push.deliveries(passer.subscription) == []


def test_a_waiting_store_entry_campaign_counts_from_the_visits_start_across_hub_restarts_and_goes_once(
    tmp_path: Path, mqtt_settings: MqttSection, push_service: PushService, make_client: Callable[..., MqttClient]
) -> None:
    start = hub_starter(tmp_path, mqtt_settings, push_service, make_client("pos"))

    def stay(hub: RunningHub, shopper: Shopper, seconds: float) -> None:
        until = time.monotonic() + seconds
        while time.monotonic() < until and not hub.push.deliveries(shopper.subscription):
            hub.sight("gw-09", [(shopper, -55.0)])
            time.sleep(0.25)

    hub = start()
    try:
        wait_into_the_visit(hub, 6.0)
        giulia = hub.sign_up("giulia@example.it")
        stay(hub, giulia, 4.0)
        assert hub.push.deliveries(giulia.subscription) == []
    finally:
        hub.service.stop()
    hub = start()
    try:
        resumed = time.monotonic()
        stay(hub, giulia, 10.0)
        hub.push.wait_for(1, timeout=10, endpoint=giulia.subscription)
        # 6 s from the visit's start, 4 s of which passed before the restart; not 6 s from the restart.
        assert time.monotonic() - resumed < 4.5
    finally:
        hub.service.stop()
    hub = start()
    try:
        for _ in range(12):  # the same visit goes on after another restart: the wait has passed, and it went
            hub.sight("gw-09", [(giulia, -55.0)])
            time.sleep(0.25)
        assert len(hub.push.deliveries(giulia.subscription)) == 1
    finally:
        hub.service.stop()


def test_it_gets_alerts_for_a_silent_gateway_and_a_scanner_down(
    start_hub: Callable[..., RunningHub], make_client: Callable[..., MqttClient]
) -> None:
    hub = start_hub(gateway_silence_s=2.0)
    alerts: list[Alert] = []
    it = make_client("it")
    it.subscribe(Topic.ALERT, Alert, lambda m: alerts.append(m.message))
    assert it.wait_subscribed(10)
    gateway = make_client("gw-09")
    deadline = time.time() + 4.0
    while time.time() < deadline:  # gw-09 reports, the other eleven stay silent
        hub.sight("gw-09", [])
        time.sleep(0.3)
    offline = {a.source for a in alerts if a.kind == "gateway_offline" and a.active}
    assert "gw-09" not in offline
    assert {"gw-01", "gw-12"} <= offline
    health = GatewayHealth(t=time.time(), uptime_s=60.0, adverts_per_s=0.0, beacons=0, spool=0, dropped=0,
                           scanner="down", scanner_restarts=3, rss_mb=30.0, cpu_temp_c=None)  # fmt: skip
    gateway.publish(Topic.GATEWAY_HEALTH, health, device="gw-09")
    hub.sight("gw-09", [])
    assert wait_for(lambda: any(a.kind == "scanner_down" and a.source == "gw-09" for a in alerts), 10)
    metrics = hub.api("GET", "/metrics").text  # the fleet on the hub's own scrape
    assert 'corsia_gateway_up{gateway="gw-09"} 1.0' in metrics
    assert 'corsia_gateway_up{gateway="gw-01"} 0.0' in metrics
    assert 'corsia_gateway_scanner_restarts{gateway="gw-09"} 3.0' in metrics


def test_a_layout_of_another_store_is_a_config_error(tmp_path: Path, mqtt_settings: MqttSection) -> None:
    config = hub_config(tmp_path, mqtt_settings)
    wrong = replace(config, store=replace(config.store, id="milano-2"))
    with pytest.raises(ConfigError) as caught:
        HubService(wrong)
    assert caught.value.key == "store.id"


def test_a_members_key_fob_tag_is_recognised_like_their_phone(start_hub: Callable[..., RunningHub]) -> None:
    hub = start_hub()
    giulia = hub.sign_up("giulia@example.it", wishlist=("RUN-001",))
    tag = "ib:f7826da6-4fa2-4e98-8024-bc5b71e0893e:1:42"
    registered = hub.api("POST", f"/api/v1/members/{giulia.member_id}/tags", KIOSK_TOKEN, json={"beacon_id": tag})
    assert registered.status_code == 201, registered.text
    for seq in range(1, 4):  # the tag at the doors, the phone left at home
        item = Sighting(id=tag, rssi=-55.0, raw=-55, n=5, tx=-59, dist=1.0)
        batch = Sightings(gw="gw-09", seq=seq, t=time.time(), interval=1.0, items=[item])
        hub.sender.publish(Topic.SIGHTINGS, batch, device="gw-09")
        time.sleep(0.05)
    [delivery] = hub.push.wait_for(1, timeout=15, endpoint=giulia.subscription)
    assert "Corsia 4" in str(delivery.payload["body"])


def _coupon_state(hub: RunningHub, member_id: str, code: str) -> str:
    wallet = hub.api("GET", f"/api/v1/members/{member_id}/wallet").json()
    return str(next(c["state"] for c in wallet["coupons"] if c["code"] == code))


def test_the_points_rule_comes_from_the_config(start_hub: Callable[..., RunningHub]) -> None:
    hub = start_hub(points_per_euro=2.0, points_multipliers=("swim=0", "running=1.5"))
    giulia = hub.sign_up("giulia@example.it", marketing=False)
    basket = [ReceiptItem(sku="RUN-002", qty=2, price=9.9), ReceiptItem(sku="SWM-001", qty=1, price=19.9)]
    receipt = Receipt(t=time.time(), receipt="R-9", card=giulia.member_number, items=basket, total=39.7)
    hub.sender.publish(Topic.RECEIPT, receipt, device="till-1")
    # Running: 19.80 € × 2 points × 1.5 = 59; swim earns nothing here.
    assert wait_for(lambda: hub.api("GET", f"/api/v1/members/{giulia.member_id}").json()["points"] == 59, 10)
    time.sleep(0.3)
    assert hub.api("GET", f"/api/v1/members/{giulia.member_id}").json()["points"] == 59


def test_the_entry_floor_comes_from_the_config(start_hub: Callable[..., RunningHub]) -> None:
    hub = start_hub(enter_min_dbm=-60.0)
    giulia = hub.sign_up("giulia@example.it", wishlist=("RUN-001",))
    walk_in(hub, [(giulia, -66.0)])  # heard, but not as close to the doors as this store asks
    time.sleep(1.0)
    assert hub.push.deliveries(giulia.subscription) == []
    walk_in(hub, [(giulia, -55.0)])
    assert len(hub.push.wait_for(1, timeout=15, endpoint=giulia.subscription)) == 1


def test_the_entry_floor_inside_the_store_comes_from_the_config(start_hub: Callable[..., RunningHub]) -> None:
    hub = start_hub(enter_inside_min_dbm=-70.0)  # gw-04 hangs in aisle 4, away from the shop front
    giulia = hub.sign_up("giulia@example.it", wishlist=("RUN-001",))
    for _ in range(3):
        hub.sight("gw-04", [(giulia, -75.0)])
    time.sleep(1.0)
    assert hub.push.deliveries(giulia.subscription) == []
    for _ in range(3):
        hub.sight("gw-04", [(giulia, -68.0)])
    assert len(hub.push.wait_for(1, timeout=15, endpoint=giulia.subscription)) == 1


@pytest.mark.parametrize("rejoin_s", [180.0, 0.0])
def test_a_shopper_back_soon_after_walking_out_continues_the_visit_and_is_not_alerted_again(
    start_hub: Callable[..., RunningHub], make_client: Callable[..., MqttClient], rejoin_s: float
) -> None:
    hub = start_hub(rejoin_s=rejoin_s)
    journeys, alerts = watch(make_client)
    giulia = hub.sign_up("giulia@example.it")
    order_ready(hub, giulia, "CC-1002")
    walk_in(hub, [(giulia, -55.0)])
    assert wait_for(lambda: len(alerts) == 1, 15)
    # Unheard at the doors for the shop front's 2.5 s: she has left.
    assert wait_for(lambda: any(j.event == "exit" for j in journeys), 15)
    # She pays for nothing yet, but a receipt of hers that the tills publish late still belongs to her visit.
    late = Receipt(t=time.time(), receipt="R-LATE", card=giulia.member_number,
                   items=[ReceiptItem(sku="RUN-002", qty=1, price=9.9)], total=9.9)  # fmt: skip
    hub.sender.publish(Topic.RECEIPT, late, device="till-1")
    assert wait_for(lambda: hub.api("GET", f"/api/v1/members/{giulia.member_id}").json()["points"] == 9, 10)
    walk_in(hub, [(giulia, -55.0)])  # back a few seconds later
    assert wait_for(lambda: sum(j.event == "enter" for j in journeys) == 2, 15)
    first, second = (j for j in journeys if j.event == "enter")
    purchase = next((j for j in journeys if j.event == "purchase"), None)
    # The store's dashboard says she came back, rather than showing a second entry.
    steps = [i.data for i in hub.service.feed.recent() if i.kind == "journey"]
    assert [s["again"] for s in steps if s["event"] == "enter"] == [False, bool(rejoin_s)]
    assert sum(s["event"] == "exit" for s in steps) == 1  # each step once, the exits a tick finds too
    if rejoin_s:
        assert purchase is not None
        assert second.visit == first.visit == purchase.visit
        time.sleep(1.5)  # what a second alert would take
        assert len(alerts) == 1
        visit = hub.api("GET", "/api/v1/stores/demo/visits", params={"since": 0, "until": time.time() + 60}).json()
        assert [v["ended"] for v in visit["visits"]] == [None]  # one visit, going on again
    else:
        assert second.visit != first.visit
        assert purchase is None  # the receipt came after the visit's end: it belongs to none
        assert wait_for(lambda: len(alerts) == 2, 15)
        assert alerts[0].order == alerts[1].order == "CC-1002"


def test_a_visit_that_ended_just_before_a_hub_restart_goes_on_after_it(
    tmp_path: Path, mqtt_settings: MqttSection, push_service: PushService, make_client: Callable[..., MqttClient]
) -> None:
    journeys, alerts = watch(make_client)
    start = hub_starter(tmp_path, mqtt_settings, push_service, make_client("pos"))

    hub = start()
    try:
        giulia = hub.sign_up("giulia@example.it")
        order_ready(hub, giulia, "CC-1003")
        walk_in(hub, [(giulia, -55.0)])
        assert wait_for(lambda: any(j.event == "exit" for j in journeys), 15)
        assert len(alerts) == 1
    finally:
        hub.service.stop()
    again = start()
    try:
        # She walked out through the doors: heard faintly through the window by aisle 4's gateway, she is not back.
        again.sight("gw-04", [(giulia, -82.0)])
        time.sleep(1.0)
        assert sum(j.event == "enter" for j in journeys) == 1
        walk_in(again, [(giulia, -55.0)])
        assert wait_for(lambda: sum(j.event == "enter" for j in journeys) == 2, 15)
        first, second = (j for j in journeys if j.event == "enter")
        assert second.visit == first.visit
        time.sleep(1.5)
        assert len(alerts) == 1
    finally:
        again.service.stop()


def test_the_hub_learns_the_gateways_offsets_from_a_shopper_keeps_them_across_a_restart_and_shows_them(
    tmp_path: Path, mqtt_settings: MqttSection, push_service: PushService, make_client: Callable[..., MqttClient]
) -> None:
    start = hub_starter(tmp_path, mqtt_settings, push_service, make_client("pos"))

    def learned(hub: RunningHub) -> dict[str, dict[str, Any]]:
        answer = hub.api("GET", "/api/v1/stores/demo/gateways/offsets")
        assert answer.status_code == 200, answer.text
        return {g["gateway"]: g for g in answer.json()["gateways"]}

    # In at the doors, then heard by the front's three gateways and aisle 4's for a few seconds: every update of
    # her position after the first compares four gateways.
    heard = {"gw-09": -60.0, "gw-10": -70.0, "gw-11": -72.0, "gw-04": -80.0}
    hub = start()
    try:
        giulia = hub.sign_up("giulia@example.it", marketing=False)
        for _ in range(6):
            for gw, rssi in heard.items():
                hub.sight(gw, [(giulia, rssi)])
            time.sleep(1.0)
        assert wait_for(lambda: all(learned(hub)[gw]["samples"] for gw in heard), 10)
        time.sleep(1.5)  # the last batches in
        found = learned(hub)
        assert list(found)[:3] == ["gw-01", "gw-02", "gw-03"]
        assert len(found) == 12
        assert {gw for gw, g in found.items() if g["samples"]} == set(heard)  # nobody else heard her
        # a few seconds of one phone are far from enough to suggest anything
        assert all(g["correction_db"] is None and g["suggested_db"] is None for g in found.values())
        assert found["gw-04"]["offset_db"] == 1.5  # the layout's
        line = f'corsia_gateway_offset_samples{{gateway="gw-04"}} {float(found["gw-04"]["samples"])}'
        assert wait_for(lambda: line in hub.api("GET", "/metrics").text, 5)
    finally:
        hub.service.stop()

    again = start()  # the same layout: learning goes on where it was
    try:
        kept = learned(again)
        assert {gw: g["samples"] for gw, g in kept.items()} == {gw: g["samples"] for gw, g in found.items()}
        assert {gw: g["since"] for gw, g in kept.items() if gw in heard} == {gw: found[gw]["since"] for gw in heard}
    finally:
        again.service.stop()

    # The store accepts a new offset for gw-04: what was learned against the old one is dropped, the rest kept.
    moved = tmp_path / "demo.toml"
    moved.write_text(Path(LAYOUT).read_text(encoding="utf-8").replace("rssi_offset = 1.5", "rssi_offset = 0.8"))
    third = start(str(moved))
    try:
        after = learned(third)
        assert after["gw-04"]["offset_db"] == 0.8
        assert after["gw-04"]["samples"] == 0
        assert after["gw-04"]["since"] > found["gw-04"]["since"]
        assert [after[gw]["samples"] for gw in ("gw-09", "gw-10", "gw-11")] == [
            found[gw]["samples"] for gw in ("gw-09", "gw-10", "gw-11")
        ]
    finally:
        third.service.stop()


def test_a_receiver_whose_learned_correction_passes_the_threshold_raises_an_alert_for_it(
    tmp_path: Path, mqtt_settings: MqttSection, push_service: PushService, make_client: Callable[..., MqttClient]
) -> None:
    config = hub_config(tmp_path, mqtt_settings, offset_alert_db=3.0)
    first = HubService(config)
    first.start()
    offsets = first.core.engine.gateway_offsets()
    first.stop()
    # What an afternoon of shoppers leaves in the table when gw-04 reads 4 dB weaker than its offset allows for.
    samples = 5000
    sums = [GatewaySums(gw, -4.0 * samples if gw == "gw-04" else 0.0, 20.0 * samples, samples) for gw in offsets]
    OffsetLearning(open_database(config.hub.db)).save(sums, offsets, since={})

    alerts: list[Alert] = []
    it = make_client("it")
    it.subscribe(Topic.ALERT, Alert, lambda m: alerts.append(m.message))
    assert it.wait_subscribed(10)
    service = HubService(config)
    service.start()
    try:
        assert wait_for(lambda: any(a.kind == "offset_drift" for a in alerts), 10)
        drift = [a for a in alerts if a.kind == "offset_drift"]
        assert [(a.source, a.active, a.severity) for a in drift] == [("gw-04", True, "warning")]
        correction = 4.0 - 4.0 / len(offsets)  # centred over the gateways
        assert "reads weaker" in drift[0].detail
        assert f"correction of +{correction:.1f} dB" in drift[0].detail
        hub = RunningHub(service, push_service, make_client("pos"))
        answer = hub.api("GET", "/api/v1/stores/demo/gateways/offsets")
        found = {g["gateway"]: g for g in answer.json()["gateways"]}
        assert found["gw-04"]["correction_db"] == pytest.approx(correction, abs=0.01)
        assert found["gw-04"]["recent_db"] == pytest.approx(correction, abs=0.01)  # started from the kept sums
        metrics = hub.api("GET", "/metrics").text
        assert f'corsia_gateway_offset_recent_correction_db{{gateway="gw-04"}} {found["gw-04"]["recent_db"]}' in metrics
    finally:
        service.stop()
