"""Connect Four as a game of the game API: options, registration, mode and timing, the declared
schema and real states encoded through it, snapshots only on change, checkpoints that resume
exactly."""

from __future__ import annotations

import dataclasses
import random
from typing import Any

import pytest

from engine.checkpoint import decode_checkpoint, encode_checkpoint, take_checkpoint
from engine.codec import SnapshotEncoder
from engine.games import game_classes, load_games
from engine.games.connect4 import GAME
from engine.games.connect4.game import Connect4Bot, Connect4Game, Connect4Options
from engine.match import Match
from engine.protocol import MessageType, Phase, ProtocolError, decode_client_frame, pack, unpack
from engine.schema import StateSchema

pytestmark = pytest.mark.timeout(30)

DROP, WIN, TIMEOUT = 1, 2, 3
KEYFRAME, DELTA = int(MessageType.SNAPSHOT), int(MessageType.DELTA)


def new_match(options: Connect4Options | None = None, players: int = 2) -> Match:
    game = Connect4Game(options or Connect4Options(countdown=0.0))
    match = Match(game, game.mode("classic"), seed=3, max_players=2, reconnect_grace=5.0)
    for name in ("Ada", "Bo")[:players]:
        match.add_player(name)
    return match


def misfits(match: Match) -> list[str]:
    """The values of the match's KEYFRAME outside their schema fields."""
    schema = match.game.state
    encoded = SnapshotEncoder(schema, 1).encode(match, match.last_events, 0)
    assert encoded is not None and encoded.keyframe is not None
    frame = unpack(encoded.keyframe)
    assert len(frame) == 5 + len(schema.globals) + 2, "no collections"
    wrong = [
        f"{spec.name}={value}"
        for spec, value in zip(schema.globals, frame[5:-2], strict=True)
        if not spec.accepts(value)
    ]
    kinds = {e.kind: e for e in schema.events}
    for event in frame[-2]:
        if event[0] not in kinds or len(event) != 1 + len(kinds[event[0]].args):
            wrong.append(f"event {event}")
    for player_id, _name, disc, _connected in frame[-1]:
        if not schema.roster[0].accepts(disc):
            wrong.append(f"roster {player_id}.disc={disc}")
    return wrong


# -- options and the game ------------------------------------------------------------------


def test_connect4_is_registered_under_its_name() -> None:
    assert GAME is Connect4Game
    assert game_classes()["connect4"] is Connect4Game
    game = load_games()["connect4"]
    assert isinstance(game, Connect4Game) and game.options == Connect4Options()


def test_the_default_options() -> None:
    options = Connect4Options()
    assert (options.tick_rate, options.turn_time, options.countdown) == (10, 20.0, 1.0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        options.turn_time = 5.0  # type: ignore[misc]


@pytest.mark.parametrize(
    "overrides",
    [
        {"tick_rate": 0},
        {"tick_rate": 121},
        {"turn_time": 0.0},
        {"turn_time": -1.0},
        {"turn_time": float("nan")},
        {"countdown": -0.5},
        {"countdown": float("nan")},
    ],
    ids=lambda o: ",".join(f"{k}={v}" for k, v in o.items()),
)
def test_invalid_options_are_refused(overrides: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        Connect4Options(**overrides)


def test_one_classic_mode_for_two_players_and_no_time_limit() -> None:
    game = Connect4Game(Connect4Options(countdown=2.5, turn_time=30.0, tick_rate=5))
    assert [(m.name, m.min_players, m.max_players, m.teams) for m in game.modes] == [
        ("classic", 2, 2, 0)
    ]
    timing = game.timing(game.mode("classic"))
    assert (timing.countdown, timing.time_limit) == (2.5, None)
    assert game.rules(game.mode("classic")) == {"columns": 7, "rows": 6, "turn_ms": 30_000}
    assert game.tick_rate == 5 and game.snapshots == "on_change"


def test_the_declared_inputs_and_state() -> None:
    game = Connect4Game()
    assert [(f.name, f.low, f.high) for f in game.inputs.fields] == [
        ("column", 0, 6),
        ("move", 1, 42),
    ]
    schema = game.state
    assert [(f.name, f.low, f.high, f.length) for f in schema.globals] == [
        ("board", 0, 2, 42),
        ("turn", -1, 2**31 - 1, None),
        ("deadline", 0, 2**31 - 1, None),
        ("moves", 0, 42, None),
    ]
    assert schema.collections == ()
    assert [(e.kind, e.name, e.args) for e in schema.events] == [
        (DROP, "drop", ("player", "column", "row")),
        (WIN, "win", ("player",)),
        (TIMEOUT, "timeout", ("player",)),
    ]
    assert [f.name for f in schema.roster] == ["disc"]
    assert StateSchema.from_wire(game.wire_schema) == schema


@pytest.mark.parametrize(
    ("values", "valid"),
    [
        ([0, 1], True),
        ([6, 42], True),
        ([7, 1], False),
        ([-1, 1], False),
        ([3, 0], False),
        ([3, 43], False),
        ([3.0, 1], False),
        ([3], False),
    ],
    ids=["first", "last", "column-7", "column-minus-1", "move-0", "move-43", "float", "short"],
)
def test_an_input_out_of_range_is_refused_before_the_game_sees_it(
    values: list[Any], valid: bool
) -> None:
    inputs = Connect4Game().inputs
    frame = pack([int(MessageType.INPUT), 1, *values])
    if valid:
        assert decode_client_frame(frame, inputs).values == tuple(values)
    else:
        with pytest.raises(ProtocolError):
            decode_client_frame(frame, inputs)


def test_the_game_makes_its_own_bot() -> None:
    assert isinstance(Connect4Game().make_bot(random.Random(1)), Connect4Bot)


# -- real states through the schema --------------------------------------------------------


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_state_of_a_game_fits_the_schema(seed: int) -> None:
    match = new_match(Connect4Options(countdown=0.3, turn_time=0.5), players=1)
    assert misfits(match) == []
    match.step()
    assert match.phase is Phase.WAITING and misfits(match) == []
    match.add_player("Bo")
    rng = random.Random(seed)
    seq = 0
    while not match.closed:
        if match.phase is Phase.RUNNING and rng.random() < 0.3:
            seq += 1
            player_id = match.sim.turn if rng.random() < 0.8 else rng.choice([0, 1])
            match.apply_input(player_id, seq, (rng.randrange(7), match.sim.moves + 1))
        match.step()
        assert misfits(match) == [], f"tick {match.tick}"
    assert match.result is not None and match.result.reason in ("four_in_a_row", "board_full")


# -- snapshots on change -------------------------------------------------------------------


def test_between_moves_the_view_does_not_change() -> None:
    match = new_match()
    match.step()
    view = match.view()
    for _ in range(50):
        match.step()
        assert match.view() == view, "only the time left changes, and the view has none"
    match.apply_input(0, 1, (3, 1))
    assert match.view() != view


def publish(match: Match, encoder: SnapshotEncoder, events: list[list[int]]) -> list[Any] | None:
    """What the worker sends for this tick of an on-change game (None: nothing)."""
    encoded = encoder.encode(
        match, events, match.tick, with_keyframe=False, only_if_changed=match.result is None
    )
    if encoded is None:
        return None
    return unpack(encoded.delta if encoded.delta is not None else encoded.keyframe)


def test_snapshots_go_out_on_a_change_and_a_keyframe_once_a_second() -> None:
    match = new_match(Connect4Options(countdown=1.0))
    encoder = SnapshotEncoder(match.game.state, match.game.tick_rate)
    sent: dict[int, list[Any]] = {}
    for tick in range(1, 46):
        if tick == 15:
            match.apply_input(0, 1, (3, 1))
        if tick == 17:
            match.apply_input(1, 1, (3, 1))  # not Bo's move number: ignored, nothing changes
        if tick == 18:
            match.apply_input(1, 2, (4, 2))
        events = match.step()
        frame = publish(match, encoder, events)
        if frame is not None:
            sent[frame[1]] = frame
    kinds = {tick: frame[0] for tick, frame in sent.items()}
    assert kinds == {
        1: KEYFRAME,  # the first
        11: KEYFRAME,  # running: the phase changed (and a second has passed)
        15: DELTA,  # Ada's disc
        18: DELTA,  # Bo's
        21: KEYFRAME,
        31: KEYFRAME,
        41: KEYFRAME,
    }
    assert sent[15][-2] == [[DROP, 0, 3, 0]] and sent[18][-2] == [[DROP, 1, 4, 0]]
    board, turn, deadline, moves = sent[18][6]
    assert (board[3], board[4], turn, deadline, moves) == (1, 2, 0, 17 + 200, 2)


# -- checkpoints ---------------------------------------------------------------------------


def restored(match: Match) -> Match:
    """The match as another worker restores it from a checkpoint's bytes."""
    checkpoint = decode_checkpoint(encode_checkpoint(take_checkpoint("m1", 0, match)))
    assert (checkpoint.game, checkpoint.mode, checkpoint.tick) == (
        "connect4",
        "classic",
        match.tick,
    )
    return checkpoint.restore({"connect4": match.game}, reconnect_grace=5.0)


def drive(match: Match, ticks: int, seed: int) -> list[bytes]:
    """Step with random INPUTs (some out of turn, some stale); each tick's KEYFRAME."""
    rng = random.Random(seed)
    encoder = SnapshotEncoder(match.game.state, 1)
    frames = []
    for _ in range(ticks):
        if rng.random() < 0.4:
            player_id = rng.choice(list(match.seats))
            move = match.sim.moves + rng.choice([1, 1, 1, 0, 2])
            match.apply_input(player_id, match.tick + 1, (rng.randrange(7), min(42, max(1, move))))
        encoded = encoder.encode(match, match.step(), match.tick * 100)
        assert encoded is not None and encoded.keyframe is not None
        frames.append(encoded.keyframe)
    return frames


@pytest.mark.parametrize(
    ("players", "ticks"),
    [(1, 3), (2, 4), (2, 30), (2, 205)],
    ids=["waiting", "countdown", "running", "ended"],
)
def test_a_restored_game_steps_into_exactly_the_same_states(players: int, ticks: int) -> None:
    match = new_match(Connect4Options(countdown=0.5, turn_time=3.0), players)
    drive(match, ticks, seed=ticks)
    copy = restored(match)
    assert copy.export_state() == match.export_state()
    assert copy.view() == match.view() and copy.roster() == match.roster()
    assert drive(copy, 400, seed=9) == drive(match, 400, seed=9)
    assert copy.export_state() == match.export_state()
    assert copy.result == match.result


def test_a_restored_game_times_out_on_the_same_tick() -> None:
    match = new_match(Connect4Options(countdown=0.0, turn_time=2.0))
    match.step()
    match.apply_input(0, 1, (5, 1))
    for _ in range(7):
        match.step()
    copy = restored(match)
    timeouts = []
    for m in (match, copy):
        while not any(e[0] == TIMEOUT for e in m.step()):
            pass
        timeouts.append(m.tick)
    assert timeouts == [21, 21]
    assert copy.view() == match.view()


def test_a_game_restored_after_its_end_keeps_its_result() -> None:
    match = new_match()
    match.step()
    for move, column in enumerate([0, 1, 0, 1, 0, 1, 0], start=1):
        match.apply_input(match.sim.turn, move, (column, move))
    match.step()
    assert match.phase is Phase.ENDED
    copy = restored(match)
    assert copy.result == match.result and copy.result.winner_id == 0
    assert copy.sim.winner == 0 and copy.view() == match.view()
    assert not copy.apply_input(1, 50, (2, 8))
    for _ in range(60):
        copy.step()
        match.step()
    assert copy.closed and match.closed
