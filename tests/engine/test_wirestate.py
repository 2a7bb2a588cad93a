"""Property tests of the snapshot chain: engine.codec encodes, engine.wirestate rebuilds, for the
shooter and for a synthetic schema with globals, entities that come and go, and projectiles."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import msgpack
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.codec import EncodedSnapshot, SnapshotEncoder
from engine.game import Game
from engine.games.shooter.game import ShooterGame
from engine.games.shooter.rules import Rect, Rules
from engine.games.shooter.simulation import ShooterSimulation
from engine.games.shooter.wire import Button
from engine.match import Match, SeatRefused
from engine.schema import Field, StateSchema
from engine.wirestate import ChainBroken, WireState, apply_frame, is_snapshot
from tests.engine.sparks import SparkOptions, SparksGame

FIRE = int(Button.FIRE)
BASE_MS = 1_700_000_000_000
DELIVER, DROP, RESYNC = "deliver", "drop", "resync"

# a small arena, so that random aims hit, kill and score often
PROPERTY_RULES = Rules(
    arena_width=480.0,
    arena_height=320.0,
    walls=(Rect(220.0, 120.0, 40.0, 80.0),),
    spawn_points=((60.0, 60.0), (420.0, 60.0), (60.0, 260.0), (420.0, 260.0)),
    countdown=0.2,
    time_limit=6.0,
    score_limit=3,
    empty_timeout=0.5,
    ended_linger=0.5,
    respawn_delay=0.2,
    spawn_protection=0.1,
    bullet_damage=50,
)
SHOOTER = ShooterGame(PROPERTY_RULES)
SPARKS = SparksGame(SparkOptions(countdown=0.2, time_limit=4.0, level_limit=400))


@dataclass(frozen=True)
class Subject:
    """A game and mode to play random histories of, with the INPUT values its players send."""

    name: str
    game: Game
    mode: str
    values: st.SearchStrategy[tuple[int, ...]]
    only_if_changed: bool = False  # encode as for a game whose snapshots go out on change

    def __repr__(self) -> str:
        return self.name

    @property
    def schema(self) -> StateSchema:
        return self.game.state


SUBJECTS = [
    Subject("shooter", SHOOTER, "ffa", st.tuples(st.integers(0, 31), st.integers(-3142, 3142))),
    Subject(
        "sparks",
        SPARKS,
        "solo",
        st.tuples(st.integers(0, 9), st.integers(-50, 50)),
        only_if_changed=True,
    ),
    Subject("sparks-pairs", SPARKS, "pairs", st.tuples(st.integers(0, 9), st.integers(-50, 50))),
]
subjects = pytest.mark.parametrize("subject", SUBJECTS, ids=repr)

SEATS = 6  # player ids the commands name (4 seats; ids 4 and 5 come after leaves and joins)
command = st.one_of(
    st.tuples(st.just("add"), st.text(min_size=1, max_size=16)),
    st.tuples(st.just("remove"), st.integers(0, SEATS - 1)),
    st.tuples(st.just("away"), st.integers(0, SEATS - 1)),
    st.tuples(st.just("back"), st.integers(0, SEATS - 1)),
    st.tuples(st.just("force")),
)


def histories(values: st.SearchStrategy[tuple[int, ...]]) -> st.SearchStrategy[list[Any]]:
    """A few joins, then rounds of commands and inputs each followed by some steps.

    A round ends with ``("step", ticks, jump)``: ``jump`` is how many ticks the worker steps
    between two encodes (1 unless it fell behind).
    """
    inputs = st.lists(st.none() | values, min_size=SEATS, max_size=SEATS)

    @st.composite
    def draw_history(draw: st.DrawFn) -> list[tuple[Any, ...]]:
        ops: list[tuple[Any, ...]] = [("add", f"p{i}") for i in range(draw(st.integers(0, 4)))]
        rounds = st.tuples(
            st.lists(command, max_size=2), inputs, st.integers(1, 12), st.integers(1, 3)
        )
        for commands, round_inputs, ticks, jump in draw(st.lists(rounds, min_size=1, max_size=12)):
            ops += commands
            for pid, given_input in enumerate(round_inputs):
                if given_input is not None:
                    ops.append(("input", pid, *given_input))
            ops.append(("step", ticks, jump))
        return ops

    return draw_history()


seeds = st.integers(0, 2**32)
intervals = st.integers(1, 25)


@st.composite
def plays(draw: st.DrawFn, subject: Subject) -> tuple[int, int, list[Any]]:
    """(seed, keyframe interval, history) of one random play of ``subject``."""
    return draw(seeds), draw(intervals), draw(histories(subject.values))


def decode(frame: bytes | None) -> Any:
    """Decode a frame the way a client would."""
    assert frame is not None
    return msgpack.unpackb(frame, raw=False)


def play(
    subject: Subject,
    seed: int,
    interval: int,
    ops: list[tuple[Any, ...]],
    on_tick: Callable[[Match], None] | None = None,
) -> list[EncodedSnapshot]:
    """Play ``ops`` on a new match, encoding like the worker; every encoded tick in order."""
    game = subject.game
    match = Match(game, game.mode(subject.mode), seed, 4, reconnect_grace=0.3)
    encoder = SnapshotEncoder(game.state, interval)
    encoded: list[EncodedSnapshot] = []
    for op in ops:
        kind = op[0]
        if kind == "add":
            with contextlib.suppress(SeatRefused):
                match.add_player(op[1])
        elif kind == "remove":
            match.remove_player(op[1])
        elif kind == "away":
            match.player_away(op[1])
        elif kind == "back":
            if op[1] in match.seats:
                with contextlib.suppress(SeatRefused):
                    match.readmit_player(op[1])
        elif kind == "input":
            seat = match.seats.get(op[1])
            if seat is not None:
                match.apply_input(op[1], seat.last_seq + 1, tuple(op[2:]))
        elif kind == "force":
            encoder.force_keyframe()
        else:
            ticks, jump = op[1], op[2]
            events: list[Any] = []
            for i in range(1, ticks + 1):
                events += match.step()
                if on_tick is not None:
                    on_tick(match)
                if i % jump == 0 or i == ticks:
                    snapshot = encoder.encode(
                        match,
                        events,
                        BASE_MS + 50 * match.tick,
                        only_if_changed=subject.only_if_changed,
                    )
                    if snapshot is not None:
                        encoded.append(snapshot)
                    else:
                        assert not events, "a tick with events is always encoded"
                    events = []
    return encoded


def frame_for(client_tick: int | None, snapshot: EncodedSnapshot) -> bytes:
    """The frame SnapshotStream sends: the DELTA if the client holds its base, else the KEYFRAME."""
    if snapshot.delta is not None and client_tick == snapshot.base_tick:
        return snapshot.delta
    assert snapshot.keyframe is not None
    return snapshot.keyframe


def follow(
    schema: StateSchema, snapshots: list[EncodedSnapshot], fates: list[str]
) -> Iterator[tuple[str, Any]]:
    """Deliver snapshots as SnapshotStream does, checking the state after each delivered frame.

    Yields the kind (``"delta"`` or ``"keyframe"``) and the decoded frame of each delivery.
    """
    client_tick: int | None = None
    state: WireState | None = None
    for snapshot, fate in zip(snapshots, fates, strict=True):
        if fate == DROP:
            continue
        if fate == RESYNC:
            client_tick = None
            state = None
        frame = frame_for(client_tick, snapshot)
        if frame is snapshot.keyframe and snapshot.delta is not None:
            with pytest.raises(ChainBroken):
                apply_frame(schema, state, decode(snapshot.delta))
        decoded = decode(frame)
        state = apply_frame(schema, state, decoded)
        client_tick = snapshot.tick
        assert state.tick == snapshot.tick
        assert state.to_keyframe() == decode(snapshot.keyframe)
        yield ("delta" if frame is snapshot.delta else "keyframe"), decoded


# -- the chain rebuilds every KEYFRAME ------------------------------------------------------


@subjects
@settings(max_examples=80, deadline=None)
@given(data=st.data())
def test_round_trip(subject: Subject, data: st.DataObject) -> None:
    seed, interval, ops = data.draw(plays(subject))
    snapshots = play(subject, seed, interval, ops)
    state: WireState | None = None
    for snapshot in snapshots:
        keyframe = decode(snapshot.keyframe)
        if snapshot.delta is None:
            assert snapshot.base_tick is None
            frame = keyframe
        else:
            assert state is not None and snapshot.base_tick == state.tick < snapshot.tick
            frame = decode(snapshot.delta)
        state = apply_frame(subject.schema, state, frame)
        assert state.to_keyframe() == keyframe


@subjects
@settings(max_examples=80, deadline=None)
@given(data=st.data())
def test_any_loss_pattern(subject: Subject, data: st.DataObject) -> None:
    seed, interval, ops = data.draw(plays(subject))
    snapshots = play(subject, seed, interval, ops)
    fates = data.draw(
        st.lists(
            st.sampled_from([DELIVER, DROP, RESYNC]),
            min_size=len(snapshots),
            max_size=len(snapshots),
        )
    )
    for _ in follow(subject.schema, snapshots, fates):
        pass


def _scripted_ops() -> list[tuple[Any, ...]]:
    """A long, busy history: joins, a leave, moving and firing players."""
    ops: list[tuple[Any, ...]] = [("add", "a"), ("add", "b"), ("step", 3, 1), ("add", "c")]
    for round_ in range(40):
        for pid in range(3):
            buttons = (round_ + pid) % 16 | (FIRE if (round_ + pid) % 3 else 0)
            ops.append(("input", pid, buttons, (round_ * 271 + pid * 1700) % 6284 - 3142))
        ops.append(("step", 3, 1 + round_ % 2))
        if round_ == 20:
            ops.append(("remove", 1))
    return ops


def test_scripted_history_mostly_travels_as_deltas() -> None:
    subject = SUBJECTS[0]
    snapshots = play(subject, 7, 20, _scripted_ops())
    fates = [DROP if i % 7 == 3 else RESYNC if i == 50 else DELIVER for i in range(len(snapshots))]
    kinds = [kind for kind, _ in follow(subject.schema, snapshots, fates)]
    assert len(kinds) == len(snapshots) - sum(f == DROP for f in fates)
    assert kinds.count("delta") > 2 * kinds.count("keyframe")
    deltas = [decode(s.delta) for s in snapshots if s.delta is not None]
    assert any(delta[7] for delta in deltas), "new bullets"
    assert any(delta[8] for delta in deltas), "gone bullets"
    assert any([1] in delta[6] for delta in deltas), "the leave is a DELTA"
    assert any(len(change) > 1 and change[0] == 2 for delta in deltas[:3] for change in delta[6]), (
        "the join of c (against zeros) is a DELTA"
    )


def _scripted_sparks_ops() -> list[tuple[Any, ...]]:
    """Every kind of change of the synthetic schema, round after round."""
    ops: list[tuple[Any, ...]] = [("add", "a"), ("step", 2, 1), ("add", "b")]
    for round_ in range(30):
        op = round_ % 10
        ops.append(("input", round_ % 2, op, (round_ * 7) % 101 - 50))
        ops.append(("input", (round_ + 1) % 2, (op + 3) % 10, (round_ * 13) % 101 - 50))
        ops.append(("step", 2, 1 + round_ % 2))
        if round_ == 12:
            ops.append(("remove", 1))
        if round_ == 18:
            ops.append(("back", 1))
    return ops


def test_scripted_synthetic_history_uses_every_part_of_the_delta() -> None:
    subject = SUBJECTS[1]
    snapshots = play(subject, 3, 20, _scripted_sparks_ops())
    kinds = [kind for kind, _ in follow(subject.schema, snapshots, [DELIVER] * len(snapshots))]
    assert kinds.count("delta") > 2 * kinds.count("keyframe")
    deltas = [decode(s.delta) for s in snapshots if s.delta is not None]
    assert any(delta[6] is not None for delta in deltas), "globals"
    assert any(delta[6] is None for delta in deltas), "no globals"
    assert any(len(c) == 1 for delta in deltas for c in delta[7]), "an avatar gone"
    assert any(len(c) > 1 for delta in deltas for c in delta[7]), "an avatar changed or new"
    assert any(len(c) == 1 for delta in deltas for c in delta[8]), "a token gone"
    assert any(len(c) > 1 for delta in deltas for c in delta[8]), "a token new or changed"
    assert any(delta[9] for delta in deltas) and any(delta[10] for delta in deltas), "sparks"
    assert any(delta[12] is not None for delta in deltas), "roster"


def test_delta_off_the_chain_raises() -> None:
    subject = SUBJECTS[0]
    schema = subject.schema
    ops = [("add", "a"), ("add", "b"), ("input", 0, 8, 0), ("step", 4, 1)]
    snapshots = play(subject, 3, 20, ops)
    first, second, third = (decode(s.keyframe) for s in snapshots[:3])
    assert snapshots[2].delta is not None
    delta = decode(snapshots[2].delta)
    assert delta[3] == second[1]
    assert apply_frame(schema, apply_frame(schema, None, second), delta).to_keyframe() == third
    for held in (None, apply_frame(schema, None, first), apply_frame(schema, None, third)):
        with pytest.raises(ChainBroken):
            apply_frame(schema, held, delta)


def test_non_snapshot_frames() -> None:
    assert not is_snapshot([13, {}]) and not is_snapshot([])
    assert is_snapshot([11]) and is_snapshot([12])
    with pytest.raises(ValueError, match="not a snapshot") as caught:
        apply_frame(SHOOTER.state, None, [13, {}])
    assert not isinstance(caught.value, ChainBroken)


def test_rows_name_a_collection() -> None:
    subject = SUBJECTS[1]
    ops = [("add", "a"), ("input", 0, 6, 9), ("input", 0, 8, 2), ("step", 1, 1)]
    (snapshot,) = play(subject, 1, 20, ops)
    state = apply_frame(subject.schema, None, decode(snapshot.keyframe))
    assert state.globals == [0, [0, 0, 0]]
    assert state.rows(subject.schema, "avatars") == {0: [0, 500, 0]}
    assert state.rows(subject.schema, "tokens") == {0: [9, 0]}
    assert state.rows(subject.schema, "sparks") == {0: [2, 498, 2, -2, 0]}


# -- frames are plain msgpack arrays of integers, within the schema's ranges ---------------


def _ints(values: list[Any]) -> bool:
    """Whether every value is an int (and not a bool)."""
    return all(type(value) is int for value in values)


def _check_rows(fields: tuple[Field, ...], entries: list[Any]) -> None:
    """KEYFRAME rows ``[id, *row]`` in id order, each value within its field's range."""
    for entry in entries:
        assert len(entry) == 1 + len(fields) and _ints(entry)
        assert all(f.accepts(value) for f, value in zip(fields, entry[1:], strict=True)), entry
    ids = [entry[0] for entry in entries]
    assert ids == sorted(set(ids))


def _check_events(schema: StateSchema, events: list[Any]) -> None:
    """Events: ``[kind, *args]`` of the schema's kinds, integers all."""
    arity = {e.kind: len(e.args) for e in schema.events}
    for event in events:
        assert _ints(event) and len(event) == 1 + arity[event[0]]


def _check_roster(schema: StateSchema, teams: bool, roster: list[Any]) -> None:
    """Roster rows: ``[id, name, (team,) *columns, connected]``."""
    for row in roster:
        player_id, name, *rest = row
        connected = rest.pop()
        if teams:
            assert type(rest.pop(0)) is int
        assert _ints([player_id]) and type(name) is str and type(connected) is bool
        assert len(rest) == len(schema.roster)
        assert all(f.accepts(value) for f, value in zip(schema.roster, rest, strict=True))


def _check_frame(schema: StateSchema, teams: bool, data: bytes) -> None:
    """One KEYFRAME or DELTA against the documented layout and the schema."""
    frame = decode(data)
    assert type(frame) is list
    assert msgpack.packb(frame, use_bin_type=True) == data  # nothing changed type on the way
    globals_count = len(schema.globals)
    if frame[0] == 11:
        assert len(frame) == 5 + globals_count + len(schema.collections) + 2
        _, tick, server_ms, phase, ms_left = frame[:5]
        values = frame[5 : 5 + globals_count]
        assert all(f.accepts(v) for f, v in zip(schema.globals, values, strict=True))
        rest = frame[5 + globals_count :]
        for collection, entries in zip(schema.collections, rest, strict=False):
            _check_rows(collection.fields, entries)
        events, roster = rest[-2:]
        _check_roster(schema, teams, roster)
    else:
        slots = sum(2 if c.kind == "projectiles" else 1 for c in schema.collections)
        assert frame[0] == 12 and len(frame) == 6 + (1 if globals_count else 0) + slots + 2
        _, tick, server_ms, base, phase, ms_left = frame[:6]
        assert _ints([base]) and 0 <= base < tick
        rest = frame[6:]
        if globals_count:
            values, *rest = rest
            assert values is None or (
                len(values) == globals_count
                and all(f.accepts(v) for f, v in zip(schema.globals, values, strict=True))
            )
        for collection in schema.collections:
            if collection.kind == "projectiles":
                new, gone, *rest = rest
                _check_rows(collection.fields, new)
                assert _ints(gone) and not set(gone) & {entry[0] for entry in new}
            else:
                changes, *rest = rest
                for change in changes:
                    assert _ints(change)
                    if len(change) > 1:  # a removal is the id alone
                        mask = change[1]
                        assert 0 <= mask < 2 ** len(collection.fields)
                        assert len(change) == 2 + mask.bit_count()
                ids = [change[0] for change in changes]
                assert len(ids) == len(set(ids))
        events, roster = rest
        if roster is not None:
            _check_roster(schema, teams, roster)
    _check_events(schema, events)
    assert _ints([tick, server_ms, phase, ms_left]) and tick >= 0 and ms_left >= 0
    assert server_ms == BASE_MS + 50 * tick and phase in (0, 1, 2, 3)


@subjects
@settings(max_examples=50, deadline=None)
@given(data=st.data())
def test_frames_are_documented_msgpack(subject: Subject, data: st.DataObject) -> None:
    seed, interval, ops = data.draw(plays(subject))
    teams = bool(subject.game.mode(subject.mode).teams)
    for snapshot in play(subject, seed, interval, ops):
        assert snapshot.keyframe is not None
        _check_frame(subject.schema, teams, snapshot.keyframe)
        if snapshot.delta is not None:
            _check_frame(subject.schema, teams, snapshot.delta)


# -- projectiles move by dead reckoning ------------------------------------------------------


@subjects
@settings(max_examples=50, deadline=None)
@given(data=st.data())
def test_projectiles_in_keyframes_are_where_their_first_sighting_says(
    subject: Subject, data: st.DataObject
) -> None:
    seed, interval, ops = data.draw(plays(subject))
    schema = subject.schema
    listed: dict[tuple[int, int], tuple[int, list[int]]] = {}  # (collection, id) -> tick, row
    for snapshot in play(subject, seed, interval, ops):
        frame = decode(snapshot.keyframe)
        rows = frame[5 + len(schema.globals) :]
        for index, collection in enumerate(schema.collections):
            if collection.kind != "projectiles":
                continue
            assert collection.motion is not None
            x, y, dx, dy = (collection.index(name) for name in collection.motion)
            for entry_id, *row in rows[index]:
                tick, first = listed.setdefault((index, entry_id), (snapshot.tick, row))
                k = snapshot.tick - tick
                expected = list(first)
                expected[x] += k * first[dx]
                expected[y] += k * first[dy]
                assert row == expected


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_bullets_dead_reckoning(data: st.DataObject) -> None:
    subject = SUBJECTS[0]
    seed, interval, ops = data.draw(plays(subject))
    seen: dict[int, tuple[int, int, int, int, int, int]] = {}  # id -> tick, x, y, dx, dy, owner
    gone: set[int] = set()

    def check(match: Match) -> None:
        """Every bullet in flight is where its first sighting says, to the tenth."""
        assert isinstance(match.sim, ShooterSimulation)
        current = set()
        for b in match.sim.bullets:
            current.add(b.id)
            assert b.id not in gone
            tick, x, y, dx, dy, owner = seen.setdefault(
                b.id, (match.tick, b.wx, b.wy, b.step_x, b.step_y, b.owner)
            )
            k = match.tick - tick
            assert (b.wx, b.wy, b.step_x, b.step_y, b.owner) == (
                x + k * dx,
                y + k * dy,
                dx,
                dy,
                owner,
            )
        gone.update(seen.keys() - current)

    play(subject, seed, interval, ops, on_tick=check)
