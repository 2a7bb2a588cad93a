"""`python manage.py runengine`: run one engine worker process until SIGINT or SIGTERM."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    """Run an engine worker that owns matches, ticks them and publishes their snapshots."""

    help = "Run an engine worker: owns matches, ticks them, publishes snapshots to match groups."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--worker-id", help="a stable id for this worker (default: random)")

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.ARENA.redis_url is None:
            raise CommandError(
                "runengine needs REDIS_URL: without Redis the engine runs inside the web "
                "process (see README, 'Run')"
            )
        try:
            import uvloop
        except ImportError:
            asyncio.run(self._serve(options.get("worker_id")))
        else:
            uvloop.run(self._serve(options.get("worker_id")))

    async def _serve(self, worker_id: str | None) -> None:
        from game.engines import build_worker

        worker = build_worker(worker_id)
        runner = asyncio.create_task(worker.run_forever())
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, runner.cancel)
        with contextlib.suppress(asyncio.CancelledError):
            await runner
