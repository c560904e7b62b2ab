"""The demo's figures as JSON, as one line and as the final summary; a run is ok only with every process gone."""

from __future__ import annotations

import json
from pathlib import Path

from rich.console import Console

from firmware_sim.demo.summary import Figures, Report, final_lines, line, table
from firmware_sim.demo.watch import StoreView

VIEW = StoreView(
    in_store=7, zones={"aisle-4": 4, "checkout": 3}, journeys={"enter": 12, "exit": 5, "purchase": 2},
    gateways_online=tuple(f"gw-{n:02d}" for n in range(1, 13)), kiosks_online=("kiosk-01",), hub_online=True,
    staff_alerts=1,
)  # fmt: skip
FIGURES = Figures(
    elapsed_s=75.0, view=VIEW, notifications=9, notifications_by_trigger={"store_enter": 8, "purchase": 1},
    receipts=4, member_receipts=2, gateways=12, kiosk="online",
)  # fmt: skip


def test_the_json_report_has_the_counts_scripts_read(tmp_path: Path) -> None:
    report = Report(FIGURES, members=30, shoppers=90, cpu_cores={"gateway": 0.16, "hub": 0.01}, left_running=0)
    report.write_json(tmp_path / "r.json")
    data = json.loads((tmp_path / "r.json").read_text())
    assert data["visits"] == 12
    assert data["notifications"] == 9
    assert data["notifications_by_trigger"] == {"purchase": 1, "store_enter": 8}
    assert data["receipts"] == 4
    assert data["gateways_online"] == 12
    assert data["cpu_cores_total"] == 0.17
    assert data["left_running"] == 0
    assert report.ok


def test_a_run_with_a_problem_or_a_process_left_is_not_ok() -> None:
    assert not Report(FIGURES, members=1, shoppers=1, left_running=2).ok
    assert not Report(FIGURES, members=1, shoppers=1, problems=("the hub exited with code 1",)).ok
    assert Report(FIGURES, members=1, shoppers=1, warnings=("the kiosk did not start",)).ok


def test_the_line_the_table_and_the_final_summary_say_the_same() -> None:
    assert line(FIGURES) == (
        "+1:15 in store 7, visits 12, notifications 9, receipts 4, gateways 12/12 online, kiosk online"
    )
    console = Console(width=120, record=True)
    console.print(table(FIGURES))
    text = console.export_text()
    assert "notifications sent" in text
    assert "wishlist on entry 8" in text
    assert "12/12" in text
    report = Report(FIGURES, members=30, shoppers=90, cpu_cores={"gateway": 0.16}, warnings=("no kiosk",))
    final = "\n".join(final_lines(report))
    assert "visits 12" in final
    assert "receipts 4 (2 with a member's card)" in final
    assert "CPU while open: 16 % of one core" in final
    assert "processes left running: 0" in final
    assert "warning: no kiosk" in final
