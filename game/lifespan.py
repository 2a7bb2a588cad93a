"""ASGI lifespan: runs the embedded engine worker, the matchmaker, the lost-match reaper and
replay retention with the web server (the composition of the project's long-running parts)."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from typing import Any

from channels.layers import get_channel_layer
from django.conf import settings

from engine.worker import EngineWorker
from lobby.service import MatchmakingService
from lobby.wiring import PRESENCE_TTL, lobby_store, mode_specs, rating_window

logger = logging.getLogger(__name__)

# A game server allocates many short-lived objects per frame (dicts, lists, frames): at the
# default threshold (700) the young generation is collected hundreds of times a second.
YOUNG_GENERATION_THRESHOLD = 20_000


def build_matchmaker() -> MatchmakingService:
    """The matchmaking service of this process, on the default channel layer, starting its
    matches with ``game.services`` and counted in ``/metrics``."""
    from game import metrics
    from game.engines import redis_for_layer
    from game.services import start_lobby_matches

    arena = settings.ARENA
    layer = get_channel_layer()
    service = MatchmakingService(
        lobby_store(),
        layer,
        mode_specs(),
        rating_window(),
        accept_timeout=arena.accept_timeout,
        presence_ttl=PRESENCE_TTL,
        ticket_ttl=arena.ticket_ttl,
        start_matches=start_lobby_matches,
        observer=metrics.MatchmakingMetrics(),
        redis=redis_for_layer(layer),
    )
    metrics.watch_matchmaker(service)
    return service


def tune_garbage_collector() -> None:
    """Collect young objects less often, and keep what start-up loaded (Django, the games)
    out of every collection from now on."""
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_GENERATION_THRESHOLD, older, oldest)
    gc.freeze()


class ArenaLifespan:
    """Starts background services on startup and stops them on shutdown."""

    def __init__(self) -> None:
        self.worker: EngineWorker | None = None
        self.matchmaker: asyncio.Task[None] | None = None
        self.reaper: asyncio.Task[None] | None = None
        self.retention: asyncio.Task[None] | None = None

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    await self.startup()
                except Exception as exc:
                    logger.exception("startup failed")
                    await send({"type": "lifespan.startup.failed", "message": str(exc)})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.shutdown()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def startup(self) -> None:
        """Start the matchmaker, the lost-match reaper, and the engine worker if this
        deployment embeds one."""
        tune_garbage_collector()
        from game.engines import build_hosting_worker, build_worker, match_reaper

        if settings.ARENA.hosted_engine:
            self.worker = build_hosting_worker()
            await self.worker.start()
        elif settings.ARENA.embedded_engine:
            self.worker = build_worker()
            await self.worker.start()
        else:
            logger.info("engine is external: run `python manage.py runengine`")
        self.matchmaker = asyncio.create_task(build_matchmaker().run(), name="matchmaker")
        self.reaper = asyncio.create_task(match_reaper().run(), name="match-reaper")
        from game.replays import clean_replays_forever

        self.retention = asyncio.create_task(clean_replays_forever(), name="replay-retention")

    async def shutdown(self) -> None:
        """Stop the matchmaker, the reaper and the embedded engine worker."""
        for task in (self.matchmaker, self.reaper, self.retention):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self.matchmaker = self.reaper = self.retention = None
        if self.worker is not None:
            await self.worker.stop()
            self.worker = None
