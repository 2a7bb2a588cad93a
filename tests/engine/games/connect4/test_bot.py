"""Connect Four's bot: a random legal move on its turn, nothing otherwise; two of them play a
game to its end through the runtime, on time."""

from __future__ import annotations

import random

import pytest

from engine.bots import BotView
from engine.codec import SnapshotEncoder
from engine.frames import encode_welcome
from engine.games.connect4.game import COLUMNS, ROWS, Connect4Bot, Connect4Game, Connect4Options
from engine.match import Match
from engine.protocol import unpack
from engine.wirestate import WireState, apply_frame

pytestmark = pytest.mark.timeout(30)

DROP, WIN, TIMEOUT = 1, 2, 3


def view_of(board: list[int], turn: int, moves: int, player_id: int | None = 0) -> BotView:
    game = Connect4Game()
    state = WireState(1, 0, 2, 0, [board, turn, 500, moves], [])
    return BotView(game.state, game.rules(game.mode("classic")), player_id, None, state)


def board_with_full(columns: set[int]) -> list[int]:
    """A board whose ``columns`` are full (alternating discs), the rest empty."""
    board = [0] * (COLUMNS * ROWS)
    for column in columns:
        for row in range(ROWS):
            board[row * COLUMNS + column] = 1 + (row + column) % 2
    return board


def test_the_bot_waits_for_its_turn_and_its_first_snapshot() -> None:
    bot = Connect4Bot(random.Random(1))
    assert bot.decide(view_of([0] * 42, turn=1, moves=3), now=0.0) is None
    assert bot.decide(view_of([0] * 42, turn=-1, moves=0), now=0.0) is None
    assert bot.decide(view_of([0] * 42, turn=0, moves=0, player_id=None), now=0.0) is None
    game = Connect4Game()
    assert bot.decide(BotView(game.state, {}, 0, None, None), now=0.0) is None


def test_on_its_turn_the_bot_plays_the_next_move_in_any_free_column() -> None:
    bot = Connect4Bot(random.Random(2))
    columns = set()
    for _ in range(200):
        column, move = bot.decide(view_of([0] * 42, turn=0, moves=6), now=0.0)
        assert move == 7 and 0 <= column < COLUMNS
        columns.add(column)
    assert columns == set(range(COLUMNS))


@pytest.mark.parametrize("full", [{0}, {0, 1, 2, 3, 4, 5}, {1, 3, 5, 6}])
def test_the_bot_never_picks_a_full_column(full: set[int]) -> None:
    bot = Connect4Bot(random.Random(3))
    board = board_with_full(full)
    picked = {
        bot.decide(view_of(board, turn=0, moves=6 * len(full)), now=0.0)[0] for _ in range(100)
    }
    assert picked == set(range(COLUMNS)) - full


def test_on_a_full_board_the_bot_sends_nothing() -> None:
    bot = Connect4Bot(random.Random(4))
    assert (
        bot.decide(view_of(board_with_full(set(range(COLUMNS))), turn=0, moves=42), now=0.0) is None
    )


@pytest.mark.parametrize("seed", range(6))
def test_two_bots_play_a_game_to_its_end_on_time(seed: int) -> None:
    game = Connect4Game(Connect4Options(countdown=0.0))
    match = Match(game, game.mode("classic"), seed=seed, max_players=2)
    rng = random.Random(seed)
    seats = []
    for name in ("Ada", "Bo"):
        player_id = match.add_player(name)
        welcome = unpack(encode_welcome(match, "m", player_id, 0, 5000))[1]
        seats.append((player_id, BotView.from_welcome(welcome), game.make_bot(rng)))
    encoder = SnapshotEncoder(game.state, 1)
    events: list[list[int]] = []
    seq = 0
    while True:
        events.extend(match.step())
        if match.result is not None:
            break
        encoded = encoder.encode(match, [], match.tick)
        assert encoded is not None
        for player_id, view, bot in seats:
            view.state = apply_frame(view.schema, None, unpack(encoded.keyframe))
            values = bot.decide(view, now=match.tick / 10)
            if values is not None:
                seq += 1
                assert match.apply_input(player_id, seq, values)
    drops = [e for e in events if e[0] == DROP]
    assert TIMEOUT not in [e[0] for e in events], "every move on time"
    assert len(drops) == match.sim.moves and [e[1] for e in drops[:2]] == [0, 1]
    assert [e[1] for e in drops] == [0, 1] * (len(drops) // 2) + [0] * (len(drops) % 2)
    reason = match.result.reason
    assert reason in ("four_in_a_row", "board_full")
    assert (WIN in [e[0] for e in events]) is (reason == "four_in_a_row")
