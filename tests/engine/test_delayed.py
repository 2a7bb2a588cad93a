"""The delayed stream: a match's published messages again, later, with a KEYFRAME to join on."""

from __future__ import annotations

from typing import Any

import msgpack
import pytest

from engine import messages
from engine.codec import SnapshotEncoder
from engine.delayed import DelayedStream
from engine.games.shooter.game import ShooterGame
from engine.games.shooter.rules import Rules
from engine.games.shooter.wire import Button, quantize_aim
from engine.match import Match
from engine.schema import StateSchema
from engine.wirestate import apply_frame
from tests.engine.sparks import Op, SparkOptions, SparksGame

RULES = Rules(tick_rate=20, spawn_points=((400.0, 400.0), (1200.0, 500.0)))
GAME = ShooterGame(RULES)
SCHEMA = GAME.state
SPARKS = SparksGame(SparkOptions(time_limit=None))


def decode(frame: bytes) -> Any:
    return msgpack.unpackb(frame, raw=False)


def published(ticks: int, keyframe_interval: int = 8, wanted: tuple[int, ...] = ()) -> list[Any]:
    """The snapshot messages an engine publishes for a match with two players moving and
    shooting, one per tick; ``wanted`` ticks carry a KEYFRAME besides their DELTA."""
    match = Match(GAME, GAME.mode("duel"), seed=3, max_players=2)
    ada, bo = match.add_player("Ada"), match.add_player("Bo")
    encoder = SnapshotEncoder(SCHEMA, keyframe_interval)
    out = []
    for index in range(ticks):
        ada_aim, bo_aim = quantize_aim(0.3 * index), quantize_aim(-0.2 * index)
        match.apply_input(ada, index + 1, (Button.RIGHT | Button.FIRE, ada_aim))
        match.apply_input(bo, index + 1, (int(Button.UP if index % 4 else Button.LEFT), bo_aim))
        encoded = encoder.encode(
            match, match.step(), 1_000 + index, with_keyframe=match.tick in wanted
        )
        assert encoded is not None
        out.append(snapshot_message(encoded))
    return out


def snapshot_message(encoded: Any) -> dict[str, Any]:
    """The snapshot message the engine publishes for an encoded tick."""
    return {
        "type": messages.SNAPSHOT,
        "match_id": "m",
        "tick": encoded.tick,
        "base_tick": encoded.base_tick,
        "delta": encoded.delta,
        "keyframe": encoded.keyframe,
    }


def followed(frames: list[Any], schema: StateSchema = SCHEMA) -> list[Any]:
    """The state a client holds after following ``frames`` from the first KEYFRAME on."""
    state = None
    for message in frames:
        if message["keyframe"] is not None and (
            message["delta"] is None or state is None or state.tick != message["base_tick"]
        ):
            state = apply_frame(schema, None, decode(message["keyframe"]))
        elif state is not None:
            state = apply_frame(schema, state, decode(message["delta"]))
    assert state is not None
    return state.to_keyframe()


def test_messages_come_out_delay_ticks_later_in_order() -> None:
    stream = DelayedStream(3, SCHEMA)
    snapshots = published(6)
    out = []
    for now, message in enumerate(snapshots, start=1):
        stream.push(now, message)
        out.append([m["tick"] for m in stream.release(now)])
    out += [[m["tick"] for m in stream.release(now)] for now in (7, 8, 9, 10)]
    assert out == [[], [], [], [1], [2], [3], [4], [5], [6], []]
    assert stream.idle


def test_a_late_release_hands_over_everything_due_at_once() -> None:
    stream = DelayedStream(2, SCHEMA)
    for now, message in enumerate(published(5), start=1):
        stream.push(now, message)
    assert [m["tick"] for m in stream.release(6)] == [1, 2, 3, 4]
    assert stream.tick == 4


def test_result_and_close_keep_their_place() -> None:
    stream = DelayedStream(2, SCHEMA)
    last = published(1)[0]
    result = {"type": messages.RESULT, "match_id": "m", "frame": b"R"}
    closed = {"type": messages.CLOSED, "match_id": "m", "code": 4006, "reason": "match over"}
    stream.push(1, last)
    stream.push(1, result)
    stream.push(2, closed)
    assert stream.release(3) == [last, result]
    assert stream.release(4) == [closed] and stream.idle


def test_the_pending_messages_stay_within_the_delay() -> None:
    stream = DelayedStream(4, SCHEMA)
    for now, message in enumerate(published(40), start=1):
        stream.push(now, message)
        stream.release(now)
        assert len(stream._pending) <= 4


@pytest.mark.parametrize(
    ("released", "wanted"),
    [(1, ()), (5, ()), (8, ()), (9, ()), (13, ()), (13, (11,)), (30, (3, 20, 21))],
    ids=lambda v: str(v),
)
def test_the_catch_up_is_the_keyframe_of_the_tick_the_stream_is_at(
    released: int, wanted: tuple[int, ...]
) -> None:
    stream = DelayedStream(5, SCHEMA)
    snapshots = published(released + 5, wanted=wanted)
    for now, message in enumerate(snapshots, start=1):
        stream.push(now, message)
        stream.release(now)
    assert stream.tick == released
    catch_up = stream.catch_up()
    assert catch_up is not None
    assert (catch_up["tick"], catch_up["delta"], catch_up["base_tick"]) == (released, None, None)
    assert decode(catch_up["keyframe"]) == followed(snapshots[:released])
    # the next DELTA the stream releases applies to it
    stream.release(len(snapshots) + 1)
    following = snapshots[released]
    if following["delta"] is not None:
        state = apply_frame(
            SCHEMA,
            apply_frame(SCHEMA, None, decode(catch_up["keyframe"])),
            decode(following["delta"]),
        )
        assert state.to_keyframe() == followed(snapshots[: released + 1])


def test_a_keyframe_released_last_is_its_own_catch_up_and_rebuilds_are_kept() -> None:
    stream = DelayedStream(2, SCHEMA)
    snapshots = published(12, keyframe_interval=8)
    for now, message in enumerate(snapshots[:11], start=1):
        stream.push(now, message)
        stream.release(now)
    assert stream.tick == 9 and snapshots[8]["keyframe"] is not None  # tick 9: periodic
    assert stream.catch_up()["keyframe"] is snapshots[8]["keyframe"]  # type: ignore[index]
    stream.push(12, snapshots[11])
    stream.release(12)
    first = stream.catch_up()
    assert first is stream.catch_up(), "one rebuild per tick, however many join"


def test_before_anything_is_released_the_catch_up_is_the_first_keyframe_to_come() -> None:
    stream = DelayedStream(10, SCHEMA)
    assert stream.catch_up() is None
    snapshots = published(3)
    for now, message in enumerate(snapshots, start=1):
        stream.push(now, message)
    catch_up = stream.catch_up()
    assert catch_up is not None and catch_up["tick"] == 1
    assert catch_up["keyframe"] is snapshots[0]["keyframe"]


def test_a_delay_needs_a_tick() -> None:
    with pytest.raises(ValueError):
        DelayedStream(0, SCHEMA)


def sparks_published(ticks: int, keyframe_interval: int = 6) -> list[Any]:
    """The snapshot messages of a Sparks match (globals, tokens that come and go, sparks that
    fly), encoded on change as its engine does: quiet ticks publish nothing."""
    match = Match(SPARKS, SPARKS.mode("solo"), seed=1, max_players=4)
    match.add_player("a")
    encoder = SnapshotEncoder(SPARKS.state, keyframe_interval)
    script = [Op.TOKEN, Op.FIRE, Op.IDLE, Op.LIGHT, Op.TAKE, Op.IDLE, Op.IDLE, Op.LEVEL, Op.MOVE_X]
    out = []
    for index in range(ticks):
        op = script[index % len(script)]
        if op is not Op.IDLE:
            match.apply_input(0, index + 1, (int(op), index % 7 - 3))
        encoded = encoder.encode(
            match, match.step(), 1_000 + index, with_keyframe=False, only_if_changed=True
        )
        if encoded is not None:
            out.append(snapshot_message(encoded))
    return out


@pytest.mark.parametrize("released", [1, 4, 9, 14, 20])
def test_the_catch_up_of_a_synthetic_schema_rebuilds_globals_entities_and_projectiles(
    released: int,
) -> None:
    snapshots = sparks_published(40)
    assert len(snapshots) < 40, "quiet ticks publish nothing"
    stream = DelayedStream(3, SPARKS.state)
    for now, message in enumerate(snapshots[: released + 3], start=1):
        stream.push(now, message)
        stream.release(now)
    assert stream.tick == snapshots[released - 1]["tick"]
    catch_up = stream.catch_up()
    assert catch_up is not None and catch_up["delta"] is None
    assert decode(catch_up["keyframe"]) == followed(snapshots[:released], SPARKS.state)
