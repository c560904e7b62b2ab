"""`PresenceEngine`: gateway batches in, zones and visits out.

Pure logic: no I/O and no clock of its own, every call passes the hub's `now`. Per device it keeps each
gateway's latest calibrated RSSI and its corrected time (two lists indexed by gateway), the zone with
hysteresis, and the visit. Work is proportional to what arrives: each sighting item updates one slot and
re-runs the zone rule over the device's gateways (with the ``hmm`` rules, which update a device at most once a
second, only when its scores moved or a challenger is held); `tick` touches only the devices with something due
(an exit, a dwell or a pending zone switch), taken from a heap of deadlines, never the whole population.
``docs/presence.md`` has the model, the state machine and the measured cost.
"""

from __future__ import annotations

import heapq
import itertools
from collections import deque
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Final

from edge.presence.events import EventKind, JourneyEvent, PresenceStats
from edge.presence.gateways import GatewayTrack
from edge.presence.rules import NEG_INF, BatchRule, RuleFn, make_rule
from edge.presence.settings import PresenceSettings
from edge.store import StoreLayout, ZoneKind

if TYPE_CHECKING:
    from edge.presence.offset_learning import GatewaySums, OffsetEstimate, OffsetLearner

INF: Final = float("inf")

_DEFAULT_SETTINGS: Final = PresenceSettings()


class _Device:
    """One device in a visit. `rssi` and `seen` are indexed by gateway (``-inf`` = never heard)."""

    __slots__ = (
        "ch_since",
        "ch_zone",
        "due",
        "dwell_done",
        "heard",
        "id",
        "leaving",
        "rssi",
        "seen",
        "settle_until",
        "since",
        "visit",
        "zone",
    )

    def __init__(self, device_id: str, visit: str, zone: int, now: float, gateways: int, settle_s: float) -> None:
        self.id = device_id
        self.visit = visit
        self.zone = zone
        self.since = now  # when the current zone began (hub time)
        self.settle_until = now + settle_s  # until then the first decision is still open (no hysteresis)
        self.dwell_done = False  # the dwell event of this stay has gone out
        self.heard = NEG_INF  # corrected time of the latest reading from any gateway
        self.ch_zone = -1  # the challenger zone (-1: none) and when it started winning by the margin
        self.ch_since = 0.0
        self.due = INF  # the earliest deadline this device has in the engine's heap
        self.leaving = INF  # when its readings at the doors fell below door_exit_dbm (INF: not leaving)
        self.rssi = [NEG_INF] * gateways
        self.seen = [NEG_INF] * gateways


class PresenceEngine:
    """Decides which zone each device is in and turns that into visits; see the module docstring.

    `visit_prefix` starts every visit id (``"v1"``, ``"v2"``, ...); a hub that restarts passes something
    unique to the run (its start time, say) so visit ids never repeat. A device that enters again within
    `PresenceSettings.rejoin_s` of its exit continues its visit (same id); `recall` tells a new engine about the
    visits that ended before it started.
    """

    __slots__ = (
        "_batch",
        "_counter",
        "_devices",
        "_enter_floors",
        "_entrance",
        "_front_zones",
        "_gateway_zones",
        "_gateways",
        "_heap",
        "_hold",
        "_learner",
        "_left",
        "_left_order",
        "_margin",
        "_min_score",
        "_occupancy",
        "_rejoin_floors",
        "_rule",
        "_settings",
        "_timeouts",
        "_visit_prefix",
        "_visits",
        "_zone_ids",
        "stats",
    )

    def __init__(
        self, layout: StoreLayout, settings: PresenceSettings = _DEFAULT_SETTINGS, *, visit_prefix: str = "v"
    ) -> None:
        self._settings = settings
        self._zone_ids = [z.id for z in layout.zones]
        zone_index = {z: i for i, z in enumerate(self._zone_ids)}
        # Last heard at the doors, or at the tills or the desk beside them on the shop front: gone out, perhaps
        # walking off along the pavement, where the front's gateways still hear them through the window. Such a
        # visit times out sooner, and resumes from the gateways inside only at `rejoin_inside_min_dbm`.
        self._front_zones = frozenset(
            z.id for z in layout.zones if z.kind is ZoneKind.ENTRANCE or layout.on_front(z.id)
        )
        self._timeouts = [
            settings.entrance_exit_s if z.id in self._front_zones else settings.exit_timeout_s for z in layout.zones
        ]
        self._entrance = [z.kind is ZoneKind.ENTRANCE for z in layout.zones]
        self._gateways = {
            g.id: GatewayTrack(g.id, i, zone_index[g.zone_id], g.rssi_offset if settings.apply_layout_offsets else 0.0)
            for i, g in enumerate(layout.gateways)
        }
        self._gateway_zones = [zone_index[g.zone_id] for g in layout.gateways]
        hears_pavement = [layout.on_front(g.zone_id) for g in layout.gateways]
        self._enter_floors = [
            settings.enter_min_dbm if front else settings.enter_inside_min_dbm for front in hears_pavement
        ]
        # After a visit ended on the front, the gateways inside take the device back only this loud.
        self._rejoin_floors = [
            floor if front else max(floor, settings.rejoin_inside_min_dbm)
            for front, floor in zip(hears_pavement, self._enter_floors, strict=True)
        ]
        self._min_score = NEG_INF  # the least score a challenger needs (the hmm rule's posterior probability)
        self._hold = settings.hold_s
        self._batch: BatchRule | None = None
        self._learner: OffsetLearner | None = None
        self._rule: RuleFn
        if settings.rule in ("model", "hmm", "hmm-points"):
            # numpy and the grid are these rules' alone: the other rules do not pay for them.
            from edge.presence.model import ZoneModel, make_model_rule

            if settings.rule in ("hmm", "hmm-points"):
                from dataclasses import replace

                import numpy as np
                import numpy.typing as npt

                from edge.presence.hmm import Probabilities, ZoneHmm, make_hmm_rule
                from edge.presence.hmm_points import PointHmm
                from edge.presence.offset_learning import OffsetLearner

                model = ZoneModel(layout, replace(settings.radio, grid_m=settings.hmm_grid_m), self._zone_ids)
                points = settings.rule == "hmm-points"
                if points:
                    grid = PointHmm(layout, settings, model)
                    learner = self._learner = OffsetLearner(
                        model.expected.mean(axis=0), [g.id for g in layout.gateways]
                    )

                    def observe(p: Probabilities, heard: npt.NDArray[np.bool_], rssi: npt.NDArray[np.float64]) -> None:
                        learner.observe(grid.most_likely_points(p), heard, rssi)

                    self._batch = make_hmm_rule(grid, observe)
                else:
                    self._batch = make_hmm_rule(ZoneHmm(layout, settings, model))
                self._rule = self._batch
                self._margin = 0.0
                self._min_score = settings.points_switch_p if points else settings.hmm_switch_p
                self._hold = settings.hmm_hold_s
            else:
                self._rule = make_model_rule(ZoneModel(layout, settings.radio, self._zone_ids))
                self._margin = settings.model_margin
        else:
            self._rule = make_rule(settings.rule, self._gateway_zones, len(self._zone_ids))
            self._margin = settings.margin_db
        self._devices: dict[str, _Device] = {}
        self._occupancy = [0] * len(self._zone_ids)
        self._heap: list[tuple[float, int, _Device]] = []
        self._counter = itertools.count()  # heap tie-breaker: devices themselves are not ordered
        self._visit_prefix = visit_prefix
        self._visits = 0
        # device → (its last visit, when that visit ended, whether it ended on the shop front)
        self._left: dict[str, tuple[str, float, bool]] = {}
        self._left_order: deque[tuple[float, str]] = deque()  # (ended, device) in time order, to forget them
        self.stats = PresenceStats()

    # --- queries -----------------------------------------------------------------------------------------

    @property
    def settings(self) -> PresenceSettings:
        return self._settings

    @property
    def devices(self) -> int:
        """Devices currently in a visit."""
        return len(self._devices)

    def zone_of(self, device_id: str) -> str | None:
        """The device's zone, or None when it is not in a visit."""
        dev = self._devices.get(device_id)
        return None if dev is None else self._zone_ids[dev.zone]

    def visit_of(self, device_id: str) -> str | None:
        """The device's current visit id, or None when it is not in a visit."""
        dev = self._devices.get(device_id)
        return None if dev is None else dev.visit

    def occupancy(self) -> dict[str, int]:
        """Devices per zone, every zone of the layout included (in layout order)."""
        return dict(zip(self._zone_ids, self._occupancy, strict=True))

    def gateway_skew(self, gateway_id: str) -> float | None:
        """The estimated ``hub clock - gateway clock`` in seconds (None before its first batch or when unknown)."""
        track = self._gateways.get(gateway_id)
        return None if track is None else track.skew_s

    def skewed_gateways(self) -> list[str]:
        """Gateways whose clock is off by more than `max_skew_s` (their batches are being ignored)."""
        return [g.id for g in self._gateways.values() if g.is_skewed(self._settings.max_skew_s)]

    def recall(self, device_id: str, visit: str, ended: float, zone: str | None = None) -> None:
        """Remember that `device_id`'s visit `visit` ended at `ended` (hub time) in `zone`: an ``enter`` of the
        device within `rejoin_s` of it continues that visit, and one that ended on the shop front resumes from the
        gateways inside only at `rejoin_inside_min_dbm`. A hub calls it at start for the visits that ended just
        before."""
        if self._settings.rejoin_s > 0.0 and device_id not in self._devices:
            self._left[device_id] = (visit, ended, zone in self._front_zones)
            self._left_order.append((ended, device_id))

    def offset_corrections(self, min_samples: int | None = None) -> list[OffsetEstimate]:
        """Each gateway's `rssi_offset` correction learned from the devices in a visit since the engine started
        (or `reset_offset_learning`), in layout order; empty unless the rule is ``hmm-points``, which places
        them (`edge.presence.offset_learning`). A correction is None until its gateway has `min_samples`
        readings (`MIN_SAMPLES` by default)."""
        if self._learner is None:
            return []
        if min_samples is None:
            return self._learner.corrections()
        return self._learner.corrections(min_samples)

    def gateway_offsets(self) -> dict[str, float]:
        """The `rssi_offset` the engine adds to each gateway's readings (the layout's, or 0 when the gateways apply
        their own: `apply_layout_offsets`)."""
        return {g.id: g.offset_db for g in self._gateways.values()}

    def offset_sums(self) -> list[GatewaySums]:
        """What the offset corrections are made of, to keep across a restart (empty unless ``hmm-points``)."""
        return [] if self._learner is None else self._learner.sums()

    def restore_offset_sums(self, sums: Sequence[GatewaySums]) -> None:
        """Add sums kept from before a restart, learned against the offsets in effect now (`offset_sums`)."""
        if self._learner is not None:
            self._learner.restore(sums)

    def reset_offset_learning(self) -> None:
        """Forget the readings learned from (the offsets in effect have changed)."""
        if self._learner is not None:
            self._learner.reset()

    def reset_gateway(self, gateway_id: str) -> None:
        """Forget a gateway's sequence numbers and clock estimate (it was reinstalled and numbers afresh)."""
        self._gateways[gateway_id].forget()

    # --- input -------------------------------------------------------------------------------------------

    def ingest(self, gw: str, seq: int, t: float, items: Iterable[tuple[str, float]], now: float) -> list[JourneyEvent]:
        """Apply one gateway batch: `items` are ``(device_id, rssi)``, `t` the gateway's clock, `now` the hub's
        receive time. Returns the events it caused (enters, zone switches, exits of visits that expired)."""
        stats = self.stats
        stats.batches += 1
        track = self._gateways.get(gw)
        if track is None:
            stats.unknown_gateway += 1
            return []
        tc = track.admit(seq, t, now, self._settings, stats)
        if tc is None:
            return []
        events: list[JourneyEvent] = []
        g = track.index
        offset = track.offset_db
        devices = self._devices
        timeouts = self._timeouts
        decide = self._decide
        n = 0
        floor = self._settings.min_rssi_dbm - offset
        enter_floor = self._enter_floors[g] - offset
        rejoin_floor = self._rejoin_floors[g] - offset
        door_exit = self._settings.door_exit_dbm
        unchanged: set[int] = set()
        if self._batch is not None:
            items = list(items)  # read twice
            unchanged = self._prepare(self._batch, g, tc, offset, floor, items, now)
        for device_id, rssi in items:
            n += 1
            if rssi < floor:
                stats.weak += 1
                continue
            dev = devices.get(device_id)
            if dev is not None and now >= dev.heard + timeouts[dev.zone]:
                self._exit(dev, now, events)  # the visit ran out before a tick noticed
                dev = None
            if dev is None:
                if rssi < enter_floor or (rssi < rejoin_floor and self._went_out(device_id, now)):
                    stats.weak += 1
                    continue
                self._enter(device_id, g, track.zone, rssi + offset, tc, now, events)
                continue
            dev.rssi[g] = rssi + offset
            dev.seen[g] = tc
            if tc > dev.heard:
                dev.heard = tc
            # With no challenger held, deciding again on the scores of the last decision changes nothing.
            if dev.ch_zone >= 0 or id(dev.rssi) not in unchanged:
                decide(dev, now, events)
            if door_exit > -127.0:
                self._watch_doors(dev, now, events)
        stats.items += n
        return events

    def _prepare(
        self,
        rule: BatchRule,
        g: int,
        tc: float,
        offset: float,
        floor: float,
        items: list[tuple[str, float]],
        now: float,
    ) -> set[int]:
        """Let `rule` update every device the batch will decide in one pass: the readings that `ingest` is about to
        store go in now (a device in the batch twice, two EIDs of a phone around a rotation, is updated once, with
        its last reading). Devices that will enter or leave are left to `ingest`; their heard time is `ingest`'s
        to move. Returns the devices the rule was given and did not update (the `id` of their readings lists): their
        scores are those of their last decision. A device that enters earlier in the batch was not given."""
        devices = self._devices
        timeouts = self._timeouts
        ready = []
        for device_id, rssi in items:
            dev = devices.get(device_id)
            if dev is None or rssi < floor or now >= dev.heard + timeouts[dev.zone]:
                continue
            dev.rssi[g] = rssi + offset
            dev.seen[g] = tc
            ready.append((dev.rssi, dev.seen))
        if not ready:
            return set()
        return {id(rssi) for rssi, _ in ready} - rule.prepare(ready, now - self._settings.stale_s)

    def _watch_doors(self, dev: _Device, now: float, events: list[JourneyEvent]) -> None:
        """At the doors and fading: leaving, confirmed once nothing strong is heard for `door_confirm_s`."""
        if not self._entrance[dev.zone]:
            dev.leaving = INF  # never left; the readings matter only at the doors (and cost a pass over them)
            return
        settings = self._settings
        strongest = self._strongest(dev, now)
        if strongest < settings.door_exit_dbm:
            if dev.leaving == INF:
                dev.leaving = now
                self._schedule(dev, now + settings.door_confirm_s)
            elif now >= dev.leaving + settings.door_confirm_s:
                self._exit(dev, now, events)
        elif strongest >= settings.enter_min_dbm:
            dev.leaving = INF  # back in

    def _strongest(self, dev: _Device, now: float) -> float:
        horizon = now - self._settings.stale_s
        return max((r for r, s in zip(dev.rssi, dev.seen, strict=True) if s >= horizon), default=NEG_INF)

    def tick(self, now: float) -> list[JourneyEvent]:
        """Everything that became due by `now`: exits after the timeout, dwell events, zone switches whose
        hold time has passed. Call it about once a second; it touches only devices with a deadline passed."""
        events: list[JourneyEvent] = []
        heap = self._heap
        devices = self._devices
        while heap and heap[0][0] <= now:
            due, _, dev = heapq.heappop(heap)
            if due != dev.due or devices.get(dev.id) is not dev:
                continue  # superseded by an earlier deadline, or the visit has ended
            dev.due = INF
            self._service(dev, now, events)
        return events

    # --- the state machine -------------------------------------------------------------------------------

    def _decide(self, dev: _Device, now: float, events: list[JourneyEvent]) -> None:
        """Run the zone rule and the hysteresis: switch when a challenger has won by the margin for hold_s."""
        settings = self._settings
        best_zone, best, current = self._rule(dev.rssi, dev.seen, now - settings.stale_s, dev.zone)
        if now < dev.settle_until:  # the first decision, still taking in each gateway's first report
            if best_zone >= 0 and best_zone != dev.zone and best > current:
                dev.ch_since = dev.since  # it was there from the start
                self._switch(dev, best_zone, now, events)
            return
        if best_zone < 0 or best_zone == dev.zone or best < current + self._margin or best < self._min_score:
            dev.ch_zone = -1
            return
        if best_zone != dev.ch_zone:
            dev.ch_zone = best_zone
            dev.ch_since = now
        due = dev.ch_since + self._hold
        if now >= due:
            self._switch(dev, best_zone, now, events)
        elif due < dev.due:
            self._schedule(dev, due)

    def _service(self, dev: _Device, now: float, events: list[JourneyEvent]) -> None:
        settings = self._settings
        if now >= dev.heard + self._timeouts[dev.zone] or (
            dev.leaving != INF and now >= dev.leaving + settings.door_confirm_s
        ):
            self._exit(dev, now, events)
            return
        if dev.ch_zone >= 0 and now >= dev.ch_since + self._hold:
            self._decide(dev, now, events)  # still winning with the readings fresh at `now`?
        if not dev.dwell_done and now >= dev.since + settings.dwell_s:
            self._emit(events, now, dev, "dwell", self._zone_ids[dev.zone], None, now - dev.since)
            dev.dwell_done = True
        self._schedule(dev, self._next_due(dev))

    def _enter(
        self, device_id: str, g: int, zone: int, rssi: float, tc: float, now: float, events: list[JourneyEvent]
    ) -> None:
        visit = self._returning(device_id, now)
        if visit is None:
            self._visits += 1
            visit = f"{self._visit_prefix}{self._visits}"
        dev = _Device(device_id, visit, zone, now, len(self._gateway_zones), self._settings.settle_s)
        dev.rssi[g] = rssi
        dev.seen[g] = tc
        dev.heard = tc
        self._devices[device_id] = dev
        self._occupancy[zone] += 1
        self._emit(events, now, dev, "enter", self._zone_ids[zone], None, None)
        self._schedule(dev, self._next_due(dev))

    def _switch(self, dev: _Device, zone: int, now: float, events: list[JourneyEvent]) -> None:
        """Move to `zone`, dating the change back to when the challenger started winning."""
        at = dev.ch_since
        left = self._zone_ids[dev.zone]
        if not dev.dwell_done and at >= dev.since + self._settings.dwell_s:
            self._emit(events, now, dev, "dwell", left, None, at - dev.since)
        self._emit(events, now, dev, "zone", self._zone_ids[zone], left, max(0.0, at - dev.since))
        self._occupancy[dev.zone] -= 1
        self._occupancy[zone] += 1
        dev.zone = zone
        dev.since = at
        dev.dwell_done = False
        dev.ch_zone = -1
        self._schedule(dev, self._next_due(dev))

    def _exit(self, dev: _Device, now: float, events: list[JourneyEvent]) -> None:
        stay = max(0.0, dev.heard - dev.since)
        left = self._zone_ids[dev.zone]
        if not dev.dwell_done and stay >= self._settings.dwell_s:
            self._emit(events, now, dev, "dwell", left, None, stay)
        self._emit(events, now, dev, "exit", None, left, stay)
        self._occupancy[dev.zone] -= 1
        del self._devices[dev.id]
        if self._batch is not None:
            self._batch.forget(dev.rssi)
        self.recall(dev.id, dev.visit, now, left)

    def _went_out(self, device_id: str, now: float) -> bool:
        """Whether `device_id`'s last visit ended on the shop front less than `rejoin_s` ago."""
        last = self._left.get(device_id)
        return last is not None and last[2] and abs(now - last[1]) <= self._settings.rejoin_s

    def _returning(self, device_id: str, now: float) -> str | None:
        """The visit `device_id` continues if it left less than `rejoin_s` ago; forgets the older exits."""
        rejoin = self._settings.rejoin_s
        left, order = self._left, self._left_order
        while order and order[0][0] < now - rejoin:
            ended, device = order.popleft()
            if left.get(device, ("", -INF, False))[1] == ended:
                del left[device]
        last = left.pop(device_id, None)
        # abs: a hub clock stepped back leaves exits "in the future"; they count as recent, not forever.
        return last[0] if last is not None and abs(now - last[1]) <= rejoin else None

    def _next_due(self, dev: _Device) -> float:
        settings = self._settings
        due = dev.heard + self._timeouts[dev.zone]
        if dev.leaving != INF and dev.leaving + settings.door_confirm_s < due:
            due = dev.leaving + settings.door_confirm_s
        if not dev.dwell_done and dev.since + settings.dwell_s < due:
            due = dev.since + settings.dwell_s
        if dev.ch_zone >= 0 and dev.ch_since + self._hold < due:
            due = dev.ch_since + self._hold
        return due

    def _schedule(self, dev: _Device, due: float) -> None:
        """Make sure `tick` looks at the device by `due` (one heap entry per earliest deadline; later ones
        are checked when that entry comes up, and entries that lost their meaning are skipped)."""
        if due < dev.due:
            dev.due = due
            heapq.heappush(self._heap, (due, next(self._counter), dev))

    @staticmethod
    def _emit(
        events: list[JourneyEvent],
        now: float,
        dev: _Device,
        kind: EventKind,
        zone: str | None,
        prev: str | None,
        dwell_s: float | None,
    ) -> None:
        events.append(JourneyEvent(now, dev.id, dev.visit, kind, zone, prev, dwell_s))
