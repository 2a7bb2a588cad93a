"""Playing a replay back: the state at any tick, rebuilt from the nearest KEYFRAME before it.

What the browser's viewer does (``static/js/core/replay.js``), for tests and outside tools.
Pure.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable

from engine.protocol import unpack
from engine.replay.format import DELTA, GAP, KEYFRAME, RESULT, Record
from engine.schema import StateSchema
from engine.wirestate import WireState, apply_frame


class Playback:
    """A replay's records, indexed by tick, for any game's ``schema``."""

    def __init__(self, schema: StateSchema, records: Iterable[Record]) -> None:
        self.schema = schema
        self.snapshots: list[Record] = []  # KEYFRAME and DELTA records, in order
        self.gaps: list[tuple[int, int]] = []
        self.result: bytes | None = None
        for record in records:
            kind = record[0]
            if kind in (KEYFRAME, DELTA):
                self.snapshots.append(record)
            elif kind == GAP:
                self.gaps.append((record[1], record[2]))
            elif kind == RESULT:
                self.result = record[2]
        self._keyframes = [i for i, r in enumerate(self.snapshots) if r[0] == KEYFRAME]
        self._keyframe_ticks = [self.snapshots[i][1] for i in self._keyframes]

    @property
    def first_tick(self) -> int | None:
        """The first tick with a picture."""
        return self._keyframe_ticks[0] if self._keyframe_ticks else None

    @property
    def last_tick(self) -> int | None:
        """The last tick recorded."""
        return self.snapshots[-1][1] if self.snapshots else None

    def keyframe_at_or_before(self, tick: int) -> int | None:
        """The tick of the nearest KEYFRAME at or before ``tick`` (None: before the first)."""
        position = bisect.bisect_right(self._keyframe_ticks, tick) - 1
        return self._keyframe_ticks[position] if position >= 0 else None

    def seek(self, tick: int) -> WireState | None:
        """The state at the last recorded tick at or before ``tick``: the nearest KEYFRAME,
        then the DELTAs after it (None before the first KEYFRAME)."""
        position = bisect.bisect_right(self._keyframe_ticks, tick) - 1
        if position < 0:
            return None
        start = self._keyframes[position]
        state = apply_frame(self.schema, None, unpack(self.snapshots[start][2]))
        for kind, at, frame in self.snapshots[start + 1 :]:
            if at > tick:
                break
            if kind == DELTA:  # a KEYFRAME after the first repeats its tick's DELTA
                state = apply_frame(self.schema, state, unpack(frame))
        return state

    def states(self) -> list[WireState]:
        """The state of every recorded tick, played from the start."""
        played: list[WireState] = []
        state: WireState | None = None
        for kind, tick, frame in self.snapshots:
            if kind == KEYFRAME:
                if state is not None and state.tick == tick:
                    continue  # the DELTA of this tick was applied already
                state = apply_frame(self.schema, None, unpack(frame))
            else:
                state = apply_frame(self.schema, state, unpack(frame))
            played.append(state)
        return played
