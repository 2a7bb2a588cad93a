"""ASGI lifespan: runs the embedded engine worker for as long as the web server runs."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings

from engine.worker import EngineWorker

logger = logging.getLogger(__name__)


class EngineLifespan:
    """Starts an engine worker on startup and stops it on shutdown, when the engine is embedded."""

    def __init__(self) -> None:
        self.worker: EngineWorker | None = None

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
        """Start the embedded engine worker if this deployment embeds one."""
        if not settings.ARENA.embedded_engine:
            logger.info("engine is external: run `python manage.py runengine`")
            return
        from game.engines import build_worker

        self.worker = build_worker()
        await self.worker.start()

    async def shutdown(self) -> None:
        """Stop the embedded engine worker."""
        if self.worker is not None:
            await self.worker.stop()
            self.worker = None
