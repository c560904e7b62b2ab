"""The demo's tills: a receipt on ``pos/{till}/receipt`` when a buying shopper leaves the checkout.

`plan_receipts` is pure: from the world's shoppers (their checkout stop, the zones they stopped at) and the
loyalty cards they carry, it says when each receipt is due, at which till, with which card and items. `Pos`
plays that plan on the wall clock: the world's time maps to wall time through the `SimClock` of the run, and a
receipt's `t` is the moment it is published, as a real till stamps it.

Cards, as at a real till: a member shows the member number (the app's barcode), or the old plastic card linked to
their account; some customers without an account still carry an old card, which links to nobody; the rest pay
without a card, and the till says so (`history.NO_CARD`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Final

from edge.mqtt import MqttError
from edge.protocol import Receipt
from firmware_sim.demo.catalog import DemoCatalog, Item, basket
from firmware_sim.demo.history import NO_CARD, receipt, receipt_id
from firmware_sim.demo.people import old_card
from firmware_sim.realtime import SimClock
from firmware_sim.world import Scenario, seeds

TILLS: Final = ("till-1", "till-2", "till-3", "till-4")
OLD_CARD_AT_TILL_SHARE: Final = 0.3
"""A member who linked an old card scans it instead of the member number this often."""
STRANGER_CARD_SHARE: Final = 0.4
"""A customer without an account shows an old card (which links to nobody) this often."""


@dataclass(frozen=True, slots=True)
class Cardholder:
    """A member's cards: the member number, and the old plastic card linked to the account if any."""

    member_number: str
    old_card: str | None = None


@dataclass(frozen=True, slots=True)
class PlannedReceipt:
    """A receipt due at `at_t` (the world's Unix time the shopper leaves the checkout zone)."""

    at_t: float
    shopper_id: str
    till: str
    card: str | None
    items: tuple[Item, ...]
    member: bool

    def build(self, t: float, n: int) -> Receipt:
        """The receipt as the till publishes it at `t`, its `n`-th of the day."""
        return receipt(t, receipt_id(t, n, self.till), self.card, self.items)


def plan_receipts(
    scenario: Scenario, catalog: DemoCatalog, cardholders: Mapping[str, Cardholder]
) -> list[PlannedReceipt]:
    """Every buying shopper's receipt, in time order; `cardholders` are the members, by shopper id."""
    seed = scenario.seed
    planned: list[PlannedReceipt] = []
    for shopper in scenario.shoppers:
        tills = [stop for stop in shopper.stops if stop.purpose == "checkout"]
        if not shopper.buys or not tills:
            continue
        stops = [(stop.zone_id, stop.purpose) for stop in shopper.stops]
        items = basket(catalog, seed, shopper.id, stops, tills[-1].zone_id)
        if not items:
            continue
        rng = seeds.stream(seed, "demo", "till", shopper.id)
        holder = cardholders.get(shopper.id)
        card: str | None
        if holder is not None:
            use_old = holder.old_card is not None and rng.random() < OLD_CARD_AT_TILL_SHARE
            card = holder.old_card if use_old and holder.old_card is not None else holder.member_number
        else:
            card = old_card(rng) if rng.random() < STRANGER_CARD_SHARE else NO_CARD
        at_t = scenario.start_t + tills[-1].leave_s
        planned.append(PlannedReceipt(at_t, shopper.id, rng.choice(TILLS), card, tuple(items), holder is not None))
    planned.sort(key=lambda p: (p.at_t, p.shopper_id))
    return planned


class Pos:
    """Publishes the planned receipts on time, in a thread of its own. Receipts due before the clock's start
    happened before the demo and are skipped. `publish(receipt, till)` sends one."""

    def __init__(self, plan: list[PlannedReceipt], publish: Callable[[Receipt, str], object]) -> None:
        self.plan = plan
        self._publish = publish
        self._lock = threading.Lock()
        self._sent: list[PlannedReceipt] = []
        self._failed = 0
        self._thread: threading.Thread | None = None

    def start(self, clock: SimClock, stop: threading.Event) -> None:
        self._thread = threading.Thread(target=self._run, args=(clock, stop), name="demo-pos", daemon=True)
        self._thread.start()

    def join(self, timeout: float = 5.0) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    @property
    def sent(self) -> list[PlannedReceipt]:
        with self._lock:
            return list(self._sent)

    @property
    def failed(self) -> int:
        with self._lock:
            return self._failed

    def _run(self, clock: SimClock, stop: threading.Event) -> None:
        numbers = dict.fromkeys(TILLS, 0)
        for planned in self.plan:
            if planned.at_t < clock.t0:
                continue
            delay = clock.due(planned.at_t) - time.monotonic()
            if delay > 0 and stop.wait(delay):
                return
            if stop.is_set():
                return
            numbers[planned.till] = numbers.get(planned.till, 0) + 1
            try:
                self._publish(planned.build(time.time(), numbers[planned.till]), planned.till)
            except MqttError:  # the broker gone for a while: a till would retry later; the demo counts it
                with self._lock:
                    self._failed += 1
                continue
            with self._lock:
                self._sent.append(planned)
