"""Channel-layer messages of chat, sent to a topic's group and read by each process's relay."""

from __future__ import annotations

from typing import Any, Literal, TypedDict

DELIVER = "chat.deliver"  # a frame for every socket in the topic
STANDING = "chat.standing"  # a player's standing changed (its player topic)


class DeliverMessage(TypedDict):
    """``frame`` (CHAT_MESSAGE, ANNOUNCEMENT...) for every local member of ``topic``."""

    type: Literal["chat.deliver"]
    topic: str
    frame: bytes


class StandingMessage(TypedDict):
    """The new standing (``Standing.to_message``) of the player of ``topic``."""

    type: Literal["chat.standing"]
    topic: str
    standing: dict[str, Any]


def deliver(topic: str, frame: bytes) -> dict[str, Any]:
    """A DELIVER message."""
    message: DeliverMessage = {"type": DELIVER, "topic": topic, "frame": frame}
    return dict(message)


def standing(topic: str, body: dict[str, Any]) -> dict[str, Any]:
    """A STANDING message."""
    message: StandingMessage = {"type": STANDING, "topic": topic, "standing": body}
    return dict(message)
