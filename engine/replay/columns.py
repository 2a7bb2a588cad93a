"""Columnar segments: a segment's frames taken apart into streams of like values, which zstd
compresses far better than the frames one after another (docs/protocol.md section 11). Pure.

A columnar segment is one msgpack array ``[4, shapes, streams]``. ``shapes`` has one entry per
record, in order: ``[kind, step]`` for a RESULT or a GAP, ``[kind, step, size, lists, changes]``
for a KEYFRAME or a DELTA, ``step`` being the record's tick minus the tick of the record before
it (the first's: its tick), ``size`` the frame's number of elements and ``lists`` a bit mask of
which of the elements after its header are lists of rows (bit ``i``: element ``header + i``; a
KEYFRAME's header is its first 5 elements, a DELTA's its first 6) and ``changes`` one of which
are a DELTA's entity changes (docs/protocol.md 5.2: rows ``[id, mask, *values]``, one value per
bit set, or ``[id]``). ``streams`` maps a name to the values taken from the frames in order:

- ``"<kind>.h<i>"``: header element ``i`` of each frame of that kind, as the difference from the
  same element of the frame of that kind before it (from 0 for the first);
- ``"<kind>.<e>"``: element ``e`` of each frame of that kind when it is not a list of rows;
- ``"<kind>.<e>.n"``: the number of rows of element ``e`` when it is a list of rows, and
  ``"<kind>.<e>.len"`` the length of each of them;
- ``"<kind>.<e>.<p>"``: the value at position ``p`` (9 for 9 and beyond) of each of those rows;
- for entity changes, ``"<kind>.<e>.n"`` their number, ``"<kind>.<e>.id"`` each one's id,
  ``"<kind>.<e>.m"`` its mask (-1 for an entity gone) and ``"<kind>.<e>.b<i>"`` the value of
  each one whose mask has bit ``i`` (field ``i``);
- ``"payload"``: a RESULT's frame bytes, a GAP's resumed tick.

Reading takes the values back in the same order and puts every frame together again; msgpack
packs it into the very bytes the engine published. The writer checks that every frame packs
back into its bytes before it keeps a segment in columns (the values are taken apart and put
back together by rules the tests check on any frame, not only the engine's), and keeps the
plain records otherwise.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from typing import Any

from engine.protocol import pack, unpack
from engine.replay.records import DELTA, GAP, KEYFRAME, RESULT, Record

COLUMNS = 4  # the first element of a columnar segment
HEADER_LENGTH = {KEYFRAME: 5, DELTA: 6}
MAX_POSITION = 9


class ColumnsUnfit(ValueError):
    """Records that cannot be taken apart (and put back together byte for byte)."""


def _is_rows(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(r, list) for r in value)


def _is_changes(value: Any) -> bool:
    """Whether a DELTA's element reads as entity changes (``[id, mask, *values]`` or ``[id]``)."""
    if not _is_rows(value):
        return False
    for row in value:
        if not all(type(item) is int for item in row):
            return False
        if len(row) == 1:
            continue
        if len(row) < 2 or row[1] < 0 or len(row) != 2 + row[1].bit_count():
            return False
    return True


@functools.cache
def _bits(mask: int) -> tuple[int, ...]:
    return tuple(bit for bit in range(mask.bit_length()) if mask >> bit & 1)


class _Names:
    """The stream names of one element of one kind of frame, made once (formatting a name
    for every value was most of a segment's cost)."""

    def __init__(self, kind: int, element: int) -> None:
        base = f"{kind}.{element}"
        self.value = base
        self.count = f"{base}.n"
        self.entity = f"{base}.id"
        self.mask = f"{base}.m"
        self.length = f"{base}.len"
        self.positions = tuple(f"{base}.{p}" for p in range(MAX_POSITION + 1))
        self._base = base
        self._fields: dict[int, str] = {}

    def field(self, bit: int) -> str:
        """The stream of field ``bit`` of entity changes."""
        name = self._fields.get(bit)
        if name is None:
            name = self._fields[bit] = f"{self._base}.b{bit}"
        return name


@functools.cache
def _names(kind: int, element: int) -> _Names:
    return _Names(kind, element)


@functools.cache
def _header_names(kind: int) -> tuple[str, ...]:
    return tuple(f"{kind}.h{position}" for position in range(HEADER_LENGTH[kind]))


class _ElementStreams:
    """One segment's streams of one element of one kind of frame, fetched once per element
    instead of looked up by name for every value."""

    def __init__(self, streams: dict[str, list[Any]], names: _Names) -> None:
        self._streams = streams
        self._names = names
        self.value = _stream(streams, names.value)
        self.count = _stream(streams, names.count)
        self.entity = _stream(streams, names.entity)
        self.mask = _stream(streams, names.mask)
        self.length = _stream(streams, names.length)
        self.positions = [_stream(streams, name) for name in names.positions]
        self._fields: dict[int, tuple[list[Any], ...]] = {}

    def fields(self, mask: int) -> tuple[list[Any], ...]:
        """The streams of the fields of entity changes with ``mask``, in bit order."""
        found = self._fields.get(mask)
        if found is None:
            names = self._names
            found = tuple(_stream(self._streams, names.field(bit)) for bit in _bits(mask))
            self._fields[mask] = found
        return found


def _stream(streams: dict[str, list[Any]], name: str) -> list[Any]:
    stream = streams.get(name)
    if stream is None:
        stream = streams[name] = []
    return stream


def to_columns(records: Sequence[Record]) -> list[Any]:
    """The columnar form of a segment's records; ColumnsUnfit if a frame would not pack back
    into its bytes (that the columns give back the values is shown by the tests)."""
    shapes: list[list[Any]] = []
    streams: dict[str, list[Any]] = {}
    elements: dict[tuple[int, int], _ElementStreams] = {}
    headers: dict[int, list[list[Any]]] = {}
    previous: dict[int, list[int]] = {}
    payloads = _stream(streams, "payload")
    last_tick = 0
    for kind, tick, payload in records:
        step = tick - last_tick
        last_tick = tick
        if kind in (RESULT, GAP):
            shapes.append([kind, step])
            payloads.append(payload)
            continue
        frame = unpack(payload)
        header = HEADER_LENGTH[kind]
        if not isinstance(frame, list) or len(frame) < header:
            raise ColumnsUnfit(f"not a snapshot frame at tick {tick}")
        if pack(frame) != payload:
            raise ColumnsUnfit(f"a frame that does not pack back into its bytes at tick {tick}")
        header_streams = headers.get(kind)
        if header_streams is None:
            header_streams = headers[kind] = [_stream(streams, n) for n in _header_names(kind)]
            previous[kind] = [0] * header
        before = previous[kind]
        for position in range(header):
            value = frame[position]
            if type(value) is not int:
                raise ColumnsUnfit(f"a header element that is not an integer at tick {tick}")
            header_streams[position].append(value - before[position])
            before[position] = value
        lists = changes = 0
        for element in range(header, len(frame)):
            value = frame[element]
            found = elements.get((kind, element))
            if found is None:
                found = elements[(kind, element)] = _ElementStreams(streams, _names(kind, element))
            if kind == DELTA and _is_changes(value):
                changes |= 1 << (element - header)
                found.count.append(len(value))
                entity, mask = found.entity, found.mask
                for row in value:
                    entity.append(row[0])
                    if len(row) == 1:
                        mask.append(-1)
                        continue
                    mask.append(row[1])
                    for stream, item in zip(found.fields(row[1]), row[2:], strict=True):
                        stream.append(item)
                continue
            if not _is_rows(value):
                found.value.append(value)
                continue
            lists |= 1 << (element - header)
            found.count.append(len(value))
            positions, length = found.positions, found.length
            for row in value:
                length.append(len(row))
                for position, item in enumerate(row):
                    positions[position if position < MAX_POSITION else MAX_POSITION].append(item)
        shapes.append([kind, step, len(frame), lists, changes])
    return [COLUMNS, shapes, {name: values for name, values in sorted(streams.items()) if values}]


def from_columns(segment: Sequence[Any]) -> Iterator[Record]:
    """The records of a columnar segment, each frame packed back into its published bytes."""
    if not (isinstance(segment, list | tuple) and len(segment) == 3 and segment[0] == COLUMNS):
        raise ColumnsUnfit("not a columnar segment")
    _, shapes, streams = segment
    if not isinstance(streams, dict):
        raise ColumnsUnfit("a columnar segment without streams")
    readers = {name: iter(values) for name, values in streams.items()}
    previous: dict[str, int] = {}
    tick = 0
    try:
        for shape in shapes:
            kind = shape[0]
            tick += shape[1]
            if kind in (RESULT, GAP):
                yield (kind, tick, next(readers["payload"]))
                continue
            size, lists, changes = shape[2], shape[3], shape[4]
            header = HEADER_LENGTH[kind]
            frame: list[Any] = []
            for name in _header_names(kind):
                value = previous.get(name, 0) + next(readers[name])
                previous[name] = value
                frame.append(value)
            for element in range(header, size):
                names = _names(kind, element)
                if changes >> (element - header) & 1:
                    entities = []
                    ids, masks = readers[names.entity], readers[names.mask]
                    for _ in range(next(readers[names.count])):
                        entity_id = next(ids)
                        mask = next(masks)
                        if mask < 0:
                            entities.append([entity_id])
                            continue
                        values = [next(readers[names.field(bit)]) for bit in _bits(mask)]
                        entities.append([entity_id, mask, *values])
                    frame.append(entities)
                    continue
                if not lists >> (element - header) & 1:
                    frame.append(next(readers[names.value]))
                    continue
                rows = []
                positions = names.positions
                lengths = readers[names.length]
                for _ in range(next(readers[names.count])):
                    length = next(lengths)
                    rows.append(
                        [next(readers[positions[min(p, MAX_POSITION)]]) for p in range(length)]
                    )
                frame.append(rows)
            yield (kind, tick, pack(frame))
    except (StopIteration, KeyError, TypeError) as exc:
        raise ColumnsUnfit(f"a columnar segment that does not add up: {exc!r}") from exc
