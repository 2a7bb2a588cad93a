"""Property tests of the snapshot chain: engine.snapshot encodes, engine.snapshot_state rebuilds."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import msgpack
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.protocol import Button
from engine.rules import Rect, Rules
from engine.simulation import Event, Match, SeatRefused
from engine.snapshot import PLAYER_FIELD_BITS, EncodedSnapshot, SnapshotEncoder
from engine.snapshot_state import ChainBroken, SnapshotState, apply_frame, is_snapshot

FIRE = int(Button.FIRE)
BASE_MS = 1_700_000_000_000
KEYFRAME_LENGTH = 9
DELTA_LENGTH = 11
EVENT_LENGTHS = {1: 3, 2: 4, 3: 2}  # KILL, HIT, SPAWN
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

SEATS = 6  # player ids the commands name (4 seats; ids 4 and 5 come after leaves and joins)
command = st.one_of(
    st.tuples(st.just("add"), st.text(min_size=1, max_size=16)),
    st.tuples(st.just("remove"), st.integers(0, SEATS - 1)),
    st.tuples(st.just("force")),
)
# per player id: no new input, or (buttons, aim_mrad)
inputs = st.lists(
    st.none() | st.tuples(st.integers(0, 31), st.integers(-3142, 3142)),
    min_size=SEATS,
    max_size=SEATS,
)


@st.composite
def histories(draw: st.DrawFn) -> list[tuple[Any, ...]]:
    """A few joins, then rounds of commands and inputs each followed by some steps.

    A round ends with ``("step", ticks, jump)``: ``jump`` is how many ticks the worker steps
    between two encodes (1 unless it fell behind).
    """
    ops: list[tuple[Any, ...]] = [("add", f"p{i}") for i in range(draw(st.integers(0, 4)))]
    rounds = st.tuples(st.lists(command, max_size=2), inputs, st.integers(1, 12), st.integers(1, 3))
    for commands, round_inputs, ticks, jump in draw(st.lists(rounds, min_size=1, max_size=12)):
        ops += commands
        for pid, given_input in enumerate(round_inputs):
            if given_input is not None:
                ops.append(("input", pid, *given_input))
        ops.append(("step", ticks, jump))
    return ops


seeds = st.integers(0, 2**32)
intervals = st.integers(1, 25)


def decode(frame: bytes) -> Any:
    """Decode a frame the way a client would."""
    return msgpack.unpackb(frame, raw=False)


def play(
    seed: int,
    interval: int,
    ops: list[tuple[Any, ...]],
    on_tick: Callable[[Match], None] | None = None,
) -> list[EncodedSnapshot]:
    """Play ``ops`` on a new match, encoding like the worker; every encoded tick in order."""
    match = Match(PROPERTY_RULES, seed, 4)
    encoder = SnapshotEncoder(interval)
    encoded: list[EncodedSnapshot] = []
    for op in ops:
        kind = op[0]
        if kind == "add":
            with contextlib.suppress(SeatRefused):
                match.add_player(op[1])
        elif kind == "remove":
            match.remove_player(op[1])
        elif kind == "input":
            player = match.players.get(op[1])
            if player is not None:
                match.apply_input(op[1], player.last_seq + 1, op[2], op[3] / 1000)
        elif kind == "force":
            encoder.force_keyframe()
        else:
            ticks, jump = op[1], op[2]
            events: list[Event] = []
            for i in range(1, ticks + 1):
                events += match.step()
                if on_tick is not None:
                    on_tick(match)
                if i % jump == 0 or i == ticks:
                    encoded.append(encoder.encode(match, events, BASE_MS + 50 * match.tick))
                    events = []
    return encoded


def frame_for(client_tick: int | None, snapshot: EncodedSnapshot) -> bytes:
    """The frame SnapshotStream sends: the DELTA if the client holds its base, else the KEYFRAME."""
    if snapshot.delta is not None and client_tick == snapshot.base_tick:
        return snapshot.delta
    return snapshot.keyframe


def follow(snapshots: list[EncodedSnapshot], fates: list[str]) -> Iterator[tuple[str, Any]]:
    """Deliver snapshots as SnapshotStream does, checking the state after each delivered frame.

    Yields the kind (``"delta"`` or ``"keyframe"``) and the decoded frame of each delivery.
    """
    client_tick: int | None = None
    state: SnapshotState | None = None
    for snapshot, fate in zip(snapshots, fates, strict=True):
        if fate == DROP:
            continue
        if fate == RESYNC:
            client_tick = None
            state = None
        frame = frame_for(client_tick, snapshot)
        if frame is snapshot.keyframe and snapshot.delta is not None:
            with pytest.raises(ChainBroken):
                apply_frame(state, decode(snapshot.delta))
        decoded = decode(frame)
        state = apply_frame(state, decoded)
        client_tick = snapshot.tick
        assert state.tick == snapshot.tick
        assert state.to_keyframe() == decode(snapshot.keyframe)
        yield ("delta" if frame is snapshot.delta else "keyframe"), decoded


# -- the chain rebuilds every KEYFRAME ------------------------------------------------------


@settings(max_examples=120, deadline=None)
@given(seed=seeds, interval=intervals, ops=histories())
def test_round_trip(seed: int, interval: int, ops: list[tuple[Any, ...]]) -> None:
    snapshots = play(seed, interval, ops)
    state: SnapshotState | None = None
    for snapshot in snapshots:
        keyframe = decode(snapshot.keyframe)
        if snapshot.delta is None:
            assert snapshot.base_tick is None
            frame = keyframe
        else:
            assert state is not None and snapshot.base_tick == state.tick < snapshot.tick
            frame = decode(snapshot.delta)
        state = apply_frame(state, frame)
        assert state.to_keyframe() == keyframe


@settings(max_examples=120, deadline=None)
@given(seed=seeds, interval=intervals, ops=histories(), data=st.data())
def test_any_loss_pattern(
    seed: int, interval: int, ops: list[tuple[Any, ...]], data: st.DataObject
) -> None:
    snapshots = play(seed, interval, ops)
    fates = data.draw(
        st.lists(
            st.sampled_from([DELIVER, DROP, RESYNC]),
            min_size=len(snapshots),
            max_size=len(snapshots),
        )
    )
    for _ in follow(snapshots, fates):
        pass


def _scripted_ops() -> list[tuple[Any, ...]]:
    """A long, busy history: joins, a leave, moving and firing players."""
    ops: list[tuple[Any, ...]] = [("add", "a"), ("add", "b"), ("step", 3, 1), ("add", "c")]
    for round_ in range(40):
        for pid in range(3):
            buttons = (round_ + pid) % 16 | (FIRE if (round_ + pid) % 3 else 0)
            ops.append(("input", pid, buttons, (round_ * 271 + pid * 1700) % 6284 - 3142))
        ops.append(("step", 3, 1 + round_ % 2))
        if round_ == 25:
            ops.append(("remove", 1))
    return ops


def test_scripted_history_mostly_travels_as_deltas() -> None:
    snapshots = play(7, 20, _scripted_ops())
    fates = [DROP if i % 7 == 3 else RESYNC if i == 50 else DELIVER for i in range(len(snapshots))]
    kinds = [kind for kind, _ in follow(snapshots, fates)]
    assert len(kinds) == len(snapshots) - sum(f == DROP for f in fates)
    assert kinds.count("delta") > 2 * kinds.count("keyframe")
    assert any(snapshot.delta is not None and decode(snapshot.delta)[7] for snapshot in snapshots)
    assert any(snapshot.delta is not None and decode(snapshot.delta)[8] for snapshot in snapshots)


def test_delta_off_the_chain_raises() -> None:
    snapshots = play(3, 20, [("add", "a"), ("add", "b"), ("input", 0, 8, 0), ("step", 4, 1)])
    first, second, third = (decode(s.keyframe) for s in snapshots[:3])
    assert snapshots[2].delta is not None
    delta = decode(snapshots[2].delta)
    assert delta[3] == second[1]
    assert apply_frame(apply_frame(None, second), delta).to_keyframe() == third
    for held in (None, apply_frame(None, first), apply_frame(None, third)):
        with pytest.raises(ChainBroken):
            apply_frame(held, delta)


def test_non_snapshot_frames() -> None:
    assert not is_snapshot([13, {}]) and not is_snapshot([])
    assert is_snapshot([11]) and is_snapshot([12])
    with pytest.raises(ValueError, match="not a snapshot") as caught:
        apply_frame(None, [13, {}])
    assert not isinstance(caught.value, ChainBroken)


# -- frames are plain msgpack arrays of integers ---------------------------------------------


def _ints(values: list[Any]) -> bool:
    """Whether every value is an int (and not a bool)."""
    return all(type(value) is int for value in values)


def _check_entries(players: list[Any], bullets: list[Any], events: list[Any]) -> None:
    """KEYFRAME players (seven ints) and bullets (six) in id order; events: known kinds of ints."""
    for entries, length in ((players, 7), (bullets, 6)):
        assert all(len(entry) == length and _ints(entry) for entry in entries)
        ids = [entry[0] for entry in entries]
        assert ids == sorted(set(ids))
    for event in events:
        assert _ints(event) and len(event) == EVENT_LENGTHS[event[0]]


def _check_roster(roster: list[Any]) -> None:
    """Roster rows: ``[id, name, score, deaths, connected]``."""
    for pid, name, score, deaths, connected in roster:
        assert _ints([pid, score, deaths]) and type(name) is str and type(connected) is bool


def _check_frame(data: bytes) -> None:
    """One KEYFRAME or DELTA against the documented layout."""
    frame = decode(data)
    assert type(frame) is list
    assert msgpack.packb(frame, use_bin_type=True) == data  # nothing changed type on the way
    if frame[0] == 11:
        assert len(frame) == KEYFRAME_LENGTH
        _, tick, server_ms, phase, ms_left, players, bullets, events, roster = frame
        _check_entries(players, bullets, events)
        _check_roster(roster)
    else:
        assert frame[0] == 12 and len(frame) == DELTA_LENGTH
        _, tick, server_ms, base, phase, ms_left, changes, new, gone, events, roster = frame
        assert _ints([base]) and 0 <= base < tick
        for change in changes:
            mask = change[1]
            assert _ints(change) and 0 < mask < 2 ** len(PLAYER_FIELD_BITS)
            assert len(change) == 2 + mask.bit_count()
        _check_entries([], new, events)
        assert _ints(gone) and not set(gone) & {entry[0] for entry in new}
        if roster is not None:
            _check_roster(roster)
    assert _ints([tick, server_ms, phase, ms_left]) and tick >= 0 and ms_left >= 0
    assert server_ms == BASE_MS + 50 * tick and phase in (0, 1, 2, 3)


@settings(max_examples=60, deadline=None)
@given(seed=seeds, interval=intervals, ops=histories())
def test_frames_are_documented_msgpack(
    seed: int, interval: int, ops: list[tuple[Any, ...]]
) -> None:
    for snapshot in play(seed, interval, ops):
        _check_frame(snapshot.keyframe)
        if snapshot.delta is not None:
            _check_frame(snapshot.delta)


# -- bullets move by dead reckoning ----------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(seed=seeds, interval=intervals, ops=histories())
def test_bullets_dead_reckoning(seed: int, interval: int, ops: list[tuple[Any, ...]]) -> None:
    seen: dict[int, tuple[int, int, int, int, int, int]] = {}  # id -> tick, x, y, dx, dy, owner
    gone: set[int] = set()

    def check(match: Match) -> None:
        """Every bullet in flight is where its first sighting says, to the tenth."""
        current = set()
        for b in match.bullets:
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

    snapshots = play(seed, interval, ops, on_tick=check)
    listed: dict[int, tuple[int, list[int]]] = {}  # id -> tick of its first KEYFRAME, entry
    for snapshot in snapshots:
        for bid, x, y, dx, dy, owner in decode(snapshot.keyframe)[6]:
            tick, first = listed.setdefault(bid, (snapshot.tick, [x, y, dx, dy, owner]))
            k = snapshot.tick - tick
            assert [x, y, dx, dy, owner] == [
                first[0] + k * first[2],
                first[1] + k * first[3],
                *first[2:],
            ]
