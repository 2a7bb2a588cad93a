"""The football game's constants: its Options (each can be set as ``ARENA_FOOTBALL_<NAME>``).

A top-down pitch ``pitch_width`` by ``pitch_height`` units, x to the right and y downwards; team 0
defends the left goal and attacks the right one, team 1 the other way round. A goal mouth is
``goal_width`` wide, centred on the goal line.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import Any

_INT_FIELDS = ("tick_rate", "score_limit")


@dataclass(frozen=True, slots=True)
class FootballRules:
    """Every constant of a football match; validated on construction."""

    tick_rate: int = 20
    pitch_width: float = 1200.0
    pitch_height: float = 700.0
    goal_width: float = 190.0
    player_radius: float = 16.0
    ball_radius: float = 10.0
    acceleration: float = 2000.0
    max_speed: float = 240.0
    friction: float = 1600.0
    ball_friction: float = 260.0  # u/s² a rolling ball loses
    ball_max_speed: float = 950.0
    kick_speed: float = 720.0  # the ball's speed off a kick, before the kicker's own speed
    kick_reach: float = 14.0  # how far beyond touching a player can kick the ball
    kick_cooldown: float = 0.3
    dribble: float = 1.15  # how much of a player's speed into the ball a touch passes on
    bounce: float = 0.75  # the share of its speed the ball keeps off a wall
    countdown: float = 3.0
    time_limit: float = 180.0  # seconds of play (0: no time limit, play to the score limit)
    score_limit: int = 0  # goals that end the match at once (0: play to the time limit)
    goal_pause: float = 2.0  # seconds everyone stands still after a goal, before the kick-off
    empty_timeout: float = 30.0
    ended_linger: float = 5.0

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError(f"{f.name} must be a number, got {value!r}")
            if f.name in _INT_FIELDS and not isinstance(value, int):
                raise ValueError(f"{f.name} must be an integer, got {value!r}")
            if not math.isfinite(value) or value < 0:
                raise ValueError(f"{f.name} must be a finite number >= 0, got {value!r}")
        if not 1 <= self.tick_rate <= 120:
            raise ValueError(f"tick_rate must be 1 to 120, got {self.tick_rate}")
        if self.time_limit == 0 and self.score_limit == 0:
            raise ValueError(
                "time_limit and score_limit are both 0 (no limit): nothing would end a match"
            )
        if self.goal_width >= self.pitch_height:
            raise ValueError("goal_width must be below pitch_height")
        if self.max_speed / self.tick_rate >= self.player_radius:
            raise ValueError("max_speed / tick_rate must be below player_radius")

    @property
    def goal_top(self) -> float:
        """The y of a goal mouth's upper post."""
        return (self.pitch_height - self.goal_width) / 2

    @property
    def goal_bottom(self) -> float:
        """The y of a goal mouth's lower post."""
        return (self.pitch_height + self.goal_width) / 2

    def to_wire(self) -> dict[str, Any]:
        """The ``rules`` map of WELCOME: the pitch and what prediction needs."""
        return {
            "pitch": {
                "width": float(self.pitch_width),
                "height": float(self.pitch_height),
                "goal_top": float(self.goal_top),
                "goal_bottom": float(self.goal_bottom),
            },
            "player_radius": float(self.player_radius),
            "ball_radius": float(self.ball_radius),
            "max_speed": float(self.max_speed),
            "acceleration": float(self.acceleration),
            "friction": float(self.friction),
            "score_limit": self.score_limit,
            "goal_pause_ms": round(self.goal_pause * 1000),
        }
