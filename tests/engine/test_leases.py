"""Match leases, run against both implementations (memory and real Redis)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as aioredis

from engine.leases import MatchLeases, MemoryMatchLeases, RedisMatchLeases

TTL = 0.3  # seconds: short, so that leases expire within a test


@pytest.fixture(params=["memory", "redis"])
async def leases(
    request: pytest.FixtureRequest, redis_prefix: str, redis_url: str
) -> AsyncIterator[MatchLeases]:
    if request.param == "memory":
        yield MemoryMatchLeases(ttl=TTL)
        return
    client = aioredis.Redis.from_url(redis_url)
    yield RedisMatchLeases(client, redis_prefix, ttl=TTL)
    await client.aclose()


async def expire() -> None:
    """Wait until a lease granted or renewed before the call has expired."""
    await asyncio.sleep(TTL + 0.1)


async def test_a_new_match_has_one_owner(leases: MatchLeases) -> None:
    epoch = await leases.claim("m1", "w1", "chan-1", b"cp")
    assert epoch is not None
    assert await leases.claim("m1", "w2", "chan-2", b"other") is None
    assert await leases.renew("w1", "chan-1", ["m1"]) == {"m1": epoch}
    assert await leases.renew("w2", "chan-2", ["m1"]) == {}
    assert await leases.orphans(10) == []
    assert await leases.adopt("m1", "w2", "chan-2") is None


async def test_an_expired_lease_is_adopted_from_the_last_checkpoint_with_a_larger_epoch(
    leases: MatchLeases,
) -> None:
    first = await leases.claim("m1", "w1", "chan-1", b"first")
    assert first is not None
    assert await leases.save("w1", {"m1": b"second"}) == 1
    await expire()
    assert await leases.orphans(10) == ["m1"]
    adoption = await leases.adopt("m1", "w2", "chan-2")
    assert adoption is not None
    assert adoption.epoch > first
    assert adoption.checkpoint == b"second"
    assert await leases.adopt("m1", "w3", "chan-3") is None, "only one worker adopts"
    assert await leases.orphans(10) == []


async def test_a_worker_that_lost_its_match_can_neither_renew_nor_save(
    leases: MatchLeases,
) -> None:
    await leases.claim("m1", "w1", "chan-1", b"first")
    await expire()
    adoption = await leases.adopt("m1", "w2", "chan-2")
    assert adoption is not None
    assert await leases.renew("w1", "chan-1", ["m1"]) == {}, "the paused worker is fenced off"
    assert await leases.save("w1", {"m1": b"stale"}) == 0
    assert await leases.save("w2", {"m1": b"new"}) == 1
    await leases.finish("w1", "m1")  # not the owner: changes nothing
    assert await leases.renew("w2", "chan-2", ["m1"]) == {"m1": adoption.epoch}


async def test_an_expired_lease_not_yet_adopted_is_still_its_owners(leases: MatchLeases) -> None:
    epoch = await leases.claim("m1", "w1", "chan-1", b"cp")
    await expire()
    assert await leases.renew("w1", "chan-1", ["m1"]) == {"m1": epoch}
    assert await leases.orphans(10) == []


async def test_handed_over_matches_are_orphans_at_once(leases: MatchLeases) -> None:
    await leases.claim("m1", "w1", "chan-1", b"cp")
    await leases.claim("m2", "w1", "chan-1", b"cp")
    await leases.claim("m3", "w2", "chan-2", b"cp")
    await leases.hand_over("w1", ["m1", "m2", "m3"])
    assert sorted(await leases.orphans(10)) == ["m1", "m2"], "only the worker's own"
    assert await leases.adopt("m2", "w2", "chan-2") is not None


async def test_finished_matches_are_forgotten(leases: MatchLeases) -> None:
    await leases.claim("m1", "w1", "chan-1", b"cp")
    await leases.finish("w1", "m1")
    await expire()
    assert await leases.orphans(10) == []
    assert await leases.adopt("m1", "w2", "chan-2") is None


async def test_a_match_the_store_forgot_stays_with_the_worker_that_runs_it(
    leases: MatchLeases,
) -> None:
    """After a Redis restart without its data, the running worker claims its match again."""
    renewed = await leases.renew("w1", "chan-1", ["m1"])
    assert list(renewed) == ["m1"]
    assert await leases.claim("m1", "w2", "chan-2", b"cp") is None


async def test_held_matches_are_those_a_worker_owns_or_can_take_over(leases: MatchLeases) -> None:
    await leases.claim("m1", "w1", "chan-1", b"cp")
    await leases.claim("m2", "w1", "chan-1", b"cp")
    await leases.finish("w1", "m2")
    assert await leases.held(["m1", "m2", "never"]) == {"m1"}
    await expire()
    assert await leases.held(["m1"]) == {"m1"}, "an expired lease with its checkpoint waits"
    assert await leases.held([]) == set()


async def test_an_expired_lease_without_its_checkpoint_is_not_held(
    redis_prefix: str, redis_url: str
) -> None:
    client = aioredis.Redis.from_url(redis_url)
    leases = RedisMatchLeases(client, redis_prefix, ttl=TTL)
    await leases.claim("m1", "w1", "chan-1", b"cp")
    await client.delete(f"{redis_prefix}:checkpoint:m1")  # as CHECKPOINT_TTL would
    assert await leases.held(["m1"]) == {"m1"}, "the lease is live"
    await expire()
    assert await leases.held(["m1"]) == set()
    await client.aclose()
