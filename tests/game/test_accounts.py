"""Accounts: sign up (a guest keeps its ratings and matches), log in on another browser (the
lobby and match sockets play as the account), log out, change password; Django's forms,
validators and CSRF checks in front of each."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import pytest
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client

from engine.protocol import MessageType
from game.models import MatchPlayer, MatchRecord
from game.routing import websocket_urlpatterns
from game.store import record_result
from lobby.identity import GUEST_KEY, claim_player
from lobby.models import PlayerProfile, Rating
from lobby.tickets import read_ticket
from tests.helpers import wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(30)]

PASSWORD = "correct horse battery staple"


def guest(client: Client, name: str = "Ada") -> str:
    """Load the lobby page as a new guest who played one rated duel; its key."""
    assert client.get("/").status_code == 200
    key = f"guest:{client.session[GUEST_KEY]}"
    PlayerProfile.objects.create(key=key, name=name)
    Rating.objects.create(player_key=key, game="shooter", mode="duel", rating=1623.0, games=1)
    match = MatchRecord.objects.create(
        game="shooter", mode="duel", max_players=2, engine_id="e", engine_channel="c"
    )
    MatchPlayer.objects.create(match=match, player_key=key, name=name, place=1)
    return key


def sign_up(client: Client, username: str = "ada", password: str = PASSWORD, **extra: str):
    return client.post(
        "/accounts/signup/",
        {"username": username, "password1": password, "password2": password, **extra},
    )


def test_the_account_pages_render_django_forms_in_the_site_style() -> None:
    client = Client()
    for path, field in (("/accounts/signup/", "password2"), ("/accounts/login/", "password")):
        page = client.get(path)
        assert page.status_code == 200
        html = page.content.decode()
        assert f'name="{field}"' in html and 'name="csrfmiddlewaretoken"' in html
        assert "css/arena.css" in html and "css/pages.css" in html


def test_a_guest_who_signs_up_keeps_its_rating_name_and_matches() -> None:
    client = Client()
    key = guest(client)
    response = sign_up(client)
    assert response.status_code == 302
    user = User.objects.get(username="ada")
    assert int(client.session["_auth_user_id"]) == user.pk, "signed in at once"
    profile = PlayerProfile.objects.get(user=user)
    assert (profile.key, profile.name) == (key, "Ada")
    session = client.get("/api/session/").json()
    assert session["signed_in"] and session["username"] == "ada"
    assert session["ratings"] == {"shooter": {"duel": 1623}}
    assert session["name"] == "Ada" and session["player_id"] == profile.pk
    assert response["Location"] == f"/players/{profile.pk}/" or response["Location"] == (
        "/players/me/"
    )
    assert MatchPlayer.objects.filter(player_key=key).count() == 1


def test_logging_in_on_another_browser_plays_as_the_account() -> None:
    first = Client()
    key = guest(first)
    sign_up(first)
    other = Client()
    other.get("/")  # a new guest there
    assert other.get("/api/session/").json()["ratings"] == {}
    response = other.post("/accounts/login/", {"username": "ada", "password": PASSWORD})
    assert response.status_code == 302
    session = other.get("/api/session/").json()
    assert session["ratings"] == {"shooter": {"duel": 1623}} and session["name"] == "Ada"
    match = MatchRecord.objects.create(
        game="shooter", mode="duel", max_players=2, engine_id="e", engine_channel="c"
    )
    ticket = other.post(
        f"/api/matches/{match.id}/tickets/", {"name": "Ada"}, content_type="application/json"
    ).json()["ticket"]
    assert read_ticket(ticket, str(match.id), 60).player_key == key, (
        "the match socket's ticket is the account's"
    )


def test_a_ranked_match_after_sign_up_rates_the_player_the_guest_was() -> None:
    client = Client()
    key = guest(client)
    sign_up(client)
    match = MatchRecord.objects.create(
        game="shooter", mode="duel", max_players=2, engine_id="e", engine_channel="c", ranked=True
    )
    ticket = client.post(
        f"/api/matches/{match.id}/tickets/", {"name": "Ada"}, content_type="application/json"
    )
    assert ticket.status_code == 403, "a lobby match: only its seats get tickets"
    match.seats = [key, "guest:bo"]
    match.save()
    ticket = client.post(
        f"/api/matches/{match.id}/tickets/", {"name": "Ada"}, content_type="application/json"
    )
    assert read_ticket(ticket.json()["ticket"], str(match.id), 60).player_key == key
    result = {
        "reason": "score_limit",
        "teams": 0,
        "columns": ["score", "deaths"],
        "standings": [[0, "Ada", 1, 10, 2], [1, "Bo", 2, 2, 10]],
    }
    record_result(str(match.id), result, {0: key, 1: "guest:bo"})
    rating = Rating.objects.get(player_key=key, game="shooter", mode="duel")
    assert rating.games == 2 and rating.rating > 1623, "the guest's rating, one match on"
    assert client.get("/api/session/").json()["ratings"] == {
        "shooter": {"duel": round(rating.rating)}
    }
    profile = PlayerProfile.objects.get(user__username="ada")
    assert len(client.get(f"/api/players/{profile.pk}/").json()["matches"]) == 2


def test_a_wrong_password_is_refused_with_the_form_error() -> None:
    client = Client()
    guest(client)
    sign_up(client)
    client.post("/accounts/logout/")
    response = Client().post("/accounts/login/", {"username": "ada", "password": "nope"})
    assert response.status_code == 200
    assert "correct username and password" in response.content.decode()


@pytest.mark.parametrize(
    ("password", "complaint"),
    [("short1", "too short"), ("password123", "too common"), ("48912345670", "entirely numeric")],
)
def test_the_password_validators_apply_to_sign_up(password: str, complaint: str) -> None:
    response = sign_up(Client(), password=password)
    assert response.status_code == 200
    assert complaint in response.content.decode()
    assert not User.objects.exists()


def test_a_taken_username_is_refused() -> None:
    sign_up(Client())
    response = sign_up(Client(), username="ADA")
    assert response.status_code == 200 and "already exists" in response.content.decode()
    assert User.objects.count() == 1


def test_posts_need_the_csrf_token() -> None:
    client = Client(enforce_csrf_checks=True)
    client.get("/accounts/signup/")
    refused = sign_up(client)
    assert refused.status_code == 403 and refused["Content-Type"].startswith("text/html")
    assert b"CSRF verification failed" in refused.content, "Django's page, not the API's JSON"
    token = client.cookies[settings.CSRF_COOKIE_NAME].value
    assert sign_up(client, csrfmiddlewaretoken=token).status_code == 302


def test_log_out_is_a_post_and_makes_the_browser_a_new_guest() -> None:
    client = Client()
    key = guest(client)
    sign_up(client)
    assert client.get("/accounts/logout/").status_code == 405
    assert client.post("/accounts/logout/").status_code == 302
    client.get("/")
    session = client.get("/api/session/").json()
    assert not session["signed_in"] and session["ratings"] == {}
    assert f"guest:{client.session[GUEST_KEY]}" != key


def test_change_password_keeps_the_session_and_the_new_password_works() -> None:
    client = Client()
    guest(client)
    sign_up(client)
    assert client.get("/accounts/password/").status_code == 200
    new = "another horse battery staple"
    response = client.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 302 and response["Location"] == "/accounts/password/done/"
    assert client.get("/api/session/").json()["signed_in"], "still signed in here"
    assert Client().login(username="ada", password=new)
    assert not Client().login(username="ada", password=PASSWORD)


def test_change_password_needs_the_old_one_and_a_login() -> None:
    assert Client().get("/accounts/password/")["Location"].startswith("/accounts/login/")
    client = Client()
    sign_up(client)
    response = client.post(
        "/accounts/password/",
        {"old_password": "wrong", "new_password1": "x" * 12, "new_password2": "x" * 12},
    )
    assert response.status_code == 200 and "incorrectly" in response.content.decode()


def test_a_guest_claimed_by_one_account_is_not_given_to_another() -> None:
    client = Client()
    key = guest(client)
    ada = User.objects.create_user("ada", password=PASSWORD)
    bo = User.objects.create_user("bo", password=PASSWORD)
    assert claim_player(ada, client.session).key == key
    other = claim_player(bo, client.session)
    assert other.key == f"user:{bo.pk}" and other.user == bo
    assert PlayerProfile.objects.get(key=key).user == ada


def test_an_account_made_without_a_guest_gets_a_player_of_its_own() -> None:
    user = User.objects.create_user("zoë@example.com", password=PASSWORD)
    profile = claim_player(user, None)
    assert profile.key == f"user:{user.pk}" and profile.name == "Player", "@ is not in names"


@pytest.fixture
async def lobby_socket() -> AsyncIterator[list[WebsocketCommunicator]]:
    opened: list[WebsocketCommunicator] = []
    yield opened
    for comm in opened:
        with contextlib.suppress(Exception):
            await comm.disconnect()


async def test_the_lobby_welcome_names_the_account_on_a_new_browser(
    lobby_socket: list[WebsocketCommunicator],
) -> None:
    first = Client()
    await database_sync_to_async(guest)(first)
    await database_sync_to_async(sign_up)(first)
    other = Client()
    assert await database_sync_to_async(other.login)(username="ada", password=PASSWORD)
    cookie = f"{settings.SESSION_COOKIE_NAME}={other.cookies[settings.SESSION_COOKIE_NAME].value}"
    comm = WebsocketCommunicator(
        URLRouter(websocket_urlpatterns),
        "/ws/lobby/?name=Ada",
        headers=[(b"cookie", cookie.encode())],
    )
    lobby_socket.append(comm)
    connected, _ = await comm.connect()
    assert connected
    welcome = (await wait_for(comm, MessageType.LOBBY_WELCOME))[1]
    profile = await PlayerProfile.objects.aget(user__username="ada")
    assert welcome["signed_in"] is True and welcome["player_id"] == profile.pk
    assert welcome["ratings"] == {"shooter": {"duel": 1623}}
