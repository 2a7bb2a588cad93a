"""Connect Four's rules through the runtime's match: discs and turns, invalid moves, four in a
row every way, a full board, the turn timer, players who leave and come back, standings.

Ada is seated first (disc 1, moves first), Bo second (disc 2). The board is seen as the view
shows it: cell ``row * 7 + column``, row 0 at the bottom.
"""

from __future__ import annotations

import pytest

from engine.games.connect4.game import COLUMNS, ROWS, Connect4Game, Connect4Options
from engine.match import GameRefusedSeat, Match, MatchFull
from engine.protocol import Phase
from lobby.rating import update_ratings

pytestmark = pytest.mark.timeout(30)

DROP, WIN, TIMEOUT = 1, 2, 3
ADA, BO = 0, 1
TICKS_PER_TURN = 200  # 20 s at 10 ticks a second

# found by playing random legal games: 42 discs without four in a row, and 42 whose last wins
DRAW = [1, 1, 3, 2, 4, 2, 3, 2, 3, 6, 5, 3, 1, 4, 2, 4, 2, 6, 2, 3, 5]
DRAW += [5, 4, 3, 1, 1, 0, 0, 5, 0, 6, 6, 4, 5, 5, 6, 0, 1, 4, 6, 0, 0]
LAST_DISC_WINS = [6, 5, 1, 3, 4, 1, 6, 5, 4, 6, 1, 0, 3, 4, 5, 3, 4, 0, 6, 5, 3]
LAST_DISC_WINS += [3, 2, 0, 5, 3, 0, 2, 2, 1, 4, 5, 1, 6, 2, 4, 1, 0, 6, 0, 2, 2]


def make_match(
    turn_time: float = 20.0, countdown: float = 0.0, grace: float = 20.0, players: int = 2
) -> Match:
    """Ada and Bo seated (``players`` of them), nothing stepped."""
    game = Connect4Game(Connect4Options(turn_time=turn_time, countdown=countdown))
    match = Match(game, game.mode("classic"), seed=1, max_players=2, reconnect_grace=grace)
    for name in ("Ada", "Bo")[:players]:
        match.add_player(name)
    return match


def started(turn_time: float = 20.0, grace: float = 20.0) -> Match:
    """A game that has just started (tick 1): Ada to move."""
    match = make_match(turn_time, grace=grace)
    assert match.step() == []
    assert match.phase is Phase.RUNNING and match.sim.turn == ADA
    return match


def send(match: Match, player_id: int, column: int, move: int | None = None) -> bool:
    """A player's next INPUT (move number: the next one, unless given); whether a disc fell."""
    moves = match.sim.moves
    seq = match.seats[player_id].last_seq + 1
    match.apply_input(player_id, seq, (column, moves + 1 if move is None else move))
    return match.sim.moves == moves + 1


def play(match: Match, columns: list[int]) -> list[list[int]]:
    """Each player in turn drops into the next column, a tick after each; the events."""
    events: list[list[int]] = []
    for column in columns:
        assert send(match, match.sim.turn, column), f"a disc into column {column}"
        events.extend(match.step())
    return events


def globals_of(match: Match) -> tuple:
    """``(board, turn, deadline, moves)`` as the view shows them."""
    return match.view().globals


def cell(match: Match, column: int, row: int) -> int:
    return globals_of(match)[0][row * COLUMNS + column]


def empty_board() -> list[int]:
    return [0] * (COLUMNS * ROWS)


# -- discs and turns -----------------------------------------------------------------------


def test_the_first_two_players_get_discs_1_and_2() -> None:
    match = make_match()
    assert match.roster() == [[ADA, "Ada", 1, True], [BO, "Bo", 2, True]]
    assert match.sim.discs == {ADA: 1, BO: 2}


def test_a_third_player_finds_no_seat() -> None:
    match = make_match()
    with pytest.raises(MatchFull):
        match.add_player("Cy")


def test_before_the_start_nobody_moves() -> None:
    match = make_match(countdown=1.0)
    assert globals_of(match) == (empty_board(), -1, 0, 0)
    assert not send(match, ADA, 3, 1), "waiting"
    match.step()
    assert match.phase is Phase.COUNTDOWN
    assert not send(match, ADA, 3, 1), "counting down"
    assert globals_of(match) == (empty_board(), -1, 0, 0)
    assert match.step() == []


def test_disc_1_moves_first_with_a_full_turn_on_the_clock() -> None:
    match = make_match(countdown=1.0)
    for _ in range(10):
        match.step()
    assert match.phase is Phase.COUNTDOWN
    match.step()
    assert match.phase is Phase.RUNNING
    assert globals_of(match) == (empty_board(), ADA, 11 + TICKS_PER_TURN, 0)
    assert match.phase_ms_left() == 0, "no time limit: the turn timer keeps it moving"


def test_disc_1_moves_first_even_when_its_player_joined_second() -> None:
    match = make_match()
    match.remove_player(ADA)  # disc 1 is free again
    cy = match.add_player("Cy")
    assert match.sim.discs == {BO: 2, cy: 1}
    match.step()
    assert match.sim.turn == cy
    assert not send(match, BO, 0)
    assert send(match, cy, 0)


def test_a_disc_falls_to_the_lowest_free_row_and_the_turn_passes() -> None:
    match = started()
    assert send(match, ADA, 3)
    assert globals_of(match)[1:] == (BO, 1 + TICKS_PER_TURN, 1), "a new turn from now"
    assert match.step() == [[DROP, ADA, 3, 0]]
    assert send(match, BO, 3)
    assert match.step() == [[DROP, BO, 3, 1]]
    assert send(match, ADA, 5)
    assert match.step() == [[DROP, ADA, 5, 0]]
    assert (cell(match, 3, 0), cell(match, 3, 1), cell(match, 5, 0), cell(match, 3, 2)) == (
        1,
        2,
        1,
        0,
    )
    assert globals_of(match)[1:] == (BO, 3 + TICKS_PER_TURN, 3), "Ada moved after tick 3"


def test_a_move_out_of_turn_changes_nothing() -> None:
    match = started()
    assert not send(match, BO, 2)
    assert globals_of(match) == (empty_board(), ADA, 1 + TICKS_PER_TURN, 0)
    assert match.step() == []
    assert send(match, ADA, 2)
    assert not send(match, ADA, 2), "Bo's turn now"


@pytest.mark.parametrize("move", [2, 3, 42], ids=["ahead", "further", "last"])
def test_a_move_with_the_wrong_number_changes_nothing(move: int) -> None:
    match = started()
    assert not send(match, ADA, 0, move)
    assert globals_of(match)[3] == 0 and match.step() == []


def test_a_repeated_input_drops_one_disc() -> None:
    match = started()
    assert send(match, ADA, 4, 1)
    assert not send(match, ADA, 4, 1), "the same move again, with a newer sequence number"
    match.step()
    assert not send(match, BO, 4, 1), "a stale move number"
    assert send(match, BO, 4, 2)
    assert globals_of(match)[3] == 2
    assert (cell(match, 4, 0), cell(match, 4, 1), cell(match, 4, 2)) == (1, 2, 0)


def test_a_stale_sequence_number_never_reaches_the_game() -> None:
    match = started()
    assert match.apply_input(ADA, 5, (1, 1))
    match.step()
    assert not match.apply_input(BO, 0, (1, 2)), "the runtime drops seq 0"
    assert match.apply_input(BO, 3, (1, 2))
    assert not match.apply_input(BO, 3, (2, 3))
    assert globals_of(match)[3] == 2


def test_a_full_column_takes_no_more_discs() -> None:
    match = started()
    play(match, [0] * ROWS)
    assert [cell(match, 0, row) for row in range(ROWS)] == [1, 2, 1, 2, 1, 2]
    assert not send(match, ADA, 0)
    assert globals_of(match)[1] == ADA and match.step() == []
    assert send(match, ADA, 1)


# -- four in a row -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("columns", "winner", "line"),
    [
        ([0, 0, 1, 1, 2, 2, 3], ADA, [(0, 0), (1, 0), (2, 0), (3, 0)]),
        ([6, 0, 5, 0, 4, 0, 2, 0], BO, [(0, 0), (0, 1), (0, 2), (0, 3)]),
        ([0, 1, 0, 1, 0, 1, 0], ADA, [(0, 0), (0, 1), (0, 2), (0, 3)]),
        ([0, 1, 1, 2, 2, 3, 2, 3, 3, 6, 3], ADA, [(0, 0), (1, 1), (2, 2), (3, 3)]),
        ([6, 5, 5, 4, 4, 3, 4, 3, 3, 0, 3], ADA, [(6, 0), (5, 1), (4, 2), (3, 3)]),
        ([3, 4, 4, 5, 5, 6, 5, 6, 6, 0, 6], ADA, [(3, 0), (4, 1), (5, 2), (6, 3)]),
        ([0, 0, 1, 1, 3, 3, 2], ADA, [(0, 0), (1, 0), (2, 0), (3, 0)]),
        ([0, 0, 1, 1, 3, 3, 4, 4, 2], ADA, [(0, 0), (1, 0), (2, 0), (3, 0), (4, 0)]),
        ([6, 6, 5, 5, 4, 4, 3], ADA, [(3, 0), (4, 0), (5, 0), (6, 0)]),
    ],
    ids=[
        "across",
        "up-by-disc-2",
        "up",
        "diagonal-up-right",
        "diagonal-up-left",
        "diagonal-to-the-right-edge",
        "filling-the-gap",
        "five-in-a-row",
        "against-the-right-edge",
    ],
)
def test_four_in_a_row_wins(columns: list[int], winner: int, line: list[tuple[int, int]]) -> None:
    match = started()
    events = play(match, columns)
    disc = match.sim.discs[winner]
    assert all(cell(match, column, row) == disc for column, row in line)
    last_column = columns[-1]
    assert events[-2:] == [[DROP, winner, last_column, events[-2][3]], [WIN, winner]]
    assert [e[0] for e in events].count(WIN) == 1
    assert match.phase is Phase.ENDED
    result = match.result
    assert result is not None
    assert (result.reason, result.winner_id) == ("four_in_a_row", winner)
    loser = BO if winner == ADA else ADA
    names = {ADA: "Ada", BO: "Bo"}
    assert result.standings == [
        [winner, names[winner], 1, disc],
        [loser, names[loser], 2, 3 - disc],
    ]
    assert result.columns == ("disc",) and result.teams == 0


@pytest.mark.parametrize(
    "columns",
    [
        [0, 0, 1, 1, 2, 2],  # three across
        [4, 0, 5, 5, 6, 6, 0],  # 4, 5, 6 of the bottom row and 0 of the next: not a line
        [0, 1, 0, 1, 0, 2, 1, 0],  # three up, then covered
        [0, 1, 1, 2, 2, 3, 2, 3, 6, 6],  # three of a diagonal
    ],
    ids=["three", "across-the-edge", "three-up", "three-diagonal"],
)
def test_fewer_than_four_in_a_line_is_no_win(columns: list[int]) -> None:
    match = started()
    events = play(match, columns)
    assert WIN not in [e[0] for e in events]
    assert match.phase is Phase.RUNNING and match.sim.winner is None


def test_nobody_moves_after_the_winning_disc() -> None:
    match = started()
    play(match, [0, 1, 0, 1, 0, 1])
    assert send(match, ADA, 0)
    board = list(globals_of(match)[0])
    assert not send(match, ADA, 3), "the game is won: no turn after it"
    assert not send(match, BO, 3)
    assert globals_of(match)[0] == board and globals_of(match)[3] == 7
    assert match.step() == [[DROP, ADA, 0, 3], [WIN, ADA]]
    assert match.result is not None and match.result.winner_id == ADA


def test_a_full_board_without_four_in_a_row_is_a_draw() -> None:
    match = started()
    events = play(match, DRAW)
    assert WIN not in [e[0] for e in events]
    assert globals_of(match)[3] == COLUMNS * ROWS and 0 not in globals_of(match)[0]
    result = match.result
    assert result is not None
    assert (result.reason, result.winner_id) == ("board_full", None)
    assert result.standings == [[ADA, "Ada", 1, 1], [BO, "Bo", 1, 2]]


def test_a_last_disc_that_makes_four_wins_instead_of_a_draw() -> None:
    match = started()
    events = play(match, LAST_DISC_WINS)
    assert events[-1] == [WIN, BO] and globals_of(match)[3] == 42
    result = match.result
    assert result is not None
    assert (result.reason, result.winner_id) == ("four_in_a_row", BO)


# -- the turn timer ------------------------------------------------------------------------


def test_a_player_out_of_time_gets_the_leftmost_free_column() -> None:
    match = started(turn_time=2.0)  # 20 ticks
    for _ in range(19):
        assert match.step() == []
    assert match.tick == 20
    assert match.step() == [[TIMEOUT, ADA], [DROP, ADA, 0, 0]]
    assert globals_of(match)[1:] == (BO, 41, 1)
    for _ in range(19):
        assert match.step() == []
    assert match.step() == [[TIMEOUT, BO], [DROP, BO, 0, 1]]


def test_the_leftmost_free_column_skips_full_ones() -> None:
    match = started(turn_time=2.0)
    play(match, [0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1])
    events = []
    while not events:
        events = match.step()
    assert events == [[TIMEOUT, ADA], [DROP, ADA, 2, 0]]


def test_a_move_in_time_starts_the_next_turn_in_full() -> None:
    match = started(turn_time=2.0)
    for _ in range(15):
        match.step()
    assert send(match, ADA, 6)
    assert globals_of(match)[2] == 16 + 20
    events = []
    for _ in range(20):
        events.extend(match.step())
    assert events == [[DROP, ADA, 6, 0], [TIMEOUT, BO], [DROP, BO, 0, 0]]
    assert match.tick == 36


def test_a_disc_made_for_a_player_out_of_time_can_win() -> None:
    match = started(turn_time=2.0)
    play(match, [0, 1, 0, 1, 0, 2])
    events = []
    while match.result is None:
        events.extend(match.step())
    assert events[-3:] == [[TIMEOUT, ADA], [DROP, ADA, 0, 3], [WIN, ADA]]
    assert (match.result.reason, match.result.winner_id) == ("four_in_a_row", ADA)


def test_two_idle_players_are_played_to_the_end_by_the_timer() -> None:
    match = started(turn_time=0.1)  # one tick a turn
    events = []
    while match.result is None:
        events.extend(match.step())
    timeouts = [e for e in events if e[0] == TIMEOUT]
    assert len(timeouts) == 19, "three columns fill up, then disc 1 has the bottom row"
    assert [e[1] for e in timeouts] == [ADA, BO] * 9 + [ADA]
    assert (match.result.reason, match.result.winner_id) == ("four_in_a_row", ADA)


def test_an_away_players_turn_runs_out_too() -> None:
    match = started(turn_time=2.0, grace=30.0)
    match.player_away(ADA)
    events = []
    for _ in range(20):
        events.extend(match.step())
    assert events == [[TIMEOUT, ADA], [DROP, ADA, 0, 0]]
    match.readmit_player(ADA)
    assert send(match, BO, 5)
    assert send(match, ADA, 5), "back, it plays its turn"


# -- leaving and coming back ---------------------------------------------------------------


def test_a_player_who_leaves_before_the_start_frees_its_disc() -> None:
    match = make_match(countdown=1.0, players=1)
    match.step()
    assert match.phase is Phase.WAITING
    match.add_player("Bo")
    match.remove_player(ADA)
    assert match.sim.discs == {BO: 2}
    assert match.roster()[0] == [ADA, "Ada", 0, False]
    cy = match.add_player("Cy")
    assert match.sim.discs == {BO: 2, cy: 1}
    with pytest.raises(MatchFull):
        match.readmit_player(ADA)


def test_a_player_who_leaves_during_the_countdown_frees_its_disc_and_it_waits() -> None:
    match = make_match(countdown=1.0)
    match.step()
    assert match.phase is Phase.COUNTDOWN
    match.remove_player(BO)
    match.step()
    assert match.phase is Phase.WAITING and match.sim.discs == {ADA: 1}
    match.readmit_player(BO)
    assert match.sim.discs == {ADA: 1, BO: 2}, "the free disc"
    for _ in range(12):
        match.step()
    assert match.phase is Phase.RUNNING and match.sim.turn == ADA


def test_a_player_back_before_the_start_takes_the_free_disc() -> None:
    match = make_match()
    match.remove_player(ADA)
    match.remove_player(BO)
    match.readmit_player(BO)
    assert match.sim.discs == {BO: 1}, "disc 1 was free"
    match.readmit_player(ADA)
    assert match.sim.discs == {BO: 1, ADA: 2}
    match.step()
    assert match.sim.turn == BO


def test_a_player_away_during_the_countdown_keeps_its_disc() -> None:
    match = make_match(countdown=1.0)
    match.step()
    match.player_away(BO)
    match.step()
    assert match.phase is Phase.WAITING and match.sim.discs == {ADA: 1, BO: 2}
    match.readmit_player(BO)
    assert match.sim.discs == {ADA: 1, BO: 2}


def test_a_player_who_leaves_a_running_game_keeps_its_disc_and_loses_by_forfeit() -> None:
    match = started()
    play(match, [3, 3, 4])
    match.remove_player(ADA)
    assert match.sim.discs == {ADA: 1, BO: 2}
    with pytest.raises(GameRefusedSeat, match="two players"):
        match.add_player("Cy")
    match.step()
    result = match.result
    assert result is not None
    assert (result.reason, result.winner_id) == ("forfeit", BO)
    assert result.standings == [[BO, "Bo", 1, 2], [ADA, "Ada", 2, 1]]


def test_a_player_back_within_its_grace_period_keeps_its_disc_and_its_turn() -> None:
    match = started(grace=5.0)
    match.player_away(ADA)
    for _ in range(10):
        match.step()
    match.readmit_player(ADA)
    assert match.sim.discs[ADA] == 1 and match.sim.turn == ADA
    assert send(match, ADA, 2)


def test_a_running_game_refuses_an_earlier_leaver_whose_disc_went_to_another() -> None:
    match = make_match()
    match.remove_player(ADA)  # before the start: its disc goes to Cy
    cy = match.add_player("Cy")
    match.step()
    match.remove_player(BO)  # a seat is free until the next tick
    with pytest.raises(GameRefusedSeat, match="two players"):
        match.readmit_player(ADA)
    assert match.sim.discs == {BO: 2, cy: 1}, "both discs are taken"
    assert [row for row in match.roster() if row[0] == ADA] == [[ADA, "Ada", 0, False]]
    match.step()
    result = match.result
    assert result is not None, "Ada seated without a disc would have kept Bo's game going"
    assert (result.reason, result.winner_id) == ("forfeit", cy)


def test_a_leaver_of_a_running_game_is_admitted_back_to_its_disc() -> None:
    match = started()
    play(match, [3, 3])
    match.remove_player(ADA)
    match.readmit_player(ADA)  # before the forfeit: both discs are taken, one is Ada's
    assert match.seats[ADA].present and match.sim.discs == {ADA: 1, BO: 2}
    match.step()
    assert match.result is None
    assert send(match, ADA, 4)


# -- standings for the ratings -------------------------------------------------------------


def ratings_after(match: Match) -> dict[int, float]:
    result = match.result
    assert result is not None
    places = {row[0]: row[2] for row in result.standings}
    return update_ratings(dict.fromkeys(places, 1500.0), places)


def test_the_winner_gains_what_the_loser_loses() -> None:
    match = started()
    play(match, [0, 1, 0, 1, 0, 1, 0])
    after = ratings_after(match)
    assert after[ADA] == pytest.approx(1516.0) and after[BO] == pytest.approx(1484.0)


def test_a_draw_changes_no_equal_ratings() -> None:
    match = started()
    play(match, DRAW)
    assert ratings_after(match) == pytest.approx({ADA: 1500.0, BO: 1500.0})


def test_a_player_who_left_before_the_start_is_neither_placed_nor_rated() -> None:
    match = make_match()
    match.remove_player(ADA)  # before the start: its disc goes to Cy
    cy = match.add_player("Cy")
    match.step()
    play(match, [0, 1, 0, 1, 0, 1, 0])
    result = match.result
    assert result is not None and result.winner_id == cy
    assert result.standings == [[cy, "Cy", 1, 1], [BO, "Bo", 2, 2]], "Ada never played"
    assert ratings_after(match) == pytest.approx({cy: 1516.0, BO: 1484.0})


def test_a_draw_without_the_player_who_left_before_the_start() -> None:
    match = make_match()
    match.remove_player(BO)
    cy = match.add_player("Cy")
    match.step()
    play(match, DRAW)
    result = match.result
    assert result is not None and result.reason == "board_full" and result.winner_id is None
    assert [row[0] for row in result.standings] == [ADA, cy]
