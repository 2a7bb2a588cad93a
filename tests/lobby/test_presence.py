"""One keeper per event loop refreshes every socket's presence together."""

from __future__ import annotations

import asyncio

import pytest

from lobby import presence
from lobby.presence import PresenceKeeper, presence_keeper

pytestmark = pytest.mark.timeout(10)


class Touches:
    """What the keeper asked the store to refresh, call by call."""

    def __init__(self, fail_first: bool = False) -> None:
        self.calls: list[tuple[list[tuple[str, str]], float]] = []
        self.called = asyncio.Event()
        self.fail_first = fail_first

    async def __call__(self, entries: list[tuple[str, str]], ttl: float) -> list[bool]:
        self.calls.append((list(entries), ttl))
        self.called.set()
        if self.fail_first and len(self.calls) == 1:
            raise ConnectionError("the store is away")
        return [True] * len(entries)


async def test_kept_presences_are_refreshed_together_grouped_by_ttl() -> None:
    touches = Touches()
    keeper = PresenceKeeper(touches, period=60)
    keeper.keep("chan-1", "p1", 15)
    keeper.keep("chan-2", "p2", 15)
    keeper.keep("chan-3", "p3", 30)
    keeper.drop("chan-2")
    await keeper.refresh_now()
    assert sorted(touches.calls) == [([("p1", "chan-1")], 15), ([("p3", "chan-3")], 30)]
    keeper.drop("chan-1")
    keeper.drop("chan-3")
    assert len(keeper) == 0


async def test_a_large_process_refreshes_in_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(presence, "CHUNK", 2)
    touches = Touches()
    keeper = PresenceKeeper(touches, period=60)
    for index in range(5):
        keeper.keep(f"chan-{index}", f"p{index}", 15)
    await keeper.refresh_now()
    assert [len(entries) for entries, _ in touches.calls] == [2, 2, 1]
    for index in range(5):
        keeper.drop(f"chan-{index}")


async def test_the_keeper_refreshes_every_period_and_outlives_a_failed_call() -> None:
    touches = Touches(fail_first=True)
    keeper = PresenceKeeper(touches, period=0.01)
    keeper.keep("chan-1", "p1", 15)
    while len(touches.calls) < 2:
        touches.called.clear()
        await touches.called.wait()
    assert touches.calls[1] == ([("p1", "chan-1")], 15)
    keeper.drop("chan-1")


async def test_each_event_loop_has_one_keeper() -> None:
    touches = Touches()
    first = presence_keeper(touches, 60)
    assert presence_keeper(Touches(), 5) is first
    assert first.period == 60


async def test_presences_the_store_no_longer_had_are_counted_and_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def touch_many(entries: list[tuple[str, str]], ttl: float) -> list[bool]:
        return [key != "p2" for key, _ in entries]  # p2's place lapsed in the store

    keeper = PresenceKeeper(touch_many, period=60)
    for index in range(1, 4):
        keeper.keep(f"chan-{index}", f"p{index}", 15)
    with caplog.at_level("WARNING", logger="lobby.presence"):
        await keeper.refresh_now()
    assert keeper.lapsed == 1
    assert "1 of 3 presences were gone" in caplog.text
    for index in range(1, 4):
        keeper.drop(f"chan-{index}")
