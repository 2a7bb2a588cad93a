"""Who a player is: a signed-in user's player, or a guest identified by a random id in their
session. A guest who signs up becomes the account's player under the same key, so its ratings
and matches stay its own (``claim_player``)."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from channels.db import database_sync_to_async
from django.contrib.sessions.backends.base import SessionBase
from django.db import transaction

from lobby.models import PlayerProfile
from lobby.names import MAX_NAME_LENGTH, InvalidName, clean_display_name

GUEST_KEY = "arena_guest_id"
DEFAULT_ACCOUNT_NAME = "Player"
_CACHED_KEY = "_arena_player_key"  # a user object's key, looked up once per request or socket

logger = logging.getLogger(__name__)


def ensure_guest(session: SessionBase) -> None:
    """Give a session a guest id (and so a cookie) if it has none."""
    if GUEST_KEY not in session:
        session[GUEST_KEY] = uuid.uuid4().hex


def guest_key(session: SessionBase | None) -> str | None:
    """The session's guest key, ``guest:<id>``; None without one."""
    guest = session.get(GUEST_KEY) if session is not None else None
    return f"guest:{guest}" if guest else None


def account_key(user: Any) -> str:
    """The player key of a signed-in user: its player's key, else ``user:<id>``."""
    cached = getattr(user, _CACHED_KEY, None)
    if cached is None:
        key = PlayerProfile.objects.filter(user_id=user.pk).values_list("key", flat=True).first()
        cached = key or f"user:{user.pk}"
        setattr(user, _CACHED_KEY, cached)
    return cached


def player_key_for(user: Any, session: SessionBase) -> str | None:
    """The player key of a request or socket: the account's for a signed-in user, else the
    session's guest key; None if unknown."""
    if user is not None and getattr(user, "is_authenticated", False):
        return account_key(user)
    return guest_key(session)


@database_sync_to_async
def player_key_for_scope(scope: dict[str, Any]) -> str | None:
    """The player key of a WebSocket scope (session and user middleware applied)."""
    return player_key_for(scope.get("user"), scope.get("session"))  # type: ignore[arg-type]


def _account_name(user: Any) -> str:
    """A display name made from a new account's user name."""
    try:
        return clean_display_name(user.get_username()[:MAX_NAME_LENGTH])
    except InvalidName:
        return DEFAULT_ACCOUNT_NAME


def claim_player(user: Any, session: SessionBase | None) -> PlayerProfile:
    """Make ``user`` the account of the session's guest (who keeps its key, name, ratings and
    matches); a session without a guest, or whose guest another account has claimed, gives
    the account a new player ``user:<id>``."""
    key = guest_key(session)
    with transaction.atomic():
        if key is not None:
            profile, _ = PlayerProfile.objects.select_for_update().get_or_create(
                key=key, defaults={"name": _account_name(user)}
            )
            if profile.user_id is None:
                profile.user = user
                profile.save(update_fields=["user", "updated_at"])
                logger.info("guest %s signed up as user %s", key, user.pk)
                setattr(user, _CACHED_KEY, profile.key)
                return profile
        profile, _ = PlayerProfile.objects.get_or_create(
            key=f"user:{user.pk}", defaults={"user": user, "name": _account_name(user)}
        )
    setattr(user, _CACHED_KEY, profile.key)
    return profile
