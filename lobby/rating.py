"""Elo ratings for matches of two or more players: every pair of players counts as one game."""

from __future__ import annotations

from collections.abc import Mapping

DEFAULT_RATING = 1500.0
ELO_SCALE = 400.0  # a rating gap of this many points means 10:1 expected odds


def expected_score(rating: float, opponent: float) -> float:
    """The expected score (0..1) of a player rated ``rating`` against ``opponent``."""
    return 1.0 / (1.0 + 10.0 ** ((opponent - rating) / ELO_SCALE))


def pair_result(score: int, opponent_score: int) -> float:
    """One pairwise game: 1 for the higher score, 0.5 for a tie, 0 for the lower."""
    if score > opponent_score:
        return 1.0
    if score == opponent_score:
        return 0.5
    return 0.0


def update_ratings(
    ratings: Mapping[str, float], scores: Mapping[str, int], k: float = 32.0
) -> dict[str, float]:
    """Ratings after one match of the players in ``scores`` (missing ratings start at 1500).

    Each player's change is k times the sum over opponents of (result - expected), divided
    by the number of opponents, so the changes add up to zero. Players not in ``scores`` keep
    their rating; with fewer than two players nothing changes.
    """
    result = {key: float(value) for key, value in ratings.items()}
    players = list(scores)
    if len(players) < 2:
        return result
    before = {player: float(ratings.get(player, DEFAULT_RATING)) for player in players}
    opponents = len(players) - 1
    for player in players:
        surplus = sum(
            pair_result(scores[player], scores[other])
            - expected_score(before[player], before[other])
            for other in players
            if other != player
        )
        result[player] = before[player] + k * surplus / opponents
    return result
