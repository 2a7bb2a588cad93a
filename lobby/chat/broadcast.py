"""What operators send from synchronous code (the admin, management commands, signals):
announcements and standing changes, through the channel layer to every web process.

As the Channels documentation describes for views, tasks and signals, synchronous code sends
with ``async_to_sync(layer.group_send)``; each web process's chat relay hears the group and
hands the frame to its local sockets. A deployment without Redis has one process, and only
code running in it (the admin) reaches its sockets.
"""

from __future__ import annotations

import logging
import time

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from lobby.chat import frames, messages, topics
from lobby.chat.archive import standing_now

logger = logging.getLogger(__name__)


class BroadcastFailed(RuntimeError):
    """The channel layer did not take the message (Redis unreachable)."""


def _group_send(group: str, message: dict[str, object]) -> None:
    layer = get_channel_layer()
    if layer is None:
        raise BroadcastFailed("no channel layer is configured")
    try:
        async_to_sync(layer.group_send)(group, message)
    except Exception as exc:
        raise BroadcastFailed(f"the channel layer refused the message: {exc!r}") from exc


def announce(text: str, game: str | None = None) -> None:
    """Send ANNOUNCEMENT to every connected lobby, match and spectator socket (of ``game``'s
    matches and lobby room only, when given), on every web process."""
    group = topics.ANNOUNCE if game is None else topics.announce_game(game)
    frame = frames.announcement(text, time.time(), game)
    _group_send(group, messages.deliver(group, frame))
    logger.info("announced to %s: %s", group, text)


def send_standing(chat_id: int) -> None:
    """Tell every socket of a player its standing as the database has it now (after a mute or
    ban was given, changed or lifted): a banned player's sockets close with 4021."""
    group = topics.player(chat_id)
    body = standing_now(chat_id, time.time()).to_message()
    try:
        _group_send(group, messages.standing(group, body))
    except BroadcastFailed:
        logger.warning("could not tell player %s's sockets its new standing", chat_id)
