"""The shooter's wire numbers: INPUT buttons, events, ship flags and quantization.

``static/js/games/shooter/`` mirrors them; docs/protocol.md describes them (section 9).
"""

from __future__ import annotations

import math
from enum import IntEnum

POSITION_SCALE = 10  # positions travel as integer tenths of a world unit
AIM_SCALE = 1000  # aim angles travel as integer milliradians
MAX_AIM_MRAD = 3142


class Button(IntEnum):
    """Bits of the ``buttons`` field of an INPUT."""

    UP = 1
    DOWN = 2
    LEFT = 4
    RIGHT = 8
    FIRE = 16


ALL_BUTTONS = 31


class EventKind(IntEnum):
    """First element of each of the shooter's snapshot events."""

    KILL = 1  # [KILL, killer_id, victim_id]
    HIT = 2  # [HIT, shooter_id, victim_id, damage]
    SPAWN = 3  # [SPAWN, player_id]


class PlayerFlag(IntEnum):
    """Bits of a ship's ``flags``."""

    ALIVE = 1
    PROTECTED = 2  # spawn protection: cannot be damaged
    RECONNECTING = 4  # the player's connection dropped; its ship waits for it (grace period)


def quantize_position(value: float) -> int:
    """World units to wire units (tenths)."""
    return round(value * POSITION_SCALE)


def quantize_aim(angle: float) -> int:
    """Radians to wire milliradians in [-3142, 3142]."""
    if not -math.pi <= angle <= math.pi:  # inputs arrive in range; wrap anything else
        angle = math.atan2(math.sin(angle), math.cos(angle))
    return round(angle * AIM_SCALE)
