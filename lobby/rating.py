"""Elo ratings for matches of two or more players or teams: every pair of opponents counts as
one game, decided by their places (lower is better; equal places are a draw)."""

from __future__ import annotations

from collections.abc import Mapping

DEFAULT_RATING = 1500.0
ELO_SCALE = 400.0  # a rating gap of this many points means 10:1 expected odds


def expected_score(rating: float, opponent: float) -> float:
    """The expected score (0..1) of a player rated ``rating`` against ``opponent``."""
    return 1.0 / (1.0 + 10.0 ** ((opponent - rating) / ELO_SCALE))


def pair_result(place: int, opponent_place: int) -> float:
    """One pairwise game: 1 for the better (lower) place, 0.5 for the same, 0 for the worse."""
    if place < opponent_place:
        return 1.0
    if place == opponent_place:
        return 0.5
    return 0.0


def update_ratings(
    ratings: Mapping[str, float],
    places: Mapping[str, int],
    teams: Mapping[str, int | None] | None = None,
    k: float = 32.0,
) -> dict[str, float]:
    """Ratings after one match of the players in ``places`` (missing ratings start at 1500).

    Each player's change is k times the sum over its opponents of (result - expected), divided
    by the number of opponents, so the changes add up to zero. With ``teams``, teammates are
    not each other's opponents. Players not in ``places`` keep their rating; a player without
    an opponent does not change.
    """
    result = {key: float(value) for key, value in ratings.items()}
    players = list(places)
    before = {player: float(ratings.get(player, DEFAULT_RATING)) for player in players}
    team_of = teams or {}
    for player in players:
        opponents = [
            other
            for other in players
            if other != player
            and (team_of.get(player) is None or team_of.get(player) != team_of.get(other))
        ]
        if not opponents:
            continue
        surplus = sum(
            pair_result(places[player], places[other])
            - expected_score(before[player], before[other])
            for other in opponents
        )
        result[player] = before[player] + k * surplus / len(opponents)
    return result
