"""Distance from RSSI by the log-distance path-loss model, and its inverse.

The model: the power received at distance d falls by 10·n dB per decade of distance from the power at 1 m,
which a beacon frame carries as its calibrated ``tx_power``::

    rssi(d) = tx_1m − 10·n·log10(d)          d(rssi) = 10 ^ ((tx_1m − rssi) / (10·n))

n, the path-loss exponent, is 2 in free space; indoors it is typically 2–3.5 (shelves, goods and people absorb),
and the remote configuration may set it per gateway (``path_loss_exponent``, 1 to 6).

**The error is large, and it is multiplicative.** RSSI indoors scatters around the model by a few dB even
after filtering (body shadowing, multipath, a phone's orientation and pocket, calibration of ``tx_power``). An
error of δ dB becomes a factor 10^(δ / (10·n)) in distance: with n = 2, ±3 dB is −29 %/+41 %, ±6 dB is
−50 %/+100 %; a wrong n is worse at range (at −79 dBm with tx −59 dBm the estimate is 10 m with n = 2 and 3.7 m
with n = 3.5). Use it to rank and to gate ("within a few metres"), not to measure: Corsia's zone decisions
compare calibrated RSSI between gateways (``docs/filters.md``), and ``dist`` in a sighting is informational.

Estimates are clamped to [`MIN_DISTANCE_M`, `MAX_DISTANCE_M`]: closer than 10 cm or farther than 100 m the
model says nothing useful, and the clamp keeps a wild RSSI from producing 0 or an overflow.
"""

from __future__ import annotations

import math
from typing import Final

MIN_DISTANCE_M: Final = 0.1
MAX_DISTANCE_M: Final = 100.0
DEFAULT_PATH_LOSS_EXPONENT: Final = 2.0

_MIN_LOG10: Final = math.log10(MIN_DISTANCE_M)
_MAX_LOG10: Final = math.log10(MAX_DISTANCE_M)


def _check(name: str, value: float) -> None:
    if not math.isfinite(value):
        raise ValueError(f"{name}: must be a finite number, got {value!r}")


def _check_exponent(path_loss_exponent: float) -> None:
    _check("path_loss_exponent", path_loss_exponent)
    if path_loss_exponent <= 0.0:
        raise ValueError(f"path_loss_exponent: must be greater than 0, got {path_loss_exponent!r}")


def estimate_distance(rssi: float, tx_power_1m: float, path_loss_exponent: float = DEFAULT_PATH_LOSS_EXPONENT) -> float:
    """Metres from a (filtered, offset-corrected) RSSI and the frame's power at 1 m, both in dBm.

    Clamped to [0.1, 100] m. Raises `ValueError` for a non-finite input or an exponent that is not positive.

        >>> estimate_distance(-59.0, -59.0)
        1.0
        >>> round(estimate_distance(-79.0, -59.0), 6), round(estimate_distance(-79.0, -59.0, 3.5), 2)
        (10.0, 3.73)
    """
    _check("rssi", rssi)
    _check("tx_power_1m", tx_power_1m)
    _check_exponent(path_loss_exponent)
    exponent = (tx_power_1m - rssi) / (10.0 * path_loss_exponent)
    return math.pow(10.0, min(max(exponent, _MIN_LOG10), _MAX_LOG10))  # a clamped exponent cannot overflow


def expected_rssi(
    distance_m: float, tx_power_1m: float, path_loss_exponent: float = DEFAULT_PATH_LOSS_EXPONENT
) -> float:
    """The inverse: the RSSI (dBm) the model expects at `distance_m` metres (> 0; not clamped).

    For distances in [0.1, 100] m, ``estimate_distance(expected_rssi(d, tx, n), tx, n) == d`` up to rounding.

        >>> expected_rssi(10.0, -59.0)
        -79.0
    """
    _check("distance_m", distance_m)
    _check("tx_power_1m", tx_power_1m)
    _check_exponent(path_loss_exponent)
    if distance_m <= 0.0:
        raise ValueError(f"distance_m: must be greater than 0, got {distance_m!r}")
    return tx_power_1m - 10.0 * path_loss_exponent * math.log10(distance_m)
