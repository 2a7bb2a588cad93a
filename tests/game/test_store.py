"""Recording results: match record, each player's place, team and stats, and Elo ratings per
game and mode for ranked matches played out."""

from __future__ import annotations

from typing import Any

import pytest

from game.models import MatchPlayer, MatchRecord
from game.store import record_result
from lobby.models import PlayerProfile, Rating

pytestmark = pytest.mark.django_db


def make_match(ranked: bool, mode: str = "duel", game: str = "shooter") -> MatchRecord:
    return MatchRecord.objects.create(
        game=game, mode=mode, max_players=2, engine_id="e", engine_channel="c", ranked=ranked
    )


def result_of(standings: list[list[Any]], reason: str = "score_limit", teams: int = 0) -> dict:
    """A RESULT map as the runtime makes it (``MatchResult.to_wire``) for the shooter."""
    return {
        "reason": reason,
        "winner_id": None if teams else standings[0][0],
        "winner_team": standings[0][3] if teams else None,
        "teams": teams,
        "columns": ["score", "deaths"],
        "standings": standings,
        "duration_ms": 61000,
        "summary": {},
    }


RESULT = result_of([[0, "Ada", 1, 10, 2], [1, "Bo", 2, 2, 10]])
KEYS = {0: "guest:ada", 1: "guest:bo"}


def rating(key: str, game: str = "shooter", mode: str = "duel") -> Rating:
    return Rating.objects.get(player_key=key, game=game, mode=mode)


def parts(match: MatchRecord) -> dict[str, MatchPlayer]:
    return {row.player_key: row for row in MatchPlayer.objects.filter(match=match)}


def test_a_ranked_result_moves_ratings_zero_sum() -> None:
    match = make_match(ranked=True)
    record_result(str(match.id), RESULT, KEYS)
    match.refresh_from_db()
    assert match.status == MatchRecord.Status.OVER
    ratings = [{"id": 0, "before": 1500, "after": 1516}, {"id": 1, "before": 1500, "after": 1484}]
    assert match.result == {**RESULT, "ratings": ratings}, "the result, and each rating change"
    ada, bo = rating("guest:ada"), rating("guest:bo")
    assert ada.rating == pytest.approx(1516.0) and bo.rating == pytest.approx(1484.0)
    assert ada.games == bo.games == 1
    assert PlayerProfile.objects.get(key="guest:ada").name == "Ada"
    rows = parts(match)
    assert rows["guest:ada"].rating_before == 1500 and rows["guest:ada"].rating_after == ada.rating


def test_each_players_place_team_and_stats_are_kept() -> None:
    match = make_match(ranked=False)
    record_result(str(match.id), RESULT, KEYS)
    rows = parts(match)
    assert (rows["guest:ada"].place, rows["guest:ada"].team) == (1, None)
    assert rows["guest:ada"].stats == {"score": 10, "deaths": 2}
    assert (rows["guest:bo"].place, rows["guest:bo"].stats) == (2, {"score": 2, "deaths": 10})
    assert [row.player_key for row in MatchPlayer.objects.filter(match=match)] == [
        "guest:ada",
        "guest:bo",
    ], "best place first"


def test_an_unranked_result_keeps_ratings() -> None:
    match = make_match(ranked=False)
    record_result(str(match.id), RESULT, KEYS)
    assert not Rating.objects.exists()
    assert MatchRecord.objects.get(id=match.id).result == RESULT, "no rating changes in it"
    assert MatchPlayer.objects.filter(match=match, rating_after__isnull=True).count() == 2


@pytest.mark.parametrize("reason", ["abandoned", "interrupted"])
def test_a_ranked_match_not_played_out_keeps_ratings(reason: str) -> None:
    match = make_match(ranked=True)
    record_result(str(match.id), {**RESULT, "reason": reason, "winner_id": None}, KEYS)
    assert not Rating.objects.exists()
    assert "ratings" not in MatchRecord.objects.get(id=match.id).result
    assert MatchRecord.objects.get(id=match.id).status == MatchRecord.Status.OVER


def test_ratings_are_per_game_and_mode() -> None:
    Rating.objects.create(player_key="guest:ada", game="shooter", mode="ffa", rating=1700.0)
    Rating.objects.create(player_key="guest:ada", game="chess", mode="duel", rating=1300.0)
    record_result(str(make_match(ranked=True).id), RESULT, KEYS)
    assert rating("guest:ada").rating == pytest.approx(1516.0), "the duel rating starts at 1500"
    assert rating("guest:ada", mode="ffa").rating == 1700.0
    assert rating("guest:ada", game="chess").rating == 1300.0
    assert rating("guest:ada", mode="ffa").games == 0
    record_result(str(make_match(ranked=True, game="chess").id), RESULT, KEYS)
    assert rating("guest:ada", game="chess").rating > 1300.0
    assert rating("guest:ada").rating == pytest.approx(1516.0), "another game's match"


def test_a_free_for_all_rates_by_place_and_equal_places_draw() -> None:
    match = make_match(ranked=True, mode="ffa")
    standings = [[0, "Ada", 1, 3, 1], [1, "Bo", 1, 3, 2], [2, "Cy", 3, 0, 6]]
    record_result(str(match.id), result_of(standings), {**KEYS, 2: "guest:cy"})
    assert rating("guest:ada", mode="ffa").rating == pytest.approx(1508.0)
    assert rating("guest:bo", mode="ffa").rating == pytest.approx(1508.0)
    assert rating("guest:cy", mode="ffa").rating == pytest.approx(1484.0)
    assert [parts(match)[key].place for key in ("guest:ada", "guest:bo", "guest:cy")] == [1, 1, 3]


def test_teammates_are_not_each_others_opponents() -> None:
    match = make_match(ranked=True, mode="teams")
    standings = [
        [0, "Ada", 1, 0, 5, 1],
        [2, "Cy", 1, 0, 3, 2],
        [1, "Bo", 3, 1, 1, 4],
        [3, "Di", 3, 1, 0, 3],
    ]
    keys = {0: "guest:ada", 1: "guest:bo", 2: "guest:cy", 3: "guest:di"}
    record_result(str(match.id), result_of(standings, teams=2), keys)
    for key, after in (("guest:ada", 1516.0), ("guest:cy", 1516.0), ("guest:bo", 1484.0)):
        assert rating(key, mode="teams").rating == pytest.approx(after)
    rows = parts(match)
    assert (rows["guest:cy"].team, rows["guest:cy"].place) == (0, 1)
    assert (rows["guest:di"].team, rows["guest:di"].stats) == (1, {"score": 0, "deaths": 3})


def test_a_player_listed_twice_counts_once_at_its_best_place() -> None:
    match = make_match(ranked=True)
    standings = [[2, "Ada", 1, 4, 0], [1, "Bo", 2, 2, 2], [0, "Ada", 3, 1, 1]]
    record_result(str(match.id), result_of(standings), {**KEYS, 2: "guest:ada"})
    rows = parts(match)
    assert len(rows) == 2
    assert (rows["guest:ada"].place, rows["guest:ada"].stats) == (1, {"score": 4, "deaths": 0})
    assert rating("guest:ada").rating > 1500 and rating("guest:ada").games == 1
    changes = MatchRecord.objects.get(id=match.id).result["ratings"]
    assert [change["id"] for change in changes] == [2, 1, 0], "each id of the standings"
    assert changes[0] == changes[2] | {"id": 2}, "both of Ada's ids show her one change"


def test_players_without_a_key_are_recorded_but_not_rated_apart() -> None:
    match = make_match(ranked=False)
    record_result(str(match.id), RESULT, {})
    keys = sorted(parts(match))
    assert keys == [f"anonymous:{match.id}:0", f"anonymous:{match.id}:1"]


def test_a_result_is_recorded_once() -> None:
    match = make_match(ranked=True)
    record_result(str(match.id), RESULT, KEYS)
    record_result(str(match.id), RESULT, KEYS)
    assert rating("guest:ada").games == 1
    assert MatchPlayer.objects.filter(match=match).count() == 2


def test_the_rating_changes_are_rounded_as_the_lobby_shows_ratings() -> None:
    Rating.objects.create(player_key="guest:ada", game="shooter", mode="duel", rating=1612.6)
    match = make_match(ranked=True)
    record_result(str(match.id), RESULT, KEYS)
    ada, bo = MatchRecord.objects.get(id=match.id).result["ratings"]
    assert ada == {"id": 0, "before": 1613, "after": round(rating("guest:ada").rating)}
    assert bo == {"id": 1, "before": 1500, "after": round(rating("guest:bo").rating)}
    assert ada["after"] - ada["before"] == -(bo["after"] - bo["before"]), "zero sum, here"
