"""Checkpoints: a restored match steps on exactly as the original, whatever the moment and the
game."""

from __future__ import annotations

import msgpack
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.checkpoint import (
    CHECKPOINT_VERSION,
    Checkpoint,
    CheckpointError,
    decode_checkpoint,
    encode_checkpoint,
    take_checkpoint,
)
from engine.codec import SnapshotEncoder
from engine.game import Game
from engine.games.shooter.game import ShooterGame
from engine.games.shooter.rules import Rules
from engine.games.shooter.wire import quantize_aim
from engine.match import Match
from engine.protocol import Phase
from tests.engine.sparks import Op, SparkOptions, SparksGame, act

RULES = Rules(countdown=0.2, time_limit=6.0, respawn_delay=0.3)
GRACE = 1.0
SHOOTER = ShooterGame(RULES)
SPARKS = SparksGame(SparkOptions(countdown=0.2, time_limit=6.0))
GAMES: dict[str, Game] = {"shooter": SHOOTER, "sparks": SPARKS}

# one input per player per tick: (buttons, aim in radians)
inputs_strategy = st.lists(
    st.tuples(st.integers(0, 31), st.floats(-3.1, 3.1)), min_size=3, max_size=3
)


def shooter_match(
    seed: int, rules: Rules = RULES, mode: str = "ffa", max_players: int = 4
) -> Match:
    """A runtime match of the shooter, with the tests' grace period."""
    game = SHOOTER if rules is RULES else ShooterGame(rules)
    return Match(game, game.mode(mode), seed, max_players, reconnect_grace=GRACE)


def play(match: Match, script: list[list[tuple[int, float]]], first_seq: int) -> None:
    """Apply one scripted input per player and step, once per entry of ``script``."""
    for offset, inputs in enumerate(script):
        for player_id, (buttons, aim) in enumerate(inputs):
            match.apply_input(player_id, first_seq + offset, (buttons, quantize_aim(aim)))
        match.step()


def roundtrip(match: Match, games: dict[str, Game] | None = None) -> Match:
    """The match through an encoded checkpoint and back."""
    if games is None:
        games = {match.game.name: match.game}
    checkpoint = take_checkpoint("m", 1, match)
    return decode_checkpoint(encode_checkpoint(checkpoint)).restore(games, GRACE)


def keyframe(match: Match) -> bytes | None:
    """The KEYFRAME of the match's current tick."""
    encoded = SnapshotEncoder(match.game.state, 1).encode(match, [], 0)
    assert encoded is not None
    return encoded.keyframe


@pytest.mark.timeout(60)
@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    before=st.lists(inputs_strategy, min_size=1, max_size=120),
    after=st.lists(inputs_strategy, min_size=1, max_size=60),
    away=st.booleans(),
)
def test_a_restored_match_steps_on_exactly_like_the_original(
    seed: int,
    before: list[list[tuple[int, float]]],
    after: list[list[tuple[int, float]]],
    away: bool,
) -> None:
    original = shooter_match(seed)
    for name in ("a", "b", "c"):
        original.add_player(name, key=f"player:{name}")
    play(original, before, first_seq=1)
    if away:
        original.player_away(2)
    restored = roundtrip(original)
    assert restored.export_state() == original.export_state()
    play(original, after, first_seq=1000)
    play(restored, after, first_seq=1000)
    assert restored.export_state() == original.export_state()
    assert keyframe(restored) == keyframe(original)
    assert restored.result == original.result
    assert restored.roster() == original.roster()


@pytest.mark.timeout(10)
def test_a_finished_match_keeps_its_result() -> None:
    match = shooter_match(3, Rules(countdown=0.0, time_limit=0.2), max_players=2)
    match.add_player("a")
    match.add_player("b")
    while match.result is None:
        match.step()
    restored = roundtrip(match)
    assert restored.phase is Phase.ENDED
    assert restored.result == match.result


@pytest.mark.timeout(10)
def test_everyone_away_waits_for_each_player_then_releases_them() -> None:
    match = shooter_match(5)
    match.add_player("a")
    match.add_player("b")
    match.step()
    restored = roundtrip(match)
    restored.everyone_away()
    assert all(seat.away for seat in restored.seats.values())
    assert restored.present_count == 0 and restored.connected_count == 2
    restored.readmit_player(0)
    for _ in range(round(GRACE * RULES.tick_rate) + 1):
        restored.step()
    assert restored.seats[0].connected and not restored.seats[0].away
    assert restored.seats[1].released and not restored.seats[1].connected


@pytest.mark.timeout(10)
def test_the_checkpoint_keeps_who_the_players_are() -> None:
    match = shooter_match(5, mode="duel", max_players=2)
    match.add_player("a", key="player:a")
    match.step()
    checkpoint = take_checkpoint("id-1", 1234, match)
    decoded = decode_checkpoint(encode_checkpoint(checkpoint))
    # tuples of the exported state come back as lists, as msgpack carries them
    plain = msgpack.unpackb(msgpack.packb(match.export_state()), strict_map_key=False)
    assert decoded == Checkpoint("id-1", "shooter", "duel", 1234, plain)
    assert decoded.tick == match.tick == 1
    restored = decoded.restore(GAMES, GRACE)
    assert (restored.game, restored.mode) == (SHOOTER, SHOOTER.mode("duel"))
    assert restored.seat_of("player:a") is restored.seats[0]
    assert (restored.seats[0].name, restored.max_players) == ("a", 2)


@pytest.mark.timeout(10)
@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\x93\x01\x02\x03",
        b"\xc1",
        b"\x96\x63abcdef",
        msgpack.packb([CHECKPOINT_VERSION, "m", "shooter", "ffa", 1]),  # a field short
        msgpack.packb([1, "m", "ffa", 1, [], {}]),  # version 1: no game, player keys
    ],
)
def test_anything_else_is_refused_with_a_named_error(data: bytes) -> None:
    with pytest.raises(CheckpointError):
        decode_checkpoint(data)


@pytest.mark.timeout(10)
def test_a_game_or_mode_this_server_lacks_is_refused_with_a_named_error() -> None:
    match = shooter_match(5)
    match.add_player("a")
    data = encode_checkpoint(take_checkpoint("m", 1, match))
    with pytest.raises(CheckpointError, match="no game called 'shooter'"):
        decode_checkpoint(data).restore({"sparks": SPARKS}, GRACE)
    other = ShooterGame(RULES)
    other.modes = tuple(mode for mode in other.modes if mode.name != "ffa")
    with pytest.raises(CheckpointError, match="no mode 'ffa'"):
        decode_checkpoint(data).restore({"shooter": other}, GRACE)


@pytest.mark.timeout(10)
def test_the_restored_match_has_the_grace_period_it_is_given() -> None:
    match = shooter_match(5)
    match.add_player("a")
    match.add_player("b")
    match.step()
    checkpoint = decode_checkpoint(encode_checkpoint(take_checkpoint("m", 1, match)))
    quick = checkpoint.restore(GAMES, 0.1)
    quick.player_away(1)
    for _ in range(round(0.1 * RULES.tick_rate)):
        quick.step()
    assert quick.seats[1].released
    none = checkpoint.restore(GAMES, 0.0)
    none.player_away(1)  # no grace period: the player leaves at once
    assert not none.seats[1].connected and not none.seats[1].away


# histories of the synthetic game: per tick, one (op, arg) per player (or nothing)
sparks_inputs = st.lists(
    st.none() | st.tuples(st.integers(0, 9), st.integers(-50, 50)), min_size=2, max_size=2
)


def play_sparks(match: Match, script: list[list[tuple[int, int] | None]]) -> None:
    """One scripted INPUT per player and a step, per entry of ``script``."""
    for inputs in script:
        for player_id, values in enumerate(inputs):
            seat = match.seats[player_id]
            if values is not None and seat.connected:
                match.apply_input(player_id, seat.last_seq + 1, values)
        match.step()


@pytest.mark.timeout(60)
@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    mode=st.sampled_from(["solo", "pairs"]),
    before=st.lists(sparks_inputs, min_size=1, max_size=80),
    after=st.lists(sparks_inputs, min_size=1, max_size=40),
    away=st.booleans(),
)
def test_a_restored_match_of_another_game_steps_on_exactly_like_the_original(
    seed: int,
    mode: str,
    before: list[list[tuple[int, int] | None]],
    after: list[list[tuple[int, int] | None]],
    away: bool,
) -> None:
    original = Match(SPARKS, SPARKS.mode(mode), seed, 4, reconnect_grace=GRACE)
    for name in ("a", "b"):
        original.add_player(name)
    play_sparks(original, before)
    if away:
        original.player_away(1)
    restored = roundtrip(original, GAMES)
    assert restored.game is SPARKS and restored.mode.name == mode
    assert restored.export_state() == original.export_state()
    play_sparks(original, after)
    play_sparks(restored, after)
    assert restored.export_state() == original.export_state()
    assert keyframe(restored) == keyframe(original)
    assert restored.result == original.result


@pytest.mark.timeout(10)
def test_pending_events_survive_the_checkpoint() -> None:
    match = Match(SPARKS, SPARKS.mode("solo"), 1, 4, reconnect_grace=GRACE)
    match.add_player("a")
    match.step()
    act(match, 0, Op.COLOR, 3)  # a FLASH event, taken with the next tick's
    restored = roundtrip(match, GAMES)
    assert restored.step() == match.step() == [[2, 0, 3]]
    assert restored.phase is Phase.COUNTDOWN
