"""What a game declares of its inputs and its state: integer fields with ranges and scales.

The runtime checks every INPUT against the game's ``InputSchema`` before it reaches the engine,
and encodes each tick's state as KEYFRAME and DELTA frames from the game's ``StateSchema``
(``engine.codec``), so a game writes no encoding of its own; a client decodes those frames from
the schema alone, which WELCOME carries (docs/protocol.md, section 5; docs/games.md).

Every value on the wire is an integer. A field's ``scale`` says how a game value is quantized
(``wire = round(value * scale)``; a client divides by it), ``low`` and ``high`` bound the wire
value, and ``delta`` says how a DELTA carries a change: as the new value, or as the difference
from the base tick's. This module is pure: no Django, asyncio or Redis.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

FieldKind = Literal["int", "angle", "flags", "bool"]
DeltaRule = Literal["value", "diff"]
CollectionKind = Literal["entities", "projectiles"]


class SchemaError(ValueError):
    """A schema that cannot describe a game (bad names, ranges or roles)."""


def _check_name(name: str, what: str) -> None:
    if not name or not name.replace("_", "").isalnum() or not name[0].isalpha():
        raise SchemaError(f"{what} name {name!r} must be letters, digits and _, a letter first")


@dataclass(frozen=True, slots=True)
class Field:
    """One integer value (or a fixed-length list of them, ``length``) of an input, an entity,
    the match's globals or the roster.

    ``kind`` tells clients how to read it: ``angle`` is in 1/``scale`` radians and interpolates
    the short way round, ``flags`` is a bit set, ``bool`` is 0 or 1. ``lerp`` asks clients to
    interpolate it between snapshots (positions, angles). An ``optional`` INPUT field may be
    left out by a client (with every field after it): it then reads as ``low``.
    """

    name: str
    low: int
    high: int
    scale: int = 1
    delta: DeltaRule = "value"
    kind: FieldKind = "int"
    lerp: bool = False
    length: int | None = None  # a list of this many values (globals only)
    optional: bool = False  # inputs only

    def __post_init__(self) -> None:
        _check_name(self.name, "field")
        if type(self.low) is not int or type(self.high) is not int or self.low > self.high:
            raise SchemaError(f"field {self.name!r}: low and high must be integers, low <= high")
        if type(self.scale) is not int or self.scale < 1:
            raise SchemaError(f"field {self.name!r}: scale must be a positive integer")
        if self.length is not None and (type(self.length) is not int or self.length < 1):
            raise SchemaError(f"field {self.name!r}: length must be a positive integer")
        if self.delta not in ("value", "diff"):
            raise SchemaError(
                f"field {self.name!r}: delta is 'value' or 'diff', not {self.delta!r}"
            )
        if self.kind not in ("int", "angle", "flags", "bool"):
            raise SchemaError(
                f"field {self.name!r}: kind {self.kind!r} is not one of int, angle, flags, bool"
            )

    def quantize(self, value: float) -> int:
        """A game value as this field's wire integer (rounded, not clamped)."""
        return round(value * self.scale)

    def accepts(self, wire: Any) -> bool:
        """Whether ``wire`` is a valid wire value of this field (an int, or list of ints)."""
        if self.length is None:
            return type(wire) is int and self.low <= wire <= self.high
        return (
            type(wire) is list
            and len(wire) == self.length
            and all(type(v) is int and self.low <= v <= self.high for v in wire)
        )

    @classmethod
    def from_wire(cls, wire: dict[str, Any]) -> Field:
        """The field ``to_wire`` described."""
        return cls(
            wire["name"],
            wire["low"],
            wire["high"],
            wire.get("scale", 1),
            wire.get("delta", "value"),
            wire.get("kind", "int"),
            wire.get("lerp", False),
            wire.get("length"),
            wire.get("optional", False),
        )

    def to_wire(self) -> dict[str, Any]:
        """The field as WELCOME's schema describes it."""
        wire: dict[str, Any] = {
            "name": self.name,
            "low": self.low,
            "high": self.high,
            "scale": self.scale,
            "delta": self.delta,
            "kind": self.kind,
            "lerp": self.lerp,
        }
        if self.length is not None:
            wire["length"] = self.length
        if self.optional:
            wire["optional"] = True
        return wire


def _unique(fields: tuple[Field, ...], what: str) -> None:
    names = [f.name for f in fields]
    if len(set(names)) != len(names):
        raise SchemaError(f"{what}: field names must be unique, got {names}")


@dataclass(frozen=True, slots=True)
class Collection:
    """Entities of one sort, each a row of integer fields under an integer id.

    ``entities`` change field by field (a DELTA lists each changed entity with a bit mask of
    its changed fields, a new entity against a base of zeros, a gone one as its id alone).
    ``projectiles`` never change once made, but move: every tick each one's ``motion`` fields
    (``x, y, dx, dy``) advance ``x += dx`` and ``y += dy``, so a DELTA lists only the new and
    the gone ones. Ids grow and are never reused within a match. ``avatars`` marks the
    collection whose entity ids are player ids (one entity per seated player).
    """

    name: str
    fields: tuple[Field, ...]
    kind: CollectionKind = "entities"
    motion: tuple[str, str, str, str] | None = None
    avatars: bool = False

    def __post_init__(self) -> None:
        _check_name(self.name, "collection")
        object.__setattr__(self, "fields", tuple(self.fields))
        _unique(self.fields, f"collection {self.name!r}")
        if not self.fields:
            raise SchemaError(f"collection {self.name!r} needs at least one field")
        if any(f.length is not None for f in self.fields):
            raise SchemaError(f"collection {self.name!r}: entity fields are single integers")
        if len(self.fields) > 30:
            raise SchemaError(f"collection {self.name!r}: at most 30 fields (one mask bit each)")
        if self.kind == "projectiles":
            names = [f.name for f in self.fields]
            if self.motion is None or any(name not in names for name in self.motion):
                raise SchemaError(f"projectiles {self.name!r} name their x, y, dx, dy fields")
        elif self.motion is not None:
            raise SchemaError(f"collection {self.name!r}: only projectiles have motion")

    def index(self, name: str) -> int:
        """The position of a field in each row."""
        return [f.name for f in self.fields].index(name)

    @classmethod
    def from_wire(cls, wire: dict[str, Any]) -> Collection:
        """The collection ``to_wire`` described."""
        motion = wire.get("motion")
        return cls(
            wire["name"],
            tuple(Field.from_wire(f) for f in wire["fields"]),
            wire.get("kind", "entities"),
            None if motion is None else tuple(motion),  # type: ignore[arg-type]
            wire.get("avatars", False),
        )

    def to_wire(self) -> dict[str, Any]:
        """The collection as WELCOME's schema describes it."""
        wire: dict[str, Any] = {
            "name": self.name,
            "kind": self.kind,
            "fields": [f.to_wire() for f in self.fields],
            "avatars": self.avatars,
        }
        if self.motion is not None:
            wire["motion"] = list(self.motion)
        return wire


@dataclass(frozen=True, slots=True)
class EventType:
    """One kind of event a snapshot may carry: ``[kind, *args]`` on the wire, integers all."""

    kind: int
    name: str
    args: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _check_name(self.name, "event")
        object.__setattr__(self, "args", tuple(self.args))
        if type(self.kind) is not int or not 1 <= self.kind <= 127:
            raise SchemaError(f"event {self.name!r}: kind must be an integer from 1 to 127")

    @classmethod
    def from_wire(cls, wire: dict[str, Any]) -> EventType:
        """The event type ``to_wire`` described."""
        return cls(wire["kind"], wire["name"], tuple(wire.get("args", ())))

    def to_wire(self) -> dict[str, Any]:
        """The event type as WELCOME's schema describes it."""
        return {"kind": self.kind, "name": self.name, "args": list(self.args)}


@dataclass(frozen=True, slots=True)
class StateSchema:
    """A game's state as snapshots carry it: globals, collections, events, roster columns.

    A KEYFRAME is ``[11, tick, server_ms, phase, phase_ms_left, *globals, *collections, events,
    roster]`` and a roster entry ``[id, name, *roster columns, connected]`` (docs/protocol.md 5.2).
    """

    globals: tuple[Field, ...] = ()
    collections: tuple[Collection, ...] = ()
    events: tuple[EventType, ...] = ()
    roster: tuple[Field, ...] = ()

    def __post_init__(self) -> None:
        for name in ("globals", "collections", "events", "roster"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        _unique(self.globals, "globals")
        _unique(self.roster, "roster")
        every = (*self.globals, *self.roster, *(f for c in self.collections for f in c.fields))
        if any(f.optional for f in every):
            raise SchemaError("only input fields are optional")
        if any(f.length is not None for f in self.roster):
            raise SchemaError("roster columns are single integers")
        names = [c.name for c in self.collections]
        if len(set(names)) != len(names):
            raise SchemaError(f"collection names must be unique, got {names}")
        kinds = [e.kind for e in self.events]
        if len(set(kinds)) != len(kinds):
            raise SchemaError(f"event kinds must be unique, got {kinds}")
        if sum(c.avatars for c in self.collections) > 1:
            raise SchemaError("at most one collection holds the players' avatars")

    def collection(self, name: str) -> Collection:
        """The collection called ``name``."""
        return next(c for c in self.collections if c.name == name)

    @classmethod
    def from_wire(cls, wire: dict[str, Any]) -> StateSchema:
        """The schema WELCOME carries (``to_wire``), as a client rebuilds it."""
        return cls(
            tuple(Field.from_wire(f) for f in wire.get("globals", ())),
            tuple(Collection.from_wire(c) for c in wire.get("collections", ())),
            tuple(EventType.from_wire(e) for e in wire.get("events", ())),
            tuple(Field.from_wire(f) for f in wire.get("roster", ())),
        )

    def to_wire(self) -> dict[str, Any]:
        """The schema as WELCOME carries it (docs/protocol.md 5.1)."""
        return {
            "globals": [f.to_wire() for f in self.globals],
            "collections": [c.to_wire() for c in self.collections],
            "events": [e.to_wire() for e in self.events],
            "roster": [f.to_wire() for f in self.roster],
        }


@dataclass(frozen=True, slots=True)
class InputSchema:
    """A game's INPUT: ``[1, seq, *fields]``, each field a single integer in its range; the
    ``optional`` fields come last and a client may leave them out (they read as ``low``)."""

    fields: tuple[Field, ...] = field(default_factory=tuple)
    required: int = field(init=False, default=0, compare=False)  # fields every INPUT carries
    bounds: tuple[tuple[int, int], ...] = field(
        init=False, default=(), compare=False
    )  # (low, high)

    def __post_init__(self) -> None:
        object.__setattr__(self, "fields", tuple(self.fields))
        object.__setattr__(self, "required", sum(not f.optional for f in self.fields))
        object.__setattr__(self, "bounds", tuple((f.low, f.high) for f in self.fields))
        _unique(self.fields, "inputs")
        if any(f.length is not None for f in self.fields):
            raise SchemaError("input fields are single integers")
        flags = [f.optional for f in self.fields]
        if flags != sorted(flags):
            raise SchemaError("optional input fields come after every other one")

    @classmethod
    def from_wire(cls, wire: list[dict[str, Any]]) -> InputSchema:
        """The input schema WELCOME carries (``to_wire``)."""
        return cls(tuple(Field.from_wire(f) for f in wire))

    def to_wire(self) -> list[dict[str, Any]]:
        """The input fields as WELCOME's schema describes them."""
        return [f.to_wire() for f in self.fields]
