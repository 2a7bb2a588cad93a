"""One chat message as the server handles it, and as clients see it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from lobby.chat.topics import channel_of


@dataclass(frozen=True, slots=True)
class Speaker:
    """Who sends: the player's key (``guest:…``/``user:…``), its public chat id and name."""

    player_key: str
    chat_id: int
    name: str


@dataclass(frozen=True, slots=True)
class ChatLine:
    """A message of ``topic`` (``lobby.chat.topics``); ``to_id`` and ``to_name`` for a direct
    message. ``sent_at`` is a Unix time."""

    id: str
    topic: str
    sender_id: int
    sender_name: str
    text: str
    sent_at: float
    to_id: int | None = None
    to_name: str | None = None

    @classmethod
    def new(
        cls,
        topic: str,
        speaker: Speaker,
        text: str,
        now: float,
        to: Speaker | None = None,
    ) -> ChatLine:
        """A new message with a fresh id."""
        return cls(
            uuid.uuid4().hex,
            topic,
            speaker.chat_id,
            speaker.name,
            text,
            now,
            None if to is None else to.chat_id,
            None if to is None else to.name,
        )

    def to_wire(self) -> dict[str, Any]:
        """The body of CHAT_MESSAGE (and of each entry of CHAT_HISTORY)."""
        body: dict[str, Any] = {
            "id": self.id,
            "channel": channel_of(self.topic),
            "from": self.sender_id,
            "name": self.sender_name,
            "text": self.text,
            "at_ms": int(self.sent_at * 1000),
        }
        if self.to_id is not None:
            body["to"] = self.to_id
            body["to_name"] = self.to_name
        return body
