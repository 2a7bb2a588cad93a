"""Chat over the lobby, match and spectator sockets, with the in-memory layer and a real
engine worker: rooms, history on join, limits, the filter, mutes, bans, reports, direct
messages, team channels, spectators apart, announcements."""

from __future__ import annotations

import contextlib
import datetime
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import msgpack
import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.contrib.sessions.backends.db import SessionStore
from django.utils import timezone

from engine.protocol import ChatErrorCode, CloseCode, MessageType
from engine.worker import EngineWorker
from game.routing import websocket_urlpatterns
from game.services import create_match, validate_match_request
from lobby.chat import broadcast
from lobby.chat.models import ChatMessage, ChatReport, ChatSanction
from lobby.identity import GUEST_KEY
from lobby.tickets import issue_ticket
from tests.helpers import next_frame, player_entry, wait_for, wait_for_close

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(30)]

APP = URLRouter(websocket_urlpatterns)
Open = Callable[..., Awaitable[WebsocketCommunicator]]


@database_sync_to_async
def guest_session() -> tuple[bytes, str]:
    """A new guest's session cookie and player key."""
    session = SessionStore()
    guest = uuid.uuid4().hex
    session[GUEST_KEY] = guest
    session.save()
    return f"sessionid={session.session_key}".encode(), f"guest:{guest}"


@pytest.fixture
async def sockets() -> AsyncIterator[Open]:
    """Open sockets of any path (with an optional cookie); all are closed after the test."""
    opened: list[WebsocketCommunicator] = []

    async def open_socket(path: str, cookie: bytes | None = None) -> WebsocketCommunicator:
        headers = [(b"cookie", cookie)] if cookie else []
        comm = WebsocketCommunicator(APP, path, headers=headers)
        connected, _ = await comm.connect()
        assert connected
        opened.append(comm)
        return comm

    yield open_socket
    for comm in opened:
        with contextlib.suppress(Exception):
            await comm.disconnect()


class Player:
    """A guest with a session, its lobby socket and its chat id."""

    def __init__(self, name: str, cookie: bytes, key: str, lobby: WebsocketCommunicator) -> None:
        self.name, self.cookie, self.key, self.lobby = name, cookie, key, lobby
        self.chat_id = 0


Join = Callable[..., Awaitable[Player]]


@pytest.fixture
def join(sockets: Open) -> Join:
    """A guest that opened the lobby (LOBBY_WELCOME read) and, with ``room``, a game's room
    (its CHAT_HISTORY read)."""

    async def join_lobby(name: str, room: str | None = "shooter") -> Player:
        cookie, key = await guest_session()
        comm = await sockets(f"/ws/lobby/?name={name}", cookie)
        welcome = await wait_for(comm, MessageType.LOBBY_WELCOME)
        player = Player(name, cookie, key, comm)
        player.chat_id = welcome[1]["player_id"]
        await wait_for(comm, MessageType.CHAT_HISTORY, where=lambda f: f[1] == "direct")
        if room is not None:
            await send(comm, MessageType.CHAT_ROOM, room)
            await wait_for(comm, MessageType.CHAT_HISTORY, where=lambda f: f[1] == "lobby")
        return player

    return join_lobby


async def send(comm: WebsocketCommunicator, *frame: Any) -> None:
    await comm.send_to(bytes_data=msgpack.packb(list(frame)))


async def said(comm: WebsocketCommunicator, text: str | None = None) -> dict[str, Any]:
    """The next CHAT_MESSAGE (with ``text``) the socket receives; its body."""
    frame = await wait_for(
        comm, MessageType.CHAT_MESSAGE, where=lambda f: text is None or f[1]["text"] == text
    )
    return frame[1]


async def refused(comm: WebsocketCommunicator) -> list[Any]:
    """The next CHAT_ERROR."""
    return await wait_for(comm, MessageType.CHAT_ERROR)


async def nothing_more(comm: WebsocketCommunicator, kind: MessageType) -> None:
    """No frame of ``kind`` is waiting (after a round trip: a PONG answers a PING sent now)."""
    await send(comm, MessageType.PING, 77)
    while True:
        frame = await next_frame(comm)
        assert frame[0] != kind, frame
        if frame[0] == MessageType.PONG and frame[1] == 77:
            return


def sanction(player: Player, kind: str, hours: float | None = 1.0, reason: str = "") -> Any:
    until = None if hours is None else timezone.now() + datetime.timedelta(hours=hours)

    @database_sync_to_async
    def give() -> ChatSanction:
        return ChatSanction.objects.create(
            player_id=player.chat_id, kind=kind, until=until, reason=reason
        )

    return give()


# -- the lobby room -------------------------------------------------------------------------


async def test_a_message_reaches_everyone_in_the_room_and_no_other_room(join: Join) -> None:
    ada, bo = await join("Ada"), await join("Bo")
    cy = await join("Cy", room="football")
    await send(ada.lobby, MessageType.CHAT_SEND, "lobby", "anyone for a duel?")
    for player in (ada, bo):
        body = await said(player.lobby)
        assert (body["text"], body["name"], body["from"], body["channel"]) == (
            "anyone for a duel?",
            "Ada",
            ada.chat_id,
            "lobby",
        )
    await nothing_more(cy.lobby, MessageType.CHAT_MESSAGE)


async def test_joining_a_room_sends_its_last_messages(join: Join, arena_settings: Any) -> None:
    arena_settings(chat_history=3)
    ada = await join("Ada")
    for n in range(5):
        await send(ada.lobby, MessageType.CHAT_SEND, "lobby", f"message {n}")
        await said(ada.lobby, f"message {n}")  # delivered, so stored
    bo = await join("Bo", room=None)
    await send(bo.lobby, MessageType.CHAT_ROOM, "shooter")
    history = await wait_for(bo.lobby, MessageType.CHAT_HISTORY)
    assert history[1] == "lobby"
    assert [m["text"] for m in history[2]] == ["message 2", "message 3", "message 4"]


async def test_each_channel_keeps_only_its_last_messages(join: Join, arena_settings: Any) -> None:
    arena_settings(chat_history=3, chat_burst=100, chat_rate=100, input_burst=100)
    ada = await join("Ada")
    for n in range(12):
        await send(ada.lobby, MessageType.CHAT_SEND, "lobby", f"m{n}")
        await said(ada.lobby, f"m{n}")
    kept = await ChatMessage.objects.filter(topic="chat.lobby.shooter").acount()
    assert 3 <= kept <= 3 + 10 - 1, "pruned every 10 messages to the last 3"
    assert kept < 12


async def test_a_room_of_a_game_the_server_does_not_offer_is_refused(join: Join) -> None:
    ada = await join("Ada", room=None)
    await send(ada.lobby, MessageType.CHAT_ROOM, "chess")
    assert (await refused(ada.lobby))[1] == ChatErrorCode.UNKNOWN_ROOM
    await send(ada.lobby, MessageType.CHAT_SEND, "lobby", "hello?")
    assert (await refused(ada.lobby))[1] == ChatErrorCode.NO_CHANNEL


# -- abuse ----------------------------------------------------------------------------------


async def test_a_sender_over_its_chat_rate_is_refused_and_told_when_to_retry(
    join: Join, arena_settings: Any
) -> None:
    arena_settings(chat_rate=0.5, chat_burst=2)
    ada, bo = await join("Ada"), await join("Bo")
    for text in ("one", "two", "three"):
        await send(ada.lobby, MessageType.CHAT_SEND, "lobby", text)
    error = await refused(ada.lobby)
    assert error[1] == ChatErrorCode.RATE_LIMITED and 0 < error[3] <= 2000
    assert [(await said(bo.lobby))["text"] for _ in range(2)] == ["one", "two"]
    await nothing_more(bo.lobby, MessageType.CHAT_MESSAGE)
    await send(bo.lobby, MessageType.CHAT_SEND, "lobby", "mine")
    assert (await said(bo.lobby))["text"] == "mine", "each sender has its own bucket"


async def test_the_length_cap_refuses_long_messages_and_the_socket_stays(
    join: Join, arena_settings: Any
) -> None:
    arena_settings(chat_max_length=10)
    ada = await join("Ada")
    await send(ada.lobby, MessageType.CHAT_SEND, "lobby", "x" * 11)
    assert (await refused(ada.lobby))[1] == ChatErrorCode.TOO_LONG
    await send(ada.lobby, MessageType.CHAT_SEND, "lobby", "   ")
    assert (await refused(ada.lobby))[1] == ChatErrorCode.EMPTY
    await send(ada.lobby, MessageType.CHAT_SEND, "lobby", "x" * 10)
    assert (await said(ada.lobby))["text"] == "x" * 10


async def test_blocked_words_are_masked(join: Join, arena_settings: Any) -> None:
    arena_settings(chat_blocked_words=("darn",))
    ada, bo = await join("Ada"), await join("Bo")
    await send(ada.lobby, MessageType.CHAT_SEND, "lobby", "Darn, a <b>bold</b> darn move")
    assert (await said(bo.lobby))["text"] == "****, a <b>bold</b> **** move"
    stored = await ChatMessage.objects.aget()
    assert stored.text == "****, a <b>bold</b> **** move", "stored as delivered"


async def test_a_muted_player_is_told_and_refused_and_unmuted_when_lifted(join: Join) -> None:
    ada, bo = await join("Ada"), await join("Bo")
    mute = await sanction(ada, "mute", hours=2, reason="spam")
    status = await wait_for(ada.lobby, MessageType.CHAT_STATUS)
    assert status[1]["muted"] and status[1]["reason"] == "spam"
    assert status[1]["until_ms"] == int(mute.until.timestamp() * 1000)
    await send(ada.lobby, MessageType.CHAT_SEND, "lobby", "let me talk")
    assert (await refused(ada.lobby))[1] == ChatErrorCode.MUTED
    await send(ada.lobby, MessageType.CHAT_DIRECT, bo.chat_id, "psst")
    assert (await refused(ada.lobby))[1] == ChatErrorCode.MUTED, "direct messages too"
    await nothing_more(bo.lobby, MessageType.CHAT_MESSAGE)
    await database_sync_to_async(mute.delete)()
    assert not (await wait_for(ada.lobby, MessageType.CHAT_STATUS))[1]["muted"]
    await send(ada.lobby, MessageType.CHAT_SEND, "lobby", "thanks")
    assert (await said(bo.lobby))["text"] == "thanks"


async def test_a_muted_player_learns_it_on_connecting(join: Join, sockets: Open) -> None:
    ada = await join("Ada")
    await sanction(ada, "mute", hours=None)
    await wait_for(ada.lobby, MessageType.CHAT_STATUS)
    again = await sockets("/ws/lobby/?name=Ada", ada.cookie)
    await wait_for(again, MessageType.LOBBY_WELCOME)
    status = await wait_for(again, MessageType.CHAT_STATUS)
    assert status[1]["muted"] and status[1]["until_ms"] is None, "for good"


async def test_an_expired_mute_no_longer_counts(join: Join, sockets: Open) -> None:
    ada = await join("Ada")
    await sanction(ada, "mute", hours=-1)  # ended an hour ago
    again = await sockets("/ws/lobby/?name=Ada", ada.cookie)
    await wait_for(again, MessageType.LOBBY_WELCOME)
    await nothing_more(again, MessageType.CHAT_STATUS)


async def test_a_banned_player_is_closed_and_refused_at_the_lobby_and_match_sockets(
    join: Join, sockets: Open, engine: EngineWorker
) -> None:
    ada = await join("Ada")
    await sanction(ada, "ban", hours=24, reason="cheating")
    assert await wait_for_close(ada.lobby) == CloseCode.BANNED
    again = await sockets("/ws/lobby/?name=Ada", ada.cookie)
    output = await again.receive_output(2)
    assert (output["type"], output["code"]) == ("websocket.close", CloseCode.BANNED)
    assert "cheating" in output["reason"] and "until" in output["reason"]
    match = await create_match(validate_match_request("shooter", "duel"))
    ticket = issue_ticket(str(match.id), ada.key, "Ada")
    socket = await sockets(f"/ws/match/{match.id}/?ticket={ticket}")
    assert await wait_for_close(socket) == CloseCode.BANNED


# -- reports and direct messages ------------------------------------------------------------


async def test_a_report_stores_the_message_with_what_came_before(join: Join) -> None:
    ada, bo = await join("Ada"), await join("Bo")
    await send(bo.lobby, MessageType.CHAT_SEND, "lobby", "hi Ada")
    await said(ada.lobby, "hi Ada")
    await send(ada.lobby, MessageType.CHAT_SEND, "lobby", "you are terrible")
    reported = await said(bo.lobby, "you are terrible")
    await send(bo.lobby, MessageType.CHAT_REPORT, reported["id"], "insult")
    ack = await wait_for(bo.lobby, MessageType.CHAT_REPORTED)
    assert ack[1] == reported["id"]
    report = await ChatReport.objects.aget()
    assert (report.text, report.reported_name, report.reason) == (
        "you are terrible",
        "Ada",
        "insult",
    )
    assert (report.reporter_id, report.reported_id) == (bo.chat_id, ada.chat_id)
    assert [m["text"] for m in report.context] == ["hi Ada", "you are terrible"]
    await send(bo.lobby, MessageType.CHAT_REPORT, uuid.uuid4().hex, "")
    assert (await refused(bo.lobby))[1] == ChatErrorCode.NO_MESSAGE
    await send(bo.lobby, MessageType.CHAT_REPORT, "not-an-id", "")
    assert (await refused(bo.lobby))[1] == ChatErrorCode.NO_MESSAGE


async def test_a_message_of_a_room_the_reporter_is_not_in_cannot_be_reported(join: Join) -> None:
    ada, cy = await join("Ada"), await join("Cy", room="football")
    await send(ada.lobby, MessageType.CHAT_SEND, "lobby", "shooter talk")
    message = await said(ada.lobby)
    await send(cy.lobby, MessageType.CHAT_REPORT, message["id"], "")
    assert (await refused(cy.lobby))[1] == ChatErrorCode.NO_MESSAGE


async def test_direct_messages_reach_both_players_and_are_kept(join: Join, sockets: Open) -> None:
    ada, bo, cy = await join("Ada"), await join("Bo"), await join("Cy")
    await send(ada.lobby, MessageType.CHAT_DIRECT, bo.chat_id, "gg last match")
    for player in (ada, bo):
        body = await said(player.lobby)
        assert (body["channel"], body["from"], body["to"], body["to_name"]) == (
            "direct",
            ada.chat_id,
            bo.chat_id,
            "Bo",
        )
    await nothing_more(cy.lobby, MessageType.CHAT_MESSAGE)
    again = await sockets("/ws/lobby/?name=Bo", bo.cookie)
    history = await wait_for(again, MessageType.CHAT_HISTORY)
    assert history[1] == "direct" and [m["text"] for m in history[2]] == ["gg last match"]
    await send(ada.lobby, MessageType.CHAT_DIRECT, 10**9, "anyone?")
    assert (await refused(ada.lobby))[1] == ChatErrorCode.NO_PLAYER
    await send(ada.lobby, MessageType.CHAT_DIRECT, ada.chat_id, "me")
    assert (await refused(ada.lobby))[1] == ChatErrorCode.NO_PLAYER


# -- matches and spectators -----------------------------------------------------------------


async def seated(sockets: Open, match_id: str, player: Player) -> WebsocketCommunicator:
    """The player's match socket, once WELCOME and the chat's histories came."""
    ticket = issue_ticket(match_id, player.key, player.name)
    comm = await sockets(f"/ws/match/{match_id}/?ticket={ticket}")
    await wait_for(comm, MessageType.WELCOME)
    await wait_for(comm, MessageType.CHAT_HISTORY, where=lambda f: f[1] == "all")
    return comm


async def test_team_messages_stay_in_the_team_and_spectators_chat_apart(
    join: Join, sockets: Open, engine: EngineWorker
) -> None:
    ada, bo, cy = await join("Ada"), await join("Bo"), await join("Cy")
    match = await create_match(validate_match_request("football", "1v1"))
    match_id = str(match.id)
    ada_match = await seated(sockets, match_id, ada)
    await wait_for(ada_match, MessageType.CHAT_HISTORY, where=lambda f: f[1] == "team")
    bo_match = await seated(sockets, match_id, bo)
    watcher = await sockets(f"/ws/spectate/{match_id}/", cy.cookie)
    await wait_for(watcher, MessageType.SPECTATING)
    await wait_for(watcher, MessageType.CHAT_HISTORY, where=lambda f: f[1] == "spectators")

    await send(ada_match, MessageType.CHAT_SEND, "team", "I take the left")
    assert (await said(ada_match))["channel"] == "team"
    await send(ada_match, MessageType.CHAT_SEND, "all", "good luck")
    body = await said(bo_match)
    assert (body["text"], body["channel"]) == ("good luck", "all"), "no team message first"
    await said(ada_match, "good luck")
    await send(watcher, MessageType.CHAT_SEND, "spectators", "Bo, Ada is on the left!")
    body = await said(watcher)
    assert (body["name"], body["channel"]) == ("Cy", "spectators")
    await send(watcher, MessageType.CHAT_SEND, "all", "let me in")
    assert (await refused(watcher))[1] == ChatErrorCode.NO_CHANNEL
    await nothing_more(bo_match, MessageType.CHAT_MESSAGE)
    await nothing_more(ada_match, MessageType.CHAT_MESSAGE)
    await nothing_more(ada.lobby, MessageType.CHAT_MESSAGE)


async def test_a_spectator_without_a_profile_cannot_chat(
    sockets: Open, engine: EngineWorker
) -> None:
    match = await create_match(validate_match_request("shooter", "duel"))
    watcher = await sockets(f"/ws/spectate/{match.id}/")
    await wait_for(watcher, MessageType.SPECTATING)
    await send(watcher, MessageType.CHAT_SEND, "spectators", "hello")
    assert (await refused(watcher))[1] == ChatErrorCode.NO_IDENTITY


async def test_with_shared_spectators_they_chat_with_the_players(
    join: Join, sockets: Open, engine: EngineWorker, arena_settings: Any
) -> None:
    arena_settings(chat_spectators="shared")
    ada, cy = await join("Ada"), await join("Cy")
    match = await create_match(validate_match_request("shooter", "duel"))
    ada_match = await seated(sockets, str(match.id), ada)
    watcher = await sockets(f"/ws/spectate/{match.id}/", cy.cookie)
    await wait_for(watcher, MessageType.CHAT_HISTORY, where=lambda f: f[1] == "all")
    await send(watcher, MessageType.CHAT_SEND, "all", "nice shot")
    assert (await said(ada_match))["name"] == "Cy"


async def test_chat_frames_do_not_disturb_the_inputs_of_a_match(
    join: Join, sockets: Open, engine: EngineWorker
) -> None:
    """Chat between INPUTs: every INPUT is applied (its ack comes back), the chat arrives."""
    ada = await join("Ada")
    match = await create_match(validate_match_request("shooter", "duel"))
    ada_match = await seated(sockets, str(match.id), ada)
    for seq in range(1, 6):
        await ada_match.send_to(bytes_data=msgpack.packb([MessageType.INPUT, seq, 8, 0]))
        await send(ada_match, MessageType.CHAT_SEND, "all", f"moving {seq}")
    await said(ada_match, "moving 5")

    def acked(frame: list[Any]) -> bool:
        entry = player_entry(frame, 0)
        return entry is not None and entry[-1] == 5

    await wait_for(ada_match, MessageType.SNAPSHOT, where=acked)


# -- announcements --------------------------------------------------------------------------


async def test_announcements_reach_lobby_match_and_spectator_sockets(
    join: Join, sockets: Open, engine: EngineWorker
) -> None:
    ada, cy = await join("Ada"), await join("Cy", room="football")
    match = await create_match(validate_match_request("shooter", "duel"))
    ada_match = await seated(sockets, str(match.id), ada)
    watcher = await sockets(f"/ws/spectate/{match.id}/")
    await wait_for(watcher, MessageType.SPECTATING)
    await sync_to_async(broadcast.announce)("Restart at 18:00 UTC")
    for comm in (ada.lobby, ada_match, watcher, cy.lobby):
        body = (await wait_for(comm, MessageType.ANNOUNCEMENT))[1]
        assert (body["text"], body["game"]) == ("Restart at 18:00 UTC", None)
    await sync_to_async(broadcast.announce)("Shooter tournament!", "shooter")
    for comm in (ada.lobby, ada_match, watcher):
        assert (await wait_for(comm, MessageType.ANNOUNCEMENT))[1]["game"] == "shooter"
    await nothing_more(cy.lobby, MessageType.ANNOUNCEMENT)


async def test_no_chat_frame_comes_before_the_first_frame_of_the_protocol(
    join: Join, sockets: Open
) -> None:
    ada = await join("Ada")
    await sanction(ada, "mute")
    await wait_for(ada.lobby, MessageType.CHAT_STATUS)
    again = await sockets("/ws/lobby/?name=Ada", ada.cookie)
    first = await next_frame(again)
    assert first[0] == MessageType.LOBBY_WELCOME


async def test_a_closed_socket_leaves_every_topic(join: Join) -> None:
    from channels.layers import get_channel_layer

    from lobby.chat.relay import chat_relay

    ada, bo = await join("Ada"), await join("Bo")
    layer = get_channel_layer()
    relay = chat_relay(layer)
    room, own = "chat.lobby.shooter", f"chat.player.{ada.chat_id}"
    assert relay.members(room) == 2 and relay.members(own) == 1
    assert relay.channel in layer.groups[own]
    await ada.lobby.disconnect()
    await bo.lobby.disconnect()
    assert relay.members(room) == 0 and relay.members(own) == 0
    assert relay.channel not in layer.groups.get(own, {}), "the relay left the group"


async def chat_samples() -> dict[str, float]:
    """The ``arena_chat_*`` samples of ``/metrics`` now."""
    from prometheus_client.parser import text_string_to_metric_families

    from game.metrics import scrape

    return {
        sample.name: sample.value
        for family in text_string_to_metric_families((await scrape()).decode())
        for sample in family.samples
        if sample.name.startswith("arena_chat")
    }


async def test_metrics_count_what_chat_did(join: Join, arena_settings: Any) -> None:
    arena_settings(chat_burst=1, chat_rate=0.01)
    ada, bo = await join("Ada"), await join("Bo")
    before = await chat_samples()
    await send(ada.lobby, MessageType.CHAT_SEND, "lobby", "one")
    await said(bo.lobby, "one")
    await send(ada.lobby, MessageType.CHAT_SEND, "lobby", "two")
    assert (await refused(ada.lobby))[1] == ChatErrorCode.RATE_LIMITED
    after = await chat_samples()
    grew = {name: after[name] - before.get(name, 0) for name in after}
    assert grew["arena_chat_messages_stored_total"] == 1
    assert grew["arena_chat_store_batches_total"] == 1
    assert grew["arena_chat_frames_delivered_total"] == 2, "one message, two sockets"
    assert grew["arena_chat_rate_limited_total"] == 1
    assert after["arena_chat_topics"] >= 4, "the room, announcements, two players"


async def test_a_banned_player_watching_is_closed_when_it_chats(
    join: Join, sockets: Open, engine: EngineWorker
) -> None:
    ada = await join("Ada")
    await sanction(ada, "ban", hours=1, reason="cheating")
    assert await wait_for_close(ada.lobby) == CloseCode.BANNED
    match = await create_match(validate_match_request("shooter", "duel"))
    watcher = await sockets(f"/ws/spectate/{match.id}/", ada.cookie)
    await wait_for(watcher, MessageType.SPECTATING)  # watching needs no identity
    await send(watcher, MessageType.CHAT_SEND, "spectators", "let me talk")
    assert await wait_for_close(watcher) == CloseCode.BANNED
