"""The engine worker: owns matches, applies inputs, steps them at a fixed rate, publishes."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from engine import messages
from engine.protocol import CloseCode
from engine.registry import HEARTBEAT_INTERVAL, EngineRegistry
from engine.rules import Rules
from engine.simulation import Match, MatchFull, MatchOver, MatchResult
from engine.snapshot import encode_result, encode_snapshot, encode_welcome
from engine.ticker import FixedRateTicker

logger = logging.getLogger(__name__)

STATS_LOG_INTERVAL = 60.0


class MatchStore(Protocol):
    """Where a worker records how a match ended."""

    async def match_ended(
        self, match_id: str, result: dict[str, Any], player_keys: dict[int, str]
    ) -> None:
        """Persist the result of a finished match; ``player_keys`` maps player ids to players."""


@dataclass
class LiveMatch:
    """A match this worker owns, with what it has already published."""

    match_id: str
    mode: str
    sim: Match
    group: str
    seats: dict[str, int] = field(default_factory=dict)  # consumer channel -> player id
    player_keys: dict[int, str] = field(default_factory=dict)  # player id -> player key
    roster_version_sent: int = -1
    result_published: bool = False


@dataclass
class TickStats:
    """How the tick loop keeps up: counts and the slowest tick since the last report."""

    ticks: int = 0
    slowest_ms: float = 0.0
    total_ms: float = 0.0
    publish_errors: int = 0


class EngineWorker:
    """Runs the matches assigned to it; one asyncio task reads its channel, one ticks."""

    def __init__(
        self,
        layer: Any,
        registry: EngineRegistry,
        rules: Rules,
        store: MatchStore | None = None,
        worker_id: str | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.layer = layer
        self.registry = registry
        self.rules = rules
        self.store = store
        self.worker_id = worker_id or f"engine-{uuid.uuid4().hex[:12]}"
        self.clock = clock
        self.channel: str | None = None
        self.matches: dict[str, LiveMatch] = {}
        self.stats = TickStats()
        self._tasks: list[asyncio.Task[None]] = []
        self._background: set[asyncio.Task[None]] = set()

    @property
    def load(self) -> int:
        """Number of matches this worker runs."""
        return len(self.matches)

    async def start(self) -> None:
        """Open the worker's channel, announce it and start its loops."""
        self.channel = await self.layer.new_channel("arena.engine.")
        await self.registry.announce(self.worker_id, self.channel, self.load)
        self._tasks = [
            asyncio.create_task(self._receive_loop(), name=f"{self.worker_id}-receive"),
            asyncio.create_task(self._tick_loop(), name=f"{self.worker_id}-tick"),
            asyncio.create_task(self._heartbeat_loop(), name=f"{self.worker_id}-heartbeat"),
        ]
        logger.info(
            "engine worker %s started on %s at %d Hz",
            self.worker_id,
            self.channel,
            self.rules.tick_rate,
        )

    async def stop(self) -> None:
        """Stop ticking, close every match's sockets and withdraw from the registry."""
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []
        for live in list(self.matches.values()):
            await self._close_group(live, CloseCode.GOING_AWAY, "server shutting down")
        self.matches.clear()
        with contextlib.suppress(Exception):
            await self.registry.withdraw(self.worker_id)
        for task in list(self._background):
            with contextlib.suppress(Exception):
                await task
        logger.info("engine worker %s stopped", self.worker_id)

    async def run_forever(self) -> None:
        """Start, then run until cancelled; always stops cleanly."""
        await self.start()
        try:
            await asyncio.gather(*self._tasks)
        finally:
            await asyncio.shield(self.stop())

    # -- inbox ---------------------------------------------------------------------------------

    async def _receive_loop(self) -> None:
        assert self.channel is not None
        while True:
            message = await self.layer.receive(self.channel)
            try:
                await self.handle(message)
            except Exception:
                logger.exception("engine worker %s failed on %r", self.worker_id, message)

    async def handle(self, message: dict[str, Any]) -> None:
        """Apply one message from the worker's channel."""
        kind = message.get("type")
        if kind == messages.INPUT:
            live = self.matches.get(message["match_id"])
            if live is not None:
                live.sim.apply_input(
                    message["player_id"], message["seq"], message["buttons"], message["aim"]
                )
        elif kind == messages.JOIN:
            await self._join(message)  # type: ignore[arg-type]
        elif kind == messages.LEAVE:
            live = self.matches.get(message["match_id"])
            if live is not None:
                player_id = live.seats.pop(message["channel"], None)
                if player_id is not None:
                    live.sim.remove_player(player_id)
        elif kind == messages.CREATE:
            self._create(message)  # type: ignore[arg-type]
        else:
            logger.warning("engine worker %s ignored a message of type %r", self.worker_id, kind)

    def _create(self, message: messages.CreateMessage) -> None:
        match_id = message["match_id"]
        if match_id in self.matches:
            return
        sim = Match(self.rules, seed=message["seed"], max_players=message["max_players"])
        self.matches[match_id] = LiveMatch(
            match_id, message["mode"], sim, messages.match_group(match_id)
        )
        logger.info("match %s created (%s, %d seats)", match_id, message["mode"], sim.max_players)

    async def _join(self, message: messages.JoinMessage) -> None:
        live = self.matches.get(message["match_id"])
        reply: dict[str, Any]
        if live is None:
            reply = _rejected(CloseCode.MATCH_NOT_FOUND, "match is not running")
        else:
            try:
                player_id = live.sim.add_player(message["name"])
            except MatchFull:
                reply = _rejected(CloseCode.MATCH_FULL, "match is full")
            except MatchOver:
                reply = _rejected(CloseCode.MATCH_OVER, "match is over")
            else:
                live.seats[message["reply_to"]] = player_id
                live.player_keys[player_id] = message.get("player_key", "")
                welcome = encode_welcome(live.sim, live.match_id, player_id, live.mode)
                reply = {"type": messages.JOINED, "player_id": player_id, "welcome": welcome}
        await self.layer.send(message["reply_to"], reply)

    # -- ticking -------------------------------------------------------------------------------

    async def _tick_loop(self) -> None:
        ticker = FixedRateTicker(self.rules.tick_rate, start=self.clock())
        last_report = self.clock()
        while True:
            delay = ticker.seconds_until_next(self.clock())
            if delay > 0:
                await asyncio.sleep(delay)
            due = ticker.take_due(self.clock())
            if due == 0:
                continue
            started = self.clock()
            await self.tick(steps=due)
            self._record(self.clock() - started)
            if started - last_report >= STATS_LOG_INTERVAL:
                self._report(ticker)
                last_report = started

    async def tick(self, steps: int = 1) -> None:
        """Step every match ``steps`` times and publish one snapshot per match."""
        snapshots: list[tuple[LiveMatch, bytes]] = []
        finished: list[LiveMatch] = []
        for live in list(self.matches.values()):
            sim = live.sim
            events = sim.step()
            for _ in range(steps - 1):
                events = events + sim.step()
            if live.seats:  # with nobody connected the timers run but nothing is published
                include_roster = (
                    sim.roster_version != live.roster_version_sent
                    or sim.tick % self.rules.tick_rate == 0
                )
                if include_roster:
                    live.roster_version_sent = sim.roster_version
                snapshots.append((live, encode_snapshot(sim, include_roster, events)))
            if sim.result is not None and not live.result_published:
                finished.append(live)
        await asyncio.gather(*(self._publish(live, frame) for live, frame in snapshots))
        for live in finished:
            await self._finish(live, live.sim.result)  # type: ignore[arg-type]
        for live in list(self.matches.values()):
            if live.sim.closed:
                await self._close_group(live, CloseCode.MATCH_OVER, "match over")
                del self.matches[live.match_id]
                logger.info("match %s closed", live.match_id)

    async def _publish(self, live: LiveMatch, frame: bytes) -> None:
        try:
            await self.layer.group_send(live.group, {"type": messages.FRAME, "frame": frame})
        except Exception:
            self.stats.publish_errors += 1
            logger.exception("publishing to %s failed", live.group)

    async def _finish(self, live: LiveMatch, result: MatchResult) -> None:
        live.result_published = True
        await self._publish(live, encode_result(result))
        logger.info("match %s ended: %s", live.match_id, result.reason)
        if self.store is not None:
            task = asyncio.create_task(
                self._store_result(live.match_id, result.to_wire(), dict(live.player_keys))
            )
            self._background.add(task)
            task.add_done_callback(self._background.discard)

    async def _store_result(
        self, match_id: str, result: dict[str, Any], player_keys: dict[int, str]
    ) -> None:
        assert self.store is not None
        try:
            await self.store.match_ended(match_id, result, player_keys)
        except Exception:
            logger.exception("storing the result of match %s failed", match_id)

    async def _close_group(self, live: LiveMatch, code: CloseCode, reason: str) -> None:
        message = {"type": messages.CLOSED, "code": int(code), "reason": reason}
        try:
            await self.layer.group_send(live.group, message)
        except Exception:
            logger.exception("closing %s failed", live.group)

    def _record(self, seconds: float) -> None:
        stats = self.stats
        stats.ticks += 1
        elapsed_ms = seconds * 1000
        stats.total_ms += elapsed_ms
        stats.slowest_ms = max(stats.slowest_ms, elapsed_ms)

    def _report(self, ticker: FixedRateTicker) -> None:
        stats = self.stats
        mean = stats.total_ms / stats.ticks if stats.ticks else 0.0
        logger.info(
            "engine %s: %d matches, mean tick %.2f ms, slowest %.2f ms, skipped %d, "
            "publish errors %d",
            self.worker_id,
            self.load,
            mean,
            stats.slowest_ms,
            ticker.skipped,
            stats.publish_errors,
        )
        self.stats = TickStats()

    # -- presence ------------------------------------------------------------------------------

    async def _heartbeat_loop(self) -> None:
        assert self.channel is not None
        while True:
            await asyncio.sleep(HEARTBEAT_INTERVAL)
            try:
                await self.registry.announce(self.worker_id, self.channel, self.load)
            except Exception:
                logger.exception("engine worker %s could not announce itself", self.worker_id)


def _rejected(code: CloseCode, reason: str) -> dict[str, Any]:
    return {"type": messages.REJECTED, "code": int(code), "reason": reason}
