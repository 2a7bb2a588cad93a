"""The replay format: records in segments, the header, names, and resuming after a takeover."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import zstandard

from engine.replay.format import (
    DELTA,
    FORMAT_NAME,
    FORMAT_VERSION,
    GAP,
    KEYFRAME,
    RESULT,
    SKIPPABLE_MAGIC,
    ReplayFormatError,
    compress_segment,
    header_frame,
    parse_segment_name,
    read_header,
    read_records,
    resume_after,
    segment_name,
    segment_ranges,
)

RECORDS = [(KEYFRAME, 5, b"\x93\x0b\x05\x00"), (DELTA, 6, b"\x01\x02"), (RESULT, 6, b"\x92\x0e")]


def test_a_segment_holds_its_records_in_order_byte_for_byte() -> None:
    assert list(read_records(compress_segment(RECORDS))) == RECORDS


def test_a_replay_stream_is_a_header_then_segments_that_any_zstd_decoder_reads() -> None:
    """The header is a skippable frame: zstd decoders (the command-line tool too) pass over it
    and read the segments as one stream of msgpack records."""
    header = {"match_id": "m", "segments": [[0, 10, 5, 6]]}
    first, second = compress_segment(RECORDS[:2]), compress_segment(RECORDS[2:])
    stream = header_frame(header) + first + second
    read, offset = read_header(stream)
    assert read == {"format": "arena-replay", "version": 1, **header}
    assert stream[offset:] == first + second
    assert list(read_records(stream)) == RECORDS
    assert zstandard.ZstdDecompressor().decompressobj().decompress(first)  # one zstd frame
    try:
        plain = subprocess.run(["zstd", "-dc"], input=stream, capture_output=True, check=True)
    except FileNotFoundError:
        pytest.skip("no zstd command")
    assert list(read_records(zstandard.compress(plain.stdout))) == RECORDS


def test_what_is_not_a_replay_is_refused_with_a_named_error() -> None:
    with pytest.raises(ReplayFormatError):
        read_header(b"\x00" * 16)
    with pytest.raises(ReplayFormatError):
        list(read_records(b"not zstd at all"))
    with pytest.raises(ReplayFormatError):
        list(read_records(zstandard.compress(b"\x93\x09\x01\x02")))  # kind 9
    with pytest.raises(ReplayFormatError):
        read_header(header_frame({})[:-1])  # cut short


def test_segment_names_sort_in_tick_order_and_parse_back() -> None:
    names = [segment_name(1200, 1399), segment_name(5, 199), segment_name(200, 1199)]
    assert sorted(names) == [
        segment_name(5, 199),
        segment_name(200, 1199),
        segment_name(1200, 1399),
    ]
    assert parse_segment_name(segment_name(5, 199)) == (5, 199)
    assert parse_segment_name(".abc.part") is None
    assert parse_segment_name("x-y.seg.zst") is None
    assert segment_ranges([10, 3, 7]) == [(0, 10), (10, 3), (13, 7)]


def test_a_new_owner_resumes_after_the_last_recorded_tick_from_a_keyframe_with_a_gap() -> None:
    new_owner = [
        (KEYFRAME, 40, b"k40"),
        (DELTA, 41, b"d41"),
        (DELTA, 50, b"d50"),  # at or before the last tick recorded: dropped
        (DELTA, 51, b"d51"),  # a DELTA before a KEYFRAME: nothing to build it on
        (KEYFRAME, 60, b"k60"),
        (DELTA, 61, b"d61"),
    ]
    kept, found = resume_after(new_owner, 50)
    assert found
    assert kept == [(GAP, 50, 60), (KEYFRAME, 60, b"k60"), (DELTA, 61, b"d61")]
    assert resume_after(new_owner[:4], 50) == ([], False), "no KEYFRAME after the tick yet"
    kept, _ = resume_after(new_owner, None)
    assert kept[0] == (GAP, -1, 40), "nothing was recorded before: the gap opens the replay"


def test_the_protocol_document_describes_these_records_and_this_header() -> None:
    doc = (Path(__file__).parents[3] / "docs" / "protocol.md").read_text()
    section = doc[doc.index("## 11. Replays") :]
    for kind, name in ((KEYFRAME, "KEYFRAME"), (DELTA, "DELTA"), (RESULT, "RESULT")):
        assert f"`[{kind}, tick, {name}]`" in section
    assert f"`[{GAP}, last_tick, resumed_tick]`" in section
    magic = SKIPPABLE_MAGIC.to_bytes(4, "little").hex(" ").upper()
    assert magic in section and f'`"{FORMAT_NAME}"`, `{FORMAT_VERSION}`' in section
