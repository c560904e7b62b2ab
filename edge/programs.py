"""Finding the system programs Corsia starts (mosquitto, dbus-daemon), also in the sbin folders that a
user's PATH often lacks."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Final

SEARCH_PATH: Final = ("/usr/sbin", "/usr/local/sbin", "/usr/bin", "/usr/local/bin", "/bin")


def find_program(name: str) -> str | None:
    """The executable `name` on PATH or in `SEARCH_PATH`, or None."""
    found = shutil.which(name)
    if found:
        return found
    for folder in SEARCH_PATH:
        candidate = Path(folder, name)
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    return None
