"""Test helpers that wait for frames and closes instead of sleeping."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import msgpack
from channels.testing import WebsocketCommunicator
from websockets.exceptions import ConnectionClosed

from engine.bots import BotView, RandomBot
from engine.game import Game, Mode, Timing
from engine.games import game_classes
from engine.protocol import MessageType
from engine.schema import StateSchema
from engine.wirestate import WireState, apply_frame, is_snapshot
from loadtest.games import seating_mode

# Every registered game, for ``pytest.mark.parametrize``: a game added to the registry is
# covered by the cross-cutting suites without a line of its own.
GAME_NAMES = sorted(game_classes())


class SocketClosed(AssertionError):
    """The socket closed while a test waited for a frame."""

    def __init__(self, code: int | None) -> None:
        super().__init__(f"socket closed with code {code}")
        self.code = code


def decode(data: bytes) -> list[Any]:
    """Decode one server frame."""
    frame = msgpack.unpackb(data, raw=False)
    assert isinstance(frame, list), frame
    return frame


class ChainFollower:
    """Rebuilds the match from a socket's KEYFRAME and DELTA frames, as a client does: from the
    schema its WELCOME (or SPECTATING) carries."""

    def __init__(self) -> None:
        self.schema: StateSchema | None = None
        self.state: WireState | None = None
        self.frames = 0
        self.keyframes = 0
        self.keyframes_after_gaps = 0  # KEYFRAMEs of a socket that missed ticks (was late)

    def feed(self, frame: list[Any]) -> list[Any] | None:
        """Apply a snapshot frame; returns the whole state as a KEYFRAME array (None if not one)."""
        if frame and frame[0] in (MessageType.WELCOME, MessageType.SPECTATING):
            self.schema = StateSchema.from_wire(frame[1]["schema"])
            self.state = None
            return None
        if not is_snapshot(frame):
            return None
        assert self.schema is not None, "a snapshot before WELCOME"
        held = self.state
        self.state = apply_frame(self.schema, self.state, frame)  # ChainBroken fails the test
        self.frames += 1
        if frame[0] == MessageType.SNAPSHOT:
            self.keyframes += 1
            self.keyframes_after_gaps += held is not None and frame[1] > held.tick + 1
        return self.state.to_keyframe()


def follower(comm: Any) -> ChainFollower:
    """The chain follower of one test socket."""
    existing = getattr(comm, "arena_follower", None)
    if existing is None:
        existing = ChainFollower()
        comm.arena_follower = existing
    return existing


async def next_frame(comm: WebsocketCommunicator, timeout: float = 2.0) -> list[Any]:
    """The next binary frame the consumer sends; raises SocketClosed on a close.

    Snapshot frames are also applied to the socket's ChainFollower.
    """
    output = await comm.receive_output(timeout)
    if output["type"] == "websocket.close":
        raise SocketClosed(output.get("code"))
    assert output["type"] == "websocket.send", output
    assert output.get("bytes") is not None, "server frames are binary"
    frame = decode(output["bytes"])
    follower(comm).feed(frame)
    return frame


async def wait_for(
    comm: WebsocketCommunicator, kind: MessageType, timeout: float = 3.0, where: Any = None
) -> list[Any]:
    """Skip frames until one of ``kind`` (matching ``where`` if given) arrives.

    ``MessageType.SNAPSHOT`` matches KEYFRAMEs and DELTAs alike and returns the rebuilt state
    as a KEYFRAME array (``[11, tick, server_ms, phase, ms_left, players, bullets, events,
    roster]``).
    """
    async with asyncio.timeout(timeout):
        while True:
            frame = await next_frame(comm, timeout)
            if kind == MessageType.SNAPSHOT and is_snapshot(frame):
                state = follower(comm).state
                assert state is not None
                frame = state.to_keyframe()
            if frame[0] == kind and (where is None or where(frame)):
                return frame


async def wait_for_close(comm: WebsocketCommunicator, timeout: float = 3.0) -> int | None:
    """Skip frames until the server closes the socket; returns the close code."""
    async with asyncio.timeout(timeout):
        while True:
            output = await comm.receive_output(timeout)
            if output["type"] == "websocket.close":
                return output.get("code")


def game_with(name: str, **options: Any) -> Game:
    """The registered game ``name`` with those of ``options`` that its Options have (the others
    are left out: ``countdown`` means nothing to a game without one)."""
    cls = game_classes()[name]
    defaults = cls.Options()
    known = {f.name for f in dataclasses.fields(defaults)}
    return cls(dataclasses.replace(defaults, **{k: v for k, v in options.items() if k in known}))


def with_timers(game: Game, **timers: Any) -> Game:
    """``game`` whose matches have the runtime's timers ``timers`` (fields of
    ``engine.game.Timing``: ``countdown``, ``time_limit``, ``ended_linger``, ``empty_timeout``)
    whatever its options say: short matches of any game."""
    timing = game.timing

    def shortened(mode: Mode) -> Timing:
        return dataclasses.replace(timing(mode), **timers)

    game.timing = shortened  # type: ignore[method-assign]
    return game


def random_input(game: Game, seq: int) -> bytes:
    """An INPUT frame of ``game`` whose values the default bot picks (random within the game's
    InputSchema), the same for the same ``seq``."""
    values = RandomBot(game.inputs, random.Random(seq)).decide(BotView(game.state, {}), 0.0)
    return msgpack.packb([MessageType.INPUT, seq, *values])


def duel_mode(game: Game) -> Mode:
    """The game's first mode whose matches (and the lobby's groups) seat two players."""
    return seating_mode(game, 2)


def avatars(comm: Any) -> dict[int, list[int]] | None:
    """The players' avatars a socket's follower holds, by player id (None when the game has no
    avatars collection, or before the first snapshot)."""
    chain = follower(comm)
    if chain.schema is None or chain.state is None:
        return None
    for index, collection in enumerate(chain.schema.collections):
        if collection.avatars:
            return chain.state.collections[index]
    return None


def roster_row(comm: Any, player_id: int) -> list[Any] | None:
    """A player's roster entry ``[id, name, (team,) *columns, connected]`` in the state a
    socket's follower holds (None if absent)."""
    state = follower(comm).state
    if state is None:
        return None
    return next((row for row in state.roster if row[0] == player_id), None)


def player_entry(snapshot: list[Any], player_id: int) -> list[Any] | None:
    """The ``[id, x, y, aim, health, flags, ack]`` entry of one player in a KEYFRAME, if present."""
    return next((p for p in snapshot[5] if p[0] == player_id), None)


async def next_tick(engine: Any, game: str = "shooter") -> None:
    """Wait until the engine worker has run one more tick of ``game``'s tick rate."""
    rate = engine.games[game].tick_rate
    start = engine.ticks_run(rate)
    async with asyncio.timeout(2):
        while engine.ticks_run(rate) == start:
            await asyncio.sleep(0)


async def until(engine: Any, condition: Any, max_ticks: int = 200, game: str = "shooter") -> None:
    """Wait tick by tick (of ``game``'s rate) until the (possibly async) ``condition`` holds."""
    for _ in range(max_ticks):
        holds = condition()
        if asyncio.iscoroutine(holds):
            holds = await holds
        if holds:
            return
        await next_tick(engine, game)
    raise AssertionError(f"condition still false after {max_ticks} ticks")


@contextlib.asynccontextmanager
async def reading_in_background(read: Callable[[], Awaitable[Any]]) -> AsyncIterator[None]:
    """Keep calling ``read`` (a socket's next frame) in the background, as a real client reads,
    until the block ends or the socket closes."""

    async def drain() -> None:
        with contextlib.suppress(ConnectionClosed):
            while True:
                await read()

    task = asyncio.create_task(drain())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def client_frame(socket: Any) -> list[Any]:
    """The next frame of a real client socket; snapshots are applied to its chain follower."""
    frame = decode(await socket.recv())
    follower(socket).feed(frame)
    return frame


async def client_frame_of(socket: Any, kind: MessageType, where: Any = None) -> list[Any]:
    """The next frame of one kind (and matching ``where``) of a real client socket, within 5 s.

    ``MessageType.SNAPSHOT`` matches KEYFRAMEs and DELTAs and returns the rebuilt KEYFRAME.
    """
    async with asyncio.timeout(5):
        while True:
            frame = await client_frame(socket)
            if kind == MessageType.SNAPSHOT and is_snapshot(frame):
                frame = follower(socket).state.to_keyframe()  # type: ignore[union-attr]
            if frame[0] == kind and (where is None or where(frame)):
                return frame
