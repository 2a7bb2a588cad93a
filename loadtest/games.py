"""The registered games as the load tools and the end-to-end tests play them: which mode seats a
given number of players, and the server settings that shorten any game's matches."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from engine.game import Game, Mode
from engine.games import configured_games, game_classes


def game_names() -> list[str]:
    """Every registered game's name, in registration order."""
    return list(game_classes())


def game(name: str) -> Game:
    """The registered game called ``name``, with its default options (KeyError if none)."""
    return configured_games({})[name]


def seating_mode(definition: Game, players: int) -> Mode:
    """The game's first mode whose matches (and the lobby's groups) take ``players`` players;
    ValueError when it has none."""
    for mode in definition.modes:
        if mode.lobby_min <= players <= mode.max_players:
            return mode
    raise ValueError(f"{definition.name} has no mode for {players} players")


def option_env(
    values: Mapping[str, float | int | str], games: list[str] | None = None
) -> dict[str, str]:
    """``ARENA_<GAME>_<OPTION>`` settings giving each game (default: every registered one) the
    option values it has of ``values`` (``{"countdown": 0.5, "time_limit": 8}``); options a
    game does not have are left out, since the server refuses unknown ``ARENA_`` variables."""
    env: dict[str, str] = {}
    classes = game_classes()
    for name in games if games is not None else list(classes):
        known = {f.name for f in dataclasses.fields(classes[name].Options)}
        for option, value in values.items():
            if option in known:
                text = f"{value:g}" if isinstance(value, float) else str(value)
                env[f"ARENA_{name.upper()}_{option.upper()}"] = text
    return env
