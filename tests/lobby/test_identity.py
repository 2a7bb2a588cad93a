"""Who a player is: a signed-in user's account, else the guest id in their session."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser, User
from django.contrib.sessions.backends.db import SessionStore

from lobby.identity import GUEST_KEY, ensure_guest, player_key_for

pytestmark = pytest.mark.django_db


def test_a_guest_gets_a_stable_random_id_in_the_session() -> None:
    session = SessionStore()
    ensure_guest(session)
    session.save()
    first = player_key_for(AnonymousUser(), session)
    ensure_guest(session)
    assert first == player_key_for(AnonymousUser(), session) == f"guest:{session[GUEST_KEY]}"
    assert session.session_key not in first, "tickets and logs never carry the session key"


def test_a_signed_in_user_is_their_account() -> None:
    user = User.objects.create_user("ada")
    session = SessionStore()
    ensure_guest(session)
    assert player_key_for(user, session) == f"user:{user.pk}"


def test_no_session_means_no_identity() -> None:
    assert player_key_for(AnonymousUser(), SessionStore()) is None
