"""Who a player is: a signed-in user, or a guest identified by a random id in their session."""

from __future__ import annotations

import uuid
from typing import Any

from channels.db import database_sync_to_async
from django.contrib.sessions.backends.base import SessionBase

GUEST_KEY = "arena_guest_id"


def ensure_guest(session: SessionBase) -> None:
    """Give a session a guest id (and so a cookie) if it has none."""
    if GUEST_KEY not in session:
        session[GUEST_KEY] = uuid.uuid4().hex


def player_key_for(user: Any, session: SessionBase) -> str | None:
    """The player key of a request or socket: ``user:<id>`` or ``guest:<id>``; None if unknown."""
    if user is not None and getattr(user, "is_authenticated", False):
        return f"user:{user.pk}"
    guest = session.get(GUEST_KEY) if session is not None else None
    return f"guest:{guest}" if guest else None


@database_sync_to_async
def player_key_for_scope(scope: dict[str, Any]) -> str | None:
    """The player key of a WebSocket scope (session and user middleware applied)."""
    return player_key_for(scope.get("user"), scope.get("session"))  # type: ignore[arg-type]
