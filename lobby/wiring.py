"""The lobby's parts built from settings: the shared store and the modes on offer."""

from __future__ import annotations

import asyncio
import weakref

from channels.layers import get_channel_layer
from django.conf import settings

from game.engines import for_this_loop, redis_client
from lobby.matchmaker import ModeSpec, RatingWindow
from lobby.memory_store import MemoryLobbyStore
from lobby.redis_store import RedisLobbyStore
from lobby.service import MatchmakingService
from lobby.store import LobbyStore

PRESENCE_TTL = 15.0  # seconds a player's place holds without a refresh from their socket
PRESENCE_REFRESH = 5.0  # how often a socket refreshes its player's place

_memory_store = MemoryLobbyStore()
_redis_stores: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, RedisLobbyStore] = (
    weakref.WeakKeyDictionary()
)


def lobby_store() -> LobbyStore:
    """The store of this deployment: Redis when REDIS_URL is set, else this process."""
    if settings.ARENA.redis_url is None:
        return _memory_store
    return for_this_loop(
        _redis_stores, lambda: RedisLobbyStore(redis_client(), settings.ARENA.redis_prefix)
    )


def mode_specs() -> dict[str, ModeSpec]:
    """The modes players can queue for."""
    arena = settings.ARENA
    return {
        "duel": ModeSpec("duel", 2, 2, 0.0),
        "ffa": ModeSpec("ffa", arena.ffa_min_players, arena.ffa_max_players, arena.ffa_fill_wait),
    }


def rating_window() -> RatingWindow:
    """How far apart in rating players may be matched, from settings."""
    arena = settings.ARENA
    return RatingWindow(arena.window_initial, arena.window_growth, arena.window_unlimited_after)


def build_matchmaker() -> MatchmakingService:
    """The matchmaking service of this process, on the default channel layer."""
    from game.services import start_lobby_matches

    arena = settings.ARENA
    return MatchmakingService(
        lobby_store(),
        get_channel_layer(),
        mode_specs(),
        rating_window(),
        accept_timeout=arena.accept_timeout,
        presence_ttl=PRESENCE_TTL,
        ticket_ttl=arena.ticket_ttl,
        start_matches=start_lobby_matches,
    )
