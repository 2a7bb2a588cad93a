"""The engine worker: hosts matches of any registered game, seats their players, applies their
inputs, steps them at their game's tick rate and publishes their snapshots.

Its channel-layer inbox carries the messages of ``engine.messages``; its ticks run on a
drift-free schedule per tick rate (``engine.ticker``); what it publishes goes through its
``Publisher``. Spectators (``engine.worker.spectating``) and leases, checkpoints and takeovers
(``engine.worker.ownership``) have modules of their own.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Callable, Coroutine, Mapping
from typing import Any

from engine import messages
from engine.codec import SnapshotEncoder
from engine.delayed import DelayedStream
from engine.failurelog import FailureLog
from engine.frames import encode_result, encode_welcome, match_info
from engine.game import Game
from engine.leases import MatchLeases, MemoryMatchLeases
from engine.match import GameRefusedSeat, Match, MatchFull, MatchOver, SeatReleased
from engine.protocol import CloseCode
from engine.registry import HEARTBEAT_INTERVAL, EngineRegistry, MatchSummary
from engine.replay.recorder import ReplayRecorder
from engine.replay.recording import ReplayMeta
from engine.ticker import FixedRateTicker
from engine.tickmeter import TickMeter
from engine.views import ViewEncoders, view_groups
from engine.worker.hosting import HostedMatch, MatchStore, now_ms, rejected
from engine.worker.ownership import MatchOwnership
from engine.worker.publisher import (
    GroupMessages,
    GroupSendMany,
    LocalDelivery,
    Publisher,
    RemoteAudience,
)
from engine.worker.spectating import SpectatorDesk

logger = logging.getLogger(__name__)

STATS_LOG_INTERVAL = 60.0
KEYFRAME_INTERVAL_SECONDS = 1.0  # a KEYFRAME at least this often, so every socket can resync
PUBLISH_CHUNK = 25  # snapshots handed to the publisher at a time while the tick goes on
DEFAULT_MAX_SPECTATORS = 2000  # per match
DEFAULT_RECONNECT_GRACE = 20.0  # seconds
RECEIVE_RETRY_DELAY = 1.0  # seconds before reading the channel again after a layer error
# messages from sockets (through the layer) that may come from another web process
REQUESTS_FROM_SOCKETS = frozenset(
    {messages.JOIN, messages.WATCH, messages.KEYFRAME_WANTED, messages.CATCH_UP}
)
LOOPS = (
    "forgetting finished matches",
    "reading its channel",
    "publishing",
    "announcing itself",
    "renewing its leases",
    "saving checkpoints",
    "adopting orphans",
)


class EngineWorker(SpectatorDesk, MatchOwnership):
    """Runs the matches assigned to it; one task reads its channel, one ticks per tick rate."""

    def __init__(
        self,
        layer: Any,
        registry: EngineRegistry,
        games: Mapping[str, Game],
        store: MatchStore | None = None,
        worker_id: str | None = None,
        clock: Callable[[], float] = time.monotonic,
        group_send_many: GroupSendMany | None = None,
        spectator_delay: float = 0.0,
        max_spectators: int = DEFAULT_MAX_SPECTATORS,
        leases: MatchLeases | None = None,
        reconnect_grace: float = DEFAULT_RECONNECT_GRACE,
        local: LocalDelivery | None = None,
        route: str = "",
        on_released: Callable[[str], None] | None = None,
        recorder: ReplayRecorder | None = None,
    ) -> None:
        """``games`` are the games it can run, by name; ``spectator_delay`` (seconds, 0 =
        live) delays the spectators' stream of every match; ``max_spectators`` is the number of
        spectators a match takes; ``leases`` say which worker owns which match (default: this
        process alone); ``reconnect_grace`` is how long a dropped player's seat waits.

        A worker inside a web process (the hosted shape) hands what it publishes to that
        process's sockets at once (``local``) and publishes snapshots to the layer only for
        groups another process listens to; ``route`` is that web process's base URL, which
        its players connect to; ``on_released`` is told of a match this worker no longer
        runs while it still may have sockets here (taken over, or handed over); ``recorder``
        (if any) records every match's replay."""
        self.layer = layer
        self.registry = registry
        self.games = dict(games)
        self.leases = leases if leases is not None else MemoryMatchLeases(clock)
        # the worker publishes only while its leases are surely its own (shared leases)
        self.leases_fresh_until = float("inf")
        self.fenced_ticks = 0  # ticks not stepped: the leases could not be renewed in time
        self.matches_lost = 0  # matches another worker took over from this one
        self.matches_adopted = 0  # matches this worker took over from another one
        self.store = store
        self.worker_id = worker_id or f"engine-{uuid.uuid4().hex[:12]}"
        self._clock = clock
        self.channel: str | None = None
        self.matches: dict[str, HostedMatch] = {}
        self.draining: dict[str, HostedMatch] = {}  # closed matches whose delayed stream goes on
        # closed matches whose lease and checkpoint are still to be forgotten: done in the
        # heartbeat, never while a renewal (which would claim them again) is out
        self.finished: list[str] = []
        self.meter = TickMeter()
        self.max_spectators = max_spectators
        self.reconnect_grace = reconnect_grace
        self.reconnect_grace_ms = round(reconnect_grace * 1000)
        self.spectator_delay = spectator_delay
        self.spectator_delay_ms = round(spectator_delay * 1000)
        self.stopped = False
        self._steps: dict[int, int] = {}  # per tick rate: ticks since the start (delay clocks)
        self._tick_cpu = 0.0
        self._tasks: list[asyncio.Task[None]] = []
        self._background: set[asyncio.Task[None]] = set()
        # Redis going away makes these fail many times a second: one log line per outage
        self.failures = {
            name: FailureLog(logger, f"engine worker {self.worker_id}: {name}") for name in LOOPS
        }
        self.route = route
        self.on_released = on_released
        self.recorder = recorder
        self.publisher = Publisher(
            group_send_many or self._gather_group_sends,
            self.failures["publishing"],
            local=local,
            audience=RemoteAudience(clock) if local is not None else None,
            fresh=self.leases_fresh,
        )

    def clock(self) -> float:
        """The worker's monotonic clock."""
        return self._clock()

    def leases_fresh(self) -> bool:
        """Whether the worker's leases still hold: else another worker may own its matches
        (it was paused, or cut from Redis), and it neither ticks nor publishes."""
        return self.clock() <= self.leases_fresh_until

    @property
    def load(self) -> int:
        """Number of matches this worker runs."""
        return len(self.matches)

    def ticks_run(self, tick_rate: int) -> int:
        """Ticks run at ``tick_rate`` since the worker started."""
        return self._steps.get(tick_rate, 0)

    @property
    def tick_rates(self) -> list[int]:
        """The distinct tick rates of the games this worker runs."""
        return sorted({game.tick_rate for game in self.games.values()})

    @property
    def skipped_publications(self) -> int:
        """Snapshots not published because the publisher lagged."""
        return self.publisher.skipped

    @property
    def publish_errors(self) -> int:
        """Batches the channel layer refused."""
        return self.publisher.errors

    # -- lifecycle -----------------------------------------------------------------------------

    async def start(self) -> None:
        """Open the worker's channel, announce it and start its loops."""
        self.channel = await self.layer.new_channel("arena.engine.")
        if self.leases.shared:
            self.leases_fresh_until = self.clock() + self.lease_validity
        await self.registry.announce(self.worker_id, self.channel, self.load, route=self.route)
        self._tasks = [
            asyncio.create_task(self._receive_loop(), name=f"{self.worker_id}-receive"),
            asyncio.create_task(self._heartbeat_loop(), name=f"{self.worker_id}-heartbeat"),
            asyncio.create_task(self.publisher.run(), name=f"{self.worker_id}-publish"),
        ]
        if self.recorder is not None:
            self._tasks.append(
                asyncio.create_task(self.recorder.run(), name=f"{self.worker_id}-replays")
            )
        for rate in self.tick_rates:
            self._tasks.append(
                asyncio.create_task(self._tick_loop(rate), name=f"{self.worker_id}-tick-{rate}")
            )
        logger.info(
            "engine worker %s started on %s: %s",
            self.worker_id,
            self.channel,
            ", ".join(f"{name} at {game.tick_rate} Hz" for name, game in self.games.items()),
        )

    async def stop(self) -> None:
        """Stop ticking and withdraw from the registry. With shared leases the running matches
        are checkpointed and handed over to another worker (or to the next one to start), and
        their sockets stay open; otherwise every match ends (interrupted) and its sockets are
        closed."""
        self.stopped = True
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []
        await self.publisher.flush()
        try:
            await self.forget_finished()
        except Exception:
            logger.exception(
                "engine worker %s could not forget its finished matches", self.worker_id
            )
        handed_over = self.leases.shared and await self.hand_over()
        closing = list(self.draining.values())
        if not handed_over:
            closing += self.matches.values()
            await self._interrupt(list(self.matches.values()))
        for hosted in closing:
            await self._close_group(hosted, CloseCode.GOING_AWAY, "server shutting down")
        if handed_over:
            self.released(list(self.matches))
        await self._stop_recording(handed_over)
        self.matches.clear()
        self.draining.clear()
        try:
            await self.registry.withdraw(self.worker_id)
        except Exception:
            logger.exception(
                "engine worker %s could not withdraw from the registry", self.worker_id
            )
        # background work logs its own failures (``in_background``)
        await asyncio.gather(*self._background, return_exceptions=True)
        logger.info("engine worker %s stopped", self.worker_id)

    async def _interrupt(self, hosted_matches: list[HostedMatch]) -> None:
        """Record the matches this worker stops without handing them over as interrupted
        (with the standings of the moment), so that nobody waits for them."""
        for hosted in hosted_matches:
            match = hosted.match
            if match.result is not None:
                continue
            match.interrupt()
            assert match.result is not None
            message = hosted.result_message(match.result)
            self.publisher.publish([(hosted.group, message)], reliable=True)
            if hosted.recording is not None:
                hosted.recording.add(message)
            if self.store is not None:
                await self._store_result(
                    hosted.match_id, match.result.to_wire(), hosted.player_keys()
                )
        await self.publisher.flush()

    async def run_forever(self) -> None:
        """Start, then run until cancelled; always stops cleanly."""
        await self.start()
        try:
            await asyncio.gather(*self._tasks)
        finally:
            await asyncio.shield(self.stop())

    def in_background(self, work: Coroutine[Any, Any, None]) -> None:
        """Run ``work`` without waiting for it; its failure is logged (stop awaits it)."""

        async def logged() -> None:
            try:
                await work
            except Exception:
                logger.exception("engine worker %s: background work failed", self.worker_id)

        task = asyncio.create_task(logged())
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    # -- inbox ---------------------------------------------------------------------------------

    async def _receive_loop(self) -> None:
        assert self.channel is not None
        reading = self.failures["reading its channel"]
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
        if kind in REQUESTS_FROM_SOCKETS and self.publisher.audience is not None:
            self._expect_listeners(message.get("match_id", ""))
        if kind == messages.INPUTS:
            matches = self.matches
            for match_id, player_id, seq, *values in message["inputs"]:
                hosted = matches.get(match_id)
                if hosted is not None:
                    hosted.match.apply_input(player_id, seq, tuple(values))
        elif kind == messages.KEYFRAME_WANTED:
            hosted = self.matches.get(message["match_id"])
            if hosted is not None:
                hosted.keyframe_wanted = True
        elif kind == messages.JOIN:
            await self._join(message)  # type: ignore[arg-type]
        elif kind == messages.LEAVE:
            self._leave(message)  # type: ignore[arg-type]
        elif kind == messages.CREATE:
            await self._create(message)  # type: ignore[arg-type]
        elif kind == messages.ADOPT:
            for match_id in message["match_ids"]:
                await self.adopt(match_id)
        elif kind == messages.WATCH:
            await self.watch(message)  # type: ignore[arg-type]
        elif kind == messages.UNWATCH:
            self.unwatch(message)  # type: ignore[arg-type]
        elif kind == messages.CATCH_UP:
            await self.send_catch_up(message)  # type: ignore[arg-type]
        else:
            logger.warning("engine worker %s ignored a message of type %r", self.worker_id, kind)

    def _expect_listeners(self, match_id: str) -> None:
        """A socket asked about ``match_id``: it may watch from another web process, so the
        match's next snapshots are published for it (hosted shape)."""
        audience = self.publisher.audience
        assert audience is not None
        audience.expect(messages.match_group(match_id))
        audience.expect(messages.delayed_group(match_id))

    def hosts(self, match_id: str) -> bool:
        """Whether this worker publishes ``match_id``'s messages (running, or its delayed
        stream draining)."""
        return match_id in self.matches or match_id in self.draining

    def released(self, match_ids: list[str]) -> None:
        """Tell ``on_released`` of matches this worker stopped running while their sockets
        may still watch them (another worker runs them now)."""
        if self.on_released is None:
            return
        for match_id in match_ids:
            try:
                self.on_released(match_id)
            except Exception:
                logger.exception("on_released failed for match %s", match_id)

    # -- matches -------------------------------------------------------------------------------

    def host(self, match_id: str, match: Match, created_ms: int, epoch: int = 0) -> HostedMatch:
        """Start hosting ``match``: its encoder, its delayed stream (if spectators watch with a
        delay) and its place in ``matches``."""
        game = match.game
        keyframe_interval = max(1, round(game.tick_rate * KEYFRAME_INTERVAL_SECONDS))
        delay_ticks = round(self.spectator_delay * game.tick_rate)
        delayed = None
        if self.spectator_delay > 0:
            delayed = DelayedStream(max(1, delay_ticks), game.state)
        hosted = HostedMatch(
            match_id,
            match,
            SnapshotEncoder(game.state, keyframe_interval, stagger=len(self.matches)),
            created_ms=created_ms,
            delayed=delayed,
            epoch=epoch,
        )
        if self.recorder is not None:
            info = match_info(match, match_id, self.reconnect_grace_ms)
            del info["schema"]
            meta = ReplayMeta(
                match_id, game.name, match.mode.name, game.tick_rate, game.wire_schema, info
            )
            hosted.recording = self.recorder.start(meta)
        self.matches[match_id] = hosted
        return hosted

    def handle_create(
        self, match_id: str, game: str, mode: str, max_players: int, seed: int
    ) -> HostedMatch | None:
        """Start running a match (no-op if this worker already runs it); None, with a log
        line, for a game or mode this worker does not have."""
        if match_id in self.matches:
            return self.matches[match_id]
        definition = self.games.get(game)
        if definition is None:
            logger.error("match %s: no game called %r on this worker", match_id, game)
            return None
        try:
            match = Match(
                definition, definition.mode(mode), seed, max_players, self.reconnect_grace
            )
        except (KeyError, ValueError) as exc:
            logger.error("match %s of %s cannot be created: %s", match_id, game, exc)
            return None
        hosted = self.host(match_id, match, now_ms())
        logger.info("match %s created (%s %s, %d seats)", match_id, game, mode, max_players)
        return hosted

    async def _create(self, message: messages.CreateMessage) -> None:
        match_id = message["match_id"]
        if match_id in self.matches:
            return
        hosted = self.handle_create(
            match_id, message["game"], message["mode"], message["max_players"], message["seed"]
        )
        if hosted is None:
            return
        assert self.channel is not None
        epoch = await self.leases.claim(
            match_id, self.worker_id, self.channel, self.checkpoint(hosted)
        )
        if epoch is None:
            del self.matches[match_id]
            if self.recorder is not None:
                self.recorder.discard(match_id)
            logger.warning("match %s is owned by another worker: not created here", match_id)
        else:
            hosted.epoch = epoch

    async def _join(self, message: messages.JoinMessage) -> None:
        hosted = self.matches.get(message["match_id"])
        reply: dict[str, Any]
        if hosted is None:
            reply = rejected(CloseCode.MATCH_NOT_FOUND, "match is not running")
        elif hosted.match.result is not None:  # a player back too late: the results, the close
            reply = rejected(CloseCode.MATCH_OVER, "match is over")
            reply["result"] = encode_result(hosted.match.result)
        else:
            try:
                team = message.get("team")
                player_id = self._seat(
                    hosted,
                    message.get("player_key", ""),
                    message["name"],
                    team if type(team) is int else None,  # the lobby's team, if any
                )
            except MatchFull:
                reply = rejected(CloseCode.MATCH_FULL, "match is full")
            except MatchOver:
                reply = rejected(CloseCode.MATCH_OVER, "match is over")
            except SeatReleased:
                grace = f"{self.reconnect_grace:g} s"
                reply = rejected(CloseCode.SEAT_RELEASED, f"you were away over {grace}")
            except GameRefusedSeat as exc:
                reply = rejected(CloseCode.JOIN_REFUSED, str(exc) or "the game refused the seat")
            else:
                hosted.seats[message["reply_to"]] = player_id
                welcome = encode_welcome(
                    hosted.match,
                    hosted.match_id,
                    player_id,
                    len(hosted.spectators),
                    self.reconnect_grace_ms,
                )
                reply = {
                    "type": messages.JOINED,
                    "player_id": player_id,
                    "welcome": welcome,
                    "tick": hosted.match.tick,
                }
        await self.layer.send(message["reply_to"], reply)

    @staticmethod
    def _seat(hosted: HostedMatch, player_key: str, name: str, team: int | None = None) -> int:
        """The player id for a joining player: a player who was here before gets the same seat
        back (its team too; a socket that still holds it loses it), anyone else a new one, on
        ``team`` if it has room (``Match.add_player``)."""
        seat = hosted.match.seat_of(player_key)
        if seat is None:
            return hosted.match.add_player(name, player_key, team)
        for channel, seated in list(hosted.seats.items()):
            if seated == seat.id:  # its old socket's LEAVE, if it comes, changes nothing
                del hosted.seats[channel]
        hosted.match.readmit_player(seat.id)
        return seat.id

    def _leave(self, message: messages.LeaveMessage) -> None:
        hosted = self.matches.get(message["match_id"])
        if hosted is None:
            return
        player_id = hosted.seats.pop(message["channel"], None)
        if player_id is None:
            return
        if message.get("for_good"):
            hosted.match.remove_player(player_id)  # LEAVE: the seat is free at once
        else:
            hosted.match.player_away(player_id)  # the seat waits for the grace period

    # -- ticking -------------------------------------------------------------------------------

    async def _tick_loop(self, rate: int) -> None:
        ticker = FixedRateTicker(rate, start=self.clock())
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
            await self.tick(steps=due, rate=rate)
            self.meter.record(started - deadline, self.clock() - started, self._tick_cpu)
            if started - last_report >= STATS_LOG_INTERVAL:
                self._report(ticker)
                last_report = started

    async def tick(self, steps: int = 1, rate: int | None = None) -> None:
        """Step every match of tick rate ``rate`` (every match: None) ``steps`` times and
        publish one snapshot per match.

        ``_tick_cpu`` is left holding the time of the tick's own work (``perf_counter``: the
        thread CPU clock is a system call that cost more than the tick's bookkeeping itself in
        a busy web process); the time other tasks
        (the publisher, the inbox) run while the tick yields between chunks is not counted.
        """
        if not self.leases_fresh():
            self.fenced_ticks += 1  # another worker may own the matches by now: wait
            self._tick_cpu = 0.0
            return
        cpu = 0.0
        cpu_started = time.perf_counter()
        snapshots: list[tuple[str, dict[str, Any]]] = []
        finished: list[HostedMatch] = []
        for each_rate in self.tick_rates if rate is None else [rate]:
            self._steps[each_rate] = self._steps.get(each_rate, 0) + steps
        for hosted in list(self.matches.values()):
            if rate is not None and hosted.tick_rate != rate:
                continue
            match = hosted.match
            events = match.step()
            for _ in range(steps - 1):
                events = events + match.step()
            self._encode(hosted, events, snapshots)
            if len(snapshots) >= PUBLISH_CHUNK:  # web processes start fanning out sooner
                self.publisher.publish(snapshots)
                snapshots = []
                cpu += time.perf_counter() - cpu_started
                await asyncio.sleep(0)  # the publisher sends the chunk while we go on
                cpu_started = time.perf_counter()
            if match.result is not None and not hosted.result_published:
                finished.append(hosted)
        self.publisher.publish(snapshots)
        cpu += time.perf_counter() - cpu_started
        await asyncio.sleep(0)  # let the publisher start on this tick's last chunk
        cpu_started = time.perf_counter()
        for hosted in finished:
            self._finish(hosted)
        for hosted in list(self.matches.values()):
            if (rate is None or hosted.tick_rate == rate) and hosted.match.closed:
                self._close(hosted)
        if self.draining:
            self._drain(rate)
        self._tick_cpu = cpu + time.perf_counter() - cpu_started

    def _encode(
        self, hosted: HostedMatch, events: list[Any], out: list[tuple[str, dict[str, Any]]]
    ) -> None:
        """Encode the match's tick into ``out`` if anyone is there to see it."""
        match = hosted.match
        if hosted.seats or hosted.spectators:
            on_change = match.game.snapshots == "on_change"
            server_ms = now_ms()
            encoded = hosted.encoder.encode(
                match,
                events,
                server_ms,
                with_keyframe=hosted.keyframe_wanted,
                only_if_changed=on_change and match.result is None,
            )
            if encoded is not None:
                with_keyframe = hosted.keyframe_wanted
                hosted.keyframe_wanted = False
                message = hosted.snapshot_message(encoded)
                players = self._with_views(hosted, message, events, server_ms, with_keyframe)
                out.append((hosted.group, players))  # type: ignore[arg-type]
                if hosted.delayed is not None:
                    hosted.delayed.push(self._steps[hosted.tick_rate], message)  # type: ignore[arg-type]
                if hosted.recording is not None:
                    hosted.recording.add(message)  # type: ignore[arg-type]
        else:
            hosted.encoder.force_keyframe()  # with nobody there the timers run, nothing is sent
            if hosted.views is not None:
                hosted.views.force_keyframe()
        if hosted.delayed is not None:
            self.release_delayed(hosted, self._steps[hosted.tick_rate], out)

    @staticmethod
    def _with_views(
        hosted: HostedMatch,
        message: messages.SnapshotMessage,
        events: list[Any],
        server_ms: int,
        with_keyframe: bool,
    ) -> messages.SnapshotMessage:
        """The players' message of a tick: with the players' own views when the game gives
        them any (per-player views, engine.views); spectators, the delayed stream and the
        replay take the whole state (``message``)."""
        match = hosted.match
        of_player, groups = view_groups(match.sim, match.ctx.seated())
        if not groups:
            return message
        if hosted.views is None:
            hosted.views = ViewEncoders(match.game.state, hosted.encoder.keyframe_interval)
        encoded = hosted.views.encode_groups(match, groups, events, server_ms, with_keyframe)
        return hosted.with_views(message, {p: encoded[g] for p, g in of_player.items()})

    def _finish(self, hosted: HostedMatch) -> None:
        result = hosted.match.result
        assert result is not None
        hosted.result_published = True
        message = hosted.result_message(result)
        self.publisher.publish([(hosted.group, message)], reliable=True)
        if hosted.delayed is not None:
            hosted.delayed.push(self._steps[hosted.tick_rate], message)
        if hosted.recording is not None:
            hosted.recording.add(message)
        logger.info("match %s ended: %s", hosted.match_id, result.reason)
        if self.store is not None:
            self.in_background(
                self._store_result(hosted.match_id, result.to_wire(), hosted.player_keys())
            )

    def _close(self, hosted: HostedMatch) -> None:
        closed = hosted.closed_message(CloseCode.MATCH_OVER, "match over")
        self.publisher.publish([(hosted.group, closed)], reliable=True)
        del self.matches[hosted.match_id]
        self.finished.append(hosted.match_id)  # its lease goes with the next heartbeat
        if hosted.recording is not None:
            result = hosted.match.result
            hosted.recording.end(result.to_wire() if result is not None else None)
        if hosted.delayed is not None and hosted.spectators:
            hosted.delayed.push(self._steps[hosted.tick_rate], closed)  # spectators see it later
            self.draining[hosted.match_id] = hosted
        logger.info("match %s closed", hosted.match_id)

    def _drain(self, rate: int | None) -> None:
        """Go on with the delayed streams of closed matches until their close is out."""
        released: list[tuple[str, dict[str, Any]]] = []
        for hosted in list(self.draining.values()):
            if rate is not None and hosted.tick_rate != rate:
                continue
            self.release_delayed(hosted, self._steps[hosted.tick_rate], released)
            if hosted.delayed is None or hosted.delayed.idle or not hosted.spectators:
                del self.draining[hosted.match_id]
        self.publisher.publish(released)

    async def _stop_recording(self, handed_over: bool) -> None:
        """Write the replays of the matches this worker stops running: to be continued by
        the worker they were handed to, or ended (interrupted)."""
        recorder = self.recorder
        if recorder is None:
            return
        if handed_over:
            recorder.hand_over(list(self.matches))
        else:
            for hosted in self.matches.values():
                result = hosted.match.result
                recorder.end(hosted.match_id, result.to_wire() if result is not None else None)
        try:
            await recorder.flush()
        except Exception:
            logger.exception("engine worker %s could not write its replays", self.worker_id)
        finally:
            await asyncio.to_thread(recorder.close)

    async def _gather_group_sends(self, group_messages: GroupMessages) -> None:
        await asyncio.gather(
            *(self.layer.group_send(group, message) for group, message in group_messages)
        )

    async def _store_result(
        self, match_id: str, result: dict[str, Any], player_keys: dict[int, str]
    ) -> None:
        assert self.store is not None
        try:
            await self.store.match_ended(match_id, result, player_keys)
        except Exception:
            logger.exception("storing the result of match %s failed", match_id)

    async def _close_group(self, hosted: HostedMatch, code: CloseCode, reason: str) -> None:
        closed = hosted.closed_message(code, reason)
        sends = [(hosted.group, closed)]
        if hosted.delayed is not None and hosted.spectators:
            sends.append((hosted.delayed_group, {**closed, "delayed": True}))
        for group, message in sends:
            try:
                await self.layer.group_send(group, message)
            except Exception:
                logger.exception("closing %s failed", group)

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
            announcing = self.failures["announcing itself"]
            try:
                await self.registry.announce(
                    self.worker_id,
                    self.channel,
                    self.load,
                    self.stats(),
                    self.live_summaries(),
                    route=self.route,
                )
            except Exception as exc:
                announcing.failed(exc)
            else:
                announcing.succeeded()

    def stats(self) -> dict[str, Any]:
        """What the worker announces of itself with its heartbeat (read by ``/metrics``)."""
        hosted = self.matches.values()
        return {
            **self.meter.report().to_dict(),
            "skipped_publications": self.skipped_publications,
            "publish_errors": self.publish_errors,
            "matches_adopted": self.matches_adopted,
            "matches_lost": self.matches_lost,
            "fenced_ticks": self.fenced_ticks,
            "replays_recorded": self.recorder.recorded if self.recorder is not None else 0,
            "replays_lost": self.recorder.lost if self.recorder is not None else 0,
            "players": sum(len(h.seats) for h in hosted),
            "spectators": sum(len(h.spectators) for h in hosted),
            "publish_backlog": self.publisher.backlog,
            "cpu_seconds": round(time.process_time(), 3),
            "tick_histogram": self.meter.histogram(),
        }

    def live_summaries(self) -> list[MatchSummary]:
        """A summary of every match not over, for the live list (``/api/matches/live``)."""
        return [
            hosted.summary(self.max_spectators)
            for hosted in self.matches.values()
            if hosted.match.result is None
        ]
