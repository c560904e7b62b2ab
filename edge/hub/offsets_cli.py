"""`corsia offsets [--config FILE] [--hub URL] [--write]`: the gateways' `rssi_offset` corrections that the running
hub learned from the shoppers' readings (`edge.presence.offset_learning`; docs/store-layout.md).

It asks the hub's API (``GET /api/v1/stores/{store}/gateways/offsets``, with ``[hub] admin_token``) at
``[hub] http`` or `--hub`, prints each gateway's offset now, the learned correction and the suggested offset, and
with `--write` writes the suggestions into the layout file (``[store] layout``); the hub uses them once restarted,
and learns afresh from there. Exit 0 when every gateway has a suggestion, 1 when some have too few readings yet
(the others are still printed, and written with `--write`), 78 for a bad configuration, layout or option.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from edge.store import StoreLayout

TIMEOUT_S: Final = 10.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--hub", metavar="URL", help="the hub's address (default: http:// and [hub] http)")
    parser.add_argument("--write", action="store_true", help="write the suggested offsets into the layout file")


def run(args: argparse.Namespace) -> int:
    from edge.config import load_hub_config
    from edge.errors import ConfigError
    from edge.store import load_layout
    from edge.store.calibration import write_offsets

    config = load_hub_config(args.config)
    layout = load_layout(config.store.layout)
    if layout.id != config.store.id:
        raise ConfigError(config.store.layout, "", f"the layout of store {layout.id!r}, not {config.store.id!r}")
    if not config.hub.admin_token:
        raise ConfigError("[hub] admin_token", "", "needed to ask the hub (or admin_token_file)")
    base = args.hub or "http://" + config.hub.http.replace("0.0.0.0:", "127.0.0.1:")
    answer = _fetch(f"{base.rstrip('/')}/api/v1/stores/{config.store.id}/gateways/offsets", config.hub.admin_token)
    rows = answer["gateways"]
    _print(answer, layout)
    suggested = {row["gateway"]: float(row["suggested_db"]) for row in rows if row["suggested_db"] is not None}
    if args.write and suggested:
        in_file = {g.id: g.rssi_offset for g in layout.gateways}
        if any(in_file.get(row["gateway"]) != row["offset_db"] for row in rows):
            raise ConfigError(
                config.store.layout, "", "its offsets are not the ones the hub learned against: restart the hub "
                "with this layout and let it learn again",
            )  # fmt: skip
        write_offsets(config.store.layout, layout, suggested)
        print(f"Wrote {len(suggested)} offsets to {config.store.layout}; restart the hub to use them.")
    return 0 if len(suggested) == len(rows) else 1


def _fetch(url: str, token: str) -> dict[str, Any]:
    import json
    import urllib.error
    import urllib.request

    from edge.errors import CorsiaError

    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
            body: dict[str, Any] = json.load(response)
    except urllib.error.HTTPError as exc:
        raise CorsiaError(f"the hub at {url} answered {exc.code}: {exc.read(300).decode(errors='replace')}") from exc
    except (urllib.error.URLError, OSError) as exc:
        reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
        raise CorsiaError(f"cannot reach the hub at {url} ({reason}): is it running?") from exc
    except ValueError as exc:
        raise CorsiaError(f"the hub at {url} did not answer JSON: {exc}") from exc
    return body


def _print(answer: dict[str, Any], layout: StoreLayout) -> None:
    import time

    zones = {g.id: g.zone_id for g in layout.gateways}
    since = time.strftime("%Y-%m-%d %H:%M", time.localtime(answer["since"]))
    print(f"Offsets learned from the shoppers of store {layout.id} since {since} ", end="")
    print(f"(a correction needs {answer['min_samples']} readings)")
    print(f"{'gateway':<10} {'zone':<10} {'offset now':>10} {'correction':>10} {'suggested':>9} {'readings':>9}")
    for row in answer["gateways"]:
        correction, suggested = row["correction_db"], row["suggested_db"]
        print(
            f"{row['gateway']:<10} {zones.get(row['gateway'], '?'):<10} {row['offset_db']:>+10.1f} "
            + (f"{correction:>+10.1f} {suggested:>+9.1f}" if correction is not None else f"{'—':>10} {'—':>9}")
            + f" {row['samples']:>9}"
        )
