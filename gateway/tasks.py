"""Stopping the gateway's periodic tasks for good.

A single `Task.cancel()` can be lost: on Python 3.11, `asyncio.wait_for` returns its inner result and drops the
cancellation when both arrive in the same loop iteration (fixed in 3.12), and a library may do the same. A task
in a ``while True`` loop would then run on and the shutdown would wait for it forever. So the cancellation is
repeated until every task has ended.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Collection

log = logging.getLogger("corsia.gateway")


async def cancel_and_wait(tasks: Collection[asyncio.Task[object]], *, retry_s: float = 1.0) -> None:
    """Cancel `tasks` and wait until every one has ended, cancelling again every `retry_s` those still running.

    Whatever they raise on the way out is theirs to log; it is not raised here.
    """
    pending = {task for task in tasks if not task.done()}
    while pending:
        for task in pending:
            task.cancel()
        _, pending = await asyncio.wait(pending, timeout=retry_s)
        for task in pending:
            log.warning("task %s did not stop when cancelled: cancelling it again", task.get_name())
    for task in tasks:
        if not task.cancelled() and task.exception() is not None:
            log.debug("task %s ended with %r", task.get_name(), task.exception())
