"""The engine worker registry, run against both implementations (memory and real Redis)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import redis.asyncio as aioredis

from engine import registry as registry_module
from engine.registry import (
    EngineRegistry,
    MemoryEngineRegistry,
    NoEngineAvailable,
    RedisEngineRegistry,
    WorkerInfo,
    least_loaded,
)


@pytest.fixture(params=["memory", "redis"])
async def registry(
    request: pytest.FixtureRequest, redis_prefix: str, redis_url: str
) -> AsyncIterator[EngineRegistry]:
    if request.param == "memory":
        yield MemoryEngineRegistry()
        return
    client = aioredis.Redis.from_url(redis_url)
    yield RedisEngineRegistry(client, redis_prefix)
    await client.aclose()


async def test_announced_workers_are_live_with_their_load(registry: EngineRegistry) -> None:
    await registry.announce("w1", "chan-1", 3)
    await registry.announce("w2", "chan-2", 0)
    live = sorted(await registry.live_workers(), key=lambda w: w.worker_id)
    assert live == [WorkerInfo("w1", "chan-1", 3), WorkerInfo("w2", "chan-2", 0)]


async def test_reserve_counts_a_match_before_the_next_announcement(
    registry: EngineRegistry,
) -> None:
    await registry.announce("w1", "chan-1", 0)
    await registry.reserve("w1")
    await registry.reserve("w1")
    assert [w.load for w in await registry.live_workers()] == [2]
    await registry.announce("w1", "chan-1", 1)  # the worker's own count wins
    assert [w.load for w in await registry.live_workers()] == [1]


async def test_withdrawn_workers_are_gone(registry: EngineRegistry) -> None:
    await registry.announce("w1", "chan-1", 0)
    await registry.withdraw("w1")
    assert await registry.live_workers() == []


async def test_silent_workers_expire(
    registry: EngineRegistry, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(registry_module, "WORKER_TTL", -1.0)
    await registry.announce("w1", "chan-1", 0)
    assert await registry.live_workers() == []


async def test_match_summaries_are_those_of_live_workers(
    registry: EngineRegistry, monkeypatch: pytest.MonkeyPatch
) -> None:
    ada = {"id": "m1", "players": [{"id": 0, "name": "Ada", "score": 1, "deaths": 0}]}
    await registry.announce("w1", "chan-1", 1, {"ticks": 1}, [ada])
    await registry.announce("w2", "chan-2", 2, {}, [{"id": "m2"}, {"id": "m3"}])
    await registry.announce("w3", "chan-3", 0)
    assert sorted(await registry.live_matches(), key=lambda m: m["id"]) == [
        ada,
        {"id": "m2"},
        {"id": "m3"},
    ]
    await registry.announce("w2", "chan-2", 1, {}, [{"id": "m3"}])  # the newest summary wins
    await registry.withdraw("w1")
    assert await registry.live_matches() == [{"id": "m3"}]
    monkeypatch.setattr(registry_module, "WORKER_TTL", -1.0)
    assert await registry.live_matches() == []


@pytest.mark.parametrize(
    ("loads", "chosen"),
    [({"a": 1, "b": 0}, "b"), ({"a": 2, "b": 2}, "a"), ({"z": 0}, "z")],
)
def test_least_loaded_prefers_fewest_matches(loads: dict[str, int], chosen: str) -> None:
    workers = [WorkerInfo(wid, f"chan-{wid}", load) for wid, load in loads.items()]
    assert least_loaded(workers).worker_id == chosen


def test_no_worker_is_a_named_error() -> None:
    with pytest.raises(NoEngineAvailable):
        least_loaded([])
