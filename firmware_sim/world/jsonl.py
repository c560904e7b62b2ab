"""Recording and replaying an advert stream as JSON Lines, so a run can be repeated exactly.

One advert per line: ``{"t": 1795392000.1234, "gw": "gw-04", "mfg": {"004c": "0215…"}, "svc": {"0000feaa-…":
"30…"}, "rssi": -71, "addr": "5A:…"}``: company ids as 4 hex digits, bytes as lower-case hex. Floats are written
with Python's shortest round-trip repr, so a replay gives back exactly the recorded values.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator

from firmware_sim.world.model import Advert, WorldError

AdvertRecord = tuple[float, str, Advert]


def dumps(t: float, gw: str, advert: Advert) -> str:
    """One advert as one JSON line (without the newline)."""
    return json.dumps(
        {
            "t": t,
            "gw": gw,
            "mfg": {f"{k:04x}": v.hex() for k, v in advert.manufacturer_data.items()},
            "svc": {k: v.hex() for k, v in advert.service_data.items()},
            "rssi": advert.rssi,
            "addr": advert.address,
        },
        separators=(",", ":"),
    )


def loads(line: str) -> AdvertRecord:
    """One JSON line back into (t, gateway, advert); `ValueError` when it is not one."""
    d = json.loads(line)
    mfg = {int(k, 16): bytes.fromhex(v) for k, v in d["mfg"].items()}
    svc = {str(k): bytes.fromhex(v) for k, v in d["svc"].items()}
    t, gw, rssi = d["t"], d["gw"], d["rssi"]
    if not isinstance(t, int | float) or not isinstance(gw, str) or not isinstance(rssi, int):
        raise ValueError("t must be a number, gw a string and rssi an integer")
    return float(t), gw, Advert(mfg, svc, rssi, str(d.get("addr", "")))


def record(stream: Iterable[AdvertRecord], path: str | os.PathLike[str]) -> int:
    """Write the adverts to `path`, one per line; the number written."""
    count = 0
    with open(path, "w", encoding="utf-8") as f:
        for t, gw, advert in stream:
            f.write(dumps(t, gw, advert))
            f.write("\n")
            count += 1
    return count


def replay(path: str | os.PathLike[str]) -> Iterator[AdvertRecord]:
    """The adverts recorded in `path`, in file order; `WorldError` naming the line of a bad one."""
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                yield loads(line)
            except (ValueError, KeyError, TypeError, AttributeError) as exc:
                raise WorldError(f"{os.fspath(path)}:{number}: not a recorded advert: {exc}") from exc
