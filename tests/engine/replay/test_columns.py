"""Columnar segments: any segment's frames, taken apart into streams, come back byte for byte;
frames that would not are refused, and the segment is kept as plain records."""

from __future__ import annotations

from typing import Any

import msgpack
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.protocol import pack
from engine.replay.columns import COLUMNS, ColumnsUnfit, from_columns, to_columns
from engine.replay.format import compress_segment, read_records
from engine.replay.records import DELTA, GAP, KEYFRAME, RESULT, Record

pytestmark = pytest.mark.timeout(60)

small = st.integers(-(2**40), 2**40)
leaf = st.one_of(small, st.none(), st.booleans(), st.floats(allow_nan=False), st.text(max_size=4))
value = st.recursive(leaf, lambda inner: st.lists(inner, max_size=4), max_leaves=12)
row = st.lists(value, min_size=1, max_size=12)  # positions 9 and beyond share a stream


@st.composite
def change(draw: st.DrawFn) -> list[int]:
    """An entity change ``[id, mask, *values]`` (one value per bit set), or ``[id]``: gone."""
    entity = draw(st.integers(0, 500))
    if draw(st.booleans()):
        return [entity]
    mask = draw(st.integers(0, 2**9 - 1))
    return [
        entity,
        mask,
        *draw(st.lists(small, min_size=mask.bit_count(), max_size=mask.bit_count())),
    ]


def element(kind: int) -> st.SearchStrategy[Any]:
    """Any element after a frame's header: rows, entity changes (a DELTA's), or anything else."""
    choices = [st.lists(row, max_size=5), value]
    if kind == DELTA:
        choices.append(st.lists(change(), max_size=6))
    return st.one_of(*choices)


@st.composite
def records(draw: st.DrawFn) -> list[Record]:
    """A segment's records: snapshot frames as the engine packs them, results and gaps."""
    out: list[Record] = []
    tick = draw(st.integers(0, 10_000))
    for _ in range(draw(st.integers(1, 12))):
        tick += draw(st.integers(0, 3))
        kind = draw(st.sampled_from([KEYFRAME, DELTA, DELTA, RESULT, GAP]))
        if kind == GAP:
            out.append((GAP, tick, tick + draw(st.integers(1, 50))))
            continue
        if kind == RESULT:
            out.append((RESULT, tick, pack([14, draw(value)])))
            continue
        header = [draw(small) for _ in range(5 if kind == KEYFRAME else 6)]
        frame = header + draw(st.lists(element(kind), max_size=6))
        out.append((kind, tick, pack(frame)))
    return out


def read_back(segment: list[Any]) -> list[Record]:
    """The records of a columnar segment after a trip through its msgpack bytes."""
    return list(from_columns(msgpack.unpackb(msgpack.packb(segment, use_bin_type=True))))


@settings(max_examples=300, deadline=None)
@given(records())
def test_any_segment_in_columns_reads_back_byte_for_byte(segment_records: list[Record]) -> None:
    segment = to_columns(segment_records)
    assert segment[0] == COLUMNS
    assert read_back(segment) == segment_records


def test_frames_shaped_as_the_shooters_read_back_and_shrink(recorded_frames: list[Record]) -> None:
    segment = to_columns(recorded_frames)
    assert read_back(segment) == recorded_frames
    plain = sum(len(record[2]) for record in recorded_frames)
    assert len(msgpack.packb(segment, use_bin_type=True)) < plain


@pytest.fixture
def recorded_frames() -> list[Record]:
    """A keyframe and deltas shaped as the shooter's: ships as rows, then changes of them."""
    ships = [[ship, 1000 + ship, 2000 - ship, 30 * ship, 100, 1, 101] for ship in range(8)]
    frames: list[Record] = [
        (KEYFRAME, 10, pack([11, 10, 1_796_599_096_677, 2, 173_000, ships, []]))
    ]
    for tick in range(11, 40):
        moved = [[ship, 3, tick % 7, -ship] for ship in range(8)]
        frames.append(
            (DELTA, tick, pack([12, tick, 1_796_599_096_677, tick - 1, 2, 0, moved, [], None]))
        )
    return frames


def test_a_frame_that_would_not_pack_back_into_its_bytes_is_refused() -> None:
    wide = b"\x95\xd3" + (11).to_bytes(8, "big") + b"\x05\x00\x01\x02"  # 11 as a 64-bit integer
    with pytest.raises(ColumnsUnfit):
        to_columns([(KEYFRAME, 5, wide)])
    assert list(read_records(compress_segment([(KEYFRAME, 5, wide)]))) == [(KEYFRAME, 5, wide)]


def test_a_snapshot_that_is_not_a_frame_is_refused() -> None:
    with pytest.raises(ColumnsUnfit):
        to_columns([(DELTA, 5, pack([1, 2]))])
    with pytest.raises(ColumnsUnfit):
        to_columns([(KEYFRAME, 5, pack([1, 2.5, 3, 4, 5]))])
