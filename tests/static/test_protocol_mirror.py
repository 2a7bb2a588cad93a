"""The browser's protocol modules mirror the server's, number for number: the generic core
(static/js/core/protocol.js against engine/protocol.py), the shooter's module
(static/js/games/shooter/ against engine/games/shooter/), football's (static/js/games/football/
against engine/games/football/), and the node tests' fixtures (static/js/core/fixtures.js) are
what the games send."""

from __future__ import annotations

import json
import math
import subprocess
from enum import IntEnum
from typing import Any

import pytest

from engine import protocol
from engine.games import game_classes
from engine.games.football import wire as football_wire
from engine.games.football.game import FootballGame
from engine.games.shooter import wire
from engine.games.shooter.game import ShooterGame
from loadtest.stack import ROOT
from lobby.rating import DEFAULT_RATING

CORE_ENUMS: list[type[IntEnum]] = [
    protocol.MessageType,
    protocol.CloseCode,
    protocol.Phase,
    protocol.LobbyErrorCode,
    protocol.ChatErrorCode,
]
CORE_CONSTANTS = [
    "PROTOCOL_VERSION",
    "MAX_CLIENT_FRAME_BYTES",
    "MAX_SEQ",
    "MAX_NONCE",
    "MAX_PLAYER_ID",
    "MAX_LOBBY_FRAME_BYTES",
    "MAX_GAME_LENGTH",
    "MAX_MODE_LENGTH",
    "MAX_PENDING_ID_LENGTH",
    "MAX_CHAT_FRAME_BYTES",
    "MAX_CHAT_TEXT_BYTES",
    "MAX_CHAT_LENGTH",
    "MAX_CHAT_CHANNEL_LENGTH",
    "MAX_MESSAGE_ID_LENGTH",
    "MAX_REPORT_REASON_LENGTH",
]
SHOOTER_ENUMS: list[type[IntEnum]] = [wire.Button, wire.EventKind, wire.PlayerFlag]
SHOOTER_CONSTANTS = ["POSITION_SCALE", "AIM_SCALE", "MAX_AIM_MRAD", "ALL_BUTTONS"]
FOOTBALL_ENUMS: list[type[IntEnum]] = [
    football_wire.Button,
    football_wire.EventKind,
    football_wire.PlayerFlag,
]
FOOTBALL_CONSTANTS = ["POSITION_SCALE", "AIM_SCALE", "MAX_AIM_MRAD", "ALL_BUTTONS"]
ANGLES = [k * 0.37 - 9.0 for k in range(50)] + [
    math.pi,
    -math.pi,
    0.0,
    1e-4,
    -1e-4,
    3.1415,
    -3.1416,
]


def node(script: str) -> Any:
    """Run an ES module script with node from the repository root; its JSON output."""
    out = subprocess.run(
        ["node", "--input-type=module", "-e", script],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout)


def exported(module: str, names: list[str]) -> dict[str, Any]:
    return node(
        f"const m = await import('./static/js/{module}');"
        f"console.log(JSON.stringify(Object.fromEntries({json.dumps(names)}.map(n => [n, m[n]]))));"
    )


@pytest.fixture(scope="module")
def core() -> dict[str, Any]:
    names = [e.__name__ for e in CORE_ENUMS] + CORE_CONSTANTS
    return exported("core/protocol.js", [*names, "CLOSE_DESCRIPTIONS", "DEFAULT_RATING"])


@pytest.fixture(scope="module")
def shooter() -> dict[str, Any]:
    names = [e.__name__ for e in SHOOTER_ENUMS] + SHOOTER_CONSTANTS
    return exported("games/shooter/wire.js", names)


@pytest.mark.parametrize("enum", CORE_ENUMS, ids=lambda e: e.__name__)
def test_core_enums_match(core: dict[str, Any], enum: type[IntEnum]) -> None:
    assert core[enum.__name__] == {member.name: member.value for member in enum}


@pytest.mark.parametrize("name", CORE_CONSTANTS)
def test_core_constants_match(core: dict[str, Any], name: str) -> None:
    assert core[name] == getattr(protocol, name)


def test_every_close_code_has_a_human_description(core: dict[str, Any]) -> None:
    described = {int(code) for code in core["CLOSE_DESCRIPTIONS"]}
    assert {code.value for code in protocol.CloseCode} <= described


def test_the_default_rating_is_the_lobbys(core: dict[str, Any]) -> None:
    assert core["DEFAULT_RATING"] == round(DEFAULT_RATING)


@pytest.mark.parametrize("enum", SHOOTER_ENUMS, ids=lambda e: e.__name__)
def test_shooter_enums_match(shooter: dict[str, Any], enum: type[IntEnum]) -> None:
    assert shooter[enum.__name__] == {member.name: member.value for member in enum}


@pytest.mark.parametrize("name", SHOOTER_CONSTANTS)
def test_shooter_constants_match(shooter: dict[str, Any], name: str) -> None:
    assert shooter[name] == getattr(wire, name)


def test_the_shooter_quantizes_aim_as_the_engine_does() -> None:
    angles = node(
        "const { quantizeAim } = await import('./static/js/games/shooter/wire.js');"
        f"console.log(JSON.stringify({json.dumps(ANGLES)}.map(quantizeAim)));"
    )
    assert angles == [wire.quantize_aim(angle) for angle in ANGLES]


def test_the_shooter_module_reads_the_schema_the_game_declares() -> None:
    """Its columns are the roster's, its events and collections the schema's names."""
    schema = ShooterGame().state
    module = node(
        "const m = await import('./static/js/games/shooter/index.js');"
        "console.log(JSON.stringify({columns: m.COLUMNS.map((c) => c.name)}));"
    )
    assert module["columns"] == [field.name for field in schema.roster]
    assert [c.name for c in schema.collections] == ["players", "bullets"]
    assert schema.collection("players").avatars
    assert [f.name for f in schema.collection("players").fields] == [
        "x",
        "y",
        "aim",
        "health",
        "flags",
        "ack",
    ]
    assert {e.name: e.args for e in schema.events} == {
        "kill": ("killer", "victim"),
        "hit": ("shooter", "victim", "damage"),
        "spawn": ("player",),
    }


@pytest.fixture(scope="module")
def football() -> dict[str, Any]:
    names = [e.__name__ for e in FOOTBALL_ENUMS] + FOOTBALL_CONSTANTS
    return exported("games/football/wire.js", names)


@pytest.mark.parametrize("enum", FOOTBALL_ENUMS, ids=lambda e: e.__name__)
def test_football_enums_match(football: dict[str, Any], enum: type[IntEnum]) -> None:
    assert football[enum.__name__] == {member.name: member.value for member in enum}


@pytest.mark.parametrize("name", FOOTBALL_CONSTANTS)
def test_football_constants_match(football: dict[str, Any], name: str) -> None:
    assert football[name] == getattr(football_wire, name)


def test_football_quantizes_aim_as_the_engine_does() -> None:
    angles = node(
        "const { quantizeAim } = await import('./static/js/games/football/wire.js');"
        f"console.log(JSON.stringify({json.dumps(ANGLES)}.map(quantizeAim)));"
    )
    assert angles == [football_wire.quantize_aim(angle) for angle in ANGLES]


def test_the_football_module_reads_the_schema_and_rules_the_game_declares() -> None:
    """Its columns are the roster's, its events and collections the schema's names, and its
    pitch the rules' (through the WELCOME's rules map, as sent)."""
    game = FootballGame()
    schema = game.state
    rules = json.dumps(game.rules(game.modes[0]))
    module = node(
        "const m = await import('./static/js/games/football/index.js');"
        "const { pitchOf } = await import('./static/js/games/football/pitch.js');"
        f"const pitch = pitchOf({rules});"
        "console.log(JSON.stringify({columns: m.COLUMNS.map((c) => c.name), pitch}));"
    )
    assert module["columns"] == [field.name for field in schema.roster]
    assert [c.name for c in schema.collections] == ["players", "ball"]
    assert schema.collection("players").avatars
    assert [f.name for f in schema.collection("players").fields] == [
        "x",
        "y",
        "aim",
        "flags",
        "ack",
    ]
    assert [f.name for f in schema.collection("ball").fields] == ["x", "y"]
    assert [f.name for f in schema.globals] == ["score0", "score1", "paused", "kickoff_team"]
    assert {e.name: e.args for e in schema.events} == {
        "goal": ("team", "scorer"),
        "kick": ("player",),
        "kickoff": ("team",),
    }
    options = game.options
    pitch = module["pitch"]
    assert [pitch["width"], pitch["height"]] == [options.pitch_width, options.pitch_height]
    assert [pitch["goalTop"], pitch["goalBottom"]] == [options.goal_top, options.goal_bottom]
    assert [pitch["playerRadius"], pitch["ballRadius"]] == [
        options.player_radius,
        options.ball_radius,
    ]
    assert pitch["kickReach"] == options.kick_reach, "the engine's default reach"
    assert pitch["goalPauseMs"] == round(options.goal_pause * 1000)


def test_the_fixtures_are_what_the_games_send() -> None:
    """static/js/core/fixtures.js holds each game's WELCOME schema and the rules of the games
    whose node tests read them, with default options."""
    fixtures = node(
        "const m = await import('./static/js/core/fixtures.js');"
        "console.log(JSON.stringify({schemas: {shooter: m.SHOOTER_SCHEMA, "
        "football: m.FOOTBALL_SCHEMA, connect4: m.CONNECT4_SCHEMA}, "
        "rules: {shooter: m.SHOOTER_RULES, football: m.FOOTBALL_RULES}}));"
    )
    games = {name: cls() for name, cls in game_classes().items()}
    assert sorted(fixtures["schemas"]) == sorted(games), "a fixture schema for every game"
    for name, game in games.items():
        sent = json.loads(json.dumps(game.wire_schema))
        assert fixtures["schemas"][name] == sent, f"{name}'s schema changed: update fixtures.js"
    for name, rules in fixtures["rules"].items():
        game = games[name]
        sent = json.loads(json.dumps(game.rules(game.modes[0])))
        assert rules == sent, f"{name}'s rules changed: update fixtures.js"
