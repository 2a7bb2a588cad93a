"""The games this server offers, registered by name: one line per game.

Each entry is the dotted path of a game package whose ``GAME`` is its ``engine.game.Game``
subclass; ``python manage.py startgame NAME`` adds the line of a new game. The runtime finds
games only through this registry (``load_games``), never by importing a game's package.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable, Mapping
from typing import Any

from engine.game import Game

INSTALLED_GAMES: tuple[str, ...] = (
    "engine.games.shooter",
    "engine.games.football",
    "engine.games.connect4",
)


class UnknownGame(KeyError):
    """No registered game has that name."""


def game_classes() -> dict[str, type[Game]]:
    """Every registered game class, by name, in registration order."""
    classes: dict[str, type[Game]] = {}
    for path in INSTALLED_GAMES:
        cls = importlib.import_module(path).GAME
        if cls.name in classes:
            raise ValueError(f"two registered games are called {cls.name!r}")
        classes[cls.name] = cls
    return classes


def load_games(options_for: Callable[[type[Game]], Any] | None = None) -> dict[str, Game]:
    """An instance of every registered game, with the options ``options_for`` gives each class
    (default: the game's own defaults)."""
    return {
        name: cls(None if options_for is None else options_for(cls))
        for name, cls in game_classes().items()
    }


@functools.cache
def _configured(options: tuple[tuple[str, Any], ...]) -> dict[str, Game]:
    known = dict(options)
    return load_games(lambda cls: known.get(cls.name))


def configured_games(options: Mapping[str, Any]) -> dict[str, Game]:
    """The registered games with the given options (game name -> Options), built once per
    distinct set of options; a game missing from ``options`` has its defaults."""
    return _configured(tuple(sorted(options.items())))
