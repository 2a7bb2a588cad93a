"""Per-player views: each view group of a match gets its own snapshot stream, filtered by what
the game says the group may see (``Simulation.view_group``, ``Simulation.visible_to``) and may
not read of what it sees (``Simulation.hidden_fields``).

A group's stream is an ordinary KEYFRAME/DELTA chain (``engine.codec``) of the filtered state,
so an entity that comes into view arrives in a DELTA as new and one that leaves it goes as gone:
a recipient is never sent an entity it may not see, whatever frames it lost or resynced from.
Every recipient of a group shares its frames, and the whole state (no filter) is one more
stream, for spectators and for games without views. Encoding costs one encode per group a
tick: as many as the game makes groups (the shooter's fog of war: one per player). Pure.
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from engine.codec import EncodedSnapshot, SnapshotEncoder, Snapshottable
from engine.game import Seat, Simulation, StateView
from engine.schema import StateSchema

FULL = None  # the group of the whole state

Visible = Sequence[Collection[int] | None]  # per collection: the ids seen (None: all)
Hidden = Sequence[Mapping[int, Collection[str]] | None]  # per collection: id -> fields hidden


class ViewError(ValueError):
    """A game hid a field its collection does not have."""


@dataclass(frozen=True, slots=True)
class GroupView:
    """What one view group may see: entity ids per collection, and fields hidden of some."""

    visible: Visible
    hidden: Hidden = ()


class ViewFilter:
    """What a view group is shown of a schema's state: the entities it sees, each with the
    fields it may not read set to their hidden value (0, or its range's value nearest 0)."""

    def __init__(self, schema: StateSchema) -> None:
        self._collections = [collection.name for collection in schema.collections]
        self._fields = [
            {
                field.name: (position, min(max(0, field.low), field.high))
                for position, field in enumerate(collection.fields)
            }
            for collection in schema.collections
        ]
        # (collection, field names) -> the (position, hidden value) of each: games hand the
        # same names every tick
        self._spots: dict[tuple[int, Collection[str]], tuple[tuple[int, int], ...]] = {}

    def shown(self, view: StateView, seen: GroupView) -> StateView:
        """``view`` as ``seen`` lets its group see it (no entry for a collection: all of it)."""
        visible, hidden = seen.visible, seen.hidden
        collections = []
        for index, rows in enumerate(view.collections):
            ids = visible[index] if index < len(visible) else None
            of_entity = hidden[index] if index < len(hidden) else None
            if ids is not None:
                rows = {i: row for i, row in rows.items() if i in ids}
            elif of_entity:
                rows = dict(rows)
            if of_entity:
                for entity_id, names in of_entity.items():
                    row = rows.get(entity_id)
                    if row is not None:  # not seen, or gone: nothing to hide
                        values = list(row)
                        for position, value in self._spots_of(index, names):
                            values[position] = value
                        rows[entity_id] = tuple(values)
            collections.append(rows)
        return StateView(view.globals, tuple(collections))

    def _spots_of(self, index: int, names: Collection[str]) -> tuple[tuple[int, int], ...]:
        key = (index, names)
        spots = self._spots.get(key)
        if spots is None:
            fields = self._fields[index]
            unknown = [name for name in names if name not in fields]
            if unknown:
                raise ViewError(
                    f"hidden field {unknown[0]!r}: collection {self._collections[index]!r}"
                    " has no such field"
                )
            spots = self._spots[key] = tuple(fields[name] for name in names)
        return spots


class _GroupMatch:
    """What the encoder reads of a match, with the view of one group."""

    __slots__ = ("_match", "_view")

    def __init__(self, match: Snapshottable, view: StateView) -> None:
        self._match = match
        self._view = view

    @property
    def tick(self) -> int:
        return self._match.tick

    @property
    def phase_wire(self) -> int:
        return self._match.phase_wire

    def phase_ms_left(self) -> int:
        return self._match.phase_ms_left()

    def view(self) -> StateView:
        return self._view

    @property
    def roster_version(self) -> int:
        return self._match.roster_version

    def roster(self) -> list[list[Any]]:
        return self._match.roster()


class ViewEncoders:
    """One ``SnapshotEncoder`` per view group of a match, and one for the whole state."""

    def __init__(self, schema: StateSchema, keyframe_interval: int, stagger: int = 0) -> None:
        self.schema = schema
        self.keyframe_interval = keyframe_interval
        self._stagger = stagger
        self._encoders: dict[Hashable, SnapshotEncoder] = {}
        self._filter = ViewFilter(schema)

    def encoder(self, group: Hashable) -> SnapshotEncoder:
        """The encoder of ``group`` (made on first use)."""
        encoder = self._encoders.get(group)
        if encoder is None:
            encoder = SnapshotEncoder(self.schema, self.keyframe_interval, self._stagger)
            self._encoders[group] = encoder
        return encoder

    def encode(
        self,
        match: Snapshottable,
        groups: dict[Hashable, GroupView],
        events: Sequence[Any],
        server_ms: int,
        with_keyframe: bool = True,
    ) -> dict[Hashable, EncodedSnapshot]:
        """Each group's frames of the match's current tick (``groups``: what each may see),
        and the whole state's under ``FULL``; encoders of groups gone are forgotten.
        ``with_keyframe`` as ``SnapshotEncoder.encode``."""
        full = self.encoder(FULL).encode(match, events, server_ms, with_keyframe)
        assert full is not None
        return {FULL: full, **self.encode_groups(match, groups, events, server_ms, with_keyframe)}

    def encode_groups(
        self,
        match: Snapshottable,
        groups: dict[Hashable, GroupView],
        events: Sequence[Any],
        server_ms: int,
        with_keyframe: bool = True,
    ) -> dict[Hashable, EncodedSnapshot]:
        """``encode`` without the whole state's stream (the engine worker encodes that one with
        the match's own encoder)."""
        view = match.view()
        encoded: dict[Hashable, EncodedSnapshot] = {}
        for group, seen in groups.items():
            shown = self._filter.shown(view, seen)
            frames = self.encoder(group).encode(
                _GroupMatch(match, shown), events, server_ms, with_keyframe
            )
            assert frames is not None
            encoded[group] = frames
        for group in [g for g in self._encoders if g is not FULL and g not in groups]:
            del self._encoders[group]
        return encoded

    def force_keyframe(self) -> None:
        """Every stream's next tick is a keyframe tick (``SnapshotEncoder.force_keyframe``)."""
        for encoder in self._encoders.values():
            encoder.force_keyframe()


def view_groups(
    sim: Simulation, seats: Sequence[Seat]
) -> tuple[dict[int, Hashable], dict[Hashable, GroupView]]:
    """Each seated player's view group, and what each group may see, from the simulation."""
    of_player: dict[int, Hashable] = {}
    groups: dict[Hashable, GroupView] = {}
    for seat in seats:
        group = sim.view_group(seat)
        if group is FULL:
            continue
        of_player[seat.id] = group
        if group not in groups:
            groups[group] = GroupView(sim.visible_to(group), sim.hidden_fields(group))
    return of_player, groups
