"""The live matchmaking pass with parties, on both stores (memory and real Redis), and its
properties over random queues (no split party, sizes respected, nobody twice)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import msgpack
import pytest
import redis.asyncio as aioredis
from channels.layers import InMemoryChannelLayer
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.protocol import MessageType
from lobby import redis_store
from lobby.matchmaker import ModeSpec, RatingWindow
from lobby.memory_store import MemoryLobbyStore
from lobby.parties import largest_party
from lobby.redis_store import RedisLobbyStore
from lobby.service import MatchmakingService, queued_parties
from lobby.store import LobbyStore, PartyMember, QueueEntry
from lobby.tickets import Ticket, read_ticket

pytestmark = pytest.mark.timeout(30)

START = 1_700_000_000.0
TTL = 15.0
TEAMS = ModeSpec("football/2v2", 4, 4, 0.0, teams=2)
FFA = ModeSpec("shooter/ffa", 2, 4, 0.0)


class Clock:
    """A wall clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> float:
        """The current fake time."""
        return self.now


@pytest.fixture(params=["memory", "redis"])
async def store(
    request: pytest.FixtureRequest, redis_prefix: str, redis_url: str
) -> AsyncIterator[LobbyStore]:
    """A fresh lobby store of each kind."""
    if request.param == "memory":
        yield MemoryLobbyStore(Clock())
        return
    client = aioredis.Redis.from_url(redis_url)
    yield RedisLobbyStore(client, redis_prefix, Clock())
    await client.aclose()


def service(store: LobbyStore, spec: ModeSpec) -> MatchmakingService:
    """A matchmaker for one mode on ``store`` (it starts no match: no check is accepted)."""

    async def no_matches(groups: list[tuple[str, list[str]]]) -> list[tuple[str, str, str | None]]:
        raise AssertionError("no ready check is accepted in these tests")

    return MatchmakingService(
        store,
        InMemoryChannelLayer(),
        {spec.name: spec},
        RatingWindow(),
        accept_timeout=10.0,
        presence_ttl=TTL,
        ticket_ttl=30.0,
        start_matches=no_matches,
        clock=lambda: START,
    )


def entry(key: str, mode: str, rating: float, party: str = "", waited: float = 0.0) -> QueueEntry:
    """Player ``key`` queued ``waited`` seconds before START."""
    return QueueEntry(key, key.upper(), rating, mode, START - waited, f"chan-{key}", party)


async def queue_party(store: LobbyStore, party_id: str, *members: QueueEntry) -> None:
    """Form a party of ``members`` (the first leads) and queue it."""
    leader, *others = (PartyMember(m.player_key, m.name, m.channel) for m in members)
    await store.create_party(party_id, members[0].mode, leader)
    for other in others:
        await store.join_party(party_id, other, len(members))
    await store.enqueue_party(list(members), TTL)


async def test_a_party_plays_one_match_with_the_players_nearest_its_mean_rating(
    store: LobbyStore,
) -> None:
    # the party's mean is 1500: the two solos nearest it join it, the far one waits
    await queue_party(
        store,
        "p1",
        entry("a", FFA.name, 1300, "p1", waited=2),
        entry("b", FFA.name, 1700, "p1", waited=2),
    )
    for key, rating in [("c", 1490), ("d", 1510), ("e", 1460)]:
        await store.enqueue(entry(key, FFA.name, rating, waited=1), TTL)
    matchmaker = service(store, FFA)
    await matchmaker.run_pass()
    [pending] = await store.pendings()
    assert sorted(pending.player_keys()) == ["a", "b", "c", "d"]
    assert [e.player_key for e in matchmaker.waiting[FFA.name]] == ["e"]


async def test_a_party_and_one_player_wait_for_a_fourth_in_2v2(store: LobbyStore) -> None:
    await queue_party(
        store, "p1", entry("a", TEAMS.name, 1500, "p1"), entry("b", TEAMS.name, 1500, "p1")
    )
    await store.enqueue(entry("c", TEAMS.name, 1500), TTL)
    await service(store, TEAMS).run_pass()
    assert await store.pendings() == []
    await store.enqueue(entry("d", TEAMS.name, 1500), TTL)
    await service(store, TEAMS).run_pass()
    [pending] = await store.pendings()
    assert sorted(pending.player_keys()) == ["a", "b", "c", "d"]


async def test_two_parties_fill_a_team_match(store: LobbyStore) -> None:
    await queue_party(
        store, "p1", entry("a", TEAMS.name, 1500, "p1"), entry("b", TEAMS.name, 1520, "p1")
    )
    await queue_party(
        store, "p2", entry("c", TEAMS.name, 1490, "p2"), entry("d", TEAMS.name, 1530, "p2")
    )
    await service(store, TEAMS).run_pass()
    [pending] = await store.pendings()
    assert sorted(pending.player_keys()) == ["a", "b", "c", "d"]


async def test_a_party_a_member_left_is_not_matched(store: LobbyStore) -> None:
    await queue_party(
        store, "p1", entry("a", TEAMS.name, 1500, "p1"), entry("b", TEAMS.name, 1500, "p1")
    )
    for key in "cd":
        await store.enqueue(entry(key, TEAMS.name, 1500), TTL)
    await store.dequeue("b")
    await service(store, TEAMS).run_pass()
    assert await store.pendings() == []
    assert sorted(e.player_key for e in await store.queued(TEAMS.name, START)) == ["c", "d"]


def test_queued_parties_gathers_members_and_leaves_out_a_party_too_large() -> None:
    entries = [
        entry("a", TEAMS.name, 1500, "p1"),
        entry("x", TEAMS.name, 1500),
        entry("b", TEAMS.name, 1500, "p1"),
        *(entry(k, TEAMS.name, 1500, "big") for k in "ijk"),
    ]
    found = queued_parties(entries, TEAMS)
    parties = {p.party_id: [m.player_key for m in p.members] for p in found}
    assert parties == {"p1": ["a", "b"], "player:x": ["x"]}


MODES = [ModeSpec("duel", 2, 2, 0.0), ModeSpec("ffa", 2, 8, 5.0), TEAMS]


@st.composite
def lobbies(draw: st.DrawFn) -> tuple[ModeSpec, list[list[QueueEntry]]]:
    """A mode and a queue of it: parties (lists of entries) of up to a team's size."""
    spec = draw(st.sampled_from(MODES))
    biggest = largest_party(spec, spec.teams)
    sizes = draw(st.lists(st.integers(1, biggest), max_size=8))
    parties = []
    for index, size in enumerate(sizes):
        waited = draw(st.floats(0, 10))
        party_id = f"p{index}" if size > 1 else ""
        ratings = draw(st.lists(st.floats(1000, 2000), min_size=size, max_size=size))
        parties.append(
            [
                entry(f"{index}-{i}", spec.name, rating, party_id, waited)
                for i, rating in enumerate(ratings)
            ]
        )
    return spec, parties


async def one_pass(spec: ModeSpec, parties: list[list[QueueEntry]]) -> list[list[str]]:
    """Queue ``parties`` in a fresh memory store, make one pass; the ready checks' players."""
    store = MemoryLobbyStore(Clock())
    for members in parties:
        if members[0].party:
            await queue_party(store, members[0].party, *members)
        else:
            await store.enqueue(members[0], TTL)
    await service(store, spec).run_pass()
    return [pending.player_keys() for pending in await store.pendings()]


@settings(max_examples=150, deadline=None)
@given(lobbies())
def test_the_live_pass_keeps_parties_whole_and_groups_sized(
    lobby: tuple[ModeSpec, list[list[QueueEntry]]],
) -> None:
    spec, parties = lobby
    checks = asyncio.run(one_pass(spec, parties))
    everyone = [key for check in checks for key in check]
    assert len(everyone) == len(set(everyone)), "nobody twice"
    for check in checks:
        assert spec.min_players <= len(check) <= spec.max_players
        if spec.teams:
            assert len(check) % spec.teams == 0
    for members in parties:
        keys = {m.player_key for m in members}
        holding = [check for check in checks if keys & set(check)]
        assert holding == [] or (len(holding) == 1 and keys <= set(holding[0])), "not split"


async def found_ticket(layer: InMemoryChannelLayer, channel: str, match_id: str) -> Ticket:
    """The ticket of the MATCH_FOUND sent to ``channel`` (the frames before it are skipped)."""
    async with asyncio.timeout(2):
        while True:
            message = await layer.receive(channel)
            if message.get("matched"):
                kind, body = msgpack.unpackb(message["frame"])
                assert kind == MessageType.MATCH_FOUND
                return read_ticket(body["ticket"], match_id, 30.0)


async def test_a_party_put_on_team_1_gets_tickets_for_team_1(store: LobbyStore) -> None:
    # a solo anchors the group, so the party lands on team 1 (the first parties fill team 0)
    await store.enqueue(entry("a", TEAMS.name, 1500, waited=3), TTL)
    await queue_party(
        store,
        "p1",
        entry("b", TEAMS.name, 1500, "p1", waited=2),
        entry("c", TEAMS.name, 1500, "p1", waited=2),
    )
    await store.enqueue(entry("d", TEAMS.name, 1500, waited=1), TTL)
    started: list[tuple[str, list[str]]] = []

    async def one_match(groups: list[tuple[str, list[str]]]) -> list[tuple[str, str, str | None]]:
        started.extend(groups)
        return [("match-1", "/ws/match/match-1/", None)]

    matchmaker = service(store, TEAMS)
    matchmaker.start_matches = one_match
    await matchmaker.run_pass()
    [pending] = await store.pendings()
    teams = {key: pending.team_of(key) for key in "abcd"}
    assert teams == {"a": 0, "b": 1, "c": 1, "d": 0}
    for key in "abcd":
        answered = await store.answer(pending.pending_id, key, accept=True)
        assert answered is not None and answered.teams == pending.teams, "kept across answers"
    await matchmaker.run_pass()
    assert [sorted(keys) for _, keys in started] == [["a", "b", "c", "d"]]
    for key in "abcd":
        ticket = await found_ticket(matchmaker.layer, f"chan-{key}", "match-1")
        assert (ticket.player_key, ticket.team) == (key, teams[key])


async def test_an_ffa_ready_check_has_no_teams(store: LobbyStore) -> None:
    for key in "ab":
        await store.enqueue(entry(key, FFA.name, 1500), TTL)
    await service(store, FFA).run_pass()
    [pending] = await store.pendings()
    assert pending.teams == () and pending.team_of("a") is None


def test_a_ready_check_stored_before_teams_were_kept_reads_without_teams() -> None:
    stored = {
        "pending_id": "old",
        "mode": TEAMS.name,
        "entries": [redis_store._entry_doc(entry(key, TEAMS.name, 1500)) for key in "ab"],
        "deadline": "1700000010.0",
        "accepted": {},  # as Lua writes an empty list
        "declined": ["b"],
    }
    pending = redis_store._pending_from(json.dumps(stored))
    assert pending.teams == () and pending.team_of("a") is None
    assert pending.player_keys() == ["a", "b"] and pending.declined == {"b"}
