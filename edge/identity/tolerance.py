"""How far from the hub's window the EID a phone advertises may be, and so how many windows the resolver keeps.

Two things move a phone's EID away from the one of the hub's current window:

* **clock drift**: the spec allows a beacon's counter an error of 150 ppm; a phone that takes network time at
  least daily is then at most 150e-6 × 86,400 s = 12.96 s off;
* **the switch moment**: the spec recommends switching to the next EID at a randomised moment near the window
  boundary; a phone may switch up to `switch_fraction` of a window early or late.

A phone off by at most ``S = drift_s + switch_fraction·2^K`` seconds advertises the EID of a window at most
``ceil(S / 2^K)`` windows from the hub's: that is `Tolerance.reach`, never less than 1. With the defaults it is
1 (previous, current and next) for K ≥ 4, and more for the few-second windows of K ≤ 3 (14 on each side for K = 0).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final

from edge.identity.eid import EPOCH_BITS, check_k

DRIFT_PPM: Final = 150.0  # the spec's limit on a beacon's time counter
RESYNC_INTERVAL_S: Final = 86_400.0  # phones take network time at least daily
DRIFT_BUDGET_S: Final = DRIFT_PPM * 1e-6 * RESYNC_INTERVAL_S  # 12.96 s
SWITCH_FRACTION: Final = 0.1  # a phone may switch EID up to 10% of a window early or late


@dataclass(frozen=True, slots=True)
class Tolerance:
    """How far the EID a phone advertises may be from the hub's window.

    `drift_s`: the largest clock offset between a phone and the hub, in seconds (150 ppm over a day by default);
    `switch_fraction`: how early or late, as a fraction of the window, a phone may switch to its next EID.
    """

    drift_s: float = DRIFT_BUDGET_S
    switch_fraction: float = SWITCH_FRACTION

    def __post_init__(self) -> None:
        if not (math.isfinite(self.drift_s) and 0 <= self.drift_s <= 1 << EPOCH_BITS):
            raise ValueError(f"drift_s must be within 0..{1 << EPOCH_BITS} s, got {self.drift_s!r}")
        if not (math.isfinite(self.switch_fraction) and 0 <= self.switch_fraction <= 1):
            raise ValueError(f"switch_fraction must be within 0..1, got {self.switch_fraction!r}")

    def reach(self, k: int) -> int:
        """Windows kept on each side of the current one for exponent `k` (at least 1: previous and next).

        A phone off by at most ``S = drift_s + switch_fraction·2^k`` seconds advertises the EID of a window at
        most ``ceil(S / 2^k)`` away from the hub's.
        """
        check_k(k)
        period = 1 << k
        return max(1, math.ceil((self.drift_s + self.switch_fraction * period) / period))
