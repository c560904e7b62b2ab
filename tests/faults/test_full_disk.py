"""The gateway's disk fills up under its spool, then space comes back.

No filesystem can be filled here without root (no loop mount, no tmpfs of our own), and filling a shared one
would hurt everything else on the machine. The running `corsia gateway` is given a file size limit instead
(``RLIMIT_FSIZE``, set on the live process with prlimit(2)): at a limit of 0 every write to any file fails,
as on a disk with no free block at all, while sockets and pipes go on working. Python ignores ``SIGXFSZ``, so the
write returns ``EFBIG`` and SQLite reports it as an I/O error; a real full disk gives ``ENOSPC`` ("database or
disk is full"), which the spool handles by the same path (`tests/gateway/test_spool.py` injects that one with
``max_page_count``). This is harsher than a real full disk, where overwriting a block already allocated (the
WAL's recycled frames) would still succeed. The gateway's log goes to a pipe the test drains, so it is not
a file the limit bites on.

Expected: every batch of the cut is a counted drop, the process stays up and keeps reporting its health, and
when space comes back it publishes again, with `seq` continuing without a hole.
"""

from __future__ import annotations

import itertools
import os
import resource
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from edge.broker import MosquittoBroker
from edge.mqtt import MqttClient
from edge.protocol import GatewayHealth, Sightings, Topic
from firmware_sim.bluez import VirtualBluez
from tests.conftest import REPO, wait_for
from tests.faults.conftest import Advertiser, SeqLog
from tests.gateway.conftest import GatewayUnderTest

REPORT_INTERVAL_S = 0.25
CUT_S = 4.0


class PipedGateway(GatewayUnderTest):
    """`corsia gateway` whose output goes to a pipe drained into the log by a thread of the test."""

    def start(self, **extra_env: str) -> None:
        env = dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=self.bluez.address, **extra_env)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "edge.cli", "gateway", "--config", str(self.config)],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        out = self.process.stdout
        assert out is not None

        def drain() -> None:
            with out, open(self.log, "ab") as log:
                for line in out:
                    log.write(line)
                    log.flush()

        threading.Thread(target=drain, name="gateway-log", daemon=True).start()
        assert wait_for(lambda: self.bluez.discovering, 15), self.log.read_text()

    def set_file_size_limit(self, limit: int) -> None:
        assert self.process is not None
        _, hard = resource.prlimit(self.process.pid, resource.RLIMIT_FSIZE)
        resource.prlimit(self.process.pid, resource.RLIMIT_FSIZE, (limit, hard))


def test_a_full_disk_under_the_spool_is_counted_drops_and_publishing_resumes(
    tmp_path: Path, broker: MosquittoBroker, bluez: VirtualBluez, make_client: Callable[..., MqttClient]
) -> None:
    batches = SeqLog()
    health: list[GatewayHealth] = []
    hub = make_client("hub", client_id="faults-hub", start=False)
    hub.subscribe(Topic.SIGHTINGS, Sightings, batches.add)
    hub.subscribe(Topic.GATEWAY_HEALTH, GatewayHealth, lambda r: health.append(r.message))
    hub.start()
    assert hub.wait_subscribed(5)

    folder = tmp_path / "gw"
    folder.mkdir()
    gateway = PipedGateway(folder, broker, bluez, extra=f"report_interval = {REPORT_INTERVAL_S}")
    gateway.start()
    try:
        with Advertiser(bluez, phones=5, rate_hz=10.0):
            assert wait_for(lambda: len(batches.unique()) >= 8, 15), gateway.log.read_text()
            assert health
            assert health[-1].dropped == 0

            gateway.set_file_size_limit(0)  # the disk is full
            cut_at = time.time()
            before = len(batches.unique())
            reports = len(health)
            assert wait_for(lambda: (health[-1].dropped if health else 0) >= 4, 10), gateway.log.read_text()
            time.sleep(max(0.0, cut_at + CUT_S - time.time()))
            assert gateway.process is not None
            assert gateway.process.poll() is None, "the gateway died"
            assert len(health) >= reports + 2, "the gateway stopped reporting its health"
            during = len(batches.unique()) - before
            assert during <= 2, f"{during} batches published while no byte could be written"  # 2: in flight

            gateway.set_file_size_limit(resource.RLIM_INFINITY)  # space is back
            resumed_at = time.time()
            assert wait_for(lambda: len(batches.unique()) >= before + during + 8, 15), gateway.log.read_text()
            assert gateway.process.poll() is None
        dropped = _latest_dropped(health, after=resumed_at + 1.5)
        assert gateway.signal(signal.SIGTERM) == 0
    finally:
        gateway.stop()

    assert "spool write failed" in gateway.log.read_text()
    seqs = batches.unique()
    assert seqs == list(range(1, len(seqs) + 1)), "seq has a hole or a repeat"
    # Each interval of the cut is one dropped batch: the hole in the batches' times matches the count.
    times = sorted(b.t for b in batches.first.values())
    gap = max(b - a for a, b in itertools.pairwise(times))
    missing = round(gap / REPORT_INTERVAL_S) - 1
    assert abs(missing - dropped) <= 1, f"{dropped} drops counted, {missing} intervals without a batch"
    assert dropped >= int(CUT_S / REPORT_INTERVAL_S) - 2
    print(f"full disk: {CUT_S:.0f} s cut, {dropped} batches dropped and counted, {missing} intervals missing, "
          f"{len(seqs)} batches published with contiguous seq, process alive")  # fmt: skip


def _latest_dropped(health: list[GatewayHealth], after: float) -> int:
    assert wait_for(lambda: bool(health) and health[-1].t >= after, 10), "no health report after the cut"
    return health[-1].dropped
