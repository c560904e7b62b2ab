"""`run_demo`: the whole simulated store on this machine, from an empty state folder to a final report.

In order: the broker; the world, built starting now; the phones' push service; the hub's database seeded; the
kiosk's virtual devices and every config file; `corsia hub`, once it serves; `corsia kiosk` (optional); one
virtual BlueZ and one `corsia gateway` per gateway, scanning; then the world plays and the tills publish their
receipts, while a live table shows what MQTT and the phones see. Stopping (the `stop` event, the duration, or
the world's end) goes in order: POS, world, gateways, kiosk, hub, broker. Nothing here installs signal
handlers or exits: `firmware_sim.demo_cli` does.

Concurrency in the demo's own process, plain threads on purpose (the parts it drives are threaded libraries):
the main thread starts and stops everything and draws the live view once a second; the world's driver, the
tills and each virtual BlueZ (its own event loop) have a thread each; the push service serves in threads of
its own; paho's network threads run the MQTT handlers, which only count. The figures are read under each
part's lock. Everything else is a process of its own.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import sys
import threading
import time
import webbrowser
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from rich.console import Console
from rich.live import Live

from edge.broker import free_port
from edge.config import MqttSection
from edge.mqtt import MqttClient
from edge.protocol import Receipt, Topic
from firmware_sim.demo import procs
from firmware_sim.demo.catalog import DemoCatalog
from firmware_sim.demo.configs import (
    KIOSK_ID,
    MARKER,
    MQTT_USER,
    STORE,
    Ports,
    StatePaths,
    Tokens,
    prepare_state,
    write_configs,
)
from firmware_sim.demo.floor import ShopFloor
from firmware_sim.demo.kiosk_devices import KioskDevices
from firmware_sim.demo.pos import Cardholder, Pos, plan_receipts
from firmware_sim.demo.processes import ChildProcess
from firmware_sim.demo.seeding import HubFiles, Seeded, display_name, seed_hub
from firmware_sim.demo.services import Broker, KioskStart, start_hub, start_kiosk
from firmware_sim.demo.summary import Figures, Report, final_lines, line, table
from firmware_sim.demo.watch import StoreWatch
from firmware_sim.demo.world import build_world
from firmware_sim.devices.push_service import PushService
from firmware_sim.world import Scenario

PLAIN_EVERY_S: Final = 10.0
"""How often the summary line is printed when the output is not a terminal."""
RECORD_EVERY_S: Final = 10.0
"""How often the children's names are written for a next start after a kill (`procs.record`)."""


@dataclass(frozen=True, slots=True)
class DemoOptions:
    """What `corsia demo` was asked for (docs/demo.md)."""

    shoppers: int = 60
    duration_s: float | None = None
    """Seconds the store stays open once everything runs; None: until `stop` (or the end of the shop day)."""
    seed: int = 1
    state: Path = Path("var/demo")
    browser: bool = True
    log_level: str = "info"
    embedded_broker: bool = False
    """Use the embedded amqtt broker even when Mosquitto is installed."""


def mqtt_settings(port: int) -> MqttSection:
    return MqttSection(host="127.0.0.1", port=port, username=MQTT_USER, reconnect_min_s=0.5, reconnect_max_s=5.0)


def has_display() -> bool:
    """Whether a browser can open a window here. Without one, `webbrowser` would start a text browser (lynx,
    w3m) in this very terminal, over the live summary: the demo then just prints the address."""
    if sys.platform in ("darwin", "win32") or os.environ.get("BROWSER"):  # BROWSER: the user chose one
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def urls_lines(
    paths: StatePaths, ports: Ports, tokens: Tokens, kiosk: KioskStart, seeded: Seeded | None = None
) -> list[str]:
    """Where to look: the dashboard, the kiosk, the wallet app, the API, the IT monitor, the logs."""
    hub = f"http://127.0.0.1:{ports.hub}"
    wallet = f"{hub}/app/ (what the kiosk's phone QR opens)"
    if seeded is not None and seeded.showcase is not None and seeded.showcase_token is not None:
        who = display_name(seeded.showcase.profile)
        wallet = f"{hub}/app/enroll#{seeded.showcase_token} ({who}'s phone: card, points, messages live)"
    monitor = f"CORSIA_MQTT_PORT={ports.mqtt} CORSIA_MQTT_USERNAME={MQTT_USER} corsia monitor"
    kiosk_line = f"http://127.0.0.1:{ports.kiosk}/" if kiosk.process is not None else f"not running: {kiosk.problem}"
    return [
        f"  store dashboard  {hub}/dashboard?token={tokens.admin}",
        f"  phones           {hub}/dashboard/phones (what each shopper's phone received)",
        f"  kiosk            {kiosk_line}",
        f"  wallet app       {wallet}",
        f"  hub API          {hub}/api/v1 (bearer token in {paths.admin_token}); metrics {hub}/metrics",
        f"  IT monitor       {monitor}",
        f"  logs             {paths.root}/*.log and {paths.gateways}/<gateway>/gateway.log",
    ]


def run_demo(options: DemoOptions, stop: threading.Event, console: Console | None = None) -> Report:
    """Run the demo until `stop` is set, the duration has passed or the world ends; the final report (also
    printed).

    A `CorsiaError` (`DemoError` naming the part) when a part the demo cannot do without fails to start; the
    parts already running are stopped first.
    """
    return _Demo(options, stop, console or Console()).run()


@dataclass(slots=True)
class _Store:
    """What the live view and the report read, from the moment the world is seeded."""

    scenario: Scenario
    catalog: DemoCatalog
    seeded: Seeded
    push: PushService
    watch: StoreWatch
    kiosk: KioskStart = field(default_factory=lambda: KioskStart(None, "not started"))
    pos: Pos | None = None
    opened: float = 0.0
    """`time.monotonic()` when the store opened (0: not yet)."""

    def figures(self) -> Figures:
        deliveries = self.push.deliveries()
        triggers = Counter(str(d.payload.get("trigger", "other")) for d in deliveries)
        sent = self.pos.sent if self.pos is not None else []
        view = self.watch.snapshot()
        process = self.kiosk.process
        if process is None:
            kiosk = f"not running: {self.kiosk.problem}"
        elif not process.running:
            kiosk = f"stopped (exit code {process.returncode})"
        else:
            kiosk = "online" if KIOSK_ID in view.kiosks_online else "offline"
        return Figures(
            elapsed_s=time.monotonic() - self.opened if self.opened else 0.0,
            view=view,
            notifications=len(deliveries),
            notifications_by_trigger=dict(triggers),
            receipts=len(sent),
            member_receipts=sum(1 for r in sent if r.member),
            gateways=len(self.scenario.layout.gateways),
            kiosk=kiosk,
        )


class _Demo:
    """One run: its parts in the order they start, stopped in reverse by one `ExitStack`."""

    def __init__(self, options: DemoOptions, stop: threading.Event, out: Console) -> None:
        self.options = options
        self.stop = stop
        self.out = out
        self._stop_left_over(options.state.resolve())
        self.paths = prepare_state(options.state)
        self.ports = Ports(mqtt=free_port(), hub=free_port(), kiosk=free_port())
        self.tokens = Tokens.new()
        self.broker = Broker(self.paths, self.ports.mqtt, embedded=True if options.embedded_broker else None)
        self.store: _Store | None = None
        self.floor: ShopFloor | None = None
        self.last: Figures | None = None
        self.cpu: dict[str, float] = {}
        self.processes: dict[str, int] = {}
        self.memory: dict[str, float] = {}
        self.began = time.monotonic()
        self.startup_s = 0.0
        self.problems: list[str] = []
        self.warnings: list[str] = []
        self.peak_in_store = 0
        self.peak_online = 0
        self._next_record = 0.0

    def say(self, text: str) -> None:
        self.out.print(text, markup=False, highlight=False, soft_wrap=True)

    def run(self) -> Report:
        with _logging_to(self.paths.log("demo")), contextlib.ExitStack() as stack:
            store, hub = self._start(stack)
            if not self.stop.is_set():
                floor = self.floor = ShopFloor(
                    store.scenario, self.paths.gateways, self.paths.gateway_toml, self.options.log_level
                )
                stack.callback(floor.stop_gateways)
                self.say(f"gateways: starting {len(floor.gateways)}, each scanning its own virtual BlueZ...")
                floor.start(self.stop)
            if self.floor is not None and not self.stop.is_set():
                self._open(stack, store, self.floor)
                self._loop(store, self.floor, hub)
        report = self.report(store)
        for text in final_lines(report):
            self.say(text)
        return report

    def _start(self, stack: contextlib.ExitStack) -> tuple[_Store, ChildProcess]:
        """The broker, the world, the seeded database, the devices and configs, the hub and the kiosk; each
        part's stop is registered as soon as it runs."""
        options, paths, ports = self.options, self.paths, self.ports
        self.broker.start()
        stack.callback(self.broker.stop)
        self.say(f"broker: {self.broker.kind} on 127.0.0.1:{ports.mqtt}")
        scenario = build_world(options.seed, options.shoppers, options.duration_s, time_now())
        catalog = DemoCatalog.load()
        push = stack.enter_context(PushService())
        files = HubFiles(paths.hub_db, paths.secret_key, paths.vapid_key)
        seeded = seed_hub(files, scenario, catalog, push.subscribe, store=STORE)
        self.say(
            f"world: {len(scenario.shoppers)} shoppers (seed {options.seed}), {len(seeded.members)} members with the "
            f"app, {seeded.orders} pickup orders ready, {seeded.past_receipts} past receipts, "
            f"{seeded.products} products, {seeded.campaigns} campaigns"
        )
        devices = KioskDevices.make(paths.devices, seeded.members[0].member_number if seeded.members else None)
        stack.callback(devices.close)
        write_configs(paths, ports, self.tokens, card_reader=devices.reader.port, camera=str(devices.camera),
                      log_level=options.log_level, phones_url=push.url + "/phones")  # fmt: skip
        watch = StoreWatch(mqtt_settings(ports.mqtt), STORE)
        watch.start()
        stack.callback(watch.stop)
        store = self.store = _Store(scenario, catalog, seeded, push, watch)
        stack.callback(self._keep_last)  # runs after the hub stopped: its last pushes are in
        hub = start_hub(paths, ports.hub, options.log_level)
        stack.callback(hub.stop)
        self.say(f"hub: serving on http://127.0.0.1:{ports.hub} (pid {hub.pid})")
        kiosk = store.kiosk = start_kiosk(paths, ports.kiosk, options.log_level)
        if kiosk.process is not None:
            stack.callback(kiosk.process.stop)
            self.say(f"kiosk: serving on http://127.0.0.1:{ports.kiosk} (pid {kiosk.process.pid})")
        else:
            self.say(f"kiosk: did not start, going on without it: {kiosk.problem}")
            self.warnings.append(f"the kiosk did not start: {kiosk.problem}")
        return store, hub

    def _open(self, stack: contextlib.ExitStack, store: _Store, floor: ShopFloor) -> None:
        """The tills ready, the world playing, the addresses printed."""
        till = MqttClient(mqtt_settings(self.ports.mqtt), store=STORE, client_id="corsia-demo-pos", source="pos")
        till.start()
        stack.callback(till.stop)

        def publish(receipt: Receipt, till_id: str) -> None:
            till.publish(Topic.RECEIPT, receipt, device=till_id, timeout=5.0)

        holders = {m.shopper_id: Cardholder(m.member_number, m.profile.card) for m in store.seeded.members}
        pos = store.pos = Pos(plan_receipts(store.scenario, store.catalog, holders), publish)
        clock = floor.play()
        stack.callback(floor.stop_world)
        closing = threading.Event()
        stack.callback(pos.join)
        stack.callback(closing.set)
        pos.start(clock, closing)
        store.opened = time.monotonic()
        self.startup_s = store.opened - self.began
        self.say("the store is open:")
        for text in urls_lines(self.paths, self.ports, self.tokens, store.kiosk, store.seeded):
            self.say(text)
        if self.options.browser:
            if has_display():
                with contextlib.suppress(webbrowser.Error):
                    webbrowser.open(f"http://127.0.0.1:{self.ports.hub}/dashboard?token={self.tokens.admin}")
            else:
                self.say("  (no display here: open the dashboard's address in a browser)")
        duration = self.options.duration_s
        self.say("Ctrl-C stops everything." if duration is None else f"Closing in {duration:g} s (Ctrl-C: now).")

    def _stop_left_over(self, state: Path) -> None:
        """Stop what an earlier demo in `state` left running: killed before it could stop its children, which run
        in sessions of their own, it leaves them holding the folder about to be wiped (`procs.record`)."""
        if not (state / MARKER).exists():
            return  # not a demo's folder: `prepare_state` will say so
        stale = procs.left_over(state / procs.RECORD)
        if stale:
            roles = ", ".join(f"{role} {n}" for role, n in procs.counts_by_role(stale).items())
            self.say(f"stopping {len(stale)} processes an earlier demo left running in {state} ({roles})")
            procs.stop(stale)

    def _record(self) -> None:
        """Name the children now running in the state folder, for a next start after a kill (`procs.record`)."""
        self._next_record = time.monotonic() + RECORD_EVERY_S
        children = [p for p in procs.descendants(os.getpid()) if p.role != "other"]
        with contextlib.suppress(OSError):  # a record is a courtesy to the next start, never a reason to stop
            procs.record(self.paths.root / procs.RECORD, children)

    def _loop(self, store: _Store, floor: ShopFloor, hub: ChildProcess) -> None:
        """The live view until the store closes; the CPU each role used meanwhile."""
        before = procs.snapshot()
        self._record()
        with _live(self.out) as show:
            while not self.stop.wait(1.0):
                if time.monotonic() >= self._next_record:
                    self._record()
                figures = store.figures()
                self.peak_in_store = max(self.peak_in_store, figures.view.in_store)
                self.peak_online = max(self.peak_online, len(figures.view.gateways_online))
                show(figures)
                if self.options.duration_s is not None and figures.elapsed_s >= self.options.duration_s:
                    break
                if floor.finished:
                    self.say("the shop day is over: closing")
                    break
                if not hub.running:
                    self.problems.append(f"the hub exited with code {hub.returncode}; see {hub.log}")
                    break
        after = procs.snapshot()
        self.cpu = procs.cpu_by_role(before, after, time.monotonic() - store.opened)
        self.processes = procs.counts_by_role(after.values())
        self.memory = procs.memory_by_role(after.values())

    def _keep_last(self) -> None:
        if self.store is not None:
            self.last = self.store.figures()

    def report(self, store: _Store) -> Report:
        floor = self.floor
        stats = floor.stats() if floor is not None else None
        return Report(
            figures=self.last if self.last is not None else store.figures(),
            members=len(store.seeded.members),
            shoppers=len(store.scenario.shoppers),
            cpu_cores=self.cpu,
            processes=self.processes,
            memory_mb=self.memory,
            startup_s=self.startup_s,
            # Only the demo's own kinds: a browser the dashboard was opened in is the user's, and may stay.
            left_running=sum(1 for p in procs.descendants(os.getpid()) if p.role != "other"),
            gateway_exit_codes=floor.exit_codes if floor is not None else {},
            adverts=stats.total if stats is not None else 0,
            lateness_max_ms=stats.late_max_s * 1000 if stats is not None else 0.0,
            broker=self.broker.kind,
            problems=tuple(self.problems),
            warnings=tuple(self.warnings),
            peak_in_store=self.peak_in_store,
            peak_gateways_online=self.peak_online,
        )


def time_now() -> float:
    """The world's start: this second (whole, so the world's times are exact floats, as the built-ins')."""
    return float(math.floor(time.time()))


@contextlib.contextmanager
def _logging_to(path: Path) -> Iterator[None]:
    """The demo process's own log goes to `path` while it runs: the terminal keeps the live view. The root
    logger's handlers are put back afterwards."""
    root = logging.getLogger()
    saved = root.handlers[:]
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.handlers = [handler]
    try:
        yield
    finally:
        root.handlers = saved
        handler.close()


@contextlib.contextmanager
def _live(out: Console) -> Iterator[Callable[[Figures], None]]:
    """A live table on a terminal; elsewhere a line every `PLAIN_EVERY_S`."""
    if out.is_terminal:
        with Live(console=out, refresh_per_second=2, transient=False) as live:
            yield lambda figures: live.update(table(figures))
        return
    last = [-PLAIN_EVERY_S]

    def show(figures: Figures) -> None:
        if figures.elapsed_s - last[0] >= PLAIN_EVERY_S:
            last[0] = figures.elapsed_s
            out.print(line(figures), markup=False, highlight=False, soft_wrap=True)

    yield show
