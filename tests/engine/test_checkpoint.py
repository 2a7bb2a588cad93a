"""Checkpoints: a restored match steps on exactly as the original, whatever the moment."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.checkpoint import (
    Checkpoint,
    CheckpointError,
    decode_checkpoint,
    encode_checkpoint,
    take_checkpoint,
)
from engine.protocol import Phase
from engine.rules import Rules
from engine.simulation import Match
from engine.snapshot import encode_keyframe

RULES = Rules(countdown=0.2, time_limit=6.0, reconnect_grace=1.0, respawn_delay=0.3)

# one input per player per tick: (buttons, aim in radians)
inputs_strategy = st.lists(
    st.tuples(st.integers(0, 31), st.floats(-3.1, 3.1)), min_size=3, max_size=3
)


def play(match: Match, script: list[list[tuple[int, float]]], first_seq: int) -> None:
    """Apply one scripted input per player and step, once per entry of ``script``."""
    for offset, inputs in enumerate(script):
        for player_id, (buttons, aim) in enumerate(inputs):
            match.apply_input(player_id, first_seq + offset, buttons, aim)
        match.step()


def roundtrip(match: Match) -> Match:
    """The match through an encoded checkpoint and back."""
    checkpoint = take_checkpoint("m", "ffa", 1, {0: "a", 1: "b", 2: "c"}, match)
    return decode_checkpoint(encode_checkpoint(checkpoint)).restore(match.rules)


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
    original = Match(RULES, seed=seed, max_players=4)
    for name in ("a", "b", "c"):
        original.add_player(name)
    play(original, before, first_seq=1)
    if away:
        original.player_away(2)
    restored = roundtrip(original)
    assert restored.export_state() == original.export_state()
    play(original, after, first_seq=1000)
    play(restored, after, first_seq=1000)
    assert restored.export_state() == original.export_state()
    assert encode_keyframe(restored) == encode_keyframe(original)
    assert restored.result == original.result


@pytest.mark.timeout(10)
def test_a_finished_match_keeps_its_result() -> None:
    match = Match(Rules(countdown=0.0, time_limit=0.2), seed=3, max_players=2)
    match.add_player("a")
    match.add_player("b")
    while match.result is None:
        match.step()
    restored = roundtrip(match)
    assert restored.phase is Phase.ENDED
    assert restored.result == match.result


@pytest.mark.timeout(10)
def test_everyone_away_waits_for_each_player_then_releases_them() -> None:
    match = Match(RULES, seed=5, max_players=4)
    match.add_player("a")
    match.add_player("b")
    match.step()
    restored = roundtrip(match)
    restored.everyone_away()
    assert all(p.away for p in restored.players.values())
    restored.readmit_player(0)
    for _ in range(RULES.ticks(RULES.reconnect_grace) + 1):
        restored.step()
    assert restored.players[0].connected and not restored.players[0].away
    assert restored.players[1].released


@pytest.mark.timeout(10)
def test_the_checkpoint_keeps_who_the_players_are() -> None:
    match = Match(RULES, seed=5, max_players=4)
    match.add_player("a")
    checkpoint = take_checkpoint("id-1", "duel", 1234, {0: "player:a"}, match)
    decoded = decode_checkpoint(encode_checkpoint(checkpoint))
    assert decoded == Checkpoint("id-1", "duel", 1234, {0: "player:a"}, match.export_state())
    assert decoded.tick == match.tick


@pytest.mark.timeout(10)
@pytest.mark.parametrize("data", [b"", b"\x93\x01\x02\x03", b"\xc1", b"\x96\x63abcdef"])
def test_anything_else_is_refused_with_a_named_error(data: bytes) -> None:
    with pytest.raises(CheckpointError):
        decode_checkpoint(data)
