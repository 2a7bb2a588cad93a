"""A match's recent past: the state of each of its last ticks, for rewind queries.

The runtime records the view of every tick it steps (``engine.match``) when the game asks for a
history (``Game.history_seconds``), keeping a bounded number of ticks, and a simulation asks it
where the entities were at a past moment (``rows_at``): lag compensation resolves a shot against
targets as the shooter saw them (docs/games.md, "Rewinding"). Recording is O(1) per tick (the
view is the one the encoder sends); a query costs one pass over a collection. Pure.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Mapping
from typing import Any

from engine.game import Rewind, StateView
from engine.schema import StateSchema

Row = tuple[float, ...]


class StateHistory(Rewind):
    """The views of a match's last ``capacity`` ticks, oldest first."""

    def __init__(self, schema: StateSchema, capacity: int) -> None:
        if capacity < 1:
            raise ValueError("a history keeps at least one tick")
        self.capacity = capacity
        self._lerp = tuple(
            tuple(index for index, f in enumerate(c.fields) if f.lerp) for c in schema.collections
        )
        self._angle_spans = tuple(
            tuple((2 * math.pi * f.scale) if f.kind == "angle" else 0.0 for f in collection.fields)
            for collection in schema.collections
        )
        self._ticks: deque[tuple[int, StateView]] = deque(maxlen=capacity)

    def __len__(self) -> int:
        return len(self._ticks)

    @property
    def oldest_tick(self) -> int | None:
        """The oldest tick kept (None while empty)."""
        return self._ticks[0][0] if self._ticks else None

    @property
    def newest_tick(self) -> int | None:
        """The newest tick kept (None while empty)."""
        return self._ticks[-1][0] if self._ticks else None

    def record(self, tick: int, view: StateView) -> None:
        """Keep ``view`` as the state of ``tick`` (ticks come in order), forgetting the oldest."""
        if self._ticks and self._ticks[-1][0] >= tick:
            self._ticks.pop()
        self._ticks.append((tick, view))

    def view_at(self, tick: int) -> StateView | None:
        """The view recorded for ``tick``, or None when it is not kept."""
        if not self._ticks:
            return None
        index = tick - self._ticks[0][0]
        if 0 <= index < len(self._ticks) and self._ticks[index][0] == tick:
            return self._ticks[index][1]
        for kept, view in self._ticks:
            if kept == tick:
                return view
        return None

    def rows_at(self, collection: int, time: float) -> Mapping[int, Row]:
        """Each entity of collection number ``collection`` at ``time`` (a tick, fractional).

        Rows are wire values: the schema's ``lerp`` fields interpolated linearly between the two
        kept ticks around ``time`` (angles the short way round), every other field as it was on
        the earlier one. An entity kept on only one of them is as it was there. ``time`` is
        clamped to the ticks kept; an empty history has no rows.
        """
        ticks = self._ticks
        if not ticks:
            return {}
        first = ticks[0][0]
        last = ticks[-1][0]
        if time >= last:
            return _as_floats(ticks[-1][1].collections[collection])
        if time <= first:
            return _as_floats(ticks[0][1].collections[collection])
        earlier_tick = math.floor(time)
        before = self.view_at(earlier_tick)
        after = self.view_at(earlier_tick + 1)
        if before is None or after is None:
            nearest = min(ticks, key=lambda kept: abs(kept[0] - time))[1]
            return _as_floats(nearest.collections[collection])
        fraction = time - earlier_tick
        old_rows = before.collections[collection]
        new_rows = after.collections[collection]
        lerp = self._lerp[collection]
        spans = self._angle_spans[collection]
        rows: dict[int, Row] = {}
        for entity_id, row in old_rows.items():
            newer = new_rows.get(entity_id)
            if newer is None:
                rows[entity_id] = tuple(float(v) for v in row)
                continue
            values = [float(v) for v in row]
            for index in lerp:
                change = float(newer[index] - row[index])
                span = spans[index]
                if span and abs(change) > span / 2:
                    change -= math.copysign(span, change)
                values[index] = row[index] + change * fraction
            rows[entity_id] = tuple(values)
        for entity_id, row in new_rows.items():
            if entity_id not in rows:
                rows[entity_id] = tuple(float(v) for v in row)
        return rows

    def export_state(self) -> list[list[Any]]:
        """The kept ticks as plain data (``restore`` reads them back): each tick's globals and
        its collections' maps of entity id to row, as they are (msgpack packs them directly;
        unpack with ``strict_map_key=False`` for the integer ids)."""
        return [
            [
                tick,
                view.globals,
                [rows if type(rows) is dict else dict(rows) for rows in view.collections],
            ]
            for tick, view in self._ticks
        ]

    def restore(self, state: list[list[Any]]) -> None:
        """Keep the ticks ``export_state`` described, in place of any kept now (also those of
        checkpoints of version 2, whose rows were lists of ``[id, *row]``)."""
        self._ticks.clear()
        for tick, globals_, collections in state:
            view = StateView(
                tuple(globals_),
                tuple(
                    {int(i): tuple(row) for i, row in rows.items()}
                    if isinstance(rows, Mapping)
                    else {row[0]: tuple(row[1:]) for row in rows}
                    for rows in collections
                ),
            )
            self._ticks.append((tick, view))


def _as_floats(rows: Mapping[int, tuple[int, ...]]) -> dict[int, Row]:
    return {entity_id: tuple(float(v) for v in row) for entity_id, row in rows.items()}
