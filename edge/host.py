"""What a Corsia process reports about itself and its machine in its health message: memory and CPU temperature.

Shared by the gateway and the kiosk (and anything else that publishes health); stdlib only.
"""

from __future__ import annotations

import os
import resource
import sys
from pathlib import Path
from typing import Final

THERMAL_ZONE: Final = Path("/sys/class/thermal/thermal_zone0/temp")


def rss_mb() -> float:
    """Resident memory of this process in MB, from /proc (the current value, not the peak)."""
    try:
        with open(f"/proc/{os.getpid()}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return round(int(line.split()[1]) / 1024.0, 1)
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux, bytes on macOS
    return round(peak / (1024.0 * 1024.0 if sys.platform == "darwin" else 1024.0), 1)


def cpu_temp_c(zone: Path = THERMAL_ZONE) -> float | None:
    """The SoC temperature on a Raspberry Pi (millidegrees in sysfs); None where there is no sensor."""
    try:
        value = round(int(zone.read_text(encoding="ascii").strip()) / 1000.0, 1)
    except (OSError, ValueError):
        return None
    return value if -60.0 <= value <= 150.0 else None
