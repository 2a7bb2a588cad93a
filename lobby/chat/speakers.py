"""Who chats: a player's profile as a chat speaker (its profile id is its public chat id)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from channels.db import database_sync_to_async
from django.contrib.auth import get_user

from lobby.chat.lines import Speaker
from lobby.identity import player_key_for
from lobby.models import PlayerProfile


@database_sync_to_async
def speaker_for(player_key: str, name: str) -> Speaker:
    """The player of ``player_key`` speaking as ``name`` (its profile made if it has none)."""
    profile, _ = PlayerProfile.objects.get_or_create(key=player_key, defaults={"name": name})
    return Speaker(profile.key, profile.pk, name)


@database_sync_to_async
def find_speaker(chat_id: int) -> Speaker | None:
    """The player of chat id ``chat_id`` under its last display name, or None."""
    profile = PlayerProfile.objects.filter(pk=chat_id).first()
    return None if profile is None else Speaker(profile.key, profile.pk, profile.name)


@database_sync_to_async
def speaker_of_scope(scope: dict[str, Any]) -> Speaker | None:
    """The player of a socket's session (a signed-in user's or its guest) under its last
    display name; None without a session or a profile (it never opened the lobby)."""
    session = scope.get("session")
    if session is None:
        return None
    user = scope.get("user") or get_user(SimpleNamespace(session=session))  # type: ignore[arg-type]
    key = player_key_for(user, session)
    if key is None:
        return None
    profile = PlayerProfile.objects.filter(key=key).first()
    return None if profile is None else Speaker(profile.key, profile.pk, profile.name)
