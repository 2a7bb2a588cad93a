"""The shooter's bot: what a simulated player holds each tick: plausible movement, aim and firing.

The bot wanders between points of the arena (half of them near an opponent), picks a new point
when it gets there, after a few seconds, or when a wall stops it; it aims at the nearest living
opponent with a little noise and holds fire in bursts while one is in range. It reads the
ships as the snapshots carry them (``engine.bots.BotView.avatars``).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from typing import Any

from engine.bots import BotView
from engine.games.shooter.wire import Button, PlayerFlag

MARGIN = 60.0  # world units kept from the arena's edges when picking a point
ARRIVED = 40.0  # close enough to the point
DEADZONE = 15.0  # no button for an axis closer than this
FIRE_RANGE = 900.0  # fire only at opponents this close
AIM_NOISE = 0.08  # radians, standard deviation
MAX_MRAD = 3142


@dataclass
class ShooterBot:
    """Decides one INPUT from the latest snapshot state."""

    width: float = 0.0  # the arena's size (0: read from the view's rules)
    height: float = 0.0
    fire_ratio: float = 0.6  # share of time the trigger is held while an opponent is in range
    rng: random.Random = field(default_factory=random.Random)
    target: tuple[float, float] | None = None
    target_until: float = 0.0
    trigger: bool = False
    trigger_until: float = 0.0
    aim: float = 0.0
    last_position: tuple[float, float] | None = None
    last_position_at: float = 0.0

    @classmethod
    def for_rules(
        cls, rules: dict[str, Any], rng: random.Random, fire_ratio: float = 0.6
    ) -> ShooterBot:
        """A bot for the arena of a WELCOME's ``rules``."""
        arena = rules.get("arena") or {}
        return cls(
            float(arena.get("width", 1600)), float(arena.get("height", 900)), fire_ratio, rng
        )

    def decide(self, view: BotView, now: float) -> tuple[int, int]:
        """``(buttons, aim_mrad)`` for an INPUT at monotonic time ``now``, from the ships'
        wire rows ``[x, y, aim, health, flags, ack]`` by player id."""
        if self.width <= 0:
            self.width, self.height = _arena_size(view.rules)
        ships = view.avatars
        player_id = view.player_id
        me = None if player_id is None else ships.get(player_id)
        if me is None:
            return 0, self._mrad(self.aim)
        x, y = me[0] / 10, me[1] / 10
        alive = bool(me[4] & PlayerFlag.ALIVE)
        opponents = [
            (p[0] / 10, p[1] / 10)
            for pid, p in ships.items()
            if pid != player_id and p[4] & PlayerFlag.ALIVE
        ]
        nearest = min(opponents, key=lambda o: math.dist(o, (x, y)), default=None)

        if self._needs_target(x, y, now):
            self._pick_target(nearest, now)
        assert self.target is not None
        dx, dy = self.target[0] - x, self.target[1] - y
        buttons = 0
        if dx > DEADZONE:
            buttons |= Button.RIGHT
        elif dx < -DEADZONE:
            buttons |= Button.LEFT
        if dy > DEADZONE:
            buttons |= Button.DOWN
        elif dy < -DEADZONE:
            buttons |= Button.UP

        if nearest is not None:
            self.aim = math.atan2(nearest[1] - y, nearest[0] - x) + self.rng.gauss(0, AIM_NOISE)
        elif buttons:
            self.aim = math.atan2(dy, dx)
        if now >= self.trigger_until:
            self.trigger = self.rng.random() < self.fire_ratio
            self.trigger_until = now + self.rng.uniform(0.3, 1.2)
        in_range = nearest is not None and math.dist(nearest, (x, y)) < FIRE_RANGE
        if alive and self.trigger and in_range:
            buttons |= Button.FIRE
        return int(buttons), self._mrad(self.aim)

    def _needs_target(self, x: float, y: float, now: float) -> bool:
        if self.target is None or now >= self.target_until:
            return True
        if math.dist(self.target, (x, y)) < ARRIVED:
            return True
        if now - self.last_position_at >= 1.0:  # stuck against a wall for a second?
            moved = self.last_position is None or math.dist(self.last_position, (x, y)) > 20
            self.last_position, self.last_position_at = (x, y), now
            return not moved
        return False

    def _pick_target(self, nearest: tuple[float, float] | None, now: float) -> None:
        if nearest is not None and self.rng.random() < 0.5:
            angle = self.rng.uniform(-math.pi, math.pi)
            reach = self.rng.uniform(150, 350)
            tx, ty = nearest[0] + reach * math.cos(angle), nearest[1] + reach * math.sin(angle)
        else:
            tx = self.rng.uniform(MARGIN, self.width - MARGIN)
            ty = self.rng.uniform(MARGIN, self.height - MARGIN)
        tx = min(max(tx, MARGIN), self.width - MARGIN)
        ty = min(max(ty, MARGIN), self.height - MARGIN)
        self.target = (tx, ty)
        self.target_until = now + self.rng.uniform(1.5, 4.0)

    @staticmethod
    def _mrad(angle: float) -> int:
        angle = math.atan2(math.sin(angle), math.cos(angle))  # into (-pi, pi]
        return max(-MAX_MRAD, min(MAX_MRAD, round(angle * 1000)))


def _arena_size(rules: dict[str, Any]) -> tuple[float, float]:
    arena = rules.get("arena") or {}
    return float(arena.get("width", 1600)), float(arena.get("height", 900))
