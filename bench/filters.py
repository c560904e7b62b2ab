"""What do the RSSI filters cost per advert, and how well do they follow a walking shopper?

    .venv/bin/python bench/filters.py [--adverts 300000] [--runs 40] [--sweep]

1. **Cost**, on one core (the process pins itself to one CPU where it can): ``update`` per advert as the
   gateway calls it (``filt.update(rssi, t)``, loop included), the same through a `FilterBank` of 200 beacons
   (one dict lookup more), and ``value`` per report: a fresh computation after adverts at 10/s for 5 s (the
   default 3 s window holds 31 of them) and a repeat read with nothing new (the cached path).
2. **Accuracy**: the RMSE, against the truth, of the value reported once a second for a shopper walking past a
   gateway, dwelling, and walking on (`walk_truth`), at 1, 3 and 10 adverts/s. Each advert's RSSI is the truth
   plus Gaussian noise of σ = 2.5 dB, and one advert in ten is hit by a −6 dB multipath fade (the noise model
   of ESPresense's test harness). Adverts come at the nominal rate plus BLE's random 0–10 ms advDelay. Averaged
   over `--runs` seeds; the raw RSSI of the latest advert is the baseline. Also: the time a noise-free −10 dB
   step takes to show 63 % in the value, and the value's standard deviation at a constant level with noise.
3. ``--sweep``: the same RMSE for a grid of each filter's main parameter, from which the defaults were chosen.

The results and what they mean are in ``docs/filters.md``.
"""

from __future__ import annotations

import argparse
import itertools
import math
import os
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from typing import Final

from rich.console import Console
from rich.table import Table

from gateway.distance import expected_rssi
from gateway.filters import FilterBank, FilterSettings, RssiFilter, make_filter

RATES_HZ: Final = (1.0, 3.0, 10.0)
NOISE_DB: Final = 2.5
MULTIPATH_SHARE: Final = 0.10
MULTIPATH_DB: Final = -6.0
TX_1M: Final = -59.0
PATH_LOSS: Final = 2.0
GATEWAY_HEIGHT_M: Final = 2.0  # above the phone: the closest a shopper gets is 2 m
ADV_DELAY_S: Final = 0.010

# The walk: (x, y) waypoints in metres around a gateway at the origin, walked at 1.2 m/s, with dwells (s).
WALK: Final = (
    ((-15.0, 2.0), 0.0),
    ((-3.0, 2.0), 15.0),  # looks at a shelf 3.6 m from the gateway
    ((1.0, 0.5), 8.0),  # right under it
    ((6.0, 4.0), 10.0),
    ((16.0, 6.0), 0.0),
)
WALK_SPEED_M_S: Final = 1.2

CONFIGS: Final[dict[str, FilterSettings]] = {
    "kalman": FilterSettings(kind="kalman"),
    "ewma (tau_s)": FilterSettings(kind="ewma"),
    "ewma (alpha=0.2)": FilterSettings(kind="ewma", tau_s=None, alpha=0.2),
    "window": FilterSettings(kind="window"),
}


# --- the walk ----------------------------------------------------------------------------------------------


def _segments() -> list[tuple[float, float, tuple[float, float], tuple[float, float]]]:
    """(start time, end time, from, to) of each leg and dwell of `WALK`."""
    out = []
    t = 0.0
    for (a, _), (b, dwell) in itertools.pairwise(WALK):
        legs = math.dist(a, b) / WALK_SPEED_M_S
        out.append((t, t + legs, a, b))
        t += legs
        if dwell:
            out.append((t, t + dwell, b, b))
            t += dwell
    return out


SEGMENTS: Final = _segments()
WALK_S: Final = SEGMENTS[-1][1]


def walk_truth(t: float) -> float:
    """The noise-free RSSI (dBm) at time `t` of the walk."""
    for start, end, a, b in SEGMENTS:
        if t <= end:
            f = 0.0 if end == start else (t - start) / (end - start)
            x, y = a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f
            return expected_rssi(math.sqrt(x * x + y * y + GATEWAY_HEIGHT_M**2), TX_1M, PATH_LOSS)
    return walk_truth(WALK_S)


def adverts(
    rate_hz: float,
    duration_s: float,
    truth: Callable[[float], float],
    rng: random.Random,
    fade_db: float = MULTIPATH_DB,
) -> list[tuple[float, float]]:
    """(t, rssi) of each advert: nominal rate plus advDelay; Gaussian noise; some multipath fades."""
    out = []
    for i in range(int(duration_s * rate_hz)):
        t = i / rate_hz + rng.uniform(0.0, ADV_DELAY_S)
        fade = fade_db if rng.random() < MULTIPATH_SHARE else 0.0
        out.append((t, truth(t) + rng.gauss(0.0, NOISE_DB) + fade))
    return out


class LastRaw(RssiFilter):
    """The baseline: the latest advert's RSSI, unfiltered."""

    __slots__ = ("_x",)

    def __init__(self) -> None:
        super().__init__(10.0)
        self._x = 0.0

    def update(self, rssi: float, t: float) -> None:
        self._x, self.last_t = rssi, t
        self.count += 1

    def value(self, t: float) -> float | None:
        return None if self.forgotten(t) else self._x


def rmse_walk(make: Callable[[], RssiFilter], rate_hz: float, runs: int, fade_db: float = MULTIPATH_DB) -> float:
    """RMSE (dB) of the once-a-second value against the truth over the walk, pooled over `runs` seeds."""
    squares, n = 0.0, 0
    for seed in range(runs):
        rng = random.Random(seed * 1000 + int(rate_hz * 10))
        trace = iter(adverts(rate_hz, WALK_S, walk_truth, rng, fade_db))
        filt = make()
        pending = next(trace, None)
        for tick in range(1, int(WALK_S) + 1):
            while pending is not None and pending[0] <= tick:
                filt.update(pending[1], pending[0])
                pending = next(trace, None)
            value = filt.value(float(tick))
            if value is not None:
                squares += (value - walk_truth(float(tick))) ** 2
                n += 1
    return math.sqrt(squares / n)


def step_t63(make: Callable[[], RssiFilter], rate_hz: float) -> float:
    """Seconds until a noise-free −10 dB step shows 63 % in the value (read after each advert)."""
    filt = make()
    h = 1.0 / rate_hz
    for i in range(int(30 * rate_hz)):  # 30 s at −60 dBm
        filt.update(-60.0, i * h)
    start = 30.0
    for i in range(int(60 * rate_hz)):
        t = start + i * h
        filt.update(-70.0, t)
        value = filt.value(t)
        if value is not None and value <= -66.3:
            return t - start
    return math.inf


def steady_std(make: Callable[[], RssiFilter], rate_hz: float, runs: int) -> float:
    """The standard deviation (dB) of the once-a-second value at a constant −70 dBm with the noise model."""
    values = []
    for seed in range(runs):
        rng = random.Random(seed)
        filt = make()
        trace = adverts(rate_hz, 60.0, lambda _t: -70.0, rng)
        for t, rssi in trace:
            filt.update(rssi, t)
            if t >= 20.0 and int(t) != int(t - 1.0 / rate_hz):
                value = filt.value(t)
                if value is not None:
                    values.append(value)
    return statistics.pstdev(values)


# --- cost --------------------------------------------------------------------------------------------------


def cost_update(settings: FilterSettings, samples: Sequence[tuple[float, float]], repeats: int = 5) -> float:
    """Best µs per ``filt.update(rssi, t)`` over `repeats` passes, loop included."""
    best = math.inf
    for _ in range(repeats):
        filt = make_filter(settings)
        start = time.perf_counter()
        for t, rssi in samples:
            filt.update(rssi, t)
        best = min(best, (time.perf_counter() - start) / len(samples))
    return best * 1e6


def cost_bank(settings: FilterSettings, samples: Sequence[tuple[float, float]], beacons: int = 200) -> float:
    """Best µs per ``bank.update(id, rssi, t)`` with `beacons` beacons interleaved, loop included."""
    ids = [f"eid:{i:016x}" for i in range(beacons)]
    # every beacon still advertises 10 times a second: the adverts of all of them are interleaved in time
    work = [(ids[i % beacons], t / beacons, rssi) for i, (t, rssi) in enumerate(samples)]
    best = math.inf
    for _ in range(5):
        bank = FilterBank(settings)
        start = time.perf_counter()
        for beacon_id, t, rssi in work:
            bank.update(beacon_id, rssi, t)
        best = min(best, (time.perf_counter() - start) / len(work))
    return best * 1e6


def cost_value(settings: FilterSettings, filters: int = 2000) -> tuple[float, float]:
    """µs per ``value(t)``: computed fresh (after adverts at 10/s for 5 s) and read again with nothing new."""
    rng = random.Random(7)
    pool = []
    for _ in range(filters):
        filt = make_filter(settings)
        for i in range(51):
            filt.update(-70.0 + rng.gauss(0.0, NOISE_DB), i * 0.1)
        pool.append(filt)
    start = time.perf_counter()
    for filt in pool:
        filt.value(5.0)
    fresh = (time.perf_counter() - start) / filters
    start = time.perf_counter()
    for filt in pool:
        filt.value(5.0)
    repeat = (time.perf_counter() - start) / filters
    return fresh * 1e6, repeat * 1e6


# --- main --------------------------------------------------------------------------------------------------


def _maker(settings: FilterSettings) -> Callable[[], RssiFilter]:
    return lambda: make_filter(settings)


def sweep(console: Console, runs: int) -> None:
    grids: dict[str, list[tuple[str, FilterSettings]]] = {
        "kalman process_noise (dB²/s)": [
            (f"{q:g}", FilterSettings(kind="kalman", process_noise=q)) for q in (0.1, 0.25, 0.5, 1.0, 2.0, 4.0)
        ],
        "kalman gate_sigma": [
            (f"{g:g}", FilterSettings(kind="kalman", gate_sigma=g)) for g in (1.5, 2.0, 2.5, 3.0, math.inf)
        ],
        "ewma tau_s (s)": [(f"{tau:g}", FilterSettings(kind="ewma", tau_s=tau)) for tau in (0.5, 1, 1.5, 2, 3, 5)],
        "ewma alpha": [
            (f"{a:g}", FilterSettings(kind="ewma", tau_s=None, alpha=a)) for a in (0.05, 0.1, 0.2, 0.3, 0.5)
        ],
        "window window_s (s)": [(f"{w:g}", FilterSettings(kind="window", window_s=w)) for w in (2, 3, 4, 5, 8)],
        "window trim_fraction": [
            (f"{f:g}", FilterSettings(kind="window", trim_fraction=f)) for f in (0.0, 0.1, 0.2, 0.3)
        ],
    }
    for title, grid in grids.items():
        table = Table(title=f"sweep: {title} — RMSE on the walk (dB)")
        table.add_column("value", justify="right")
        for rate in RATES_HZ:
            table.add_column(f"{rate:g}/s", justify="right")
        table.add_column("mean", justify="right")
        for label, settings in grid:
            rmses = [rmse_walk(_maker(settings), rate, runs) for rate in RATES_HZ]
            table.add_row(label, *(f"{r:.2f}" for r in rmses), f"{statistics.fmean(rmses):.2f}")
        console.print(table)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--adverts", type=int, default=300_000, help="adverts per cost measurement")
    parser.add_argument("--runs", type=int, default=40, help="seeds per accuracy figure")
    parser.add_argument("--sweep", action="store_true", help="also sweep each filter's main parameter")
    args = parser.parse_args(argv)

    pinned = ""
    if hasattr(os, "sched_setaffinity"):
        cpu = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpu})
        pinned = f", pinned to CPU {cpu}"
    console = Console(width=None if sys.stdout.isatty() else 132)
    console.print(
        f"Python {platform.python_version()} ({platform.python_implementation()}), {platform.machine()}, "
        f"{platform.processor() or platform.platform()}{pinned}"
    )

    rng = random.Random(1)
    samples = [(i * 0.1 + rng.uniform(0.0, ADV_DELAY_S), -70.0 + rng.gauss(0.0, NOISE_DB)) for i in range(args.adverts)]
    cost = Table(title=f"Cost per call, one core ({args.adverts:,} adverts at 10/s per filter)")
    for column in ("filter", "update µs", "updates/s", "via FilterBank µs", "value() fresh µs", "value() cached µs"):
        cost.add_column(column, justify="left" if column == "filter" else "right")
    for name, settings in CONFIGS.items():
        per_update = cost_update(settings, samples)
        per_bank = cost_bank(settings, samples)
        fresh, repeat = cost_value(settings)
        cost.add_row(
            name,
            f"{per_update:.3f}",
            f"{1e6 / per_update:,.0f}",
            f"{per_bank:.3f}",
            f"{fresh:.2f}",
            f"{repeat:.3f}",
        )
    console.print(cost)

    makers: dict[str, Callable[[], RssiFilter]] = {"raw (latest advert)": LastRaw}
    makers.update({name: _maker(settings) for name, settings in CONFIGS.items()})
    accuracy = Table(title=f"Accuracy: the walk ({WALK_S:.0f} s), σ {NOISE_DB} dB + 10 % × −6 dB, {args.runs} seeds")
    accuracy.add_column("filter")
    for rate in RATES_HZ:
        accuracy.add_column(f"RMSE {rate:g}/s", justify="right")
    for rate in RATES_HZ:
        accuracy.add_column(f"t63 {rate:g}/s", justify="right")
    accuracy.add_column("σ at 10/s", justify="right")
    accuracy.add_column("RMSE 3/s, −20 dB fades", justify="right")
    for name, make in makers.items():
        rmses = [f"{rmse_walk(make, rate, args.runs):.2f}" for rate in RATES_HZ]
        t63s = [f"{step_t63(make, rate):.1f}" for rate in RATES_HZ]
        sigma = steady_std(make, 10.0, args.runs // 4 or 1)
        deep = rmse_walk(make, 3.0, args.runs, fade_db=-20.0)
        accuracy.add_row(name, *rmses, *t63s, f"{sigma:.2f}", f"{deep:.2f}")
    console.print(accuracy)
    console.print(
        "RMSE in dB of the value read once a second; t63: seconds until a noise-free −10 dB step shows 63 %; "
        "σ: the value's standard deviation at a constant level with the noise model; the last column: the walk "
        "at 3 adverts/s with the one-in-ten fades at −20 dB instead of −6 dB."
    )
    if args.sweep:
        sweep(console, args.runs)
    console.print(f"Defaults: {FilterSettings()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
