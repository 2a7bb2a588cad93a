"""ArenaSocket's background work: a client that is gone is no error; a bug is logged."""

from __future__ import annotations

import asyncio
import gc
import logging

import pytest

from lobby.sockets import ArenaSocket

pytestmark = pytest.mark.timeout(10)


async def test_background_work_for_a_gone_client_is_quiet_and_bugs_are_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def gone() -> None:
        raise OSError("the client disconnected")

    async def broken() -> None:
        raise ValueError("a bug")

    socket = ArenaSocket()
    with caplog.at_level(logging.DEBUG):
        socket.spawn(gone())
        socket.spawn(broken())
        for _ in range(3):
            await asyncio.sleep(0)
        gc.collect()
    assert not socket.background, "finished work is let go"
    failures = [r for r in caplog.records if r.name == "lobby.sockets"]
    assert len(failures) == 1 and failures[0].exc_info[0] is ValueError
    assert not any("never retrieved" in r.getMessage() for r in caplog.records)
