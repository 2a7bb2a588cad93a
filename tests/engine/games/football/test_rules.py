"""Football's constants: defaults, validation, the goal mouths and their wire form."""

from __future__ import annotations

import dataclasses
import json
import math
from typing import Any

import msgpack
import pytest

from engine.games.football.rules import FootballRules

pytestmark = pytest.mark.timeout(10)


def test_defaults() -> None:
    rules = FootballRules()
    assert rules.tick_rate == 20
    assert (rules.pitch_width, rules.pitch_height, rules.goal_width) == (1200.0, 700.0, 190.0)
    assert (rules.countdown, rules.time_limit, rules.goal_pause) == (3.0, 180.0, 2.0)
    assert rules.score_limit == 0, "play to the time limit by default"


def test_rules_are_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        FootballRules().score_limit = 3  # type: ignore[misc]


def test_the_goal_mouth_is_centred_on_the_goal_line() -> None:
    rules = FootballRules(pitch_height=600.0, goal_width=200.0)
    assert (rules.goal_top, rules.goal_bottom) == (200.0, 400.0)
    default = FootballRules()
    assert default.goal_bottom - default.goal_top == default.goal_width
    assert default.goal_top + default.goal_bottom == default.pitch_height


@pytest.mark.parametrize(
    "overrides",
    [
        {"tick_rate": 0},
        {"tick_rate": 121},
        {"tick_rate": 20.0},
        {"score_limit": 2.5},
        {"score_limit": -1},
        {"pitch_width": -1.0},
        {"kick_speed": math.inf},
        {"friction": math.nan},
        {"bounce": True},
        {"time_limit": "180"},
        {"goal_width": 700.0},
        {"goal_width": 800.0},
        {"max_speed": 320.0},  # 16 u a tick at 20 ticks/s: as far as a player's radius
        {"tick_rate": 10},  # 24 u a tick with the default max speed
    ],
    ids=lambda o: ",".join(f"{k}={v}" for k, v in o.items()),
)
def test_invalid_rules_are_refused(overrides: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        FootballRules(**overrides)


def test_no_time_limit_and_no_score_limit_is_refused() -> None:
    with pytest.raises(ValueError, match="time_limit and score_limit are both 0"):
        FootballRules(time_limit=0)
    assert FootballRules(time_limit=0, score_limit=3).time_limit == 0


@pytest.mark.parametrize(
    "overrides",
    [{"tick_rate": 1, "max_speed": 10.0}, {"tick_rate": 120}, {"score_limit": 5}, {"bounce": 0}],
)
def test_valid_rules_are_accepted(overrides: dict[str, Any]) -> None:
    rules = FootballRules(**overrides)
    for name, value in overrides.items():
        assert getattr(rules, name) == value


def test_the_wire_form_has_the_pitch_and_what_prediction_needs() -> None:
    rules = FootballRules(score_limit=3, goal_pause=1.5)
    wire = rules.to_wire()
    assert wire == {
        "pitch": {"width": 1200.0, "height": 700.0, "goal_top": 255.0, "goal_bottom": 445.0},
        "player_radius": 16.0,
        "ball_radius": 10.0,
        "max_speed": 240.0,
        "acceleration": 2000.0,
        "friction": 1600.0,
        "score_limit": 3,
        "goal_pause_ms": 1500,
    }
    assert json.loads(json.dumps(wire)) == wire
    assert msgpack.unpackb(msgpack.packb(wire)) == wire


def test_integer_rules_travel_as_floats_where_the_unit_is_a_length() -> None:
    wire = FootballRules(pitch_width=1000, player_radius=20, max_speed=200).to_wire()
    assert type(wire["pitch"]["width"]) is float and type(wire["player_radius"]) is float
    assert type(wire["max_speed"]) is float and type(wire["score_limit"]) is int
