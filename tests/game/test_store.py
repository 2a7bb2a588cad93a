"""Recording results: match record, each player's part, Elo for ranked matches only."""

from __future__ import annotations

import pytest

from game.models import Match, MatchPlayer
from game.store import record_result
from lobby.models import PlayerProfile

pytestmark = pytest.mark.django_db


def make_match(ranked: bool) -> Match:
    return Match.objects.create(
        mode="duel", max_players=2, engine_id="e", engine_channel="c", ranked=ranked
    )


RESULT = {
    "reason": "score_limit",
    "winner_id": 0,
    "standings": [[0, "Ada", 10, 2], [1, "Bo", 2, 10]],
    "duration_ms": 61000,
}


def test_a_ranked_result_moves_ratings_zero_sum() -> None:
    match = make_match(ranked=True)
    record_result(str(match.id), RESULT, {0: "guest:ada", 1: "guest:bo"})
    match.refresh_from_db()
    assert match.status == Match.Status.OVER and match.result == RESULT
    ada = PlayerProfile.objects.get(key="guest:ada")
    bo = PlayerProfile.objects.get(key="guest:bo")
    assert ada.rating == pytest.approx(1516.0) and bo.rating == pytest.approx(1484.0)
    assert ada.games == bo.games == 1
    rows = {row.player_key: row for row in MatchPlayer.objects.filter(match=match)}
    assert rows["guest:ada"].rating_before == 1500 and rows["guest:ada"].rating_after == ada.rating


def test_an_unranked_result_keeps_ratings() -> None:
    match = make_match(ranked=False)
    record_result(str(match.id), RESULT, {0: "guest:ada", 1: "guest:bo"})
    assert not PlayerProfile.objects.exists()
    assert MatchPlayer.objects.filter(match=match, rating_after__isnull=True).count() == 2


def test_a_player_who_rejoined_counts_once_with_summed_kills() -> None:
    match = make_match(ranked=True)
    result = dict(RESULT, standings=[[0, "Ada", 3, 1], [1, "Bo", 2, 2], [2, "Ada", 4, 0]])
    record_result(str(match.id), result, {0: "guest:ada", 1: "guest:bo", 2: "guest:ada"})
    rows = {row.player_key: row for row in MatchPlayer.objects.filter(match=match)}
    assert rows["guest:ada"].score == 7 and rows["guest:ada"].deaths == 1
    assert PlayerProfile.objects.get(key="guest:ada").rating > 1500


def test_a_result_is_recorded_once() -> None:
    match = make_match(ranked=True)
    record_result(str(match.id), RESULT, {0: "guest:ada", 1: "guest:bo"})
    record_result(str(match.id), RESULT, {0: "guest:ada", 1: "guest:bo"})
    assert PlayerProfile.objects.get(key="guest:ada").games == 1
    assert MatchPlayer.objects.filter(match=match).count() == 2
