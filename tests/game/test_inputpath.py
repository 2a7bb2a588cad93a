"""InputPath: a seated player's frames from the web server's sink to its match, as the socket's
own ``frame_received`` would take them."""

from __future__ import annotations

from typing import Any

import msgpack
import pytest

from engine.games.shooter.game import ShooterGame
from engine.games.shooter.rules import Rules
from engine.match import Match
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


class Hosted:
    """A match the local engine runs."""

    def __init__(self, match: Match) -> None:
        self.match = match


class LocalEngine:
    """This process's engine worker, running one real shooter match "m" with Ada seated."""

    channel = "arena.engine.local"

    def __init__(self) -> None:
        game = ShooterGame(Rules())
        self.match = Match(game, game.mode("ffa"), seed=7, max_players=4, reconnect_grace=1.0)
        self.player_id = self.match.add_player("Ada", "guest:ada")
        self.matches = {"m": Hosted(self.match)}

    @property
    def last_seq(self) -> int:
        """The sequence number of Ada's last input the match applied."""
        return self.match.seats[self.player_id].last_seq


def path_of(socket: Socket, rate: float = 100.0, burst: int = 100) -> tuple[InputPath, LocalEngine]:
    batcher = InputBatcher(None, 0.025)
    engine = LocalEngine()
    batcher.local = engine
    socket.player_id = engine.player_id
    return InputPath(socket, FrameRateLimiter(rate, burst), None, INPUTS, batcher), engine


def test_an_input_reaches_the_local_match_and_other_frames_the_socket() -> None:
    socket = Socket()
    path, engine = path_of(socket)
    path.take(msgpack.packb([MessageType.INPUT, 7, 16, 300]))
    path.take(msgpack.packb([MessageType.PING, 42]))
    assert engine.last_seq == 7
    ship = engine.match.sim.ships[engine.player_id]  # type: ignore[attr-defined]
    assert ship.buttons == 16 and ship.aim == pytest.approx(0.3), "its values, decoded"
    assert socket.decoded == [PingMessage(42)]


def test_a_bad_frame_is_refused_with_its_code_and_reaches_nobody() -> None:
    socket = Socket()
    path, engine = path_of(socket)
    path.take(msgpack.packb([MessageType.INPUT, 1, 64, 0]))  # buttons out of range
    path.take(bytes(100))
    assert socket.refused == [CloseCode.PROTOCOL_ERROR, CloseCode.FRAME_TOO_LARGE]
    assert engine.last_seq == 0 and socket.decoded == []


def test_frames_over_the_limit_are_dropped_and_a_closing_socket_takes_none() -> None:
    socket = Socket()
    path, engine = path_of(socket, rate=1.0, burst=2)
    for seq in range(1, 6):
        path.take(msgpack.packb([MessageType.INPUT, seq, 0, 0]))
    assert engine.last_seq == 2, "inputs 1 and 2 applied, 3 to 5 dropped"
    assert socket.limited == 3
    socket.closing = True
    path.take(msgpack.packb([MessageType.PING, 1]))
    assert socket.decoded == [] and socket.refused == []
