"""Leaderboards: the players of one mode of one game by rating, a page at a time, and a player's
rank, each read from the ``leaderboard_rank`` index (game, mode, rating descending, id).

Ties are deterministic: equal ratings share a rank (competition ranking: 1, 2, 2, 4) and are
listed in the order they were first rated (the rating row's id).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from lobby.models import PlayerProfile, Rating

PAGE_SIZE = 100


@dataclass(frozen=True, slots=True)
class Standing:
    """One row of a leaderboard: the rank, the player's profile id and name, the rating."""

    rank: int
    player_id: int | None
    name: str
    rating: float
    games: int

    def to_api(self) -> dict[str, object]:
        """The entry of ``GET /api/leaderboard/<game>/<mode>/``."""
        return {
            "rank": self.rank,
            "player_id": self.player_id,
            "name": self.name,
            "rating": round(self.rating),
            "games": self.games,
        }


@dataclass(frozen=True, slots=True)
class Position:
    """Where one player stands: its rank (shared with equal ratings), its place in the listed
    order (unique) and the page that lists it."""

    rank: int
    place: int
    rating: float
    games: int

    @property
    def page(self) -> int:
        """The leaderboard page that lists the player."""
        return (self.place - 1) // PAGE_SIZE + 1

    def to_api(self) -> dict[str, object]:
        """The ``you`` object of ``GET /api/leaderboard/<game>/<mode>/``."""
        return {
            "rank": self.rank,
            "place": self.place,
            "page": self.page,
            "rating": round(self.rating),
            "games": self.games,
        }


@dataclass(frozen=True, slots=True)
class LeaderboardPage:
    """One page of a leaderboard and how many there are."""

    number: int
    pages: int
    total: int
    standings: list[Standing]


def ranked(game: str, mode: str) -> QuerySet[Rating]:
    """A mode's ratings in leaderboard order: best first, ties by who was rated first."""
    return Rating.objects.filter(game=game, mode=mode).order_by("-rating", "id")


def rank_of_rating(game: str, mode: str, rating: float) -> int:
    """The rank of ``rating`` in a mode: one more than the number of better ratings."""
    return 1 + Rating.objects.filter(game=game, mode=mode, rating__gt=rating).count()


def position_of(player_key: str, game: str, mode: str) -> Position | None:
    """A player's rank and place in a mode; None if it has no rating there."""
    row = (
        Rating.objects.filter(player_key=player_key, game=game, mode=mode)
        .values("id", "rating", "games")
        .first()
    )
    if row is None:
        return None
    rating = row["rating"]
    better = Rating.objects.filter(game=game, mode=mode, rating__gt=rating).count()
    tied_before = Rating.objects.filter(
        game=game, mode=mode, rating=rating, id__lt=row["id"]
    ).count()
    return Position(better + 1, better + tied_before + 1, rating, row["games"])


def page_count(total: int) -> int:
    """How many pages ``total`` players fill (one, empty, for none)."""
    return max(1, -(-total // PAGE_SIZE))


def _page_rows(game: str, mode: str, offset: int) -> list[tuple[str, float, int]]:
    """``(player_key, rating, games)`` of the ``PAGE_SIZE`` rows from ``offset`` on.

    The row at ``offset`` is found in the index alone (rating and id are in it, so skipping
    the rows before it reads no table rows); the page is then read from that row on: the rows
    tied with it from its id on, then the lower ratings, each a range of the index.
    """
    boundary = ranked(game, mode).values_list("rating", "id")[offset : offset + 1]
    found = list(boundary)
    if not found:
        return []
    rating, first_id = found[0]
    fields = ("player_key", "rating", "games")
    tied = Rating.objects.filter(game=game, mode=mode, rating=rating, id__gte=first_id)
    rows = list(tied.order_by("id").values_list(*fields)[:PAGE_SIZE])
    if len(rows) < PAGE_SIZE:
        lower = ranked(game, mode).filter(rating__lt=rating).values_list(*fields)
        rows += list(lower[: PAGE_SIZE - len(rows)])
    return rows


def leaderboard_page(game: str, mode: str, number: int) -> LeaderboardPage:
    """Page ``number`` (from 1; past the last gives the last) of a mode's leaderboard."""
    total = Rating.objects.filter(game=game, mode=mode).count()
    pages = page_count(total)
    number = min(max(1, number), pages)
    offset = (number - 1) * PAGE_SIZE
    rows = _page_rows(game, mode, offset)
    profiles = {
        key: (player_id, name)
        for key, player_id, name in PlayerProfile.objects.filter(
            key__in=[key for key, _, _ in rows]
        ).values_list("key", "id", "name")
    }
    standings: list[Standing] = []
    for index, (key, rating, games) in enumerate(rows):
        if index == 0:
            rank = rank_of_rating(game, mode, rating)
        elif rating == standings[-1].rating:
            rank = standings[-1].rank
        else:
            rank = offset + index + 1
        player_id, name = profiles.get(key, (None, "?"))
        standings.append(Standing(rank, player_id, name, rating, games))
    return LeaderboardPage(number, pages, total, standings)
