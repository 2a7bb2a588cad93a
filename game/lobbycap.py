"""At most so many lobby sockets per session in one web process (ASGI middleware).

A browser needs one lobby socket per tab; a script that opens hundreds with one session cookie
would hold as many presence entries and chat subscriptions. The session is the session cookie
as the client sent it (a cookie that names no session is refused later by the lobby, 4014, and
counted here the same). Over the cap the socket is accepted and closed at once with 4030 (docs/
protocol.md section 13), so that a browser's extra tab can tell the player why. Sockets without
a session cookie pass through (the lobby closes them with 4014).
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.http.cookie import parse_cookie

from game.addresslimits import Application, Receive, Scope, Send

logger = logging.getLogger(__name__)

LOBBY_PATH = "/ws/lobby/"
TOO_MANY_LOBBY_SOCKETS = 4030  # close code: this session has its share of lobby sockets


def session_of(scope: Scope) -> str | None:
    """The session cookie of a scope's request (None: it sent none)."""
    for name, value in scope.get("headers", ()):
        if name == b"cookie":
            return parse_cookie(value.decode("latin-1")).get(settings.SESSION_COOKIE_NAME)
    return None


class LobbySocketCap:
    """Counts the open lobby sockets of each session; refuses those beyond ``limit``."""

    def __init__(self, application: Application, limit: int) -> None:
        self.application = application
        self.limit = limit
        self.open: dict[str, int] = {}
        self.refused = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Count lobby sockets per session; pass everything else through."""
        session = None
        if scope["type"] == "websocket" and scope.get("path") == LOBBY_PATH:
            session = session_of(scope)
        if session is None:
            await self.application(scope, receive, send)
            return
        if self.open.get(session, 0) >= self.limit:
            self.refused += 1
            logger.info("refused a lobby socket: its session has %d open", self.limit)
            await self._refuse(receive, send)
            return
        self.open[session] = self.open.get(session, 0) + 1
        try:
            await self.application(scope, receive, send)
        finally:
            left = self.open[session] - 1
            if left:
                self.open[session] = left
            else:
                del self.open[session]

    async def _refuse(self, receive: Receive, send: Send) -> None:
        if (await receive())["type"] != "websocket.connect":
            return
        await send({"type": "websocket.accept"})
        await send(
            {
                "type": "websocket.close",
                "code": TOO_MANY_LOBBY_SOCKETS,
                "reason": f"at most {self.limit} lobby sockets per session",
            }
        )


def lobby_socket_cap(application: Application, config: Any) -> Application:
    """``application`` behind the per-session lobby-socket cap of ``config`` (0: none)."""
    if not config.session_lobby_sockets:
        return application
    return LobbySocketCap(application, config.session_lobby_sockets)
