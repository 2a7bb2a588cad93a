"""One keeper per event loop refreshes every socket's presence together."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable

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


async def test_a_gone_place_its_socket_did_not_expect_is_not_counted_logged_or_reported(
    caplog: pytest.LogCaptureFixture,
) -> None:
    calls = GoneCalls()
    holds = {"chan-1": False, "chan-2": True}  # chan-1 is an idle lobby socket: no place

    def expects(channel: str) -> presence.Expected:
        return lambda: holds[channel]

    keeper = PresenceKeeper(gone_for("p1", "p2"), period=60)
    for index in (1, 2):
        channel = f"chan-{index}"
        keeper.keep(channel, f"p{index}", 15, calls.handler(channel), expects(channel))
    with caplog.at_level("WARNING", logger="lobby.presence"):
        assert sorted(await keeper.refresh_now()) == ["chan-1", "chan-2"]
    assert keeper.lapsed == 1 and "1 of 2 presences were gone" in caplog.text
    assert calls.called == ["chan-2"], "only the socket that expected its place is told"
    holds["chan-2"] = False  # idle now too
    caplog.clear()
    with caplog.at_level("WARNING", logger="lobby.presence"):
        await keeper.refresh_now()
    assert keeper.lapsed == 1 and "presences were gone" not in caplog.text
    assert calls.called == ["chan-2"]
    keeper.drop("chan-1")
    keeper.drop("chan-2")


class GoneCalls:
    """Handlers of gone presences, per channel: which were called and whose work ran."""

    def __init__(self) -> None:
        self.called: list[str] = []
        self.worked: list[str] = []
        self.done = asyncio.Event()

    def handler(self, channel: str, work: bool = True) -> presence.GoneHandler:
        def on_gone() -> Awaitable[None] | None:
            self.called.append(channel)
            return self._work(channel) if work else None

        return on_gone

    async def _work(self, channel: str) -> None:
        self.worked.append(channel)
        self.done.set()


def gone_for(*gone: str) -> presence.TouchMany:
    """A ``touch_many`` whose store no longer has the presences of the players ``gone``."""

    async def touch_many(entries: list[tuple[str, str]], ttl: float) -> list[bool]:
        return [key not in gone for key, _ in entries]

    return touch_many


async def test_the_keeper_reports_each_gone_presence_to_its_channels_handler() -> None:
    calls = GoneCalls()
    keeper = PresenceKeeper(gone_for("p2", "p3"), period=60)
    keeper.keep("chan-1", "p1", 15, calls.handler("chan-1"))
    keeper.keep("chan-2", "p2", 15, calls.handler("chan-2"))
    keeper.keep("chan-3", "p3", 30, calls.handler("chan-3", work=False))
    keeper.keep("chan-4", "p3", 15)  # gone too, but its socket asked for no report
    gone = await keeper.refresh_now()
    assert sorted(gone) == ["chan-2", "chan-3", "chan-4"]
    assert sorted(calls.called) == ["chan-2", "chan-3"], "only handlers of gone presences"
    await calls.done.wait()
    assert calls.worked == ["chan-2"], "the handler's work ran in a task of its own"
    assert keeper.lapsed == 3
    for index in range(1, 5):
        keeper.drop(f"chan-{index}")
    assert await keeper.refresh_now() == []


async def test_a_presence_dropped_during_its_refresh_is_not_reported() -> None:
    calls = GoneCalls()

    async def touch_many(entries: list[tuple[str, str]], ttl: float) -> list[bool]:
        keeper.drop("chan-1")  # the socket closed while the store answered
        return [False] * len(entries)

    keeper = PresenceKeeper(touch_many, period=60)
    keeper.keep("chan-1", "p1", 15, calls.handler("chan-1"))
    assert await keeper.refresh_now() == ["chan-1"]
    assert calls.called == []


async def test_failing_handlers_are_logged_and_never_stop_the_keeper(
    caplog: pytest.LogCaptureFixture,
) -> None:
    calls = GoneCalls()
    touches = Touches()

    def raises_at_once() -> Awaitable[None] | None:
        raise RuntimeError("handler broke")

    async def fails_later() -> None:
        raise RuntimeError("work broke")

    async def touch_many(entries: list[tuple[str, str]], ttl: float) -> list[bool]:
        await touches(entries, ttl)
        return [False] * len(entries)

    keeper = PresenceKeeper(touch_many, period=0.01)
    keeper.keep("chan-1", "p1", 15, raises_at_once)
    keeper.keep("chan-2", "p2", 15, fails_later)
    keeper.keep("chan-3", "p3", 15, calls.handler("chan-3"))
    with caplog.at_level("ERROR", logger="lobby.presence"):
        await calls.done.wait()  # the loop's refresh reached the third handler
        while len(touches.calls) < 2:  # and the loop refreshes again
            touches.called.clear()
            await touches.called.wait()
    failures = [r for r in caplog.records if r.levelname == "ERROR" and r.exc_info]
    assert {str(r.exc_info[1]) for r in failures if r.exc_info} >= {"handler broke", "work broke"}
    for index in range(1, 4):
        keeper.drop(f"chan-{index}")


async def test_answers_that_do_not_match_the_chunk_report_nothing(
    caplog: pytest.LogCaptureFixture,
) -> None:
    calls = GoneCalls()

    async def touch_many(entries: list[tuple[str, str]], ttl: float) -> list[bool]:
        return [False]  # one answer for two presences: which one was gone is unknown

    keeper = PresenceKeeper(touch_many, period=60)
    keeper.keep("chan-1", "p1", 15, calls.handler("chan-1"))
    keeper.keep("chan-2", "p2", 15, calls.handler("chan-2"))
    with caplog.at_level("WARNING", logger="lobby.presence"):
        assert await keeper.refresh_now() == []
    assert calls.called == [] and "2 presences refreshed, 1 answers" in caplog.text
    keeper.drop("chan-1")
    keeper.drop("chan-2")
