"""The matchmaking loop: whoever holds the lease forms groups, runs ready checks, starts matches."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, Protocol

from engine.failurelog import FailureLog
from engine.fanout import RedisFor, send_many
from engine.registry import NoEngineAvailable
from lobby import frames, messages
from lobby.matchmaker import ModeSpec, RatingWindow, WaitEstimator
from lobby.parties import QueuedParty, form_party_groups, largest_party
from lobby.store import LobbyStore, Pending, QueueEntry, split_queue
from lobby.tickets import issue_ticket

logger = logging.getLogger(__name__)

PASS_INTERVAL = 0.1  # seconds between two matchmaking passes
LEASE_TTL = 2.0  # a dead holder's lease passes to another process after this long
STATUS_INTERVAL = 1.0  # seconds between two QUEUE_STATUS frames to a queued player
SWEEP_INTERVAL = 30.0  # seconds between two sweeps of expired presences

# (queue, player keys) of each accepted ready check -> (match id, socket path) of each match
# (queue, player keys) per match -> (match id, socket path, socket URL or None) per match
StartMatches = Callable[[list[tuple[str, list[str]]]], Awaitable[list[tuple[str, str, str | None]]]]


class MatchmakingObserver(Protocol):
    """Who counts what the matchmaker does (``game.metrics`` exposes it)."""

    def ready_checks(self, outcome: str, count: int = 1) -> None:
        """``count`` ready checks settled with ``outcome`` (matched, declined, timeout,
        no_engine)."""

    def matched(self, queue: str, waited: float) -> None:
        """A player of ``queue`` was matched after waiting ``waited`` seconds."""


class _Unobserved:
    def ready_checks(self, outcome: str, count: int = 1) -> None:
        return None

    def matched(self, queue: str, waited: float) -> None:
        return None


class MatchmakingService:
    """Runs in every web process; only the holder of the lease in the store makes passes."""

    def __init__(
        self,
        store: LobbyStore,
        layer: Any,
        modes: dict[str, ModeSpec],
        window: RatingWindow,
        accept_timeout: float,
        presence_ttl: float,
        ticket_ttl: float,
        start_matches: StartMatches,
        holder: str | None = None,
        clock: Callable[[], float] = time.time,
        observer: MatchmakingObserver | None = None,
        redis: RedisFor = None,
    ) -> None:
        """``observer`` counts its outcomes; ``redis`` gives this loop's client of the channel
        layer's Redis, for sending many messages in one round trip (``engine.fanout``)."""
        self.store = store
        self.layer = layer
        self.modes = modes
        self.window = window
        self.accept_timeout = accept_timeout
        self.presence_ttl = presence_ttl
        self.ticket_ttl = ticket_ttl
        self.start_matches = start_matches
        self.holder = holder or f"matchmaker-{uuid.uuid4().hex[:12]}"
        self.clock = clock
        self.estimator = WaitEstimator()
        self.holding = False
        self.waiting: dict[str, list[QueueEntry]] = {}  # per mode, as of the last pass
        self.ready_checks = 0  # in progress at the last pass
        self.observer: MatchmakingObserver = observer or _Unobserved()
        self.redis = redis
        self._last_status: dict[str, float] = {}
        self._told: dict[str, set[str]] = {}
        self._last_sweep = 0.0
        self._failures = FailureLog(logger, "matchmaking")  # one line per Redis outage

    async def run(self) -> None:
        """Make a pass whenever this process holds the lease, until cancelled."""
        try:
            while True:
                try:
                    holding = await self.store.try_lease(self.holder, LEASE_TTL)
                    if holding != self.holding:
                        verb = "took" if holding else "lost"
                        logger.info("%s %s the matchmaker lease", self.holder, verb)
                        self.holding = holding
                    if holding:
                        await self.run_pass()
                except Exception as exc:
                    self._failures.failed(exc)
                else:
                    self._failures.succeeded()
                await asyncio.sleep(PASS_INTERVAL)
        finally:
            self.holding = False
            with contextlib.suppress(Exception):
                await asyncio.shield(self.store.release_lease(self.holder))

    async def run_pass(self) -> None:
        """Settle finished ready checks, form new groups, tell queued players where they stand."""
        now = self.clock()
        accepted: list[str] = []
        failed: list[str] = []
        running = 0
        for pending in await self.store.pendings():
            if pending.all_accepted:
                accepted.append(pending.pending_id)
            elif pending.declined or now >= pending.deadline:
                failed.append(pending.pending_id)
            else:
                running += 1
        self.ready_checks = running
        if accepted:
            await self._start(accepted, now)
        if failed:
            await _bounded(self._fail(p, now) for p in await self.store.take_pendings(failed))
        for spec in self.modes.values():
            entries = await self.store.queued(spec.name, now)
            groups = form_party_groups(
                queued_parties(entries, spec), now, spec, self.window, spec.teams
            )
            deadline = now + self.accept_timeout
            pendings = [
                Pending(
                    uuid.uuid4().hex, spec.name, group.entries, deadline, teams=group.entry_teams
                )
                for group in groups
            ]
            claims = await _bounded(self.store.claim(p, self.presence_ttl) for p in pendings)
            formed = [p for p, ok in zip(pendings, claims, strict=True) if ok]
            await send_many(
                self.layer, [m for p in formed for m in self._ready_checks(p, now)], self.redis
            )
            claimed = {entry.player_key for pending in formed for entry in pending.entries}
            waiting = [entry for entry in entries if entry.player_key not in claimed]
            self.waiting[spec.name] = waiting
            await self._send_status(spec.name, waiting, now)
        if now - self._last_sweep >= SWEEP_INTERVAL:
            self._last_sweep = now
            swept = await self.store.sweep()
            if swept:
                logger.info("forgot %d expired player places", swept)

    def _ready_checks(self, pending: Pending, now: float) -> list[tuple[str, dict[str, Any]]]:
        message = {
            "type": messages.READY_CHECK,
            "frame": frames.ready_check(pending, now),
            "pending_id": pending.pending_id,
        }
        return [(entry.channel, message) for entry in pending.entries]

    async def _start(self, pending_ids: list[str], now: float) -> None:
        """Start one match per accepted check, all in one batch."""
        taken = await self.store.take_pendings(pending_ids)
        changed = [p for p in taken if not p.all_accepted]  # a late decline
        ready = [p for p in taken if p.all_accepted]
        await _bounded(self._fail(p, now) for p in changed)
        if not ready:
            return
        try:
            placed = await self.start_matches([(p.mode, p.player_keys()) for p in ready])
        except NoEngineAvailable:
            logger.warning(
                "no engine for %d ready checks; players go back to the queue", len(ready)
            )
            await _bounded(self._requeue_all(p) for p in ready)
            return
        seats = [
            (entry.player_key, match_id)
            for pending, (match_id, _, _) in zip(ready, placed, strict=True)
            for entry in pending.entries
        ]
        await self.store.reserve_matches(seats, self.ticket_ttl)
        found = []
        for pending, (match_id, ws_path, ws_url) in zip(ready, placed, strict=True):
            for entry in pending.entries:
                team = pending.team_of(entry.player_key)  # a party plays on one team
                ticket = issue_ticket(match_id, entry.player_key, entry.name, team)
                frame = frames.match_found(match_id, pending.mode, ws_path, ticket, ws_url)
                message = {
                    "type": messages.SETTLED,
                    "frame": frame,
                    "pending_id": pending.pending_id,
                    "matched": True,
                }
                found.append((entry.channel, message))
                self.estimator.record(pending.mode, now - entry.joined_at)
                self.observer.matched(pending.mode, now - entry.joined_at)
        self.observer.ready_checks("matched", len(ready))
        await send_many(self.layer, found, self.redis)
        logger.info("%d ready checks became matches", len(ready))

    async def _requeue_all(self, pending: Pending) -> None:
        entries = list(pending.entries)
        await self.store.requeue(entries, self.presence_ttl)
        self.observer.ready_checks("no_engine")
        frame = frames.ready_failed(pending.pending_id, "no_engine", requeued=True)
        message = {"type": messages.SETTLED, "frame": frame, "pending_id": pending.pending_id}
        await self._send_each((e.channel for e in entries), message)

    async def _fail(self, pending: Pending, now: float) -> None:
        """Put those who accepted back at the front; the others leave the queue."""
        reason = "declined" if pending.declined else "timeout"
        self.observer.ready_checks(reason)
        accepted = [e for e in pending.entries if e.player_key in pending.accepted]
        others = [e for e in pending.entries if e.player_key not in pending.accepted]
        if accepted:
            await self.store.requeue(accepted, self.presence_ttl)
        for entry in others:
            await self.store.release(entry.player_key, entry.channel)
        for entry in pending.entries:
            requeued = entry.player_key in pending.accepted
            frame = frames.ready_failed(pending.pending_id, reason, requeued)
            await self.layer.send(
                entry.channel,
                {"type": messages.SETTLED, "frame": frame, "pending_id": pending.pending_id},
            )
        logger.info(
            "ready check %s failed (%s); %d requeued", pending.pending_id, reason, len(accepted)
        )

    async def _send_status(self, mode: str, waiting: list[QueueEntry], now: float) -> None:
        due = now - self._last_status.get(mode, 0.0) >= STATUS_INTERVAL
        if due:
            self._last_status[mode] = now
        estimate = self.estimator.estimate(mode)
        told = self._told.setdefault(mode, set())
        statuses = []
        for position, entry in enumerate(waiting, start=1):
            if not due and entry.player_key in told:
                continue
            told.add(entry.player_key)
            game, mode_name = split_queue(mode)
            status = {
                "game": game,
                "mode": mode_name,
                "position": position,
                "searching": len(waiting),
                "elapsed_ms": int((now - entry.joined_at) * 1000),
                "estimated_ms": None if estimate is None else int(estimate * 1000),
            }
            frame = frames.queue_status(status)
            statuses.append((entry.channel, {"type": messages.FRAME, "frame": frame}))
        if due:
            self._told[mode] = {entry.player_key for entry in waiting}
        await send_many(self.layer, statuses, self.redis)

    async def _send_each(self, channels: Iterable[str], message: dict[str, Any]) -> None:
        await send_many(self.layer, [(channel, message) for channel in channels], self.redis)


def queued_parties(entries: list[QueueEntry], spec: ModeSpec) -> list[QueuedParty]:
    """The queue of a mode as parties: members queued together (leader first), a player
    queued alone as a party of one; a party too large for the mode is left out (logged)."""
    together: dict[str, list[QueueEntry]] = {}
    parties: list[QueuedParty] = []
    for entry in entries:
        if entry.party:
            together.setdefault(entry.party, []).append(entry)
        else:
            parties.append(QueuedParty(f"player:{entry.player_key}", (entry,)))
    limit = largest_party(spec, spec.teams)
    for party_id, members in together.items():
        if len(members) > limit:
            logger.warning("party %s of %d is too large for %s", party_id, len(members), spec.name)
            continue
        parties.append(QueuedParty(party_id, tuple(members)))
    return parties


CONCURRENCY = 64  # ready checks settled or formed at once in one pass


async def _bounded(jobs: Iterable[Awaitable[Any]]) -> list[Any]:
    """Run awaitables concurrently, at most CONCURRENCY at a time; results in order."""
    gate = asyncio.Semaphore(CONCURRENCY)

    async def run(job: Awaitable[Any]) -> Any:
        async with gate:
            return await job

    return await asyncio.gather(*(run(job) for job in jobs))
