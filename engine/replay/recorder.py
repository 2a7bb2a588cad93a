"""The engine worker's replay recorder: one more consumer of the frames the worker publishes.

On the tick path the worker hands each match's messages to its ``MatchRecording`` (an append).
Every ``flush_interval`` the recorder's task takes the sealed segments of every recording and
writes them in a thread (pack, compress, write: off the event loop); when a match closes, its
last segment is written and the replay is indexed (``ReplayIndex``, the database). A storage
failure loses that replay (counted in ``lost``, logged once), never the match.

A match taken over (``resumed``) appends to the replay its earlier owner wrote: its records
start after the last tick already stored, with a GAP (``format.resume_after``).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from engine.replay.format import (
    GAP,
    Record,
    SegmentInfo,
    compress_segment,
    read_records,
    resume_after,
)
from engine.replay.recording import DEFAULT_SEGMENT_SECONDS, MatchRecording, ReplayMeta
from engine.replay.storage import FolderReplayStorage

logger = logging.getLogger(__name__)

DEFAULT_FLUSH_INTERVAL = 2.0  # seconds between two passes of the writer


@dataclass(frozen=True)
class ReplaySummary:
    """A finished replay, as the index keeps it."""

    meta: ReplayMeta
    segments: list[SegmentInfo]
    gaps: list[tuple[int, int]]
    result: dict[str, Any] | None

    @property
    def size(self) -> int:
        """Bytes of every segment."""
        return sum(s.size for s in self.segments)


class ReplayIndex(Protocol):
    """Where finished replays are indexed (the database, with their match)."""

    async def replay_recorded(self, summary: ReplaySummary) -> None:
        """Index a replay whose segments are all stored."""


@dataclass
class _Resume:
    """A taken-over match's records held until its earlier owner's last tick is known."""

    held: list[Record] = field(default_factory=list)
    found: bool = False


class ReplayRecorder:
    """Records every match of one engine worker into ``storage``."""

    def __init__(
        self,
        storage: FolderReplayStorage,
        index: ReplayIndex | None = None,
        segment_seconds: float = DEFAULT_SEGMENT_SECONDS,
        flush_interval: float = DEFAULT_FLUSH_INTERVAL,
        max_bytes_per_match: int | None = None,
        compress: Callable[[Sequence[Record]], bytes] = compress_segment,
    ) -> None:
        """``compress`` makes a segment's bytes (in the writer thread: by default there, a
        ``ProcessCompressor`` in a process of its own)."""
        self.storage = storage
        self.compress = compress
        self.index = index
        self.segment_seconds = segment_seconds
        self.flush_interval = flush_interval
        self.max_bytes_per_match = max_bytes_per_match
        self.recordings: dict[str, MatchRecording] = {}
        self._resumes: dict[str, _Resume] = {}
        self.recorded = 0  # replays indexed
        self.lost = 0  # replays given up (storage failed, or the writer fell too far behind)
        self.segments_written = 0
        self.bytes_written = 0
        self.write_seconds = 0.0  # writer thread CPU (packing, compressing, writing)
        self._lock = asyncio.Lock()  # one pass of the writer at a time

    def start(self, meta: ReplayMeta, resumed: bool = False) -> MatchRecording:
        """Begin recording a match (``resumed``: taken over from another worker)."""
        options: dict[str, Any] = {}
        if self.max_bytes_per_match is not None:
            options["max_bytes"] = self.max_bytes_per_match
        recording = MatchRecording(
            meta,
            max(1, round(self.segment_seconds * meta.tick_rate)),
            resumed=resumed,
            **options,
        )
        self.recordings[meta.match_id] = recording
        return recording

    def end(self, match_id: str, result: dict[str, Any] | None) -> None:
        """The match closed: its replay is written and indexed with the next pass."""
        recording = self.recordings.get(match_id)
        if recording is not None:
            recording.end(result)

    def discard(self, match_id: str) -> None:
        """Stop recording a match another worker runs now (it records from here on)."""
        self.recordings.pop(match_id, None)
        self._resumes.pop(match_id, None)

    def hand_over(self, match_ids: list[str]) -> None:
        """The matches go to another worker: their open segments are written with the next
        pass, and then they are forgotten (the next owner appends)."""
        for match_id in match_ids:
            recording = self.recordings.get(match_id)
            if recording is not None:
                recording.seal()
                recording.ended = True  # nothing more from this worker; not indexed here

    async def run(self) -> None:
        """Write what waits every ``flush_interval`` until cancelled."""
        while True:
            await asyncio.sleep(self.flush_interval)
            await self.flush()

    async def flush(self) -> None:
        """Write every sealed segment; index and forget the recordings of closed matches."""
        async with self._lock:
            for recording in list(self.recordings.values()):
                if recording.lost:  # it outgrew its memory: the writer fell behind
                    self._lose(recording, MemoryError("too many frames waiting for the writer"))
                    continue
                segments = recording.take_sealed()
                if segments:
                    try:
                        await asyncio.to_thread(self._write, recording, segments)
                    except Exception as exc:  # disk full, folder gone: the replay, not the match
                        self._lose(recording, exc)
                        continue
                if recording.ended:
                    await self._finish(recording)

    def _write(self, recording: MatchRecording, segments: list[list[Record]]) -> None:
        """Compress and store segments (in a thread)."""
        started = time.thread_time()
        match_id = recording.meta.match_id
        try:
            resume = self._resumes.setdefault(match_id, _Resume()) if recording.resumed else None
            if resume is not None and not resume.found:
                segments = self._resume(resume, match_id, segments)
            for records in segments:
                if not records:
                    continue
                ticks = [r[1] for r in records if r[0] != GAP]
                data = self.compress(records)
                self.bytes_written += self.storage.write_segment(
                    match_id, min(ticks), max(ticks), data
                )
                self.segments_written += 1
        finally:
            self.write_seconds += time.thread_time() - started

    def _resume(
        self, resume: _Resume, match_id: str, segments: list[list[Record]]
    ) -> list[list[Record]]:
        """The segments of a taken-over match that come after its earlier owner's."""
        resume.held.extend(record for records in segments for record in records)
        kept, found = resume_after(resume.held, self.storage.last_tick(match_id))
        if not found:
            return []
        resume.found = True
        resume.held = []
        return [kept]

    async def _finish(self, recording: MatchRecording) -> None:
        match_id = recording.meta.match_id
        self._forget(match_id, recording)
        if self.index is None or recording.result is None:
            return  # handed over (the next owner indexes it), or nothing to show
        try:
            summary = await asyncio.to_thread(self.summarize, recording)
        except Exception as exc:
            self._lose(recording, exc)
            return
        if not summary.segments:
            return
        try:
            await self.index.replay_recorded(summary)
        except Exception as exc:
            self._lose(recording, exc)
            return
        self.recorded += 1

    def summarize(self, recording: MatchRecording) -> ReplaySummary:
        """The stored segments of a recording and the gaps they mark (blocking)."""
        match_id = recording.meta.match_id
        segments = self.storage.segments(match_id)
        gaps = []
        for segment in segments:
            first = next(read_records(self.storage.read_segment(match_id, segment.name)), None)
            if first is not None and first[0] == GAP:  # a gap only ever opens a segment
                gaps.append((int(first[1]), int(first[2])))
        return ReplaySummary(recording.meta, segments, gaps, recording.result)

    @property
    def cpu_seconds(self) -> float:
        """CPU the recordings took off the tick path: the writer thread's and, with a
        ``ProcessCompressor``, its child's."""
        return self.write_seconds + getattr(self.compress, "cpu_seconds", 0.0)

    def close(self) -> None:
        """Stop the compressor's process, if it has one."""
        close = getattr(self.compress, "close", None)
        if close is not None:
            close()

    def _forget(self, match_id: str, recording: MatchRecording) -> None:
        if self.recordings.get(match_id) is recording:
            del self.recordings[match_id]
        self._resumes.pop(match_id, None)

    def _lose(self, recording: MatchRecording, error: BaseException) -> None:
        """Give the replay up: counted, and logged once for it."""
        match_id = recording.meta.match_id
        recording.give_up()
        self._forget(match_id, recording)
        self.lost += 1
        logger.error("the replay of match %s is lost: %r", match_id, error)
