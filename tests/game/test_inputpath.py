"""InputPath: a seated player's frames from the web server's sink to its match, as the socket's
own ``frame_received`` would take them."""

from __future__ import annotations

from typing import Any

import msgpack
import pytest

from engine.games.shooter.game import ShooterGame
from engine.games.shooter.rules import Rules
from engine.protocol import CloseCode, MessageType, PingMessage
from game.inputpath import InputPath
from game.inputs import InputBatcher
from lobby.ratelimit import FrameRateLimiter

pytestmark = pytest.mark.timeout(10)
INPUTS = ShooterGame(Rules()).inputs


class Socket:
    """The owner's side: what the path hands back to the socket."""

    def __init__(self) -> None:
        self.closing = False
        self.engine_channel: str | None = "arena.engine.local"
        self.match_id = "m"
        self.player_id: int | None = 3
        self.decoded: list[Any] = []
        self.refused: list[CloseCode] = []
        self.limited = 0

    def frame_decoded(self, frame: Any) -> None:
        self.decoded.append(frame)

    def frame_refused(self, code: CloseCode, reason: str) -> None:
        self.refused.append(code)

    def frame_limited(self, now: float) -> None:
        self.limited += 1


class LocalEngine:
    """This process's engine worker: records the inputs applied to its matches."""

    channel = "arena.engine.local"

    def __init__(self) -> None:
        self.applied: list[tuple[str, int, int, tuple[int, ...]]] = []

    def apply_input(self, match_id: str, player_id: int, seq: int, values: tuple[int, ...]) -> None:
        self.applied.append((match_id, player_id, seq, values))


def path_of(socket: Socket, rate: float = 100.0, burst: int = 100) -> tuple[InputPath, LocalEngine]:
    batcher = InputBatcher(None, 0.025)
    engine = LocalEngine()
    batcher.local = engine
    return InputPath(socket, FrameRateLimiter(rate, burst), None, INPUTS, batcher), engine


def test_an_input_reaches_the_local_match_and_other_frames_the_socket() -> None:
    socket = Socket()
    path, engine = path_of(socket)
    path.take(msgpack.packb([MessageType.INPUT, 7, 16, 300]))
    path.take(msgpack.packb([MessageType.PING, 42]))
    assert engine.applied == [("m", 3, 7, (16, 300, 0, 0))]
    assert socket.decoded == [PingMessage(42)]


def test_a_bad_frame_is_refused_with_its_code_and_reaches_nobody() -> None:
    socket = Socket()
    path, engine = path_of(socket)
    path.take(msgpack.packb([MessageType.INPUT, 1, 64, 0]))  # buttons out of range
    path.take(bytes(100))
    assert socket.refused == [CloseCode.PROTOCOL_ERROR, CloseCode.FRAME_TOO_LARGE]
    assert engine.applied == [] and socket.decoded == []


def test_frames_over_the_limit_are_dropped_and_a_closing_socket_takes_none() -> None:
    socket = Socket()
    path, engine = path_of(socket, rate=1.0, burst=2)
    for seq in range(1, 6):
        path.take(msgpack.packb([MessageType.INPUT, seq, 0, 0]))
    assert [seq for _, _, seq, _ in engine.applied] == [1, 2]
    assert socket.limited == 3
    socket.closing = True
    path.take(msgpack.packb([MessageType.PING, 1]))
    assert socket.decoded == [] and socket.refused == []
