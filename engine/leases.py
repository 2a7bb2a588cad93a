"""Which engine worker owns each match: leases with a heartbeat, fencing epochs, checkpoints.

Every running match has exactly one owner. The owner renews its leases every second; a lease not
renewed for LEASE_TTL seconds has expired, and any live worker may take the match over
(``adopt``) from its last checkpoint. Each acquisition of a match gets a new, larger *epoch*
(microseconds of the Redis clock, or one more than the last epoch): the owner stamps every
message it publishes with it, and web processes drop messages of an older epoch than one they
have seen, so a worker that was only paused and lost its matches cannot be heard again.
Checkpoints are saved only by the current owner, for the same reason.

Two implementations: ``MemoryMatchLeases`` for one process (the embedded deployment and tests)
and ``RedisMatchLeases`` shared by every process on one Redis, where every decision is one Lua
script on Redis' clock.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

import redis.asyncio as aioredis

LEASE_TTL = 3.0  # seconds a lease lasts without renewal: the takeover time after a crash
LEASE_SAFETY_MARGIN = 1.0  # an owner stops publishing this long before its lease could expire
CHECKPOINT_TTL = 600.0  # seconds an orphaned match's checkpoint waits to be taken over


@dataclass(frozen=True, slots=True)
class Adoption:
    """A match taken over: its new epoch and the checkpoint it resumes from (None: lost)."""

    epoch: int
    checkpoint: bytes | None


class MatchLeases(Protocol):
    """Match ownership shared by the engine workers of one deployment."""

    shared: bool  # other processes can take matches over (False: this process is alone)
    ttl: float  # seconds a lease lasts without renewal

    async def claim(
        self, match_id: str, worker_id: str, channel: str, checkpoint: bytes
    ) -> int | None:
        """Own a new match and save its first checkpoint; its epoch, or None if another live
        worker owns it."""

    async def renew(self, worker_id: str, channel: str, match_ids: list[str]) -> dict[str, int]:
        """Extend the worker's leases; the matches it still owns, with their epochs."""

    async def orphans(self, limit: int) -> list[str]:
        """Matches whose lease expired, oldest first."""

    async def adopt(self, match_id: str, worker_id: str, channel: str) -> Adoption | None:
        """Take over a match whose lease expired; None if it is owned or finished."""

    async def save(self, worker_id: str, checkpoints: dict[str, bytes]) -> int:
        """Save the checkpoints of matches the worker owns; how many were saved."""

    async def hand_over(self, worker_id: str, match_ids: list[str]) -> None:
        """Let the worker's leases expire now, so that another worker adopts the matches."""

    async def finish(self, worker_id: str, match_id: str) -> None:
        """Forget a finished match's lease and checkpoint (if the worker owns it)."""

    async def held(self, match_ids: list[str]) -> set[str]:
        """The matches among ``match_ids`` that a worker owns or can still take over (a live
        lease, or an expired one with its checkpoint); the others are lost."""


class MemoryMatchLeases:
    """Leases for the workers of one process, on its monotonic clock. ``shared`` when several
    workers of the process use them (tests); the embedded deployment runs one."""

    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        ttl: float = LEASE_TTL,
        shared: bool = False,
    ) -> None:
        self.shared = shared
        self._clock = clock
        self.ttl = ttl
        self._expiry: dict[str, float] = {}
        self._owner: dict[str, tuple[str, int]] = {}  # match id -> (worker id, epoch)
        self._checkpoints: dict[str, bytes] = {}
        self._last_epoch = 0

    def _next_epoch(self) -> int:
        self._last_epoch = max(self._last_epoch + 1, int(time.time() * 1_000_000))
        return self._last_epoch

    def _grant(self, match_id: str, worker_id: str) -> int:
        epoch = self._next_epoch()
        self._owner[match_id] = (worker_id, epoch)
        self._expiry[match_id] = self._clock() + self.ttl
        return epoch

    async def claim(
        self, match_id: str, worker_id: str, channel: str, checkpoint: bytes
    ) -> int | None:
        """Own a new match and save its first checkpoint; its epoch, or None if another live
        worker owns it."""
        owner = self._owner.get(match_id)
        expiry = self._expiry.get(match_id)
        if owner and owner[0] != worker_id and expiry is not None and expiry > self._clock():
            return None
        self._checkpoints[match_id] = checkpoint
        return self._grant(match_id, worker_id)

    async def renew(self, worker_id: str, channel: str, match_ids: list[str]) -> dict[str, int]:
        """Extend the worker's leases; the matches it still owns, with their epochs."""
        owned: dict[str, int] = {}
        for match_id in match_ids:
            owner = self._owner.get(match_id)
            if owner is None:
                owned[match_id] = self._grant(match_id, worker_id)
            elif owner[0] == worker_id:
                self._expiry[match_id] = self._clock() + self.ttl
                owned[match_id] = owner[1]
        return owned

    async def orphans(self, limit: int) -> list[str]:
        """Matches whose lease expired, oldest first."""
        now = self._clock()
        expired = sorted((t, m) for m, t in self._expiry.items() if t <= now)
        return [match_id for _, match_id in expired[:limit]]

    async def adopt(self, match_id: str, worker_id: str, channel: str) -> Adoption | None:
        """Take over a match whose lease expired; None if it is owned or finished."""
        expiry = self._expiry.get(match_id)
        if expiry is None or expiry > self._clock():
            return None
        return Adoption(self._grant(match_id, worker_id), self._checkpoints.get(match_id))

    async def save(self, worker_id: str, checkpoints: dict[str, bytes]) -> int:
        """Save the checkpoints of matches the worker owns; how many were saved."""
        saved = 0
        for match_id, data in checkpoints.items():
            owner = self._owner.get(match_id)
            if owner is not None and owner[0] == worker_id:
                self._checkpoints[match_id] = data
                saved += 1
        return saved

    async def hand_over(self, worker_id: str, match_ids: list[str]) -> None:
        """Let the worker's leases expire now, so that another worker adopts the matches."""
        for match_id in self._owned_by(worker_id, match_ids):
            self._expiry[match_id] = float("-inf")

    async def finish(self, worker_id: str, match_id: str) -> None:
        """Forget a finished match's lease and checkpoint (if the worker owns it)."""
        for owned in self._owned_by(worker_id, [match_id]):
            self._expiry.pop(owned, None)
            self._owner.pop(owned, None)
            self._checkpoints.pop(owned, None)

    async def held(self, match_ids: list[str]) -> set[str]:
        """The matches among ``match_ids`` that a worker owns or can still take over."""
        now = self._clock()
        return {
            m
            for m in match_ids
            if m in self._owner and (self._expiry.get(m, now) > now or m in self._checkpoints)
        }

    def _owned_by(self, worker_id: str, match_ids: Iterable[str]) -> list[str]:
        return [m for m in match_ids if (self._owner.get(m) or ("",))[0] == worker_id]


# Every script starts from Redis' clock; an owner entry is "<worker id> <channel> <epoch>".
_PRELUDE = """
local t = redis.call('TIME')
local now_ms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local now_us = tonumber(t[1]) * 1000000 + tonumber(t[2])
local function owner_of(entry) return string.match(entry, '^(%S+)') end
local function epoch_of(entry) return tonumber(string.match(entry, '(%d+)$')) end
local function grant(owners, leases, match_id, worker, channel, ttl_ms, previous)
  local epoch = now_us
  if previous and epoch_of(previous) >= epoch then epoch = epoch_of(previous) + 1 end
  redis.call('ZADD', leases, now_ms + ttl_ms, match_id)
  local entry = worker .. ' ' .. channel .. ' ' .. string.format('%d', epoch)
  redis.call('HSET', owners, match_id, entry)
  return epoch
end
"""

# KEYS: leases, owners, checkpoint; ARGV: match id, worker, channel, ttl ms, checkpoint, ttl s
_CLAIM = """
local entry = redis.call('HGET', KEYS[2], ARGV[1])
local expiry = redis.call('ZSCORE', KEYS[1], ARGV[1])
if entry and owner_of(entry) ~= ARGV[2] and expiry and tonumber(expiry) > now_ms then
  return false
end
redis.call('SET', KEYS[3], ARGV[5], 'EX', ARGV[6])
return grant(KEYS[2], KEYS[1], ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4]), entry)
"""

# KEYS: leases, owners; ARGV: worker, channel, ttl ms, match ids...
# An epoch per match, 0 where another worker owns it now. A match Redis forgot (restarted
# without its data) stays with the worker that still runs it.
_RENEW = """
local epochs = {}
for i = 4, #ARGV do
  local entry = redis.call('HGET', KEYS[2], ARGV[i])
  if not entry then
    epochs[#epochs + 1] = grant(KEYS[2], KEYS[1], ARGV[i], ARGV[1], ARGV[2], tonumber(ARGV[3]), nil)
  elseif owner_of(entry) == ARGV[1] then
    redis.call('ZADD', KEYS[1], now_ms + tonumber(ARGV[3]), ARGV[i])
    epochs[#epochs + 1] = epoch_of(entry)
  else
    epochs[#epochs + 1] = 0
  end
end
return epochs
"""

# KEYS: leases; ARGV: limit
_ORPHANS = """
return redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now_ms, 'LIMIT', 0, tonumber(ARGV[1]))
"""

# KEYS: leases, owners, checkpoint; ARGV: match id, worker, channel, ttl ms
_ADOPT = """
local expiry = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not expiry or tonumber(expiry) > now_ms then return false end
local entry = redis.call('HGET', KEYS[2], ARGV[1])
local epoch = grant(KEYS[2], KEYS[1], ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4]), entry)
return {epoch, redis.call('GET', KEYS[3])}
"""

# KEYS: owners, checkpoint keys...; ARGV: worker, ttl s, match ids... then checkpoints...
_SAVE = """
local count = #KEYS - 1
local saved = 0
for i = 1, count do
  local entry = redis.call('HGET', KEYS[1], ARGV[2 + i])
  if entry and owner_of(entry) == ARGV[1] then
    redis.call('SET', KEYS[1 + i], ARGV[2 + count + i], 'EX', ARGV[2])
    saved = saved + 1
  end
end
return saved
"""

# KEYS: leases, owners; ARGV: worker, match ids...
_HAND_OVER = """
for i = 2, #ARGV do
  local entry = redis.call('HGET', KEYS[2], ARGV[i])
  if entry and owner_of(entry) == ARGV[1] then redis.call('ZADD', KEYS[1], 0, ARGV[i]) end
end
return 0
"""

# KEYS: leases, owners, checkpoint keys...; ARGV: match ids... (one per checkpoint key)
_HELD = """
local held = {}
for i = 1, #ARGV do
  local match_id = ARGV[i]
  if redis.call('HEXISTS', KEYS[2], match_id) == 1 then
    local expiry = redis.call('ZSCORE', KEYS[1], match_id)
    if (expiry and tonumber(expiry) > now_ms) or redis.call('EXISTS', KEYS[2 + i]) == 1 then
      held[#held + 1] = match_id
    end
  end
end
return held
"""

# KEYS: leases, owners, checkpoint; ARGV: worker, match id
_FINISH = """
local entry = redis.call('HGET', KEYS[2], ARGV[2])
if entry and owner_of(entry) == ARGV[1] then
  redis.call('ZREM', KEYS[1], ARGV[2])
  redis.call('HDEL', KEYS[2], ARGV[2])
  redis.call('DEL', KEYS[3])
end
return 0
"""


class RedisMatchLeases:
    """Leases shared by every engine worker on one Redis: a sorted set of expiry times, a hash of
    owners and one key per checkpoint."""

    shared = True

    def __init__(self, client: aioredis.Redis, prefix: str, ttl: float = LEASE_TTL) -> None:
        self._redis = client
        self._prefix = prefix
        self.ttl = ttl
        self._leases = f"{prefix}:match-leases"
        self._owners = f"{prefix}:match-owners"
        self._ttl_ms = str(round(ttl * 1000))
        self._checkpoint_ttl = str(round(CHECKPOINT_TTL))
        script = client.register_script
        self._claim = script(_PRELUDE + _CLAIM)
        self._renew = script(_PRELUDE + _RENEW)
        self._orphans = script(_PRELUDE + _ORPHANS)
        self._adopt = script(_PRELUDE + _ADOPT)
        self._save = script(_PRELUDE + _SAVE)
        self._hand_over = script(_PRELUDE + _HAND_OVER)
        self._finish = script(_PRELUDE + _FINISH)
        self._held = script(_PRELUDE + _HELD)

    def _checkpoint_key(self, match_id: str) -> str:
        return f"{self._prefix}:checkpoint:{match_id}"

    async def claim(
        self, match_id: str, worker_id: str, channel: str, checkpoint: bytes
    ) -> int | None:
        """Own a new match and save its first checkpoint; its epoch, or None if another live
        worker owns it."""
        keys = [self._leases, self._owners, self._checkpoint_key(match_id)]
        args = [match_id, worker_id, channel, self._ttl_ms, checkpoint, self._checkpoint_ttl]
        epoch = await self._claim(keys=keys, args=args)
        return None if epoch is None else int(epoch)

    async def renew(self, worker_id: str, channel: str, match_ids: list[str]) -> dict[str, int]:
        """Extend the worker's leases; the matches it still owns, with their epochs."""
        if not match_ids:
            return {}
        args = [worker_id, channel, self._ttl_ms, *match_ids]
        epochs = await self._renew(keys=[self._leases, self._owners], args=args)
        return {m: int(e) for m, e in zip(match_ids, epochs, strict=True) if int(e) > 0}

    async def orphans(self, limit: int) -> list[str]:
        """Matches whose lease expired, oldest first."""
        found = await self._orphans(keys=[self._leases], args=[str(limit)])
        return [raw.decode() for raw in found]

    async def adopt(self, match_id: str, worker_id: str, channel: str) -> Adoption | None:
        """Take over a match whose lease expired; None if it is owned or finished."""
        keys = [self._leases, self._owners, self._checkpoint_key(match_id)]
        found = await self._adopt(keys=keys, args=[match_id, worker_id, channel, self._ttl_ms])
        if found is None:
            return None
        epoch, *rest = found
        return Adoption(int(epoch), rest[0] if rest else None)

    async def save(self, worker_id: str, checkpoints: dict[str, bytes]) -> int:
        """Save the checkpoints of matches the worker owns; how many were saved."""
        if not checkpoints:
            return 0
        match_ids = list(checkpoints)
        keys = [self._owners, *(self._checkpoint_key(m) for m in match_ids)]
        args = [worker_id, self._checkpoint_ttl, *match_ids, *checkpoints.values()]
        return int(await self._save(keys=keys, args=args))

    async def hand_over(self, worker_id: str, match_ids: list[str]) -> None:
        """Let the worker's leases expire now, so that another worker adopts the matches."""
        if match_ids:
            await self._hand_over(keys=[self._leases, self._owners], args=[worker_id, *match_ids])

    async def finish(self, worker_id: str, match_id: str) -> None:
        """Forget a finished match's lease and checkpoint (if the worker owns it)."""
        keys = [self._leases, self._owners, self._checkpoint_key(match_id)]
        await self._finish(keys=keys, args=[worker_id, match_id])

    async def held(self, match_ids: list[str]) -> set[str]:
        """The matches among ``match_ids`` that a worker owns or can still take over."""
        if not match_ids:
            return set()
        keys = [self._leases, self._owners, *(self._checkpoint_key(m) for m in match_ids)]
        return {raw.decode() for raw in await self._held(keys=keys, args=match_ids)}
