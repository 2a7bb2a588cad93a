"""Matches that no engine holds any more: found and ended as lost, so that nobody waits on them.

A match is held while an engine worker runs it (it is in the worker's announced summaries) or
can take it over (its lease, live or expired with a checkpoint, ``MatchLeases.held``). A match
that is neither, twice in a row, was lost: the embedded server restarted, or every engine died
and its checkpoint expired. It is recorded as over with the result ``{"reason": "lost"}``, so
that the match API says so, no ticket is issued for it, and its sockets are refused with 4006.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from channels.db import database_sync_to_async
from django.utils import timezone

from engine.failurelog import FailureLog
from engine.leases import MatchLeases
from engine.registry import EngineRegistry
from game.models import MatchRecord

logger = logging.getLogger(__name__)

SWEEP_INTERVAL = 5.0  # seconds between two sweeps
MIN_AGE = 5.0  # seconds a match must exist before it can be judged lost (engines announce 1/s)
LOST_RESULT: dict[str, Any] = {
    "reason": "lost",
    "winner_id": None,
    "standings": [],
    "duration_ms": 0,
}


@database_sync_to_async
def mark_lost(match_id: str) -> bool:
    """Record an open match as over and lost; False if it was not open."""
    updated = MatchRecord.objects.filter(id=match_id, status=MatchRecord.Status.OPEN).update(
        status=MatchRecord.Status.OVER, ended_at=timezone.now(), result=LOST_RESULT
    )
    if updated:
        logger.warning("match %s is held by no engine: recorded as lost", match_id)
    return bool(updated)


class MatchReaper:
    """Ends the open matches no engine holds; run by every web process."""

    def __init__(
        self,
        registry: EngineRegistry,
        leases: MatchLeases | None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """``leases`` are the deployment's shared leases (None without Redis: the announced
        summaries of this process's engine say it all)."""
        self.registry = registry
        self.leases = leases
        self.clock = clock
        self._suspects: set[str] = set()
        self._failures = FailureLog(logger, "looking for lost matches")

    async def held(self, match_ids: list[str]) -> set[str]:
        """The matches among ``match_ids`` that an engine runs or can take over."""
        running = {summary["id"] for summary in await self.registry.live_matches()}
        held = {m for m in match_ids if m in running}
        rest = [m for m in match_ids if m not in held]
        if rest and self.leases is not None:
            held |= await self.leases.held(rest)
        return held

    async def sweep(self) -> list[str]:
        """One pass: the open matches found held by no engine twice in a row are ended."""
        cutoff = datetime.fromtimestamp(self.clock() - MIN_AGE, UTC)
        rows = MatchRecord.objects.filter(status=MatchRecord.Status.OPEN, created_at__lt=cutoff)
        open_ids = [str(match_id) async for match_id in rows.values_list("id", flat=True)]
        missing = set(open_ids) - await self.held(open_ids)
        lost = sorted(missing & self._suspects)
        self._suspects = missing - self._suspects
        for match_id in lost:
            await mark_lost(match_id)
        return lost

    async def run(self, interval: float = SWEEP_INTERVAL) -> None:
        """Sweep every ``interval`` seconds until cancelled."""
        while True:
            try:
                await self.sweep()
            except Exception as exc:
                self._failures.failed(exc)
            else:
                self._failures.succeeded()
            await asyncio.sleep(interval)


async def engine_holds(match: MatchRecord, reaper: MatchReaper) -> bool:
    """Whether a match whose engine did not answer may still be played: its engine is alive,
    or another engine runs it or can take it over."""
    workers = await reaper.registry.live_workers()
    if any(worker.worker_id == match.engine_id for worker in workers):
        return True
    return bool(await reaper.held([str(match.id)]))
