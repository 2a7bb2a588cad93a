"""The HTTP API: creating, listing and reading matches; the game page; health."""

from __future__ import annotations

import json

import pytest
from django.test import AsyncClient

from engine.worker import EngineWorker
from game.models import Match

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
    row = await Match.objects.aget(id=match["id"])
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


async def test_listing_shows_open_matches_newest_first(engine: EngineWorker) -> None:
    client = AsyncClient()
    _, first = await post(client, {"mode": "duel"})
    _, second = await post(client, {})
    await Match.objects.filter(id=first["id"]).aupdate(status=Match.Status.OVER)
    listing = (await client.get("/api/matches/")).json()["matches"]
    assert [m["id"] for m in listing] == [second["id"]]


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
