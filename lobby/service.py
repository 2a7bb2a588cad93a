"""The matchmaking loop: whoever holds the lease forms groups, runs ready checks, starts matches."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from engine.registry import NoEngineAvailable
from lobby import frames, messages
from lobby.matchmaker import ModeSpec, RatingWindow, WaitEstimator, form_groups
from lobby.store import LobbyStore, Pending, QueueEntry
from lobby.tickets import issue_ticket

logger = logging.getLogger(__name__)

PASS_INTERVAL = 0.1  # seconds between two matchmaking passes
LEASE_TTL = 2.0  # a dead holder's lease passes to another process after this long
STATUS_INTERVAL = 1.0  # seconds between two QUEUE_STATUS frames to a queued player

StartMatch = Callable[[str, list[QueueEntry]], Awaitable[tuple[str, str]]]


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
        start_match: StartMatch,
        holder: str | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.layer = layer
        self.modes = modes
        self.window = window
        self.accept_timeout = accept_timeout
        self.presence_ttl = presence_ttl
        self.ticket_ttl = ticket_ttl
        self.start_match = start_match
        self.holder = holder or f"matchmaker-{uuid.uuid4().hex[:12]}"
        self.clock = clock
        self.estimator = WaitEstimator()
        self.holding = False
        self._last_status: dict[str, float] = {}
        self._told: dict[str, set[str]] = {}

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
                except Exception:
                    logger.exception("matchmaking pass failed")
                await asyncio.sleep(PASS_INTERVAL)
        finally:
            with contextlib.suppress(Exception):
                await asyncio.shield(self.store.release_lease(self.holder))

    async def run_pass(self) -> None:
        """Settle finished ready checks, form new groups, tell queued players where they stand."""
        now = self.clock()
        settle = []
        for pending in await self.store.pendings():
            if pending.all_accepted:
                settle.append(self._start(pending.pending_id, now))
            elif pending.declined:
                settle.append(self._fail(pending.pending_id, "declined"))
            elif now >= pending.deadline:
                settle.append(self._fail(pending.pending_id, "timeout"))
        await _bounded(settle)
        for spec in self.modes.values():
            entries = await self.store.queued(spec.name, now)
            groups = form_groups(entries, now, spec, self.window)
            formed = await _bounded(self._form(spec.name, group, now) for group in groups)
            claimed = {
                entry.player_key
                for group, ok in zip(groups, formed, strict=True)
                if ok
                for entry in group
            }
            waiting = [entry for entry in entries if entry.player_key not in claimed]
            await self._send_status(spec.name, waiting, now)

    async def _form(self, mode: str, group: tuple[QueueEntry, ...], now: float) -> bool:
        pending = Pending(uuid.uuid4().hex, mode, group, now + self.accept_timeout)
        if not await self.store.claim(pending, self.presence_ttl):
            return False
        await self._announce(pending, now)
        return True

    async def _announce(self, pending: Pending, now: float) -> None:
        frame = frames.ready_check(pending, now)
        message = {
            "type": messages.READY_CHECK,
            "frame": frame,
            "group": pending.group,
            "pending_id": pending.pending_id,
        }
        await self._send_each((e.channel for e in pending.entries), message)
        size = len(pending.entries)
        logger.info("ready check %s: %d %s players", pending.pending_id, size, pending.mode)

    async def _start(self, pending_id: str, now: float) -> None:
        pending = await self.store.take_pending(pending_id)
        if pending is None:
            return
        entries = list(pending.entries)
        try:
            match_id, ws_path = await self.start_match(pending.mode, entries)
        except NoEngineAvailable:
            logger.warning("no engine for ready check %s; players go back to the queue", pending_id)
            await self.store.requeue(entries, self.presence_ttl)
            failed = frames.ready_failed(pending_id, "no_engine", requeued=True)
            await self._send_each(
                (e.channel for e in entries),
                {"type": messages.SETTLED, "frame": failed, "group": pending.group},
            )
            return
        for entry in entries:
            await self.store.reserve_match(entry.player_key, match_id, self.ticket_ttl)
            ticket = issue_ticket(match_id, entry.player_key, entry.name)
            frame = frames.match_found(match_id, pending.mode, ws_path, ticket)
            await self.layer.send(
                entry.channel, {"type": messages.SETTLED, "frame": frame, "group": pending.group}
            )
            self.estimator.record(pending.mode, now - entry.joined_at)
        logger.info("ready check %s became match %s", pending_id, match_id)

    async def _fail(self, pending_id: str, reason: str) -> None:
        pending = await self.store.take_pending(pending_id)
        if pending is None:
            return
        accepted = [e for e in pending.entries if e.player_key in pending.accepted]
        others = [e for e in pending.entries if e.player_key not in pending.accepted]
        if accepted:
            await self.store.requeue(accepted, self.presence_ttl)
        for entry in others:
            await self.store.release(entry.player_key, entry.channel)
        for entry in pending.entries:
            requeued = entry.player_key in pending.accepted
            frame = frames.ready_failed(pending_id, reason, requeued)
            await self.layer.send(
                entry.channel, {"type": messages.SETTLED, "frame": frame, "group": pending.group}
            )
        logger.info("ready check %s failed (%s); %d requeued", pending_id, reason, len(accepted))

    async def _send_status(self, mode: str, waiting: list[QueueEntry], now: float) -> None:
        due = now - self._last_status.get(mode, 0.0) >= STATUS_INTERVAL
        if due:
            self._last_status[mode] = now
        estimate = self.estimator.estimate(mode)
        told = self._told.setdefault(mode, set())
        sends = []
        for position, entry in enumerate(waiting, start=1):
            if not due and entry.player_key in told:
                continue
            told.add(entry.player_key)
            status = {
                "mode": mode,
                "position": position,
                "searching": len(waiting),
                "elapsed_ms": int((now - entry.joined_at) * 1000),
                "estimated_ms": None if estimate is None else int(estimate * 1000),
            }
            frame = frames.queue_status(status)
            sends.append(self.layer.send(entry.channel, {"type": messages.FRAME, "frame": frame}))
        if due:
            self._told[mode] = {entry.player_key for entry in waiting}
        await asyncio.gather(*sends, return_exceptions=True)

    async def _send_each(self, channels: Iterable[str], message: dict[str, Any]) -> None:
        await asyncio.gather(
            *(self.layer.send(channel, message) for channel in channels), return_exceptions=True
        )


CONCURRENCY = 64  # ready checks settled or formed at once in one pass


async def _bounded(jobs: Iterable[Awaitable[Any]]) -> list[Any]:
    """Run awaitables concurrently, at most CONCURRENCY at a time; results in order."""
    gate = asyncio.Semaphore(CONCURRENCY)

    async def run(job: Awaitable[Any]) -> Any:
        async with gate:
            return await job

    return await asyncio.gather(*(run(job) for job in jobs))
