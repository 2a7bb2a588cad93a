"""The lobby store, run against both implementations (memory and real Redis)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as aioredis

from lobby.memory_store import MemoryLobbyStore
from lobby.redis_store import RedisLobbyStore
from lobby.store import (
    AlreadyActive,
    AlreadyInParty,
    LobbyStore,
    NoSuchParty,
    Party,
    PartyFull,
    PartyMember,
    Pending,
    Presence,
    PresenceState,
    QueueEntry,
)

START = 1_700_000_000.123456789  # more digits than Lua's number formatting keeps
TTL = 15.0


class FakeClock:
    """A wall clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> float:
        """The current fake time."""
        return self.now

    def advance(self, seconds: float) -> None:
        """Move the clock forward."""
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    """A fake wall clock shared by the test and its stores."""
    return FakeClock()


@pytest.fixture(params=["memory", "redis"])
async def stores(
    request: pytest.FixtureRequest, clock: FakeClock, redis_prefix: str, redis_url: str
) -> AsyncIterator[tuple[LobbyStore, LobbyStore]]:
    """Two handles on one lobby: the same object in memory, two clients (processes) on Redis."""
    if request.param == "memory":
        store = MemoryLobbyStore(clock)
        yield store, store
        return
    first = aioredis.Redis.from_url(redis_url)
    second = aioredis.Redis.from_url(redis_url)
    yield RedisLobbyStore(first, redis_prefix, clock), RedisLobbyStore(second, redis_prefix, clock)
    await first.aclose()
    await second.aclose()


@pytest.fixture
def store(stores: tuple[LobbyStore, LobbyStore]) -> LobbyStore:
    """The first handle, for tests that need only one."""
    return stores[0]


def entry(
    key: str, joined_at: float = START, mode: str = "duel", rating: float = 1499.987654321
) -> QueueEntry:
    """A queue entry for player ``key`` on the socket ``chan-<key>``."""
    return QueueEntry(key, f"Name {key}", rating, mode, joined_at, f"chan-{key}")


def check(pending_id: str, *entries: QueueEntry) -> Pending:
    """A ready check of ``entries``."""
    return Pending(pending_id, entries[0].mode, entries, START + 10.0)


async def state_of(store: LobbyStore, key: str, now: float) -> PresenceState | None:
    """The state of the player's live presence, if any."""
    presence = await store.presence(key, now)
    return None if presence is None else presence.state


async def queued_keys(store: LobbyStore, mode: str, now: float) -> list[str]:
    """The player keys queued for ``mode``."""
    return [e.player_key for e in await store.queued(mode, now)]


# -- queue ----------------------------------------------------------------------------------


async def test_enqueue_makes_a_queued_presence(store: LobbyStore, clock: FakeClock) -> None:
    await store.enqueue(entry("a"), TTL)
    assert await store.queued("duel", clock.now) == [entry("a")]
    assert await store.queued("ffa", clock.now) == []
    expected = Presence(PresenceState.QUEUED, "chan-a", START + TTL)
    assert await store.presence("a", clock.now) == expected


async def test_entries_round_trip_exactly(store: LobbyStore, clock: FakeClock) -> None:
    odd = QueueEntry("user:7", 'Zoë 😀 "/\\', 1234.5678901234567, "duel", START + 1 / 3, "c/1")
    await store.enqueue(odd, TTL)
    assert await store.queued("duel", clock.now) == [odd]
    assert await store.dequeue("user:7") == odd


async def test_queued_is_longest_waiting_first(store: LobbyStore, clock: FakeClock) -> None:
    for key, joined_at in [("c", START - 1), ("b", START - 3), ("a", START - 1), ("d", START - 2)]:
        await store.enqueue(entry(key, joined_at), TTL)
    assert await queued_keys(store, "duel", clock.now) == ["b", "d", "a", "c"]


@pytest.mark.parametrize("mode", ["duel", "ffa"])
async def test_second_enqueue_raises_already_active(
    store: LobbyStore, clock: FakeClock, mode: str
) -> None:
    await store.enqueue(entry("a"), TTL)
    second_tab = QueueEntry("a", "Name a", 1500.0, mode, START + 1, "chan-other")
    with pytest.raises(AlreadyActive) as raised:
        await store.enqueue(second_tab, TTL)
    assert raised.value.state == PresenceState.QUEUED
    assert await store.queued("duel", clock.now) == [entry("a")]
    assert await store.queued("ffa", clock.now) == []


async def test_enqueue_while_pending_or_in_match_raises(store: LobbyStore) -> None:
    await store.enqueue(entry("a"), TTL)
    await store.enqueue(entry("b"), TTL)
    assert await store.claim(check("p1", entry("a"), entry("b")), TTL)
    await store.reserve_matches([("c", "m1")], TTL)
    for key, state in [("a", PresenceState.PENDING), ("c", PresenceState.MATCH)]:
        with pytest.raises(AlreadyActive) as raised:
            await store.enqueue(entry(key), TTL)
        assert raised.value.state == state


async def test_only_one_of_two_racing_enqueues_wins(
    stores: tuple[LobbyStore, LobbyStore], clock: FakeClock
) -> None:
    first, second = stores
    tab_two = QueueEntry("a", "Name a", 1500.0, "ffa", START, "chan-two")
    results = await asyncio.gather(
        first.enqueue(entry("a"), TTL), second.enqueue(tab_two, TTL), return_exceptions=True
    )
    assert sum(isinstance(result, AlreadyActive) for result in results) == 1
    total = await first.queued("duel", clock.now) + await first.queued("ffa", clock.now)
    assert len(total) == 1


async def test_expired_presence_is_absent(store: LobbyStore, clock: FakeClock) -> None:
    await store.enqueue(entry("a"), TTL)
    await store.enqueue(entry("b", START + 1), TTL + 5)
    clock.advance(TTL)
    assert await store.presence("a", clock.now) is None
    assert await queued_keys(store, "duel", clock.now) == ["b"]
    assert await store.dequeue("a") is None
    assert not await store.touch("a", "chan-a", TTL)
    assert await store.reattach("a", "chan-new", TTL) is None


async def test_enqueue_after_expiry_replaces_the_stale_entry(
    store: LobbyStore, clock: FakeClock
) -> None:
    await store.enqueue(entry("a"), TTL)
    clock.advance(TTL + 1)
    await store.enqueue(entry("a", clock.now, "ffa"), TTL)
    assert await queued_keys(store, "duel", clock.now) == []
    assert await queued_keys(store, "ffa", clock.now) == ["a"]


async def test_dequeue_removes_entry_and_presence(store: LobbyStore, clock: FakeClock) -> None:
    await store.enqueue(entry("a"), TTL)
    assert await store.dequeue("a") == entry("a")
    assert await store.presence("a", clock.now) is None
    assert await store.queued("duel", clock.now) == []
    assert await store.dequeue("a") is None
    assert await store.dequeue("nobody") is None


async def test_dequeue_leaves_other_presences_alone(store: LobbyStore, clock: FakeClock) -> None:
    await store.enqueue(entry("a"), TTL)
    await store.enqueue(entry("b"), TTL)
    assert await store.claim(check("p1", entry("a"), entry("b")), TTL)
    await store.reserve_matches([("c", "m1")], TTL)
    assert await store.dequeue("a") is None
    assert await store.dequeue("c") is None
    assert await state_of(store, "a", clock.now) == PresenceState.PENDING
    assert await state_of(store, "c", clock.now) == PresenceState.MATCH


# -- presence -------------------------------------------------------------------------------


async def test_reattach_moves_a_detached_queued_player(store: LobbyStore, clock: FakeClock) -> None:
    await store.enqueue(entry("a"), TTL)
    await store.detach("a", "chan-a", TTL)
    clock.advance(10)
    moved = await store.reattach("a", "chan-new", TTL)
    assert moved == Presence(PresenceState.QUEUED, "chan-new", clock.now + TTL)
    assert await store.presence("a", clock.now) == moved
    [queued] = await store.queued("duel", clock.now)
    assert queued.channel == "chan-new"
    assert queued.joined_at == START
    assert await store.reattach("nobody", "chan-new", TTL) is None


async def test_reattach_moves_a_detached_player_in_a_ready_check(store: LobbyStore) -> None:
    await store.enqueue(entry("a"), TTL)
    await store.enqueue(entry("b"), TTL)
    assert await store.claim(check("p1", entry("a"), entry("b")), TTL)
    await store.detach("b", "chan-b", TTL)
    moved = await store.reattach("b", "chan-new", TTL)
    assert moved is not None and moved.state == PresenceState.PENDING
    [pending] = await store.pendings()
    assert [e.channel for e in pending.entries] == ["chan-a", "chan-new"]
    answered = await store.answer("p1", "b", True)
    assert answered is not None and answered.entries[1].channel == "chan-new"


async def test_a_live_socket_keeps_its_place_from_a_second_tab(store: LobbyStore) -> None:
    await store.enqueue(entry("a"), TTL)
    kept = await store.reattach("a", "second-tab", TTL)
    assert kept is not None and kept.channel == "chan-a"
    await store.detach("a", "second-tab", TTL)  # only the owner can detach
    assert (await store.reattach("a", "second-tab", TTL)).channel == "chan-a"  # type: ignore[union-attr]


async def test_touch_extends_only_the_owner(store: LobbyStore, clock: FakeClock) -> None:
    await store.enqueue(entry("a"), TTL)
    clock.advance(10)
    assert await store.touch("a", "chan-a", TTL)
    assert await store.presence("a", clock.now) == Presence(
        PresenceState.QUEUED, "chan-a", clock.now + TTL
    )
    assert not await store.touch("a", "chan-other", 100.0)
    clock.advance(TTL - 1)
    assert await queued_keys(store, "duel", clock.now) == ["a"]
    assert not await store.touch("nobody", "chan-a", TTL)


async def test_touch_many_extends_each_owner_and_says_which(
    store: LobbyStore, clock: FakeClock
) -> None:
    await store.enqueue(entry("a"), TTL)
    await store.enqueue(entry("b"), TTL)
    clock.advance(10)
    touched = await store.touch_many(
        [("a", "chan-a"), ("b", "chan-other"), ("nobody", "chan-a"), ("b", "chan-b")], TTL
    )
    assert touched == [True, False, False, True]
    for key in ("a", "b"):
        presence = await store.presence(key, clock.now)
        assert presence is not None and presence.expires_at == clock.now + TTL
    assert await store.touch_many([], TTL) == []


async def test_release_only_by_the_owner(store: LobbyStore, clock: FakeClock) -> None:
    await store.enqueue(entry("a"), TTL)
    await store.release("a", "chan-other")
    assert await queued_keys(store, "duel", clock.now) == ["a"]
    await store.release("a", "chan-a")
    assert await store.presence("a", clock.now) is None
    assert await store.queued("duel", clock.now) == []
    await store.enqueue(entry("a"), TTL)  # free to queue again
    await store.release("nobody", "chan-a")


# -- ready checks ---------------------------------------------------------------------------


async def test_claim_moves_players_to_the_check(store: LobbyStore, clock: FakeClock) -> None:
    for key in "abc":
        await store.enqueue(entry(key), TTL)
    pending = check("p1", entry("a"), entry("b"))
    assert await store.claim(pending, 20.0)
    assert await store.pendings() == [pending]
    assert await queued_keys(store, "duel", clock.now) == ["c"]
    for key in "ab":
        expected = Presence(PresenceState.PENDING, f"chan-{key}", clock.now + 20.0)
        assert await store.presence(key, clock.now) == expected
    assert not await store.claim(pending, 20.0)


async def test_claim_is_all_or_nothing(store: LobbyStore, clock: FakeClock) -> None:
    for key in "abc":
        await store.enqueue(entry(key), TTL)
    await store.dequeue("b")
    assert not await store.claim(check("p1", entry("a"), entry("b"), entry("c")), TTL)
    assert await store.pendings() == []
    assert await queued_keys(store, "duel", clock.now) == ["a", "c"]
    for key in "ac":
        assert await state_of(store, key, clock.now) == PresenceState.QUEUED


async def test_claim_refuses_expired_and_stale_entries(store: LobbyStore, clock: FakeClock) -> None:
    await store.enqueue(entry("a"), TTL)
    await store.enqueue(entry("b"), TTL + 10)
    await store.enqueue(entry("c"), TTL + 10)
    clock.advance(TTL)
    assert not await store.claim(check("p1", entry("a"), entry("b")), TTL)
    await store.detach("c", "chan-c", TTL)
    await store.reattach("c", "chan-new", TTL)
    assert not await store.claim(check("p2", entry("b"), entry("c")), TTL)
    [fresh_b, fresh_c] = await store.queued("duel", clock.now)
    assert await store.claim(check("p3", fresh_b, fresh_c), TTL)


async def test_claim_refuses_a_player_listed_twice(store: LobbyStore) -> None:
    await store.enqueue(entry("a"), TTL)
    assert not await store.claim(check("p1", entry("a"), entry("a")), TTL)


async def test_only_one_of_two_overlapping_claims_wins(
    stores: tuple[LobbyStore, LobbyStore], clock: FakeClock
) -> None:
    first, second = stores
    for key in "abc":
        await first.enqueue(entry(key), TTL)
    results = await asyncio.gather(
        first.claim(check("p1", entry("a"), entry("b")), TTL),
        second.claim(check("p2", entry("b"), entry("c")), TTL),
    )
    assert sorted(results) == [False, True]
    assert len(await first.pendings()) == 1
    assert len(await queued_keys(first, "duel", clock.now)) == 1


async def test_answers_are_recorded_and_the_latest_counts(store: LobbyStore) -> None:
    await store.enqueue(entry("a"), TTL)
    await store.enqueue(entry("b"), TTL)
    assert await store.claim(check("p1", entry("a"), entry("b")), TTL)
    first = await store.answer("p1", "a", True)
    assert first is not None
    assert (first.accepted, first.declined, first.all_accepted) == ({"a"}, frozenset(), False)
    second = await store.answer("p1", "b", False)
    assert second is not None and (second.accepted, second.declined) == ({"a"}, {"b"})
    third = await store.answer("p1", "b", True)
    assert third is not None and third.all_accepted and third.declined == frozenset()
    assert await store.pendings() == [third]
    assert await store.answer("p1", "stranger", True) is None
    assert await store.answer("nope", "a", True) is None


async def test_take_pending_once_under_concurrency(
    stores: tuple[LobbyStore, LobbyStore],
) -> None:
    first, second = stores
    await first.enqueue(entry("a"), TTL)
    await first.enqueue(entry("b"), TTL)
    pending = check("p1", entry("a"), entry("b"))
    assert await first.claim(pending, TTL)
    results = await asyncio.gather(first.take_pendings(["p1"]), second.take_pendings(["p1"]))
    assert sorted(results, key=len) == [[], [pending]]
    assert await first.pendings() == []
    assert await first.take_pendings(["p1", "nope"]) == []


async def test_requeued_players_keep_joined_at_and_come_first(
    store: LobbyStore, clock: FakeClock
) -> None:
    first, second = entry("a", START), entry("b", START + 1)
    await store.enqueue(first, TTL)
    await store.enqueue(second, TTL)
    assert await store.claim(check("p1", first, second), TTL)
    clock.advance(5)
    await store.enqueue(entry("c", clock.now), TTL)
    [pending] = await store.take_pendings(["p1"])
    await store.requeue(list(pending.entries), TTL)
    assert await store.queued("duel", clock.now) == [first, second, entry("c", clock.now)]
    expected = Presence(PresenceState.QUEUED, "chan-a", clock.now + TTL)
    assert await store.presence("a", clock.now) == expected
    await store.requeue([], TTL)


async def test_requeue_leaves_players_active_elsewhere_alone(
    store: LobbyStore, clock: FakeClock
) -> None:
    await store.enqueue(entry("a"), TTL)
    await store.enqueue(entry("b"), TTL)
    assert await store.claim(check("p1", entry("a"), entry("b")), TTL)
    await store.take_pendings(["p1"])
    await store.reserve_matches([("b", "m1")], TTL)
    await store.requeue([entry("a"), entry("b")], TTL)
    assert await queued_keys(store, "duel", clock.now) == ["a"]
    assert await state_of(store, "b", clock.now) == PresenceState.MATCH


# -- matches --------------------------------------------------------------------------------


async def test_reserved_seat_is_taken_by_the_match_socket(
    store: LobbyStore, clock: FakeClock
) -> None:
    await store.reserve_matches([("a", "m1")], 30.0)
    assert await store.presence("a", clock.now) == Presence(
        PresenceState.MATCH, "", clock.now + 30.0, "m1"
    )
    with pytest.raises(AlreadyActive) as refused:
        await store.enter_match("a", "m2", "chan-m", TTL)
    assert refused.value.state == PresenceState.MATCH
    assert await store.enter_match("a", "m1", "chan-m", TTL) is None, "a seat replaces no socket"
    expected = Presence(PresenceState.MATCH, "chan-m", clock.now + TTL, "m1")
    assert await store.presence("a", clock.now) == expected
    assert await store.touch("a", "chan-m", TTL)


async def test_a_new_socket_in_the_same_match_takes_the_presence_over(
    stores: tuple[LobbyStore, LobbyStore], clock: FakeClock
) -> None:
    first, second = stores
    await first.reserve_matches([("a", "m1")], 30.0)
    assert await first.enter_match("a", "m1", "chan-old", TTL) is None
    clock.advance(1.0)
    assert await second.enter_match("a", "m1", "chan-new", TTL) == "chan-old"
    expected = Presence(PresenceState.MATCH, "chan-new", clock.now + TTL, "m1")
    assert await first.presence("a", clock.now) == expected
    assert not await first.touch("a", "chan-old", TTL), "the old socket no longer owns it"
    await first.release("a", "chan-old")  # the old socket's disconnect changes nothing
    assert await second.presence("a", clock.now) == expected
    assert await second.touch("a", "chan-new", TTL)


async def test_entering_again_from_the_same_socket_replaces_nothing(
    store: LobbyStore, clock: FakeClock
) -> None:
    assert await store.enter_match("a", "m1", "chan-m", TTL) is None
    clock.advance(1.0)
    assert await store.enter_match("a", "m1", "chan-m", TTL) is None
    expected = Presence(PresenceState.MATCH, "chan-m", clock.now + TTL, "m1")
    assert await store.presence("a", clock.now) == expected


async def test_a_socket_in_another_match_is_not_taken_over(
    store: LobbyStore, clock: FakeClock
) -> None:
    assert await store.enter_match("a", "m1", "chan-m1", TTL) is None
    with pytest.raises(AlreadyActive) as refused:
        await store.enter_match("a", "m2", "chan-m2", TTL)
    assert refused.value.state == PresenceState.MATCH
    expected = Presence(PresenceState.MATCH, "chan-m1", clock.now + TTL, "m1")
    assert await store.presence("a", clock.now) == expected
    clock.advance(TTL)  # the first socket stopped refreshing it: its place lapsed
    assert await store.enter_match("a", "m2", "chan-m2", TTL) is None


async def test_enter_match_without_presence_and_when_queued(
    store: LobbyStore, clock: FakeClock
) -> None:
    assert await store.enter_match("a", "m1", "chan-m", TTL) is None
    await store.enqueue(entry("b"), TTL)
    with pytest.raises(AlreadyActive) as refused:
        await store.enter_match("b", "m1", "chan-m2", TTL)
    assert refused.value.state == PresenceState.QUEUED
    assert await queued_keys(store, "duel", clock.now) == ["b"]
    clock.advance(TTL)
    assert await store.enter_match("b", "m1", "chan-m2", TTL) is None
    assert await store.queued("duel", clock.now) == []


async def test_a_player_in_a_ready_check_cannot_enter_a_match(
    store: LobbyStore, clock: FakeClock
) -> None:
    await store.enqueue(entry("a"), TTL)
    await store.enqueue(entry("b"), TTL)
    assert await store.claim(check("p1", entry("a"), entry("b")), TTL)
    with pytest.raises(AlreadyActive) as refused:
        await store.enter_match("a", "m1", "chan-m", TTL)
    assert refused.value.state == PresenceState.PENDING
    assert await store.presence("a", clock.now) == Presence(
        PresenceState.PENDING, "chan-a", clock.now + TTL
    )


async def test_reserve_matches_takes_players_out_of_the_queue(
    store: LobbyStore, clock: FakeClock
) -> None:
    await store.enqueue(entry("a"), TTL)
    await store.reserve_matches([("a", "m1")], TTL)
    assert await store.queued("duel", clock.now) == []
    await store.release("a", "")
    assert await store.presence("a", clock.now) is None


# -- matchmaker lease -----------------------------------------------------------------------


async def test_lease_is_exclusive_renewable_and_released_by_its_holder(
    stores: tuple[LobbyStore, LobbyStore], clock: FakeClock
) -> None:
    first, second = stores
    assert await first.try_lease("one", 2.0)
    assert not await second.try_lease("two", 2.0)
    clock.advance(1.5)
    assert await first.try_lease("one", 2.0)  # renewed until +3.5
    clock.advance(1.5)
    assert not await second.try_lease("two", 2.0)
    await second.release_lease("two")
    assert not await second.try_lease("two", 2.0)
    await first.release_lease("one")
    assert await second.try_lease("two", 2.0)


async def test_lease_passes_on_after_expiry(
    stores: tuple[LobbyStore, LobbyStore], clock: FakeClock
) -> None:
    first, second = stores
    assert await first.try_lease("one", 2.0)
    clock.advance(2.0)
    assert await second.try_lease("two", 2.0)
    assert not await first.try_lease("one", 2.0)
    await first.release_lease("one")
    assert not await first.try_lease("one", 2.0)


async def test_only_one_of_two_racing_lease_takers_wins(
    stores: tuple[LobbyStore, LobbyStore],
) -> None:
    first, second = stores
    results = await asyncio.gather(first.try_lease("one", 2.0), second.try_lease("two", 2.0))
    assert sorted(results) == [False, True]


async def test_reattach_leaves_a_match_presence_with_its_match_socket(
    store: LobbyStore, clock: FakeClock
) -> None:
    await store.reserve_matches([("p1", "m1")], 60)
    assert await store.enter_match("p1", "m1", "match-socket", 15) is None
    presence = await store.reattach("p1", "lobby-socket", 15)
    assert presence is not None and presence.channel == "match-socket"
    assert await store.touch("p1", "match-socket", 15)


async def test_batches_take_several_checks_and_reserve_several_seats(store: LobbyStore) -> None:
    for key in "abcd":
        await store.enqueue(entry(key), TTL)
    assert await store.claim(check("p1", entry("a"), entry("b")), TTL)
    assert await store.claim(check("p2", entry("c"), entry("d")), TTL)
    taken = await store.take_pendings(["p1", "missing", "p2"])
    assert [p.pending_id for p in taken] == ["p1", "p2"]
    await store.reserve_matches([("a", "m1"), ("b", "m1"), ("c", "m2"), ("d", "m2")], TTL)
    assert await store.enter_match("c", "m2", "socket-c", TTL) is None
    with pytest.raises(AlreadyActive):
        await store.enter_match("a", "m2", "socket-a", TTL)  # a's seat is in m1


async def test_sweep_forgets_expired_places_and_only_those(
    store: LobbyStore, clock: FakeClock
) -> None:
    await store.enqueue(entry("a"), TTL)
    await store.reserve_matches([("b", "m1")], TTL)
    await store.enqueue(entry("c"), TTL * 3)
    clock.advance(TTL * 2)
    assert await store.sweep() == 2
    assert await store.sweep() == 0
    assert await state_of(store, "c", clock.now) == PresenceState.QUEUED
    assert await queued_keys(store, "duel", clock.now) == ["c"]


async def test_a_dropped_match_socket_leaves_a_reserved_seat_for_its_next_socket(
    store: LobbyStore, clock: FakeClock
) -> None:
    assert await store.enter_match("a", "m1", "sock-1", TTL) is None
    await store.detach("a", "someone-else", 30.0)  # only the owner detaches
    assert (await store.presence("a", clock.now)).channel == "sock-1"  # type: ignore[union-attr]
    await store.detach("a", "sock-1", 30.0)
    held = await store.presence("a", clock.now)
    assert held is not None and (held.state, held.channel, held.match_id) == (
        PresenceState.MATCH,
        "",
        "m1",
    )
    assert (await store.reattach("a", "lobby-sock", TTL)) == held, "a lobby socket sees it"
    with pytest.raises(AlreadyActive):
        await store.enqueue(entry("a"), TTL)
    clock.advance(20.0)  # longer than the lobby's TTL, within the seat's
    assert await store.enter_match("a", "m1", "sock-2", TTL) is None, "a reserved seat"
    await store.detach("a", "sock-2", 30.0)
    clock.advance(31.0)
    assert await store.presence("a", clock.now) is None, "the held seat lapses"


# -- parties --------------------------------------------------------------------------------


def member(key: str, party: str, joined_at: float = START, mode: str = "2v2") -> QueueEntry:
    """A queue entry for ``key`` queued with ``party``."""
    return QueueEntry(key, f"Name {key}", 1500.25, mode, joined_at, f"chan-{key}", party)


def pm(key: str, channel: str = "") -> PartyMember:
    """Party member ``key`` on the socket ``chan-<key>`` (or ``channel``)."""
    return PartyMember(key, f"Name {key}", channel or f"chan-{key}")


def party(party_id: str, *keys: str) -> Party:
    """A 2v2 party of ``keys``, each on its usual socket."""
    return Party(party_id, "2v2", tuple(pm(key) for key in keys))


async def test_a_party_is_made_joined_and_left(stores: tuple[LobbyStore, LobbyStore]) -> None:
    first, second = stores
    assert await first.create_party("p1", "2v2", pm("a")) == party("p1", "a")
    assert await second.join_party("p1", pm("b"), 2) == party("p1", "a", "b")
    assert await first.join_party("p1", pm("b"), 2) == party("p1", "a", "b"), "joining again"
    moved = await first.join_party("p1", pm("a", "new-socket"), 2)
    assert moved.members == (pm("a", "new-socket"), pm("b")), "a reconnect moves the socket"
    assert (await second.party_of("a")) == moved
    assert await second.party("p1") == moved
    assert await second.party("p2") is None
    assert await first.leave_party("a") == moved
    assert await second.party_of("b") == party("p1", "b"), "the next member leads"
    assert (await second.party_of("b")).leader == "b"  # type: ignore[union-attr]
    assert await second.party_of("a") is None
    assert await first.leave_party("a") is None
    await first.leave_party("b")
    with pytest.raises(NoSuchParty):
        await second.join_party("p1", pm("c"), 2)


async def test_a_full_party_and_a_second_party_are_refused(store: LobbyStore) -> None:
    await store.create_party("p1", "2v2", pm("a"))
    await store.join_party("p1", pm("b"), 2)
    with pytest.raises(PartyFull):
        await store.join_party("p1", pm("c"), 2)
    with pytest.raises(AlreadyInParty):
        await store.create_party("p2", "2v2", pm("a"))
    await store.create_party("p2", "2v2", pm("c"))
    with pytest.raises(AlreadyInParty):
        await store.join_party("p2", pm("b"), 4)
    assert await store.party_of("c") == party("p2", "c")


async def test_racing_joins_never_overfill_a_party(
    stores: tuple[LobbyStore, LobbyStore],
) -> None:
    first, second = stores
    await first.create_party("p1", "2v2", pm("a"))
    joins = [s.join_party("p1", pm(f"j{i}"), 3) for i, s in enumerate([first, second] * 4)]
    results = await asyncio.gather(*joins, return_exceptions=True)
    assert sum(isinstance(r, Party) for r in results) == 2
    assert all(isinstance(r, Party | PartyFull) for r in results)
    party = await first.party_of("a")
    assert party is not None and len(party.members) == 3


async def test_a_party_queues_as_one(store: LobbyStore, clock: FakeClock) -> None:
    await store.create_party("p1", "2v2", pm("a"))
    await store.join_party("p1", pm("b"), 2)
    await store.enqueue(entry("b", mode="2v2"), TTL)  # b is already searching alone
    with pytest.raises(AlreadyActive):
        await store.enqueue_party([member("a", "p1"), member("b", "p1")], TTL)
    assert await queued_keys(store, "2v2", clock.now) == ["b"], "nothing of the party queued"
    await store.dequeue("b")
    await store.enqueue_party([member("a", "p1"), member("b", "p1")], TTL)
    assert await store.queued("2v2", clock.now) == [member("a", "p1"), member("b", "p1")]


@pytest.mark.parametrize("leaves", ["dequeue", "release", "leave_party", "expiry", "join"])
async def test_one_member_leaving_takes_the_party_out_of_the_queue(
    store: LobbyStore, clock: FakeClock, leaves: str
) -> None:
    await store.create_party("p1", "2v2", pm("a"))
    await store.join_party("p1", pm("b"), 3)
    await store.enqueue(entry("c", mode="2v2"), TTL)
    await store.enqueue_party([member("a", "p1"), member("b", "p1")], TTL)
    if leaves == "dequeue":
        assert await store.dequeue("b") == member("b", "p1")
    elif leaves == "release":
        await store.release("b", "chan-b")
    elif leaves == "leave_party":
        await store.leave_party("b")
    elif leaves == "join":
        await store.join_party("p1", pm("d"), 3)  # a new member: the party queues again with them
    else:
        assert await store.touch("a", "chan-a", TTL * 2)
        assert await store.touch("c", "chan-c", TTL * 2)
        clock.advance(TTL + 1)  # b's place lapses
    assert await queued_keys(store, "2v2", clock.now) == ["c"]
    assert await state_of(store, "a", clock.now) is None
    assert await state_of(store, "c", clock.now) == PresenceState.QUEUED


async def test_a_member_queued_alone_is_not_taken_out_with_the_party(
    store: LobbyStore, clock: FakeClock
) -> None:
    await store.create_party("p1", "2v2", pm("a"))
    await store.join_party("p1", pm("b"), 2)
    await store.enqueue(entry("b", mode="2v2"), TTL)
    await store.enqueue(entry("a", mode="duel"), TTL)
    await store.dequeue("a")
    assert await queued_keys(store, "2v2", clock.now) == ["b"]
