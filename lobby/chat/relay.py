"""One chat reader per web process: topics' messages handed to the local sockets in them.

A socket in a chat channel does not join the channel's group with its own channel: each
process has one relay channel, which joins the group of every topic with a local member and
hands each message to those members. A message to a lobby room of 500 sockets on a process
crosses the channel layer once to that process, not 500 times, and it is encoded once, by
its sender.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref
from typing import Any, Protocol

from engine.failurelog import FailureLog
from lobby.chat import messages
from lobby.layers import receive_batch

logger = logging.getLogger(__name__)

RECEIVE_RETRY_DELAY = 1.0  # seconds before the relay reads again after a layer error
BATCH_LIMIT = 1_000  # messages taken from the relay's channel at once


class ChatMember(Protocol):
    """A local socket's chat session, as the relay sees it."""

    def chat_frame(self, frame: bytes) -> None:
        """A frame for the socket (must not block)."""

    def chat_standing(self, body: dict[str, Any]) -> None:
        """The socket's player has a new standing (must not block)."""


class ChatRelay:
    """The per-process relay of chat topics."""

    def __init__(self, layer: Any) -> None:
        self.layer = layer
        self.channel: str | None = None
        self._members: dict[str, set[ChatMember]] = {}
        self._subscribed: set[str] = set()
        self._membership = asyncio.Lock()
        self._ready = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self._read_failures = FailureLog(logger, "the chat relay reading its channel")
        self.delivered = 0  # frames handed to members

    async def attach(self, topic: str, member: ChatMember) -> None:
        """Hand ``topic``'s messages to ``member`` from now on."""
        async with self._ready:
            if self.channel is None:
                self.channel = await self.layer.new_channel()
                self._task = asyncio.create_task(self._run(), name="chat-relay")
        self._members.setdefault(topic, set()).add(member)
        await self._reconcile(topic)

    async def detach(self, topic: str, member: ChatMember) -> None:
        """Stop handing ``topic``'s messages to ``member``."""
        members = self._members.get(topic)
        if members is None or member not in members:
            return
        members.discard(member)
        if not members:
            del self._members[topic]
        await self._reconcile(topic)

    def members(self, topic: str) -> int:
        """Local members of ``topic``."""
        return len(self._members.get(topic, ()))

    async def _reconcile(self, topic: str) -> None:
        async with self._membership:
            wanted = topic in self._members
            if wanted and topic not in self._subscribed:
                await self.layer.group_add(topic, self.channel)
                self._subscribed.add(topic)
            elif not wanted and topic in self._subscribed:
                self._subscribed.discard(topic)
                with contextlib.suppress(Exception):
                    await self.layer.group_discard(topic, self.channel)

    async def _run(self) -> None:
        while True:
            try:
                if self._read_failures.failing:
                    async with self._membership:  # a Redis that lost its data forgot the groups
                        for topic in sorted(self._subscribed):
                            await self.layer.group_add(topic, self.channel)
                batch = await receive_batch(self.layer, self.channel, BATCH_LIMIT)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self._read_failures.failed(exc)
                await asyncio.sleep(RECEIVE_RETRY_DELAY)
                continue
            self._read_failures.succeeded()
            for message in batch:
                self.deliver(message)

    def deliver(self, message: dict[str, Any]) -> None:
        """Hand one layer message to the local members of its topic."""
        kind = message.get("type")
        for member in list(self._members.get(message.get("topic", ""), ())):
            try:
                if kind == messages.DELIVER:
                    member.chat_frame(message["frame"])
                    self.delivered += 1
                elif kind == messages.STANDING:
                    member.chat_standing(message["standing"])
            except Exception:
                logger.exception("a chat member failed on a %s message", kind)


_relays: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, ChatRelay] = (
    weakref.WeakKeyDictionary()
)


def chat_relay(layer: Any) -> ChatRelay:
    """This event loop's chat relay on ``layer``."""
    loop = asyncio.get_running_loop()
    relay = _relays.get(loop)
    if relay is None or relay.layer is not layer:
        relay = _relays[loop] = ChatRelay(layer)
    return relay
