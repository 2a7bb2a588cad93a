"""Which engine workers are alive and how loaded: in memory (embedded) or in Redis (production)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

import redis.asyncio as aioredis

HEARTBEAT_INTERVAL = 1.0  # seconds between two announcements of a live worker
WORKER_TTL = 5.0  # a worker not heard from for this long is dead


MatchSummary = dict[str, Any]  # one running match as its engine announces it (see live_matches)


class NoEngineAvailable(RuntimeError):
    """No live engine worker can take a new match."""


@dataclass(frozen=True, slots=True)
class WorkerInfo:
    """A live engine worker: its id, the channel it reads and the matches it runs; ``route``
    is the base URL of the web process it runs in ("" for a worker of its own)."""

    worker_id: str
    channel: str
    load: int
    stats: dict[str, Any] = field(default_factory=dict, compare=False)
    route: str = ""


def least_loaded(workers: Iterable[WorkerInfo]) -> WorkerInfo:
    """The worker with the fewest matches (ties: the smallest id)."""
    best = min(workers, key=lambda w: (w.load, w.worker_id), default=None)
    if best is None:
        raise NoEngineAvailable("no engine worker is running")
    return best


class EngineRegistry(Protocol):
    """Where engine workers announce themselves and the match service finds them."""

    async def announce(
        self,
        worker_id: str,
        channel: str,
        load: int,
        stats: dict[str, Any] | None = None,
        matches: list[MatchSummary] | None = None,
        route: str = "",
    ) -> None:
        """Register or refresh a live worker with its load, tick statistics, match summaries
        and route (the base URL of the web process it runs in, if it runs in one)."""

    async def withdraw(self, worker_id: str) -> None:
        """Remove a worker that is shutting down."""

    async def reserve(self, worker_id: str, count: int = 1) -> None:
        """Count ``count`` more matches on a worker before its next announcement."""

    async def live_workers(self) -> list[WorkerInfo]:
        """The workers heard from within the last WORKER_TTL seconds."""

    async def live_matches(self) -> list[MatchSummary]:
        """The match summaries of the live workers, as each last announced them."""


class MemoryEngineRegistry:
    """Registry for one process: the embedded engine and the web views share it."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._workers: dict[str, tuple[str, int, float]] = {}
        self._routes: dict[str, str] = {}
        self._stats: dict[str, dict[str, Any]] = {}
        self._matches: dict[str, list[MatchSummary]] = {}

    async def announce(
        self,
        worker_id: str,
        channel: str,
        load: int,
        stats: dict[str, Any] | None = None,
        matches: list[MatchSummary] | None = None,
        route: str = "",
    ) -> None:
        """Register or refresh a live worker with its load, tick statistics, match summaries
        and route (the base URL of the web process it runs in, if it runs in one)."""
        self._workers[worker_id] = (channel, load, self._clock())
        self._routes[worker_id] = route
        self._stats[worker_id] = dict(stats or {})
        self._matches[worker_id] = list(matches or [])

    async def withdraw(self, worker_id: str) -> None:
        """Remove a worker that is shutting down."""
        self._workers.pop(worker_id, None)
        self._stats.pop(worker_id, None)
        self._matches.pop(worker_id, None)

    async def reserve(self, worker_id: str, count: int = 1) -> None:
        """Count ``count`` more matches on a worker before its next announcement."""
        if worker_id in self._workers:
            channel, load, seen = self._workers[worker_id]
            self._workers[worker_id] = (channel, load + count, seen)

    async def live_workers(self) -> list[WorkerInfo]:
        """The workers heard from within the last WORKER_TTL seconds."""
        now = self._clock()
        return [
            WorkerInfo(
                worker_id, channel, load, self._stats.get(worker_id, {}), self._routes[worker_id]
            )
            for worker_id, (channel, load, seen) in self._workers.items()
            if now - seen <= WORKER_TTL
        ]

    async def live_matches(self) -> list[MatchSummary]:
        """The match summaries of the live workers, as each last announced them."""
        return [
            summary
            for worker in await self.live_workers()
            for summary in self._matches.get(worker.worker_id, ())
        ]


class RedisEngineRegistry:
    """Registry shared by every process on one Redis: three hashes, liveness by timestamp.

    Match summaries have a hash of their own, so that placing a match (``live_workers``) does
    not read them.
    """

    def __init__(self, client: aioredis.Redis, prefix: str) -> None:
        self._redis = client
        self._workers_key = f"{prefix}:engines"
        self._load_key = f"{prefix}:engine-load"
        self._matches_key = f"{prefix}:engine-matches"

    async def announce(
        self,
        worker_id: str,
        channel: str,
        load: int,
        stats: dict[str, Any] | None = None,
        matches: list[MatchSummary] | None = None,
        route: str = "",
    ) -> None:
        """Register or refresh a live worker with its load, tick statistics, match summaries
        and route (the base URL of the web process it runs in, if it runs in one)."""
        entry = json.dumps(
            {"channel": channel, "seen": time.time(), "stats": stats or {}, "route": route}
        )
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hset(self._workers_key, worker_id, entry)
            pipe.hset(self._load_key, worker_id, load)
            pipe.hset(self._matches_key, worker_id, json.dumps(matches or []))
            await pipe.execute()

    async def withdraw(self, worker_id: str) -> None:
        """Remove a worker that is shutting down."""
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hdel(self._workers_key, worker_id)
            pipe.hdel(self._load_key, worker_id)
            pipe.hdel(self._matches_key, worker_id)
            await pipe.execute()

    async def reserve(self, worker_id: str, count: int = 1) -> None:
        """Count ``count`` more matches on a worker before its next announcement."""
        await self._redis.hincrby(self._load_key, worker_id, count)

    async def live_workers(self) -> list[WorkerInfo]:
        """The workers heard from within the last WORKER_TTL seconds; forgets dead ones."""
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.hgetall(self._workers_key)
            pipe.hgetall(self._load_key)
            entries, loads = await pipe.execute()
        now = time.time()
        live: list[WorkerInfo] = []
        dead: list[bytes] = []
        for raw_id, raw_entry in entries.items():
            entry = json.loads(raw_entry)
            if now - entry["seen"] > WORKER_TTL:
                dead.append(raw_id)
                continue
            load = int(loads.get(raw_id, 0))
            live.append(
                WorkerInfo(
                    raw_id.decode(),
                    entry["channel"],
                    load,
                    entry.get("stats", {}),
                    entry.get("route", ""),
                )
            )
        if dead:
            await self._redis.hdel(self._workers_key, *dead)
            await self._redis.hdel(self._load_key, *dead)
            await self._redis.hdel(self._matches_key, *dead)
        return live

    async def live_matches(self) -> list[MatchSummary]:
        """The match summaries of the live workers, as each last announced them."""
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.hgetall(self._workers_key)
            pipe.hgetall(self._matches_key)
            entries, summaries = await pipe.execute()
        now = time.time()
        found: list[MatchSummary] = []
        for raw_id, raw_entry in entries.items():
            if now - json.loads(raw_entry)["seen"] <= WORKER_TTL and raw_id in summaries:
                found.extend(json.loads(summaries[raw_id]))
        return found
