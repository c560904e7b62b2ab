"""Each gateway's `rssi_offset` correction, learned from the shoppers' own readings.

A calibration walk (`edge.store.calibration`) measures the offsets once, to 0.6–0.8 dB; a receiver can also
drift or be swapped after it. The shoppers carry their phones past every gateway all day, and the ``hmm-points``
rule places each of them every second. At the rule's most likely point, the propagation model predicts every
gateway's reading (`ZoneModel.expected`, averaged over the facings); a gateway that reads persistently louder
or weaker than predicted there, compared with the other gateways that heard the same phone in the same second,
is off by that much:

- each update's residuals (reading − prediction over the gateways heard, at least `MIN_GATEWAYS`) lose their
  mean first, since the phone's transmit power is unknown;
- a gateway's correction is minus the mean of its residuals since learning started;
- the corrections are centred (their mean over the gateways is 0): the phones cannot tell the gateways' common
  level, so that stays where the calibration put it.

The corrections are relative to the offsets in effect when the readings were taken. Accepted into the layout,
they make the next day's figures a second pass: two passes over an hour of the simulated busy hour measured the
offsets to 0.34 dB rms, against 0.64–0.76 dB for the walk (docs/accuracy.md). Nothing here changes an offset:
an offset that moved under the hub as it learned would move the entry floors and every decision with it.

Pure logic: `OffsetLearner.observe` takes a batch of updates as arrays, `corrections` reads the sums.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

from edge.presence.model import MIN_GATEWAYS

MIN_SAMPLES: Final = 3600
"""Readings of a gateway before its correction is reported: an hour of one phone, a few minutes of a busy store."""
BATCH_ROWS: Final = 2048
"""Updates kept before they are added up: a pass over a few thousand rows costs what one over a few rows does."""
RECENT_HALF_LIFE: Final = 3600
"""Readings of a gateway after which a reading counts half in its recent correction, the one IT's alert reads: a
quarter of an hour of a busy store. The whole average since learning started dilutes a sudden change."""


@dataclass(frozen=True, slots=True)
class OffsetEstimate:
    """One gateway's learned correction: add `correction_db` to the `rssi_offset` in effect."""

    gateway: str
    correction_db: float | None
    """None until the gateway has `min_samples` readings."""
    samples: int
    """Readings that went into it."""
    rms_db: float | None
    """The spread of its residuals (the channel's noise, the model's error), None with no readings."""
    recent_db: float | None = None
    """The same correction from the recent readings (`RECENT_HALF_LIFE`), None when `correction_db` is: it follows
    a receiver that changed sooner, and is noisier."""


@dataclass(frozen=True, slots=True)
class GatewaySums:
    """What one gateway's correction is made of, as kept across a restart (`OffsetLearner.sums`)."""

    gateway: str
    total_db: float
    """The sum of its residuals."""
    squares_db2: float
    """The sum of their squares."""
    samples: int


class OffsetLearner:
    """Running sums of each gateway's residuals against the model's predictions at the placed points.

    `expected` is points x gateways: the predicted reading (dBm, for a transmitter of 0 dBm at 1 m) of each
    gateway at each grid point, the gateways in layout order as `gateway_ids`."""

    def __init__(self, expected: npt.NDArray[np.floating], gateway_ids: Sequence[str]) -> None:
        if expected.ndim != 2 or expected.shape[1] != len(gateway_ids):
            raise ValueError(f"expected: points x {len(gateway_ids)} gateways, got shape {expected.shape}")
        self._expected = np.asarray(expected, dtype=np.float64)
        self._ids = list(gateway_ids)
        self._sum = np.zeros(len(self._ids))
        self._squares = np.zeros(len(self._ids))
        self._count = np.zeros(len(self._ids), dtype=np.int64)
        self._recent_sum = np.zeros(len(self._ids))
        self._recent_weight = np.zeros(len(self._ids))
        self._pending: list[tuple[npt.NDArray[np.intp], npt.NDArray[np.bool_], npt.NDArray[np.floating]]] = []
        self._pending_rows = 0

    @property
    def gateway_ids(self) -> list[str]:
        return list(self._ids)

    def observe(
        self, points: npt.NDArray[np.intp], heard: npt.NDArray[np.bool_], rssi: npt.NDArray[np.floating]
    ) -> None:
        """Add the updates of some devices: `points` the grid point each was placed at, `heard` a devices x
        gateways mask of the fresh readings, `rssi` the calibrated readings (ignored where not heard). Rows with
        fewer than `MIN_GATEWAYS` readings carry no information about the offsets and are skipped. The arrays are
        kept (not copied) until `BATCH_ROWS` have come: the caller must not change them afterwards."""
        self._pending.append((points, heard, rssi))
        self._pending_rows += len(points)
        if self._pending_rows >= BATCH_ROWS:
            self._flush()

    def _flush(self) -> None:
        if not self._pending:
            return
        points = np.concatenate([p for p, _, _ in self._pending])
        heard = np.concatenate([h for _, h, _ in self._pending])
        rssi = np.concatenate([r for _, _, r in self._pending])
        self._pending.clear()
        self._pending_rows = 0
        enough = heard.sum(axis=1) >= MIN_GATEWAYS
        if not enough.any():
            return
        mask = heard[enough]
        residual = np.where(mask, rssi[enough] - self._expected[points[enough]], 0.0)
        residual -= (residual.sum(axis=1) / mask.sum(axis=1))[:, None]  # the phone's own transmit power
        residual *= mask
        total = residual.sum(axis=0)
        added = mask.sum(axis=0)
        self._sum += total
        self._squares += (residual * residual).sum(axis=0)
        self._count += added
        decay = 0.5 ** (added / RECENT_HALF_LIFE)  # a batch as one: fewer readings of a gateway than a half-life
        self._recent_sum = self._recent_sum * decay + total
        self._recent_weight = self._recent_weight * decay + added

    def corrections(self, min_samples: int = MIN_SAMPLES) -> list[OffsetEstimate]:
        """Every gateway's correction, in layout order, centred over the gateways that have `min_samples`."""
        self._flush()
        count = self._count
        known = count > 0
        mean = np.divide(self._sum, count, out=np.zeros_like(self._sum), where=known)
        rms = np.sqrt(np.divide(self._squares, count, out=np.zeros_like(self._sum), where=known))
        ready = count >= max(1, min_samples)
        level = float(mean[ready].mean()) if ready.any() else 0.0
        recent = np.divide(
            self._recent_sum, self._recent_weight, out=np.zeros_like(self._sum), where=self._recent_weight > 0
        )
        recent_level = float(recent[ready].mean()) if ready.any() else 0.0
        return [
            OffsetEstimate(
                gateway,
                -(float(mean[g]) - level) if ready[g] else None,
                int(count[g]),
                float(rms[g]) if known[g] else None,
                -(float(recent[g]) - recent_level) if ready[g] else None,
            )
            for g, gateway in enumerate(self._ids)
        ]

    def sums(self) -> list[GatewaySums]:
        """The running sums, every gateway in layout order, to be kept across a restart (`restore`)."""
        self._flush()
        return [
            GatewaySums(g, float(self._sum[i]), float(self._squares[i]), int(self._count[i]))
            for i, g in enumerate(self._ids)
        ]

    def restore(self, sums: Sequence[GatewaySums]) -> None:
        """Add sums kept from before a restart (of gateways learned against the offsets in effect now: the caller
        checks). A gateway not in the layout is ignored."""
        index = {g: i for i, g in enumerate(self._ids)}
        for kept in sums:
            i = index.get(kept.gateway)
            if i is not None and kept.samples > 0:
                self._sum[i] += kept.total_db
                self._squares[i] += kept.squares_db2
                self._count[i] += kept.samples
                # The recent average starts from the kept one, weighed as at most a steady state's readings.
                weight = min(kept.samples, RECENT_HALF_LIFE / math.log(2))
                self._recent_sum[i] += kept.total_db * weight / kept.samples
                self._recent_weight[i] += weight

    def reset(self) -> None:
        """Start learning afresh (the offsets in effect have changed)."""
        self._pending.clear()
        self._pending_rows = 0
        self._sum[:] = 0.0
        self._squares[:] = 0.0
        self._count[:] = 0
        self._recent_sum[:] = 0.0
        self._recent_weight[:] = 0.0
