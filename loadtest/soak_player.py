"""A soak run's player: lobby, ready check, a shooter duel, a dropped connection, again.

It keeps a lobby socket open, queues for a duel, accepts every ready check, plays the match it
is given (random INPUTs a few times a second, every frame read), and queues again when the
match is over, until the run tells it to stop. Now and then (``drop_share`` of its matches)
it loses its match socket without a close frame half-way through and comes back with the same
ticket, and now and then (``lobby_share`` of its rounds) it closes its lobby socket and opens a
new one with the same session. It keeps what it thinks is going on (``state``, ``match_id``)
so that the run can compare it with what the server reports.
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
from urllib.parse import quote

import msgpack
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake

from engine.games.shooter.wire import MAX_AIM_MRAD
from engine.protocol import CloseCode, LobbyErrorCode, MessageType

logger = logging.getLogger(__name__)

GAME, MODE = "shooter", "duel"
ABRUPT = 1006
# Close codes after which a seated player comes back by itself (as chaos_player's RETRY_CODES).
RETRY_CODES = frozenset({1001, ABRUPT, 1011, 1012, 1013, 4009, 4013, 4015})
OPEN_TIMEOUT = 10.0
RECONNECT_DELAY = 0.5  # seconds before coming back after a drop
GIVE_UP_AFTER = 15.0  # seconds of failed reconnects before a match counts as lost
REQUEUE_DELAY = 1.0  # seconds before queueing again after "already active"
MAX_REFUSALS = 10
IDLE, QUEUED, CHECKING, PLAYING, DONE = "idle", "queued", "ready check", "playing", "done"


class LobbyClosed(RuntimeError):
    """The lobby socket closed while the player waited on it."""


@dataclass
class Tally:
    """What every player of the run adds to."""

    matches_played: int = 0  # a RESULT received
    matches_lost: int = 0  # the match socket closed for good without a RESULT
    drops: int = 0  # match sockets the run cut on purpose
    reconnects: int = 0  # WELCOMEs on a new socket after a drop
    lobby_reopens: int = 0
    ready_checks: int = 0
    ready_failed: int = 0
    frames: int = 0
    closes: Counter[str] = field(default_factory=Counter)  # unexpected close codes, counted
    lobby_errors: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, Any]:
        """The tally as plain JSON-friendly values."""
        values = {name: getattr(self, name) for name in self.__dataclass_fields__}
        return {k: dict(v) if isinstance(v, Counter) else v for k, v in values.items()}


class SoakPlayer:
    """One guest who queues, plays and reconnects until ``stop`` is set."""

    def __init__(
        self,
        index: int,
        base: str,
        cookie: str,
        tally: Tally,
        rng: random.Random,
        input_rate: float,
        drop_share: float,
        lobby_share: float,
    ) -> None:
        """``base`` is the web process whose lobby it uses; ``cookie`` its guest session."""
        self.name = f"soak{index}"
        self.base = base
        self.cookie = cookie
        self.tally = tally
        self.rng = rng
        self.input_rate = input_rate
        self.drop_share = drop_share
        self.lobby_share = lobby_share
        self.state = IDLE
        self.match_id: str | None = None
        self._seq = 0  # INPUTs are numbered on across a player's sockets

    async def run(self, stop: asyncio.Event) -> None:
        """Play rounds until ``stop``; the current match is played out, a queue is left."""
        try:
            while not stop.is_set():
                url = self.base.replace("http://", "ws://") + f"/ws/lobby/?name={self.name}"
                async with connect(
                    url,
                    additional_headers={"Cookie": self.cookie},
                    open_timeout=OPEN_TIMEOUT,
                    compression=None,
                ) as lobby:
                    await self._rounds(lobby, stop)
                if not stop.is_set():
                    self.tally.lobby_reopens += 1
        except (OSError, InvalidHandshake, TimeoutError, ConnectionClosed, LobbyClosed) as exc:
            logger.warning("%s stopped early: %r", self.name, exc)
            self.tally.closes[f"lobby {type(exc).__name__}"] += 1
        finally:
            self.state, self.match_id = DONE, None

    async def _rounds(self, lobby: ClientConnection, stop: asyncio.Event) -> None:
        welcome = msgpack.unpackb(await lobby.recv())
        if welcome[0] != MessageType.LOBBY_WELCOME:
            raise LobbyClosed(f"first frame {welcome[0]}, not LOBBY_WELCOME")
        while not stop.is_set():
            found = await self._find_match(lobby, stop)
            if found is None:
                return
            await self._play(found)
            if self.rng.random() < self.lobby_share:
                return  # the caller opens a new lobby socket

    async def _find_match(self, lobby: ClientConnection, stop: asyncio.Event) -> dict | None:
        """Queue and accept ready checks until MATCH_FOUND; None once ``stop`` is set."""
        await lobby.send(msgpack.packb([MessageType.QUEUE, GAME, MODE]))
        self.state = QUEUED
        refusals = 0
        stopping = asyncio.ensure_future(stop.wait())
        try:
            while True:
                receiving = asyncio.ensure_future(lobby.recv())
                # A ready check is answered to its end even when stopping: the match it may
                # start is played out (a match nobody comes to would be left behind).
                waits = {receiving, stopping} if self.state == QUEUED else {receiving}
                await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
                if not receiving.done():
                    receiving.cancel()
                    with contextlib.suppress(asyncio.CancelledError, ConnectionClosed):
                        await receiving
                    if self.state == QUEUED:
                        with contextlib.suppress(ConnectionClosed):
                            await lobby.send(msgpack.packb([MessageType.CANCEL]))
                    self.state = IDLE
                    return None
                frame = msgpack.unpackb(receiving.result())
                kind = frame[0]
                if kind == MessageType.READY_CHECK:
                    self.tally.ready_checks += 1
                    self.state = CHECKING
                    pending = frame[1]["pending_id"]
                    await lobby.send(msgpack.packb([MessageType.READY_ANSWER, pending, True]))
                elif kind == MessageType.MATCH_FOUND:
                    return frame[1]
                elif kind == MessageType.READY_FAILED:
                    self.tally.ready_failed += 1
                    self.state = QUEUED
                    if not frame[1]["requeued"]:
                        await lobby.send(msgpack.packb([MessageType.QUEUE, GAME, MODE]))
                elif kind == MessageType.LOBBY_ERROR:
                    self.tally.lobby_errors[str(frame[1])] += 1
                    if frame[1] != LobbyErrorCode.ALREADY_ACTIVE or refusals >= MAX_REFUSALS:
                        raise LobbyClosed(f"LOBBY_ERROR {frame[1:]}")
                    # The last match's seat may not be given up yet (its end travels from the
                    # engine to the lobby): queue again a moment later, as a player would.
                    refusals += 1
                    await asyncio.sleep(REQUEUE_DELAY)
                    await lobby.send(msgpack.packb([MessageType.QUEUE, GAME, MODE]))
        finally:
            stopping.cancel()

    async def _play(self, found: dict[str, Any]) -> None:
        """Play the match until its RESULT, coming back after drops (the run's or the net's)."""
        self.state, self.match_id = PLAYING, found["match_id"]
        url = f"{found['ws_url']}?ticket={quote(found['ticket'])}"
        drop = self.rng.random() < self.drop_share
        lost_since: float | None = None
        try:
            while True:
                code, result, welcomed = await self._socket(url, drop)
                if welcomed and lost_since is not None:
                    self.tally.reconnects += 1
                    lost_since = None
                if result:
                    self.tally.matches_played += 1
                    return
                if code == ABRUPT and drop:
                    self.tally.drops += 1
                    drop = False
                elif code not in RETRY_CODES:
                    logger.warning("%s: match %s closed with %s", self.name, self.match_id, code)
                    self.tally.closes[str(code)] += 1
                    self.tally.matches_lost += 1
                    return
                now = time.monotonic()
                lost_since = lost_since or now
                if now - lost_since > GIVE_UP_AFTER:
                    self.tally.closes[f"gave up after {code}"] += 1
                    self.tally.matches_lost += 1
                    return
                await asyncio.sleep(RECONNECT_DELAY)
        finally:
            self.state, self.match_id = IDLE, None

    async def _socket(self, url: str, drop: bool) -> tuple[int, bool, bool]:
        """One match socket until it closes: its close code, whether a RESULT came, and
        whether it was welcomed."""
        try:
            socket = await connect(url, open_timeout=OPEN_TIMEOUT, compression=None, max_size=None)
        except (OSError, InvalidHandshake, TimeoutError):
            return ABRUPT, False, False
        result = False
        welcomes = 0
        welcomed = asyncio.Event()  # INPUTs only once seated, as the browser sends them
        inputs = asyncio.create_task(self._send_inputs(socket, welcomed))
        drop_after = self.rng.uniform(20, 200) if drop else None  # frames into the match
        frames = 0
        try:
            async for data in socket:
                frames += 1
                kind = msgpack.unpackb(data)[0]
                if kind == MessageType.WELCOME:
                    welcomes += 1
                    welcomed.set()
                elif kind == MessageType.RESULT:
                    result = True
                if drop_after is not None and frames >= drop_after and not result:
                    socket.transport.abort()
                    break
        except ConnectionClosed:
            pass
        finally:
            self.tally.frames += frames
            inputs.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await inputs
        received = socket.protocol.close_rcvd
        if received is not None and received.code not in (1000, CloseCode.MATCH_OVER):
            logger.warning("%s: closed with %s (%s)", self.name, received.code, received.reason)
        if drop_after is not None and not result:
            return ABRUPT, False, welcomes > 0
        return (received.code if received is not None else ABRUPT), result, welcomes > 0

    async def _send_inputs(self, socket: ClientConnection, welcomed: asyncio.Event) -> None:
        await welcomed.wait()
        period = 1.0 / self.input_rate
        while True:
            await asyncio.sleep(period * self.rng.uniform(0.8, 1.2))
            self._seq += 1
            buttons = self.rng.randrange(32)
            aim = self.rng.randint(-MAX_AIM_MRAD, MAX_AIM_MRAD)
            frame = [MessageType.INPUT, self._seq, buttons, aim]
            try:
                await socket.send(msgpack.packb(frame))
            except ConnectionClosed:
                return
