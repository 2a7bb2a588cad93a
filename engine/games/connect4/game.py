"""Connect Four, the tutorial game of docs/games.md: two players take turns dropping discs into a
seven-column grid; four in a row wins. A turn timer keeps the game moving.

The whole game is this file: its options, its declared inputs and state, and its simulation.
It shows what a turn-based game needs of the game API: no prediction, snapshots only when
something changes (``snapshots = "on_change"``), one INPUT per move.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from engine.bots import BotView
from engine.game import (
    Game,
    GameOver,
    JoinRefused,
    MatchContext,
    Mode,
    Seat,
    Simulation,
    StateView,
    Timing,
)
from engine.protocol import Phase
from engine.schema import EventType, Field, InputSchema, StateSchema

COLUMNS = 7
ROWS = 6
EMPTY = 0
DROP, WIN, TIMEOUT = 1, 2, 3  # event kinds
LINES = ((1, 0), (0, 1), (1, 1), (1, -1))  # the four directions of a row of four


@dataclass(frozen=True)
class Connect4Options:
    """What an operator may set (``ARENA_CONNECT4_<NAME>``)."""

    tick_rate: int = 10
    turn_time: float = 20.0  # seconds a player has for a move before one is made for it
    countdown: float = 1.0

    def __post_init__(self) -> None:
        if not 1 <= self.tick_rate <= 120:
            raise ValueError(f"tick_rate must be 1 to 120, got {self.tick_rate}")
        if not self.turn_time > 0 or not self.countdown >= 0:
            raise ValueError("turn_time must be positive and countdown at least 0")


class Connect4(Simulation):
    """One game of Connect Four between the first two players seated."""

    def __init__(self, ctx: MatchContext) -> None:
        super().__init__(ctx)
        self.board = [EMPTY] * (COLUMNS * ROWS)  # row 0 is the bottom row
        self.discs: dict[int, int] = {}  # player id -> its disc (1 or 2)
        self.moves = 0  # discs dropped so far
        self.turn = -1  # the player id to move (-1: nobody yet)
        self.deadline = 0  # the tick the turn ends on
        self.winner: int | None = None
        self._events: list[list[int]] = []

    # -- players: the two seated get discs 1 and 2 -----------------------------------------

    def admit(self, seat: Seat) -> None:
        """Two players play; a third is refused, and so is a player back after leaving whose
        disc went to another meanwhile (it left before the start) when both are taken."""
        if seat.id not in self.discs and len(self.discs) >= 2:
            raise JoinRefused("two players are playing this game")

    def player_joined(self, seat: Seat) -> None:
        """The free disc (the lower one) is this player's."""
        self.discs[seat.id] = min({1, 2} - set(self.discs.values()))

    def player_returned(self, seat: Seat) -> None:
        """A player back after leaving keeps its disc, or takes the free one if it left before
        the game started (``admit`` has made sure one is free)."""
        if seat.id not in self.discs and len(self.discs) < 2:
            self.player_joined(seat)

    def player_left(self, seat: Seat) -> None:
        """Before the game starts the leaver's disc is free for the next player; once it runs,
        the runtime ends it by forfeit."""
        if self.ctx.phase in (Phase.WAITING, Phase.COUNTDOWN):
            del self.discs[seat.id]

    # -- play ------------------------------------------------------------------------------

    def start(self) -> None:
        """Disc 1 moves first."""
        self.turn = next(pid for pid, disc in self.discs.items() if disc == 1)
        self._start_turn()

    def apply_input(self, seat: Seat, values: tuple[int, ...]) -> None:
        """``(column, move)``: drop in ``column`` as move number ``move``. A repeated or stale
        INPUT, a move out of turn, after the win or into a full column changes nothing."""
        column, move = values
        if self.ctx.phase is not Phase.RUNNING or self.winner is not None or seat.id != self.turn:
            return
        if move != self.moves + 1 or self._top(column) is None:
            return
        self._drop(column)

    def step(self) -> GameOver | None:
        """Only time passes: a player out of time gets the leftmost free column."""
        if self.ctx.phase is not Phase.RUNNING:
            return None
        if self.winner is None and self.moves < COLUMNS * ROWS and self.ctx.tick >= self.deadline:
            self._events.append([TIMEOUT, self.turn])
            self._drop(next(c for c in range(COLUMNS) if self._top(c) is not None))
        if self.winner is not None:
            return GameOver("four_in_a_row")
        if self.moves == COLUMNS * ROWS:
            return GameOver("board_full")
        return None

    def _top(self, column: int) -> int | None:
        """The free row of ``column`` (None when it is full)."""
        for row in range(ROWS):
            if self.board[row * COLUMNS + column] == EMPTY:
                return row
        return None

    def _drop(self, column: int) -> None:
        row = self._top(column)
        assert row is not None
        disc = self.discs[self.turn]
        self.board[row * COLUMNS + column] = disc
        self.moves += 1
        self._events.append([DROP, self.turn, column, row])
        if self._four_from(column, row, disc):
            self.winner = self.turn
            self._events.append([WIN, self.turn])
            return
        self.turn = next(pid for pid in self.discs if pid != self.turn)
        self._start_turn()

    def _start_turn(self) -> None:
        self.deadline = self.ctx.tick + self.ctx.ticks(self.ctx.options.turn_time)

    def _four_from(self, column: int, row: int, disc: int) -> bool:
        for dc, dr in LINES:
            count = 1
            for sign in (1, -1):
                c, r = column + sign * dc, row + sign * dr
                while 0 <= c < COLUMNS and 0 <= r < ROWS and self.board[r * COLUMNS + c] == disc:
                    count += 1
                    c, r = c + sign * dc, r + sign * dr
            if count >= 4:
                return True
        return False

    # -- what is shown ---------------------------------------------------------------------

    def view(self) -> StateView:
        """Globals only: the board, whose turn, the turn's last tick, the moves made."""
        return StateView((list(self.board), self.turn, self.deadline, self.moves), ())

    def take_events(self) -> list[list[int]]:
        """Drops, the win and timeouts since the last call."""
        events, self._events = self._events, []
        return events

    def roster_columns(self, seat: Seat) -> tuple[int, ...]:
        """``(disc,)``: 1 or 2."""
        return (self.discs.get(seat.id, 0),)

    def ranking(self) -> list[list[int]]:
        """The winner first; without one, a draw."""
        everyone = list(self.ctx.seats)
        if self.winner is None:
            return [everyone]
        return [[self.winner], [pid for pid in everyone if pid != self.winner]]

    # -- checkpoints -----------------------------------------------------------------------

    def export_state(self) -> dict[str, Any]:
        """The board and the turn."""
        return {
            "board": list(self.board),
            "discs": [[pid, disc] for pid, disc in self.discs.items()],
            "moves": self.moves,
            "turn": self.turn,
            "deadline": self.deadline,
            "winner": self.winner,
            "events": [list(e) for e in self._events],
        }

    @classmethod
    def restore(cls, ctx: MatchContext, state: dict[str, Any]) -> Connect4:
        """The game ``export_state`` described."""
        sim = cls(ctx)
        sim.board = list(state["board"])
        sim.discs = {pid: disc for pid, disc in state["discs"]}
        sim.moves, sim.turn, sim.deadline = state["moves"], state["turn"], state["deadline"]
        sim.winner = state["winner"]
        sim._events = [list(e) for e in state["events"]]
        return sim


@dataclass
class Connect4Bot:
    """Drops a disc into a random column that is not full, on its turn (for load tests)."""

    rng: random.Random

    def decide(self, view: BotView, now: float) -> tuple[int, int] | None:
        """``(column, move)`` on the bot's turn; None otherwise."""
        board, turn, moves = (view.global_value(n) for n in ("board", "turn", "moves"))
        if board is None or turn != view.player_id:
            return None
        free = [c for c in range(COLUMNS) if board[(ROWS - 1) * COLUMNS + c] == EMPTY]
        return (self.rng.choice(free), moves + 1) if free else None


class Connect4Game(Game):
    """Connect Four with a turn timer."""

    name = "connect4"
    title = "Connect Four"
    description = "Drop discs in turn; four in a row wins. A turn lasts 20 seconds."
    Options = Connect4Options
    snapshots = "on_change"
    modes = (Mode("classic", "Classic · 1 vs 1", 2, 2),)
    inputs = InputSchema((Field("column", 0, COLUMNS - 1), Field("move", 1, COLUMNS * ROWS)))
    state = StateSchema(
        globals=(
            Field("board", 0, 2, length=COLUMNS * ROWS),
            Field("turn", -1, 2**31 - 1),
            Field("deadline", 0, 2**31 - 1),
            Field("moves", 0, COLUMNS * ROWS),
        ),
        events=(
            EventType(DROP, "drop", ("player", "column", "row")),
            EventType(WIN, "win", ("player",)),
            EventType(TIMEOUT, "timeout", ("player",)),
        ),
        roster=(Field("disc", 0, 2),),
    )

    def timing(self, mode: Mode) -> Timing:
        """A short countdown and no time limit: the turn timer keeps it moving."""
        return Timing(countdown=self.options.countdown, time_limit=None)

    def create(self, ctx: MatchContext) -> Connect4:
        """An empty board."""
        return Connect4(ctx)

    def restore(self, ctx: MatchContext, state: dict[str, Any]) -> Connect4:
        """The board of a checkpoint."""
        return Connect4.restore(ctx, state)

    def make_bot(self, rng: random.Random) -> Connect4Bot:
        """A bot that plays random legal moves."""
        return Connect4Bot(rng)

    def rules(self, mode: Mode) -> dict[str, Any]:
        """The grid and the turn timer."""
        return {"columns": COLUMNS, "rows": ROWS, "turn_ms": round(self.options.turn_time * 1000)}
