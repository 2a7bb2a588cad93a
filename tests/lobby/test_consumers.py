"""The lobby socket with the real matchmaking service, engine worker and in-memory layer."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import msgpack
import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.contrib.sessions.backends.db import SessionStore

from engine.protocol import CloseCode, LobbyErrorCode, MessageType
from engine.worker import EngineWorker
from game.lifespan import build_matchmaker
from game.routing import websocket_urlpatterns
from lobby import wiring
from lobby.identity import GUEST_KEY
from lobby.memory_store import MemoryLobbyStore
from lobby.models import PlayerProfile, Rating
from lobby.service import MatchmakingService
from lobby.store import PresenceState
from tests.helpers import next_frame, wait_for, wait_for_close

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(30)]

APP = URLRouter(websocket_urlpatterns)


@database_sync_to_async
def guest_cookie() -> bytes:
    """A new guest's session cookie."""
    session = SessionStore()
    session[GUEST_KEY] = uuid.uuid4().hex
    session.save()
    return f"sessionid={session.session_key}".encode()


@pytest.fixture
def store(monkeypatch: pytest.MonkeyPatch) -> MemoryLobbyStore:
    """A fresh lobby store for this test."""
    fresh = MemoryLobbyStore()
    monkeypatch.setattr(wiring, "_memory_store", fresh)
    return fresh


@pytest.fixture
async def matchmaker(
    store: MemoryLobbyStore, engine: EngineWorker, arena_settings: Any
) -> AsyncIterator[MatchmakingService]:
    """The matchmaking service running in the test's loop, with 1 s ready checks."""
    arena_settings(accept_timeout=1.0)
    service = build_matchmaker()
    task = asyncio.create_task(service.run())
    yield service
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


Lobby = Callable[..., Awaitable[WebsocketCommunicator]]


@pytest.fixture
async def lobby() -> AsyncIterator[Lobby]:
    """Open lobby sockets; all are closed after the test."""
    opened: list[WebsocketCommunicator] = []

    async def open_lobby(name: str = "Ada", cookie: bytes | None = b"") -> WebsocketCommunicator:
        headers = []
        if cookie is not None:
            headers.append((b"cookie", cookie or await guest_cookie()))
        comm = WebsocketCommunicator(APP, f"/ws/lobby/?name={name}", headers=headers)
        connected, _ = await comm.connect()
        assert connected
        opened.append(comm)
        return comm

    yield open_lobby
    for comm in opened:
        with contextlib.suppress(Exception):
            await comm.disconnect()


async def send(comm: WebsocketCommunicator, *frame: Any) -> None:
    await comm.send_to(bytes_data=msgpack.packb(list(frame)))


async def queued_lobby(lobby: Lobby, name: str, mode: str = "duel") -> WebsocketCommunicator:
    """A lobby socket that has sent QUEUE (its first answer may be a status or a ready check)."""
    comm = await lobby(name)
    await wait_for(comm, MessageType.LOBBY_WELCOME)
    await send(comm, MessageType.QUEUE, "shooter", mode)
    return comm


def pending_groups() -> list[str]:
    return [g for g in get_channel_layer().groups if g.startswith("pending.")]


async def test_welcome_tells_the_player_their_rating_and_the_modes(lobby: Lobby) -> None:
    comm = await lobby("Ada")
    welcome = (await next_frame(comm))[1]
    assert welcome["name"] == "Ada" and welcome["ratings"] == {}, "none played yet: 1500"
    profile = await PlayerProfile.objects.aget(name="Ada")
    assert (welcome["player_id"], welcome["signed_in"]) == (profile.pk, False), "a guest"
    modes = welcome["games"]["shooter"]["modes"]
    assert (modes["duel"]["lobby_min"], modes["duel"]["max_players"]) == (2, 2)
    assert (modes["ffa"]["lobby_min"], modes["ffa"]["max_players"]) == (4, 8)
    assert set(welcome["games"]) == {"shooter", "football", "connect4"}


async def test_queue_status_reports_position_and_searching(
    matchmaker: MatchmakingService, lobby: Lobby
) -> None:
    ada = await queued_lobby(lobby, "Ada", "ffa")
    bo = await queued_lobby(lobby, "Bo", "ffa")
    status = (await wait_for(bo, MessageType.QUEUE_STATUS, where=lambda f: f[1]["searching"] == 2))[
        1
    ]
    assert status["mode"] == "ffa" and status["position"] == 2 and status["elapsed_ms"] >= 0
    first = (await wait_for(ada, MessageType.QUEUE_STATUS, where=lambda f: f[1]["searching"] == 2))[
        1
    ]
    assert first["position"] == 1


async def test_all_accept_gives_everyone_a_ticket_to_one_match(
    matchmaker: MatchmakingService, lobby: Lobby, connect: Any
) -> None:
    ada = await queued_lobby(lobby, "Ada")
    bo = await queued_lobby(lobby, "Bo")
    checks = [(await wait_for(c, MessageType.READY_CHECK))[1] for c in (ada, bo)]
    assert checks[0]["pending_id"] == checks[1]["pending_id"]
    assert sorted(name for name, _ in checks[0]["players"]) == ["Ada", "Bo"]
    assert 0 < checks[0]["timeout_ms"] <= 1000
    assert len(pending_groups()) == 1, "the ready check has its temporary group"
    pending_id = checks[0]["pending_id"]
    for comm in (ada, bo):
        await send(comm, MessageType.READY_ANSWER, pending_id, True)
    found = [(await wait_for(c, MessageType.MATCH_FOUND))[1] for c in (ada, bo)]
    assert found[0]["match_id"] == found[1]["match_id"] and found[0]["ticket"] != found[1]["ticket"]
    assert pending_groups() == [], "no temporary group outlives the formation of its match"

    for details in found:
        match_socket = await connect(details["match_id"], ticket=details["ticket"])
        await wait_for(match_socket, MessageType.WELCOME)
    await send(ada, MessageType.QUEUE, "shooter", "duel")
    error = await wait_for(ada, MessageType.LOBBY_ERROR)
    assert error[1] == LobbyErrorCode.ALREADY_ACTIVE and "match" in error[2]


async def test_a_decline_requeues_those_who_accepted_at_the_front(
    matchmaker: MatchmakingService, lobby: Lobby, store: MemoryLobbyStore
) -> None:
    ada = await queued_lobby(lobby, "Ada")
    bo = await queued_lobby(lobby, "Bo")
    pending_id = (await wait_for(ada, MessageType.READY_CHECK))[1]["pending_id"]
    await wait_for(bo, MessageType.READY_CHECK)
    await send(ada, MessageType.READY_ANSWER, pending_id, True)
    await send(bo, MessageType.READY_ANSWER, pending_id, False)
    ada_failed = (await wait_for(ada, MessageType.READY_FAILED))[1]
    bo_failed = (await wait_for(bo, MessageType.READY_FAILED))[1]
    assert ada_failed == {"pending_id": pending_id, "reason": "declined", "requeued": True}
    assert bo_failed["requeued"] is False
    assert pending_groups() == []
    status = (await wait_for(ada, MessageType.QUEUE_STATUS))[1]
    assert status["position"] == 1
    await send(
        bo, MessageType.QUEUE, "shooter", "duel"
    )  # the decliner may queue again: a new check forms
    again = [(await wait_for(c, MessageType.READY_CHECK))[1]["pending_id"] for c in (ada, bo)]
    assert again[0] == again[1] != pending_id


async def test_a_ready_check_nobody_answers_times_out(
    matchmaker: MatchmakingService, lobby: Lobby
) -> None:
    ada = await queued_lobby(lobby, "Ada")
    bo = await queued_lobby(lobby, "Bo")
    pending_id = (await wait_for(ada, MessageType.READY_CHECK))[1]["pending_id"]
    await send(ada, MessageType.READY_ANSWER, pending_id, True)
    failed = (await wait_for(bo, MessageType.READY_FAILED, timeout=5))[1]
    assert failed["reason"] == "timeout" and failed["requeued"] is False
    assert (await wait_for(ada, MessageType.READY_FAILED))[1]["requeued"] is True


async def test_a_second_tab_gets_a_clear_error_not_a_second_seat(
    matchmaker: MatchmakingService, lobby: Lobby
) -> None:
    cookie = await guest_cookie()
    first = await lobby("Ada", cookie)
    second = await lobby("Ada", cookie)
    for comm in (first, second):
        await wait_for(comm, MessageType.LOBBY_WELCOME)
    await send(first, MessageType.QUEUE, "shooter", "duel")
    await wait_for(first, MessageType.QUEUE_STATUS)
    await send(second, MessageType.QUEUE, "shooter", "ffa")
    error = await wait_for(second, MessageType.LOBBY_ERROR)
    assert error[1] == LobbyErrorCode.ALREADY_ACTIVE and "another tab" in error[2]


async def test_closing_the_socket_leaves_the_queue_at_once(
    matchmaker: MatchmakingService, lobby: Lobby, store: MemoryLobbyStore
) -> None:
    ada = await queued_lobby(lobby, "Ada")
    await wait_for(ada, MessageType.QUEUE_STATUS)
    await ada.disconnect()
    assert await store.queued("shooter/duel", time.time()) == []


async def test_cancel_leaves_the_queue(matchmaker: MatchmakingService, lobby: Lobby) -> None:
    ada = await queued_lobby(lobby, "Ada")
    await wait_for(ada, MessageType.QUEUE_STATUS)
    await send(ada, MessageType.CANCEL)
    assert (await wait_for(ada, MessageType.QUEUE_LEFT))[1] == {"reason": "cancelled"}
    await send(ada, MessageType.CANCEL)
    assert (await wait_for(ada, MessageType.LOBBY_ERROR))[1] == LobbyErrorCode.NOT_QUEUED


async def test_unknown_mode_and_stale_answers_are_refused_and_the_socket_stays(
    lobby: Lobby, store: MemoryLobbyStore
) -> None:
    ada = await lobby("Ada")
    await wait_for(ada, MessageType.LOBBY_WELCOME)
    await send(ada, MessageType.QUEUE, "shooter", "battle-royale")
    assert (await wait_for(ada, MessageType.LOBBY_ERROR))[1] == LobbyErrorCode.UNKNOWN_MODE
    await send(ada, MessageType.QUEUE, "chess", "blitz")
    assert (await wait_for(ada, MessageType.LOBBY_ERROR))[1] == LobbyErrorCode.UNKNOWN_MODE
    await send(ada, MessageType.READY_ANSWER, "nope", True)
    assert (await wait_for(ada, MessageType.LOBBY_ERROR))[1] == LobbyErrorCode.NO_READY_CHECK
    await send(ada, MessageType.PING, 7)
    assert (await wait_for(ada, MessageType.PONG))[1] == 7


@pytest.mark.parametrize(
    ("name", "cookie", "code"),
    [("Ada", None, CloseCode.NO_SESSION), ("<b>", b"", CloseCode.BAD_NAME)],
    ids=["no-session", "bad-name"],
)
async def test_refused_lobby_sockets(
    lobby: Lobby, store: MemoryLobbyStore, name: str, cookie: bytes | None, code: CloseCode
) -> None:
    assert await wait_for_close(await lobby(name, cookie)) == code


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ([20], CloseCode.PROTOCOL_ERROR),
        ([22, "id", 1], CloseCode.PROTOCOL_ERROR),
        ([20, "x" * 17], CloseCode.PROTOCOL_ERROR),
        ([1, 1, 1, 1], CloseCode.PROTOCOL_ERROR),
    ],
    ids=["queue-arity", "answer-not-bool", "mode-too-long", "match-frame-on-lobby"],
)
async def test_malformed_lobby_frames_close_with_a_code(
    lobby: Lobby, store: MemoryLobbyStore, frame: list[Any], code: CloseCode
) -> None:
    ada = await lobby("Ada")
    await wait_for(ada, MessageType.LOBBY_WELCOME)
    await send(ada, *frame)
    assert await wait_for_close(ada) == code


async def test_queueing_after_a_match_uses_the_new_rating(
    matchmaker: MatchmakingService, lobby: Lobby, store: MemoryLobbyStore, connect: Any
) -> None:
    cookie = await guest_cookie()
    ada = await lobby("Ada", cookie)
    bo = await queued_lobby(lobby, "Bo")
    await wait_for(ada, MessageType.LOBBY_WELCOME)
    await send(ada, MessageType.QUEUE, "shooter", "duel")
    pending_id = (await wait_for(ada, MessageType.READY_CHECK))[1]["pending_id"]
    for comm in (ada, bo):
        await send(comm, MessageType.READY_ANSWER, pending_id, True)
    found = (await wait_for(ada, MessageType.MATCH_FOUND))[1]
    match_socket = await connect(found["match_id"], ticket=found["ticket"])
    await wait_for(match_socket, MessageType.WELCOME)
    key = f"guest:{await guest_id(cookie)}"
    await Rating.objects.aupdate_or_create(  # the match was rated
        player_key=key, game="shooter", mode="duel", defaults={"rating": 1712.0}
    )
    await match_socket.send_to(bytes_data=msgpack.packb([MessageType.LEAVE]))  # back to the lobby
    assert await wait_for_close(match_socket) == CloseCode.NORMAL
    await until(lambda: store.presence(key, time.time()), absent=True)
    await send(ada, MessageType.QUEUE, "shooter", "duel")
    await until(lambda: store.presence(key, time.time()))
    [entry] = [e for e in await store.queued("shooter/duel", time.time()) if e.player_key == key]
    assert entry.rating == 1712.0


async def test_a_rating_recorded_after_the_page_opened_is_the_one_queued_with(
    lobby: Lobby, store: MemoryLobbyStore
) -> None:
    cookie = await guest_cookie()
    ada = await lobby("Ada", cookie)
    await wait_for(ada, MessageType.LOBBY_WELCOME)  # the page reloaded during a match
    key = f"guest:{await guest_id(cookie)}"
    await Rating.objects.aupdate_or_create(  # ... whose result came in afterwards
        player_key=key, game="shooter", mode="duel", defaults={"rating": 1640.0}
    )
    await send(ada, MessageType.QUEUE, "shooter", "duel")
    await until(lambda: store.presence(key, time.time()))
    [entry] = [e for e in await store.queued("shooter/duel", time.time()) if e.player_key == key]
    assert entry.rating == 1640.0


@database_sync_to_async
def guest_id(cookie: bytes) -> str:
    session_key = cookie.decode().split("=", 1)[1]
    return SessionStore(session_key=session_key)[GUEST_KEY]


async def until(probe: Any, absent: bool = False) -> None:
    async with asyncio.timeout(2):
        while ((await probe()) is None) != absent:
            await asyncio.sleep(0.01)


async def test_a_reloaded_page_is_offered_the_match_its_player_has_a_seat_in(
    matchmaker: MatchmakingService, lobby: Lobby, store: MemoryLobbyStore, connect: Any
) -> None:
    cookie = await guest_cookie()
    ada = await lobby("Ada", cookie)
    bo = await queued_lobby(lobby, "Bo")
    assert (await wait_for(ada, MessageType.LOBBY_WELCOME))[1]["match"] is None
    await send(ada, MessageType.QUEUE, "shooter", "duel")
    pending_id = (await wait_for(ada, MessageType.READY_CHECK))[1]["pending_id"]
    for comm in (ada, bo):
        await send(comm, MessageType.READY_ANSWER, pending_id, True)
    found = (await wait_for(ada, MessageType.MATCH_FOUND))[1]
    match_socket = await connect(found["match_id"], ticket=found["ticket"])
    await wait_for(match_socket, MessageType.WELCOME)
    second_tab = await lobby("Ada", cookie)
    seat = (await wait_for(second_tab, MessageType.LOBBY_WELCOME))[1]["match"]
    assert (seat["match_id"], seat["connected"]) == (found["match_id"], True)
    await ada.disconnect()
    await match_socket.disconnect()  # the page is reloaded: both of its sockets drop
    reloaded = await lobby("Ada", cookie)
    seat = (await wait_for(reloaded, MessageType.LOBBY_WELCOME))[1]["match"]
    assert (seat["match_id"], seat["ws_path"], seat["connected"]) == (
        found["match_id"],
        found["ws_path"],
        False,
    )
    await send(reloaded, MessageType.QUEUE, "shooter", "duel")
    refused = await wait_for(reloaded, MessageType.LOBBY_ERROR)
    assert refused[1] == LobbyErrorCode.ALREADY_ACTIVE, "not queued twice"
    back = await connect(found["match_id"], ticket=seat["ticket"])
    assert (await wait_for(back, MessageType.WELCOME))[1]["player_id"] == 0


async def test_a_seat_kept_for_a_match_that_is_over_does_not_keep_its_player_from_queueing(
    lobby: Lobby, store: MemoryLobbyStore, engine: EngineWorker
) -> None:
    from game.models import MatchRecord

    cookie = await guest_cookie()
    key = f"guest:{await guest_id(cookie)}"
    match = await MatchRecord.objects.acreate(
        mode="duel", max_players=2, engine_id="e", status=MatchRecord.Status.OVER
    )
    await store.reserve_matches([(key, str(match.id))], 20.0)
    ada = await lobby("Ada", cookie)
    assert (await wait_for(ada, MessageType.LOBBY_WELCOME))[1]["match"] is None
    await send(ada, MessageType.QUEUE, "shooter", "duel")

    async def queued() -> PresenceState | None:
        presence = await store.presence(key, time.time())
        return presence.state if presence and presence.state == PresenceState.QUEUED else None

    await until(queued)
