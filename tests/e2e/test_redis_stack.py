"""The production shape for real: uvicorn and runengine processes on one Redis, real sockets."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import msgpack
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from engine.games.shooter.wire import Button, PlayerFlag
from engine.protocol import CloseCode, MessageType
from engine.wirestate import is_snapshot
from loadtest.stack import Stack, base_env, http_json, ticket_url
from tests.helpers import client_frame as next_frame
from tests.helpers import client_frame_of as next_of
from tests.helpers import follower, player_entry, reading_in_background

pytestmark = [pytest.mark.e2e, pytest.mark.redis, pytest.mark.timeout(120)]


def ws_url(base: str, match: dict[str, Any], name: str) -> str:
    return ticket_url(base, match, name)


def create(base: str, body: dict[str, Any]) -> dict[str, Any]:
    status, match = http_json("POST", f"{base}/api/matches/", body)
    assert status == 201, match
    return match


@contextlib.asynccontextmanager
async def player(url: str, **kwargs: Any) -> AsyncIterator[ClientConnection]:
    async with connect(url, compression=None, open_timeout=5, **kwargs) as socket:
        yield socket


def draining(socket: ClientConnection) -> contextlib.AbstractAsyncContextManager[None]:
    """Keep reading a socket in the background, its snapshot chain followed."""
    return reading_in_background(lambda: next_frame(socket))


def input_frame(seq: int, buttons: int) -> bytes:
    return msgpack.packb([MessageType.INPUT, seq, buttons, 0])


@pytest.fixture(params=["pubsub", "core"])
def stack(
    request: pytest.FixtureRequest, tmp_path: Path, redis_url: str, redis_prefix: str
) -> Iterator[tuple[Stack, str]]:
    """One engine worker and one web process on real Redis, for each channel layer backend."""
    env = base_env(tmp_path, redis_url, redis_prefix, ARENA_CHANNEL_LAYER=request.param)
    stack = Stack(env, tmp_path)
    try:
        [base] = stack.start_all(["engine-a"], ["web-a"])
        yield stack, base
    finally:
        stack.stop()


async def test_snapshots_arrive_at_the_tick_rate_and_inputs_move_the_player(
    stack: tuple[Stack, str],
) -> None:
    _, base = stack
    match = create(base, {"mode": "duel"})
    async with player(ws_url(base, match, "Ada")) as ada, player(ws_url(base, match, "Bo")) as bo:
        welcome = await next_frame(ada)
        assert welcome[0] == MessageType.WELCOME
        me = welcome[1]["player_id"]
        async with draining(bo):
            ticks: list[int] = []
            started = time.monotonic()
            while time.monotonic() - started < 2.0:
                frame = await next_frame(ada)
                if is_snapshot(frame):
                    ticks.append(frame[1])
            rate = len(ticks) / 2.0
            assert 17 <= rate <= 23, f"{rate} snapshots/s at a 20 Hz tick rate"
            assert ticks == sorted(ticks) and ticks[-1] - ticks[0] <= len(ticks) + 2

            start = player_entry(await next_of(ada, MessageType.SNAPSHOT), me)
            await ada.send(input_frame(1, Button.DOWN))
            await next_of(
                ada, MessageType.SNAPSHOT, where=lambda s: player_entry(s, me)[2] > start[2] + 100
            )


async def test_a_spectator_watches_a_player_from_the_live_list(
    stack: tuple[Stack, str],
) -> None:
    stack_, base = stack
    match = create(base, {"mode": "duel"})

    def listed() -> dict[str, Any] | None:
        found = http_json("GET", f"{base}/api/matches/live")[1]["matches"]
        return next((m for m in found if m["id"] == match["id"] and m["players"]), None)

    async with player(ws_url(base, match, "Ada")) as ada:
        welcome = await next_of(ada, MessageType.WELCOME)
        me = welcome[1]["player_id"]
        assert welcome[1]["spectators"] == 0
        # engines announce their matches with their heartbeat, once a second
        await asyncio.to_thread(stack_.wait_until, lambda: listed() is not None, "a live match", 5)
        live = listed()
        assert live is not None and [p["name"] for p in live["players"]] == ["Ada"]
        assert (live["spectators"], live["watch_path"]) == (0, f"/ws/spectate/{match['id']}/")
        async with player(base.replace("http://", "ws://") + live["watch_path"]) as watcher:
            spectating = await next_frame(watcher)
            assert spectating[0] == MessageType.SPECTATING
            assert spectating[1]["match_id"] == match["id"]
            assert (spectating[1]["delay_ms"], spectating[1]["spectators"]) == (0, 1)
            keyframe = await next_frame(watcher)
            assert keyframe[0] == MessageType.SNAPSHOT, "a KEYFRAME at once"
            start = player_entry(keyframe, me)
            assert start is not None
            assert await next_of(ada, MessageType.SPECTATORS) == [MessageType.SPECTATORS, 1]
            await asyncio.to_thread(
                stack_.wait_until, lambda: listed()["spectators"] == 1, "a spectator counted", 5
            )
            async with draining(ada):
                await ada.send(input_frame(1, Button.RIGHT))
                kinds = []
                while len(kinds) < 10:
                    frame = await next_frame(watcher)  # DELTAs must apply (ChainFollower)
                    if is_snapshot(frame):
                        kinds.append(frame[0])
                # one periodic KEYFRAME a second at 20 Hz; the rest are DELTAs
                assert kinds.count(MessageType.DELTA) >= 8, kinds
                await next_of(
                    watcher,
                    MessageType.SNAPSHOT,
                    where=lambda s: player_entry(s, me)[1] > start[1] + 100,
                )
                await watcher.send(msgpack.packb([MessageType.FOLLOW, me]))
                await watcher.send(input_frame(2, Button.LEFT))
                with pytest.raises(ConnectionClosed) as closed:
                    while True:
                        await next_frame(watcher)
                assert closed.value.rcvd is not None
                assert closed.value.rcvd.code == CloseCode.READ_ONLY
        await asyncio.to_thread(
            stack_.wait_until, lambda: listed()["spectators"] == 0, "the spectator uncounted", 5
        )


@pytest.mark.parametrize(
    ("bad", "code"),
    [
        ("a text frame", CloseCode.BINARY_ONLY),
        (b"\xc1", CloseCode.PROTOCOL_ERROR),
        (msgpack.packb([MessageType.INPUT, 0, 0, 0]), CloseCode.PROTOCOL_ERROR),
        (msgpack.packb([MessageType.PING, 1, "x" * 70]), CloseCode.FRAME_TOO_LARGE),
        (b"\x91" + bytes(600), CloseCode.MESSAGE_TOO_BIG),  # refused by uvicorn (--ws-max-size)
    ],
    ids=["text", "not-msgpack", "seq-zero", "too-large", "over-ws-max-size"],
)
async def test_frames_taken_straight_from_the_web_server_are_checked_the_same(
    stack: tuple[Stack, str], bad: bytes | str, code: CloseCode
) -> None:
    # under uvicorn with ArenaWebSocketProtocol, binary frames skip ASGI (the frame sink)
    _, base = stack
    match = create(base, {"mode": "duel"})
    async with player(ws_url(base, match, "Ada")) as ada, player(ws_url(base, match, "Bo")) as bo:
        me = (await next_of(ada, MessageType.WELCOME))[1]["player_id"]
        await next_of(bo, MessageType.WELCOME)
        async with draining(bo):
            await ada.send(msgpack.packb([MessageType.PING, 77]))
            assert (await next_of(ada, MessageType.PONG))[1] == 77
            await ada.send(input_frame(3, Button.DOWN))
            await next_of(ada, MessageType.SNAPSHOT, where=lambda s: player_entry(s, me)[6] == 3)
            await ada.send(bad)
            with pytest.raises(ConnectionClosed) as closed:
                while True:
                    await next_frame(ada)
            assert closed.value.rcvd is not None and closed.value.rcvd.code == code
        await next_of(bo, MessageType.SNAPSHOT)  # the other player plays on


async def test_a_quiet_player_stays_connected_past_six_seconds(stack: tuple[Stack, str]) -> None:
    """Nothing reaches the engine's inbox for 7 s; redis-py's 5 s socket timeout must not bite."""
    stack_, base = stack
    match = create(base, {})
    async with player(ws_url(base, match, "Quiet")) as quiet:
        me = (await next_of(quiet, MessageType.WELCOME))[1]["player_id"]
        started = time.monotonic()
        while time.monotonic() - started < 7.0:
            await next_of(quiet, MessageType.SNAPSHOT)
        start = player_entry(await next_of(quiet, MessageType.SNAPSHOT), me)
        await quiet.send(input_frame(1, Button.RIGHT))
        await next_of(
            quiet, MessageType.SNAPSHOT, where=lambda s: player_entry(s, me)[1] > start[1] + 100
        )
    assert "TimeoutError" not in stack_.dump()


async def test_a_restarted_engine_resumes_the_match_its_predecessor_handed_over(
    stack: tuple[Stack, str],
) -> None:
    """The only engine stops (a deploy): its match waits, checkpointed, for the next one."""
    stack_, base = stack
    match = create(base, {})
    async with player(ws_url(base, match, "Ada")) as ada:
        me = (await next_of(ada, MessageType.WELCOME))[1]["player_id"]
        await next_of(ada, MessageType.SNAPSHOT)
        engine = next(p for name, p in stack_.processes if name == "engine-a")
        engine.terminate()
        await asyncio.to_thread(engine.wait, 10)
        stack_.start_engine("engine-a2")
        async with asyncio.timeout(15):
            welcome = await next_of(ada, MessageType.WELCOME)
        assert welcome[1]["player_id"] == me, "the same ship, on the new engine"
        follower(ada).state = None  # the match starts over from a KEYFRAME
        await next_of(ada, MessageType.SNAPSHOT)


async def test_cross_site_browser_sockets_are_refused(stack: tuple[Stack, str]) -> None:
    _, base = stack
    match = create(base, {})
    with pytest.raises(InvalidStatus) as refused:
        async with player(ws_url(base, match, "Eve"), origin="http://evil.example"):
            pass
    assert refused.value.response.status_code == 403
    async with player(ws_url(base, match, "Ada"), origin="http://127.0.0.1"):
        pass


async def test_two_web_processes_and_two_engines_share_one_redis(
    tmp_path: Path, redis_url: str, redis_prefix: str
) -> None:
    stack = Stack(base_env(tmp_path, redis_url, redis_prefix), tmp_path)
    try:
        web_a, web_b = stack.start_all(["engine-a", "engine-b"], ["web-a", "web-b"])
        matches = [create(web_a, {"mode": "duel"}), create(web_b, {"mode": "duel"})]

        def balanced() -> bool:  # heartbeats report each worker's own count once it has the match
            engines = http_json("GET", f"{web_b}/healthz")[1]["engines"]
            return {e["id"]: e["matches"] for e in engines} == {"engine-a": 1, "engine-b": 1}

        stack.wait_until(balanced, "one match on each engine (least-loaded placement)", 5)

        match = matches[0]
        async with (
            player(ws_url(web_a, match, "Ada")) as ada,
            player(ws_url(web_b, match, "Bo")) as bo,
        ):
            ada_id = (await next_of(ada, MessageType.WELCOME))[1]["player_id"]
            bo_id = (await next_of(bo, MessageType.WELCOME))[1]["player_id"]
            async with draining(bo):
                both = await next_of(ada, MessageType.SNAPSHOT, where=lambda s: len(s[5]) == 2)
                assert {p[0] for p in both[5]} == {ada_id, bo_id}
            start = player_entry(await next_of(bo, MessageType.SNAPSHOT), bo_id)
            async with draining(ada):
                await bo.send(input_frame(1, Button.LEFT))
                await next_of(
                    bo,
                    MessageType.SNAPSHOT,
                    where=lambda s: player_entry(s, bo_id)[1] < start[1] - 100,
                )
    finally:
        stack.stop()


class NonReadingClient:
    """A WebSocket client that completes the handshake and then never reads: a stuck client."""

    def __init__(self, url: str, origin: str) -> None:
        parts = urlsplit(url)
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1024)
        self.sock.connect((parts.hostname, parts.port))
        request = (
            f"GET {parts.path}?{parts.query} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
            "Upgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
            f"Origin: {origin}\r\n\r\n"
        )
        self.sock.sendall(request.encode())
        head = b""
        while b"\r\n\r\n" not in head:
            head += self.sock.recv(1)
        assert head.startswith(b"HTTP/1.1 101"), head

    def send_binary(self, payload: bytes) -> None:
        """One masked binary frame (the mask is zero, which leaves the payload as it is)."""
        self.sock.sendall(bytes([0x82, 0x80 | len(payload)]) + b"\0\0\0\0" + payload)

    def read_close_code(self, timeout: float) -> int | None:
        """Read everything the server sent; the close frame's code, or None if cut off."""
        self.sock.settimeout(timeout)
        data = b""
        with contextlib.suppress(OSError):
            while chunk := self.sock.recv(65536):
                data += chunk
        offset = 0
        while offset + 2 <= len(data):
            opcode, length = data[offset] & 0x0F, data[offset + 1] & 0x7F
            offset += 2
            if length == 126:
                (length,) = struct.unpack_from("!H", data, offset)
                offset += 2
            if opcode == 0x8:
                return int(struct.unpack_from("!H", data, offset)[0])
            offset += length
        return None

    def close(self) -> None:
        self.sock.close()


async def test_a_client_that_stops_reading_is_dropped_without_slowing_the_others(
    tmp_path: Path, redis_url: str, redis_prefix: str
) -> None:
    """Tiny buffers and a 2 s timeout make the slow path quick to reach."""
    env = base_env(
        tmp_path,
        redis_url,
        redis_prefix,
        ARENA_WS_WRITE_BUFFER="1024",
        ARENA_WS_SEND_BUFFER="2048",
        ARENA_SLOW_CLIENT_TIMEOUT="2",
    )
    stack = Stack(env, tmp_path)
    try:
        [base] = stack.start_all(["engine-a"], ["web-a"])
        match = create(base, {"mode": "ffa"})
        async with player(ws_url(base, match, "Ada")) as ada:
            await next_of(ada, MessageType.WELCOME)
            slow = NonReadingClient(ws_url(base, match, "Slow"), base)
            started = time.monotonic()
            arrivals: list[float] = []
            slow_connected = True
            while slow_connected:
                assert time.monotonic() - started < 30, "the stuck client was never dropped"
                if len(arrivals) % 2 == 0:
                    slow.send_binary(msgpack.packb([MessageType.RESYNC]))  # keyframes, please
                state = await next_of(ada, MessageType.SNAPSHOT)
                arrivals.append(time.monotonic())
                roster = {entry[1]: entry for entry in state[8]}
                slow_entry = player_entry(state, roster["Slow"][0]) if "Slow" in roster else None
                # once its socket is closed the ship waits, reconnecting, for the grace period
                slow_connected = slow_entry is None or not slow_entry[5] & PlayerFlag.RECONNECTING
            dropped_after = time.monotonic() - started
            code = slow.read_close_code(timeout=2)
            slow.close()
        gaps = sorted(b - a for a, b in zip(arrivals, arrivals[1:], strict=False))
        rate = len(arrivals) / (arrivals[-1] - arrivals[0])
        assert 2 < dropped_after < 20, dropped_after
        assert code == CloseCode.TOO_SLOW
        assert rate >= 17, f"Ada got {rate:.1f} snapshots/s while the stuck client filled up"
        assert gaps[int(len(gaps) * 0.99)] < 0.15, f"Ada's p99 gap {gaps[int(len(gaps) * 0.99)]}"
    finally:
        stack.stop()
