"""Top-down team football: a shared ball, kick-offs and goals (``GAME`` is what ``engine.games``
registers)."""

from engine.games.football.game import FootballGame as GAME

__all__ = ["GAME"]
