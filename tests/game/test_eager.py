"""start_eagerly: a coroutine that never waits finishes at once; one that waits becomes a task."""

from __future__ import annotations

import asyncio

import pytest

from game.eager import start_eagerly

pytestmark = pytest.mark.timeout(5)


async def test_a_coroutine_that_does_not_wait_runs_to_the_end_now() -> None:
    done: list[str] = []

    async def write() -> None:
        done.append("written")

    assert start_eagerly(write()) is None
    assert done == ["written"]


async def test_a_coroutine_that_waits_is_finished_by_a_task() -> None:
    gate = asyncio.Event()
    steps: list[str] = []

    async def write() -> str:
        steps.append("started")
        await gate.wait()
        steps.append("resumed")
        await asyncio.sleep(0)
        return "done"

    task = start_eagerly(write())
    assert task is not None and steps == ["started"]
    gate.set()
    assert await task == "done"
    assert steps == ["started", "resumed"]


async def test_errors_before_waiting_raise_and_after_waiting_fail_the_task() -> None:
    async def broken() -> None:
        raise OSError("gone")

    with pytest.raises(OSError):
        start_eagerly(broken())

    gate = asyncio.Event()

    async def later() -> None:
        await gate.wait()
        raise OSError("gone later")

    task = start_eagerly(later())
    assert task is not None
    gate.set()
    with pytest.raises(OSError):
        await task


async def test_cancelling_the_task_cancels_the_coroutine() -> None:
    cleaned: list[str] = []

    async def write() -> None:
        try:
            await asyncio.Event().wait()
        finally:
            cleaned.append("cleaned")

    task = start_eagerly(write())
    assert task is not None
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert cleaned == ["cleaned"]
