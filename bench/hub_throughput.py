"""How much can one store hub take: sighting items/s through Mosquitto on one core, decision latency, memory.

    .venv/bin/python bench/hub_throughput.py [--members 100000] [--in-store 2000] [--rates 10000,20000,40000]
                                             [--seconds 10] [--items 50]

1. Seeds a hub database with `--members` members, each enrolled with one phone (identity key sealed at rest) and
   consenting to proximity and marketing; the `--in-store` ones have a wishlist, so their store entry is a
   campaign decision. Seeding goes through the hub's own repositories (about 0.6 ms a member).
2. Starts a real Mosquitto and the real ``corsia hub`` process pinned to CPU 0 (``taskset``), and reports how long
   it took to be ready: loading and unsealing every key and building the EID table for all members.
3. Offers sightings at each `--rates` (items/s) from the 12 gateways of the demo store, from this process pinned to
   CPU 1: batches of `--items`, 90% EIDs of in-store members (who enter, wander and leave, so visits start and end
   all the time) and 10% strangers' EIDs. For each rate: items/s the hub applied (its ``/metrics`` counter), whether
   it kept up, its CPU share, and the decision latency p50/p99 (from a batch's arrival at the hub to its
   notifications committed in the outbox, read off the hub's histogram).
4. The hub's resident memory (VmRSS and the peak VmHWM) with all members loaded, after the load.

Targets (issue 5): at least 20,000 items/s on one core, p99 within 50 ms, the EID table for 100,000 devices within
5 s, RSS at most 200 MB with 100,000 members. Results: docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Final

import requests
from rich.console import Console
from rich.table import Table

REPO: Final = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from edge.broker import MosquittoBroker  # noqa: E402
from edge.config import MqttSection  # noqa: E402
from edge.hub.db import (  # noqa: E402  # noqa: E402
    Catalog,
    Devices,
    Location,
    Members,
    NewMember,
    Product,
    SecretBox,
    Wishlists,
    open_database,
    transaction,
)
from edge.hub.db.secretbox import load_or_create_key  # noqa: E402
from edge.identity import eid  # noqa: E402
from edge.mqtt import MqttClient  # noqa: E402
from edge.protocol import Sighting, Sightings, Topic  # noqa: E402
from edge.store import load_layout  # noqa: E402

LAYOUT: Final = REPO / "examples" / "stores" / "demo.toml"
ITEMS_TARGET: Final = 20_000
P99_TARGET_S: Final = 0.050
RSS_TARGET_MB: Final = 200.0
TOKEN: Final = "bench-admin-token-0123456789"


def seed(db_path: Path, key_file: Path, members: int, in_store: int, console: Console) -> list[bytes]:
    """Members with one enrolled phone each; returns the identity keys of the first `in_store`."""
    db = open_database(db_path)
    box = SecretBox(load_or_create_key(key_file))
    people, devices, wishes = Members(db), Devices(db, box), Wishlists(db)
    Catalog(db).upsert_products([Product("RUN-001", "Scarpe da running", "running", 89.9)])
    Catalog(db).upsert_locations([Location("demo", "RUN-001", "aisle-4", "B", 10)])
    keys: list[bytes] = []
    started = time.perf_counter()
    consents = {"service": True, "marketing": True, "proximity": True}
    chunk = 5000
    for first in range(0, members, chunk):
        with transaction(db):  # one commit per chunk: seeding, not the hub's own path
            for i in range(first, min(first + chunk, members)):
                member = people.create(NewMember(
                    first_name="Cliente", last_name=f"N{i}", email=f"cliente{i}@example.it", consents=consents,
                    policy_version="2026-01", source="admin",
                ))  # fmt: skip
                enrolled = devices.redeem(devices.issue_token(member.member_id), "android")
                if i < in_store:
                    keys.append(enrolled.identity_key)
                    wishes.replace(member.member_id, ["RUN-001"])
        console.print(f"  seeded {min(first + chunk, members):,} members ({time.perf_counter() - started:.0f} s)")
    db.close()
    return keys


def write_config(path: Path, state: Path, broker: MosquittoBroker, port: int) -> None:
    path.write_text(
        f'[store]\nid = "demo"\nlayout = "{LAYOUT}"\n\n'
        f'[mqtt]\nhost = "{broker.host}"\nport = {broker.port}\nmax_inflight = 1000\n\n'
        f'[hub]\ndb = "{state / "hub.db"}"\nhttp = "127.0.0.1:{port}"\nadmin_token = "{TOKEN}"\n'
        f'vapid_private_key_file = "{state / "vapid.pem"}"\nsecret_key_file = "{state / "secret.key"}"\n'
        f'[log]\nlevel = "warning"\n',
        encoding="utf-8",
    )


def metric(text: str, name: str, labels: str = "") -> float:
    """Sum of a Prometheus sample's values (every label set matching `labels`)."""
    total = 0.0
    for line in text.splitlines():
        if line.startswith(name) and labels in line and not line.startswith("#"):
            total += float(line.rsplit(" ", 1)[1])
    return total


def histogram(text: str, name: str) -> list[tuple[float, float]]:
    """Cumulative (upper bound, count) of a histogram."""
    buckets = []
    for match in re.finditer(rf'^{name}_bucket{{le="([^"]+)"}} (\S+)$', text, re.MULTILINE):
        bound = float("inf") if match.group(1) == "+Inf" else float(match.group(1))
        buckets.append((bound, float(match.group(2))))
    return buckets


def quantile(before: list[tuple[float, float]], after: list[tuple[float, float]], q: float) -> float | None:
    """The q-quantile of the observations between two scrapes, interpolated inside its bucket."""
    counts = [(b, a - p) for (b, a), (_, p) in zip(after, before, strict=True)]
    total = counts[-1][1] if counts else 0.0
    if total <= 0:
        return None
    target, low, below = q * total, 0.0, 0.0
    for bound, cumulative in counts:
        if cumulative >= target:
            if bound == float("inf"):
                return low
            share = (target - below) / max(cumulative - below, 1e-9)
            return low + (bound - low) * share
        low, below = bound, cumulative
    return None


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def memory_mb(pid: int) -> tuple[float, float]:
    status = Path(f"/proc/{pid}/status").read_text()
    rss = int(re.search(r"VmRSS:\s+(\d+)", status).group(1))  # type: ignore[union-attr]
    hwm = int(re.search(r"VmHWM:\s+(\d+)", status).group(1))  # type: ignore[union-attr]
    return rss / 1024, hwm / 1024


class Shoppers:
    """Who is in the store: `present` members at a time, `arrivals` new ones a second (each a store entry and a
    campaign decision), the longest-present one leaving as each arrives; it carries on across the offered rates."""

    def __init__(self, keys: list[bytes], present: int, arrivals: float) -> None:
        self.keys = keys
        self.present = min(present, len(keys))
        self.arrivals = arrivals
        self.elapsed = 0.0
        self._second = -1
        self._wire: list[str] = []

    def ids(self, t: float, rng: random.Random, count: int, gateway: int, gateways: int) -> list[str]:
        """`count` ids heard by gateway number `gateway`: each shopper is near one gateway (index mod gateways),
        so zones change as shoppers walk in and out, not at every batch."""
        second = int(t)
        if second != self._second:  # EIDs of the moment (they rotate every 1024 s)
            self._second = second
            self._wire = ["eid:" + eid(k, 10, second).hex() for k in self.keys]
        newest = int(self.elapsed * self.arrivals) + self.present
        out = []
        for _ in range(count):
            if rng.random() < 0.1:
                out.append("eid:" + rng.randbytes(8).hex())  # a stranger's phone: resolved to nothing, dropped
            else:
                back = rng.randrange(self.present // gateways) * gateways
                index = newest - 1 - back
                index -= (index - gateway) % gateways  # the nearest shopper standing by this gateway
                out.append(self._wire[index % len(self.keys)])
        return out


def offer(client: MqttClient, shoppers: Shoppers, rate: int, seconds: float, items: int, seqs: dict[str, int]) -> int:
    """Publish `rate` items/s for `seconds` from the layout's gateways; returns the items offered."""
    gateways = [g.id for g in load_layout(LAYOUT).gateways]
    rng = random.Random(rate)
    interval = items / rate
    offered, n = 0, 0
    start = time.perf_counter()
    base = shoppers.elapsed
    while (now := time.perf_counter()) - start < seconds:
        shoppers.elapsed = base + (now - start)
        t = time.time()
        gw = gateways[n % len(gateways)]
        seqs[gw] = seqs.get(gw, 0) + 1
        batch = Sightings(gw=gw, seq=seqs[gw], t=t, interval=1.0, items=[
            Sighting(id=i, rssi=-60.0 - rng.random() * 15, raw=-70, n=3, tx=-59, dist=2.0)
            for i in shoppers.ids(t, rng, items, n % len(gateways), len(gateways))])  # fmt: skip
        client.publish(Topic.SIGHTINGS, batch, device=gw)
        offered += items
        n += 1
        delay = start + n * interval - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
    shoppers.elapsed = base + seconds
    return offered


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--in-store", type=int, default=5000, help="members with a wishlist who come to shop")
    parser.add_argument("--present", type=int, default=500, help="of them, in the store at any moment")
    parser.add_argument("--arrivals", type=float, default=20.0, help="of them, walking in each second")
    parser.add_argument("--rates", default="10000,20000,30000,40000")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--items", type=int, default=50)
    args = parser.parse_args()
    console = Console()
    taskset = shutil.which("taskset")
    with tempfile.TemporaryDirectory(prefix="corsia-bench-hub-") as tmp:
        state = Path(tmp) / "hub"
        state.mkdir()
        console.print(f"seeding {args.members:,} members ({args.in_store:,} shopping)...")
        keys = seed(state / "hub.db", state / "secret.key", args.members, args.in_store, console)
        with MosquittoBroker(Path(tmp) / "broker") as broker:
            port = 18000 + os.getpid() % 1000
            config = Path(tmp) / "hub.toml"
            write_config(config, state, broker, port)
            pin = [taskset, "-c", "0"] if taskset else []
            started = time.perf_counter()
            hub = subprocess.Popen([*pin, sys.executable, "-m", "edge.cli", "hub", "--config", str(config)], cwd=REPO)
            url = f"http://127.0.0.1:{port}"
            try:
                ready = _wait_ready(url, hub)
                ready_s = time.perf_counter() - started
                if taskset:
                    os.sched_setaffinity(0, {1})
                client = MqttClient(MqttSection(host=broker.host, port=broker.port, max_inflight=1000),
                                    store="demo", client_id="bench-gateways", source="bench")  # fmt: skip
                client.start()
                client.wait_connected(10)
                headers = {"Authorization": f"Bearer {TOKEN}"}
                rows = []
                seqs: dict[str, int] = {}
                shoppers = Shoppers(keys, args.present, args.arrivals)
                offer(client, shoppers, 5000, 3.0, args.items, seqs)  # warm up: caches, first visits, the page cache
                for rate in [int(r) for r in args.rates.split(",")]:
                    before = requests.get(url + "/metrics", headers=headers, timeout=10).text
                    cpu0, t0 = cpu_seconds(hub.pid), time.perf_counter()
                    offered = offer(client, shoppers, rate, args.seconds, args.items, seqs)
                    # Let the hub drain what it has; what it cannot take in 2 s more is what it did not keep up with.
                    time.sleep(2.0)
                    after = requests.get(url + "/metrics", headers=headers, timeout=10).text
                    cpu1, t1 = cpu_seconds(hub.pid), time.perf_counter()
                    applied = metric(after, "corsia_hub_sighting_items_total") - metric(
                        before, "corsia_hub_sighting_items_total")  # fmt: skip
                    name = "corsia_hub_decision_latency_seconds"
                    decisions = metric(after, f"{name}_count") - metric(before, f"{name}_count")
                    p50 = quantile(histogram(before, name), histogram(after, name), 0.50)
                    p99 = quantile(histogram(before, name), histogram(after, name), 0.99)
                    rows.append((rate, offered, applied, applied / args.seconds, (cpu1 - cpu0) / (t1 - t0),
                                 int(decisions), p50, p99))  # fmt: skip
                rss, hwm = memory_mb(hub.pid)
                client.stop()
            finally:
                hub.terminate()
                hub.wait(20)
    table = Table(title=f"corsia hub: {args.members:,} members, batches of {args.items}, hub pinned to one core")
    for column in ("offered items/s", "applied items/s", "kept up", "hub CPU", "decisions", "p50 ms", "p99 ms"):
        table.add_column(column, justify="right")
    for rate, offered, applied, per_s, cpu, decisions, p50, p99 in rows:
        table.add_row(
            f"{rate:,}", f"{per_s:,.0f}", "yes" if applied >= 0.98 * offered else f"no ({applied / offered:.0%})",
            f"{cpu:.0%}", f"{decisions:,}", "-" if p50 is None else f"{p50 * 1e3:.1f}",
            "-" if p99 is None else f"{p99 * 1e3:.1f}",
        )  # fmt: skip
    console.print(table)
    console.print(f"ready after {ready_s:.1f} s ({'ok' if ready else 'not ready'}): keys unsealed and EID table built "
                  f"for {args.members:,} devices")  # fmt: skip
    console.print(f"hub memory after the load: RSS {rss:.0f} MB, peak {hwm:.0f} MB (target {RSS_TARGET_MB:.0f} MB)")
    return 0


def _wait_ready(url: str, hub: subprocess.Popen[bytes]) -> bool:
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and hub.poll() is None:
        try:
            if requests.get(url + "/healthz", timeout=1).status_code == 200:
                return True
        except requests.RequestException:
            pass
        time.sleep(0.1)
    return False


if __name__ == "__main__":
    sys.exit(main())
