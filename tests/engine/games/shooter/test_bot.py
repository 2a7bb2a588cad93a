"""The shooter's bot: it moves, aims at the nearest opponent and fires only in range."""

from __future__ import annotations

import math
import random

import pytest

from engine.bots import BotView
from engine.games.shooter.bot import ShooterBot
from engine.games.shooter.game import ShooterGame
from engine.games.shooter.wire import Button
from engine.wirestate import WireState

pytestmark = pytest.mark.timeout(10)


def view_of(ships: dict[int, list[int]], player_id: int | None = 0) -> BotView:
    """A player's view with these ships ``[x, y, aim, health, flags, ack]`` (tenths)."""
    game = ShooterGame()
    state = WireState(1, 0, 2, 0, [], [ships, {}])
    return BotView(game.state, {}, player_id, None, state)


def test_the_bot_moves_aims_at_the_nearest_opponent_and_fires_in_range() -> None:
    bot = ShooterBot(1600, 900, fire_ratio=1.0, rng=random.Random(3))
    near = view_of({0: [2000, 4500, 0, 100, 1, 0], 1: [6000, 4500, 0, 100, 1, 0]})
    buttons, aim = bot.decide(near, now=0.0)
    assert buttons & Button.FIRE, "the opponent is 400 u away"
    assert abs(aim) < 300, "aiming right, at the opponent (with a little noise)"
    assert buttons & (Button.UP | Button.DOWN | Button.LEFT | Button.RIGHT)
    far = view_of({0: [200, 200, 0, 100, 1, 0], 1: [15000, 8500, 0, 100, 1, 0]})
    assert not bot.decide(far, now=0.1)[0] & Button.FIRE, "out of range"
    assert all(-3142 <= bot.decide(near, now=t / 10)[1] <= 3142 for t in range(100))
    assert math.isfinite(bot.aim)


def test_without_its_ship_the_bot_holds_nothing() -> None:
    bot = ShooterBot(1600, 900, rng=random.Random(1))
    assert bot.decide(view_of({}), now=0.0)[0] == 0, "no ship yet"
    assert bot.decide(view_of({1: [100, 100, 0, 100, 1, 0]}, player_id=None), now=0.0)[0] == 0
