"""`PresenceSettings`: how the hub turns gateway readings into zones and visits, frozen and validated.

Every duration is in seconds of hub time and every level in dB, with the unit in the name. The defaults, and
why each was chosen, are in ``docs/presence.md``; the simulator's ground truth is what tunes them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from typing import Final, Literal, get_args

ZoneRule = Literal["best-gateway", "zone-max", "zone-mean-top2", "model", "hmm", "hmm-points"]
ZONE_RULES: Final[tuple[ZoneRule, ...]] = get_args(ZoneRule)

MAX_DURATION_S: Final = 86_400.0
"""No setting needs more than a day; a bigger value is a unit mistake (milliseconds for seconds)."""


def _number(name: str, value: object) -> float:
    """`value` as a finite float, or a `ValueError` naming the field. Booleans are not numbers here."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{name}: must be a number, got {value!r}")
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"{name}: must be a finite number, got {value!r}")
    return number


def _duration(name: str, value: object, *, allow_zero: bool = False) -> None:
    number = _number(name, value)
    low_ok = number >= 0.0 if allow_zero else number > 0.0
    if not low_ok or number > MAX_DURATION_S:
        low = "at least 0" if allow_zero else "greater than 0"
        raise ValueError(f"{name}: must be {low} and at most {MAX_DURATION_S:g} s, got {value!r}")


RADIO_LIMITS: Final[dict[str, tuple[float, float]]] = {
    "path_loss_exponent": (1.0, 6.0),
    "shelf_loss_db": (0.0, 30.0),
    "gateway_height_m": (0.0, 20.0),
    "body_loss_db": (0.0, 30.0),
    "sigma_db": (0.1, 30.0),
    "use_above_dbm": (-127.0, 0.0),
    "grid_m": (0.1, 5.0),
    "recompute_s": (0.01, MAX_DURATION_S),
}
"""The range of each number of `RadioModel` (``[hub.presence]`` checks the keys it sets against the same)."""
MAX_HEADINGS: Final = 64


@dataclass(frozen=True, slots=True)
class RadioModel:
    """The hub's generic propagation model for the ``model`` and ``hmm`` rules. Construction validates: a bad value
    raises `ValueError` whose message starts with the field name."""

    path_loss_exponent: float = 2.0
    shelf_loss_db: float = 3.0
    gateway_height_m: float = 1.5  # above a phone in a hand or pocket: ceiling-high gateways are ~1.5-2 m above
    body_loss_db: float = 6.0  # the shopper's own body between phone and gateway; fitted per decision
    headings: int = 8  # candidate facing directions for the body-loss fit (1 = no fit)
    sigma_db: float = 4.0
    use_above_dbm: float = -80.0  # weaker readings are mostly the noise peaks that cleared the receiver's floor
    grid_m: float = 0.5
    recompute_s: float = 0.5

    def __post_init__(self) -> None:
        for name, (low, high) in RADIO_LIMITS.items():
            value = _number(name, getattr(self, name))
            if not low <= value <= high:
                raise ValueError(f"{name}: must be between {low} and {high}, got {getattr(self, name)!r}")
            object.__setattr__(self, name, value)  # a float, as the settings keep every number
        headings = self.headings
        if isinstance(headings, bool) or not isinstance(headings, int) or not 1 <= headings <= MAX_HEADINGS:
            raise ValueError(f"headings: must be a whole number from 1 to {MAX_HEADINGS}, got {headings!r}")


@dataclass(frozen=True, slots=True, kw_only=True)
class PresenceSettings:
    """The presence engine's tuning. Construction validates; a bad value raises `ValueError` whose message
    starts with the field name (``"hold_s: must be ..."``)."""

    stale_s: float = 3.0
    """A gateway's reading older than this (on the gateway's skew-corrected clock) no longer counts for the
    zone decision, and a whole batch that arrives older than this is ignored (counted ``stale``)."""
    margin_db: float = 3.0
    """Hysteresis of the best-gateway and zone rules: a challenger zone must score at least this much above the
    current zone..."""
    hold_s: float = 3.0
    """...continuously for this long before the device switches to it (0 switches at once)."""
    settle_s: float = 1.0
    """The first decision stays open this long after a device enters: the zone follows the best reading
    without hysteresis while each gateway's first report comes in (gateways publish once per report interval,
    each at its own phase), so the visit does not start stuck in the zone of whichever gateway spoke first."""
    exit_timeout_s: float = 8.0
    """A device unheard by every gateway for this long has left: its visit ends with an ``exit`` event."""
    entrance_exit_s: float = 2.5
    """The shorter timeout when the device's zone is an entrance or another zone on the shop front (the tills, a
    pickup desk by the doors: `StoreLayout.on_front`): last seen there, it has most likely gone out."""
    rejoin_s: float = 180.0
    """A device heard again within this long of its visit's ``exit`` continues that visit: its ``enter`` carries
    the same visit id, so a shopper who steps out and back, or whose phone fell silent for longer than the exit
    timeout, is one visit and gets no second store-entry push. The exit timeouts stay short (the exit is seen
    within seconds) while the visit's identity lasts as long as peers' 40–180 s timeouts. 0: every enter is a
    new visit."""
    dwell_s: float = 20.0
    """A stay this long in one zone emits one ``dwell`` event (once per stay)."""
    max_skew_s: float = 300.0
    """The largest gateway clock offset the engine corrects. Beyond it the gateway's batches are ignored
    (counted ``stale``) and it is listed by `PresenceEngine.skewed_gateways` for the hub's clock alert."""
    min_rssi_dbm: float = -127.0
    """Readings (after calibration) weaker than this are ignored: they neither start a visit, keep one alive,
    nor vote for a zone. A gateway by the doors hears people on the pavement through the shop front; a floor
    keeps passers-by out of the visits, and ends a visit when its shopper walks off down the street."""
    enter_min_dbm: float = -78.0
    """A visit starts only with a reading at least this strong (after calibration) from a gateway in a zone on the
    shop front (`StoreLayout.on_front`): a shopper walking in passes close to the doors' gateway, a passer-by on
    the pavement is heard through the shop front, weaker."""
    enter_inside_min_dbm: float = -84.0
    """The same floor for the gateways of the other zones, away from the front: the pavement is heard there only
    through the front and across the store, so a weaker reading already means someone inside (a shopper who
    walked in shadowed from the doors' gateway). Set it to `enter_min_dbm` for one floor everywhere."""
    rejoin_inside_min_dbm: float = -78.0
    """For `rejoin_s` after a visit ended on the shop front (out through the doors, or faded at the tills or the
    desk beside them), a gateway away from the front takes the device back only with a reading at least this strong
    (the front's gateways at `enter_min_dbm`, as ever; 0: only they do). Who has just walked out is on the
    pavement, where the gateways inside hear them faintly through the window; -127: as `enter_inside_min_dbm`."""
    door_exit_dbm: float = -84.0
    """While a device's zone is an entrance, its strongest fresh reading staying below this for `door_confirm_s`
    ends the visit: it has gone out through the doors and is walking away along the pavement, still heard through
    the front. Measured in the busy hour: the exit p95 within 15 s on every seed, for a few visits an hour split
    by a shopper fading at the doors (`rejoin_s` makes each one visit again). -127 turns it off."""
    door_confirm_s: float = 4.0
    """How long readings must stay below `door_exit_dbm` (and nothing reach `enter_min_dbm`) before the
    visit ends: a shopper turning back at the doors keeps the visit."""
    rule: ZoneRule = "hmm-points"
    """How readings become a zone score: ``"best-gateway"``, ``"zone-max"``, ``"zone-mean-top2"``, ``"model"``
    (every gateway's reading against a propagation model of the layout: `edge.presence.model`), ``"hmm"`` (the
    model's evidence accumulated over time by a hidden Markov model over the zones: `edge.presence.hmm`) or
    ``"hmm-points"`` (the same over the floor's grid points: `edge.presence.hmm_points`), the default: it measured
    best against the simulator's ground truth (docs/accuracy.md)."""
    model_margin: float = 3.0
    """Hysteresis for the ``model`` rule, in log-likelihood units (its scores are not decibels): a challenger
    zone must be e^margin times likelier than the current one for `hold_s`."""
    hmm_speed_mps: float = 0.25
    """The ``hmm`` rule's pace of a shopper (metres per second, stops included): a zone is left at this speed
    over its mean chord per second (`edge.presence.hmm`), to a zone it adjoins."""
    hmm_jump_rate: float = 0.01
    """The ``hmm`` rule's rate (per second) of landing in any zone at all, adjoining or not: recovery from a
    wrong decision or a gap in the readings."""
    hmm_evidence: float = 0.7
    """The ``hmm`` rule's weight of one second of the model's log-likelihoods (readings are shared between
    evaluations and the model's errors last for seconds, so they are not independent evidence)."""
    hmm_switch_p: float = 0.8
    """The ``hmm`` rule's hysteresis: a challenger zone's posterior probability must reach this..."""
    hmm_hold_s: float = 0.0
    """...continuously for this long (the ``hmm`` rule's `hold_s`) before the device switches to it."""
    hmm_step_s: float = 1.0
    """The ``hmm`` rule updates a device's zone probabilities at most this often (gateways report once a second)."""
    hmm_grid_m: float = 1.0
    """The ``hmm`` rule's grid over the floor (the ``model`` rule's is `RadioModel.grid_m`): it averages over each
    zone's points, for which a coarser grid is as good and four times cheaper than 0.5 m."""
    points_walk_m: float = 1.8
    """The ``hmm-points`` rule: how far a walking shopper goes in a second (the width of a Gaussian step)."""
    points_shuffle_m: float = 0.4
    """The ``hmm-points`` rule: how far a standing shopper moves in a second."""
    points_start_p: float = 0.15
    """The ``hmm-points`` rule: the probability a second that a standing shopper starts walking."""
    points_stop_p: float = 0.1
    """The ``hmm-points`` rule: the probability a second that a walking shopper stops. With `points_start_p` it
    says how long a shopper keeps standing or walking; ``points_start_p + points_stop_p = 1`` draws the mode afresh
    every second (walking with probability `points_start_p`)."""
    points_kind_motion: bool = True
    """The ``hmm-points`` rule: scale `points_start_p` and `points_stop_p` by each zone's kind (a till or the
    pickup desk holds a shopper who stops there: `edge.presence.hmm_points.KIND_MOTION`). Off, every zone alike."""
    points_facing_redraw_p: float = 0.0
    """The ``hmm-points`` rule: 0 (the default) weighs each second's readings over every facing of the shopper's
    body afresh; above 0, a standing shopper keeps the way they face from second to second, turning with this
    probability a second (0.05: a stop of 20 s keeps its facing), so the body between the phone and a gateway is
    fitted over the whole stop. With `points_switch_p` 0.55, busy-hour accuracy 2.4–3.4 points higher, for a still
    shopper flapping a third more and an update about twice as dear (docs/accuracy.md)."""
    points_evidence: float = 0.85
    """The ``hmm-points`` rule's weight of one second of readings, as `hmm_evidence` for ``hmm``."""
    points_switch_p: float = 0.65
    """The ``hmm-points`` rule's hysteresis, as `hmm_switch_p` (its posterior wanders less on a boundary)."""
    radio: RadioModel = field(default_factory=RadioModel)
    """The ``model`` rule's propagation model (generic indoor values; see docs/accuracy.md)."""
    apply_layout_offsets: bool = True
    """Add each gateway's `rssi_offset` from the store layout to its readings. Turn it off when the gateways
    already apply the same offsets themselves (``gw/{gw}/config``), so the calibration is not counted twice."""

    def __post_init__(self) -> None:
        for name in ("stale_s", "exit_timeout_s", "entrance_exit_s", "dwell_s", "max_skew_s"):
            _duration(name, getattr(self, name))
        _duration("hold_s", self.hold_s, allow_zero=True)
        _duration("settle_s", self.settle_s, allow_zero=True)
        _duration("door_confirm_s", self.door_confirm_s, allow_zero=True)
        _duration("rejoin_s", self.rejoin_s, allow_zero=True)
        for name in ("min_rssi_dbm", "enter_min_dbm", "enter_inside_min_dbm", "rejoin_inside_min_dbm", "door_exit_dbm"):
            if not -127.0 <= _number(name, getattr(self, name)) <= 0.0:
                raise ValueError(f"{name}: must be between -127 and 0 dBm, got {getattr(self, name)!r}")
        if not 0.0 <= _number("model_margin", self.model_margin) <= 1000.0:
            raise ValueError(f"model_margin: must be between 0 and 1000, got {self.model_margin!r}")
        _duration("hmm_hold_s", self.hmm_hold_s, allow_zero=True)
        if not 0.0 < _number("hmm_step_s", self.hmm_step_s) <= 10.0:
            raise ValueError(f"hmm_step_s: must be greater than 0 and at most 10 s, got {self.hmm_step_s!r}")
        if not 0.1 <= _number("hmm_grid_m", self.hmm_grid_m) <= 5.0:
            raise ValueError(f"hmm_grid_m: must be between 0.1 and 5 m, got {self.hmm_grid_m!r}")
        for name, high in (("hmm_speed_mps", 10.0), ("hmm_evidence", 100.0), ("points_evidence", 100.0)):
            if not 0.0 < _number(name, getattr(self, name)) <= high:
                raise ValueError(f"{name}: must be greater than 0 and at most {high:g}, got {getattr(self, name)!r}")
        if not 0.0 <= _number("hmm_jump_rate", self.hmm_jump_rate) <= 10.0:
            raise ValueError(f"hmm_jump_rate: must be between 0 and 10 per second, got {self.hmm_jump_rate!r}")
        for name in ("hmm_switch_p", "points_switch_p"):
            if not 0.5 <= _number(name, getattr(self, name)) < 1.0:
                raise ValueError(f"{name}: must be at least 0.5 and below 1, got {getattr(self, name)!r}")
        for name in ("points_walk_m", "points_shuffle_m"):
            if not 0.05 <= _number(name, getattr(self, name)) <= 10.0:
                raise ValueError(f"{name}: must be between 0.05 and 10 m, got {getattr(self, name)!r}")
        for name in ("points_start_p", "points_stop_p", "points_facing_redraw_p"):
            if not 0.0 <= _number(name, getattr(self, name)) <= 1.0:
                raise ValueError(f"{name}: must be between 0 and 1, got {getattr(self, name)!r}")
        margin = _number("margin_db", self.margin_db)
        if not 0.0 <= margin <= 60.0:
            raise ValueError(f"margin_db: must be between 0 and 60 dB, got {self.margin_db!r}")
        if self.entrance_exit_s > self.exit_timeout_s:
            raise ValueError(
                f"entrance_exit_s: must not exceed exit_timeout_s ({self.exit_timeout_s!r}), "
                f"got {self.entrance_exit_s!r}"
            )
        if self.rule not in ZONE_RULES:
            raise ValueError(f"rule: must be one of {', '.join(ZONE_RULES)}, got {self.rule!r}")
        if not isinstance(self.apply_layout_offsets, bool):
            raise ValueError(f"apply_layout_offsets: must be true or false, got {self.apply_layout_offsets!r}")
        # Store plain floats (an int 3 from TOML becomes 3.0), so the hot path never mixes types.
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, int) and not isinstance(value, bool):
                object.__setattr__(self, f.name, float(value))
