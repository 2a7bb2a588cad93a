"""Football's wire numbers: INPUT buttons, events, player flags and quantization.

``static/js/games/football/`` mirrors them; docs/games.md describes the game.
"""

from __future__ import annotations

import math
from enum import IntEnum

POSITION_SCALE = 10  # positions travel as integer tenths of a unit
AIM_SCALE = 1000  # aim angles travel as integer milliradians
MAX_AIM_MRAD = 3142


class Button(IntEnum):
    """Bits of the ``buttons`` field of an INPUT."""

    UP = 1
    DOWN = 2
    LEFT = 4
    RIGHT = 8
    KICK = 16


ALL_BUTTONS = 31


class EventKind(IntEnum):
    """First element of each football event."""

    GOAL = 1  # [GOAL, team, scorer_id (-1: nobody of that team touched it last)]
    KICK = 2  # [KICK, player_id]
    KICKOFF = 3  # [KICKOFF, team]: everyone is on their spot, ``team`` kicks off


class PlayerFlag(IntEnum):
    """Bits of a player's ``flags``."""

    RECONNECTING = 4  # the player's connection dropped; it waits for it (grace period)


def quantize_aim(angle: float) -> int:
    """Radians to wire milliradians in [-3142, 3142]."""
    if not -math.pi <= angle <= math.pi:
        angle = math.atan2(math.sin(angle), math.cos(angle))
    return round(angle * AIM_SCALE)
