"""`corsia calibrate --tag ID [--config FILE] [--from FILE] [--seconds S] [--json FILE] [--write]`: each
gateway's `rssi_offset` from a calibration walk (`edge.store.calibration`; docs/store-layout.md step 6).

Live, it listens to the store's sightings (as `corsia monitor` does, publishing nothing) and prints each gateway
as its holds reach `--min-hold`; it stops once every gateway of the layout is calibrated, after `--seconds`, or
at Ctrl-C. With ``--from`` it reads a recording instead (``mosquitto_sub -t 'corsia/v1/<store>/gw/+/sightings'
> walk.txt``). Then it prints a table and the offsets to write, and with ``--write`` writes them into the
layout file. Exit 0 when every gateway is calibrated, 1 when some are not (the others' offsets are still
printed, and written with ``--write``), 78 for a bad configuration, layout or option.
"""

from __future__ import annotations

import argparse
import logging
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from edge.monitor.tag_readings import TagReadings
    from edge.mqtt import MqttSettings
    from edge.store import StoreLayout
    from edge.store.calibration import Calibration, CalibrationSettings

CONNECT_TIMEOUT_S: Final = 5.0
PROGRESS_EVERY_S: Final = 5.0

log = logging.getLogger("corsia.calibrate")


def _tag(text: str) -> str:
    from edge.protocol import is_beacon_id

    if not is_beacon_id(text):
        raise argparse.ArgumentTypeError(
            f"not a beacon id: {text!r} (a tag's id as the gateways publish it, ib:<uuid>:<major>:<minor>)"
        )
    if text.startswith("eid:"):
        raise argparse.ArgumentTypeError("an Eddystone-EID changes every few minutes: calibrate with a tag")
    return text


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0 < value <= 86400:
        raise argparse.ArgumentTypeError(f"must be more than 0 and at most 86400 seconds, got {text}")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--tag", type=_tag, required=True, metavar="ID", help="the tag held under the gateways")
    parser.add_argument("--from", dest="recording", metavar="FILE", help="read a recording instead of the broker")
    parser.add_argument("--seconds", type=_seconds, metavar="S", help="live: stop after S seconds")
    parser.add_argument(
        "--min-hold",
        type=_seconds,
        metavar="S",
        help="seconds under a gateway that calibrate it (default 120: hold the tag there for 3 minutes)",
    )
    parser.add_argument("--json", metavar="FILE", help="also write the result as JSON")
    parser.add_argument("--write", action="store_true", help="write the new offsets into the layout file")


def run(args: argparse.Namespace) -> int:
    from edge.config import load_monitor_config
    from edge.errors import ConfigError
    from edge.store import load_layout
    from edge.store.calibration import CalibrationSettings

    config = load_monitor_config(args.config)
    logging.getLogger().setLevel(config.log.level.upper())
    layout = load_layout(config.store.layout)  # a LayoutError is a ConfigError: exit 78
    if layout.id != config.store.id:
        raise ConfigError(config.store.layout, "", f"the layout of store {layout.id!r}, not {config.store.id!r}")
    settings = CalibrationSettings() if args.min_hold is None else CalibrationSettings(min_hold_s=args.min_hold)
    if args.recording is not None:
        from edge.monitor.tag_readings import read_recording

        try:
            with open(args.recording, encoding="utf-8", errors="replace") as f:
                heard = read_recording(f, args.tag)
        except OSError as exc:
            raise ConfigError(args.recording, "", f"cannot read it: {exc.strerror or exc}") from exc
    else:
        heard = _listen(config.mqtt, layout, args.tag, settings, args.seconds)
    return _report(heard, layout, settings, config.store.layout, args)


def _fit(heard: TagReadings, layout: StoreLayout, settings: CalibrationSettings) -> Calibration:
    from edge.store.calibration import fit_offsets

    return fit_offsets(heard.readings, {g.id: g.rssi_offset for g in layout.gateways}, settings)


def _listen(
    mqtt: MqttSettings, layout: StoreLayout, tag: str, settings: CalibrationSettings, seconds: float | None
) -> TagReadings:
    import time

    from edge.monitor.tag_readings import TagFeed

    feed = TagFeed(mqtt, layout.id, tag)
    feed.start(CONNECT_TIMEOUT_S)
    print(f"Listening for {tag} on {mqtt.host}:{mqtt.port}, store {layout.id}. Hold it about 1 m below each")
    print("gateway, moving it round a small circle, until the gateway is listed here; Ctrl-C to stop.")
    deadline = None if seconds is None else time.monotonic() + seconds
    announced: set[str] = set()
    try:
        while deadline is None or time.monotonic() < deadline:
            left = PROGRESS_EVERY_S if deadline is None else deadline - time.monotonic()
            time.sleep(max(0.0, min(PROGRESS_EVERY_S, left)))
            heard = feed.snapshot()
            done = {g.gateway for g in _fit(heard, layout, settings).gateways if g.held_s >= settings.min_hold_s}
            for gw in sorted(done - announced):
                print(f"  {gw}: done ({len(done)} of {len(layout.gateways)})")
            announced |= done
            if len(done) == len(layout.gateways):
                break
    except KeyboardInterrupt:
        pass  # stopping the walk early is normal: report what was measured
    finally:
        feed.stop()
    return feed.snapshot()


def _report(
    heard: TagReadings, layout: StoreLayout, settings: CalibrationSettings, layout_path: str, args: argparse.Namespace
) -> int:
    import json
    from dataclasses import asdict

    from rich.console import Console
    from rich.table import Table

    from edge.store.calibration import write_offsets

    calibration = _fit(heard, layout, settings)
    console = Console()
    zones = {g.id: g.zone_id for g in layout.gateways}
    table = Table(title=f"Calibration of store {layout.id} with {heard.tag}")
    for column in ("gateway", "zone", "held s", "median dBm", "spread dB", "offset now", "new", "change", "note"):
        table.add_column(column, justify="left" if column in ("gateway", "zone", "note") else "right")
    for g in calibration.gateways:
        table.add_row(
            g.gateway,
            zones[g.gateway],
            f"{g.held_s:.0f}",
            "—" if g.median_dbm is None else f"{g.median_dbm:.1f}",
            "—" if g.spread_db is None else f"±{g.spread_db:.1f}",
            f"{g.current_db:+.1f}",
            f"{g.offset_db:+.1f}" if g.calibrated else "—",
            f"{g.correction_db:+.1f}" if g.calibrated else "—",
            g.problem or "",
        )
    console.print(table)
    console.print(
        f"{len(heard.readings)} readings of the tag in {heard.batches} batches"
        + (f"; {heard.rejected} payloads were not sightings, first: {heard.reasons[0]}" if heard.rejected else "")
        + (f"; readings from gateways not in the layout: {dict(calibration.ignored)}" if calibration.ignored else "")
    )
    calibrated = [g for g in calibration.gateways if g.calibrated]
    if calibrated:
        console.print(f"\nFor {layout_path}:", highlight=False)
        for g in calibrated:
            console.print(f"  {g.gateway}: rssi_offset = {g.offset_db:.1f}", highlight=False)
    if args.json:
        document = {
            "store": layout.id,
            "tag": heard.tag,
            "complete": calibration.complete,
            "reference_dbm": calibration.reference_dbm,
            "readings": len(heard.readings),
            "rejected": heard.rejected,
            "gateways": [asdict(g) for g in calibration.gateways],
        }
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(document, f, indent=2, ensure_ascii=False)
    if args.write and calibrated:
        write_offsets(layout_path, layout, {g.gateway: g.offset_db for g in calibrated})
        console.print(f"Wrote {len(calibrated)} offsets to {layout_path}; restart the hub to use them.")
    return 0 if calibration.complete else 1
