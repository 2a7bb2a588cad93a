"""Football's bot: runs to the ball from behind it and kicks it at the other team's goal."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

from engine.bots import BotView
from engine.games.football.wire import AIM_SCALE, POSITION_SCALE, Button

BEHIND = 26.0  # units behind the ball (from the goal it attacks) the bot heads for
DEADZONE = 6.0
KICK_RANGE = 42.0


@dataclass
class FootballBot:
    """A forward: always after the ball, always shooting."""

    rng: random.Random = field(default_factory=random.Random)
    noise: float = 0.15  # radians of aim noise

    def decide(self, view: BotView, now: float) -> tuple[int, int]:
        """``(buttons, aim_mrad)``."""
        me = view.avatars.get(view.player_id) if view.player_id is not None else None
        ball = view.rows("ball").get(0)
        if me is None or ball is None:
            return 0, 0
        x, y = me[0] / POSITION_SCALE, me[1] / POSITION_SCALE
        bx, by = ball[0] / POSITION_SCALE, ball[1] / POSITION_SCALE
        pitch = view.rules.get("pitch") or {}
        width = float(pitch.get("width", 1200.0))
        height = float(pitch.get("height", 700.0))
        goal_x = width if (view.team or 0) == 0 else 0.0
        to_goal = math.atan2(height / 2 - by, goal_x - bx)
        tx, ty = bx - math.cos(to_goal) * BEHIND, by - math.sin(to_goal) * BEHIND
        buttons = 0
        if tx > x + DEADZONE:
            buttons |= Button.RIGHT
        elif tx < x - DEADZONE:
            buttons |= Button.LEFT
        if ty > y + DEADZONE:
            buttons |= Button.DOWN
        elif ty < y - DEADZONE:
            buttons |= Button.UP
        if math.hypot(bx - x, by - y) < KICK_RANGE:
            buttons |= Button.KICK
        aim = to_goal + self.rng.gauss(0.0, self.noise)
        aim = math.atan2(math.sin(aim), math.cos(aim))
        return int(buttons), round(aim * AIM_SCALE)
