"""Connect Four, the tutorial game (docs/games.md); ``GAME`` is what ``engine.games`` registers."""

from engine.games.connect4.game import Connect4Game as GAME

__all__ = ["GAME"]
