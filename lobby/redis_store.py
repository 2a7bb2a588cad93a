"""Lobby state on Redis, shared by every web process: each method is one atomic Lua script.

Keys, all under ``<prefix>:lobby:``:

* ``queue:<mode>`` - sorted set of queued player keys scored by ``joined_at``;
* ``entries`` - hash of player key to queue entry (JSON);
* ``presence`` - hash of player key to presence (JSON with state, channel, expires_at,
  match_id and the pending_id of a player in a ready check);
* ``pendings`` - hash of pending id to ready check (JSON);
* ``parties`` - hash of party id to party (JSON with its mode and its members, leader first:
  player key, name and lobby socket each);
* ``party_of`` - hash of player key to the id of their party;
* ``lease`` - the matchmaker lease (JSON with holder and expires_at), with a PX expiry.

Numbers are stored as decimal strings (Python's ``repr``), so that Lua's JSON codec can
rewrite a document without rounding them. Expiry is decided by the ``now`` each script is
given (the store's clock), never by Redis' own clock; the lease's PX is only a backstop.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Sequence
from typing import Any

import redis.asyncio as aioredis
from redis.commands.core import AsyncScript

from lobby.store import (
    AlreadyActive,
    AlreadyInParty,
    NoSuchParty,
    Party,
    PartyFull,
    PartyMember,
    Pending,
    Presence,
    PresenceState,
    QueueEntry,
)

# KEYS: presence, entries, pendings, parties, party_of. ARGV[1]: queue key prefix, ARGV[2]: now.
_PRELUDE = """
local presence_key, entries_key, pendings_key = KEYS[1], KEYS[2], KEYS[3]
local parties_key, party_of_key = KEYS[4], KEYS[5]
local queue_prefix, now = ARGV[1], tonumber(ARGV[2])

local function drop_entry(player)
  local raw = redis.call('HGET', entries_key, player)
  if raw then
    redis.call('ZREM', queue_prefix .. cjson.decode(raw).mode, player)
    redis.call('HDEL', entries_key, player)
  end
end

local function live(player)
  local raw = redis.call('HGET', presence_key, player)
  if not raw then return nil end
  local presence = cjson.decode(raw)
  if tonumber(presence.expires_at) > now then return presence end
  redis.call('HDEL', presence_key, player)
  drop_entry(player)
  return nil
end

local function save(player, presence)
  redis.call('HSET', presence_key, player, cjson.encode(presence))
end

local function party_members(party_id)
  if not party_id or party_id == '' then return nil end
  local raw = redis.call('HGET', parties_key, party_id)
  if not raw then return nil end
  local keys = {}
  for _, member in ipairs(cjson.decode(raw).members) do table.insert(keys, member.player_key) end
  return keys
end

local function queued_with(player, party_id)
  local p = redis.call('HGET', presence_key, player)
  local e = redis.call('HGET', entries_key, player)
  return p and e and cjson.decode(p).state == 'queued' and cjson.decode(e).party == party_id
end

local function unqueue_party(party_id)
  local members = party_members(party_id)
  if not members then return end
  for _, member in ipairs(members) do
    if queued_with(member, party_id) then
      drop_entry(member)
      redis.call('HDEL', presence_key, member)
    end
  end
end
"""

# ARGV: player, entry, joined_at, mode, presence
_ENQUEUE = """
local player = ARGV[3]
local current = live(player)
if current then return current.state end
drop_entry(player)
redis.call('HSET', entries_key, player, ARGV[4])
redis.call('ZADD', queue_prefix .. ARGV[6], ARGV[5], player)
redis.call('HSET', presence_key, player, ARGV[7])
return false
"""

# ARGV: player
_DEQUEUE = """
local player = ARGV[3]
local current = live(player)
if not current or current.state ~= 'queued' then return false end
local raw = redis.call('HGET', entries_key, player)
drop_entry(player)
redis.call('HDEL', presence_key, player)
if raw then unqueue_party(cjson.decode(raw).party) end
return raw
"""

# ARGV: mode
_QUEUED = """
local queue = queue_prefix .. ARGV[3]
local listed = {}
for _, player in ipairs(redis.call('ZRANGE', queue, 0, -1)) do
  local current = live(player)
  local raw = redis.call('HGET', entries_key, player)
  if current and current.state == 'queued' and raw then
    table.insert(listed, {player, raw, cjson.decode(raw).party})
  else
    redis.call('ZREM', queue, player)
    drop_entry(player)
  end
end
local whole, found = {}, {}
for _, item in ipairs(listed) do
  local party_id = item[3]
  if party_id and party_id ~= '' and whole[party_id] == nil then
    local members = party_members(party_id)
    local complete = members ~= nil
    if members then
      for _, member in ipairs(members) do
        if not queued_with(member, party_id) or not live(member) then complete = false end
      end
    end
    whole[party_id] = complete
    if not complete then unqueue_party(party_id) end
  end
  if (not party_id or party_id == '' or whole[party_id])
      and redis.call('HEXISTS', entries_key, item[1]) == 1 then
    table.insert(found, item[2])
  end
end
return found
"""

# ARGV: (player, mode, joined_at, entry, presence) per member
_ENQUEUE_PARTY = """
for i = 3, #ARGV, 5 do
  local current = live(ARGV[i])
  if current then return current.state end
end
for i = 3, #ARGV, 5 do
  local player = ARGV[i]
  drop_entry(player)
  redis.call('HSET', entries_key, player, ARGV[i + 3])
  redis.call('ZADD', queue_prefix .. ARGV[i + 1], ARGV[i + 2], player)
  redis.call('HSET', presence_key, player, ARGV[i + 4])
end
return false
"""

# ARGV: party_id, leader's player key, party (JSON). Returns {0, the party they are in} or
# {1, party}.
_CREATE_PARTY = """
local party_id, leader = ARGV[3], ARGV[4]
local current = redis.call('HGET', party_of_key, leader)
if current then return {0, current} end
redis.call('HSET', parties_key, party_id, ARGV[5])
redis.call('HSET', party_of_key, leader, party_id)
return {1, ARGV[5]}
"""

# ARGV: party_id, member (JSON), limit. Returns {status, detail}: 1 party, 0 missing, 2 full,
# 3 in another party (its id).
_JOIN_PARTY = """
local party_id, member, limit = ARGV[3], cjson.decode(ARGV[4]), tonumber(ARGV[5])
local player = member.player_key
local raw = redis.call('HGET', parties_key, party_id)
if not raw then return {0, ''} end
local party = cjson.decode(raw)
for i, other in ipairs(party.members) do
  if other.player_key == player then
    party.members[i] = member
    local encoded = cjson.encode(party)
    redis.call('HSET', parties_key, party_id, encoded)
    return {1, encoded}
  end
end
local current = redis.call('HGET', party_of_key, player)
if current then return {3, current} end
if #party.members >= limit then return {2, ''} end
unqueue_party(party_id)
table.insert(party.members, member)
local encoded = cjson.encode(party)
redis.call('HSET', parties_key, party_id, encoded)
redis.call('HSET', party_of_key, player, party_id)
return {1, encoded}
"""

# ARGV: player. Returns the party as it was, or false.
_LEAVE_PARTY = """
local player = ARGV[3]
local party_id = redis.call('HGET', party_of_key, player)
if not party_id then return false end
redis.call('HDEL', party_of_key, player)
local raw = redis.call('HGET', parties_key, party_id)
if not raw then return false end
unqueue_party(party_id)
local party, rest = cjson.decode(raw), {}
for _, member in ipairs(party.members) do
  if member.player_key ~= player then table.insert(rest, member) end
end
if #rest == 0 then
  redis.call('HDEL', parties_key, party_id)
else
  party.members = rest
  redis.call('HSET', parties_key, party_id, cjson.encode(party))
end
return raw
"""

# ARGV: player, channel, expires_at, owner (the channel that must own it now)
_REATTACH = """
local player, channel, owner = ARGV[3], ARGV[4], ARGV[6]
local current = live(player)
if not current then return false end
if current.channel ~= owner then return cjson.encode(current) end
if current.state == 'match' and channel ~= '' then return cjson.encode(current) end
current.channel = channel
current.expires_at = ARGV[5]
save(player, current)
if current.state == 'queued' then
  local raw = redis.call('HGET', entries_key, player)
  if raw then
    local entry = cjson.decode(raw)
    entry.channel = channel
    redis.call('HSET', entries_key, player, cjson.encode(entry))
  end
elseif current.state == 'pending' and current.pending_id ~= '' then
  local raw = redis.call('HGET', pendings_key, current.pending_id)
  if raw then
    local pending = cjson.decode(raw)
    for _, entry in ipairs(pending.entries) do
      if entry.player_key == player then entry.channel = channel end
    end
    redis.call('HSET', pendings_key, current.pending_id, cjson.encode(pending))
  end
end
return cjson.encode(current)
"""

# ARGV: player, channel, expires_at
_TOUCH = """
local current = live(ARGV[3])
if not current or current.channel ~= ARGV[4] then return 0 end
current.expires_at = ARGV[5]
save(ARGV[3], current)
return 1
"""

# ARGV: expires_at, then (player, channel) pairs
_TOUCH_MANY = """
local expires_at, touched = ARGV[3], {}
for i = 4, #ARGV - 1, 2 do
  local current = live(ARGV[i])
  if current and current.channel == ARGV[i + 1] then
    current.expires_at = expires_at
    save(ARGV[i], current)
    touched[#touched + 1] = 1
  else
    touched[#touched + 1] = 0
  end
end
return touched
"""

# ARGV: pending_id, pending, expires_at
_CLAIM = """
local pending_id = ARGV[3]
if redis.call('HEXISTS', pendings_key, pending_id) == 1 then return 0 end
local pending = cjson.decode(ARGV[4])

local function same(a, b)
  return a.player_key == b.player_key and a.name == b.name and a.mode == b.mode
    and a.channel == b.channel and tonumber(a.rating) == tonumber(b.rating)
    and tonumber(a.joined_at) == tonumber(b.joined_at)
end

local seen, presences = {}, {}
for _, entry in ipairs(pending.entries) do
  local player = entry.player_key
  if seen[player] then return 0 end
  seen[player] = true
  local current = live(player)
  if not current or current.state ~= 'queued' then return 0 end
  local raw = redis.call('HGET', entries_key, player)
  if not raw or not same(cjson.decode(raw), entry) then return 0 end
  presences[player] = current
end
for player, current in pairs(presences) do
  drop_entry(player)
  current.state = 'pending'
  current.expires_at = ARGV[5]
  current.match_id = ''
  current.pending_id = pending_id
  save(player, current)
end
redis.call('HSET', pendings_key, pending_id, ARGV[4])
return 1
"""

# ARGV: pending_id, player, accept ('1' or '0')
_ANSWER = """
local raw = redis.call('HGET', pendings_key, ARGV[3])
if not raw then return false end
local pending, player = cjson.decode(raw), ARGV[4]
local member = false
for _, entry in ipairs(pending.entries) do
  if entry.player_key == player then member = true end
end
if not member then return false end

local function without(keys)
  local kept = {}
  for _, key in ipairs(keys) do
    if key ~= player then table.insert(kept, key) end
  end
  return kept
end

pending.accepted = without(pending.accepted)
pending.declined = without(pending.declined)
if ARGV[5] == '1' then
  table.insert(pending.accepted, player)
else
  table.insert(pending.declined, player)
end
local encoded = cjson.encode(pending)
redis.call('HSET', pendings_key, ARGV[3], encoded)
return encoded
"""

# ARGV: pending_id
_TAKE_PENDINGS = """
local taken = {}
for i = 3, #ARGV do
  local raw = redis.call('HGET', pendings_key, ARGV[i])
  if raw then
    redis.call('HDEL', pendings_key, ARGV[i])
    taken[#taken + 1] = raw
  end
end
return taken
"""

# ARGV: (player, mode, joined_at, entry, presence) per entry
_REQUEUE = """
for i = 3, #ARGV, 5 do
  local player = ARGV[i]
  local current = live(player)
  if not current or current.state == 'pending' then
    drop_entry(player)
    redis.call('HSET', entries_key, player, ARGV[i + 3])
    redis.call('ZADD', queue_prefix .. ARGV[i + 1], ARGV[i + 2], player)
    redis.call('HSET', presence_key, player, ARGV[i + 4])
  end
end
return 1
"""

# ARGV: (player, presence) per seat
_RESERVE_MATCHES = """
for i = 3, #ARGV, 2 do
  drop_entry(ARGV[i])
  redis.call('HSET', presence_key, ARGV[i], ARGV[i + 1])
end
return 1
"""

# ARGV: player, match_id, channel, presence. Returns {0, state} for a refusal, else {1, the
# channel taken over ('' for none: no presence, a reserved seat or the same channel)}.
_ENTER_MATCH = """
local current = live(ARGV[3])
local replaced = ''
if current then
  if current.state ~= 'match' or current.match_id ~= ARGV[4] then
    return {0, current.state}
  end
  if current.channel ~= ARGV[5] then replaced = current.channel end
end
drop_entry(ARGV[3])
redis.call('HSET', presence_key, ARGV[3], ARGV[6])
return {1, replaced}
"""

# ARGV: player, channel
_RELEASE = """
local raw = redis.call('HGET', presence_key, ARGV[3])
if not raw or cjson.decode(raw).channel ~= ARGV[4] then return 0 end
local entry = redis.call('HGET', entries_key, ARGV[3])
redis.call('HDEL', presence_key, ARGV[3])
drop_entry(ARGV[3])
if entry and cjson.decode(raw).state == 'queued' then unqueue_party(cjson.decode(entry).party) end
return 1
"""

# ARGV: (none)
_SWEEP = """
local swept = 0
local all = redis.call('HGETALL', presence_key)
for i = 1, #all, 2 do
  if tonumber(cjson.decode(all[i + 1]).expires_at) <= now then
    redis.call('HDEL', presence_key, all[i])
    drop_entry(all[i])
    swept = swept + 1
  end
end
return swept
"""

# KEYS: lease. ARGV: holder, now, lease, px
_TRY_LEASE = """
local raw = redis.call('GET', KEYS[1])
if raw then
  local lease = cjson.decode(raw)
  if lease.holder ~= ARGV[1] and tonumber(lease.expires_at) > tonumber(ARGV[2]) then
    return 0
  end
end
redis.call('SET', KEYS[1], ARGV[3], 'PX', ARGV[4])
return 1
"""

# KEYS: lease. ARGV: holder
_RELEASE_LEASE = """
local raw = redis.call('GET', KEYS[1])
if raw and cjson.decode(raw).holder == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 1
"""


def _num(value: float) -> str:
    """A float as the exact decimal string Redis and Lua parse back to the same value."""
    return repr(float(value))


def _dumps(document: dict[str, Any]) -> str:
    """JSON text with non-ASCII characters kept as they are (Lua passes them through)."""
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"))


def _text(value: bytes | str) -> str:
    """A Redis reply as text, whatever the client's decode_responses setting."""
    return value.decode() if isinstance(value, bytes) else value


def _entry_doc(entry: QueueEntry) -> dict[str, Any]:
    """The stored form of a queue entry."""
    return {
        "player_key": entry.player_key,
        "name": entry.name,
        "rating": _num(entry.rating),
        "mode": entry.mode,
        "joined_at": _num(entry.joined_at),
        "channel": entry.channel,
        "party": entry.party,
    }


def _entry_from(doc: dict[str, Any]) -> QueueEntry:
    """A queue entry from its stored form."""
    return QueueEntry(
        player_key=doc["player_key"],
        name=doc["name"],
        rating=float(doc["rating"]),
        mode=doc["mode"],
        joined_at=float(doc["joined_at"]),
        channel=doc["channel"],
        party=doc.get("party", ""),
    )


def _pending_doc(pending: Pending) -> dict[str, Any]:
    """The stored form of a ready check."""
    return {
        "pending_id": pending.pending_id,
        "mode": pending.mode,
        "entries": [_entry_doc(entry) for entry in pending.entries],
        "deadline": _num(pending.deadline),
        "accepted": sorted(pending.accepted),
        "declined": sorted(pending.declined),
        "teams": list(pending.teams),
    }


def _pending_from(raw: bytes | str) -> Pending:
    """A ready check from its stored form (Lua writes an empty list as ``{}``)."""
    doc = json.loads(raw)
    return Pending(
        pending_id=doc["pending_id"],
        mode=doc["mode"],
        entries=tuple(_entry_from(entry) for entry in doc["entries"]),
        deadline=float(doc["deadline"]),
        accepted=frozenset(doc["accepted"] or ()),
        declined=frozenset(doc["declined"] or ()),
        teams=tuple(int(team) for team in doc.get("teams") or ()),  # absent: stored before
    )


def _presence_json(
    state: PresenceState, channel: str, expires_at: float, match_id: str = ""
) -> str:
    """The stored form of a presence outside a ready check."""
    return _dumps(
        {
            "state": state.value,
            "channel": channel,
            "expires_at": _num(expires_at),
            "match_id": match_id,
            "pending_id": "",
        }
    )


def _presence_from(raw: bytes | str) -> Presence:
    """A presence from its stored form."""
    doc = json.loads(raw)
    return Presence(
        state=PresenceState(doc["state"]),
        channel=doc["channel"],
        expires_at=float(doc["expires_at"]),
        match_id=doc.get("match_id", ""),
    )


class RedisLobbyStore:
    """The lobby store shared by every process on one Redis; see ``lobby.store.LobbyStore``."""

    def __init__(
        self, client: aioredis.Redis, prefix: str, clock: Callable[[], float] = time.time
    ) -> None:
        self._redis = client
        self._clock = clock
        base = f"{prefix}:lobby"
        self._presence_key = f"{base}:presence"
        self._pendings_key = f"{base}:pendings"
        self._keys = [
            self._presence_key,
            f"{base}:entries",
            self._pendings_key,
            f"{base}:parties",
            f"{base}:party_of",
        ]
        self._queue_prefix = f"{base}:queue:"
        self._lease_key = f"{base}:lease"
        self._enqueue = self._script(_ENQUEUE)
        self._dequeue = self._script(_DEQUEUE)
        self._queued = self._script(_QUEUED)
        self._reattach = self._script(_REATTACH)
        self._touch = self._script(_TOUCH)
        self._touch_many = self._script(_TOUCH_MANY)
        self._claim = self._script(_CLAIM)
        self._answer = self._script(_ANSWER)
        self._take_pendings = self._script(_TAKE_PENDINGS)
        self._requeue = self._script(_REQUEUE)
        self._reserve_matches = self._script(_RESERVE_MATCHES)
        self._enter_match = self._script(_ENTER_MATCH)
        self._release = self._script(_RELEASE)
        self._sweep = self._script(_SWEEP)
        self._enqueue_party = self._script(_ENQUEUE_PARTY)
        self._create_party = self._script(_CREATE_PARTY)
        self._join_party = self._script(_JOIN_PARTY)
        self._leave_party = self._script(_LEAVE_PARTY)
        self._try_lease = client.register_script(_TRY_LEASE)
        self._release_lease = client.register_script(_RELEASE_LEASE)

    def _script(self, body: str) -> AsyncScript:
        """Register a lobby script (the shared prelude followed by ``body``)."""
        return self._redis.register_script(_PRELUDE + body)

    async def _run(self, script: AsyncScript, now: float, *args: str) -> Any:
        """Run a lobby script with its keys, the queue key prefix and ``now``."""
        return await script(keys=self._keys, args=[self._queue_prefix, _num(now), *args])

    # -- queue -----------------------------------------------------------------------------

    async def enqueue(self, entry: QueueEntry, ttl: float) -> None:
        """Queue a player; raises AlreadyActive if the player has a live presence elsewhere."""
        now = self._clock()
        presence = _presence_json(PresenceState.QUEUED, entry.channel, now + ttl)
        entry_json = _dumps(_entry_doc(entry))
        state = await self._run(
            self._enqueue,
            now,
            entry.player_key,
            entry_json,
            _num(entry.joined_at),
            entry.mode,
            presence,
        )
        if state is not None:
            raise AlreadyActive(PresenceState(_text(state)))

    async def dequeue(self, player_key: str) -> QueueEntry | None:
        """Remove a queued player and their presence; None if they were not queued."""
        raw = await self._run(self._dequeue, self._clock(), player_key)
        return None if raw is None else _entry_from(json.loads(raw))

    async def queued(self, mode: str, now: float) -> list[QueueEntry]:
        """The queued players of a mode whose presence is live, longest-waiting first."""
        raws = await self._run(self._queued, now, mode)
        return [_entry_from(json.loads(raw)) for raw in raws]

    # -- presence --------------------------------------------------------------------------

    async def reattach(self, player_key: str, channel: str, ttl: float) -> Presence | None:
        """Move a detached queued or pending presence to a new socket; return the presence."""
        return await self._move(player_key, "", channel, ttl)

    async def detach(self, player_key: str, channel: str, ttl: float) -> None:
        """Keep the place of a closed socket for ``ttl``, for a reconnect (see LobbyStore)."""
        await self._move(player_key, channel, "", ttl)

    async def _move(self, player_key: str, owner: str, channel: str, ttl: float) -> Presence | None:
        now = self._clock()
        raw = await self._run(self._reattach, now, player_key, channel, _num(now + ttl), owner)
        return None if raw is None else _presence_from(raw)

    async def touch(self, player_key: str, channel: str, ttl: float) -> bool:
        """Extend a presence owned by ``channel``; False if it is gone or owned by another."""
        now = self._clock()
        return bool(await self._run(self._touch, now, player_key, channel, _num(now + ttl)))

    async def touch_many(self, entries: list[tuple[str, str]], ttl: float) -> list[bool]:
        """``touch`` for many ``(player_key, channel)`` pairs in one call."""
        if not entries:
            return []
        now = self._clock()
        pairs = [item for entry in entries for item in entry]
        touched = await self._run(self._touch_many, now, _num(now + ttl), *pairs)
        return [bool(flag) for flag in touched]

    async def presence(self, player_key: str, now: float) -> Presence | None:
        """The player's live presence, if any."""
        raw = await self._redis.hget(self._presence_key, player_key)
        if raw is None:
            return None
        current = _presence_from(raw)
        return current if current.expires_at > now else None

    async def release(self, player_key: str, channel: str) -> None:
        """Clear the player's presence if ``channel`` owns it (and their queue entry)."""
        await self._run(self._release, self._clock(), player_key, channel)

    # -- ready checks ----------------------------------------------------------------------

    async def claim(self, pending: Pending, ttl: float) -> bool:
        """Move every player of ``pending`` from the queue to it, or change nothing."""
        now = self._clock()
        document = _dumps(_pending_doc(pending))
        claimed = await self._run(self._claim, now, pending.pending_id, document, _num(now + ttl))
        return bool(claimed)

    async def pendings(self) -> list[Pending]:
        """Every ready check in progress."""
        return [_pending_from(raw) for raw in await self._redis.hvals(self._pendings_key)]

    async def answer(self, pending_id: str, player_key: str, accept: bool) -> Pending | None:
        """Record a player's answer (the latest one counts); None if not in such a check."""
        flag = "1" if accept else "0"
        raw = await self._run(self._answer, self._clock(), pending_id, player_key, flag)
        return None if raw is None else _pending_from(raw)

    async def take_pendings(self, pending_ids: list[str]) -> list[Pending]:
        """Remove ready checks and return those that existed; exactly one caller gets each."""
        if not pending_ids:
            return []
        raws = await self._run(self._take_pendings, self._clock(), *pending_ids)
        return [_pending_from(raw) for raw in raws]

    async def requeue(self, entries: list[QueueEntry], ttl: float) -> None:
        """Put players back in the queue with their original ``joined_at`` (the front).

        A player who meanwhile became active elsewhere (queued or in a match) is left alone.
        """
        if not entries:
            return
        now = self._clock()
        await self._run(self._requeue, now, *_requeue_args(entries, now + ttl))

    # -- matches ---------------------------------------------------------------------------

    async def reserve_matches(self, seats: list[tuple[str, str]], ttl: float) -> None:
        """Mark players as in matches they have not connected to yet: (player_key, match_id)."""
        if not seats:
            return
        now = self._clock()
        args: list[str] = []
        for player_key, match_id in seats:
            args += [player_key, _presence_json(PresenceState.MATCH, "", now + ttl, match_id)]
        await self._run(self._reserve_matches, now, *args)

    async def enter_match(
        self, player_key: str, match_id: str, channel: str, ttl: float
    ) -> str | None:
        """Bind a match socket to the player; return the socket it took the match over from."""
        now = self._clock()
        presence = _presence_json(PresenceState.MATCH, channel, now + ttl, match_id)
        entered, detail = await self._run(
            self._enter_match, now, player_key, match_id, channel, presence
        )
        if not entered:
            raise AlreadyActive(PresenceState(_text(detail)))
        return _text(detail) or None

    # -- parties ---------------------------------------------------------------------------

    async def enqueue_party(self, entries: list[QueueEntry], ttl: float) -> None:
        """Queue a party's members as one: every entry or none (see LobbyStore)."""
        if not entries:
            return
        now = self._clock()
        state = await self._run(self._enqueue_party, now, *_requeue_args(entries, now + ttl))
        if state is not None:
            raise AlreadyActive(PresenceState(_text(state)))

    async def create_party(self, party_id: str, mode: str, leader: PartyMember) -> Party:
        """A new party for ``mode`` led by ``leader``; raises AlreadyInParty if in one."""
        party = _dumps(_party_doc(Party(party_id, mode, (leader,))))
        made, detail = await self._run(
            self._create_party, self._clock(), party_id, leader.player_key, party
        )
        if not made:
            raise AlreadyInParty(_text(detail))
        return _party_from(detail)

    async def join_party(self, party_id: str, member: PartyMember, limit: int) -> Party:
        """Add a member; raises NoSuchParty, PartyFull or AlreadyInParty (see LobbyStore)."""
        doc = _dumps(_member_doc(member))
        status, detail = await self._run(self._join_party, self._clock(), party_id, doc, str(limit))
        if status == 0:
            raise NoSuchParty(party_id)
        if status == 2:
            raise PartyFull(party_id)
        if status == 3:
            raise AlreadyInParty(_text(detail))
        return _party_from(detail)

    async def leave_party(self, player_key: str) -> Party | None:
        """Take the player out of their party and the party out of the queue."""
        raw = await self._run(self._leave_party, self._clock(), player_key)
        return None if raw is None else _party_from(raw)

    async def party_of(self, player_key: str) -> Party | None:
        """The player's party, if any."""
        party_id = await self._redis.hget(self._keys[4], player_key)
        if party_id is None:
            return None
        return await self.party(_text(party_id))

    async def party(self, party_id: str) -> Party | None:
        """The party ``party_id``, if it exists."""
        raw = await self._redis.hget(self._keys[3], party_id)
        return None if raw is None else _party_from(raw)

    # -- matchmaker lease ------------------------------------------------------------------

    async def sweep(self) -> int:
        """Forget every expired presence and its queue entry; how many were forgotten."""
        return int(await self._run(self._sweep, self._clock()))

    async def try_lease(self, holder: str, ttl: float) -> bool:
        """Take or renew the matchmaker lease; False while another live holder has it."""
        now = self._clock()
        lease = _dumps({"holder": holder, "expires_at": _num(now + ttl)})
        backstop_ms = max(1, math.ceil(ttl * 1000))
        args = [holder, _num(now), lease, str(backstop_ms)]
        return bool(await self._try_lease(keys=[self._lease_key], args=args))

    async def release_lease(self, holder: str) -> None:
        """Give the lease up if ``holder`` has it."""
        await self._release_lease(keys=[self._lease_key], args=[holder])


def _member_doc(member: PartyMember) -> dict[str, Any]:
    """The stored form of a party member."""
    return {"player_key": member.player_key, "name": member.name, "channel": member.channel}


def _party_doc(party: Party) -> dict[str, Any]:
    """The stored form of a party."""
    members = [_member_doc(member) for member in party.members]
    return {"party_id": party.party_id, "mode": party.mode, "members": members}


def _party_from(raw: bytes | str) -> Party:
    """A party from its stored form."""
    doc = json.loads(raw)
    members = tuple(PartyMember(m["player_key"], m["name"], m["channel"]) for m in doc["members"])
    return Party(doc["party_id"], doc["mode"], members)


def _requeue_args(entries: Sequence[QueueEntry], expires_at: float) -> list[str]:
    """The requeue script's arguments: five per entry."""
    args: list[str] = []
    for entry in entries:
        presence = _presence_json(PresenceState.QUEUED, entry.channel, expires_at)
        entry_json = _dumps(_entry_doc(entry))
        args += [entry.player_key, entry.mode, _num(entry.joined_at), entry_json, presence]
    return args
