"""The arena shooter: ships, bullets and kills (``GAME`` is what ``engine.games`` registers)."""

from engine.games.shooter.game import ShooterGame as GAME

__all__ = ["GAME"]
