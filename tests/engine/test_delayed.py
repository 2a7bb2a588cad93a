"""The delayed stream: a match's published messages again, later, with a KEYFRAME to join on."""

from __future__ import annotations

from typing import Any

import msgpack
import pytest

from engine import messages
from engine.delayed import DelayedStream
from engine.protocol import Button
from engine.rules import Rules
from engine.simulation import Match
from engine.snapshot import SnapshotEncoder
from engine.snapshot_state import apply_frame

RULES = Rules(tick_rate=20, spawn_points=((400.0, 400.0), (1200.0, 500.0)))


def decode(frame: bytes) -> Any:
    return msgpack.unpackb(frame, raw=False)


def published(ticks: int, keyframe_interval: int = 8, wanted: tuple[int, ...] = ()) -> list[Any]:
    """The snapshot messages an engine publishes for a match with two players moving and
    shooting, one per tick; ``wanted`` ticks carry a KEYFRAME besides their DELTA."""
    match = Match(RULES, seed=3, max_players=2)
    ada, bo = match.add_player("Ada"), match.add_player("Bo")
    encoder = SnapshotEncoder(keyframe_interval)
    out = []
    for index in range(ticks):
        match.apply_input(ada, index + 1, Button.RIGHT | Button.FIRE, 0.3 * index)
        match.apply_input(bo, index + 1, Button.UP if index % 4 else Button.LEFT, -0.2 * index)
        encoded = encoder.encode(
            match, match.step(), 1_000 + index, with_keyframe=match.tick in wanted
        )
        out.append(
            {
                "type": messages.SNAPSHOT,
                "match_id": "m",
                "tick": encoded.tick,
                "base_tick": encoded.base_tick,
                "delta": encoded.delta,
                "keyframe": encoded.keyframe,
            }
        )
    return out


def followed(frames: list[Any]) -> list[Any]:
    """The state a client holds after following ``frames`` from the first KEYFRAME on."""
    state = None
    for message in frames:
        if message["keyframe"] is not None and (
            message["delta"] is None or state is None or state.tick != message["base_tick"]
        ):
            state = apply_frame(None, decode(message["keyframe"]))
        elif state is not None:
            state = apply_frame(state, decode(message["delta"]))
    assert state is not None
    return state.to_keyframe()


def test_messages_come_out_delay_ticks_later_in_order() -> None:
    stream = DelayedStream(3)
    snapshots = published(6)
    out = []
    for now, message in enumerate(snapshots, start=1):
        stream.push(now, message)
        out.append([m["tick"] for m in stream.release(now)])
    out += [[m["tick"] for m in stream.release(now)] for now in (7, 8, 9, 10)]
    assert out == [[], [], [], [1], [2], [3], [4], [5], [6], []]
    assert stream.idle


def test_a_late_release_hands_over_everything_due_at_once() -> None:
    stream = DelayedStream(2)
    for now, message in enumerate(published(5), start=1):
        stream.push(now, message)
    assert [m["tick"] for m in stream.release(6)] == [1, 2, 3, 4]
    assert stream.tick == 4


def test_result_and_close_keep_their_place() -> None:
    stream = DelayedStream(2)
    last = published(1)[0]
    result = {"type": messages.RESULT, "match_id": "m", "frame": b"R"}
    closed = {"type": messages.CLOSED, "match_id": "m", "code": 4006, "reason": "match over"}
    stream.push(1, last)
    stream.push(1, result)
    stream.push(2, closed)
    assert stream.release(3) == [last, result]
    assert stream.release(4) == [closed] and stream.idle


def test_the_pending_messages_stay_within_the_delay() -> None:
    stream = DelayedStream(4)
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
    stream = DelayedStream(5)
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
            apply_frame(None, decode(catch_up["keyframe"])), decode(following["delta"])
        )
        assert state.to_keyframe() == followed(snapshots[: released + 1])


def test_a_keyframe_released_last_is_its_own_catch_up_and_rebuilds_are_kept() -> None:
    stream = DelayedStream(2)
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
    stream = DelayedStream(10)
    assert stream.catch_up() is None
    snapshots = published(3)
    for now, message in enumerate(snapshots, start=1):
        stream.push(now, message)
    catch_up = stream.catch_up()
    assert catch_up is not None and catch_up["tick"] == 1
    assert catch_up["keyframe"] is snapshots[0]["keyframe"]


def test_a_delay_needs_a_tick() -> None:
    with pytest.raises(ValueError):
        DelayedStream(0)
