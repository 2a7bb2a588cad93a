"""Elo updates from places: duels, free-for-alls and team matches."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lobby.rating import DEFAULT_RATING, expected_score, update_ratings


@pytest.mark.parametrize(
    ("ratings", "places", "expected"),
    [
        ({"a": 1500, "b": 1500}, {"a": 1, "b": 2}, {"a": 1516.0, "b": 1484.0}),
        ({"a": 1500, "b": 1500}, {"a": 2, "b": 1}, {"a": 1484.0, "b": 1516.0}),
        ({"a": 1500, "b": 1500}, {"a": 1, "b": 1}, {"a": 1500.0, "b": 1500.0}),
        ({"a": 1600, "b": 1400}, {"a": 1, "b": 2}, {"a": 1607.688, "b": 1392.312}),
        ({"a": 1600, "b": 1400}, {"a": 2, "b": 1}, {"a": 1575.688, "b": 1424.312}),
        ({"a": 1600, "b": 1400}, {"a": 1, "b": 1}, {"a": 1591.688, "b": 1408.312}),
    ],
)
def test_duel_numbers(
    ratings: dict[str, float], places: dict[str, int], expected: dict[str, float]
) -> None:
    result = update_ratings(ratings, places)
    assert result == pytest.approx(expected, abs=1e-3)


def test_three_players_of_equal_rating() -> None:
    result = update_ratings({"a": 1500, "b": 1500, "c": 1500}, {"a": 1, "b": 2, "c": 3})
    assert result == pytest.approx({"a": 1516.0, "b": 1500.0, "c": 1484.0})


def test_teammates_are_not_each_others_opponents() -> None:
    ratings = {"a": 1500, "b": 1500, "c": 1500, "d": 1500}
    places = {"a": 1, "b": 1, "c": 2, "d": 2}
    teams = {"a": 0, "b": 0, "c": 1, "d": 1}
    result = update_ratings(ratings, places, teams)
    # a and b each beat c and d (1 - 0.5 each), not a draw against each other
    assert result == pytest.approx({"a": 1516.0, "b": 1516.0, "c": 1484.0, "d": 1484.0})
    alone = update_ratings(ratings, places)
    assert alone["a"] < result["a"], "without teams a draw between teammates dilutes the win"


def test_a_team_draw_changes_nothing_between_equals() -> None:
    ratings = {"a": 1500, "b": 1500, "c": 1500, "d": 1500}
    result = update_ratings(ratings, dict.fromkeys(ratings, 1), {"a": 0, "b": 0, "c": 1, "d": 1})
    assert result == pytest.approx(ratings)


def test_underdog_gains_more_than_favourite() -> None:
    ratings = {"strong": 1800.0, "weak": 1400.0}
    favourite_win = update_ratings(ratings, {"strong": 1, "weak": 2})
    underdog_win = update_ratings(ratings, {"strong": 2, "weak": 1})
    assert underdog_win["weak"] - ratings["weak"] > favourite_win["strong"] - ratings["strong"] > 0


def test_k_scales_the_change() -> None:
    result = update_ratings({"a": 1500, "b": 1500}, {"a": 1, "b": 2}, k=16.0)
    assert result == {"a": 1508.0, "b": 1492.0}


@pytest.mark.parametrize(
    ("ratings", "places"),
    [({}, {}), ({"a": 1234.0}, {"a": 1}), ({"a": 1234.0, "b": 1500.0}, {"a": 1})],
)
def test_a_player_without_opponents_changes_nothing(
    ratings: dict[str, float], places: dict[str, int]
) -> None:
    assert update_ratings(ratings, places) == ratings


def test_unrated_players_start_at_the_default_and_bystanders_keep_theirs() -> None:
    result = update_ratings({"old": 1700.0, "idle": 1900.0}, {"old": 1, "new": 2})
    assert result["idle"] == 1900.0
    assert result["new"] < DEFAULT_RATING
    assert result["old"] > 1700.0
    assert result["old"] - 1700.0 == pytest.approx(DEFAULT_RATING - result["new"])


def test_expected_score_is_symmetric() -> None:
    assert expected_score(1600, 1400) + expected_score(1400, 1600) == pytest.approx(1.0)
    assert expected_score(1500, 1500) == 0.5


players = st.dictionaries(
    st.text("abcdefgh", min_size=1, max_size=3),
    st.tuples(st.floats(100, 3000), st.integers(1, 8)),
    min_size=2,
    max_size=8,
)


@given(players)
def test_changes_are_zero_sum(table: dict[str, tuple[float, int]]) -> None:
    ratings = {key: rating for key, (rating, _) in table.items()}
    places = {key: place for key, (_, place) in table.items()}
    result = update_ratings(ratings, places)
    assert sum(result.values()) == pytest.approx(sum(ratings.values()), abs=1e-6)
    winners = [key for key, place in places.items() if place == min(places.values())]
    if len(winners) == 1:
        assert result[winners[0]] > ratings[winners[0]]
