"""The evaluation's outputs: a table for people, JSON for scripts, PNG plots for the docs."""

from __future__ import annotations

import json
import math
from dataclasses import fields
from pathlib import Path
from typing import Any, Final

from rich.console import Console
from rich.table import Table

from edge.presence import PresenceSettings
from edge.presence.offset_learning import MIN_SAMPLES
from firmware_sim.eval.harness import TRUTH_STEP_S, EvalResult
from firmware_sim.eval.metrics import PHASES, percentile

# ESPresense-companion's published accuracy (wrong room share) for its two harness scenarios.
BASELINES: Final = {"espresense-walk": 0.066, "espresense-boundary": 0.223}
TARGETS: Final = {
    "espresense-walk": {"wrong_max": 0.03},
    "espresense-boundary": {"wrong_max": 0.10},
    "store-busy": {"accuracy_min": 0.95, "entry_p95_max": 2.0, "switch_p95_max": 4.0, "exit_p95_max": 15.0},
}


def changed_presence(settings: PresenceSettings) -> dict[str, Any]:
    """The presence settings that differ from the defaults (the rule aside), by the names `--set` takes."""
    default = PresenceSettings()
    out = {
        f.name: getattr(settings, f.name)
        for f in fields(settings)
        if f.name not in ("rule", "radio") and getattr(settings, f.name) != getattr(default, f.name)
    }
    out.update(
        {
            f.name: getattr(settings.radio, f.name)
            for f in fields(settings.radio)
            if getattr(settings.radio, f.name) != getattr(default.radio, f.name)
        }
    )
    return out


def summary(result: EvalResult) -> dict[str, Any]:
    s = result.scores

    def lat(values: list[float]) -> dict[str, float | None]:
        return {"p50": percentile(values, 0.5), "p95": percentile(values, 0.95), "n": len(values)}

    return {
        "scenario": result.scenario,
        "store": result.layout.id,
        "seed": result.seed,
        "noise_db": result.noise_db,
        "filter": result.settings.filter.kind,
        "rule": result.settings.presence.rule,
        "presence_changed": changed_presence(result.settings.presence),
        # the world's receivers reading louder (+) or weaker than the hub's offsets cancel, dB (--receiver)
        "receivers_changed": result.receiver_changes,
        "zone_accuracy": s.accuracy,
        "wrong_zone": s.wrong_share,
        "undecided": s.undecided / s.samples if s.samples else math.nan,
        "samples": s.samples,
        "entry_s": lat(s.entry_s),
        "switch_s": lat(s.switch_s),
        "exit_s": lat(s.exit_s),
        "missed": {"entries": s.missed_entries, "switches": s.missed_switches, "exits": s.missed_exits},
        "early_entries": s.early_entries,
        "visits": s.visits,
        "false_visits": s.false_visits,
        "resumed": s.resumed,
        "adverts": result.adverts,
        "batches": result.batches,
        "items": result.items,
        "unresolved_items": result.unresolved_items,
        "phases": {p: {"share": _number(s.phase_share(p)), "accuracy": _number(s.phase_accuracy(p))} for p in PHASES},
        "baseline_wrong_zone": BASELINES.get(result.scenario),
        # what the hub learned of its gateways' rssi_offsets (dB to add; null before enough readings)
        "offset_corrections": {e.gateway: e.correction_db for e in result.offset_corrections},
        "offset_recent_corrections": {e.gateway: e.recent_db for e in result.offset_corrections},
        "wall_s": result.wall_s,
    }


def _number(value: float) -> float | None:
    """`value`, or None for NaN (a phase that never occurred), which JSON cannot carry."""
    return None if math.isnan(value) else value


def _fmt(value: float | None, unit: str = "", pct: bool = False) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value:.1%}" if pct else f"{value:.2f}{unit}"


def _label(result: EvalResult) -> str:
    noise = f", σ {result.noise_db:g} dB" if result.noise_db is not None else ""
    return f"{result.scenario} (seed {result.seed}{noise})"


def print_table(results: list[EvalResult], console: Console | None = None) -> None:
    # A table of nine columns needs room: do not squeeze it into 80 columns when writing to a file or a pipe.
    console = console or Console(width=None if Console().is_terminal else 150)
    table = Table(title="Presence against ground truth")
    for col in ["scenario", "filter / rule", "zone accuracy", "wrong zone", "published baseline", "entry p50/p95",
                "switch p50/p95", "exit p50/p95", "false visits"]:  # fmt: skip
        table.add_column(col, justify="right" if col != "scenario" else "left")
    for r in results:
        d = summary(r)
        base = d["baseline_wrong_zone"]
        table.add_row(
            _label(r),
            f"{d['filter']} / {d['rule']}",
            _fmt(d["zone_accuracy"], pct=True),
            _fmt(d["wrong_zone"], pct=True),
            _fmt(base, pct=True) if base is not None else "—",
            f"{_fmt(d['entry_s']['p50'], ' s')} / {_fmt(d['entry_s']['p95'], ' s')}",
            f"{_fmt(d['switch_s']['p50'], ' s')} / {_fmt(d['switch_s']['p95'], ' s')}",
            f"{_fmt(d['exit_s']['p50'], ' s')} / {_fmt(d['exit_s']['p95'], ' s')}",
            f"{d['false_visits']} of {d['visits']}",
        )
    console.print(table)
    phases = Table(title="Where the misses are: share of in-store time / zone accuracy, by phase of the stay")
    phases.add_column("scenario")
    for p in PHASES:
        phases.add_column(p.replace(" ", "\n", 1), justify="right")
    for r in results:
        s = r.scores
        phases.add_row(
            _label(r),
            *(f"{_fmt(s.phase_share(p), pct=True)} / {_fmt(s.phase_accuracy(p), pct=True)}" for p in PHASES),
        )
    console.print(phases)
    if any(r.receiver_changes for r in results):
        console.print(_receivers_table(results))


def _receivers_table(results: list[EvalResult]) -> Table:
    """The receivers changed since calibration, and what the hub learned of them over the run."""
    table = Table(title="Receivers changed since calibration, and the rssi_offset correction the hub learned")
    for col in ("scenario", "gateway", "reads", "learned: whole / recent", "readings"):
        table.add_column(col, justify="left" if col in ("scenario", "gateway") else "right")
    for r in results:
        learned = {e.gateway: e for e in r.offset_corrections}
        for gateway, change in r.receiver_changes.items():
            e = learned.get(gateway)
            table.add_row(
                _label(r),
                gateway,
                f"{change:+.1f} dB",
                f"— (under {MIN_SAMPLES:,} readings)" if e is None or e.correction_db is None
                else f"{e.correction_db:+.2f} / {_signed(e.recent_db)} dB",
                str(e.samples) if e is not None else "0",
            )  # fmt: skip
    return table


def _signed(value: float | None) -> str:
    return "—" if value is None else f"{value:+.2f}"


def write_json(results: list[EvalResult], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = [summary(r) for r in results]
    path.write_text(json.dumps(data if len(data) > 1 else data[0], indent=2, default=str), encoding="utf-8")


def decided_path(
    result: EvalResult, device: str, step_s: float = 1.0
) -> list[tuple[float, float, float, str | None, str | None]]:
    """`device`'s true samples, one every `step_s`, each with what the hub had decided then: (t, x, y, true zone,
    decided zone), a zone None when out of the store or not decided."""
    timeline = result.decided.get(device)
    pts = result.truth.get(device, [])
    stride = max(1, round(step_s / TRUTH_STEP_S))
    return [(t, x, y, zone, timeline.at(t) if timeline is not None else None) for t, x, y, zone in pts[::stride]]


def plot_map(result: EvalResult, path: Path, devices: int = 4) -> None:
    """The floor with the true paths of the `devices` longest-tracked devices, the hub's decided trajectory of
    each (its decided zones' centres, in the order decided) and the seconds it had them in the wrong zone."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    layout = result.layout
    fig, ax = plt.subplots(figsize=(10, 10 * layout.depth / layout.width + 0.8))
    for zone in layout.zones:
        r = zone.rect
        ax.add_patch(Rectangle((r.x0, r.y0), r.width, r.height, fill=False, lw=0.8, color="0.5"))
        label = zone.label_for("en").split("—")[-1].strip()
        top = r.y1 - 0.04 * min(layout.width, layout.depth)  # the label clear of the paths through the centre
        ax.text(r.center[0], top, label, ha="center", va="top", fontsize=7, color="0.4")
    for g in layout.gateways:
        ax.plot(g.x, g.y, marker="^", color="black", ms=6)
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    chosen = sorted(result.truth, key=lambda d: -len(result.truth[d]))[:devices]
    nudge = 0.02 * min(layout.width, layout.depth)  # keeps the devices' decided paths apart at a zone's centre
    wrong_x: list[float] = []
    wrong_y: list[float] = []
    for i, device in enumerate(chosen):
        c = colours[i % len(colours)]
        pts = result.truth[device]
        xs = [x if z is not None else math.nan for _t, x, _y, z in pts]
        ys = [y if z is not None else math.nan for _t, _x, y, z in pts]
        ax.plot(xs, ys, color=c, lw=1.0, alpha=0.8, label=f"{device}: true path")
        cx: list[float] = []
        cy: list[float] = []
        for _t, x, y, truth, zone_id in decided_path(result, device):
            if truth is not None and zone_id is not None and zone_id != truth:
                wrong_x.append(x)
                wrong_y.append(y)
            if zone_id is None:
                cx.append(math.nan)
                cy.append(math.nan)
            else:
                zx, zy = layout.zone(zone_id).rect.center
                cx.append(zx + (i - devices / 2) * nudge)
                cy.append(zy + (i - devices / 2) * nudge)
        ax.plot(cx, cy, color=c, lw=1.2, ls="--", alpha=0.6, marker="s", ms=3, label=f"{device}: decided")
    ax.scatter(wrong_x, wrong_y, color="red", marker="x", s=14, lw=0.8, zorder=5, label="a second in the wrong zone")
    ax.set_xlim(0, layout.width)
    ax.set_ylim(0, layout.depth)
    ax.set_aspect("equal")
    ax.set_title(f"{result.scenario}: true paths, the hub's decided zones (dashed, through their centres), "
                 "seconds decided in the wrong zone (x)", fontsize=9)  # fmt: skip
    ax.legend(fontsize=6, loc="upper center", bbox_to_anchor=(0.5, -0.06), ncol=min(3, 2 * len(chosen) + 1))
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def plot_confusion(result: EvalResult, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    layout = result.layout
    zones = [z.id for z in layout.zones]
    cols = [*zones, "-"]
    matrix = [[result.scores.confusion.get((t, d), 0) for d in cols] for t in zones]
    shares = [[v / max(sum(row), 1) for v in row] for row in matrix]
    fig, ax = plt.subplots(figsize=(1 + 0.55 * len(cols), 1 + 0.5 * len(zones)))
    ax.imshow(shares, cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(len(cols)), cols, rotation=60, ha="right", fontsize=7)
    ax.set_yticks(range(len(zones)), zones, fontsize=7)
    ax.set_xlabel("decided zone ('-' = no visit yet)")
    ax.set_ylabel("true zone")
    for i, row in enumerate(shares):
        for j, v in enumerate(row):
            if v >= 0.005:
                ax.text(j, i, f"{v:.0%}", ha="center", va="center", fontsize=6, color="white" if v > 0.5 else "black")
    ax.set_title(f"{result.scenario}: zone confusion (share of each true zone's time)", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def plot_noise(points: list[tuple[float, float, float]], scenario: str, path: Path) -> None:
    """points: (sigma dB, zone accuracy, wrong-zone share)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    xs = [p[0] for p in points]
    ax.plot(xs, [p[1] for p in points], marker="o", label="zone accuracy")
    ax.plot(xs, [p[2] for p in points], marker="s", label="wrong zone")
    if scenario in BASELINES:
        ax.axhline(BASELINES[scenario], color="grey", ls="--", lw=0.8, label="ESPresense published wrong room")
    ax.set_xlabel("shadowing σ (dB)")
    ax.set_ylabel("share of time")
    ax.set_ylim(0, 1)
    ax.grid(alpha=0.3)
    ax.legend()
    ax.set_title(f"{scenario}: accuracy against noise")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
