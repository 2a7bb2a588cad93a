"""SnapshotStream: newest snapshot only, DELTA chain kept, stalls reported, RESULT never dropped."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from game.stream import SnapshotStream

pytestmark = pytest.mark.timeout(10)


def snapshot(tick: int, base: int | None) -> dict[str, Any]:
    """A relay SNAPSHOT message whose frames name their tick."""
    delta = None if base is None else f"D{tick}/{base}".encode()
    return {
        "type": "match.snapshot",
        "match_id": "m",
        "tick": tick,
        "base_tick": base,
        "delta": delta,
        "keyframe": f"K{tick}".encode(),
    }


class Socket:
    """A fake socket whose sends can be held back, as a client that stops reading does."""

    def __init__(self) -> None:
        self.frames: list[bytes] = []
        self.open = asyncio.Event()
        self.open.set()
        self.arrived = asyncio.Event()

    async def send(self, frame: bytes) -> None:
        await self.open.wait()
        self.frames.append(frame)
        self.arrived.set()

    async def wait_frames(self, count: int) -> list[bytes]:
        async with asyncio.timeout(2):
            while len(self.frames) < count:
                self.arrived.clear()
                await self.arrived.wait()
        return self.frames


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def make_stream(socket: Socket, clock: Clock | None = None) -> tuple[SnapshotStream, list[str]]:
    stalls: list[str] = []
    stream = SnapshotStream(socket.send, lambda: stalls.append("stalled"), 5.0, clock or Clock())
    return stream, stalls


async def test_first_frame_is_a_keyframe_then_deltas_follow_the_chain() -> None:
    socket = Socket()
    stream, _ = make_stream(socket)
    for tick in range(10, 14):
        stream.offer(snapshot(tick, tick - 1))
        await socket.wait_frames(tick - 9)
    assert socket.frames == [b"K10", b"D11/10", b"D12/11", b"D13/12"]
    assert stream.stats.keyframes == 1 and stream.stats.dropped == 0
    await stream.stop()


async def test_keyframe_ticks_go_out_as_keyframes() -> None:
    socket = Socket()
    stream, _ = make_stream(socket)
    for tick, base in ((1, None), (2, 1), (3, None), (4, 3)):
        stream.offer(snapshot(tick, base))
        await socket.wait_frames(tick)
    assert socket.frames == [b"K1", b"D2/1", b"K3", b"D4/3"]
    await stream.stop()


async def test_a_blocked_socket_keeps_only_the_newest_and_resumes_with_a_keyframe() -> None:
    socket = Socket()
    stream, _ = make_stream(socket)
    stream.offer(snapshot(1, None))
    await socket.wait_frames(1)
    socket.open.clear()
    stream.offer(snapshot(2, 1))  # taken by the writer, which now waits on the socket
    await asyncio.sleep(0)
    for tick in range(3, 9):
        stream.offer(snapshot(tick, tick - 1))
    assert stream.stats.dropped == 5  # 3..7 were replaced before they could be written
    socket.open.set()
    await socket.wait_frames(3)
    assert socket.frames == [b"K1", b"D2/1", b"K8"], "tick 8's delta is from 7, which it lacks"
    stream.offer(snapshot(9, 8))
    await socket.wait_frames(4)
    assert socket.frames[-1] == b"D9/8"
    await stream.stop()


async def test_a_socket_behind_for_the_slow_timeout_is_reported_once() -> None:
    socket = Socket()
    clock = Clock()
    stream, stalls = make_stream(socket, clock)
    stream.offer(snapshot(1, None))
    await socket.wait_frames(1)
    socket.open.clear()
    stream.offer(snapshot(2, 1))
    await asyncio.sleep(0)
    for tick in range(3, 100):
        clock.now += 0.05
        stream.offer(snapshot(tick, tick - 1))
    assert stalls == [], "4.8 s behind is within the 5 s allowed"
    for tick in range(100, 200):
        clock.now += 0.05
        stream.offer(snapshot(tick, tick - 1))
    assert stalls == ["stalled"]
    await stream.stop()


async def test_a_socket_that_catches_up_is_not_reported() -> None:
    socket = Socket()
    clock = Clock()
    stream, stalls = make_stream(socket, clock)
    for tick in range(1, 400):
        clock.now += 0.05
        stream.offer(snapshot(tick, tick - 1))
        await socket.wait_frames(tick)  # a healthy client takes every frame
    assert stalls == [] and stream.stats.dropped == 0
    await stream.stop()


async def test_result_is_never_dropped_and_keeps_its_place() -> None:
    socket = Socket()
    stream, _ = make_stream(socket)
    stream.offer(snapshot(1, None))
    await socket.wait_frames(1)
    socket.open.clear()
    stream.offer(snapshot(2, 1))
    await asyncio.sleep(0)
    stream.offer(snapshot(3, 2))
    stream.offer_reliable(b"RESULT")
    stream.offer(snapshot(4, 3))
    socket.open.set()
    await socket.wait_frames(5)
    # 3 came before RESULT, 4 after it
    assert socket.frames == [b"K1", b"D2/1", b"D3/2", b"RESULT", b"D4/3"]
    await stream.stop()


async def test_resync_sends_the_next_snapshot_as_a_keyframe() -> None:
    socket = Socket()
    stream, _ = make_stream(socket)
    stream.offer(snapshot(1, None))
    await socket.wait_frames(1)
    stream.offer(snapshot(2, 1))
    await socket.wait_frames(2)
    stream.resync()
    stream.offer(snapshot(3, 2))
    await socket.wait_frames(3)
    assert socket.frames[1:] == [b"D2/1", b"K3"]
    await stream.stop()


async def test_a_snapshot_older_than_the_last_sent_is_ignored() -> None:
    socket = Socket()
    stream, _ = make_stream(socket)
    stream.offer(snapshot(5, None))
    stream.offer(snapshot(4, 3))  # delivered late by the layer
    stream.offer(snapshot(6, 5))
    await socket.wait_frames(2)
    assert socket.frames == [b"K5", b"D6/5"]
    await stream.stop()


async def test_after_resync_a_keyframe_of_a_tick_already_sent_is_ignored() -> None:
    socket = Socket()
    stream, _ = make_stream(socket)
    stream.offer(snapshot(1, None))
    stream.offer(snapshot(2, 1))
    await socket.wait_frames(2)
    stream.resync()
    stream.offer(snapshot(2, None))  # a catch-up KEYFRAME that raced the client's tick
    stream.offer(snapshot(3, 2))
    await socket.wait_frames(3)
    assert socket.frames == [b"K1", b"D2/1", b"K3"], "ticks only grow"
    await stream.stop()


def delta_only(tick: int) -> dict[str, Any]:
    """A snapshot of a tick on which the engine encoded no KEYFRAME."""
    message = snapshot(tick, tick - 1)
    message["keyframe"] = None
    return message


async def test_without_a_keyframe_the_stream_asks_for_one_and_waits() -> None:
    socket = Socket()
    clock = Clock()
    asked: list[float] = []
    stream = SnapshotStream(socket.send, lambda: None, 5.0, clock, lambda: asked.append(clock.now))
    stream.offer(delta_only(7))  # a new socket cannot use a DELTA
    stream.offer(delta_only(8))  # asked again too soon: not repeated
    clock.now += 0.2
    stream.offer(delta_only(9))
    assert socket.frames == [] and len(asked) == 2
    stream.offer(snapshot(10, 9))  # the engine's answer: this tick carries a KEYFRAME
    stream.offer(delta_only(11))
    await socket.wait_frames(2)
    assert socket.frames == [b"K10", b"D11/10"]
    assert stream.stats.dropped == 3
    await stream.stop()


async def test_frames_go_to_the_direct_writer_while_it_takes_them_then_through_send() -> None:
    socket = Socket()
    written: list[bytes] = []
    taking = [True]

    def write_now(frame: bytes) -> bool:
        if taking[0]:
            written.append(frame)
        return taking[0]

    stream = SnapshotStream(socket.send, lambda: None, 5.0, write_now=write_now)
    stream.offer(snapshot(1, None))
    stream.offer(snapshot(2, 1))
    assert written == [b"K1", b"D2/1"] and socket.frames == []
    taking[0] = False  # the socket's buffer is full: the stream waits on send
    socket.open.clear()
    stream.offer(snapshot(3, 2))
    stream.offer(snapshot(4, 3))  # waits behind the pending write
    socket.open.set()
    assert await socket.wait_frames(2) == [b"D3/2", b"D4/3"]
    assert stream.stats.sent == 4


async def test_a_stream_started_after_a_tick_sends_nothing_older_and_then_a_keyframe() -> None:
    socket = Socket()
    stream = SnapshotStream(socket.send, lambda: None, 5.0)
    stream.restart(after_tick=5)  # the player was seated at tick 5
    stream.offer(snapshot(4, 3))  # taken before the seat, still on its way
    stream.offer(snapshot(5, 4))
    stream.offer(snapshot(6, 5))
    assert await socket.wait_frames(1) == [b"K6"], "the client does not hold tick 5: a KEYFRAME"
