"""Chat in the Django admin: its lists with search and filters, its actions (mute, ban,
announce) reaching connected sockets."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import msgpack
import pytest
from asgiref.sync import sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.test import Client

from engine.protocol import CloseCode, MessageType
from game.routing import websocket_urlpatterns
from lobby.chat.models import Announcement, ChatMessage, ChatReport, ChatSanction
from tests.helpers import wait_for, wait_for_close
from tests.lobby.chat.test_chat_sockets import guest_session

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(30)]


@pytest.fixture
def staff() -> Client:
    """A signed-in superuser's client."""
    user = User.objects.create_superuser("operator", "op@example.com", "a long passphrase 42")
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
async def lobby() -> AsyncIterator[WebsocketCommunicator]:
    """A guest's lobby socket in the shooter's room (its first frames read)."""

    comm = WebsocketCommunicator(
        URLRouter(websocket_urlpatterns),
        "/ws/lobby/?name=Ada",
        headers=[(b"cookie", (await guest_session())[0])],
    )
    connected, _ = await comm.connect()
    assert connected
    await wait_for(comm, MessageType.LOBBY_WELCOME)
    await comm.send_to(bytes_data=msgpack.packb([MessageType.CHAT_ROOM, "shooter"]))
    await wait_for(comm, MessageType.CHAT_HISTORY, where=lambda f: f[1] == "lobby")
    yield comm
    with contextlib.suppress(Exception):
        await comm.disconnect()


def test_the_chat_lists_search_and_filter(staff: Client) -> None:
    for model in ("chatmessage", "chatreport", "chatsanction", "announcement"):
        assert staff.get(f"/admin/chat/{model}/").status_code == 200, model
        assert staff.get(f"/admin/chat/{model}/?q=spam").status_code == 200, model
    assert staff.get("/admin/chat/chatmessage/?kind__exact=direct").status_code == 200
    assert staff.get("/admin/chat/chatsanction/?kind__exact=ban").status_code == 200
    assert staff.get("/admin/chat/chatreport/?handled__exact=0").status_code == 200


async def test_muting_a_sender_from_the_messages_list_tells_its_socket(
    staff: Client, lobby: WebsocketCommunicator
) -> None:
    await lobby.send_to(bytes_data=msgpack.packb([MessageType.CHAT_SEND, "lobby", "spam spam"]))
    await wait_for(lobby, MessageType.CHAT_MESSAGE)
    message = await ChatMessage.objects.aget()
    answer = await sync_to_async(staff.post)(
        "/admin/chat/chatmessage/",
        {"action": "mute_senders_for_an_hour", "_selected_action": [str(message.pk)]},
    )
    assert answer.status_code == 302
    status = await wait_for(lobby, MessageType.CHAT_STATUS)
    assert status[1]["muted"]
    sanction = await ChatSanction.objects.select_related("created_by").aget()
    assert (sanction.kind, sanction.player_id) == ("mute", message.sender_id)
    assert sanction.created_by.username == "operator"


async def test_banning_from_the_reports_closes_the_socket(
    staff: Client, lobby: WebsocketCommunicator
) -> None:
    await lobby.send_to(bytes_data=msgpack.packb([MessageType.CHAT_SEND, "lobby", "rude"]))
    body = (await wait_for(lobby, MessageType.CHAT_MESSAGE))[1]
    message = await ChatMessage.objects.aget()
    await ChatReport.objects.acreate(
        message_id=message.pk,
        topic=message.topic,
        reported_id=message.sender_id,
        reported_name=body["name"],
        text=message.text,
        sent_at=message.sent_at,
    )
    answer = await sync_to_async(staff.post)(
        "/admin/chat/chatmessage/",
        {"action": "ban_senders", "_selected_action": [str(message.pk)]},
    )
    assert answer.status_code == 302
    assert await wait_for_close(lobby) == CloseCode.BANNED
    report_page = await sync_to_async(staff.get)("/admin/chat/chatreport/")
    assert b"rude" in report_page.content


async def test_the_announce_action_reaches_connected_sockets(
    staff: Client, lobby: WebsocketCommunicator
) -> None:
    item = await Announcement.objects.acreate(text="Back in five minutes", game="shooter")
    answer = await sync_to_async(staff.post)(
        "/admin/chat/announcement/",
        {"action": "send_announcements", "_selected_action": [str(item.pk)]},
    )
    assert answer.status_code == 302
    frame = await wait_for(lobby, MessageType.ANNOUNCEMENT)
    assert frame[1]["text"] == "Back in five minutes" and frame[1]["game"] == "shooter"
    await item.arefresh_from_db()
    assert item.sent_at is not None


def test_the_announce_command_needs_the_shared_layer_and_a_known_game() -> None:
    with pytest.raises(CommandError, match="REDIS_URL"):
        call_command("announce", "hello")
    with pytest.raises(CommandError, match="no game called"):
        call_command("announce", "hello", "--game", "chess")
    with pytest.raises(CommandError, match="1 to 400 bytes"):
        call_command("announce", "   ")
