"""Leaderboards: order, ranks with ties, a player's own rank and place, pages, and the index."""

from __future__ import annotations

import pytest
from django.db import connection

from lobby.leaderboard import PAGE_SIZE, leaderboard_page, position_of, ranked
from lobby.models import PlayerProfile, Rating

pytestmark = pytest.mark.django_db


def rate(name: str, rating: float, game: str = "shooter", mode: str = "duel") -> str:
    key = f"guest:{name}"
    PlayerProfile.objects.get_or_create(key=key, defaults={"name": name})
    Rating.objects.create(player_key=key, game=game, mode=mode, rating=rating, games=3)
    return key


def test_best_first_equal_ratings_share_a_rank_in_the_order_they_were_rated() -> None:
    for name, rating in [("cy", 1500), ("ada", 1600), ("di", 1500), ("bo", 1550), ("ed", 1400)]:
        rate(name, rating)
    rate("zed", 2000, mode="ffa")  # another mode's
    rate("yu", 2100, game="football", mode="1v1")  # another game's
    page = leaderboard_page("shooter", "duel", 1)
    assert [(s.rank, s.name) for s in page.standings] == [
        (1, "ada"),
        (2, "bo"),
        (3, "cy"),
        (3, "di"),
        (5, "ed"),
    ]
    assert (page.number, page.pages, page.total) == (1, 1, 5)
    assert page.standings[0].to_api() == {
        "rank": 1,
        "player_id": PlayerProfile.objects.get(key="guest:ada").pk,
        "name": "ada",
        "rating": 1600,
        "games": 3,
    }


def test_a_player_knows_its_rank_place_and_page() -> None:
    rate("ada", 1600)
    cy = rate("cy", 1500)
    di = rate("di", 1500)
    ed = rate("ed", 1400)
    assert (position_of(cy, "shooter", "duel").rank, position_of(cy, "shooter", "duel").place) == (
        2,
        2,
    )
    tied = position_of(di, "shooter", "duel")
    assert (tied.rank, tied.place, tied.page) == (2, 3, 1), "same rank, listed after cy"
    assert position_of(ed, "shooter", "duel").rank == 4
    assert position_of(ed, "shooter", "ffa") is None, "unrated in that mode"
    assert position_of("guest:nobody", "shooter", "duel") is None


def test_pages_of_a_hundred_keep_ranks_across_the_page_break() -> None:
    # 150 players; places 100 and 101 (the last of page 1 and the first of page 2) are tied
    ratings = [3000 - index for index in range(150)]
    ratings[100] = ratings[99]
    Rating.objects.bulk_create(
        Rating(player_key=f"guest:p{index}", game="shooter", mode="duel", rating=rating)
        for index, rating in enumerate(ratings)
    )
    first = leaderboard_page("shooter", "duel", 1)
    second = leaderboard_page("shooter", "duel", 2)
    assert (len(first.standings), len(second.standings), first.pages) == (PAGE_SIZE, 50, 2)
    assert first.standings[-1].rank == 100
    assert second.standings[0].rank == 100, "tied with the last of page 1"
    assert second.standings[1].rank == 102
    assert second.standings[-1].rank == 150
    assert second.standings[0].name == "?", "a player without a profile"
    assert leaderboard_page("shooter", "duel", 99).number == 2, "past the end: the last page"
    assert leaderboard_page("shooter", "duel", 0).number == 1
    position = position_of("guest:p100", "shooter", "duel")
    assert (position.rank, position.place, position.page) == (100, 101, 2)


def test_an_empty_leaderboard_has_one_empty_page() -> None:
    page = leaderboard_page("shooter", "duel", 3)
    assert (page.number, page.pages, page.total, page.standings) == (1, 1, 0, [])


def test_the_page_and_the_rank_read_the_leaderboard_index() -> None:
    rate("ada", 1600)
    page_sql, page_params = ranked("shooter", "duel")[:PAGE_SIZE].query.sql_with_params()
    better = Rating.objects.filter(game="shooter", mode="duel", rating__gt=1500)
    rank_sql, rank_params = better.values("id").query.sql_with_params()
    with connection.cursor() as cursor:
        for sql, params in ((page_sql, page_params), (rank_sql, rank_params)):
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            plan = " ".join(str(row[-1]) for row in cursor.fetchall())
            assert "leaderboard_rank" in plan, plan
            assert "TEMP B-TREE" not in plan, f"sorted without the index: {plan}"
