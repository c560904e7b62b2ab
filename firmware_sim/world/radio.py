"""The radio channel: the RSSI each gateway reads for an advert, or that it hears nothing.

For an advert sent from (x, y) by a device whose real power at 1 m is ``tx_1m``, gateway g reads

    rssi = tx_1m − 10·n·log10(d)                      log-distance path loss, d in 3-D (mount heights)
           + S_g(t)                                   shadowing: slow (Ornstein-Uhlenbeck) + fast (white) Gaussian
           − multipath_db   with probability multipath_share          (a multipath burst)
           − body_loss_db · (1 − cos θ) / 2           θ: facing direction vs direction to the gateway
           − shelf_loss_db · (shelf lines crossed by the straight line device–gateway)
           − wall_loss_db   when the device is on the street, beyond the shop front
           − party_wall_loss_db   when the straight line device–gateway comes in through another outer wall
           + receiver_offset_g                        the gateway's miscalibration (−rssi_offset by default)

rounded to an integer dBm as controllers report it. The advert is lost with probability `loss_share`
(collisions, the scanner on another channel) and never heard below `sensitivity_dbm`.

The street runs along the shop front (the entrance's outer wall, `find_door`); the store's other outer walls
are shared with the shops next door. Someone on the pavement beyond the store's corner is heard through a
neighbour's window and the wall between the shops, not through this store's glass alone.

The shadowing's variance σ² (`sigma_db`) is split: `correlated_share` of it is a per (device, gateway) OU
process that decays with time (`tau_s`) and with the distance the device moved (`decorrelation_m`, the
Gudmundson model), the rest is white per advert. ``correlated_share = 0`` is the ESPresense harness's i.i.d.
noise. The radio keeps the OU state, so adverts must come in time order per device.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from edge.store import GatewayPlacement, StoreLayout
from firmware_sim.world.floorplan import find_door, shelf_array, shelf_lines

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class RadioParams:
    """Channel parameters; docs/simulator.md gives each default's source."""

    path_loss_exponent: float = 2.2
    sigma_db: float = 4.0
    correlated_share: float = 0.6
    tau_s: float = 4.0
    decorrelation_m: float = 2.0
    multipath_share: float = 0.10
    multipath_db: float = 6.0
    body_loss_db: float = 8.0
    shelf_loss_db: float = 4.0
    wall_loss_db: float = 6.0
    party_wall_loss_db: float = 12.0
    gateway_height_m: float = 3.0
    device_height_m: float = 1.2
    loss_share: float = 0.10
    sensitivity_dbm: float = -100.0
    # dB each gateway's receiver adds (its miscalibration); None: minus the layout's rssi_offset, which the
    # calibration walk measured to cancel it.
    receiver_offsets_db: Mapping[str, float] | None = None

    def __post_init__(self) -> None:
        for name in ("sigma_db", "multipath_db", "body_loss_db", "shelf_loss_db", "wall_loss_db", "party_wall_loss_db"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must not be negative")
        for name in ("correlated_share", "multipath_share", "loss_share"):
            if not 0 <= getattr(self, name) <= 1:
                raise ValueError(f"{name} must be within 0..1")
        if self.path_loss_exponent <= 0 or self.tau_s <= 0 or self.decorrelation_m <= 0:
            raise ValueError("path_loss_exponent, tau_s and decorrelation_m must be positive")

    def receiver_offset_db(self, gateway: GatewayPlacement) -> float:
        """The dB `gateway`'s receiver adds: its entry in `receiver_offsets_db`, minus its `rssi_offset` by default."""
        offsets = self.receiver_offsets_db
        return -gateway.rssi_offset if offsets is None else offsets.get(gateway.id, 0.0)

    def with_sigma(self, sigma_db: float | None) -> RadioParams:
        """The same channel with another shadowing σ (None keeps it)."""
        return self if sigma_db is None else replace(self, sigma_db=sigma_db)


class Radio:
    """The channel between every device of a scenario and every gateway of its layout, with its own stream."""

    def __init__(self, params: RadioParams, layout: StoreLayout, rng: np.random.Generator, devices: int) -> None:
        self.params = params
        self.layout = layout
        self.rng = rng
        self.gateway_ids = tuple(g.id for g in layout.gateways)
        self.gx = np.array([g.x for g in layout.gateways], dtype=np.float64)
        self.gy = np.array([g.y for g in layout.gateways], dtype=np.float64)
        self.offsets = np.array([params.receiver_offset_db(g) for g in layout.gateways], dtype=np.float64)
        self.lines = shelf_array(shelf_lines(layout))
        self.front = find_door(layout).normal  # the shop front's outward normal
        self.dh2 = (params.gateway_height_m - params.device_height_m) ** 2
        self.slow_sigma = params.sigma_db * float(np.sqrt(params.correlated_share))
        self.fast_sigma = params.sigma_db * float(np.sqrt(1.0 - params.correlated_share))
        g = len(self.gateway_ids)
        self._slow = np.zeros((devices, g))
        self._last_t = np.full(devices, -np.inf)
        self._last_x = np.zeros(devices)
        self._last_y = np.zeros(devices)

    def shelves_crossed(self, x: FloatArray, y: FloatArray) -> FloatArray:
        """(N, G) count of shelf lines between each position and each gateway."""
        if len(self.lines) == 0:
            return np.zeros((len(x), len(self.gx)))
        vertical = self.lines[:, 0][None, None, :] > 0.5
        at, lo, hi = (self.lines[:, i][None, None, :] for i in (1, 2, 3))
        px = np.where(vertical, x[:, None, None], y[:, None, None])
        py = np.where(vertical, y[:, None, None], x[:, None, None])
        qx = np.where(vertical, self.gx[None, :, None], self.gy[None, :, None])
        qy = np.where(vertical, self.gy[None, :, None], self.gx[None, :, None])
        straddle = (px - at) * (qx - at) < 0
        with np.errstate(divide="ignore", invalid="ignore"):
            cross = py + (qy - py) * (at - px) / (qx - px)
        hits = straddle & (cross >= lo) & (cross <= hi)
        counts: FloatArray = hits.sum(axis=2).astype(np.float64)
        return counts

    def mean_rssi(self, x: FloatArray, y: FloatArray, heading: FloatArray, tx: FloatArray) -> FloatArray:
        """(N, G) RSSI without the random parts: path loss, body, shelving, walls and receiver offsets."""
        p = self.params
        dx = self.gx[None, :] - x[:, None]
        dy = self.gy[None, :] - y[:, None]
        d = np.maximum(np.sqrt(dx * dx + dy * dy + self.dh2), 0.1)
        rssi = tx[:, None] - 10.0 * p.path_loss_exponent * np.log10(d) + self.offsets[None, :]
        if p.body_loss_db > 0:
            with np.errstate(invalid="ignore"):
                body = p.body_loss_db * 0.5 * (1.0 - np.cos(np.arctan2(dy, dx) - heading[:, None]))
            rssi -= np.nan_to_num(body, nan=0.0)
        if p.shelf_loss_db > 0:
            rssi -= p.shelf_loss_db * self.shelves_crossed(x, y)
        if p.wall_loss_db > 0 or p.party_wall_loss_db > 0:
            rssi -= self.outer_wall_loss(x, y)
        return rssi

    def outer_wall_loss(self, x: FloatArray, y: FloatArray) -> FloatArray:
        """(N, G) dB lost in the store's outer walls: the shop front's glass for a device on the street, and
        a party wall when the straight line to the gateway comes into the store through one."""
        p = self.params
        w, d = self.layout.width, self.layout.depth
        loss = np.zeros((len(x), len(self.gx)))
        out = (x < 0) | (x > w) | (y < 0) | (y > d)
        if not out.any():
            return loss
        ox, oy = x[out][:, None], y[out][:, None]
        dx, dy = self.gx[None, :] - ox, self.gy[None, :] - oy
        # Liang-Barsky: the line comes into the rectangle through the side of the slab it enters last. The
        # gateways are inside, so a line parallel to a slab already lies within it.
        with np.errstate(divide="ignore", invalid="ignore"):
            tx = np.where(dx > 0, -ox / dx, np.where(dx < 0, (w - ox) / dx, -np.inf))
            ty = np.where(dy > 0, -oy / dy, np.where(dy < 0, (d - oy) / dy, -np.inf))
        through_x = tx > ty
        normal_x = np.where(through_x, -np.sign(dx), 0.0)
        normal_y = np.where(through_x, 0.0, -np.sign(dy))
        fx, fy = self.front
        street = ((ox - w * (fx > 0)) * fx + (oy - d * (fy > 0)) * fy > 0)[:, 0]  # beyond the front's line
        party = (normal_x != fx) | (normal_y != fy)
        loss[out] = p.wall_loss_db * street[:, None] + p.party_wall_loss_db * party
        return loss

    def _slow_fading(self, dev: IntArray, t: FloatArray, x: FloatArray, y: FloatArray) -> FloatArray:
        """(N, G) OU shadowing at each advert; `dev` must be grouped by device, in time order within a group."""
        n, g = len(dev), len(self.gx)
        out = np.zeros((n, g))
        if self.slow_sigma == 0 or n == 0:
            return out
        starts = np.r_[0, np.flatnonzero(dev[1:] != dev[:-1]) + 1]
        lengths = np.diff(np.r_[starts, n])
        rank = np.arange(n) - np.repeat(starts, lengths)
        p = self.params
        for k in range(int(rank.max()) + 1):
            sel = np.flatnonzero(rank == k)
            rows = dev[sel]
            moved = np.hypot(x[sel] - self._last_x[rows], y[sel] - self._last_y[rows])
            a = np.exp(-(t[sel] - self._last_t[rows]) / p.tau_s - moved / p.decorrelation_m)[:, None]
            state = a * self._slow[rows] + np.sqrt(1.0 - a * a) * self.slow_sigma * self.rng.standard_normal(
                (len(sel), g)
            )
            self._slow[rows] = state
            out[sel] = state
            self._last_t[rows] = t[sel]
            self._last_x[rows] = x[sel]
            self._last_y[rows] = y[sel]
        return out

    def receive(
        self, dev: IntArray, t: FloatArray, x: FloatArray, y: FloatArray, heading: FloatArray, tx: FloatArray
    ) -> tuple[IntArray, BoolArray]:
        """Integer RSSI and whether it was heard, (N, G), for N adverts grouped by device in time order."""
        p = self.params
        n, g = len(dev), len(self.gx)
        rssi = self.mean_rssi(x, y, heading, tx) + self._slow_fading(dev, t, x, y)
        if self.fast_sigma > 0:
            rssi += self.fast_sigma * self.rng.standard_normal((n, g))
        if p.multipath_share > 0:
            rssi -= np.where(self.rng.random((n, g)) < p.multipath_share, p.multipath_db, 0.0)
        heard = rssi >= p.sensitivity_dbm
        if p.loss_share > 0:
            heard &= self.rng.random((n, g)) >= p.loss_share
        return np.rint(np.clip(rssi, -127, 20)).astype(np.int64), heard
