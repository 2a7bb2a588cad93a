"""Schemas: what a game may declare (SchemaError for the rest), and WELCOME's description of
them, from which a client rebuilds exactly the game's schema."""

from __future__ import annotations

from typing import Any

import msgpack
import pytest

from engine.games.shooter.game import ShooterGame
from engine.games.shooter.rules import Rules
from engine.schema import Collection, EventType, Field, InputSchema, SchemaError, StateSchema
from tests.engine.sparks import INPUTS as SPARKS_INPUTS
from tests.engine.sparks import STATE as SPARKS_STATE
from tests.engine.sparks import SparksGame

X = Field("x", 0, 100)
Y = Field("y", 0, 100)
DX = Field("dx", -5, 5)
DY = Field("dy", -5, 5)


def through_msgpack(wire: Any) -> Any:
    """``wire`` as a client gets it in WELCOME."""
    return msgpack.unpackb(msgpack.packb(wire, use_bin_type=True), raw=False)


def test_schema_errors_are_value_errors() -> None:
    assert issubclass(SchemaError, ValueError)


# -- Field -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["", "1x", "a-b", "a b", "_", "_x", "x.y"])
def test_field_names_are_identifiers_that_start_with_a_letter(name: str) -> None:
    with pytest.raises(SchemaError, match="name"):
        Field(name, 0, 1)


@pytest.mark.parametrize("name", ["x", "aim", "ack2", "next_fire", "X"])
def test_good_field_names(name: str) -> None:
    assert Field(name, 0, 1).name == name


@pytest.mark.parametrize(
    ("low", "high"),
    [(1, 0), (0.0, 1), (0, 1.5), (False, 1), (0, True), ("0", 1), (None, 1)],
    ids=["reversed", "float-low", "float-high", "bool-low", "bool-high", "str", "none"],
)
def test_field_bounds_are_ordered_integers(low: Any, high: Any) -> None:
    with pytest.raises(SchemaError, match="low and high"):
        Field("x", low, high)


@pytest.mark.parametrize("scale", [0, -10, 1.5, True])
def test_field_scale_is_a_positive_integer(scale: Any) -> None:
    with pytest.raises(SchemaError, match="scale"):
        Field("x", 0, 1, scale)


@pytest.mark.parametrize("length", [0, -1, 2.0, True])
def test_field_length_is_a_positive_integer(length: Any) -> None:
    with pytest.raises(SchemaError, match="length"):
        Field("x", 0, 1, length=length)


def test_a_single_value_field_accepts_integers_in_range() -> None:
    field = Field("aim", -3142, 3142, 1000, kind="angle")
    assert field.accepts(-3142) and field.accepts(0) and field.accepts(3142)
    for wire in (-3143, 3143, 1.0, True, None, "1", [1]):
        assert not field.accepts(wire)
    assert field.quantize(1.5) == 1500 and field.quantize(-0.0004) == 0


def test_a_list_field_accepts_lists_of_its_length() -> None:
    field = Field("lights", 0, 9, length=3)
    assert field.accepts([0, 9, 5])
    for wire in ([0, 9], [0, 9, 5, 1], [0, 10, 5], (0, 1, 2), [0, 1, 2.0], [True, 0, 0], 3):
        assert not field.accepts(wire)


# -- Collection ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: Collection("9lives", (X,)), "name"),
        (lambda: Collection("ships", ()), "at least one field"),
        (lambda: Collection("ships", (X, Field("x", 0, 5))), "unique"),
        (lambda: Collection("ships", (X, Field("lights", 0, 9, length=3))), "single integers"),
        (lambda: Collection("ships", tuple(Field(f"f{i}", 0, 1) for i in range(31))), "30"),
        (lambda: Collection("shots", (X, Y, DX, DY), "projectiles"), "x, y, dx, dy"),
        (
            lambda: Collection("shots", (X, Y, DX), "projectiles", ("x", "y", "dx", "dy")),
            "x, y, dx, dy",
        ),
        (lambda: Collection("ships", (X, Y, DX, DY), motion=("x", "y", "dx", "dy")), "motion"),
    ],
    ids=[
        "name",
        "no-fields",
        "duplicate-fields",
        "list-field",
        "31-fields",
        "projectiles-without-motion",
        "motion-names-a-missing-field",
        "entities-with-motion",
    ],
)
def test_collection_errors(make: Any, match: str) -> None:
    with pytest.raises(SchemaError, match=match):
        make()


def test_a_collection_has_up_to_30_fields_and_knows_where_each_is() -> None:
    fields = tuple(Field(f"f{i}", 0, 1) for i in range(30))
    collection = Collection("wide", list(fields))  # any sequence: kept as a tuple
    assert collection.fields == fields
    assert collection.index("f0") == 0 and collection.index("f29") == 29


# -- EventType -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "name", "match"),
    [(0, "kill", "kind"), (128, "kill", "kind"), (1.0, "kill", "kind"), (1, "", "name")],
)
def test_event_type_errors(kind: Any, name: str, match: str) -> None:
    with pytest.raises(SchemaError, match=match):
        EventType(kind, name)


def test_event_kinds_go_from_1_to_127() -> None:
    assert EventType(1, "a").kind == 1
    assert EventType(127, "b", ["x", "y"]).args == ("x", "y")


# -- StateSchema and InputSchema ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: StateSchema(globals=(X, Field("x", 0, 1))), "globals"),
        (lambda: StateSchema(roster=(X, Field("x", 0, 1))), "roster"),
        (lambda: StateSchema(roster=(Field("marks", 0, 1, length=2),)), "roster"),
        (
            lambda: StateSchema(collections=(Collection("a", (X,)), Collection("a", (Y,)))),
            "collection names",
        ),
        (lambda: StateSchema(events=(EventType(1, "a"), EventType(1, "b"))), "event kinds"),
        (
            lambda: StateSchema(
                collections=(
                    Collection("a", (X,), avatars=True),
                    Collection("b", (X,), avatars=True),
                )
            ),
            "avatars",
        ),
        (lambda: InputSchema((X, Field("x", 0, 1))), "inputs"),
        (lambda: InputSchema((Field("keys", 0, 1, length=4),)), "input fields"),
        (lambda: InputSchema((Field("a", 0, 1, optional=True), X)), "optional input fields"),
        (lambda: StateSchema(roster=(Field("a", 0, 1, optional=True),)), "only input"),
    ],
    ids=[
        "duplicate-globals",
        "duplicate-roster",
        "list-roster-column",
        "duplicate-collections",
        "duplicate-event-kinds",
        "two-avatar-collections",
        "duplicate-inputs",
        "list-input",
        "optional-first",
        "optional-state",
    ],
)
def test_schema_errors(make: Any, match: str) -> None:
    with pytest.raises(SchemaError, match=match):
        make()


def test_globals_may_be_lists_and_a_schema_may_be_empty() -> None:
    schema = StateSchema(globals=[Field("board", 0, 2, length=9)])
    assert schema.globals == (Field("board", 0, 2, length=9),)
    assert StateSchema() == StateSchema((), (), (), ())
    assert InputSchema().fields == ()


def test_a_collection_by_name() -> None:
    assert SPARKS_STATE.collection("tokens").fields[1].name == "weight"
    with pytest.raises(StopIteration):
        SPARKS_STATE.collection("nothing")


# -- the wire description -----------------------------------------------------------------------


def test_field_to_wire() -> None:
    assert Field("x", 0, 16000, 10, "diff", lerp=True).to_wire() == {
        "name": "x",
        "low": 0,
        "high": 16000,
        "scale": 10,
        "delta": "diff",
        "kind": "int",
        "lerp": True,
    }
    assert Field("lights", 0, 9, length=3).to_wire()["length"] == 3


def test_from_wire_fills_in_the_defaults() -> None:
    assert Field.from_wire({"name": "hp", "low": 0, "high": 100}) == Field("hp", 0, 100)
    assert Collection.from_wire({"name": "c", "fields": [{"name": "v", "low": 0, "high": 1}]}) == (
        Collection("c", (Field("v", 0, 1),))
    )
    assert EventType.from_wire({"kind": 4, "name": "boom"}) == EventType(4, "boom")
    assert StateSchema.from_wire({}) == StateSchema()


def test_from_wire_validates_like_the_constructors() -> None:
    with pytest.raises(SchemaError):
        Field.from_wire({"name": "x", "low": 5, "high": 1})
    wire = SPARKS_STATE.to_wire()
    wire["collections"][2]["motion"] = ["x", "y", "dx", "nope"]
    with pytest.raises(SchemaError):
        StateSchema.from_wire(wire)


@pytest.mark.parametrize(
    "schema",
    [
        ShooterGame(Rules()).state,
        ShooterGame(Rules(arena_width=400.0, walls=(), spawn_points=((100.0, 100.0),))).state,
        SPARKS_STATE,
    ],
    ids=["shooter", "shooter-small-arena", "synthetic"],
)
def test_state_schema_round_trip(schema: StateSchema) -> None:
    wire = through_msgpack(schema.to_wire())
    assert set(wire) == {"globals", "collections", "events", "roster"}
    assert StateSchema.from_wire(wire) == schema
    assert StateSchema.from_wire(wire).to_wire() == schema.to_wire()


@pytest.mark.parametrize(
    "schema", [ShooterGame(Rules()).inputs, SPARKS_INPUTS, InputSchema()], ids=repr
)
def test_input_schema_round_trip(schema: InputSchema) -> None:
    assert InputSchema.from_wire(through_msgpack(schema.to_wire())) == schema


def test_the_shooters_schema() -> None:
    game = ShooterGame(Rules())
    wire = game.state.to_wire()
    assert wire["globals"] == []
    players, bullets = wire["collections"]
    assert (players["name"], players["kind"], players["avatars"]) == ("players", "entities", True)
    assert [f["name"] for f in players["fields"]] == ["x", "y", "aim", "health", "flags", "ack"]
    assert players["fields"][0]["high"] == 16000 and players["fields"][1]["high"] == 9000
    assert (bullets["kind"], bullets["motion"]) == ("projectiles", ["x", "y", "dx", "dy"])
    assert [(e["kind"], e["name"], e["args"]) for e in wire["events"]] == [
        (1, "kill", ["killer", "victim"]),
        (2, "hit", ["shooter", "victim", "damage"]),
        (3, "spawn", ["player"]),
    ]
    assert [f["name"] for f in wire["roster"]] == ["score", "deaths"]
    assert [f.to_wire() for f in game.inputs.fields] == [
        {
            "name": "buttons",
            "low": 0,
            "high": 31,
            "scale": 1,
            "delta": "value",
            "kind": "flags",
            "lerp": False,
        },
        {
            "name": "aim",
            "low": -3142,
            "high": 3142,
            "scale": 1000,
            "delta": "value",
            "kind": "angle",
            "lerp": False,
        },
        {
            "name": "view_tick",
            "low": 0,
            "high": 2**31 - 1,
            "scale": 1,
            "delta": "value",
            "kind": "int",
            "lerp": False,
            "optional": True,
        },
        {
            "name": "view_delay",
            "low": 0,
            "high": 1000,
            "scale": 1,
            "delta": "value",
            "kind": "int",
            "lerp": False,
            "optional": True,
        },
    ]


@pytest.mark.parametrize("game", [ShooterGame(Rules()), SparksGame()], ids=["shooter", "sparks"])
def test_the_wire_schema_is_the_state_with_the_inputs(game: Any) -> None:
    assert game.wire_schema == {**game.state.to_wire(), "inputs": game.inputs.to_wire()}
    wire = through_msgpack(game.wire_schema)
    assert StateSchema.from_wire(wire) == game.state
    assert InputSchema.from_wire(wire["inputs"]) == game.inputs
