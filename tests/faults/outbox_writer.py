"""A writer to kill: forks children that add kiosk outbox registrations in a loop, for test_power_cut.py.

Run as ``python -m tests.faults.outbox_writer``. It imports the outbox once and then, for each line read on
stdin (an outbox path), forks a child that opens that outbox and adds registrations as fast as it can, writing
``ready`` once the outbox is open and then each provisional number on a pipe *after* its transaction committed.
This process relays the pipe: ``pid <n>``, then ``ready``, and when the child has died, every committed number
and ``end <wait status>``. Forking from a process that has imported everything keeps each of the fifty runs to
a few milliseconds of start-up; this process starts no thread, so forking it is safe.
"""

from __future__ import annotations

import os
import sys

from kiosk.hub_client import Registration
from kiosk.outbox import Outbox


def child(path: str, out: int) -> None:
    outbox = Outbox(path)
    os.write(out, b"ready\n")
    n = 0
    while True:
        n += 1
        number = outbox.add(
            Registration(
                first_name="Giulia",
                last_name=f"Rossi {n}",
                email=f"giulia.{os.getpid()}.{n}@example.com",
                policy_version="2026-01",
                proximity=n % 2 == 0,
            )
        )
        os.write(out, f"{number} {os.getpid()}.{n}\n".encode())


def relay(pid: int, inp: int) -> None:
    print(f"pid {pid}", flush=True)
    buffered = b""
    ready = False
    with os.fdopen(inp, "rb", buffering=0) as pipe:
        while chunk := pipe.read(65536):
            buffered += chunk
            if not ready and b"ready\n" in buffered:
                ready = True
                print("ready", flush=True)
    _, status = os.waitpid(pid, 0)
    if not ready:
        print("ready", flush=True)  # died before opening the outbox: nothing committed, say so all the same
    for line in buffered.split(b"\n")[:-1]:  # a last line cut by the kill has no newline: not reported
        if line != b"ready":
            print(line.decode(), flush=False)
    print(f"end {status}", flush=True)


def main() -> None:
    for line in sys.stdin:
        path = line.strip()
        if not path:
            return
        inp, out = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(inp)
            try:
                child(path, out)
            finally:
                os._exit(1)
        os.close(out)
        relay(pid, inp)


if __name__ == "__main__":
    main()
