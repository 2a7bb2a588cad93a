"""Encoders for the server's chat frames (docs/protocol.md section 12)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from engine.protocol import ChatErrorCode, MessageType, pack
from lobby.chat.lines import ChatLine
from lobby.chat.standing import FOREVER, Standing


def chat_message(line: ChatLine) -> bytes:
    """CHAT_MESSAGE: one message of a channel the socket is in, or a direct message."""
    return pack([MessageType.CHAT_MESSAGE, line.to_wire()])


def chat_history(channel: str, lines: Iterable[ChatLine]) -> bytes:
    """CHAT_HISTORY: the last messages of ``channel``, oldest first."""
    return pack([MessageType.CHAT_HISTORY, channel, [line.to_wire() for line in lines]])


def chat_error(code: ChatErrorCode, message: str, retry_after: float = 0.0) -> bytes:
    """CHAT_ERROR: a refused chat request; ``retry_after`` seconds before trying again."""
    return pack([MessageType.CHAT_ERROR, int(code), message, int(retry_after * 1000)])


def chat_status(standing: Standing, now: float) -> bytes:
    """CHAT_STATUS: whether the player is muted, until when (nil: for good, or not muted) and
    why."""
    muted = standing.muted(now)
    until = standing.silenced_until()
    body: dict[str, Any] = {
        "muted": muted,
        "until_ms": None if not muted or until == FOREVER else int(until * 1000),
        "reason": standing.ban_reason if standing.banned(now) else standing.mute_reason,
    }
    return pack([MessageType.CHAT_STATUS, body])


def announcement(text: str, now: float, game: str | None = None) -> bytes:
    """ANNOUNCEMENT: a message of the operators to every socket (of one game's, with ``game``)."""
    return pack([MessageType.ANNOUNCEMENT, {"text": text, "at_ms": int(now * 1000), "game": game}])


def chat_reported(message_id: str) -> bytes:
    """CHAT_REPORTED: the report of ``message_id`` is stored."""
    return pack([MessageType.CHAT_REPORTED, message_id])
