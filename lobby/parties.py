"""Matchmaking with parties: players who queue together play in one match, on one team in
team modes, matched by their members' ratings.

Pure functions of their arguments, as ``lobby.matchmaker``: the same queue order, rating window
and start rule, with a party taking the place of a player. A party of one is a player queued
alone, so a queue of parties of one forms exactly the groups ``form_groups`` forms.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

from lobby.matchmaker import ModeSpec, RatingWindow
from lobby.store import QueueEntry


class PartyTooLarge(ValueError):
    """A party with more members than the mode lets play together (a team's size)."""


@dataclass(frozen=True, slots=True)
class QueuedParty:
    """Players queued together; ``members[0]`` is the leader, who queued them."""

    party_id: str
    members: tuple[QueueEntry, ...]

    def __post_init__(self) -> None:
        if not self.members:
            raise ValueError("a party has at least one member")
        if len({m.player_key for m in self.members}) != len(self.members):
            raise ValueError(f"party {self.party_id!r} lists a player twice")
        if len({m.mode for m in self.members}) != 1:
            raise ValueError(f"party {self.party_id!r} is queued for one mode")

    @property
    def size(self) -> int:
        """Its members."""
        return len(self.members)

    @property
    def rating(self) -> float:
        """What it is matched by: its members' mean rating."""
        return sum(m.rating for m in self.members) / len(self.members)

    @property
    def joined_at(self) -> float:
        """When its leader queued it."""
        return self.members[0].joined_at

    @property
    def mode(self) -> str:
        """The queue it waits in."""
        return self.members[0].mode


@dataclass(frozen=True, slots=True)
class PartyGroup:
    """Parties that play one match; ``teams[i]`` is the team of ``parties[i]`` (team modes),
    else empty."""

    parties: tuple[QueuedParty, ...]
    teams: tuple[int, ...] = ()

    @property
    def entries(self) -> tuple[QueueEntry, ...]:
        """Every player of the group, party by party."""
        return tuple(member for party in self.parties for member in party.members)

    @property
    def entry_teams(self) -> tuple[int, ...]:
        """The team of each of ``entries`` (empty outside team modes)."""
        if not self.teams:
            return ()
        return tuple(
            team
            for party, team in zip(self.parties, self.teams, strict=True)
            for _ in party.members
        )

    def team_of(self, player_key: str) -> int | None:
        """The team of a player of the group (None outside team modes)."""
        for index, party in enumerate(self.parties):
            if any(m.player_key == player_key for m in party.members):
                return self.teams[index] if self.teams else None
        raise KeyError(player_key)


def largest_party(spec: ModeSpec, teams: int) -> int:
    """The most members a party of ``spec`` may have: a team's size in team modes."""
    return spec.max_players // teams if teams else spec.max_players


def party_order(party: QueuedParty, now: float) -> tuple[int, float, str]:
    """Queue order (``lobby.matchmaker.queue_order``) with a party in a player's place."""
    return (-math.floor(now - party.joined_at), party.rating, party.members[0].player_key)


def pack_teams(sizes: Sequence[int], teams: int, capacity: int) -> tuple[int, ...] | None:
    """A team for each party of ``sizes`` so that no team has more than ``capacity`` players;
    None if there is none. Groups are small (at most 8 players), so every way is tried, in an
    order that keeps the first parties on team 0."""
    for assignment in itertools.product(range(teams), repeat=len(sizes)):
        totals = [0] * teams
        for size, team in zip(sizes, assignment, strict=True):
            totals[team] += size
        if max(totals) <= capacity:
            return assignment
    return None


def form_party_groups(
    parties: Sequence[QueuedParty],
    now: float,
    spec: ModeSpec,
    window: RatingWindow,
    teams: int = 0,
) -> list[PartyGroup]:
    """The groups of ``spec`` that may start at ``now``, parties kept whole.

    As ``form_groups``: the longest-waiting unassigned party anchors a group; the parties after
    it whose rating is within the anchor's window join it closest in rating first (ties:
    longest-waiting), each only if the group still has room for all its members (in team
    modes: room on one team, the teams being ``max_players / teams`` players each). A group of
    ``max_players`` starts at once, one of at least ``min_players`` once the anchor has waited
    ``fill_wait``; in team modes its teams must then be even. A party larger than
    ``largest_party`` raises PartyTooLarge, a player in two parties ValueError; parties of
    other modes are ignored.
    """
    limit = largest_party(spec, teams)
    seen: set[str] = set()
    for party in parties:
        if party.mode == spec.name and party.size > limit:
            raise PartyTooLarge(f"a party of {party.size} cannot play {spec.name} together")
        keys = {member.player_key for member in party.members}
        if keys & seen:
            raise ValueError(f"a player of party {party.party_id!r} is in another party")
        seen |= keys
    queue = sorted((p for p in parties if p.mode == spec.name), key=lambda p: party_order(p, now))
    assigned: set[str] = set()  # party ids
    groups: list[PartyGroup] = []
    for index, anchor in enumerate(queue):
        if anchor.party_id in assigned:
            continue
        group = _group_for(queue, index, assigned, now, spec, window, teams)
        if group is not None:
            groups.append(group)
            assigned.update(p.party_id for p in group.parties)
    return groups


def _group_for(
    queue: list[QueuedParty],
    anchor_index: int,
    assigned: set[str],
    now: float,
    spec: ModeSpec,
    window: RatingWindow,
    teams: int,
) -> PartyGroup | None:
    anchor = queue[anchor_index]
    waited = now - anchor.joined_at
    width = window.width(waited)
    reachable = sorted(
        (
            (abs(other.rating - anchor.rating), position, other)
            for position, other in enumerate(queue[anchor_index + 1 :])
            if other.party_id not in assigned and abs(other.rating - anchor.rating) <= width
        ),
        key=lambda item: (item[0], item[1]),
    )
    chosen: list[tuple[int, QueuedParty]] = []
    size = anchor.size
    capacity = largest_party(spec, teams)
    for _, position, other in reachable:
        if size + other.size > spec.max_players:
            continue
        if teams:
            sizes = [anchor.size, *(p.size for _, p in chosen), other.size]
            if pack_teams(sizes, teams, capacity) is None:
                continue
        chosen.append((position, other))
        size += other.size
        if size == spec.max_players:
            break
    members = (anchor, *(party for _, party in sorted(chosen, key=lambda item: item[0])))
    if not (size == spec.max_players or (size >= spec.min_players and waited >= spec.fill_wait)):
        return None
    if not teams:
        return PartyGroup(members)
    if size % teams:
        return None
    assignment = pack_teams([p.size for p in members], teams, size // teams)
    return None if assignment is None else PartyGroup(members, assignment)
