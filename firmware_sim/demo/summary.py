"""The demo's figures, as a live table in the terminal, a line for logs, and JSON for scripts and tests.

`Figures` is one moment of the run: what MQTT shows (`StoreView`), what the phones got (push deliveries, by the
campaign's trigger), what the tills sent. `Report` adds what is known at the end: CPU per role, processes left
behind, the gateways' exit codes, how the world played.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.table import Table

from firmware_sim.demo.watch import StoreView

TRIGGER_LABELS: dict[str, str] = {
    "store_enter": "wishlist on entry",
    "zone_dwell": "zone promotion",
    "pickup_arrival": "pickup ready",
    "purchase": "thank-you coupon",
}


@dataclass(frozen=True, slots=True)
class Figures:
    elapsed_s: float
    view: StoreView
    notifications: int
    notifications_by_trigger: dict[str, int]
    receipts: int
    member_receipts: int
    gateways: int
    kiosk: str
    """``online``, ``offline``, or ``not running: <why>``."""


@dataclass(frozen=True, slots=True)
class Report:
    figures: Figures
    members: int
    shoppers: int
    cpu_cores: dict[str, float] = field(default_factory=dict)
    """CPU per role while the store was open, as a share of one core."""
    processes: dict[str, int] = field(default_factory=dict)
    """Processes per role while the store was open."""
    memory_mb: dict[str, float] = field(default_factory=dict)
    """Resident memory per role at closing, in MB."""
    startup_s: float = 0.0
    """Seconds from the start of the command to the store's opening."""
    left_running: int = 0
    """Processes of the demo still alive after it stopped them (should be 0)."""
    gateway_exit_codes: dict[str, int] = field(default_factory=dict)
    adverts: int = 0
    lateness_max_ms: float = 0.0
    broker: str = ""
    peak_in_store: int = 0
    """The most shoppers the hub counted in the store at once."""
    peak_gateways_online: int = 0
    problems: tuple[str, ...] = ()
    """What went wrong and closed the store early (the hub exited): the run failed."""
    warnings: tuple[str, ...] = ()
    """What the demo went on without (a kiosk that did not start)."""

    @property
    def ok(self) -> bool:
        """No problem, and every process stopped."""
        return not self.problems and self.left_running == 0

    def to_json(self) -> dict[str, Any]:
        f = self.figures
        return {
            "v": 1,
            "elapsed_s": round(f.elapsed_s, 1),
            "shoppers": self.shoppers,
            "members": self.members,
            "shoppers_in_store": f.view.in_store,
            "peak_in_store": self.peak_in_store,
            "visits": f.view.visits,
            "journey": dict(sorted(f.view.journeys.items())),
            "notifications": f.notifications,
            "notifications_by_trigger": dict(sorted(f.notifications_by_trigger.items())),
            "receipts": f.receipts,
            "member_receipts": f.member_receipts,
            "staff_alerts": f.view.staff_alerts,
            "gateways_online": len(f.view.gateways_online),
            "peak_gateways_online": self.peak_gateways_online,
            "gateways": f.gateways,
            "kiosk": f.kiosk,
            "broker": self.broker,
            "adverts": self.adverts,
            "lateness_max_ms": round(self.lateness_max_ms, 1),
            "cpu_cores": self.cpu_cores,
            "cpu_cores_total": round(sum(self.cpu_cores.values()), 3),
            "processes": self.processes,
            "memory_mb": self.memory_mb,
            "startup_s": round(self.startup_s, 1),
            "left_running": self.left_running,
            "gateway_exit_codes": self.gateway_exit_codes,
            "problems": list(self.problems),
            "warnings": list(self.warnings),
        }

    def write_json(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(self.to_json(), indent=2) + "\n", encoding="utf-8")


def _minutes(seconds: float) -> str:
    return f"{int(seconds // 60)}:{int(seconds % 60):02d}"


def _by_trigger(counts: Mapping[str, int]) -> str:
    parts = [f"{TRIGGER_LABELS.get(t, t)} {n}" for t, n in sorted(counts.items()) if n]
    return ", ".join(parts)


def table(f: Figures, title: str = "Corsia Sport Milano Centro — live") -> Table:
    """The live summary."""
    grid = Table(title=title, show_header=False, title_justify="left", expand=False)
    grid.add_column(style="bold")
    grid.add_column(justify="right")
    grid.add_column(style="dim")
    top = sorted(f.view.zones.items(), key=lambda zn: -zn[1])[:3]
    grid.add_row("open for", _minutes(f.elapsed_s), "")
    grid.add_row("shoppers in store", str(f.view.in_store), ", ".join(f"{z} {n}" for z, n in top if n))
    grid.add_row("visits", str(f.view.visits), f"{f.view.journeys.get('exit', 0)} ended")
    grid.add_row("notifications sent", str(f.notifications), _by_trigger(f.notifications_by_trigger))
    grid.add_row("receipts", str(f.receipts), f"{f.member_receipts} with a member's card")
    grid.add_row("staff alerts", str(f.view.staff_alerts), "pickup arrivals")
    grid.add_row("gateways online", f"{len(f.view.gateways_online)}/{f.gateways}", "")
    grid.add_row("kiosk", f.kiosk, "")
    grid.add_row("hub", "online" if f.view.hub_online else "offline", "")
    return grid


def line(f: Figures) -> str:
    """The summary as one line, for a terminal that is not one (a log, a test)."""
    return (
        f"+{_minutes(f.elapsed_s)} in store {f.view.in_store}, visits {f.view.visits}, "
        f"notifications {f.notifications}, receipts {f.receipts}, "
        f"gateways {len(f.view.gateways_online)}/{f.gateways} online, kiosk {f.kiosk}"
    )


def final_lines(report: Report) -> list[str]:
    """The end-of-run summary."""
    f = report.figures
    cpu = ", ".join(f"{role} {share * 100:.0f} %" for role, share in report.cpu_cores.items())
    total = sum(report.cpu_cores.values())
    lines = [
        f"corsia demo: open for {_minutes(f.elapsed_s)} with {report.shoppers} shoppers, {report.members} members "
        f"(broker: {report.broker})",
        f"  shoppers in store: at most {report.peak_in_store}, {f.view.in_store} at closing",
        f"  visits {f.view.visits} (journey events: "
        + ", ".join(f"{k} {v}" for k, v in sorted(f.view.journeys.items()))
        + ")",
        f"  notifications {f.notifications}"
        + (f" ({_by_trigger(f.notifications_by_trigger)})" if f.notifications else ""),
        f"  receipts {f.receipts} ({f.member_receipts} with a member's card), staff alerts {f.view.staff_alerts}",
        f"  gateways: {report.peak_gateways_online} of {f.gateways} online, exit codes: "
        + (", ".join(f"{gw} {code}" for gw, code in report.gateway_exit_codes.items()) or "none"),
        f"  kiosk: {f.kiosk}",
        f"  world: {report.adverts:,} adverts played, at most {report.lateness_max_ms:.0f} ms late",
    ]
    if report.cpu_cores:
        lines.append(f"  CPU while open: {total * 100:.0f} % of one core in all ({cpu})")
    if report.memory_mb:
        memory = ", ".join(f"{role} {mb:.0f}" for role, mb in report.memory_mb.items())
        total_mb = sum(report.memory_mb.values())
        lines.append(f"  memory at closing: {total_mb:.0f} MB ({memory}); the store opened {report.startup_s:.0f} s in")
    lines.append(f"  processes left running: {report.left_running}")
    lines.extend(f"  warning: {warning}" for warning in report.warnings)
    lines.extend(f"  problem: {problem}" for problem in report.problems)
    return lines
