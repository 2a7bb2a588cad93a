"""Parties on the lobby socket: create, join by the invite's id (refused when full), party chat,
the leader queues the party, a member's cancel takes the party out, leaving."""

from __future__ import annotations

import time
from typing import Any

import pytest

from engine.protocol import LobbyErrorCode, MessageType
from lobby.memory_store import MemoryLobbyStore
from tests.helpers import wait_for
from tests.lobby.test_consumers import Lobby, lobby, matchmaker, send, store  # noqa: F401

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(30)]


async def welcomed(lobby: Lobby, name: str) -> Any:  # noqa: F811
    """A lobby socket of a new guest, past LOBBY_WELCOME."""
    comm = await lobby(name)
    await wait_for(comm, MessageType.LOBBY_WELCOME)
    return comm


async def error_code(comm: Any) -> int:
    """The code of the next LOBBY_ERROR."""
    return (await wait_for(comm, MessageType.LOBBY_ERROR))[1]


async def test_a_party_is_formed_chats_and_refuses_a_third_in_2v2(
    lobby: Lobby,  # noqa: F811
) -> None:
    ada, bob, cy = [await welcomed(lobby, name) for name in ("Ada", "Bob", "Cy")]
    await send(ada, MessageType.PARTY_CREATE, "football", "2v2")
    state = (await wait_for(ada, MessageType.PARTY_STATE))[1]
    assert state["members"] == ["Ada"] and state["limit"] == 2
    assert state["invite"] == f"/?party={state['party_id']}"
    await send(bob, MessageType.PARTY_JOIN, state["party_id"])
    for comm in (ada, bob):
        body = (
            await wait_for(comm, MessageType.PARTY_STATE, where=lambda f: len(f[1]["members"]) == 2)
        )[1]
        assert body["members"] == ["Ada", "Bob"]
    await send(cy, MessageType.PARTY_JOIN, state["party_id"])
    assert await error_code(cy) == LobbyErrorCode.PARTY_FULL
    await send(cy, MessageType.PARTY_JOIN, "no-such-party")
    assert await error_code(cy) == LobbyErrorCode.NO_SUCH_PARTY
    await send(bob, MessageType.PARTY_CREATE, "football", "2v2")
    assert await error_code(bob) == LobbyErrorCode.IN_PARTY
    await send(bob, MessageType.CHAT_SEND, "party", "ready when you are")
    heard = await wait_for(ada, MessageType.CHAT_MESSAGE)
    assert heard[1]["channel"] == "party" and heard[1]["text"] == "ready when you are"
    await send(cy, MessageType.CHAT_SEND, "party", "let me in")
    assert (await wait_for(cy, MessageType.CHAT_ERROR)) is not None, "Cy is in no party"
    await send(bob, MessageType.PARTY_LEAVE)
    assert (await wait_for(bob, MessageType.PARTY_STATE))[1] is None
    left = await wait_for(ada, MessageType.PARTY_STATE, where=lambda f: len(f[1]["members"]) == 1)
    assert left[1]["members"] == ["Ada"]
    await send(bob, MessageType.PARTY_LEAVE)
    assert await error_code(bob) == LobbyErrorCode.NOT_IN_PARTY


async def test_the_leader_queues_the_party_and_a_member_cancelling_takes_it_out(
    lobby: Lobby,  # noqa: F811
    store: MemoryLobbyStore,  # noqa: F811
) -> None:
    ada, bob = [await welcomed(lobby, name) for name in ("Ada", "Bob")]
    await send(ada, MessageType.PARTY_CREATE, "football", "2v2")
    party_id = (await wait_for(ada, MessageType.PARTY_STATE))[1]["party_id"]
    await send(bob, MessageType.PARTY_JOIN, party_id)
    await wait_for(bob, MessageType.PARTY_STATE)
    await send(bob, MessageType.QUEUE, "football", "2v2")
    assert await error_code(bob) == LobbyErrorCode.NOT_LEADER
    await send(ada, MessageType.QUEUE, "shooter", "ffa")
    assert await error_code(ada) == LobbyErrorCode.UNKNOWN_MODE
    await send(ada, MessageType.QUEUE, "football", "2v2")
    await send(ada, MessageType.PING, 1)
    await wait_for(ada, MessageType.PONG)
    queued = await store.queued("football/2v2", time.time())
    assert sorted(e.name for e in queued) == ["Ada", "Bob"]
    assert {e.party for e in queued} == {party_id}
    await send(bob, MessageType.CANCEL)
    for comm in (ada, bob):
        assert (await wait_for(comm, MessageType.QUEUE_LEFT))[1]["reason"] == "cancelled"
    assert await store.queued("football/2v2", time.time()) == []
    for entry in queued:
        assert await store.presence(entry.player_key, time.time()) is None


async def party_of_two(lobby: Lobby) -> tuple[Any, Any]:  # noqa: F811
    """Ada leads a football 2v2 party Bob has joined."""
    ada, bob = [await welcomed(lobby, name) for name in ("Ada", "Bob")]
    await send(ada, MessageType.PARTY_CREATE, "football", "2v2")
    party_id = (await wait_for(ada, MessageType.PARTY_STATE))[1]["party_id"]
    await send(bob, MessageType.PARTY_JOIN, party_id)
    await wait_for(bob, MessageType.PARTY_STATE)
    return ada, bob


async def test_a_queued_party_plays_one_match_with_two_others(
    matchmaker: Any,  # noqa: F811
    lobby: Lobby,  # noqa: F811
) -> None:
    ada, bob = await party_of_two(lobby)
    await send(ada, MessageType.QUEUE, "football", "2v2")
    others = [await welcomed(lobby, name) for name in ("Cy", "Dee")]
    for comm in others:
        await send(comm, MessageType.QUEUE, "football", "2v2")
    checks = [(await wait_for(comm, MessageType.READY_CHECK))[1] for comm in (ada, bob, *others)]
    assert len({check["pending_id"] for check in checks}) == 1, "one match for all four"
    assert sorted(name for name, _ in checks[0]["players"]) == ["Ada", "Bob", "Cy", "Dee"]


async def test_a_member_closing_the_lobby_takes_the_party_out_of_the_queue(
    lobby: Lobby,  # noqa: F811
    store: MemoryLobbyStore,  # noqa: F811
) -> None:
    ada, bob = await party_of_two(lobby)
    await send(ada, MessageType.QUEUE, "football", "2v2")
    await send(ada, MessageType.PING, 1)
    await wait_for(ada, MessageType.PONG)
    assert len(await store.queued("football/2v2", time.time())) == 2
    await bob.disconnect()
    assert (await wait_for(ada, MessageType.QUEUE_LEFT))[1]["reason"] == "party_changed"
    state = await wait_for(ada, MessageType.PARTY_STATE)
    assert state[1]["members"] == ["Ada"]
    assert await store.queued("football/2v2", time.time()) == []
