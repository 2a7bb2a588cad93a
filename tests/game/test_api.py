"""The HTTP API: creating, listing and reading matches; the game page; health."""

from __future__ import annotations

import json

import pytest
from django.test import AsyncClient

from engine.worker import EngineWorker
from game.models import MatchRecord
from lobby.identity import GUEST_KEY
from lobby.tickets import read_ticket

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(20)]


async def post(client: AsyncClient, body: object) -> tuple[int, dict]:
    response = await client.post(
        "/api/matches/", data=json.dumps(body), content_type="application/json"
    )
    return response.status_code, response.json()


@pytest.mark.parametrize(
    ("body", "mode", "seats"),
    [({}, "ffa", 8), ({"mode": "duel"}, "duel", 2), ({"mode": "ffa", "max_players": 4}, "ffa", 4)],
)
async def test_create_match_assigns_it_to_a_live_engine(
    engine: EngineWorker, body: dict, mode: str, seats: int
) -> None:
    status, match = await post(AsyncClient(), body)
    assert status == 201
    assert (match["mode"], match["max_players"], match["status"]) == (mode, seats, "open")
    assert match["ws_path"] == f"/ws/match/{match['id']}/"
    row = await MatchRecord.objects.aget(id=match["id"])
    assert row.engine_id == engine.worker_id


@pytest.mark.parametrize(
    "body",
    [
        {"mode": "battle-royale"},
        {"mode": "duel", "max_players": 3},
        {"max_players": 1},
        {"max_players": 9},
        {"max_players": "8"},
        {"max_players": True},
        {"listed": "yes"},
        ["ffa"],
    ],
)
async def test_invalid_requests_are_400_with_a_reason(engine: EngineWorker, body: object) -> None:
    status, answer = await post(AsyncClient(), body)
    assert status == 400 and answer["error"]


async def test_non_json_body_is_400(engine: EngineWorker) -> None:
    response = await AsyncClient().post("/api/matches/", data="{", content_type="application/json")
    assert response.status_code == 400


async def test_no_engine_means_503() -> None:
    status, answer = await post(AsyncClient(), {})
    assert status == 503 and "no engine" in answer["error"]


async def test_listing_shows_listed_matches_with_a_free_seat_newest_first(
    engine: EngineWorker,
) -> None:
    client = AsyncClient()
    _, over = await post(client, {"mode": "duel", "listed": True})
    _, older = await post(client, {"listed": True})
    _, unlisted = await post(client, {})
    _, newer = await post(client, {"mode": "duel", "listed": True})
    await MatchRecord.objects.filter(id=over["id"]).aupdate(status=MatchRecord.Status.OVER)
    assert unlisted["listed"] is False and newer["listed"] is True
    listing = (await client.get("/api/matches/")).json()["matches"]
    assert [m["id"] for m in listing] == [newer["id"], older["id"]], "unlisted ones are not"
    assert [m["players"] for m in listing] == [0, 0]


async def test_a_full_match_leaves_the_open_list(engine: EngineWorker) -> None:
    client = AsyncClient()
    _, duel = await post(client, {"mode": "duel", "listed": True})
    live = engine.matches[duel["id"]].match
    live.add_player("a")
    await engine.registry.announce(
        engine.worker_id, engine.channel, engine.load, {}, engine.live_summaries()
    )
    [listed] = (await client.get("/api/matches/")).json()["matches"]
    assert listed["players"] == 1
    live.add_player("b")
    await engine.registry.announce(
        engine.worker_id, engine.channel, engine.load, {}, engine.live_summaries()
    )
    assert (await client.get("/api/matches/")).json()["matches"] == []


async def test_detail_and_404(engine: EngineWorker) -> None:
    client = AsyncClient()
    _, created = await post(client, {})
    detail = await client.get(f"/api/matches/{created['id']}/")
    assert detail.status_code == 200 and detail.json()["id"] == created["id"]
    missing = await client.get("/api/matches/00000000-0000-0000-0000-000000000000/")
    assert missing.status_code == 404


async def test_health_reports_engines(engine: EngineWorker) -> None:
    response = await AsyncClient().get("/healthz")
    assert response.status_code == 200
    assert response.json()["engines"][0]["id"] == engine.worker_id


async def test_the_game_page_is_served() -> None:
    response = await AsyncClient().get("/")
    assert response.status_code == 200
    assert b'id="game"' in response.content


async def test_posts_must_be_json() -> None:
    response = await AsyncClient().post("/api/matches/", data={"mode": "duel"})
    assert response.status_code == 415


async def test_a_session_gives_a_guest_identity_and_a_default_rating() -> None:
    client = AsyncClient()
    response = await client.get("/api/session/")
    assert response.status_code == 200
    assert response.json() == {
        "name": None,
        "player_id": None,
        "ratings": {},
        "default_rating": 1500,
        "signed_in": False,
        "username": None,
    }
    assert "sessionid" in response.cookies


async def test_a_ticket_admits_its_holder_to_that_match(engine: EngineWorker) -> None:
    client = AsyncClient()
    await client.get("/api/session/")
    _, match = await post(client, {"mode": "duel"})
    response = await client.post(
        f"/api/matches/{match['id']}/tickets/",
        data=json.dumps({"name": "Ada"}),
        content_type="application/json",
    )
    assert response.status_code == 201
    body = response.json()
    assert body["ws_path"] == match["ws_path"] and body["expires_in_ms"] == 60_000
    ticket = read_ticket(body["ticket"], match["id"], max_age=60)
    assert ticket.name == "Ada" and ticket.player_key.startswith("guest:")


@pytest.mark.parametrize(
    ("session", "body", "target", "status"),
    [
        (False, {"name": "Ada"}, "open", 403),
        (True, {"name": "<b>"}, "open", 400),
        (True, {"name": "Ada"}, "missing", 404),
        (True, {"name": "Ada"}, "over", 409),
        (True, {"name": "Ada"}, "ranked", 403),
        (True, {"name": "Ada"}, "ranked-seated", 201),
    ],
)
async def test_ticket_refusals(
    engine: EngineWorker, session: bool, body: dict, target: str, status: int
) -> None:
    client = AsyncClient()
    if session:
        await client.get("/api/session/")
    _, match = await post(AsyncClient(), {})
    if target == "over":
        await MatchRecord.objects.filter(id=match["id"]).aupdate(status=MatchRecord.Status.OVER)
    if target == "ranked":
        await MatchRecord.objects.filter(id=match["id"]).aupdate(ranked=True, seats=["guest:other"])
    if target == "ranked-seated":  # a lobby match's player gets tickets, at any time
        key = f"guest:{await (await client.asession()).aget(GUEST_KEY)}"
        await MatchRecord.objects.filter(id=match["id"]).aupdate(ranked=True, seats=[key])
    match_id = match["id"] if target != "missing" else "00000000-0000-0000-0000-000000000000"
    response = await client.post(
        f"/api/matches/{match_id}/tickets/", data=json.dumps(body), content_type="application/json"
    )
    assert response.status_code == status
    assert response.json()["error" if status >= 400 else "ticket"]


@pytest.mark.parametrize("path", ["/api/matches/", "/api/matches/{id}/tickets/"])
async def test_posts_need_the_csrf_token_of_the_session(engine: EngineWorker, path: str) -> None:
    _, match = await post(AsyncClient(), {"mode": "duel"})
    url = path.format(id=match["id"])
    body = json.dumps({"name": "Ada", "mode": "duel"})
    client = AsyncClient(enforce_csrf_checks=True)
    session = await client.get("/api/session/")
    token = session.cookies["csrftoken"].value
    refused = await client.post(url, data=body, content_type="application/json")
    assert refused.status_code == 403 and "X-CSRFToken" in refused.json()["error"]
    forged = await client.post(
        url, data=body, content_type="application/json", headers={"X-CSRFToken": "x" * 32}
    )
    assert forged.status_code == 403
    accepted = await client.post(
        url, data=body, content_type="application/json", headers={"X-CSRFToken": token}
    )
    assert accepted.status_code == 201


async def test_the_game_page_sets_the_csrf_cookie() -> None:
    response = await AsyncClient().get("/")
    assert response.status_code == 200 and "csrftoken" in response.cookies
