"""KEYFRAME and DELTA frames of any game, encoded from its StateSchema (docs/protocol.md 5.2).

A KEYFRAME is the whole state of a tick::

    [11, tick, server_ms, phase, phase_ms_left, *globals, *collections, events, roster]

where each collection is a list of ``[id, *row]`` in id order and each roster entry is
``[id, name, *columns, connected]``. A DELTA is what changed since an earlier tick::

    [12, tick, server_ms, base_tick, phase, phase_ms_left, globals?, *collections, events,
     roster or nil]

``globals?`` is there only when the schema declares globals: nil when none changed, else all of
them. An ``entities`` collection is one list of changes: ``[id, mask, *values]`` for an entity
that changed (bit ``i`` of ``mask`` for field ``i``, one value per set bit, lowest first: the new
value, or the difference from the base's for a ``diff`` field), the same against a base of zeros
for a new one, and ``[id]`` for one that is gone. A ``projectiles`` collection is two lists: the
new ones as ``[id, *row]`` and the ids of the gone ones. The encoder keeps the tick it encoded
last, so that each tick is encoded once for every socket of the match. Pure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from engine.game import StateView
from engine.protocol import MessageType, pack
from engine.schema import StateSchema

_KEYFRAME = int(MessageType.SNAPSHOT)
_DELTA = int(MessageType.DELTA)

Rows = Mapping[int, tuple[int, ...]]


class Snapshottable(Protocol):
    """What the encoder reads of a match (``engine.match.Match``)."""

    @property
    def tick(self) -> int:
        """The tick the match is at."""

    @property
    def phase_wire(self) -> int:
        """The phase as an integer."""

    def phase_ms_left(self) -> int:
        """Milliseconds until the phase ends."""

    def view(self) -> StateView:
        """The game's state of this tick."""

    @property
    def roster_version(self) -> int:
        """Changes whenever the roster does."""

    def roster(self) -> list[list[Any]]:
        """Every player that took a seat: ``[id, name, *columns, connected]``."""


@dataclass(frozen=True, slots=True)
class EncodedSnapshot:
    """One published tick: a DELTA from ``base_tick`` and/or a KEYFRAME.

    A socket whose client holds ``base_tick`` gets the DELTA; any other socket needs the
    KEYFRAME. ``delta`` is None on keyframe ticks, when everybody gets the KEYFRAME;
    ``keyframe`` is None on other ticks unless one was asked for.
    """

    tick: int
    keyframe: bytes | None
    delta: bytes | None
    base_tick: int | None


class SnapshotEncoder:
    """Encodes one match tick after tick, remembering the tick it encoded last for DELTAs."""

    def __init__(self, schema: StateSchema, keyframe_interval: int, stagger: int = 0) -> None:
        """``stagger`` ticks bring the first periodic KEYFRAME forward, so that matches started
        together do not all encode their KEYFRAMEs on the same tick."""
        if keyframe_interval < 1:
            raise ValueError("keyframe_interval must be at least 1 tick")
        self.schema = schema
        self.keyframe_interval = keyframe_interval
        self._stagger = stagger % keyframe_interval
        self._kinds = tuple(c.kind for c in schema.collections)
        self._diff = tuple(tuple(f.delta == "diff" for f in c.fields) for c in schema.collections)
        self._has_globals = bool(schema.globals)
        self._tick: int | None = None
        self._keyframe_tick = 0
        self._phase = -1
        self._ms_left = 0
        self._view = StateView()
        self._roster_version = -1
        self._roster: list[list[Any]] = []
        self._server_ms = 0

    @property
    def tick(self) -> int | None:
        """The tick encoded last (None before the first, or after ``force_keyframe``)."""
        return self._tick

    def force_keyframe(self) -> None:
        """Make the next tick a keyframe tick (everyone gets the KEYFRAME)."""
        self._tick = None

    def encode(
        self,
        match: Snapshottable,
        events: Sequence[Any],
        server_ms: int,
        with_keyframe: bool = True,
        only_if_changed: bool = False,
    ) -> EncodedSnapshot | None:
        """Frames for the match's current tick; ``events`` are those since the last encode.

        Off keyframe ticks the KEYFRAME is encoded only ``with_keyframe`` (someone needs it).
        ``only_if_changed`` (games whose snapshots go out on change): None, and nothing
        remembered, when the tick would be a DELTA that changes nothing but the time left.
        """
        tick = match.tick
        view = match.view()
        phase = match.phase_wire
        roster_changed = match.roster_version != self._roster_version
        base = self._tick
        delta_due = (
            base is not None and tick > base and tick - self._keyframe_tick < self.keyframe_interval
        )
        if (
            only_if_changed
            and delta_due
            and not with_keyframe
            and not events
            and not roster_changed
            and phase == self._phase
            and view == self._view
        ):
            return None
        if roster_changed:
            self._roster = match.roster()
        roster = self._roster
        ms_left = match.phase_ms_left()
        delta: bytes | None = None
        keyframe: bytes | None = None
        if delta_due:
            assert base is not None
            delta = pack(
                self._delta(
                    tick,
                    server_ms,
                    base,
                    phase,
                    ms_left,
                    view,
                    list(events),
                    roster if roster_changed else None,
                )
            )
        else:
            self._keyframe_tick = tick - self._stagger
            self._stagger = 0
        if delta is None or with_keyframe:
            keyframe = pack(self._keyframe(tick, server_ms, phase, ms_left, view, events, roster))
        self._tick = tick
        self._phase = phase
        self._ms_left = ms_left
        self._view = view
        self._roster_version = match.roster_version
        self._server_ms = server_ms
        return EncodedSnapshot(tick, keyframe, delta, base if delta is not None else None)

    def last_keyframe(self, match: Snapshottable, server_ms: int) -> tuple[int, bytes]:
        """``(tick, KEYFRAME)`` of the tick encoded last, for a socket that starts between ticks.

        The state is as it was encoded then (inputs applied since change the next DELTA, which
        applies to this KEYFRAME), and its ``server_ms`` is that tick's publication time. Before
        the first encode, or after ``force_keyframe``, it is the match as it is, at
        ``server_ms``.
        """
        if self._tick is None:
            tick, phase, view, roster = match.tick, match.phase_wire, match.view(), match.roster()
            ms_left = match.phase_ms_left()
        else:
            tick, phase, view, roster = self._tick, self._phase, self._view, self._roster
            ms_left = self._ms_left
            server_ms = self._server_ms
        return tick, pack(self._keyframe(tick, server_ms, phase, ms_left, view, [], roster))

    @staticmethod
    def _keyframe(
        tick: int,
        server_ms: int,
        phase: int,
        ms_left: int,
        view: StateView,
        events: Sequence[Any],
        roster: list[list[Any]],
    ) -> list[Any]:
        frame: list[Any] = [_KEYFRAME, tick, server_ms, phase, ms_left, *view.globals]
        for rows in view.collections:
            frame.append([[entity_id, *row] for entity_id, row in rows.items()])
        frame.append(list(events))
        frame.append(roster)
        return frame

    def _delta(
        self,
        tick: int,
        server_ms: int,
        base: int,
        phase: int,
        ms_left: int,
        view: StateView,
        events: list[Any],
        roster: list[list[Any]] | None,
    ) -> list[Any]:
        frame: list[Any] = [_DELTA, tick, server_ms, base, phase, ms_left]
        if self._has_globals:
            frame.append(None if view.globals == self._view.globals else list(view.globals))
        old_collections = self._view.collections
        for index, rows in enumerate(view.collections):
            old = old_collections[index] if index < len(old_collections) else {}
            if self._kinds[index] == "projectiles":
                frame.append([[i, *row] for i, row in rows.items() if i not in old])
                frame.append([i for i in old if i not in rows])
            else:
                frame.append(_entity_changes(old, rows, self._diff[index]))
        frame.append(events)
        frame.append(roster)
        return frame


def _entity_changes(old: Rows, new: Rows, diff: tuple[bool, ...]) -> list[list[int]]:
    """The changes of an entities collection from ``old`` to ``new`` rows (module docstring)."""
    changes: list[list[int]] = []
    for entity_id, row in new.items():
        before = old.get(entity_id)
        if before == row:
            continue
        if before is None:
            before = (0,) * len(row)
        change = [entity_id, 0]
        mask = 0
        bit = 1
        for position, value in enumerate(row):
            was = before[position]
            if value != was:
                mask |= bit
                change.append(value - was if diff[position] else value)
            bit <<= 1
        change[1] = mask
        changes.append(change)
    for entity_id in old:
        if entity_id not in new:
            changes.append([entity_id])
    return changes
