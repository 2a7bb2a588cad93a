"""Where replay segments live: a folder with one sub-folder per match (the I/O of replays).

Each segment is one file named by its ticks (``format.segment_name``), written to a temporary
name and renamed, so that a reader never sees half a segment and a worker killed mid-write
leaves nothing behind but a temporary file (removed by the next write or by retention).
Every method blocks: the recorder calls them in a thread, off the event loop.
"""

from __future__ import annotations

import logging
import os
import shutil
import uuid
from pathlib import Path

from engine.replay.format import SegmentInfo, parse_segment_name, segment_name

logger = logging.getLogger(__name__)

TEMPORARY_SUFFIX = ".part"


class ReplayStorageError(OSError):
    """A replay's segments cannot be found or read."""


class FolderReplayStorage:
    """Replay segments in ``root/<match id>/``."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def _folder(self, match_id: str) -> Path:
        if not match_id or "/" in match_id or match_id.startswith("."):
            raise ReplayStorageError(f"not a match id: {match_id!r}")
        return self.root / match_id

    def write_segment(self, match_id: str, first_tick: int, last_tick: int, data: bytes) -> int:
        """Store one segment of ``match_id``; returns its size. Raises OSError (disk full,
        folder not writable) without leaving a partial segment."""
        folder = self._folder(match_id)
        folder.mkdir(parents=True, exist_ok=True)
        final = folder / segment_name(first_tick, last_tick)
        temporary = folder / f".{uuid.uuid4().hex}{TEMPORARY_SUFFIX}"
        try:
            with open(temporary, "wb") as file:
                file.write(data)
            os.replace(temporary, final)
        except OSError:
            temporary.unlink(missing_ok=True)
            raise
        return len(data)

    def segments(self, match_id: str) -> list[SegmentInfo]:
        """The segments of ``match_id`` in tick order (none: an empty list)."""
        folder = self._folder(match_id)
        found = []
        try:
            entries = list(os.scandir(folder))
        except FileNotFoundError:
            return []
        for entry in entries:
            ticks = parse_segment_name(entry.name)
            if ticks is not None:
                found.append(SegmentInfo(ticks[0], ticks[1], entry.name, entry.stat().st_size))
        found.sort(key=lambda s: (s.first_tick, s.last_tick))
        return found

    def last_tick(self, match_id: str) -> int | None:
        """The last tick recorded of ``match_id`` (None: nothing yet)."""
        segments = self.segments(match_id)
        return max(s.last_tick for s in segments) if segments else None

    def read_segment(self, match_id: str, name: str) -> bytes:
        """The bytes of one segment."""
        if parse_segment_name(name) is None:
            raise ReplayStorageError(f"not a segment: {name!r}")
        try:
            return (self._folder(match_id) / name).read_bytes()
        except OSError as exc:
            raise ReplayStorageError(f"segment {name} of {match_id} cannot be read: {exc}") from exc

    def delete(self, match_id: str) -> int:
        """Remove every segment of ``match_id``; returns the bytes freed."""
        folder = self._folder(match_id)
        freed = sum(s.size for s in self.segments(match_id))
        shutil.rmtree(folder, ignore_errors=True)
        return freed

    def matches(self) -> list[tuple[str, float]]:
        """``(match id, last modified (Unix time))`` of every match folder."""
        found = []
        try:
            entries = list(os.scandir(self.root))
        except FileNotFoundError:
            return []
        for entry in entries:
            if not entry.is_dir() or entry.name.startswith("."):
                continue
            modified = entry.stat().st_mtime
            for segment in os.scandir(entry.path):
                modified = max(modified, segment.stat().st_mtime)
            found.append((entry.name, modified))
        return found
