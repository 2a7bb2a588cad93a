"""A lobby socket whose place the Redis lobby store lost (a failover, a lapse in an outage)
tells its client, which is then idle and free to queue again."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
import redis.asyncio as aioredis
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator

from engine.protocol import MessageType
from lobby import consumers, frames, sockets, wiring
from lobby.presence import presence_keeper
from lobby.redis_store import RedisLobbyStore
from lobby.service import MatchmakingService
from lobby.store import PresenceState
from tests.helpers import wait_for
from tests.lobby.test_consumers import APP, guest_cookie, guest_id, send

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(30), pytest.mark.redis]

NOTICE_TIMEOUT = consumers.PLACE_LOSS_GRACE + 3.0  # seconds a test waits for QUEUE_LEFT


@pytest.fixture
async def store(
    monkeypatch: pytest.MonkeyPatch, redis_url: str, redis_prefix: str
) -> AsyncIterator[RedisLobbyStore]:
    """The lobby sockets' store: real Redis, under this test's own prefix."""
    client = aioredis.Redis.from_url(redis_url)
    shared = RedisLobbyStore(client, redis_prefix)
    for module in (consumers, sockets, wiring):
        monkeypatch.setattr(module, "lobby_store", lambda: shared)
    yield shared
    await client.aclose()


@pytest.fixture
async def matchmaker(store: RedisLobbyStore) -> AsyncIterator[MatchmakingService]:
    """The matchmaking pass on that store (no match is started: nobody accepts)."""

    async def no_matches(groups: list[tuple[str, list[str]]]) -> list[tuple[str, str, str | None]]:
        raise AssertionError("no test here starts a match")

    service = MatchmakingService(
        store,
        get_channel_layer(),
        wiring.mode_specs(),
        wiring.rating_window(),
        accept_timeout=20.0,
        presence_ttl=wiring.PRESENCE_TTL,
        ticket_ttl=60.0,
        start_matches=no_matches,
    )
    task = asyncio.create_task(service.run())
    yield service
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def lose_place(store: RedisLobbyStore, redis_url: str, redis_prefix: str, key: str) -> None:
    """Delete the player's presence behind the sockets' backs, as a failover can."""
    client = aioredis.Redis.from_url(redis_url)
    try:
        assert await client.hdel(f"{redis_prefix}:lobby:presence", key) == 1
    finally:
        await client.aclose()
    assert await store.presence(key, time.time()) is None


Player = Callable[[str], Awaitable[tuple[WebsocketCommunicator, str]]]


@pytest.fixture
async def player() -> AsyncIterator[Player]:
    """Open a new guest's lobby socket, past its first frames; all are closed after the test."""
    opened: list[WebsocketCommunicator] = []

    async def open_lobby(name: str) -> tuple[WebsocketCommunicator, str]:
        cookie = await guest_cookie()
        comm = WebsocketCommunicator(APP, f"/ws/lobby/?name={name}", headers=[(b"cookie", cookie)])
        connected, _ = await comm.connect()
        assert connected
        opened.append(comm)
        await wait_for(comm, MessageType.LOBBY_WELCOME)
        await wait_for(comm, MessageType.CHAT_HISTORY)  # of direct messages: none
        return comm, f"guest:{await guest_id(cookie)}"

    yield open_lobby
    for comm in opened:
        with contextlib.suppress(Exception):
            await comm.disconnect()


async def test_a_queued_player_whose_place_was_lost_is_told_and_can_queue_again(
    matchmaker: MatchmakingService,
    store: RedisLobbyStore,
    player: Player,
    redis_url: str,
    redis_prefix: str,
) -> None:
    ada, ada_key = await player("Ada")
    idle, _ = await player("Bo")  # never queued: has no place to lose
    await send(ada, MessageType.QUEUE, "shooter", "ffa")  # 4 to start: Ada stays queued
    await wait_for(ada, MessageType.QUEUE_STATUS)
    await lose_place(store, redis_url, redis_prefix, ada_key)

    keeper = presence_keeper(sockets._touch_many, wiring.PRESENCE_REFRESH)
    lapsed = keeper.lapsed
    assert len(await keeper.refresh_now()) == 2, "Ada's place is gone; Bo never had one"
    assert keeper.lapsed == lapsed + 1, "only Ada's counts: idle Bo expected no place"
    left = await wait_for(ada, MessageType.QUEUE_LEFT, timeout=NOTICE_TIMEOUT)
    assert left[1] == {"reason": frames.PLACE_LOST}
    assert await idle.receive_nothing(0.1), "an idle player is told nothing"

    await send(ada, MessageType.QUEUE, "shooter", "ffa")
    status = await wait_for(ada, MessageType.QUEUE_STATUS)
    assert (status[1]["mode"], status[1]["searching"]) == ("ffa", 1)
    presence = await store.presence(ada_key, time.time())
    assert presence is not None and presence.state == PresenceState.QUEUED
    assert len(await keeper.refresh_now()) == 1, "only Bo's: Ada's place is held again"
    assert keeper.lapsed == lapsed + 1, "and Bo's is not counted"


async def test_a_player_in_a_ready_check_whose_place_was_lost_is_told_and_the_check_fails(
    matchmaker: MatchmakingService,
    store: RedisLobbyStore,
    player: Player,
    redis_url: str,
    redis_prefix: str,
) -> None:
    ada, ada_key = await player("Ada")
    bo, _ = await player("Bo")
    for comm in (ada, bo):
        await send(comm, MessageType.QUEUE, "shooter", "duel")
    pending_id = (await wait_for(ada, MessageType.READY_CHECK))[1]["pending_id"]
    await wait_for(bo, MessageType.READY_CHECK)
    await send(bo, MessageType.READY_ANSWER, pending_id, True)
    await lose_place(store, redis_url, redis_prefix, ada_key)

    await presence_keeper(sockets._touch_many, wiring.PRESENCE_REFRESH).refresh_now()
    left = await wait_for(ada, MessageType.QUEUE_LEFT, timeout=NOTICE_TIMEOUT)
    assert left[1] == {"reason": frames.PLACE_LOST}, "the notice, not the check's READY_FAILED"
    failed = (await wait_for(bo, MessageType.READY_FAILED))[1]
    assert (failed["pending_id"], failed["requeued"]) == (pending_id, True), "Bo searches on"
    assert not [g for g in get_channel_layer().groups if g.startswith("pending.")]

    await send(ada, MessageType.QUEUE, "shooter", "duel")
    assert (await wait_for(ada, MessageType.READY_CHECK))[1]["pending_id"] != pending_id


async def test_a_place_given_up_while_the_store_is_asked_is_not_told_lost(
    matchmaker: MatchmakingService,
    store: RedisLobbyStore,
    player: Player,
    redis_url: str,
    redis_prefix: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    ada, ada_key = await player("Ada")
    await send(ada, MessageType.QUEUE, "shooter", "ffa")
    await wait_for(ada, MessageType.QUEUE_STATUS)
    await lose_place(store, redis_url, redis_prefix, ada_key)
    asked, answer = asyncio.Event(), asyncio.Event()
    presence = store.presence

    async def slow_presence(key: str, now: float) -> object:
        if key == ada_key and not asked.is_set():  # the recovery's question
            asked.set()
            await answer.wait()  # the socket goes on meanwhile
        return await presence(key, now)

    monkeypatch.setattr(store, "presence", slow_presence)
    keeper = presence_keeper(sockets._touch_many, wiring.PRESENCE_REFRESH)
    await keeper.refresh_now()
    await asyncio.wait_for(asked.wait(), NOTICE_TIMEOUT)
    await send(ada, MessageType.CANCEL)  # the player gives the place up while the store is asked
    await wait_for(ada, MessageType.LOBBY_ERROR)  # "not searching": the store had lost it
    answer.set()
    assert await ada.receive_nothing(0.5), "no place_lost notice after the player left"
    assert not [r for r in caplog.records if r.exc_info], "the recovery did not fail"
