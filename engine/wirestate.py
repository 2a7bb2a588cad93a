"""A client's view of a match rebuilt from KEYFRAME and DELTA frames, for any game's schema.

The rules are those of ``engine.codec`` read backwards (docs/protocol.md 5.2). The browser has
its own copy (``static/js/core/wire-state.js``); the load tests, the delayed stream and the test
suite use this one. Pure.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from engine.protocol import MessageType
from engine.schema import StateSchema

_KEYFRAME = int(MessageType.SNAPSHOT)
_DELTA = int(MessageType.DELTA)


class ChainBroken(ValueError):
    """A DELTA arrived for a tick the client does not hold: it must ask for a KEYFRAME."""


@dataclass
class WireState:
    """The wire-level state of one tick: integers exactly as a KEYFRAME would carry them."""

    tick: int
    server_ms: int
    phase: int
    phase_ms_left: int
    globals: list[Any] = field(default_factory=list)
    collections: list[dict[int, list[int]]] = field(default_factory=list)
    events: list[list[Any]] = field(default_factory=list)
    roster: list[list[Any]] = field(default_factory=list)

    def to_keyframe(self) -> list[Any]:
        """The KEYFRAME array that describes this state."""
        frame: list[Any] = [_KEYFRAME, self.tick, self.server_ms, self.phase, self.phase_ms_left]
        frame.extend(self.globals)
        for rows in self.collections:
            frame.append([[entity_id, *rows[entity_id]] for entity_id in sorted(rows)])
        frame.append(self.events)
        frame.append(self.roster)
        return frame

    def rows(self, schema: StateSchema, name: str) -> dict[int, list[int]]:
        """The entities of the collection called ``name``."""
        index = [c.name for c in schema.collections].index(name)
        return self.collections[index]


def is_snapshot(frame: list[Any]) -> bool:
    """Whether a decoded server frame is a KEYFRAME or a DELTA."""
    return bool(frame) and frame[0] in (_KEYFRAME, _DELTA)


def apply_frame(schema: StateSchema, state: WireState | None, frame: list[Any]) -> WireState:
    """The state after a decoded KEYFRAME or DELTA; raises ChainBroken for a DELTA off the chain."""
    kind = frame[0]
    globals_count = len(schema.globals)
    if kind == _KEYFRAME:
        _, tick, server_ms, phase, ms_left = frame[:5]
        rest = frame[5:]
        values = list(rest[:globals_count])
        rest = rest[globals_count:]
        collections = [{entry[0]: list(entry[1:]) for entry in rows} for rows in rest[:-2]]
        return WireState(tick, server_ms, phase, ms_left, values, collections, rest[-2], rest[-1])
    if kind != _DELTA:
        raise ValueError(f"frame of type {kind!r} is not a snapshot")
    _, tick, server_ms, base, phase, ms_left = frame[:6]
    if state is None or state.tick != base:
        held = None if state is None else state.tick
        raise ChainBroken(f"DELTA from tick {base} but the client holds tick {held}")
    rest = frame[6:]
    values = state.globals
    if globals_count:
        values = state.globals if rest[0] is None else list(rest[0])
        rest = rest[1:]
    elapsed = tick - base
    collections: list[dict[int, list[int]]] = []
    position = 0
    for index, collection in enumerate(schema.collections):
        old = state.collections[index]
        if collection.kind == "projectiles":
            new, gone = rest[position], rest[position + 1]
            position += 2
            assert collection.motion is not None
            x, y, dx, dy = (collection.index(name) for name in collection.motion)
            gone_ids = set(gone)
            rows: dict[int, list[int]] = {}
            for entity_id, row in old.items():
                if entity_id in gone_ids:
                    continue
                moved = list(row)
                moved[x] += row[dx] * elapsed
                moved[y] += row[dy] * elapsed
                rows[entity_id] = moved
            for entry in new:
                rows[entry[0]] = list(entry[1:])
        else:
            changes = rest[position]
            position += 1
            diff = [f.delta == "diff" for f in collection.fields]
            rows = {entity_id: list(row) for entity_id, row in old.items()}
            for change in changes:
                entity_id = change[0]
                if len(change) == 1:
                    rows.pop(entity_id, None)
                    continue
                row = rows.get(entity_id) or [0] * len(collection.fields)
                mask = change[1]
                values_iter = iter(change[2:])
                for bit_index in range(len(collection.fields)):
                    if mask & (1 << bit_index):
                        value = next(values_iter)
                        row[bit_index] = row[bit_index] + value if diff[bit_index] else value
                rows[entity_id] = row
        collections.append(rows)
    events, roster = rest[position], rest[position + 1]
    return WireState(
        tick,
        server_ms,
        phase,
        ms_left,
        values,
        collections,
        events,
        state.roster if roster is None else roster,
    )


class SnapshotChain:
    """A Python client's view of one match socket: the schema of its WELCOME (or SPECTATING)
    and the state rebuilt from the snapshots since (``apply`` raises ChainBroken)."""

    def __init__(self) -> None:
        self.schema: StateSchema | None = None
        self.state: WireState | None = None

    def welcome(self, body: dict[str, Any]) -> None:
        """A WELCOME or SPECTATING body: its schema; the chain starts over from a KEYFRAME."""
        self.schema = StateSchema.from_wire(body["schema"])
        self.state = None

    def apply(self, frame: list[Any]) -> WireState:
        """Apply a decoded KEYFRAME or DELTA."""
        if self.schema is None:
            raise ChainBroken("a snapshot before WELCOME")
        self.state = apply_frame(self.schema, self.state, frame)
        return self.state

    def reset(self) -> None:
        """Forget the state (after a broken chain): the next KEYFRAME starts again."""
        self.state = None

    @property
    def avatars(self) -> dict[int, list[int]]:
        """The players' avatars (the collection the schema marks ``avatars``), by player id."""
        if self.schema is None or self.state is None:
            return {}
        for index, collection in enumerate(self.schema.collections):
            if collection.avatars:
                return self.state.collections[index]
        return {}
