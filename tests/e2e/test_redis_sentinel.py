"""Redis fails over to its replica under Sentinel: matches and the lobby's queue go on.

The stack reaches Redis through a ``redis+sentinel://`` URL; the primary is killed under a
match with players and a queue of waiting players. The engine, the registry, the leases, the
lobby store and the channel layer ask the sentinels for the new primary by themselves.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from pathlib import Path

import pytest

from loadtest.redisfailover import (
    Player,
    Waiter,
    fail_over,
    failover_stack,
    queue_waiters,
    seat_players,
)
from loadtest.sentinels import SentinelGroup, SentinelUnavailable

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(90)]

GAP_LIMIT = 8.0  # seconds without snapshots: detection (1 s) + election + reconnection


Seated = tuple[SentinelGroup, list[Player], list[Waiter]]


@pytest.fixture
async def seated(tmp_path: Path) -> AsyncIterator[Seated]:
    """A stack on sentinels with a match of two players and three players queued."""
    async with AsyncExitStack() as exits:
        try:
            _, base, group = await exits.enter_async_context(failover_stack(tmp_path))
        except SentinelUnavailable as error:
            pytest.skip(f"Redis Sentinel cannot start here: {error}")
        players = await seat_players(base, matches=1, per_match=2)
        waiters = await queue_waiters(base, 3)
        readers = [asyncio.create_task(x.read()) for x in [*players, *waiters]]
        async with asyncio.timeout(10):  # every socket is live before the fault
            while not all(p.arrivals for p in players) or not all(w.status for w in waiters):
                await asyncio.sleep(0.05)
        yield group, players, waiters
        for reader in readers:
            reader.cancel()
        for x in [*players, *waiters]:
            await x.socket.close()


async def test_a_killed_primary_loses_no_match_and_no_queue_entry(
    seated: Seated,
) -> None:
    group, players, waiters = seated
    result = await fail_over(group, players, waiters, "kill", restart=False)
    assert result.matches_lost == 0, f"the match plays on: {result}"
    assert result.gap_max_s < GAP_LIMIT, f"snapshots resume within seconds: {result}"
    assert result.queued == 3 and result.queue_entries_lost == 0, result
    assert result.waiters_requeue_free == 3, f"each waiter kept its place: {result}"
    assert all(p.socket.close_code is None for p in players), "no player was disconnected"
