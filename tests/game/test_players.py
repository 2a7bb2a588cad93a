"""Profiles, match pages and leaderboards, as pages and as JSON under /api/."""

from __future__ import annotations

import datetime
import re

import pytest
from django.test import Client
from django.utils import timezone

from game.models import MatchPlayer, MatchRecord
from game.players import ordinal, outcome
from lobby.identity import GUEST_KEY
from lobby.models import PlayerProfile, Rating

pytestmark = pytest.mark.django_db


def player(name: str, **ratings: float) -> PlayerProfile:
    profile = PlayerProfile.objects.create(key=f"guest:{name}", name=name)
    for queue, rating in ratings.items():
        game, mode = queue.split("_")
        Rating.objects.create(player_key=profile.key, game=game, mode=mode, rating=rating, games=1)
    return profile


def duel(winner: PlayerProfile, loser: PlayerProfile) -> MatchRecord:
    match = MatchRecord.objects.create(
        game="shooter",
        mode="duel",
        max_players=2,
        engine_id="e",
        engine_channel="c",
        status=MatchRecord.Status.OVER,
        ended_at=timezone.now(),
        ranked=True,
        result={"reason": "score", "columns": ["score", "deaths"], "standings": []},
    )
    for profile, place, before, after in ((winner, 1, 1500, 1516), (loser, 2, 1500, 1484)):
        MatchPlayer.objects.create(
            match=match,
            player_key=profile.key,
            name=profile.name,
            place=place,
            stats={"score": 10 if place == 1 else 3, "deaths": 3 if place == 1 else 10},
            rating_before=before,
            rating_after=after,
        )
    return match


def as_player(profile: PlayerProfile) -> Client:
    """A browser whose guest is ``profile``."""
    client = Client()
    session = client.session
    session[GUEST_KEY] = profile.key.removeprefix("guest:")
    session.save()
    return client


def test_outcomes_against_one_side_and_against_several() -> None:
    assert outcome(1, None, [(2, None)]) == "won"
    assert outcome(2, None, [(1, None)]) == "lost"
    assert outcome(1, None, [(1, None)]) == "draw"
    assert outcome(1, 0, [(1, 0), (2, 1), (2, 1)]) == "won", "teammates are not opponents"
    assert outcome(3, None, [(1, None), (2, None), (4, None)]) == "3rd of 4"
    assert [ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 101)] == [
        "1st",
        "2nd",
        "3rd",
        "4th",
        "11th",
        "12th",
        "13th",
        "21st",
        "22nd",
        "101st",
    ]


def test_a_profile_shows_name_ratings_ranks_and_recent_matches_with_links() -> None:
    ada = player("Ada", shooter_duel=1516, football_1v1=1480)
    bo = player("Bo", shooter_duel=1484)
    match = duel(ada, bo)
    page = Client().get(f"/players/{ada.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<title>Ada · Arena</title>" in html
    assert "Arena shooter" in html and "1516" in html and "#1" in html
    assert f'href="/matches/{match.id}/"' in html and "Bo" in html
    assert 'data-outcome="won"' in html and "(+16)" in html
    assert "This is you" not in html, "someone else's profile"
    own = as_player(ada).get(f"/players/{ada.pk}/").content.decode()
    assert "This is you" in own and "Sign up" in own


def test_a_profile_as_json() -> None:
    ada = player("Ada", shooter_duel=1516)
    bo = player("Bo", shooter_duel=1484)
    match = duel(ada, bo)
    body = Client().get(f"/api/players/{bo.pk}/").json()
    assert body["name"] == "Bo" and body["account"] is False
    assert body["ratings"] == [
        {"game": "shooter", "mode": "duel", "rating": 1484, "games": 1, "rank": 2}
    ]
    [part] = body["matches"]
    assert part["match_id"] == str(match.id) and part["outcome"] == "lost"
    assert (part["rating_before"], part["rating_after"], part["opponents"]) == (1500, 1484, ["Ada"])
    missing = Client().get("/api/players/999999/")
    assert missing.status_code == 404 and missing.json() == {"error": "no such player"}


def test_an_unknown_player_or_match_is_the_styled_404() -> None:
    assert Client().get("/players/999999/").status_code == 404
    assert Client().get("/matches/00000000-0000-0000-0000-000000000000/").status_code == 404


def test_my_profile_leads_to_the_visitors_own_or_to_the_lobby() -> None:
    ada = player("Ada")
    assert as_player(ada).get("/players/me/")["Location"] == f"/players/{ada.pk}/"
    assert Client().get("/players/me/")["Location"] == "/"


def test_a_match_page_lists_standings_with_rating_changes_and_profile_links() -> None:
    ada = player("Ada", shooter_duel=1516)
    bo = player("Bo", shooter_duel=1484)
    match = duel(ada, bo)
    html = as_player(bo).get(f"/matches/{match.id}/").content.decode()
    assert f'href="/players/{ada.pk}/"' in html and f'href="/players/{bo.pk}/"' in html
    assert "(+16)" in html and "(-16)" in html and "score" in html
    assert 'class="self"' in html, "the viewer's row stands out"


def test_the_leaderboard_page_lists_the_mode_and_the_viewers_rank() -> None:
    ada = player("Ada", shooter_duel=1600)
    player("Bo", shooter_duel=1700)
    player("Cy", shooter_ffa=1900)
    page = as_player(ada).get("/leaderboard/shooter/duel/")
    assert page.status_code == 200
    html = page.content.decode()
    assert html.index(">Bo<") < html.index(">Ada<")
    assert "Cy" not in html, "another mode's player"
    assert "Your rank: <strong>#2</strong>" in html
    assert re.search(r'<tr class="self">\s*<td class="rank">2</td>', html), "the own row"
    assert 'aria-current="page"' in html and "/leaderboard/football/" in html
    stranger = Client().get("/leaderboard/shooter/duel/").content.decode()
    assert "You have no rating" in stranger


def test_the_leaderboard_home_and_unknown_modes() -> None:
    assert Client().get("/leaderboard/")["Location"] == "/leaderboard/shooter/duel/"
    assert Client().get("/leaderboard/shooter/battle/").status_code == 404
    answer = Client().get("/api/leaderboard/chess/duel/")
    assert answer.status_code == 404 and "error" in answer.json()


def test_the_leaderboard_as_json_pages_and_own_position() -> None:
    Rating.objects.bulk_create(
        Rating(player_key=f"guest:p{index}", game="shooter", mode="duel", rating=2000 - index)
        for index in range(120)
    )
    me = player("Me", shooter_duel=1890)  # ties p110, rated after it
    body = as_player(me).get("/api/leaderboard/shooter/duel/?page=2").json()
    assert (body["page"], body["pages"], body["page_size"], body["total"]) == (2, 2, 100, 121)
    assert [s["rank"] for s in body["standings"][:3]] == [101, 102, 103]
    assert body["you"] == {"rank": 111, "place": 112, "page": 2, "rating": 1890, "games": 1}
    assert Client().get("/api/leaderboard/shooter/duel/?page=x").json()["page"] == 1
    assert Client().get("/api/leaderboard/shooter/duel/").json()["you"] is None


def test_an_unplayed_match_shows_how_it_ended_newest_first() -> None:
    ada = player("Ada", shooter_duel=1516)
    bo = player("Bo", shooter_duel=1484)
    played = duel(ada, bo)
    abandoned = duel(bo, ada)
    abandoned.result = {"reason": "abandoned", "standings": []}
    abandoned.ended_at = played.ended_at + datetime.timedelta(seconds=5)
    abandoned.save()
    matches = Client().get(f"/api/players/{ada.pk}/").json()["matches"]
    assert [(m["match_id"], m["outcome"]) for m in matches] == [
        (str(abandoned.id), "abandoned"),
        (str(played.id), "won"),
    ]
