"""How far the ESPresense-companion harness's boundary transit can go: how exact a position must be, how exact one
second's readings can make it, and where the hub's decisions go wrong.

    .venv/bin/python bench/presence_boundary.py [--seeds 1,2,3] [--set KEY=VALUE ...]

Three tables (results: docs/accuracy.md, "How far the boundary transit can go"):

1. **Geometry.** For each track, the wrong-room share of a decider whose position is unbiased with a Gaussian
   error σ across the room line, sample by sample at the harness's own sample positions: P(wrong) = Φ(−|x − 4| / σ).
   It needs no simulation, and gives the σ each target asks for.
2. **One second of readings.** The Cramér–Rao bound on the position across the line from one reading per station
   of the harness's channel (log-distance, n = 3, σ 2.5 dB; the transmit power unknown, as at the hub), with the
   Gaussian noise alone and with the multipath bursts' variance added; and how many independent seconds of
   readings, averaged while the walker stands still, reach the σ of the target.
3. **The hub's decisions.** Each track through the production pipeline (`corsia eval`), with the hub's defaults
   and with its propagation model set to the harness's channel (the ``[hub.presence]`` keys
   ``path_loss_exponent = 3``, ``gateway_height_m = 0``, ``body_loss_db = 0``, ``shelf_loss_db = 0``): the
   wrong-zone share, split into "early" (the next room decided before the walker crossed the line) and "late".
   ``--set`` changes the hub's other settings for both rows (its propagation keys are the rows' own).
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Sequence
from dataclasses import replace
from statistics import NormalDist, fmean
from typing import Final

import numpy as np
from rich.console import Console
from rich.table import Table

from edge.presence import PresenceSettings, RadioModel
from firmware_sim.eval.harness import EvalSettings, run
from firmware_sim.eval.overrides import add_set_option, presence_or_exit
from firmware_sim.world import build_scenario
from firmware_sim.world.espresense import (
    ABSORPTION,
    GAUSSIAN_STD_DB,
    MULTIPATH_ATTENUATION_DB,
    MULTIPATH_PROBABILITY,
    ROOMS,
    STATIONS,
    TRACKS,
)

LINE_X: Final = ROOMS[0][3]  # living room's right edge: the line both tracks cross
SIGMAS_M: Final = (0.1, 0.15, 0.2, 0.3, 0.4, 0.6)
TARGETS: Final = {"espresense-walk": 0.03, "espresense-boundary": 0.10}


def wrong_share(points: Sequence[tuple[float, float]], sigma_m: float) -> float:
    """Expected share of samples in the wrong room with an unbiased Gaussian error `sigma_m` across the line."""
    return fmean(NormalDist(LINE_X, sigma_m).cdf(LINE_X - abs(x - LINE_X)) for x, _y in points)


def sigma_for(points: Sequence[tuple[float, float]], share: float) -> float:
    """The largest σ whose expected wrong-room share is at most `share` (bisection: the share grows with σ)."""
    low, high = 1e-3, 5.0
    for _ in range(60):
        mid = (low + high) / 2
        low, high = (mid, high) if wrong_share(points, mid) <= share else (low, mid)
    return low


def crb_x(x: float, y: float, variance_db2: float) -> float:
    """Cramér–Rao bound (m) on x from one reading per station, the transmit power a nuisance parameter."""
    stations = np.array([(sx, sy) for _id, sx, sy, _z in STATIONS])
    d = np.array([x, y]) - stations
    gradient = -10.0 * ABSORPTION / math.log(10.0) * d / (d * d).sum(axis=1)[:, None]
    m = len(stations)
    centred = np.eye(m) - np.ones((m, m)) / m  # project out the unknown transmit power
    fisher = gradient.T @ centred @ gradient / variance_db2
    return float(math.sqrt(np.linalg.inv(fisher)[0, 0]))


HARNESS_MODEL: Final = RadioModel(
    path_loss_exponent=ABSORPTION, gateway_height_m=0.0, body_loss_db=0.0, shelf_loss_db=0.0
)  # the harness's channel in the hub's terms: 2-D distances, no shelving or body
MODELS: Final = {"defaults": RadioModel(), "the harness's channel": HARNESS_MODEL}


def decisions(name: str, seed: int, model: RadioModel, base: PresenceSettings) -> tuple[float, float, float]:
    """Wrong-zone share of the hub with settings `base` and propagation `model` on track `name` (`corsia eval`'s
    figure), and its early and late parts."""
    settings = EvalSettings(presence=replace(base, radio=model))
    result = run(build_scenario(name, seed), settings, name=name, seed=seed)
    scores = result.scores
    early = 0  # wrong samples before the walker crossed the line; the rest of `scores.wrong` came after
    for device, truth in result.truth.items():
        timeline = result.decided[device]
        crossed = next((t for t, _x, _y, zone in truth if zone == ROOMS[1][0]), math.inf)
        for t, _x, _y, zone in truth:
            if t < crossed and zone is not None and (decided := timeline.at(t)) is not None and decided != zone:
                early += 1
    return scores.wrong_share, early / scores.samples, (scores.wrong - early) / scores.samples


def _table(title: str, columns: Sequence[str]) -> Table:
    table = Table(title=title)
    for i, column in enumerate(columns):
        table.add_column(column, justify="left" if i == 0 else "right")
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="1,2,3", help="comma-separated seeds for table 3 (default: %(default)s)")
    add_set_option(parser)
    args = parser.parse_args()
    base = presence_or_exit(parser, args)
    seeds = [int(s) for s in args.seeds.split(",")]
    console = Console()

    geometry = _table("1. wrong room with an unbiased position error σ across the line",
                      ["track (samples)", *(f"σ {s:g} m" for s in SIGMAS_M), "σ for target"])  # fmt: skip
    for name, target in TARGETS.items():
        points = TRACKS[name].expand()
        cells = [f"{wrong_share(points, s):.1%}" for s in SIGMAS_M]
        goal = f"{sigma_for(points, target):.2f} m (≤ {target:.0%})"
        geometry.add_row(f"{name.removeprefix('espresense-')} ({len(points)})", *cells, goal)
    console.print(geometry)

    multipath = GAUSSIAN_STD_DB**2 + MULTIPATH_PROBABILITY * (1 - MULTIPATH_PROBABILITY) * MULTIPATH_ATTENUATION_DB**2
    bound = _table("2. one second of readings: Cramér–Rao bound on x where each track crosses the line",
                   ["track, where", "σ 2.5 dB", "with multipath", "seconds for target"])  # fmt: skip
    for name, target in TARGETS.items():
        points = TRACKS[name].expand()
        x, y = min(points, key=lambda p: abs(p[0] - LINE_X))
        needed = sigma_for(points, target)
        clean, noisy = crb_x(x, y, GAUSSIAN_STD_DB**2), crb_x(x, y, multipath)
        bound.add_row(f"{name.removeprefix('espresense-')} at ({x:.1f}, {y:.1f})", f"{clean:.2f} m", f"{noisy:.2f} m",
                      f"{(clean / needed) ** 2:.1f} / {(noisy / needed) ** 2:.1f} s")  # fmt: skip
    console.print(bound)

    hub = _table("3. the hub's decisions: wrong zone, and when",
                 ["track", "hub's model", "seeds", "wrong zone (mean)", "early", "late"])  # fmt: skip
    for name in TARGETS:
        for label, model in MODELS.items():
            shares = [decisions(name, seed, model, base) for seed in seeds]
            wrong, early, late = ([s[i] for s in shares] for i in range(3))
            hub.add_row(name.removeprefix("espresense-"), label, ",".join(map(str, seeds)),
                        f"{' '.join(f'{w:.1%}' for w in wrong)} ({fmean(wrong):.1%})",
                        f"{fmean(early):.1%}", f"{fmean(late):.1%}")  # fmt: skip
    console.print(hub)


if __name__ == "__main__":
    main()
