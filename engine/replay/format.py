"""The replay format (docs/protocol.md section 11): records, segments and the replay stream.

A record is a msgpack array whose first element says what it is::

    [0, tick, KEYFRAME]   the KEYFRAME frame published for ``tick``, byte for byte
    [1, tick, DELTA]      the DELTA frame published for ``tick`` (its base tick inside)
    [2, tick, RESULT]     the RESULT frame
    [3, last, resume]     a gap: nothing was recorded after tick ``last`` until ``resume``
                          (the match changed engines; the state jumps)

A segment is one zstd frame holding its records in columns (``engine.replay.columns``: a third
of the bytes), or, should they not fit, one after another; its first snapshot record is a
KEYFRAME, so that any segment can be played on its own. A replay stream is a zstd skippable
frame whose payload is the msgpack header (the match, its game's schema, the segments' byte
ranges, the gaps, the result), then the segments in tick order. Pure.
"""

from __future__ import annotations

import io
import struct
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import msgpack
import zstandard

from engine.replay.columns import COLUMNS, ColumnsUnfit, from_columns, to_columns
from engine.replay.records import DELTA, GAP, KEYFRAME, RESULT, Record  # noqa: F401 (the kinds)

FORMAT_NAME = "arena-replay"
FORMAT_VERSION = 1
SKIPPABLE_MAGIC = 0x184D2A50  # a zstd skippable frame: decoders pass over it
COMPRESSION_LEVEL = 15  # segments are written off the tick path: small beats fast here
SEGMENT_SUFFIX = ".seg.zst"


class ReplayFormatError(ValueError):
    """Bytes that are not a replay (or not of a version this server reads)."""


@dataclass(frozen=True, slots=True)
class SegmentInfo:
    """Where one segment of a match is: its ticks, its file and its size in bytes."""

    first_tick: int
    last_tick: int
    name: str
    size: int


def segment_name(first_tick: int, last_tick: int) -> str:
    """The file name of a segment of those ticks (tick order is name order)."""
    return f"{first_tick:010d}-{last_tick:010d}{SEGMENT_SUFFIX}"


def parse_segment_name(name: str) -> tuple[int, int] | None:
    """``(first_tick, last_tick)`` of a segment's file name; None for any other name."""
    if not name.endswith(SEGMENT_SUFFIX):
        return None
    first, _, last = name[: -len(SEGMENT_SUFFIX)].partition("-")
    if not (first.isdigit() and last.isdigit()):
        return None
    return int(first), int(last)


def record_tick(record: Record) -> int:
    """The tick a record belongs to (a gap's: the tick recording resumed at)."""
    return int(record[2] if record[0] == GAP else record[1])


def pack_records(records: Iterable[Record]) -> bytes:
    """Records as the msgpack stream a segment holds, uncompressed."""
    packer = msgpack.Packer(use_bin_type=True)
    return b"".join(packer.pack(list(record)) for record in records)


def compress_segment(records: Sequence[Record], level: int = COMPRESSION_LEVEL) -> bytes:
    """One segment: the records in columns (``engine.replay.columns``), or packed one after
    the other if they do not fit, compressed as one zstd frame."""
    try:
        data = msgpack.packb(to_columns(records), use_bin_type=True)
    except ColumnsUnfit:
        data = pack_records(records)
    return zstandard.ZstdCompressor(level=level).compress(data)


def read_records(data: bytes) -> Iterator[Record]:
    """Every record of one or more segments (or of a whole replay stream), in order."""
    reader = zstandard.ZstdDecompressor().stream_reader(io.BytesIO(data), read_across_frames=True)
    try:
        raw = reader.read()
    except zstandard.ZstdError as exc:
        raise ReplayFormatError(f"not zstd segments: {exc}") from exc
    for record in msgpack.Unpacker(io.BytesIO(raw), raw=False):
        if isinstance(record, list) and record and record[0] == COLUMNS:
            try:
                yield from from_columns(record)
            except ColumnsUnfit as exc:
                raise ReplayFormatError(str(exc)) from exc
            continue
        if not isinstance(record, list) or not record or record[0] not in (0, 1, 2, 3):
            raise ReplayFormatError(f"not a replay record: {record!r:.80}")
        yield tuple(record)


def header_frame(header: dict[str, Any]) -> bytes:
    """The replay stream's first bytes: ``header`` in a zstd skippable frame."""
    payload = msgpack.packb(
        {"format": FORMAT_NAME, "version": FORMAT_VERSION, **header}, use_bin_type=True
    )
    return struct.pack("<II", SKIPPABLE_MAGIC, len(payload)) + payload


def read_header(data: bytes) -> tuple[dict[str, Any], int]:
    """The header of a replay stream and the offset its segments start at."""
    if len(data) < 8:
        raise ReplayFormatError("too short for a replay header")
    magic, size = struct.unpack_from("<II", data)
    if magic != SKIPPABLE_MAGIC or len(data) < 8 + size:
        raise ReplayFormatError("no replay header")
    header = msgpack.unpackb(data[8 : 8 + size], raw=False)
    if not isinstance(header, dict) or header.get("format") != FORMAT_NAME:
        raise ReplayFormatError("not an arena replay")
    if header.get("version") != FORMAT_VERSION:
        raise ReplayFormatError(f"replay version {header.get('version')!r} is not readable")
    return header, 8 + size


def segment_ranges(sizes: Sequence[int]) -> list[tuple[int, int]]:
    """``(offset, length)`` of each segment after the header (offsets from the header's end)."""
    ranges = []
    offset = 0
    for size in sizes:
        ranges.append((offset, size))
        offset += size
    return ranges


def resume_after(records: Sequence[Record], last_tick: int | None) -> tuple[list[Record], bool]:
    """The records of a match taken over that come after what its earlier owner recorded.

    Drops what is at or before ``last_tick`` and then everything up to the first KEYFRAME
    (the new owner's DELTAs build on frames nobody recorded); the kept records start with a
    GAP from ``last_tick`` (-1 when nothing was recorded before). Returns the kept records
    and whether the resume point was found (False: wait for more records).
    """
    for index, record in enumerate(records):
        if record[0] == KEYFRAME and (last_tick is None or record[1] > last_tick):
            gap = (GAP, -1 if last_tick is None else last_tick, record[1])
            return [gap, *records[index:]], True
    return [], False
