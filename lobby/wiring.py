"""The lobby's parts built from settings: the shared store, the queues on offer, the window."""

from __future__ import annotations

import asyncio
import weakref
from typing import Any

from django.conf import settings

from engine.games import configured_games
from engine.redisclient import for_this_loop, redis_client
from lobby.matchmaker import ModeSpec, RatingWindow
from lobby.memory_store import MemoryLobbyStore
from lobby.redis_store import RedisLobbyStore
from lobby.store import LobbyStore, queue_name

PRESENCE_TTL = 15.0  # seconds a player's place holds without a refresh from their socket
PRESENCE_REFRESH = 5.0  # how often a socket refreshes its player's place

_memory_store = MemoryLobbyStore()
_redis_stores: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, RedisLobbyStore] = (
    weakref.WeakKeyDictionary()
)


def lobby_store() -> LobbyStore:
    """The store of this deployment: Redis when REDIS_URL is set, else this process."""
    url = settings.ARENA.redis_url
    if url is None:
        return _memory_store
    return for_this_loop(
        _redis_stores, lambda: RedisLobbyStore(redis_client(url), settings.ARENA.redis_prefix)
    )


def mode_specs() -> dict[str, ModeSpec]:
    """The queues players can join: one per mode of every registered game."""
    specs = {}
    for game in configured_games(settings.ARENA.game_options).values():
        for mode in game.modes:
            if mode.lobby_min < 2:
                continue  # the lobby matches players with each other
            name = queue_name(game.name, mode.name)
            specs[name] = ModeSpec(
                name, mode.lobby_min, mode.max_players, mode.fill_wait, mode.teams
            )
    return specs


def game_list() -> dict[str, Any]:
    """The registered games and their modes, as LOBBY_WELCOME and ``GET /api/games/`` list
    them: ``name -> {title, description, modes: {mode -> {title, min_players, ...}}}``."""
    return {
        game.name: {
            "title": game.title,
            "description": game.description,
            "modes": {mode.name: mode.to_wire() for mode in game.modes},
        }
        for game in configured_games(settings.ARENA.game_options).values()
    }


def rating_window() -> RatingWindow:
    """How far apart in rating players may be matched, from settings."""
    arena = settings.ARENA
    return RatingWindow(arena.window_initial, arena.window_growth, arena.window_unlimited_after)
