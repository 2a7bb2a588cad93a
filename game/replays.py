"""Replays in the project: the recorder built from settings, their index in the database, the
replay stream served over HTTP, and retention (``engine.replay`` does the recording)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from channels.db import database_sync_to_async
from django.conf import settings
from django.urls import reverse

from engine.replay.compressor import ProcessCompressor
from engine.replay.format import header_frame, segment_ranges
from engine.replay.recorder import ReplayRecorder, ReplaySummary
from engine.replay.retention import StoredReplay, expired
from engine.replay.storage import FolderReplayStorage
from game.models import MatchPlayer, MatchRecord, Replay

logger = logging.getLogger(__name__)

CLEAN_INTERVAL = 3600.0  # seconds between two retention passes of a web process
ORPHAN_AGE = 86400.0  # a folder nothing indexed and nothing wrote to for this long is debris


def replay_storage() -> FolderReplayStorage:
    """The folder replays are kept in (``ARENA_REPLAY_DIR``, relative to the project)."""
    folder = Path(settings.ARENA.replay_dir)
    if not folder.is_absolute():
        folder = Path(settings.BASE_DIR) / folder
    return FolderReplayStorage(folder)


def replay_recorder() -> ReplayRecorder | None:
    """An engine worker's recorder, indexing in the database (None: ``ARENA_REPLAYS=false``)."""
    if not settings.ARENA.replays:
        return None
    return ReplayRecorder(
        replay_storage(),
        DjangoReplayIndex(),
        segment_seconds=settings.ARENA.replay_segment_seconds,
        compress=ProcessCompressor(),
    )


class DjangoReplayIndex:
    """Indexes finished replays with their match (the ``Replay`` model)."""

    async def replay_recorded(self, summary: ReplaySummary) -> None:
        """Keep the replay's segments, ticks and gaps with its match."""
        await database_sync_to_async(index_replay)(summary)


def index_replay(summary: ReplaySummary) -> bool:
    """Store ``summary`` as its match's Replay; False when no such match is recorded."""
    meta = summary.meta
    if not MatchRecord.objects.filter(id=meta.match_id).exists():
        logger.warning("replay of match %s not indexed: no such match", meta.match_id)
        return False
    segments = summary.segments
    Replay.objects.update_or_create(
        match_id=meta.match_id,
        defaults={
            "tick_rate": meta.tick_rate,
            "first_tick": segments[0].first_tick,
            "last_tick": max(s.last_tick for s in segments),
            "size": summary.size,
            "segments": [[s.name, s.first_tick, s.last_tick, s.size] for s in segments],
            "gaps": [list(gap) for gap in summary.gaps],
            "schema": meta.schema,
            "info": meta.info,
        },
    )
    return True


def may_watch(match: MatchRecord, player_key: str | None) -> bool:
    """Whether the caller may watch a match's replay: anyone for a lobby (ranked) match, only
    its players for a private one."""
    if match.ranked:
        return True
    if player_key is None:
        return False
    if player_key in (match.seats or []):
        return True
    return MatchPlayer.objects.filter(match=match, player_key=player_key).exists()


def replay_url(match: MatchRecord, player_key: str | None) -> str | None:
    """The link to a match's replay for the caller (a match page's), None when there is none
    to watch or it is not the caller's to watch."""
    if not Replay.objects.filter(match=match).exists() or not may_watch(match, player_key):
        return None
    return reverse("replay-page", args=[match.id])


@dataclass(frozen=True)
class ReplayBody:
    """The bytes of a replay stream: its header, then its segments' files."""

    header: bytes
    match_id: str
    segments: list[tuple[str, int]]  # file name, bytes

    @property
    def size(self) -> int:
        """Bytes in all."""
        return len(self.header) + sum(size for _, size in self.segments)

    def pieces(self, start: int, end: int) -> list[tuple[str | None, int, int]]:
        """What bytes ``start`` to ``end`` (inclusive) are made of: ``(segment file or None for
        the header, first byte in it, byte after the last)``."""
        found: list[tuple[str | None, int, int]] = []
        offset = 0
        for name, size in [(None, len(self.header)), *self.segments]:
            if offset + size > start and offset <= end:
                found.append((name, max(start - offset, 0), min(end - offset + 1, size)))
            offset += size
        return found

    def read(self, name: str | None, low: int, high: int) -> bytes:
        """Bytes ``low`` to ``high`` (exclusive) of the header or of one segment (blocking)."""
        if name is None:
            return self.header[low:high]
        return replay_storage().read_segment(self.match_id, name)[low:high]

    def chunks(self, start: int, end: int) -> Iterator[bytes]:
        """Bytes ``start`` to ``end`` (inclusive) of the stream, a piece at a time (blocking)."""
        for piece in self.pieces(start, end):
            yield self.read(*piece)

    async def stream(self, start: int, end: int) -> AsyncIterator[bytes]:
        """``chunks``, each file read in a thread."""
        for piece in self.pieces(start, end):
            yield await asyncio.to_thread(self.read, *piece)


def replay_body(replay: Replay, match: MatchRecord) -> ReplayBody:
    """The replay stream of ``replay`` (docs/protocol.md section 11)."""
    sizes = [segment[3] for segment in replay.segments]
    header: dict[str, Any] = {
        "match_id": str(match.id),
        "game": match.game,
        "mode": match.mode,
        "ranked": match.ranked,
        "tick_rate": replay.tick_rate,
        "first_tick": replay.first_tick,
        "last_tick": replay.last_tick,
        "schema": replay.schema,
        "info": replay.info,
        "segments": [
            [offset, length, segment[1], segment[2]]
            for (offset, length), segment in zip(
                segment_ranges(sizes), replay.segments, strict=True
            )
        ],
        "gaps": replay.gaps,
        "result": match.result,
    }
    return ReplayBody(header_frame(header), str(match.id), [(s[0], s[3]) for s in replay.segments])


def clean_replays(now: float | None = None) -> tuple[int, int]:
    """Remove the replays retention says go (``ARENA_REPLAY_RETENTION_DAYS``,
    ``ARENA_REPLAY_MAX_MB``) and folders nothing indexed for a day; (replays, bytes) removed."""
    now = time.time() if now is None else now
    arena = settings.ARENA
    storage = replay_storage()
    stored = [
        StoredReplay(str(match_id), recorded_at.timestamp(), size)
        for match_id, recorded_at, size in Replay.objects.values_list(
            "match_id", "recorded_at", "size"
        )
    ]
    going = expired(stored, now, arena.replay_retention_days, arena.replay_max_mb * 1024 * 1024)
    freed = 0
    for match_id in going:
        freed += storage.delete(match_id)
        Replay.objects.filter(match_id=match_id).delete()
    indexed = {r.match_id for r in stored}
    for match_id, modified in storage.matches():
        if match_id not in indexed and now - modified > ORPHAN_AGE:
            freed += storage.delete(match_id)
    if going:
        logger.info("retention removed %d replays (%d bytes)", len(going), freed)
    return len(going), freed


async def clean_replays_forever(interval: float = CLEAN_INTERVAL) -> None:
    """Apply retention every ``interval`` seconds until cancelled (a failure is logged)."""
    while True:
        try:
            await database_sync_to_async(clean_replays)()
        except Exception:
            logger.exception("replay retention failed; trying again in %.0f s", interval)
        await asyncio.sleep(interval)
