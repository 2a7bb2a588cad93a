"""A chaos run's player: plays one match over a WebSocket and comes back after every drop.

It reconnects as the browser does (``static/js/reconnect.js``): after the close codes of
``RETRY_CODES`` or a lost connection, with a backoff doubling from 250 ms to 5 s (±20 %), with
the same ticket, trying the web processes in turn, for up to the reconnect grace period plus
5 s. It sends its game's bot's INPUT 20 times a second (or at the run's input rate), reads every
frame, follows the snapshot chain and keeps every ``ack`` it sees in an ``AckLedger``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import msgpack
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake

from engine.bots import Bot, BotView
from engine.games import configured_games
from engine.protocol import MessageType
from engine.wirestate import ChainBroken, SnapshotChain, is_snapshot

logger = logging.getLogger(__name__)

ABRUPT = 1006  # the connection was lost without a close frame
NO_CONNECTION = -1  # the socket could not be opened (refused, handshake failed, timed out)
REPLACED = 4019  # another socket of the same player took this one's place
# Close codes after which a seated player reconnects by itself (4009: the server may not have
# noticed yet that the dropped socket is gone).
RETRY_CODES = frozenset({1001, ABRUPT, 1011, 1012, 1013, 4009, 4013, 4015})
FIRST_DELAY = 0.25  # seconds before the first reconnect attempt
MAX_DELAY = 5.0
JITTER = 0.2
MARGIN = 5.0  # seconds of trying beyond the server's reconnect grace period
INPUT_RATE = 20.0  # INPUTs a second, as the browser sends
OPEN_TIMEOUT = 5.0


@dataclass
class AckLedger:
    """Every ack a player saw: rollbacks to a checkpoint, and inputs the server applied twice.

    After the ack goes backwards (the match resumed from a checkpoint), an ack seen before the
    rollback that shows up again is an input applied twice; the acks undone by the rollback are
    inputs rolled back (acknowledged, then lost).
    """

    last: int = 0
    seen: set[int] = field(default_factory=set)  # acks seen since the last rollback below them
    undone: set[int] = field(default_factory=set)  # acks a rollback took back
    rollbacks: list[tuple[float, int]] = field(default_factory=list)  # (when, inputs undone)
    applied_twice: list[tuple[float, int]] = field(default_factory=list)  # (when, ack)

    def observe(self, ack: int, now: float) -> None:
        """Record the ack of a WELCOME or of the player's own snapshot entry."""
        if ack == self.last:
            return
        if ack in self.undone:  # taken back by a rollback, and now applied again
            self.undone.discard(ack)
            self.applied_twice.append((now, ack))
        if ack < self.last:
            undone = {value for value in self.seen if value > ack}
            self.seen -= undone
            self.undone |= undone
            self.rollbacks.append((now, len(undone)))
        self.seen.add(ack)
        self.last = ack

    @property
    def rolled_back(self) -> int:
        """Inputs acknowledged and then undone by a resume from a checkpoint."""
        return sum(count for _, count in self.rollbacks)


@dataclass
class Probe:
    """How long a player took to get snapshots again after a fault.

    A snapshot counts once it arrives after ``not_before`` and, if ``need_welcome``, after a new
    WELCOME (the match moved to another engine, or the player reconnected)."""

    since: float
    need_welcome: bool
    not_before: float = 0.0
    welcomed: bool = False
    recovered_at: float | None = None

    @property
    def seconds(self) -> float | None:
        """Seconds from the fault to the first snapshot that counts; None if none came."""
        return None if self.recovered_at is None else self.recovered_at - self.since


@dataclass
class Outage:
    """One reconnect: from the lost socket to a WELCOME (or giving up)."""

    started: float
    cause: int  # the close code that started it (1006: lost)
    attempts: int = 0
    ended: float | None = None
    same_id: bool | None = None  # None: it failed
    failed_with: int | None = None  # the last close code (0: the budget ran out)

    @property
    def seconds(self) -> float | None:
        """How long the player was away; None while away."""
        return None if self.ended is None else self.ended - self.started


@dataclass
class Recorder:
    """What every player shares: the run's clock and the snapshots received each second."""

    started: float = field(default_factory=time.monotonic)
    per_second: Counter[int] = field(default_factory=Counter)

    def snapshot(self, now: float) -> None:
        """Count one snapshot received at ``now``."""
        self.per_second[int(now - self.started)] += 1


class ChaosPlayer:
    """One player of one match, reconnecting by itself until the match ends or it gives up."""

    def __init__(
        self,
        name: str,
        match_id: str,
        socket_path: str,
        bases: list[str],
        home: int,
        grace: float,
        recorder: Recorder,
        rng: random.Random,
        input_rate: float = INPUT_RATE,
    ) -> None:
        """``socket_path`` is the path and query with the ticket; ``home`` the web process of
        the first connection (an index into ``bases``, the web processes' URLs); its bot is asked
        for an INPUT ``input_rate`` times a second."""
        self.name = name
        self.match_id = match_id
        self.socket_path = socket_path
        self.bases = bases
        self.base_index = home
        self.grace = grace
        self.recorder = recorder
        self.rng = rng
        self.input_rate = input_rate
        self.player_id: int | None = None
        self.ledger = AckLedger()
        self.probes: list[Probe] = []
        self.outages: list[Outage] = []
        self.closes: list[tuple[float, int]] = []  # socket closes before a RESULT: (when, code)
        self.failed_attempts: Counter[str] = Counter()  # reconnect attempts that failed, by cause
        self.welcomes = 0
        self.moves = 0  # WELCOMEs on an open socket: the match moved to another engine worker
        self.chain_breaks = 0
        self.snapshots = 0
        self.inputs_sent = 0
        self.result: dict[str, Any] | None = None
        self.result_at: float | None = None
        self.final_code: int | None = None
        self.gave_up: int | None = None  # the close code it gave up on (0: out of time)
        self.done = asyncio.Event()
        self.socket: ClientConnection | None = None
        self.seated = False  # WELCOME received on the current socket
        self.connected_base: str | None = None
        self._chain = SnapshotChain()
        self._bot: Bot | None = None  # the game's bot (Game.make_bot), from the first WELCOME
        self._view: BotView | None = None
        self._seq = 0
        self._next_delay: float | None = None  # the first delay after a drop the run caused
        self._sending: set[asyncio.Task[None]] = set()

    # -- what the faults use -------------------------------------------------------------------

    def probe(self, since: float, need_welcome: bool, not_before: float = 0.0) -> Probe | None:
        """Watch for the first snapshot after a fault; None when the player is done."""
        if self.done.is_set():
            return None
        probe = Probe(since, need_welcome, not_before)
        self.probes.append(probe)
        return probe

    def drop(self, reconnect_after: float) -> bool:
        """Lose the connection without a close frame; reconnect after ``reconnect_after`` s."""
        if self.socket is None or not self.seated or self.done.is_set():
            return False
        self._next_delay = reconnect_after
        self.socket.transport.abort()
        return True

    # -- playing -------------------------------------------------------------------------------

    async def run(self) -> None:
        """Play until the match ends (RESULT) or a reconnect fails."""
        try:
            await self._run()
        finally:
            self.done.set()

    async def _run(self) -> None:
        outage: Outage | None = None
        while True:
            code = await self._play_once(outage)
            now = time.monotonic()
            if self.result is not None:
                self.final_code = code  # the close after the RESULT (4006)
                return
            if code != NO_CONNECTION:
                self.closes.append((now, code))
            if outage is not None and outage.ended is not None:
                outage = None  # it came back, then lost the socket again
            if code != NO_CONNECTION and code not in RETRY_CODES:
                self._give_up(outage, code, now)  # 4019 REPLACED among them: counted apart
                return
            if outage is None:
                outage = Outage(started=now, cause=ABRUPT if code == NO_CONNECTION else code)
                self.outages.append(outage)
            elif code != NO_CONNECTION:
                self.failed_attempts[str(code)] += 1
            deadline = outage.started + self.grace + MARGIN
            if now >= deadline:
                self._give_up(outage, 0, now)
                return
            delay = self._delay(outage.attempts)
            await asyncio.sleep(min(delay, deadline - now))
            outage.attempts += 1
            self.base_index = (self.base_index + 1) % len(self.bases)

    def _delay(self, attempts: int) -> float:
        if attempts == 0 and self._next_delay is not None:
            delay, self._next_delay = self._next_delay, None
            return delay
        base = min(MAX_DELAY, FIRST_DELAY * 2**attempts)
        return min(MAX_DELAY, base * self.rng.uniform(1 - JITTER, 1 + JITTER))

    def _give_up(self, outage: Outage | None, code: int, now: float) -> None:
        self.gave_up = code
        if outage is not None and outage.ended is None:
            outage.ended, outage.failed_with = now, code
        logger.info("%s gave up (close %s)", self.name, code)

    async def _play_once(self, outage: Outage | None) -> int:
        """One socket, from connecting to its close; its close code (or NO_CONNECTION)."""
        base = self.bases[self.base_index]
        url = base.replace("http://", "ws://") + self.socket_path
        try:
            socket = await connect(
                url, compression=None, open_timeout=OPEN_TIMEOUT, max_size=None, max_queue=None
            )
        except (OSError, InvalidHandshake, TimeoutError) as exc:
            if outage is not None:
                self.failed_attempts[type(exc).__name__] += 1
            return NO_CONNECTION
        self.socket, self.connected_base, self.seated = socket, base, False
        inputs = asyncio.create_task(self._send_inputs(socket))
        try:
            async for data in socket:
                self._frame(data, socket, outage)
        except ConnectionClosed:
            pass
        finally:
            inputs.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await inputs
            self.socket, self.seated = None, False
        received = socket.protocol.close_rcvd
        return received.code if received is not None else ABRUPT

    def _frame(self, data: bytes | str, socket: ClientConnection, outage: Outage | None) -> None:
        now = time.monotonic()
        frame = msgpack.unpackb(data, raw=False)
        kind = frame[0]
        if is_snapshot(frame):
            self._snapshot(frame, socket, now)
        elif kind == MessageType.WELCOME:
            self._welcome(frame[1], outage, now)
        elif kind == MessageType.RESULT:
            self.result, self.result_at = frame[1], now

    def _welcome(self, welcome: dict[str, Any], outage: Outage | None, now: float) -> None:
        self.welcomes += 1
        if self.seated:
            self.moves += 1
        elif self.player_id is None:
            self.player_id = welcome["player_id"]
        if outage is not None and outage.ended is None:
            outage.ended, outage.same_id = now, welcome["player_id"] == self.player_id
        self.seated = True
        self._chain.welcome(welcome)  # the chain starts over from a KEYFRAME
        self._seq = max(self._seq, int(welcome["ack"]))
        self.ledger.observe(int(welcome["ack"]), now)
        if self._bot is None:
            self._bot = configured_games({})[welcome["game"]].make_bot(self.rng)
        self._view = BotView.from_welcome(welcome)
        for probe in self.probes:
            if probe.recovered_at is None:
                probe.welcomed = True

    def _snapshot(self, frame: list[Any], socket: ClientConnection, now: float) -> None:
        try:
            self._chain.apply(frame)
        except ChainBroken:
            self.chain_breaks += 1
            self._chain.reset()
            resync = asyncio.create_task(_send_quietly(socket, msgpack.packb([MessageType.RESYNC])))
            self._sending.add(resync)
            resync.add_done_callback(self._sending.discard)
            return
        self.snapshots += 1
        self.recorder.snapshot(now)
        ack = None
        if self._view is not None:
            self._view.state = self._chain.state
            ack = self._view.own_ack()
        if ack is not None and self.seated:
            self.ledger.observe(int(ack), now)
        if self.probes:
            for probe in self.probes:
                ready = probe.welcomed or not probe.need_welcome
                if probe.recovered_at is None and ready and now >= probe.not_before:
                    probe.recovered_at = now
            self.probes = [p for p in self.probes if p.recovered_at is None]

    async def _send_inputs(self, socket: ClientConnection) -> None:
        period = 1.0 / self.input_rate
        due = time.monotonic()
        while True:
            due += period
            await asyncio.sleep(max(0.0, due - time.monotonic()))
            if not self.seated or self._bot is None or self.result is not None:
                due = time.monotonic()
                continue
            assert self._view is not None
            values = self._bot.decide(self._view, time.monotonic())
            if values is None:
                continue
            self._seq += 1
            try:
                await socket.send(msgpack.packb([MessageType.INPUT, self._seq, *values]))
            except ConnectionClosed:
                return
            self.inputs_sent += 1


async def _send_quietly(socket: ClientConnection, data: bytes) -> None:
    with contextlib.suppress(ConnectionClosed):
        await socket.send(data)
