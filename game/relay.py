"""One subscription per match per web process: the engine's frames handed to local sockets.

The engine ``group_send``s one message per match per tick to the match's group. If every socket
joined the group with its own channel, each snapshot would cross the channel layer once per
socket and wake each consumer's dispatch loop. Instead each web process has one relay channel
that joins the group of every match with at least one local socket, and hands each message to
those sockets directly: one layer message per match per process per tick.

A match has a second group when spectators watch it with a delay (``messages.delayed_group``);
its messages carry ``delayed: True``, and the relay keeps the members of each group apart.

In the hosted shape the process's own engine worker runs some matches (``LocalHost``): their
messages come straight from it (``deliver_local``), and the relay does not join their groups;
a match that worker stops running (taken over, handed over) is watched through its group again
(``released``), and one it starts running (adopted) stops being watched there.

Messages carry the lease epoch of the engine worker that published them (``engine.leases``).
The relay drops a message older than the newest epoch it has seen for the match: a worker that
lost a match (it was paused, and another worker took the match over) is never heard again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref
from typing import Any, Protocol

from engine import messages
from engine.failurelog import FailureLog
from lobby.layers import receive_batch

logger = logging.getLogger(__name__)

RECEIVE_RETRY_DELAY = 1.0  # seconds before the relay reads again after a layer error
BATCH_LIMIT = 5_000  # messages taken from the relay's channel at once


def newest_snapshots_only(batch: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The batch without snapshots that a later snapshot of the same stream supersedes.

    A match's live and delayed streams are apart. Snapshots that carry a KEYFRAME stay: some
    socket may be waiting for one.
    """
    last: dict[tuple[str, bool], int] = {}
    for index, message in enumerate(batch):
        if message.get("type") == messages.SNAPSHOT:
            last[message["match_id"], message.get("delayed", False)] = index
    return [
        message
        for index, message in enumerate(batch)
        if message.get("type") != messages.SNAPSHOT
        or last[message["match_id"], message.get("delayed", False)] == index
        or message.get("keyframe") is not None
    ]


class RelayMember(Protocol):
    """A local socket watching a match; spectators are served after the players."""

    spectating: bool

    def on_snapshot(self, message: messages.SnapshotMessage) -> None:
        """A snapshot of the match (must not block)."""

    def on_result(self, frame: bytes) -> None:
        """The match's RESULT frame (must not block)."""

    def on_spectators(self, frame: bytes) -> None:
        """The match's SPECTATORS frame: its spectator count changed (must not block)."""

    def on_closed(self, code: int, reason: str) -> None:
        """The match is gone; close the socket (must not block)."""

    def on_moved(self, engine_channel: str) -> None:
        """Another engine worker took the match over; it reads ``engine_channel``."""

    def on_released(self) -> None:
        """This process's engine worker stopped running the match (must not block): its new
        owner's MOVED may have gone out while this process could not hear it."""


ServingOrder = tuple[tuple[RelayMember, ...], tuple[RelayMember, ...]]  # players, spectators


class LocalHost(Protocol):
    """This process's engine worker, as the relay sees it."""

    def hosts(self, match_id: str) -> bool:
        """Whether it publishes ``match_id``'s messages."""


class MatchRelay:
    """The per-process relay: subscribes to matches on demand and fans their messages out."""

    def __init__(self, layer: Any) -> None:
        self.layer = layer
        self.local: LocalHost | None = None  # this process's engine worker (hosted shape)
        self.local_delivered = 0  # messages handed over by the local worker
        self.channel: str | None = None
        self._members: dict[str, set[RelayMember]] = {}  # match id -> members (live group)
        self._delayed_members: dict[str, set[RelayMember]] = {}  # ... of the delayed group
        # match id -> (players, spectators): the members in serving order, for each message
        self._served: dict[str, ServingOrder] = {}
        self._delayed_served: dict[str, ServingOrder] = {}
        self._subscribed: set[str] = set()  # groups
        self._membership = asyncio.Lock()  # group changes happen one at a time, in call order
        self._task: asyncio.Task[None] | None = None
        self._ready = asyncio.Lock()
        self.superseded = 0  # snapshots skipped because a newer one of the match was waiting
        self._epochs: dict[str, int] = {}  # match id -> newest lease epoch seen
        self.fenced = 0  # messages dropped: published by a worker that lost the match
        self._read_failures = FailureLog(logger, "the match relay reading its channel")
        self._reconciling: set[asyncio.Future[None]] = set()

    async def attach(self, match_id: str, member: RelayMember, delayed: bool = False) -> None:
        """Deliver ``match_id``'s messages (of its delayed group if ``delayed``) to ``member``."""
        await self._start()
        self._table(delayed).setdefault(match_id, set()).add(member)
        self._order(match_id, delayed)
        await self._reconcile(match_id, delayed)

    async def detach(self, match_id: str, member: RelayMember, delayed: bool = False) -> None:
        """Stop delivering to ``member``; the last member's leaving unsubscribes the group."""
        table = self._table(delayed)
        members = table.get(match_id)
        if members is None or member not in members:
            return
        members.discard(member)
        self._order(match_id, delayed)
        if not members:
            del table[match_id]
            if match_id not in self._members and match_id not in self._delayed_members:
                self._epochs.pop(match_id, None)
        await self._reconcile(match_id, delayed)

    def watching(self, match_id: str, delayed: bool = False) -> int:
        """How many local members watch ``match_id`` (its delayed group if ``delayed``)."""
        return len(self._table(delayed).get(match_id, ()))

    def _table(self, delayed: bool) -> dict[str, set[RelayMember]]:
        return self._delayed_members if delayed else self._members

    def _order(self, match_id: str, delayed: bool) -> None:
        """Keep the members of ``match_id``'s group in serving order: players, spectators."""
        served = self._delayed_served if delayed else self._served
        members = self._table(delayed).get(match_id)
        if not members:
            served.pop(match_id, None)
            return
        players = tuple(member for member in members if not member.spectating)
        spectators = tuple(member for member in members if member.spectating)
        served[match_id] = (players, spectators)

    async def _start(self) -> None:
        async with self._ready:
            if self.channel is None:
                # the default prefix: channels-redis' core layer reads every process-local
                # channel of one prefix through one blocking pop, and consumers use this one
                self.channel = await self.layer.new_channel()
                self._task = asyncio.create_task(self._run(), name="match-relay")

    def is_local(self, match_id: str) -> bool:
        """Whether this process's own engine worker runs ``match_id``."""
        return self.local is not None and self.local.hosts(match_id)

    def released(self, match_id: str) -> None:
        """The local worker no longer runs ``match_id``: watch its groups through the layer,
        and tell its local members, which look for the match's new owner unless its MOVED
        reaches them first (a process cut from Redis while the match was taken over never
        hears that MOVED)."""
        self._reconcile_soon(match_id)
        for delayed in (False, True):
            for member in list(self._table(delayed).get(match_id, ())):
                try:
                    member.on_released()
                except Exception:
                    logger.exception("a relay member failed on its match's release")

    def _reconcile_soon(self, match_id: str) -> None:
        for delayed in (False, True):
            if match_id in self._table(delayed):
                task = asyncio.ensure_future(self._reconcile(match_id, delayed))
                self._reconciling.add(task)
                task.add_done_callback(self._reconciling.discard)

    async def _reconcile(self, match_id: str, delayed: bool) -> None:
        """Make the group membership match whether anyone here watches the group and the
        match's messages do not come from the local worker."""
        async with self._membership:
            wanted = match_id in self._table(delayed) and not self.is_local(match_id)
            group = (messages.delayed_group if delayed else messages.match_group)(match_id)
            if wanted and group not in self._subscribed:
                await self.layer.group_add(group, self.channel)
                self._subscribed.add(group)
            elif not wanted and group in self._subscribed:
                self._subscribed.discard(group)
                with contextlib.suppress(Exception):
                    await self.layer.group_discard(group, self.channel)

    async def _run(self) -> None:
        channel = self.channel
        assert channel is not None, "the relay reads its channel once it has one"
        while True:
            try:
                if self._read_failures.failing:
                    await self._resubscribe()
                batch = await receive_batch(self.layer, channel, BATCH_LIMIT)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self._read_failures.failed(exc)
                await asyncio.sleep(RECEIVE_RETRY_DELAY)
                continue
            self._read_failures.succeeded()
            if self.local is not None:  # the local worker's own come from it, not from here
                batch = [m for m in batch if not self.is_local(m.get("match_id", ""))]
            if len(batch) > 1:
                wanted = newest_snapshots_only(batch)
                self.superseded += len(batch) - len(wanted)
                batch = wanted
            self.deliver_batch(batch)

    def deliver_local(self, batch: Any) -> None:
        """Messages the local engine worker publishes, as ``(group, message)`` pairs."""
        self.local_delivered += len(batch)
        self.deliver_batch([message for _, message in batch])

    async def _resubscribe(self) -> None:
        """Join every watched group again: a Redis that restarted without its data forgot the
        core layer's group memberships (the pub/sub layer subscribes again by itself)."""
        async with self._membership:
            for group in sorted(self._subscribed):
                await self.layer.group_add(group, self.channel)

    def deliver_batch(self, batch: list[dict[str, Any]]) -> None:
        """Hand messages to the local members of their matches: every player of the batch
        first, then the spectators, so that a crowd watching one match does not hold up the
        players of the matches after it."""
        spectators: list[tuple[tuple[RelayMember, ...], dict[str, Any]]] = []
        epochs = self._epochs
        for message in batch:
            epoch = message.get("epoch")
            if epoch is not None:
                match_id = message.get("match_id", "")
                newest = epochs.get(match_id, 0)
                if epoch < newest:
                    self.fenced += 1
                    continue
                if epoch > newest and (
                    match_id in self._members or match_id in self._delayed_members
                ):  # only while a member here watches: detach forgets it with the last
                    epochs[match_id] = epoch
            if message.get("type") == messages.MOVED and self.local is not None:
                self._reconcile_soon(message.get("match_id", ""))  # it may be local now, or not
            served = self._delayed_served if message.get("delayed") else self._served
            members = served.get(message.get("match_id", ""))
            if members is None:
                continue
            players, watching = members
            for member in players:
                _hand(member, message)
            if watching:
                spectators.append((watching, message))
        for watching, message in spectators:
            for member in watching:
                _hand(member, message)

    def deliver(self, message: dict[str, Any]) -> None:
        """Hand one layer message to the local members of its match's group."""
        self.deliver_batch([message])


def _hand(member: RelayMember, message: dict[str, Any]) -> None:
    """One message to one member; a member's failure is logged and stops nobody else."""
    kind = message.get("type")
    try:
        if kind == messages.SNAPSHOT:
            member.on_snapshot(message)  # type: ignore[arg-type]
        elif kind == messages.RESULT:
            member.on_result(message["frame"])
        elif kind == messages.SPECTATORS:
            member.on_spectators(message["frame"])
        elif kind == messages.CLOSED:
            member.on_closed(message["code"], message["reason"])
        elif kind == messages.MOVED:
            member.on_moved(message["engine"])
    except Exception:
        logger.exception("a relay member failed on a %s message", kind)


_relays: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, MatchRelay] = (
    weakref.WeakKeyDictionary()
)


def match_relay(layer: Any) -> MatchRelay:
    """This event loop's relay on ``layer``."""
    loop = asyncio.get_running_loop()
    relay = _relays.get(loop)
    if relay is None or relay.layer is not layer:
        relay = MatchRelay(layer)
        _relays[loop] = relay
    return relay
