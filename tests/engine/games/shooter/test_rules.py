"""Tests of the rule constants, their validation and their wire form."""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import pytest

from engine.games.shooter.rules import DEFAULT_SPAWN_POINTS, DEFAULT_WALLS, Rect, Rules


def test_defaults() -> None:
    rules = Rules()
    assert rules.tick_rate == 20
    assert rules.dt == pytest.approx(0.05)
    assert (rules.arena_width, rules.arena_height) == (1600.0, 900.0)
    assert rules.walls == DEFAULT_WALLS
    assert rules.spawn_points == DEFAULT_SPAWN_POINTS
    assert rules.ended_linger == 5.0


def test_rules_are_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        Rules().tick_rate = 30  # type: ignore[misc]


def test_sequences_are_stored_as_tuples() -> None:
    rules = Rules(walls=[Rect(10, 10, 20, 20)], spawn_points=[[100, 100]])  # type: ignore[arg-type]
    assert rules.walls == (Rect(10, 10, 20, 20),)
    assert rules.spawn_points == ((100.0, 100.0),)
    hash(rules)


def test_default_walls_are_symmetric_and_inside() -> None:
    rules = Rules()
    assert 4 <= len(rules.walls) <= 6
    mirrored = {
        (rules.arena_width - w.right, rules.arena_height - w.bottom, w.w, w.h) for w in rules.walls
    }
    assert mirrored == {(w.x, w.y, w.w, w.h) for w in rules.walls}
    for wall in rules.walls:
        assert 0 <= wall.x < wall.right <= rules.arena_width
        assert 0 <= wall.y < wall.bottom <= rules.arena_height


def test_default_spawn_points_are_clear_of_walls() -> None:
    rules = Rules()
    assert len(set(rules.spawn_points)) == 8
    r = rules.player_radius
    for x, y in rules.spawn_points:
        assert r <= x <= rules.arena_width - r and r <= y <= rules.arena_height - r
        for wall in rules.walls:
            nx = min(max(x, wall.x), wall.right)
            ny = min(max(y, wall.y), wall.bottom)
            assert math.hypot(x - nx, y - ny) > r


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"tick_rate": 0}, "tick_rate must be positive"),
        ({"tick_rate": 20.5}, "tick_rate must be an integer"),
        ({"tick_rate": True}, "tick_rate must be a number"),
        ({"arena_width": -1.0}, "arena_width must be positive"),
        ({"player_radius": 0.0}, "player_radius must be positive"),
        ({"max_speed": math.inf}, "max_speed must be finite"),
        ({"friction": math.nan}, "friction must be finite"),
        ({"acceleration": "fast"}, "acceleration must be a number"),
        ({"max_health": 0}, "max_health must be positive"),
        ({"bullet_damage": 2.5}, "bullet_damage must be an integer"),
        ({"fire_cooldown": 0.0}, "fire_cooldown must be positive"),
        ({"respawn_delay": -0.1}, "respawn_delay must be non-negative"),
        ({"min_players": 0}, "min_players must be positive"),
        ({"score_limit": 0}, "score_limit must be positive"),
        ({"time_limit": 0.0}, "time_limit must be positive"),
        ({"empty_timeout": 0.0}, "empty_timeout must be positive"),
        ({"ended_linger": -1.0}, "ended_linger must be non-negative"),
        ({"max_speed": 400.0}, "players cannot cross walls"),
        ({"walls": (Rect(1590, 0, 20, 20),)}, "outside"),
        ({"walls": (Rect(10, 10, 0, 20),)}, "positive width"),
        ({"walls": ((0, 0, 10, 10),)}, "Rect instances"),
        ({"spawn_points": ()}, "spawn_points must not be empty"),
        ({"spawn_points": ((5.0, 450.0),)}, "arena edge"),
        ({"spawn_points": ((320.0, 450.0),)}, "overlaps wall"),
        ({"ffa_lobby_min": 9}, "ffa_lobby_min"),
        ({"ffa_max_players": 9}, "ffa_max_players"),
        ({"ffa_fill_wait": -1.0}, "ffa_fill_wait must be non-negative"),
        ({"rewind_limit": -0.1}, "rewind_limit must be non-negative"),
        ({"rewind_limit": 1.5}, "rewind_limit is at most 1 s"),
        ({"fog_radius": -1.0}, "fog_radius must be non-negative"),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_invalid_rules_raise(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Rules(**overrides)


@pytest.mark.parametrize(
    ("seconds", "tick_rate", "ticks"),
    [(0.25, 20, 5), (1.2, 20, 24), (0.0, 20, 0), (0.26, 20, 5), (1.0, 60, 60)],
    ids=["cooldown", "lifetime", "zero", "rounded", "60hz"],
)
def test_ticks(seconds: float, tick_rate: int, ticks: int) -> None:
    assert Rules(tick_rate=tick_rate, max_speed=200.0).ticks(seconds) == ticks


def test_rules_to_wire() -> None:
    assert Rules().to_wire() == {
        "player_radius": 18.0,
        "bullet_radius": 4.0,
        "max_health": 100,
        "max_speed": 260.0,
        "acceleration": 2400.0,
        "friction": 1800.0,
        "bullet_speed": 700.0,
        "fire_cooldown_ms": 250,
        "respawn_delay_ms": 2000,
        "spawn_protection_ms": 1000,
        "score_limit": 10,
        "rewind_limit_ms": 300,
        "fog_radius": 0.0,
        "arena": Rules().arena_to_wire(),
    }, "the runtime's timers are WELCOME's own keys, not the game's rules"


def test_arena_to_wire() -> None:
    rules = Rules(
        arena_width=800.0,
        arena_height=600.0,
        walls=(Rect(10, 20, 30, 40),),
        spawn_points=((400.0, 300.0),),
    )
    assert rules.arena_to_wire() == {
        "width": 800.0,
        "height": 600.0,
        "walls": [[10.0, 20.0, 30.0, 40.0]],
    }


def test_rect_helpers() -> None:
    rect = Rect(10.0, 20.0, 30.0, 40.0)
    assert (rect.right, rect.bottom) == (40.0, 60.0)
    assert rect.bounds() == (10.0, 20.0, 40.0, 60.0)
    assert rect.bounds(2.0) == (8.0, 18.0, 42.0, 62.0)
