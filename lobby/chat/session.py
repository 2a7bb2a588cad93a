"""One socket's part in chat: its channels, its player's standing, its requests.

Each socket (lobby, match, spectator) owns one ``ChatSession``. The session attaches to its
topics through the process's ``ChatRelay``, sends what it is handed through a ``FrameOutbox``,
and answers the socket's chat requests: a message is checked (standing, text, the sender's
token bucket), filtered, stored (``ChatArchive``) and then sent to its topic's group. Nothing
here runs on a socket's input path: the socket hands over chat frames only.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings

from engine.protocol import ChatDirect, ChatErrorCode, ChatReport, ChatSend
from lobby.chat import archive, frames, messages, topics
from lobby.chat.limits import ChatLimits
from lobby.chat.lines import ChatLine, Speaker
from lobby.chat.outbox import FrameOutbox
from lobby.chat.relay import chat_relay
from lobby.chat.speakers import find_speaker
from lobby.chat.standing import Standing, until_text
from lobby.chat.text import TextRefused, WordFilter, clean_text

logger = logging.getLogger(__name__)

_limits: ChatLimits | None = None
_filter: WordFilter | None = None


def chat_limits() -> ChatLimits:
    """This process's token buckets of chat senders, from settings."""
    global _limits
    arena = settings.ARENA
    if _limits is None or (_limits.rate, _limits.burst) != (arena.chat_rate, arena.chat_burst):
        refused = 0 if _limits is None else _limits.refused  # /metrics' count only grows
        _limits = ChatLimits(arena.chat_rate, arena.chat_burst)
        _limits.refused = refused
    return _limits


def word_filter() -> WordFilter:
    """The word filter of settings (``ARENA_CHAT_BLOCKED_WORDS``)."""
    global _filter
    words = settings.ARENA.chat_blocked_words
    if _filter is None or _filter.words != words:
        _filter = WordFilter(words)
    return _filter


class ChatSession:
    """A socket's chat: the channels it speaks in, the topics it hears, its standing.

    ``speaker`` is who the socket's player is (None until known: a spectator's is looked up
    when it first chats, ``identify``). ``on_banned`` closes the socket (4021) when an
    operator bans its player.
    """

    def __init__(
        self,
        layer: Any,
        outbox: FrameOutbox,
        on_banned: Callable[[str], None],
        speaker: Speaker | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.layer = layer
        self.relay = chat_relay(layer)
        self.outbox = outbox
        self.on_banned = on_banned
        self.speaker = speaker
        self.clock = clock
        self.channels: dict[str, str] = {}  # channel name -> the topic its messages go to
        self.heard: set[str] = set()  # topics attached to the relay
        self.standing = Standing()
        self.identify: Callable[[], Any] | None = None  # finds the speaker later (spectators)
        self.closed = False

    # -- joining ---------------------------------------------------------------------------

    async def start(self, game: str | None = None) -> bool:
        """Hear announcements (of ``game`` too) and, for a known player, its own topic; load
        its standing. False when the player is banned (the socket refuses it: 4021)."""
        await self.hear(topics.ANNOUNCE)
        if game is not None:
            await self.hear(topics.announce_game(game))
        if self.speaker is None:
            return True
        return await self._become(self.speaker)

    async def _become(self, speaker: Speaker) -> bool:
        self.speaker = speaker
        await self.hear(topics.player(speaker.chat_id))
        self.standing = await archive.load_standing(speaker.chat_id, self.clock())
        return not self.standing.banned(self.clock())

    def ready(self) -> None:
        """The socket greeted its client (LOBBY_WELCOME, WELCOME, SPECTATING): chat frames
        flow from now on, CHAT_STATUS first if the player is muted."""
        now = self.clock()
        if self.standing.muted(now):
            self.outbox.put_first(frames.chat_status(self.standing, now))
        self.outbox.release()

    async def hear(self, topic: str) -> None:
        """Take ``topic``'s messages."""
        if topic not in self.heard and not self.closed:
            self.heard.add(topic)
            await self.relay.attach(topic, self)
            if self.closed:  # the socket closed meanwhile: ``stop`` may have missed this one
                self.heard.discard(topic)
                await self.relay.detach(topic, self)

    async def unhear(self, topic: str) -> None:
        """Stop taking ``topic``'s messages."""
        if topic in self.heard:
            self.heard.discard(topic)
            await self.relay.detach(topic, self)

    async def join(self, channel: str, topic: str, history: bool = True) -> None:
        """Speak in ``channel`` (its messages go to ``topic``) and hear it; its last
        messages follow (CHAT_HISTORY) unless ``history`` is False."""
        await self.leave(channel)
        self.channels[channel] = topic
        await self.hear(topic)
        if history:
            await self.send_history(channel, topic)

    async def leave(self, channel: str) -> None:
        """Neither speak in nor hear ``channel``."""
        topic = self.channels.pop(channel, None)
        if topic is not None and topic not in self.channels.values():
            await self.unhear(topic)

    async def send_history(self, channel: str, topic: str) -> None:
        """CHAT_HISTORY of ``topic``'s last messages, as ``channel``."""
        keep = settings.ARENA.chat_history
        if keep <= 0:
            return
        try:
            lines = await archive.history(topic, keep)
        except Exception:
            logger.warning("could not read the chat history of %s", topic, exc_info=True)
            return
        self.outbox.put(frames.chat_history(channel, lines))

    async def send_direct_history(self) -> None:
        """CHAT_HISTORY of the player's last direct messages (channel ``"direct"``)."""
        keep = settings.ARENA.chat_history
        if self.speaker is None or keep <= 0:
            return
        try:
            lines = await archive.direct_history(self.speaker.chat_id, keep)
        except Exception:
            logger.warning("could not read direct messages", exc_info=True)
            return
        self.outbox.put(frames.chat_history("direct", lines))

    async def stop(self) -> None:
        """Leave every topic; nothing more is sent."""
        self.closed = True
        self.outbox.stop()
        for topic in list(self.heard):
            await self.unhear(topic)

    # -- from the relay --------------------------------------------------------------------

    def chat_frame(self, frame: bytes) -> None:
        """A frame of a topic the socket hears."""
        if not self.closed:
            self.outbox.put(frame)

    def chat_standing(self, body: dict[str, Any]) -> None:
        """An operator changed the player's mute or ban."""
        if self.closed:
            return
        was_muted = self.standing.muted(self.clock())
        self.standing = Standing.from_message(body)
        now = self.clock()
        if self.standing.banned(now):
            self.on_banned(self.standing.ban_notice())
        elif self.standing.muted(now) or was_muted:
            self.outbox.put(frames.chat_status(self.standing, now))

    # -- requests --------------------------------------------------------------------------

    def error(self, code: ChatErrorCode, message: str, retry_after: float = 0.0) -> None:
        """Refuse a request (CHAT_ERROR); the socket stays open."""
        self.outbox.put(frames.chat_error(code, message, retry_after))

    async def handle(self, request: ChatSend | ChatDirect | ChatReport) -> None:
        """Answer one chat request of the socket's client."""
        if self.closed:
            return
        if self.speaker is None and self.identify is not None:
            speaker = await self.identify()
            if speaker is not None and not await self._become(speaker):
                self.on_banned(self.standing.ban_notice())
                return
        if self.speaker is None:
            self.error(ChatErrorCode.NO_IDENTITY, "pick a name in the lobby first")
            return
        if isinstance(request, ChatReport):
            await self._report(request)
            return
        if isinstance(request, ChatSend):
            topic = self.channels.get(request.channel)
            if topic is None:
                self.error(ChatErrorCode.NO_CHANNEL, f"not in the {request.channel!r} channel")
                return
            text = self._checked(request.text)
            if text is not None:
                line = ChatLine.new(topic, self.speaker, text, self.clock())
                await self._publish(line, [topic])
            return
        await self._direct(request)

    def _checked(self, raw: str) -> str | None:
        """The text to send (cleaned, filtered), or None after refusing it."""
        assert self.speaker is not None
        now = self.clock()
        if self.standing.muted(now):
            self.outbox.put(frames.chat_status(self.standing, now))
            until = until_text(self.standing.silenced_until())
            self.error(ChatErrorCode.MUTED, f"you are muted {until}")
            return None
        try:
            text = clean_text(raw, settings.ARENA.chat_max_length)
        except TextRefused as exc:
            self.error(exc.code, str(exc))
            return None
        limits = chat_limits()
        if not limits.allow(self.speaker.player_key, now):
            wait = limits.retry_after(self.speaker.player_key)
            self.error(ChatErrorCode.RATE_LIMITED, "slow down", wait)
            return None
        return word_filter().apply(text)

    async def _direct(self, request: ChatDirect) -> None:
        assert self.speaker is not None
        if request.to == self.speaker.chat_id:
            self.error(ChatErrorCode.NO_PLAYER, "that is you")
            return
        to = await find_speaker(request.to)
        if to is None:
            self.error(ChatErrorCode.NO_PLAYER, "no such player")
            return
        text = self._checked(request.text)
        if text is None:
            return
        topic = topics.direct(self.speaker.chat_id, to.chat_id)
        line = ChatLine.new(topic, self.speaker, text, self.clock(), to)
        await self._publish(line, [topics.player(to.chat_id), topics.player(self.speaker.chat_id)])

    async def _publish(self, line: ChatLine, groups: Iterable[str]) -> None:
        """Store ``line``, then send it to ``groups`` (every web process's relay)."""
        try:
            await archive.chat_archive(settings.ARENA.chat_history).store(line)
            frame = frames.chat_message(line)
            for group in groups:
                await self.layer.group_send(group, messages.deliver(group, frame))
        except Exception:
            logger.warning("could not send a chat message to %s", line.topic, exc_info=True)
            self.error(ChatErrorCode.UNAVAILABLE, "the message could not be sent: try again")

    async def _report(self, request: ChatReport) -> None:
        assert self.speaker is not None
        visible = list(self.heard)
        try:
            report = await archive.store_report(
                self.speaker.chat_id, request.message_id, request.reason, visible
            )
        except Exception:
            logger.warning("could not store a chat report", exc_info=True)
            self.error(ChatErrorCode.UNAVAILABLE, "the report could not be stored: try again")
            return
        if report is None:
            self.error(ChatErrorCode.NO_MESSAGE, "no such message")
            return
        logger.info("chat message %s reported by %s", request.message_id, self.speaker.chat_id)
        self.outbox.put(frames.chat_reported(request.message_id))
