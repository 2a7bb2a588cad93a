"""The shooter's constants (its Options: each one can be set as ``ARENA_SHOOTER_<NAME>``) and the
default arena layout."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from typing import Any


@dataclass(frozen=True, slots=True)
class Rect:
    """Axis-aligned rectangle in world units; (x, y) is the top-left corner."""

    x: float
    y: float
    w: float
    h: float

    @property
    def right(self) -> float:
        """X coordinate of the right edge."""
        return self.x + self.w

    @property
    def bottom(self) -> float:
        """Y coordinate of the bottom edge."""
        return self.y + self.h

    def bounds(self, margin: float = 0.0) -> tuple[float, float, float, float]:
        """(x0, y0, x1, y1) of the rectangle grown by ``margin`` on every side."""
        return (self.x - margin, self.y - margin, self.right + margin, self.bottom + margin)

    def to_wire(self) -> list[float]:
        """``[x, y, w, h]`` as sent in WELCOME."""
        return [float(self.x), float(self.y), float(self.w), float(self.h)]


DEFAULT_WALLS: tuple[Rect, ...] = (
    Rect(300.0, 300.0, 40.0, 300.0),  # left pillar
    Rect(1260.0, 300.0, 40.0, 300.0),  # right pillar
    Rect(650.0, 160.0, 300.0, 40.0),  # top bar
    Rect(650.0, 700.0, 300.0, 40.0),  # bottom bar
    Rect(760.0, 410.0, 80.0, 80.0),  # centre block
)

DEFAULT_SPAWN_POINTS: tuple[tuple[float, float], ...] = (
    (100.0, 100.0),
    (1500.0, 800.0),
    (1500.0, 100.0),
    (100.0, 800.0),
    (150.0, 450.0),
    (1450.0, 450.0),
    (800.0, 80.0),
    (800.0, 820.0),
)

_INT_FIELDS = (
    "tick_rate",
    "max_health",
    "bullet_damage",
    "min_players",
    "score_limit",
    "ffa_lobby_min",
    "ffa_max_players",
)
_NON_NEGATIVE = (
    "respawn_delay",
    "spawn_protection",
    "countdown",
    "ended_linger",
    "ffa_fill_wait",
    "rewind_limit",
    "fog_radius",
)


@dataclass(frozen=True, slots=True)
class Rules:
    """Every constant that shapes a match; validated on construction."""

    tick_rate: int = 20
    arena_width: float = 1600.0
    arena_height: float = 900.0
    walls: tuple[Rect, ...] = field(default=DEFAULT_WALLS)
    spawn_points: tuple[tuple[float, float], ...] = field(default=DEFAULT_SPAWN_POINTS)
    player_radius: float = 18.0
    acceleration: float = 2400.0
    max_speed: float = 260.0
    friction: float = 1800.0
    max_health: int = 100
    fire_cooldown: float = 0.25
    bullet_speed: float = 700.0
    bullet_radius: float = 4.0
    bullet_lifetime: float = 1.2
    bullet_damage: int = 25
    respawn_delay: float = 2.0
    spawn_protection: float = 1.0
    min_players: int = 2
    countdown: float = 3.0
    time_limit: float = 180.0
    score_limit: int = 10
    empty_timeout: float = 30.0
    ended_linger: float = 5.0
    ffa_lobby_min: int = 4  # the lobby forms free-for-alls of this many players at least ...
    ffa_max_players: int = 8  # ... and at most this many
    ffa_fill_wait: float = 10.0  # seconds the lobby waits for a full free-for-all
    rewind_limit: float = 0.3  # lag compensation: a shot sees targets at most this far back (s)
    fog_radius: float = 0.0  # fog of war: a player sees others this close and in sight (0: off)

    def __post_init__(self) -> None:
        object.__setattr__(self, "walls", tuple(self.walls))
        object.__setattr__(
            self, "spawn_points", tuple((float(x), float(y)) for x, y in self.spawn_points)
        )
        for f in fields(self):
            if f.name in ("walls", "spawn_points"):
                continue
            value = getattr(self, f.name)
            _check_number(f.name, value, f.name in _INT_FIELDS, f.name in _NON_NEGATIVE)
        if self.max_speed / self.tick_rate >= self.player_radius:
            raise ValueError(
                "max_speed / tick_rate must be below player_radius so players cannot cross walls"
            )
        for wall in self.walls:
            _check_wall(wall, self.arena_width, self.arena_height)
        if not self.min_players <= self.ffa_lobby_min <= self.ffa_max_players <= 8:
            raise ValueError("need min_players <= ffa_lobby_min <= ffa_max_players <= 8")
        if not self.spawn_points:
            raise ValueError("spawn_points must not be empty")
        if self.rewind_limit > 1.0:
            raise ValueError("rewind_limit is at most 1 s")
        for point in self.spawn_points:
            _check_spawn_point(point, self)

    @property
    def dt(self) -> float:
        """Seconds per tick."""
        return 1.0 / self.tick_rate

    def ticks(self, seconds: float) -> int:
        """A duration in seconds as a whole number of ticks (rounded)."""
        return round(seconds * self.tick_rate)

    def to_wire(self) -> dict[str, Any]:
        """The ``rules`` map of WELCOME (the runtime adds its timers to WELCOME itself)."""
        return {
            "player_radius": float(self.player_radius),
            "bullet_radius": float(self.bullet_radius),
            "max_health": self.max_health,
            "max_speed": float(self.max_speed),
            "acceleration": float(self.acceleration),
            "friction": float(self.friction),
            "bullet_speed": float(self.bullet_speed),
            "fire_cooldown_ms": _ms(self.fire_cooldown),
            "respawn_delay_ms": _ms(self.respawn_delay),
            "spawn_protection_ms": _ms(self.spawn_protection),
            "score_limit": self.score_limit,
            "rewind_limit_ms": _ms(self.rewind_limit),
            "fog_radius": float(self.fog_radius),
            "arena": self.arena_to_wire(),
        }

    def arena_to_wire(self) -> dict[str, Any]:
        """The ``arena`` map of WELCOME."""
        return {
            "width": float(self.arena_width),
            "height": float(self.arena_height),
            "walls": [wall.to_wire() for wall in self.walls],
        }


def _ms(seconds: float) -> int:
    return round(seconds * 1000)


def _check_number(name: str, value: Any, integer: bool, allow_zero: bool) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{name} must be a number, got {value!r}")
    if integer and not isinstance(value, int):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value!r}")
    if value < 0 or (value == 0 and not allow_zero):
        bound = "non-negative" if allow_zero else "positive"
        raise ValueError(f"{name} must be {bound}, got {value!r}")


def _check_wall(wall: Any, width: float, height: float) -> None:
    if not isinstance(wall, Rect):
        raise ValueError(f"walls must be Rect instances, got {wall!r}")
    if wall.w <= 0 or wall.h <= 0:
        raise ValueError(f"wall {wall} must have a positive width and height")
    if wall.x < 0 or wall.y < 0 or wall.right > width or wall.bottom > height:
        raise ValueError(f"wall {wall} lies outside the {width}x{height} arena")


def _check_spawn_point(point: tuple[float, float], rules: Rules) -> None:
    x, y = point
    r = rules.player_radius
    if not (r <= x <= rules.arena_width - r and r <= y <= rules.arena_height - r):
        raise ValueError(f"spawn point {point} is closer than player_radius to the arena edge")
    for wall in rules.walls:
        nx = min(max(x, wall.x), wall.right)
        ny = min(max(y, wall.y), wall.bottom)
        if (x - nx) ** 2 + (y - ny) ** 2 < r * r:
            raise ValueError(f"spawn point {point} overlaps wall {wall}")
