"""Tests of the WELCOME, SPECTATING and RESULT encoders (engine.frames) against docs/protocol.md."""

from __future__ import annotations

from typing import Any

import msgpack
import pytest

from engine.frames import encode_result, encode_spectating, encode_stored_result, encode_welcome
from engine.games.shooter.game import ShooterGame
from engine.games.shooter.rules import Rect, Rules
from engine.match import Match, MatchResult
from engine.schema import InputSchema, StateSchema
from tests.engine.sparks import Op, act, sparks_match


def decode(frame: bytes) -> Any:
    """Decode a frame the way a client would."""
    return msgpack.unpackb(frame, raw=False)


def make_rules(**overrides: Any) -> Rules:
    """Arena with one small wall."""
    values: dict[str, Any] = {"walls": (Rect(700.0, 100.0, 40.0, 60.0),), "countdown": 0.5}
    values.update(overrides)
    return Rules(**values)


def shooter_match(rules: Rules, mode: str = "ffa", max_players: int = 6) -> Match:
    """A runtime match of the shooter."""
    game = ShooterGame(rules)
    return Match(game, game.mode(mode), 1, max_players)


def test_welcome() -> None:
    rules = make_rules()
    match = shooter_match(rules)
    pid = match.add_player("Ada")
    frame = decode(encode_welcome(match, "5f0c-id", pid, spectators=3, reconnect_grace_ms=20000))
    assert frame[0] == 10
    body = frame[1]
    assert body == {
        "protocol": 2,
        "match_id": "5f0c-id",
        "game": "shooter",
        "mode": "ffa",
        "teams": 0,
        "max_players": 6,
        "min_players": 2,
        "tick_rate": 20,
        "snapshots": "every_tick",
        "countdown_ms": 500,
        "time_limit_ms": 180000,
        "reconnect_grace_ms": 20000,
        "schema": match.game.wire_schema,
        "rules": rules.to_wire(),
        "player_id": pid,
        "team": None,
        "ack": 0,
        "spectators": 3,
    }
    assert set(body["rules"]) == {
        "player_radius",
        "bullet_radius",
        "max_health",
        "max_speed",
        "acceleration",
        "friction",
        "bullet_speed",
        "fire_cooldown_ms",
        "respawn_delay_ms",
        "spawn_protection_ms",
        "score_limit",
        "rewind_limit_ms",
        "fog_radius",
        "arena",
    }
    assert body["rules"]["arena"] == {
        "width": 1600.0,
        "height": 900.0,
        "walls": [[700.0, 100.0, 40.0, 60.0]],
    }


def test_the_welcome_schema_is_what_a_client_decodes_snapshots_with() -> None:
    match = shooter_match(make_rules())
    pid = match.add_player("Ada")
    schema = decode(encode_welcome(match, "m", pid, 0, 0))[1]["schema"]
    assert StateSchema.from_wire(schema) == match.game.state
    assert InputSchema.from_wire(schema["inputs"]) == match.game.inputs


def test_welcome_acknowledges_the_last_input_and_names_the_team() -> None:
    match = sparks_match(3, mode="pairs")
    act(match, 2, Op.IDLE)
    act(match, 2, Op.IDLE)
    body = decode(encode_welcome(match, "m", 2, spectators=0, reconnect_grace_ms=0))[1]
    assert (body["player_id"], body["team"], body["ack"]) == (2, 0, 2)
    assert decode(encode_welcome(match, "m", 1, 0, 0))[1]["team"] == 1
    assert (body["game"], body["mode"], body["teams"], body["snapshots"]) == (
        "sparks",
        "pairs",
        2,
        "on_change",
    )
    assert (body["min_players"], body["max_players"], body["rules"]) == (
        2,
        4,
        {"level_limit": 1000},
    )


@pytest.mark.parametrize(("limit", "wire"), [(None, 0), (2.5, 2500)], ids=["none", "limit"])
def test_welcome_time_limit(limit: float | None, wire: int) -> None:
    match = sparks_match(1, time_limit=limit)
    assert decode(encode_welcome(match, "m", 0, 0, 0))[1]["time_limit_ms"] == wire


def test_spectating_is_welcome_without_a_player_with_the_delay_and_the_count() -> None:
    match = shooter_match(make_rules())
    pid = match.add_player("Ada")
    welcome = decode(encode_welcome(match, "m", pid, 0, 15000))[1]
    frame = decode(
        encode_spectating(match, "m", delay_ms=2000, spectators=7, reconnect_grace_ms=15000)
    )
    assert frame[0] == 17
    shared = {
        k: v for k, v in welcome.items() if k not in ("player_id", "team", "ack", "spectators")
    }
    assert frame[1] == {**shared, "delay_ms": 2000, "spectators": 7}


@pytest.mark.parametrize(
    ("result", "wire"),
    [
        (
            MatchResult(
                "score_limit",
                0,
                [[0, "Ada", 1, 10, 2], [1, "Bo", 2, 2, 10]],
                61250,
                columns=("score", "deaths"),
            ),
            {
                "reason": "score_limit",
                "winner_id": 0,
                "winner_team": None,
                "teams": 0,
                "columns": ["score", "deaths"],
                "standings": [[0, "Ada", 1, 10, 2], [1, "Bo", 2, 2, 10]],
                "duration_ms": 61250,
                "summary": {},
            },
        ),
        (
            MatchResult("abandoned", None, [], 0),
            {
                "reason": "abandoned",
                "winner_id": None,
                "winner_team": None,
                "teams": 0,
                "columns": [],
                "standings": [],
                "duration_ms": 0,
                "summary": {},
            },
        ),
    ],
    ids=["score-limit", "abandoned"],
)
def test_result(result: MatchResult, wire: dict[str, Any]) -> None:
    assert decode(encode_result(result)) == [13, wire]
    assert encode_stored_result(result.to_wire()) == encode_result(result)
    assert MatchResult.from_wire(wire) == result


def test_the_result_of_a_played_match() -> None:
    match = sparks_match(2, level_limit=5)
    act(match, 1, Op.SCORE)
    act(match, 0, Op.LEVEL, 5)
    while match.result is None:
        match.step()
    assert decode(encode_result(match.result)) == [
        13,
        {
            "reason": "level",
            "winner_id": 1,
            "winner_team": None,
            "teams": 0,
            "columns": ["points"],
            "standings": [[1, "s1", 1, 1], [0, "s0", 2, 0]],
            "duration_ms": 0,
            "summary": {},
        },
    ]


def test_a_team_result_names_the_winning_team() -> None:
    match = sparks_match(2, mode="pairs", countdown=0.0, level_limit=5)
    match.step()  # running at once: points reset
    act(match, 1, Op.SCORE)
    act(match, 0, Op.LEVEL, 5)
    match.step()
    assert match.result is not None
    assert decode(encode_result(match.result))[1] == {
        "reason": "level",
        "winner_id": None,
        "winner_team": 1,
        "teams": 2,
        "columns": ["points"],
        "standings": [[1, "s1", 1, 1, 1], [0, "s0", 2, 0, 0]],
        "duration_ms": 100,
        "summary": {},
    }


def test_an_interrupted_match_has_no_winner() -> None:
    match = sparks_match(2, countdown=0.0)
    match.step()
    act(match, 1, Op.SCORE)
    match.step()
    match.interrupt()
    assert match.result is not None
    wire = decode(encode_result(match.result))[1]
    assert (wire["reason"], wire["winner_id"], wire["winner_team"]) == ("interrupted", None, None)
    assert wire["standings"] == [[1, "s1", 1, 1], [0, "s0", 2, 0]]
