"""The chat part every Arena socket shares: a session opened at connect, closed at the end."""

from __future__ import annotations

from collections.abc import Callable

from engine.protocol import ChatDirect, ChatReport, ChatSend, CloseCode
from lobby.chat.lines import Speaker
from lobby.chat.outbox import FrameOutbox
from lobby.chat.session import ChatSession
from lobby.sockets import ArenaSocket


class ChatSocket(ArenaSocket):
    """An ArenaSocket with a ``ChatSession``; a banned player's socket closes with 4021."""

    chat: ChatSession | None = None

    async def open_chat(
        self,
        speaker: Speaker | None,
        game: str | None = None,
        write_now: Callable[[bytes], bool] | None = None,
    ) -> bool:
        """Start the socket's chat (announcements, of ``game`` too; the player's own topic);
        False, with the socket closing with 4021, when the player is banned. ``write_now`` is
        the web server's direct writer (``game.wsprotocol.FRAME_WRITER``), if it offers one."""

        async def send(frame: bytes) -> None:
            await self.send(bytes_data=frame)

        outbox = FrameOutbox(send, write_now)
        self.chat = ChatSession(self.channel_layer, outbox, self.chat_banned, speaker)
        if await self.chat.start(game):
            return True
        await self.close_with(CloseCode.BANNED, self.chat.standing.ban_notice())
        return False

    def chat_banned(self, reason: str) -> None:
        """An operator banned the player: close at once (4021)."""
        self.close_soon(CloseCode.BANNED, reason)

    def take_chat(self, request: ChatSend | ChatDirect | ChatReport) -> None:
        """Answer a chat request in the background (the socket's other frames do not wait)."""
        if self.chat is not None:
            self.spawn(self.chat.handle(request))

    async def close_chat(self) -> None:
        """Leave every chat topic (call from disconnect)."""
        if self.chat is not None:
            await self.chat.stop()
