"""The engine worker: owns matches, applies inputs, steps them at a fixed rate, publishes."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from engine import messages
from engine.checkpoint import (
    Checkpoint,
    CheckpointError,
    decode_checkpoint,
    encode_checkpoint,
    take_checkpoint,
)
from engine.delayed import DelayedStream
from engine.failurelog import FailureLog
from engine.leases import LEASE_SAFETY_MARGIN, MatchLeases, MemoryMatchLeases
from engine.protocol import CloseCode, encode_spectators
from engine.registry import HEARTBEAT_INTERVAL, EngineRegistry, MatchSummary, least_loaded
from engine.rules import Rules
from engine.simulation import Match, MatchFull, MatchOver, MatchResult, SeatReleased
from engine.snapshot import SnapshotEncoder, encode_result, encode_spectating, encode_welcome
from engine.ticker import FixedRateTicker
from engine.tickmeter import TickMeter

logger = logging.getLogger(__name__)

STATS_LOG_INTERVAL = 60.0
KEYFRAME_INTERVAL_SECONDS = 1.0  # a KEYFRAME at least this often, so every socket can resync
PUBLISH_CHUNK = 25  # snapshots handed to the publisher at a time while the tick goes on
MAX_UNPUBLISHED_CHUNKS = 40  # beyond this backlog a tick's snapshots are skipped, not queued
DEFAULT_MAX_SPECTATORS = 2000  # per match
SPECTATORS_INTERVAL = 1.0  # seconds between two SPECTATORS frames of one match, at least
ADOPT_LIMIT = 200  # matches taken over per heartbeat, at most
CHECKPOINT_CHUNK = 25  # matches checkpointed between two yields to the event loop
RECEIVE_RETRY_DELAY = 1.0  # seconds before reading the channel again after a layer error

GroupMessages = Sequence[tuple[str, dict[str, Any]]]
GroupSendMany = Callable[[GroupMessages], Awaitable[None]]


class MatchStore(Protocol):
    """Where a worker records how a match ended."""

    async def match_ended(
        self, match_id: str, result: dict[str, Any], player_keys: dict[int, str]
    ) -> None:
        """Persist the result of a finished match; ``player_keys`` maps player ids to players."""

    async def match_moved(self, match_id: str, worker_id: str, channel: str) -> None:
        """Record that ``worker_id``, reading ``channel``, took the match over."""

    async def match_lost(self, match_id: str) -> None:
        """Record that no worker can run the match any more (its checkpoint is gone)."""


@dataclass
class LiveMatch:
    """A match this worker owns, with what it has already published."""

    match_id: str
    mode: str
    sim: Match
    group: str
    encoder: SnapshotEncoder
    seats: dict[str, int] = field(default_factory=dict)  # consumer channel -> player id
    player_keys: dict[int, str] = field(default_factory=dict)  # player id -> player key
    player_ids: dict[str, int] = field(default_factory=dict)  # player key -> player id
    result_published: bool = False
    keyframe_wanted: bool = False  # a web process asked for a KEYFRAME with the next tick
    created_ms: int = 0  # Unix time the worker took the match
    spectators: set[str] = field(default_factory=set)  # spectator consumer channels
    delayed: DelayedStream | None = None  # the spectators' stream when they watch with a delay
    spectators_told: int = 0  # the count the last SPECTATORS frame carried
    spectators_told_at: float = float("-inf")  # when it was published (worker clock)
    spectators_due: bool = False  # a SPECTATORS frame is scheduled
    join_keyframe: messages.SnapshotMessage | None = None  # for spectators joining this tick
    epoch: int = 0  # this worker's lease epoch for the match: stamped on what it publishes

    @property
    def delayed_group(self) -> str:
        """The group of the match's delayed stream."""
        return messages.delayed_group(self.match_id)


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
        group_send_many: GroupSendMany | None = None,
        spectator_delay: float = 0.0,
        max_spectators: int = DEFAULT_MAX_SPECTATORS,
        leases: MatchLeases | None = None,
    ) -> None:
        """``spectator_delay`` (seconds, 0 = live) delays the spectators' stream of every match;
        ``max_spectators`` is the number of spectators a match takes; ``leases`` say which
        worker owns which match (default: this process alone)."""
        self.layer = layer
        self.registry = registry
        self.leases: MatchLeases = leases if leases is not None else MemoryMatchLeases(clock)
        # the worker publishes only while its leases are surely its own (shared leases)
        self._leases_fresh_until = float("inf")
        self.fenced_ticks = 0  # ticks not stepped: the leases could not be renewed in time
        self.matches_lost = 0  # matches another worker took over from this one
        self.matches_adopted = 0  # matches this worker took over from another one
        self.rules = rules
        self.store = store
        self.worker_id = worker_id or f"engine-{uuid.uuid4().hex[:12]}"
        self.clock = clock
        self.channel: str | None = None
        self.matches: dict[str, LiveMatch] = {}
        self.meter = TickMeter()
        self.publish_errors = 0
        self._group_send_many = group_send_many or self._gather_group_sends
        self._outbox: asyncio.Queue[GroupMessages] = asyncio.Queue()
        self.skipped_publications = 0
        self._tick_cpu = 0.0
        self._keyframe_interval = max(1, round(rules.tick_rate * KEYFRAME_INTERVAL_SECONDS))
        self.max_spectators = max_spectators
        self._delay_ticks = round(spectator_delay * rules.tick_rate)
        if spectator_delay > 0:
            self._delay_ticks = max(1, self._delay_ticks)
        self.spectator_delay_ms = round(self._delay_ticks * 1000 / rules.tick_rate)
        self._steps = 0  # ticks stepped since the start: the delayed streams' clock
        self._draining: dict[str, LiveMatch] = {}  # closed matches whose delayed stream goes on
        # closed matches whose lease and checkpoint are still to be forgotten: done in the
        # heartbeat, never while a renewal (which would claim them again) is out
        self._finished: list[str] = []
        self._stopped = False
        self._tasks: list[asyncio.Task[None]] = []
        self._background: set[asyncio.Task[None]] = set()
        # Redis going away makes these fail many times a second: one log line per outage
        self._failures = {
            name: FailureLog(logger, f"engine worker {self.worker_id}: {name}")
            for name in (
                "forgetting finished matches",
                "reading its channel",
                "publishing",
                "announcing itself",
                "renewing its leases",
                "saving checkpoints",
                "adopting orphans",
            )
        }

    @property
    def _lease_validity(self) -> float:
        """Seconds after sending a renewal during which the leases are surely still ours."""
        ttl = self.leases.ttl
        return ttl - min(LEASE_SAFETY_MARGIN, ttl / 3)

    @property
    def load(self) -> int:
        """Number of matches this worker runs."""
        return len(self.matches)

    async def start(self) -> None:
        """Open the worker's channel, announce it and start its loops."""
        self.channel = await self.layer.new_channel("arena.engine.")
        if self.leases.shared:
            self._leases_fresh_until = self.clock() + self._lease_validity
        await self.registry.announce(self.worker_id, self.channel, self.load)
        self._tasks = [
            asyncio.create_task(self._receive_loop(), name=f"{self.worker_id}-receive"),
            asyncio.create_task(self._tick_loop(), name=f"{self.worker_id}-tick"),
            asyncio.create_task(self._heartbeat_loop(), name=f"{self.worker_id}-heartbeat"),
            asyncio.create_task(self._publish_loop(), name=f"{self.worker_id}-publish"),
        ]
        logger.info(
            "engine worker %s started on %s at %d Hz",
            self.worker_id,
            self.channel,
            self.rules.tick_rate,
        )

    async def stop(self) -> None:
        """Stop ticking and withdraw from the registry. With shared leases the running matches
        are checkpointed and handed over to another worker (or to the next one to start), and
        their sockets stay open; otherwise every match's sockets are closed."""
        self._stopped = True
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []
        await self._flush_outbox()
        with contextlib.suppress(Exception):
            await self._forget_finished()
        handed_over = self.leases.shared and await self._hand_over()
        closing = list(self._draining.values())
        if not handed_over:
            closing += self.matches.values()
            await self._interrupt(list(self.matches.values()))
        for live in closing:
            await self._close_group(live, CloseCode.GOING_AWAY, "server shutting down")
        self.matches.clear()
        self._draining.clear()
        with contextlib.suppress(Exception):
            await self.registry.withdraw(self.worker_id)
        for task in list(self._background):
            with contextlib.suppress(Exception):
                await task
        logger.info("engine worker %s stopped", self.worker_id)

    async def _interrupt(self, matches: list[LiveMatch]) -> None:
        """Record the matches this worker stops without handing them over as interrupted
        (with the standings of the moment), so that nobody waits for them."""
        for live in matches:
            if live.sim.result is None:
                live.sim.interrupt()
                result = live.sim.result
                assert result is not None
                self._publish([(live.group, self._result_message(live, result))], reliable=True)
                if self.store is not None:
                    await self._store_result(
                        live.match_id, result.to_wire(), dict(live.player_keys)
                    )
        await self._flush_outbox()

    async def _hand_over(self) -> bool:
        """Checkpoint every match, let its lease expire and ask the least-loaded other live
        worker to adopt them; False if the checkpoints could not be saved."""
        if not self.matches:
            return True
        match_ids = list(self.matches)
        try:
            await self._save_checkpoints()
            await self.leases.hand_over(self.worker_id, match_ids)
        except Exception:
            logger.exception("engine worker %s could not hand its matches over", self.worker_id)
            return False
        try:
            live_workers = await self.registry.live_workers()
            others = [w for w in live_workers if w.worker_id != self.worker_id]
            if others:
                heir = least_loaded(others)
                adopt: messages.AdoptMessage = {"type": "engine.adopt", "match_ids": match_ids}
                await self.layer.send(heir.channel, dict(adopt))
                logger.info("handed %d matches over to %s", len(match_ids), heir.worker_id)
            else:
                logger.info("left %d matches for the next engine worker", len(match_ids))
        except Exception:
            logger.exception("no worker was asked to adopt; the next one to scan will")
        return True

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
        reading = self._failures["reading its channel"]
        while True:
            try:
                message = await self.layer.receive(self.channel)
            except Exception as exc:
                reading.failed(exc)
                await asyncio.sleep(RECEIVE_RETRY_DELAY)
                continue
            reading.succeeded()
            try:
                await self.handle(message)
            except Exception:
                logger.exception("engine worker %s failed on %r", self.worker_id, message)

    async def handle(self, message: dict[str, Any]) -> None:
        """Apply one message from the worker's channel."""
        kind = message.get("type")
        if kind == messages.INPUTS:
            matches = self.matches
            for match_id, player_id, seq, buttons, aim in message["inputs"]:
                live = matches.get(match_id)
                if live is not None:
                    live.sim.apply_input(player_id, seq, buttons, aim)
        elif kind == messages.KEYFRAME_WANTED:
            live = self.matches.get(message["match_id"])
            if live is not None:
                live.keyframe_wanted = True
        elif kind == messages.JOIN:
            await self._join(message)  # type: ignore[arg-type]
        elif kind == messages.LEAVE:
            live = self.matches.get(message["match_id"])
            if live is not None:
                player_id = live.seats.pop(message["channel"], None)
                if player_id is None:
                    pass
                elif message.get("for_good"):
                    live.sim.remove_player(player_id)  # LEAVE: the seat is free at once
                else:
                    live.sim.player_away(player_id)  # the ship waits for the grace period
        elif kind == messages.CREATE:
            await self._create(message)  # type: ignore[arg-type]
        elif kind == messages.ADOPT:
            for match_id in message["match_ids"]:
                await self._adopt(match_id)
        elif kind == messages.WATCH:
            await self._watch(message)  # type: ignore[arg-type]
        elif kind == messages.UNWATCH:
            self._unwatch(message)  # type: ignore[arg-type]
        elif kind == messages.CATCH_UP:
            await self._send_catch_up(message)  # type: ignore[arg-type]
        else:
            logger.warning("engine worker %s ignored a message of type %r", self.worker_id, kind)

    async def _create(self, message: messages.CreateMessage) -> None:
        match_id = message["match_id"]
        if match_id in self.matches:
            return
        self.handle_create(match_id, message["mode"], message["max_players"], message["seed"])
        live = self.matches[match_id]
        assert self.channel is not None
        epoch = await self.leases.claim(
            match_id, self.worker_id, self.channel, encode_checkpoint(self._checkpoint(live))
        )
        if epoch is None:
            del self.matches[match_id]
            logger.warning("match %s is owned by another worker: not created here", match_id)
        else:
            live.epoch = epoch

    @staticmethod
    def _checkpoint(live: LiveMatch) -> Checkpoint:
        return take_checkpoint(
            live.match_id, live.mode, live.created_ms, live.player_keys, live.sim
        )

    def handle_create(self, match_id: str, mode: str, max_players: int, seed: int) -> None:
        """Start running a match (no-op if this worker already runs it)."""
        if match_id in self.matches:
            return
        sim = Match(self.rules, seed=seed, max_players=max_players)
        self.matches[match_id] = LiveMatch(
            match_id,
            mode,
            sim,
            messages.match_group(match_id),
            SnapshotEncoder(self._keyframe_interval, stagger=len(self.matches)),
            created_ms=int(time.time() * 1000),
            delayed=DelayedStream(self._delay_ticks) if self._delay_ticks else None,
        )
        logger.info("match %s created (%s, %d seats)", match_id, mode, sim.max_players)

    async def _join(self, message: messages.JoinMessage) -> None:
        live = self.matches.get(message["match_id"])
        reply: dict[str, Any]
        if live is None:
            reply = _rejected(CloseCode.MATCH_NOT_FOUND, "match is not running")
        elif live.sim.result is not None:  # a player back too late: the results, then the close
            reply = _rejected(CloseCode.MATCH_OVER, "match is over")
            reply["result"] = encode_result(live.sim.result)
        else:
            try:
                player_id = self._seat(live, message.get("player_key", ""), message["name"])
            except MatchFull:
                reply = _rejected(CloseCode.MATCH_FULL, "match is full")
            except MatchOver:
                reply = _rejected(CloseCode.MATCH_OVER, "match is over")
            except SeatReleased:
                grace = f"{self.rules.reconnect_grace:g} s"
                reply = _rejected(CloseCode.SEAT_RELEASED, f"you were away over {grace}")
            else:
                live.seats[message["reply_to"]] = player_id
                welcome = encode_welcome(
                    live.sim, live.match_id, player_id, live.mode, len(live.spectators)
                )
                reply = {
                    "type": messages.JOINED,
                    "player_id": player_id,
                    "welcome": welcome,
                    "tick": live.sim.tick,
                }
        await self.layer.send(message["reply_to"], reply)

    @staticmethod
    def _seat(live: LiveMatch, player_key: str, name: str) -> int:
        """The player id for a joining player: a player who was here before gets the same seat
        back (same ship and score; a socket that still holds it loses it), anyone else a new one.
        """
        player_id = live.player_ids.get(player_key) if player_key else None
        if player_id is None:
            player_id = live.sim.add_player(name)
            live.player_keys[player_id] = player_key
            if player_key:
                live.player_ids[player_key] = player_id
            return player_id
        for channel, seated in list(live.seats.items()):
            if seated == player_id:  # its old socket's LEAVE, if it comes, changes nothing
                del live.seats[channel]
        live.sim.readmit_player(player_id)
        return player_id

    # -- spectators ----------------------------------------------------------------------------

    async def _watch(self, message: messages.WatchMessage) -> None:
        """Count a spectator (the engine holds the count and the cap) and send what it starts
        with: SPECTATING and a KEYFRAME of the tick its stream is at."""
        reply_to = message["reply_to"]
        live = self.matches.get(message["match_id"])
        reply: dict[str, Any]
        if live is None:
            reply = _rejected(CloseCode.MATCH_NOT_FOUND, "match is not running")
        elif live.sim.result is not None:
            reply = _rejected(CloseCode.MATCH_OVER, "match is over")
        elif reply_to not in live.spectators and len(live.spectators) >= self.max_spectators:
            reply = _rejected(
                CloseCode.SPECTATORS_FULL, "the match has all the spectators it takes"
            )
        else:
            live.spectators.add(reply_to)
            watching: messages.WatchingMessage = {
                "type": "match.watching",
                "spectating": encode_spectating(
                    live.sim,
                    live.match_id,
                    live.mode,
                    self.spectator_delay_ms,
                    len(live.spectators),
                ),
                "snapshot": self._catch_up(live),
                "delayed": live.delayed is not None,
            }
            reply = dict(watching)
            self._spectators_changed(live)
        await self.layer.send(reply_to, reply)

    def _unwatch(self, message: messages.UnwatchMessage) -> None:
        live = self.matches.get(message["match_id"]) or self._draining.get(message["match_id"])
        if live is not None and message["channel"] in live.spectators:
            live.spectators.discard(message["channel"])
            self._spectators_changed(live)

    async def _send_catch_up(self, message: messages.CatchUpMessage) -> None:
        """A KEYFRAME of the delayed stream's tick, for a spectator that lost its chain."""
        live = self.matches.get(message["match_id"]) or self._draining.get(message["match_id"])
        if live is None or live.delayed is None or message["reply_to"] not in live.spectators:
            return
        snapshot = live.delayed.catch_up()
        if snapshot is not None:
            caught_up: messages.CaughtUpMessage = {"type": "match.catchup", "snapshot": snapshot}
            await self.layer.send(message["reply_to"], dict(caught_up))

    def _catch_up(self, live: LiveMatch) -> messages.SnapshotMessage | None:
        """A KEYFRAME of the tick a new spectator's stream is at, so it goes out at once."""
        delayed = live.delayed
        if delayed is not None and (delayed.tick is not None or not delayed.idle):
            return delayed.catch_up()
        if delayed is not None and live.sim.connected_count:
            return None  # players but no delayed stream yet (just taken over): nothing to ghost
        # live, or delayed but nothing was ever published (nobody has played): the current tick
        cached = live.join_keyframe
        if cached is None or cached["tick"] != live.sim.tick:
            tick, keyframe = live.encoder.last_keyframe(live.sim, int(time.time() * 1000))
            cached = live.join_keyframe = {
                "type": "match.snapshot",
                "match_id": live.match_id,
                "tick": tick,
                "base_tick": None,
                "delta": None,
                "keyframe": keyframe,
            }
        return cached

    def _spectators_changed(self, live: LiveMatch) -> None:
        """Tell the match its spectator count, at once or, within a second of the last time,
        when that second is over."""
        if live.spectators_due:
            return
        wait = live.spectators_told_at + SPECTATORS_INTERVAL - self.clock()
        if wait <= 0:
            self._tell_spectators(live)
        else:
            live.spectators_due = True
            asyncio.get_running_loop().call_later(wait, self._tell_spectators, live)

    def _tell_spectators(self, live: LiveMatch) -> None:
        live.spectators_due = False
        count = len(live.spectators)
        running = self.matches.get(live.match_id) is live or live.match_id in self._draining
        if count == live.spectators_told or not running or self._stopped:
            return
        live.spectators_told = count
        live.spectators_told_at = self.clock()
        message: messages.SpectatorsMessage = {
            "type": "match.spectators",
            "match_id": live.match_id,
            "frame": encode_spectators(count),
            "epoch": live.epoch,
        }
        told: list[tuple[str, dict[str, Any]]] = [(live.group, dict(message))]
        if live.delayed is not None:
            told.append((live.delayed_group, {**message, "delayed": True}))
        self._publish(told, reliable=True)

    def _release_delayed(self, live: LiveMatch, out: list[tuple[str, dict[str, Any]]]) -> None:
        """Publish what the match's delayed stream releases now, if anyone watches it.

        Snapshots join ``out`` (this tick's snapshots); RESULT and the close go at once, with
        the snapshots released before them, in order.
        """
        assert live.delayed is not None
        released = live.delayed.release(self._steps)
        if not released or not live.spectators:
            return
        group = live.delayed_group
        copies = [(group, {**message, "delayed": True}) for message in released]
        if all(message["type"] == messages.SNAPSHOT for message in released):
            out.extend(copies)
        else:
            self._publish(copies, reliable=True)

    # -- ticking -------------------------------------------------------------------------------

    async def _tick_loop(self) -> None:
        ticker = FixedRateTicker(self.rules.tick_rate, start=self.clock())
        last_report = self.clock()
        while True:
            deadline = ticker.next_deadline()
            delay = ticker.seconds_until_next(self.clock())
            if delay > 0:
                await asyncio.sleep(delay)
            started = self.clock()
            due = ticker.take_due(started)
            if due == 0:
                continue
            await self.tick(steps=due)
            self.meter.record(started - deadline, self.clock() - started, self._tick_cpu)
            if started - last_report >= STATS_LOG_INTERVAL:
                self._report(ticker)
                last_report = started

    async def tick(self, steps: int = 1) -> None:
        """Step every match ``steps`` times and publish one snapshot per match.

        ``_tick_cpu`` is left holding the CPU time of the tick's own work: the time other tasks
        (the publisher, the inbox) run while the tick yields between chunks is not counted.
        """
        if self.clock() > self._leases_fresh_until:
            self.fenced_ticks += 1  # another worker may own the matches by now: wait
            self._tick_cpu = 0.0
            return
        cpu = 0.0
        cpu_started = time.thread_time()
        snapshots: list[tuple[str, dict[str, Any]]] = []
        finished: list[LiveMatch] = []
        self._steps += steps
        for live in list(self.matches.values()):
            sim = live.sim
            events = sim.step()
            for _ in range(steps - 1):
                events = events + sim.step()
            # with nobody connected the timers run but nothing is published
            if live.seats or live.spectators:
                encoded = live.encoder.encode(
                    sim, events, int(time.time() * 1000), with_keyframe=live.keyframe_wanted
                )
                live.keyframe_wanted = False
                message: messages.SnapshotMessage = {
                    "type": "match.snapshot",
                    "match_id": live.match_id,
                    "tick": encoded.tick,
                    "base_tick": encoded.base_tick,
                    "delta": encoded.delta,
                    "keyframe": encoded.keyframe,
                    "epoch": live.epoch,
                }
                snapshots.append((live.group, message))  # type: ignore[arg-type]
                if live.delayed is not None:
                    live.delayed.push(self._steps, message)  # type: ignore[arg-type]
            else:
                live.encoder.force_keyframe()
            if live.delayed is not None:
                self._release_delayed(live, snapshots)
            if len(snapshots) >= PUBLISH_CHUNK:  # web processes start fanning out sooner
                self._publish(snapshots)
                snapshots = []
                cpu += time.thread_time() - cpu_started
                await asyncio.sleep(0)  # the publisher sends the chunk while we go on
                cpu_started = time.thread_time()
            if sim.result is not None and not live.result_published:
                finished.append(live)
        self._publish(snapshots)
        cpu += time.thread_time() - cpu_started
        await asyncio.sleep(0)  # let the publisher start on this tick's last chunk
        cpu_started = time.thread_time()
        for live in finished:
            await self._finish(live, live.sim.result)  # type: ignore[arg-type]
        for live in list(self.matches.values()):
            if live.sim.closed:
                closed = _closed(live, CloseCode.MATCH_OVER, "match over")
                self._publish([(live.group, closed)], reliable=True)
                del self.matches[live.match_id]
                self._finished.append(live.match_id)  # its lease goes with the next heartbeat
                if live.delayed is not None and live.spectators:
                    live.delayed.push(self._steps, closed)  # its spectators see the end later
                    self._draining[live.match_id] = live
                logger.info("match %s closed", live.match_id)
        if self._draining:
            self._drain()
        self._tick_cpu = cpu + time.thread_time() - cpu_started

    def _drain(self) -> None:
        """Go on with the delayed streams of closed matches until their close is out."""
        released: list[tuple[str, dict[str, Any]]] = []
        for live in list(self._draining.values()):
            self._release_delayed(live, released)
            if live.delayed is None or live.delayed.idle or not live.spectators:
                del self._draining[live.match_id]
        self._publish(released)

    def _publish(self, group_messages: GroupMessages, reliable: bool = False) -> None:
        """Queue messages for the publisher, in order; snapshots are skipped when it lags."""
        if not group_messages:
            return
        if not reliable and self._outbox.qsize() >= MAX_UNPUBLISHED_CHUNKS:
            self.skipped_publications += len(group_messages)
            return
        self._outbox.put_nowait(group_messages)

    async def _publish_loop(self) -> None:
        """Publish queued messages in order, everything waiting in one round trip."""
        while True:
            batch = list(await self._outbox.get())
            while not self._outbox.empty():
                batch.extend(self._outbox.get_nowait())
            publishing = self._failures["publishing"]
            try:
                await self._group_send_many(batch)
            except Exception as exc:
                self.publish_errors += 1
                publishing.failed(exc)
            else:
                publishing.succeeded()

    async def _gather_group_sends(self, group_messages: GroupMessages) -> None:
        await asyncio.gather(
            *(self.layer.group_send(group, message) for group, message in group_messages)
        )

    @staticmethod
    def _result_message(live: LiveMatch, result: MatchResult) -> dict[str, Any]:
        message: messages.ResultMessage = {
            "type": "match.result",
            "match_id": live.match_id,
            "frame": encode_result(result),
            "epoch": live.epoch,
        }
        return dict(message)

    async def _finish(self, live: LiveMatch, result: MatchResult) -> None:
        live.result_published = True
        message = self._result_message(live, result)
        self._publish([(live.group, message)], reliable=True)
        if live.delayed is not None:
            live.delayed.push(self._steps, message)  # type: ignore[arg-type]
        logger.info("match %s ended: %s", live.match_id, result.reason)
        if self.store is not None:
            self._in_background(
                self._store_result(live.match_id, result.to_wire(), dict(live.player_keys))
            )

    def _in_background(self, work: Coroutine[Any, Any, None]) -> None:
        """Run ``work`` without waiting for it; its failure is logged (stop awaits it)."""

        async def logged() -> None:
            try:
                await work
            except Exception:
                logger.exception("engine worker %s: background work failed", self.worker_id)

        task = asyncio.create_task(logged())
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
        closed = _closed(live, code, reason)
        sends = [(live.group, closed)]
        if live.delayed is not None and live.spectators:
            sends.append((live.delayed_group, {**closed, "delayed": True}))
        for group, message in sends:
            try:
                await self.layer.group_send(group, message)
            except Exception:
                logger.exception("closing %s failed", group)

    async def _flush_outbox(self) -> None:
        pending: list[tuple[str, dict[str, Any]]] = []
        while not self._outbox.empty():
            pending.extend(self._outbox.get_nowait())
        if pending:
            with contextlib.suppress(Exception):
                await self._group_send_many(pending)

    def _report(self, ticker: FixedRateTicker) -> None:
        report = self.meter.report()
        logger.info(
            "engine %s: %d matches; tick p50 %.2f ms, p99 %.2f ms, max %.2f ms "
            "(CPU p99 %.2f ms); late p99 %.2f ms; skipped %d; publish errors %d",
            self.worker_id,
            self.load,
            report.duration_p50_ms,
            report.duration_p99_ms,
            report.duration_max_ms,
            report.cpu_p99_ms,
            report.lateness_p99_ms,
            ticker.skipped,
            self.publish_errors,
        )

    # -- presence ------------------------------------------------------------------------------

    async def _heartbeat_loop(self) -> None:
        assert self.channel is not None
        while True:
            await asyncio.sleep(HEARTBEAT_INTERVAL)
            await self.keep_matches()
            try:
                stats = {
                    **self.meter.report().to_dict(),
                    "skipped_publications": self.skipped_publications,
                    "publish_errors": self.publish_errors,
                    "matches_adopted": self.matches_adopted,
                    "matches_lost": self.matches_lost,
                    "fenced_ticks": self.fenced_ticks,
                    # for /metrics (game.metrics): seated players, spectators, unpublished
                    # snapshot chunks, the process's CPU seconds and every tick's duration
                    "players": sum(len(live.seats) for live in self.matches.values()),
                    "spectators": sum(len(live.spectators) for live in self.matches.values()),
                    "publish_backlog": self._outbox.qsize(),
                    "cpu_seconds": round(time.process_time(), 3),
                    "tick_histogram": self.meter.histogram(),
                }
                await self.registry.announce(
                    self.worker_id, self.channel, self.load, stats, self.live_summaries()
                )
            except Exception as exc:
                self._failures["announcing itself"].failed(exc)
            else:
                self._failures["announcing itself"].succeeded()

    async def keep_matches(self) -> None:
        """Once a second: renew the leases, checkpoint every match, adopt orphaned matches."""
        forgetting = self._failures["forgetting finished matches"]
        try:
            await self._forget_finished()
        except Exception as exc:
            forgetting.failed(exc)  # tried again with the next heartbeat
        else:
            forgetting.succeeded()
        steps = [("renewing its leases", self._renew_leases)]
        steps.append(("saving checkpoints", self._save_checkpoints))
        if self.leases.shared:
            steps.append(("adopting orphans", self._adopt_orphans))
        for name, step in steps:
            try:
                await step()
            except Exception as exc:
                self._failures[name].failed(exc)
                return  # a worker unsure of its leases neither saves nor adopts
            self._failures[name].succeeded()

    async def _forget_finished(self) -> None:
        while self._finished:
            await self.leases.finish(self.worker_id, self._finished[0])
            self._finished.pop(0)

    async def _adopt_orphans(self) -> None:
        for match_id in await self.leases.orphans(ADOPT_LIMIT):
            await self._adopt(match_id)

    async def _renew_leases(self) -> None:
        """Extend this worker's leases; drop the matches another worker took over."""
        assert self.channel is not None
        sent_at = self.clock()
        asked = dict(self.matches)  # matches created while the renewal is out are not in it
        owned = await self.leases.renew(self.worker_id, self.channel, list(asked))
        for match_id, live in asked.items():
            if self.matches.get(match_id) is not live:
                continue  # ended meanwhile
            epoch = owned.get(match_id)
            if epoch is None:
                del self.matches[match_id]
                self.matches_lost += 1
                logger.warning("match %s was taken over by another worker", match_id)
            else:
                live.epoch = epoch
        if self.leases.shared:
            self._leases_fresh_until = sent_at + self._lease_validity

    async def _save_checkpoints(self) -> None:
        """Save a checkpoint of every match (encoded a chunk at a time, between ticks)."""
        encoded: dict[str, bytes] = {}
        for index, live in enumerate(list(self.matches.values())):
            if index and index % CHECKPOINT_CHUNK == 0:
                await asyncio.sleep(0)
            if self.matches.get(live.match_id) is live and live.sim.result is None:
                encoded[live.match_id] = encode_checkpoint(self._checkpoint(live))
        await self.leases.save(self.worker_id, encoded)

    async def _adopt(self, match_id: str) -> None:
        """Take over a match whose lease expired, from its last checkpoint: every player is
        away until its socket claims the seat again, and the match's sockets are told where
        the match went (MOVED)."""
        if match_id in self.matches or self._stopped:
            return
        assert self.channel is not None
        adoption = await self.leases.adopt(match_id, self.worker_id, self.channel)
        if adoption is None:
            return
        try:
            if adoption.checkpoint is None:
                raise CheckpointError("no checkpoint was saved")
            checkpoint = decode_checkpoint(adoption.checkpoint)
            sim = checkpoint.restore(self.rules)
        except (CheckpointError, KeyError, TypeError, ValueError) as exc:
            logger.error("match %s cannot be taken over (%s): it is lost", match_id, exc)
            await self.leases.finish(self.worker_id, match_id)
            if self.store is not None:
                self._in_background(self.store.match_lost(match_id))
            return
        sim.everyone_away()
        live = LiveMatch(
            match_id,
            checkpoint.mode,
            sim,
            messages.match_group(match_id),
            SnapshotEncoder(self._keyframe_interval, stagger=len(self.matches)),
            player_keys=dict(checkpoint.player_keys),
            player_ids={key: pid for pid, key in checkpoint.player_keys.items() if key},
            created_ms=checkpoint.created_ms,
            delayed=DelayedStream(self._delay_ticks) if self._delay_ticks else None,
            epoch=adoption.epoch,
        )
        self.matches[match_id] = live
        self.matches_adopted += 1
        logger.info("match %s taken over at tick %d (epoch %d)", match_id, sim.tick, live.epoch)
        if self.store is not None:
            self._in_background(self.store.match_moved(match_id, self.worker_id, self.channel))
        moved: messages.MovedMessage = {
            "type": "match.moved",
            "match_id": match_id,
            "engine": self.channel,
            "epoch": live.epoch,
        }
        told: list[tuple[str, dict[str, Any]]] = [(live.group, dict(moved))]
        if live.delayed is not None:
            told.append((live.delayed_group, {**moved, "delayed": True}))
        self._publish(told, reliable=True)

    def live_summaries(self) -> list[MatchSummary]:
        """A summary of every match not over, for the live list (``/api/matches/live``)."""
        return [
            {
                "id": live.match_id,
                "mode": live.mode,
                "phase": int(live.sim.phase),
                "elapsed_ms": live.sim.running_ms,
                "players": [
                    {"id": p.id, "name": p.name, "score": p.score, "deaths": p.deaths}
                    for p in live.sim.connected_players
                ],
                "spectators": len(live.spectators),
                "max_spectators": self.max_spectators,
                "created_ms": live.created_ms,
            }
            for live in self.matches.values()
            if live.sim.result is None
        ]


def _closed(live: LiveMatch, code: CloseCode, reason: str) -> dict[str, Any]:
    return {
        "type": messages.CLOSED,
        "match_id": live.match_id,
        "code": int(code),
        "reason": reason,
        "epoch": live.epoch,
    }


def _rejected(code: CloseCode, reason: str) -> dict[str, Any]:
    return {"type": messages.REJECTED, "code": int(code), "reason": reason}
