"""One `corsia sim` run as a library call: buses up, gateways up (optionally), play, gateways down, buses down.

`play(plan, stop, say=print)` does it all and returns a `SimResult`; `summary_lines(result)` is what the CLI
prints at the end. Nothing here installs signal handlers or exits: the CLI sets `stop` on Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import contextlib
import math
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from firmware_sim.bluez import BluezError, Counters, VirtualBluez
from firmware_sim.realtime.driver import DriverStats, RealtimeDriver, SimClock, SimError
from firmware_sim.realtime.fleet import GatewayFleet
from firmware_sim.world import Scenario, replay

DEFAULT_SPAWN_WAIT_S = 30.0
IDLE_TIMEOUT_S = 5.0


@dataclass(frozen=True, slots=True)
class SimPlan:
    """What to play and how. `scenario` also gives the start time and tags of a `recording` when both are set."""

    scenario: Scenario | None
    recording: Path | None
    gateways: tuple[str, ...]
    speed: float = 1.0
    start_offset_s: float = 0.0
    duration_s: float | None = None
    spawn: bool = False
    config: Path | None = None
    state_dir: Path = Path("var/sim")
    wait_s: float = 0.0
    adapter: str = "hci0"
    log_level: str = "info"
    base_env: Mapping[str, str] | None = None

    @property
    def name(self) -> str:
        if self.recording is not None:
            return str(self.recording)
        assert self.scenario is not None
        return f"{self.scenario.name} (seed {self.scenario.seed})"

    @property
    def ibeacon_uuids(self) -> list[str] | None:
        """The scenario's tag UUIDs for the gateways' allow-list (None: keep the template's)."""
        if self.scenario is None or not self.scenario.tags:
            return None
        return self.scenario.tag_uuids


@dataclass(slots=True)
class SimResult:
    stats: DriverStats
    addresses: dict[str, str]
    counters: dict[str, Counters] = field(default_factory=dict)
    exit_codes: dict[str, int] = field(default_factory=dict)
    clock: SimClock | None = None


def recorded_gateways(path: Path) -> list[str]:
    """The gateway ids a recording has adverts for, sorted (one pass over the file)."""
    return sorted({gw for _t, gw, _advert in replay(path)})


def plan_gateways(known: list[str], wanted: str | None) -> tuple[str, ...]:
    """`--gateways gw-01,gw-02` checked against `known` (in `known`'s order); all of them when None."""
    if wanted is None:
        return tuple(known)
    picked = {w.strip() for w in wanted.split(",") if w.strip()}
    if not picked:
        raise SimError("--gateways needs at least one gateway id")
    unknown = sorted(picked - set(known))
    if unknown:
        raise SimError(f"unknown gateway(s) {', '.join(unknown)}; known: {', '.join(known)}")
    return tuple(g for g in known if g in picked)


def wait_for_scanners(buses: Mapping[str, VirtualBluez], timeout_s: float, stop: threading.Event) -> list[str]:
    """Wait up to `timeout_s` for a scanner on every bus; the gateways still without one."""
    deadline = time.monotonic() + timeout_s
    while True:
        waiting = [gw for gw, bus in buses.items() if not (bus.discovering or bus.monitors > 0)]
        if not waiting or time.monotonic() >= deadline or stop.is_set():
            return waiting
        stop.wait(0.05)


def play(plan: SimPlan, stop: threading.Event, *, say: Callable[[str], object] = print) -> SimResult:
    """Run `plan` until it ends or `stop` is set; `say` gets the progress lines. See the module docstring."""
    source: Scenario | Path
    if plan.recording is not None:
        source = plan.recording
    elif plan.scenario is not None:
        source = plan.scenario
    else:
        raise SimError("nothing to play: give a scenario or a recording")
    start_t = plan.scenario.start_t if plan.scenario is not None else None
    with contextlib.ExitStack() as stack:
        buses: dict[str, VirtualBluez] = {}
        for gw in plan.gateways:
            buses[gw] = stack.enter_context(VirtualBluez(adapter=plan.adapter))
        addresses = {gw: bus.address for gw, bus in buses.items()}
        say(f"virtual BlueZ ({plan.adapter}) per gateway; point each gateway's scanner at its bus:")
        for gw, address in addresses.items():
            say(f"  {gw}  DBUS_SYSTEM_BUS_ADDRESS={address}")
        fleet: GatewayFleet | None = None
        if plan.spawn:
            fleet = GatewayFleet(
                buses,
                plan.state_dir,
                config=plan.config,
                ibeacon_uuids=plan.ibeacon_uuids,
                base_env=plan.base_env,
                log_level=plan.log_level,
            )
            fleet.check()
            stack.callback(fleet.stop)  # also on an error below; stop() is idempotent
            fleet.start()
            say(f"started {len(buses)} gateway process(es); logs in {plan.state_dir}/<gateway>/gateway.log")
            fleet.wait_scanning(plan.wait_s or DEFAULT_SPAWN_WAIT_S, stop)
        elif plan.wait_s > 0:
            say(f"waiting up to {plan.wait_s:g} s for a scanner on every bus...")
            missing = wait_for_scanners(buses, plan.wait_s, stop)
            if missing:
                say(f"no scanner yet on {', '.join(missing)}: playing anyway (their adverts are dropped)")
        driver = RealtimeDriver(
            source,
            buses,
            speed=plan.speed,
            start_offset_s=plan.start_offset_s,
            duration_s=plan.duration_s,
            start_t=start_t,
        )
        result = SimResult(stats=driver.stats(), addresses=addresses)
        if not stop.is_set():
            what = "all of it" if plan.duration_s is None else f"{plan.duration_s:g} s"
            say(f"playing {plan.name} from +{plan.start_offset_s:g} s, {what}, at speed {plan.speed:g}")
            result.stats = driver.run(
                stop,
                on_start=lambda clock: say(f"clock: {clock.describe()}"),
                on_progress=lambda s: say(progress_line(s)),
                progress_every_s=30.0,
            )
            result.clock = driver.clock
            deadline = time.monotonic() + IDLE_TIMEOUT_S
            for bus in buses.values():  # let what was queued reach the scanners before they stop
                with contextlib.suppress(BluezError):
                    bus.wait_idle(max(0.1, deadline - time.monotonic()))
        result.counters = {gw: bus.counters() for gw, bus in buses.items()}
        if fleet is not None:
            result.exit_codes = fleet.stop()
        return result


def _ms(seconds: float) -> str:
    return "∞" if math.isinf(seconds) else f"{seconds * 1000:.1f} ms"


def progress_line(stats: DriverStats) -> str:
    return (
        f"+{stats.elapsed_s:.0f} s: {stats.total:,} adverts sent, scenario +{stats.played_s:.0f} s, "
        f"lateness max {_ms(stats.late_max_s)}, mean {_ms(stats.late_mean_s)}"
    )


def summary_lines(result: SimResult) -> list[str]:
    """The end-of-run table: per gateway the adverts sent, emitted on D-Bus and dropped; lateness; exit codes."""
    stats = result.stats
    lines = [f"{'gateway':<12}{'sent':>10}{'emitted':>10}{'dropped':>10}  why dropped"]
    for gw, sent in stats.sent.items():
        counters = result.counters.get(gw)
        emitted = counters.emitted if counters else 0
        dropped = counters.dropped if counters else 0
        why = ", ".join(f"{k} {v}" for k, v in sorted(counters.dropped_by.items())) if counters else ""
        lines.append(f"{gw:<12}{sent:>10}{emitted:>10}{dropped:>10}  {why}".rstrip())
    lines.append(f"{'total':<12}{stats.total:>10}")
    ended = "to the end" if stats.finished else "stopped early"
    lines.append(
        f"played {stats.played_s:.1f} s of scenario time in {stats.elapsed_s:.1f} s ({ended}); "
        f"{stats.skipped:,} adverts of other gateways skipped"
    )
    lines.append(
        f"lateness: max {_ms(stats.late_max_s)}, mean {_ms(stats.late_mean_s)}, 99 % within {_ms(stats.late_p99_s)}"
    )
    if result.exit_codes:
        codes = ", ".join(f"{gw} {code}" for gw, code in result.exit_codes.items())
        lines.append(f"gateway exit codes: {codes}")
    return lines
