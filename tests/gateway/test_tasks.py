"""Stopping the gateway's periodic tasks when a cancellation is lost on the way."""

from __future__ import annotations

import asyncio
import logging
import sys

import pytest

from gateway.tasks import cancel_and_wait


async def _poll_forever(replies: asyncio.Queue[asyncio.Future[int]], done: list[int]) -> None:
    """The watchdog's shape: a loop of calls, each bounded by `asyncio.wait_for`."""
    while True:
        reply = await replies.get()
        done.append(await asyncio.wait_for(reply, 3.0))


def test_a_task_whose_cancellation_was_swallowed_is_stopped_all_the_same(caplog: pytest.LogCaptureFixture) -> None:
    async def scenario() -> tuple[list[int], bool]:
        replies: asyncio.Queue[asyncio.Future[int]] = asyncio.Queue()
        done: list[int] = []
        task = asyncio.create_task(_poll_forever(replies, done), name="watchdog")
        loop = asyncio.get_running_loop()
        reply: asyncio.Future[int] = loop.create_future()
        await replies.put(reply)
        await asyncio.sleep(0.01)  # the task now waits inside wait_for
        reply.set_result(1)  # the reply arrives in the same loop iteration as the cancellation below
        await asyncio.wait_for(cancel_and_wait([task], retry_s=0.1), 5.0)
        return done, task.cancelled()

    with caplog.at_level(logging.WARNING, logger="corsia.gateway"):
        done, cancelled = asyncio.run(scenario())
    assert cancelled
    if sys.version_info < (3, 12):  # wait_for swallowed the first cancellation: the loop went round again
        assert done == [1]
        assert "did not stop when cancelled" in caplog.text


def test_one_cancellation_is_not_enough_for_such_a_task() -> None:
    """What the helper guards against: the same task, cancelled once, is still running."""

    async def scenario() -> bool:
        replies: asyncio.Queue[asyncio.Future[int]] = asyncio.Queue()
        task = asyncio.create_task(_poll_forever(replies, []))
        reply: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        await replies.put(reply)
        await asyncio.sleep(0.01)
        reply.set_result(1)
        task.cancel()
        _, pending = await asyncio.wait([task], timeout=0.2)
        running = bool(pending)
        await cancel_and_wait([task])
        return running

    running = asyncio.run(scenario())
    assert running == (sys.version_info < (3, 12))


def test_tasks_that_end_or_fail_are_waited_for_without_raising() -> None:
    async def fails() -> None:
        raise RuntimeError("boom")

    async def sleeps() -> None:
        await asyncio.sleep(60)

    async def scenario() -> tuple[bool, bool, bool]:
        failed = asyncio.create_task(fails())
        finished = asyncio.create_task(asyncio.sleep(0))
        sleeping = asyncio.create_task(sleeps())
        await asyncio.sleep(0.01)
        await asyncio.wait_for(cancel_and_wait([failed, finished, sleeping]), 5.0)
        return failed.done() and not failed.cancelled(), finished.done(), sleeping.cancelled()

    assert asyncio.run(scenario()) == (True, True, True)
