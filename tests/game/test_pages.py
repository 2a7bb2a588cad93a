"""What a visitor meets beside the game and the API: the styled 404 and 500 pages (JSON under
``/api/``), the favicon, and the rating changes of a ranked match in the match API."""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory

from game import urls, views
from game.models import MatchRecord
from game.store import record_result

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_unknown_page_is_a_styled_404_that_leads_to_the_lobby() -> None:
    response = Client().get("/no/such/page")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert "<title>Page not found · Arena</title>" in page
    assert "/static/css/arena.css" in page and "favicon.svg" in page
    assert 'href="/"' in page and "Go to the lobby" in page
    assert "<code>/no/such/page</code>" in page
    assert "Not Found</h1>" not in page, "not Django's bare page"


def test_a_path_is_escaped_on_the_404_page() -> None:
    page = Client().get("/<script>x</script>").content.decode()
    assert "<script>x</script>" not in page


def test_an_unknown_api_path_answers_json() -> None:
    response = Client().get("/api/nothing-here/")
    assert response.status_code == 404
    assert response.json() == {"error": "not found"}


def test_a_server_error_is_a_styled_500_page_and_json_under_the_api() -> None:
    assert urls.handler500 is views.server_error and urls.handler404 is views.page_not_found
    page = views.server_error(RequestFactory().get("/"))
    assert page.status_code == 500
    assert "<title>Server error · Arena</title>" in page.content.decode()
    assert "Go to the lobby" in page.content.decode()
    api = views.server_error(RequestFactory().get("/api/matches/"))
    assert api.status_code == 500 and api["Content-Type"] == "application/json"


def test_the_favicon_is_the_arena_icon() -> None:
    response = Client().get("/favicon.ico")
    assert response.status_code == 301 and response["Location"] == "/static/favicon.svg"
    index = Client().get("/").content.decode()
    assert '<link rel="icon" href="/static/favicon.svg"' in index


def make_match(ranked: bool) -> MatchRecord:
    return MatchRecord.objects.create(
        game="connect4",
        mode="classic",
        max_players=2,
        engine_id="e",
        engine_channel="c",
        ranked=ranked,
    )


RESULT = {
    "reason": "four_in_a_row",
    "winner_id": 1,
    "winner_team": None,
    "teams": 0,
    "columns": ["disc"],
    "standings": [[1, "Bo", 1, 2], [0, "Ada", 2, 1]],
    "duration_ms": 30000,
    "summary": {},
}


def test_the_match_api_gives_each_players_rating_before_and_after_a_ranked_match() -> None:
    match = make_match(ranked=True)
    detail = Client().get(f"/api/matches/{match.id}/").json()
    assert (detail["status"], detail["ranked"], detail["result"]) == ("open", True, None)
    record_result(str(match.id), RESULT, {0: "guest:ada", 1: "guest:bo"})
    detail = Client().get(f"/api/matches/{match.id}/").json()
    assert detail["status"] == "over"
    assert detail["result"]["standings"] == RESULT["standings"]
    assert detail["result"]["ratings"] == [
        {"id": 1, "before": 1500, "after": 1516},
        {"id": 0, "before": 1500, "after": 1484},
    ]


def test_a_private_match_has_no_rating_changes() -> None:
    match = make_match(ranked=False)
    record_result(str(match.id), RESULT, {0: "guest:ada", 1: "guest:bo"})
    detail = Client().get(f"/api/matches/{match.id}/").json()
    assert detail["ranked"] is False
    assert "ratings" not in detail["result"]
