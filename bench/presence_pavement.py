"""Can the hub tell a member on the pavement from a shopper just inside the shop window? Three measurements.

    .venv/bin/python bench/presence_pavement.py [--seeds 1] [--aisle-y 8] [--scenario store-small]

Members walking past the window are heard by the gateways inside, and a few are taken for visits (the busy hour's
false visits; more when the aisle gateways hang nearer the front: docs/accuracy.md). A "shop-front model" would
give the hub's grid points on the pavement, behind the front's wall loss, so that such a device is placed outside.
Whether the readings can tell:

1. **Geometry.** For points on the pavement (1–4 m out, along the front and past both ends), the readings the
   hub's propagation model predicts there (`edge.presence.model.predicted_rssi`, with the simulator's 6 dB front
   wall) against the best grid point inside, with the transmit power free as the hub fits it: the residual's RMS,
   and how much lower the fitted transmit power comes out (the wall shows only there: it costs every gateway the
   same).
2. **At each visit's start**, in the busy hour (the hub's defaults): the transmit power fitted from the device's
   fresh readings (every gateway heard in the last `stale_s`, calibrated) at the best grid point and facing inside,
   grouped by where the device really was: inside; on the pavement and coming in within 15 s (an early entry);
   on the pavement after walking out; on the pavement, passing by (a false visit). For reference, the same fit
   for the shoppers in the store, every 30 s.
3. **With each phone's own power known**: the same fit at the start and every 0.5 s for 8 s after it, minus the
   device's real power (the simulator's truth: the best that a power learned over a member's earlier visits could
   know), by the same groups. Then a gate on it, as the hub would apply it: a visit confirmed only once the fitted
   power comes within G dB of the device's usual power in the store; how many passers-by it keeps out, and what it
   costs the shoppers coming in (those not confirmed within 8 s, and the entry latency).

``--aisle-y`` moves the aisle gateways (0: as built, y 12). About 30 s per seed on one core; ``--scenario
store-small`` is a quick check that the script works, not a measurement. Results: docs/accuracy.md.
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from dataclasses import dataclass, field, replace
from typing import Final

import numpy as np
import numpy.typing as npt
from rich.console import Console
from rich.table import Table

from edge.presence import JourneyEvent, PresenceEngine, PresenceSettings
from edge.presence.model import MIN_GATEWAYS, ZoneModel, predicted_rssi
from edge.store import StoreLayout
from firmware_sim.eval.harness import EvalResult, EvalSettings, run
from firmware_sim.eval.metrics import EARLY_S, in_store_stays, may_enter
from firmware_sim.eval.placement import at_y, placed
from firmware_sim.world import Scenario, build_scenario
from firmware_sim.world.radio import RadioParams

SCENARIOS: Final = ("store-busy", "store-small")
PHONE_TX_DBM: Final = -59.0
"""A typical phone's power at 1 m, to tell which gateways would hear a pavement point at all."""
HEARD_DBM: Final = -95.0
WALKED_OUT_S: Final = 180.0
"""A visit that starts this long or less after its device stepped out is one resumed on the pavement."""
SAMPLE_S: Final = 30.0
REFERENCE: Final = "in the store, every 30 s of a visit (for reference)"
GROUPS: Final = ("inside", "on the pavement, coming in", "on the pavement, walked out", "on the pavement, passing by")
FOLLOW_S: Final = 8.0
"""How long after a visit's start part 3 follows the device's readings."""
FOLLOW_STEP_S: Final = 0.5
SHORTFALL_AT_S: Final = (0.0, 1.0, 2.0, 4.0)
GATES_DB: Final = (2.0, 3.0, 4.0, 5.0)


def _aisle_gateways_at(layout: StoreLayout, y: float) -> StoreLayout:
    """`layout` with its aisle gateways at `y`; as built for 0."""
    return layout if y <= 0 else placed(layout, at_y(y)[1])


def geometry(layout: StoreLayout, settings: PresenceSettings) -> Table:
    """Part 1: each pavement row's best in-store fit (see the module docstring)."""
    radio = replace(settings.radio, grid_m=settings.hmm_grid_m)
    model = ZoneModel(layout, radio, [z.id for z in layout.zones])
    inside = predicted_rssi(layout, radio, model.points_x, model.points_y)
    wall = RadioParams().wall_loss_db
    table = Table(title="Pavement points against the best point inside, transmit power free (the hub's model)")
    for column in ("out from the front", "points", "residual RMS p50 / max", "fitted power lower by p50 (range)"):
        table.add_column(column, justify="right")
    xs = np.arange(-4.0, layout.width + 4.01, 1.0)
    for out in (1.0, 2.0, 3.0, 4.0):
        pavement = predicted_rssi(layout, radio, xs, np.full_like(xs, -out)) - wall
        rms, shift = [], []
        for row in pavement:
            heard = row + PHONE_TX_DBM >= HEARD_DBM
            power, residual = _best_fit(row[heard], inside[:, heard])
            rms.append(residual)
            shift.append(-power)
        table.add_row(
            f"{out:.0f} m", str(len(xs)), f"{np.median(rms):.1f} / {max(rms):.1f} dB",
            f"{np.median(shift):.1f} dB ({min(shift):.1f}–{max(shift):.1f})",
        )  # fmt: skip
    return table


def _best_fit(observed: npt.NDArray[np.float64], expected: npt.NDArray[np.float64]) -> tuple[float, float]:
    """The transmit power, as the hub fits it, at the prediction of `expected` (any leading axes x gateways, for a 0
    dBm-at-1-m transmitter) that best explains `observed` (per gateway), and the residual's RMS there (dB)."""
    residual = observed - expected
    power = residual.mean(axis=-1)
    rms = np.sqrt(((residual - power[..., None]) ** 2).mean(axis=-1))
    best = int(rms.argmin())
    return float(power.flat[best]), float(rms.flat[best])


def _fitted_power(expected: npt.NDArray[np.float64], readings: dict[int, float]) -> float:
    """The transmit power at the grid point and facing that best explain `readings` (gateway index → dBm)."""
    gateways = np.array(sorted(readings))
    return _best_fit(np.array([readings[g] for g in gateways]), expected[:, :, gateways])[0]


def _where(truth: list[tuple[float, float, float, str | None]], t: float) -> str:
    """Where the device really was at `t`: one of `GROUPS`."""
    if truth and min(truth, key=lambda s: abs(s[0] - t))[3] is not None:
        return GROUPS[0]
    if any(zone is not None and t <= ts <= t + EARLY_S for ts, _x, _y, zone in truth):
        return GROUPS[1]
    if any(zone is not None and t - WALKED_OUT_S <= ts < t for ts, _x, _y, zone in truth):
        return GROUPS[2]
    return GROUPS[3]


Snapshot = tuple[str, float, dict[int, float]]
"""A device, the hub's time and its fresh calibrated readings then (gateway index → dBm)."""


@dataclass
class Entry:
    """A visit's start: its device, the hub's time, and the device's fresh readings then and every `FOLLOW_STEP_S`
    for `FOLLOW_S` after (seconds after the start → gateway index → dBm)."""

    device: str
    t: float
    readings: list[tuple[float, dict[int, float]]] = field(default_factory=list)
    due: int = 0


def _snapshots(scenario: Scenario, settings: PresenceSettings) -> tuple[EvalResult, list[Entry], list[Snapshot]]:
    """Run the busy hour; the readings of each device from when its visit started, and every `SAMPLE_S` it was
    heard."""
    layout = scenario.layout
    offsets = PresenceEngine(layout, settings).gateway_offsets()
    index = {g.id: i for i, g in enumerate(layout.gateways)}
    heard: dict[str, dict[int, tuple[float, float]]] = defaultdict(dict)  # device → gateway → (dBm, hub time)
    entries: list[Entry] = []
    following: dict[str, Entry] = {}
    samples: list[Snapshot] = []
    sampled: dict[str, float] = {}

    def fresh(device: str, now: float) -> dict[int, float]:
        return {k: r for k, (r, s) in heard[device].items() if s >= now - settings.stale_s}

    def observe(gateway: str, now: float, items: list[tuple[str, float]], events: list[JourneyEvent]) -> None:
        g = index[gateway]
        for device, rssi in items:
            heard[device][g] = (rssi + offsets[gateway], now)
        entering = {event.device for event in events if event.event == "enter"}
        for device in entering:
            following[device] = Entry(device, now)
            entries.append(following[device])
        for device, _rssi in items:
            entry = following.get(device)
            if entry is not None and now >= entry.t + entry.due * FOLLOW_STEP_S:
                entry.readings.append((now - entry.t, fresh(device, now)))
                entry.due = int((now - entry.t) // FOLLOW_STEP_S) + 1
                if entry.due * FOLLOW_STEP_S > FOLLOW_S:
                    del following[device]
            if device in entering:
                sampled[device] = now
            elif now >= sampled.get(device, -SAMPLE_S) + SAMPLE_S:
                samples.append((device, now, fresh(device, now)))
                sampled[device] = now

    result = run(scenario, EvalSettings(presence=settings), name="pavement", seed=0, on_batch=observe)
    return result, entries, samples


def _stay_entered(stays: list[tuple[float, float]], t: float) -> float | None:
    """The start of the stay whose entry a visit starting at `t` could be (as the scores count it), if any."""
    return next((stay[0] for stay in stays if may_enter(stay, t)), None)


@dataclass
class Followed:
    """Part 3's material for one visit's start: where the device was, the stay it may be the entry of (seed,
    device, the stay's first in-store time; None if none), and its fitted power's shortfall from its real power
    (seconds after the start → dB)."""

    group: str
    stay: tuple[int, str, float] | None
    t: float
    shortfall: dict[float, float]


def in_the_busy_hour(scenario_name: str, seeds: list[int], aisle_y: float) -> list[Table]:
    """Parts 2 and 3, from one run of each seed (see the module docstring)."""
    settings = PresenceSettings()
    powers: dict[str, list[float]] = defaultdict(list)
    usual: list[float] = []  # in the store, every SAMPLE_S: fitted minus real power
    followed: list[Followed] = []
    too_few = 0
    for seed in seeds:
        scenario = build_scenario(scenario_name, seed)
        layout = _aisle_gateways_at(scenario.layout, aisle_y)
        model = ZoneModel(layout, replace(settings.radio, grid_m=settings.hmm_grid_m), [z.id for z in layout.zones])
        real = {d.id: d.tx_1m_dbm for d in scenario.devices}
        result, entries, samples = _snapshots(replace(scenario, layout=layout), settings)
        stays = {
            device: in_store_stays((t, zone) for t, _x, _y, zone in result.truth.get(device, []))
            for device in {entry.device for entry in entries}
        }
        for entry in entries:
            truth = result.truth.get(entry.device, [])
            group = _where(truth, entry.t)
            fresh = entry.readings[0][1]
            if len(fresh) < MIN_GATEWAYS:
                too_few += 1
                continue
            powers[group].append(_fitted_power(model.expected, fresh))
            shortfall = {
                after: _fitted_power(model.expected, readings) - real[entry.device]
                for after, readings in entry.readings
                if len(readings) >= MIN_GATEWAYS
            }
            entered = _stay_entered(stays[entry.device], entry.t)
            stay = None if entered is None else (seed, entry.device, entered)
            followed.append(Followed(group, stay, entry.t, shortfall))
        for device, now, fresh in samples:
            if len(fresh) >= MIN_GATEWAYS and _where(result.truth.get(device, []), now) == GROUPS[0]:
                power = _fitted_power(model.expected, fresh)
                powers[REFERENCE].append(power)
                usual.append(power - real[device])
    seen = ", ".join(map(str, seeds))
    table = Table(
        title=f"Transmit power fitted inside at each visit's start, {scenario_name} seeds {seen} (dBm at 1 m; "
        f"{too_few} heard by fewer than {MIN_GATEWAYS} gateways left out)"
    )
    for column in ("where the device really was", "visits started", "p10", "p50", "p90"):
        table.add_column(column, justify="left" if column.startswith("where") else "right")
    for group in (REFERENCE, *GROUPS):
        values = powers.get(group, [])
        cells = [f"{np.percentile(values, q):.1f}" if values else "—" for q in (10, 50, 90)]
        table.add_row(group, str(len(values)), *cells)
    return [table, *_own_power(followed, usual, seen)]


def _spread(values: list[float]) -> str:
    if not values:
        return "—"
    p10, p50, p90 = np.percentile(values, (10, 50, 90))
    return f"{p50:.1f} ({p10:.1f} / {p90:.1f})"


def _seconds(latency: float) -> str:
    return f"{latency:.1f} s" if np.isfinite(latency) else "unconfirmed"


def _own_power(followed: list[Followed], usual: list[float], seeds: str) -> list[Table]:
    """Part 3's two tables: the shortfall over the first seconds, and the gate on it."""
    typical = float(np.median(usual)) if usual else 0.0
    shortfalls = Table(
        title=f"Fitted power minus the phone's real power after a visit's start, seeds {seeds} (dB, p50 (p10 / p90)); "
        f"in the store, every 30 s: {_spread(usual)}"
    )
    shortfalls.add_column("where the device really was", justify="left")
    shortfalls.add_column("visits", justify="right")
    for after in SHORTFALL_AT_S:
        shortfalls.add_column(f"+{after:.0f} s", justify="right")
    for group in GROUPS:
        mine = [f for f in followed if f.group == group]
        cells = [_spread([f.shortfall[after] for f in mine if after in f.shortfall]) for after in SHORTFALL_AT_S]
        shortfalls.add_row(group, str(len(mine)), *cells)

    gate = Table(
        title=f"A visit confirmed once its fitted power is within G dB of the phone's usual power in the store "
        f"({typical:.1f} dB from its real power), within {FOLLOW_S:.0f} s of its start"
    )
    for column in ("G", "passers-by confirmed", "walked out confirmed", "coming in, not confirmed",
                   "entry p50 / p95 without → with the gate"):  # fmt: skip
        gate.add_column(column, justify="right")
    stays: dict[tuple[int, str, float], list[Followed]] = defaultdict(list)
    for f in followed:
        if f.stay is not None:
            stays[f.stay].append(f)
    for g in GATES_DB:
        confirmed_at = {id(f): next((a for a, v in sorted(f.shortfall.items()) if v >= typical - g), None)
                        for f in followed}  # fmt: skip
        counts = []
        for group in GROUPS[3], GROUPS[2], GROUPS[1]:
            mine = [f for f in followed if f.group == group]
            hits = sum(confirmed_at[id(f)] is not None for f in mine)
            counts.append(f"{len(mine) - hits if group == GROUPS[1] else hits} of {len(mine)}")
        before, after = [], []
        for (_seed, _device, entered), starts in stays.items():
            before.append(max(0.0, min(f.t for f in starts) - entered))
            confirmed = [f.t + at for f in starts if (at := confirmed_at[id(f)]) is not None]
            after.append(max(0.0, min(confirmed) - entered) if confirmed else np.inf)
        latency = "—"
        if before:
            # nearest rank: a shopper never confirmed counts as an infinite latency
            b50, b95 = np.percentile(before, (50, 95), method="nearest")
            a50, a95 = np.percentile(after, (50, 95), method="nearest")
            latency = f"{b50:.1f} / {b95:.1f} s → {_seconds(a50)} / {_seconds(a95)}"
        gate.add_row(f"{g:.0f} dB", *counts, latency)
    return [shortfalls, gate]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="1", help="comma-separated seeds (default: %(default)s)")
    parser.add_argument("--aisle-y", type=float, default=0.0, help="the aisle gateways' y; 0: as built (12)")
    parser.add_argument("--scenario", default="store-busy", choices=SCENARIOS, help="default: %(default)s")
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    console = Console(width=max(140, Console().width))
    layout = _aisle_gateways_at(build_scenario(args.scenario, seeds[0]).layout, args.aisle_y)
    console.print(geometry(layout, PresenceSettings()))
    for table in in_the_busy_hour(args.scenario, seeds, args.aisle_y):
        console.print(table)


if __name__ == "__main__":
    main()
