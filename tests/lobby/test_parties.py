"""Matchmaking with parties: properties over random queues of parties (no split party, sizes
and teams respected, nobody twice), and parties of one forming the groups players alone do."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lobby.matchmaker import ModeSpec, RatingWindow, form_groups
from lobby.parties import (
    PartyTooLarge,
    QueuedParty,
    form_party_groups,
    largest_party,
    pack_teams,
)
from lobby.store import QueueEntry

NOW = 1000.0
WINDOW = RatingWindow(100.0, 30.0, 30.0)
DUEL = ModeSpec("duel", 2, 2, 0.0)
FFA = ModeSpec("ffa", 4, 8, 10.0)
TWO_V_TWO = ModeSpec("2v2", 4, 4, 0.0)
THREE_V_THREE = ModeSpec("3v3", 6, 6, 0.0)
MODES = [(DUEL, 0), (FFA, 0), (TWO_V_TWO, 2), (THREE_V_THREE, 2)]


def party(party_id: str, ratings: list[float], waited: float, mode: str) -> QueuedParty:
    members = tuple(
        QueueEntry(f"{party_id}-{i}", f"P{i}", rating, mode, NOW - waited, f"chan-{party_id}-{i}")
        for i, rating in enumerate(ratings)
    )
    return QueuedParty(party_id, members)


@st.composite
def queues(draw: st.DrawFn) -> tuple[ModeSpec, int, list[QueuedParty]]:
    spec, teams = draw(st.sampled_from(MODES))
    biggest = largest_party(spec, teams)
    count = draw(st.integers(0, 14))
    parties = []
    for index in range(count):
        size = draw(st.integers(1, biggest))
        ratings = draw(st.lists(st.floats(1000, 2000), min_size=size, max_size=size))
        waited = draw(st.floats(0, 40))
        parties.append(party(f"p{index}", ratings, waited, spec.name))
    return spec, teams, parties


@settings(max_examples=300, deadline=None)
@given(queues())
def test_no_party_is_split_sizes_and_teams_hold_and_nobody_plays_twice(
    queue: tuple[ModeSpec, int, list[QueuedParty]],
) -> None:
    spec, teams, parties = queue
    groups = form_party_groups(parties, NOW, spec, WINDOW, teams)
    seen: set[str] = set()
    by_id = {p.party_id: p for p in parties}
    for group in groups:
        keys = [e.player_key for e in group.entries]
        assert not set(keys) & seen, "nobody twice"
        seen.update(keys)
        assert len(keys) == len(set(keys))
        assert spec.min_players <= len(keys) <= spec.max_players, "sizes respected"
        for placed in group.parties:
            assert placed == by_id[placed.party_id], "a party plays whole, as queued"
        anchor = group.parties[0]
        width = WINDOW.width(NOW - anchor.joined_at)
        assert all(abs(p.rating - anchor.rating) <= width for p in group.parties)
        if teams:
            assert len(group.teams) == len(group.parties)
            totals = [0] * teams
            for placed, team in zip(group.parties, group.teams, strict=True):
                totals[team] += placed.size
                assert {group.team_of(m.player_key) for m in placed.members} == {team}
            assert len(set(totals)) == 1, f"even teams: {totals}"
        else:
            assert group.teams == ()
    for placed in parties:
        members = {m.player_key for m in placed.members}
        assert members <= seen or not members & seen, "all of a party or none of it"


@settings(max_examples=200, deadline=None)
@given(st.sampled_from([DUEL, FFA]), st.lists(st.tuples(st.floats(1000, 2000), st.floats(0, 40))))
def test_parties_of_one_form_the_groups_of_players_alone(
    spec: ModeSpec, players: list[tuple[float, float]]
) -> None:
    parties = [
        party(f"p{i}", [rating], waited, spec.name) for i, (rating, waited) in enumerate(players)
    ]
    alone = form_groups([p.members[0] for p in parties], NOW, spec, WINDOW)
    together = form_party_groups(parties, NOW, spec, WINDOW)
    assert [g.entries for g in together] == alone


def test_a_party_stays_on_one_team_and_is_rated_by_its_members() -> None:
    duo = party("duo", [1400, 1600], 1, "2v2")  # rated 1500
    left, right = party("a", [1510], 0, "2v2"), party("b", [1490], 0, "2v2")
    far = party("far", [1900, 1900], 0, "2v2")
    [group] = form_party_groups([duo, left, right, far], NOW, TWO_V_TWO, WINDOW, 2)
    assert [p.party_id for p in group.parties] == ["duo", "b", "a"] or [
        p.party_id for p in group.parties
    ] == ["duo", "a", "b"]
    assert group.team_of("duo-0") == group.team_of("duo-1")
    assert group.team_of("a-0") == group.team_of("b-0") != group.team_of("duo-0")


def test_a_group_that_cannot_make_even_teams_waits() -> None:
    trio_mode = ModeSpec("3v3", 6, 6, 0.0)
    parties = [party("x", [1500, 1500], 5, "3v3"), party("y", [1500, 1500], 4, "3v3")]
    parties.append(party("z", [1500, 1500], 3, "3v3"))
    assert form_party_groups(parties, NOW, trio_mode, WINDOW, 2) == [], "2+2+2 is no 3 vs 3"
    parties.append(party("w", [1500], 2, "3v3"))
    parties.append(party("v", [1500], 1, "3v3"))
    [group] = form_party_groups(parties, NOW, trio_mode, WINDOW, 2)
    assert sorted(p.size for p in group.parties) == [1, 1, 2, 2]


def test_parties_too_large_or_sharing_a_player_are_refused() -> None:
    with pytest.raises(PartyTooLarge):
        form_party_groups([party("big", [1500] * 3, 0, "2v2")], NOW, TWO_V_TWO, WINDOW, 2)
    one = party("one", [1500], 0, "duel")
    again = QueuedParty("again", one.members)
    with pytest.raises(ValueError, match="another party"):
        form_party_groups([one, again], NOW, DUEL, WINDOW)


def test_teams_are_packed_whenever_they_can_be() -> None:
    assert pack_teams([2, 1, 1], 2, 2) == (0, 1, 1)
    assert pack_teams([2, 2, 2], 2, 3) is None
    assert pack_teams([3, 1, 2], 2, 3) == (0, 1, 1)
