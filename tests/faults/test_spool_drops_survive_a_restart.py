"""Found by the full-disk fault: the batches dropped while the disk was full are forgotten at the next start.

`Spool._count_drops` adds each failed write to the persisted ``dropped`` counter in a write of its own, which
fails too while no byte can be written (the error is suppressed), and nothing adds those drops once space is back.
So the in-memory count is right until the gateway restarts; then its health report's ``dropped`` goes back down
and IT loses the record of the outage. `test_full_disk.py` shows it on the real process (its spool file holds
``dropped = 0`` after 16 counted drops); here a child process writes to a spool under a file size limit of 0
(every write fails, as in test_full_disk.py). ``max_page_count`` does not show it: updating the counter's page
needs no new page, so that write succeeds there.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from gateway.spool import Spool
from tests.conftest import REPO

CHILD = """
import resource, sys
from gateway.spool import Spool

spool = Spool(sys.argv[1])
assert spool.append(1.0, lambda seq: b"x" * 100) is not None
resource.setrlimit(resource.RLIMIT_FSIZE, (0, resource.RLIM_INFINITY))  # the disk is full
for i in range(5):
    assert spool.append(2.0 + i, lambda seq: b"y" * 8192) is None
assert spool.dropped == 5
resource.setrlimit(resource.RLIMIT_FSIZE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))  # space is back
assert spool.append(10.0, lambda seq: b"z" * 100) is not None
assert spool.dropped == 5
spool.close()
"""


def test_drops_counted_while_the_disk_was_full_survive_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "spool.db"
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(path)], cwd=REPO, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    reopened = Spool(path)  # the gateway restarts
    try:
        assert reopened.dropped == 5, "the drops of the full disk were forgotten at the restart"
    finally:
        reopened.close()
