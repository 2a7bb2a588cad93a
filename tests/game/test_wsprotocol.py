"""ArenaWebSocketProtocol inside a real uvicorn server: binary frames to the frame sink."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
from collections.abc import AsyncIterator
from typing import Any

import pytest
import uvicorn
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from game import wsprotocol
from game.wsprotocol import (
    ENCODED_FRAMES_CACHED,
    FRAME_SINK,
    FRAME_WRITER,
    ArenaWebSocketProtocol,
    FrameCutter,
    binary_frame,
)

pytestmark = pytest.mark.timeout(20)


class SinkApp:
    """Accepts a socket, registers a frame sink, and reports what came which way on "report"."""

    def __init__(self, register: bool) -> None:
        self.register = register
        self.sunk: list[bytes] = []
        self.through_asgi: list[dict[str, Any]] = []

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        assert scope["type"] == "websocket"
        assert (await receive())["type"] == "websocket.connect"
        await send({"type": "websocket.accept"})
        if self.register:
            scope["extensions"][FRAME_SINK](self.sunk.append)
        while True:
            message = await receive()
            if message["type"] == "websocket.disconnect":
                return
            self.through_asgi.append(message)
            if message.get("text") == "report":
                report = {"sunk": [frame.hex() for frame in self.sunk]}
                await send({"type": "websocket.send", "text": json.dumps(report)})


@contextlib.asynccontextmanager
async def serving(app: Any, max_size: int = 16 * 1024 * 1024) -> AsyncIterator[str]:
    """``app`` behind uvicorn with the Arena protocol on a free local port."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        ws=ArenaWebSocketProtocol,
        lifespan="off",
        log_level="warning",
        ws_max_size=max_size,
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.01)
    try:
        yield f"ws://127.0.0.1:{port}/"
    finally:
        server.should_exit = True
        await task


async def test_binary_frames_go_to_the_registered_sink_and_text_through_asgi() -> None:
    app = SinkApp(register=True)
    frames = [b"\x93\x01\x02\x03", b"", b"\xff" * 300]
    async with serving(app) as url, connect(url, compression=None) as client:
        for frame in frames:
            await client.send(frame)
        await client.send("report")
        report = json.loads(await client.recv())
    assert report["sunk"] == [frame.hex() for frame in frames]
    assert [m.get("text") for m in app.through_asgi] == ["report"], "no binary frame via ASGI"


async def test_without_a_sink_binary_frames_stay_on_asgi() -> None:
    app = SinkApp(register=False)
    async with serving(app) as url, connect(url, compression=None) as client:
        await client.send(b"\x91\x03")
        await client.send("report")
        report = json.loads(await client.recv())
    assert report["sunk"] == []
    assert [m.get("bytes") for m in app.through_asgi] == [b"\x91\x03", None]


class WriterApp:
    """Accepts a socket and writes binary messages with the frame writer until it refuses."""

    def __init__(self, payloads: list[bytes]) -> None:
        self.payloads = payloads
        self.written = 0
        self.refused = False
        self.done = asyncio.Event()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        assert (await receive())["type"] == "websocket.connect"
        await send({"type": "websocket.accept"})
        write_now = scope["extensions"][FRAME_WRITER]
        for payload in self.payloads:
            if not write_now(payload):
                self.refused = True
                break
            self.written += 1
        self.done.set()
        while (await receive())["type"] != "websocket.disconnect":
            pass


async def test_the_frame_writer_writes_whole_binary_frames_the_client_reads() -> None:
    payloads = [b"\x93\x01\x02\x03", b"", b"\xab" * 200, b"\xcd" * 70_000]
    app = WriterApp(payloads)
    async with serving(app) as url, connect(url, compression=None, max_size=None) as client:
        received = [await client.recv() for _ in payloads]
    assert received == payloads and app.written == len(payloads) and not app.refused


async def test_the_frame_writer_refuses_once_a_client_that_does_not_read_fills_the_buffer() -> None:
    app = WriterApp([b"\xee" * 1000] * 100_000)  # 100 MB: far beyond any buffer
    async with serving(app) as url, connect(url, compression=None, max_size=None):
        async with asyncio.timeout(10):
            await app.done.wait()  # the client reads nothing meanwhile
    assert app.refused, "a full buffer makes the writer refuse: the app then waits on ASGI send"
    assert 0 < app.written < 100_000


class CloseApp:
    """Writes a frame, closes with 4000 (``by_client``: waits for the client's close), then
    tries the frame writer again."""

    def __init__(self, by_client: bool) -> None:
        self.by_client = by_client
        self.after_close: bool | None = None

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        assert (await receive())["type"] == "websocket.connect"
        await send({"type": "websocket.accept"})
        write_now = scope["extensions"][FRAME_WRITER]
        assert write_now(b"before")
        if self.by_client:
            while (await receive())["type"] != "websocket.disconnect":
                pass
            self.after_close = write_now(b"after")
            return
        await send({"type": "websocket.close", "code": 4000})
        self.after_close = write_now(b"after")
        while (await receive())["type"] != "websocket.disconnect":
            pass


@pytest.mark.parametrize("by_client", [False, True])
async def test_the_frame_writer_refuses_once_the_socket_is_closing(by_client: bool) -> None:
    app = CloseApp(by_client)
    async with serving(app) as url, connect(url, compression=None) as client:
        assert await client.recv() == b"before"
        if by_client:
            await client.close(4001)
        else:
            with pytest.raises(ConnectionClosed) as closed:
                await client.recv()
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 4000
        async with asyncio.timeout(5):
            while app.after_close is None:
                await asyncio.sleep(0.01)
    assert app.after_close is False, "no frame after a close"


def test_a_frame_is_encoded_once_per_message() -> None:
    payload = bytes(range(50))
    assert binary_frame(payload) is binary_frame(bytes(range(50)))
    assert binary_frame(payload) == b"\x82\x32" + payload


def client_frame(
    payload: bytes, first: int = 0x82, mask: bytes | None = b"\x01\x02\x03\x04"
) -> bytes:
    """A client frame as RFC 6455 5.2 lays it out (masked unless ``mask`` is None)."""
    length = len(payload)
    if length < 126:
        header = bytes([first, length | (0x80 if mask else 0)])
    elif length < 65536:
        header = bytes([first, 126 | (0x80 if mask else 0)]) + length.to_bytes(2, "big")
    else:
        header = bytes([first, 127 | (0x80 if mask else 0)]) + length.to_bytes(8, "big")
    if mask is None:
        return header + payload
    return header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


class Cut:
    """What a FrameCutter handed where."""

    def __init__(self, max_size: int = 512) -> None:
        self.binary: list[bytes] = []
        self.other: list[bytes] = []
        self.cutter = FrameCutter(
            lambda p, _raw: self.binary.append(p), self.other.append, max_size
        )


def test_the_cutter_unmasks_binary_frames_whatever_the_reads_split_them_into() -> None:
    payloads = [b"\x93\x01\x02\x03", b"", b"\xab" * 125, b"\xcd" * 126, b"\xef" * 400]
    stream = b"".join(client_frame(p) for p in payloads)
    for chunk in (1, 2, 3, 7, len(stream)):
        cut = Cut()
        for start in range(0, len(stream), chunk):
            assert cut.cutter.cut(stream[start : start + chunk]) is None
        assert cut.binary == payloads and cut.other == [] and cut.cutter.pending == b""


def test_the_cutter_hands_other_frames_whole_and_goes_on() -> None:
    ping = client_frame(b"hi", first=0x89)
    text = client_frame(b"report", first=0x81)
    unmasked = client_frame(b"\x01", mask=None)
    cut = Cut()
    stream = client_frame(b"\x01") + ping + text + unmasked + client_frame(b"\x02")
    assert cut.cutter.cut(stream) is None
    assert cut.binary == [b"\x01", b"\x02"] and cut.other == [ping, text, unmasked]


def test_a_fragmented_message_or_an_oversized_frame_ends_the_cutting() -> None:
    first_fragment = client_frame(b"\x01", first=0x02)
    cut = Cut()
    rest = cut.cutter.cut(client_frame(b"\x09") + first_fragment + client_frame(b"\x02"))
    assert rest == first_fragment + client_frame(b"\x02") and cut.cutter.done
    assert cut.binary == [b"\x09"]
    huge = Cut(max_size=512)
    header = bytes([0x82, 0xFF]) + (2**40).to_bytes(8, "big")  # a terabyte announced
    assert huge.cutter.cut(header) == header and huge.binary == []


async def raw_socket(url: str) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """A TCP connection that has done the WebSocket handshake and reads nothing more."""
    port = int(url.rsplit(":", 1)[1].strip("/"))
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(
        b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    )
    response = await reader.readuntil(b"\r\n\r\n")
    assert response.startswith(b"HTTP/1.1 101")
    return reader, writer


async def test_frames_cut_by_the_server_reach_the_sink_and_pings_are_answered() -> None:
    app = SinkApp(register=True)
    async with serving(app) as url:
        reader, writer = await raw_socket(url)
        stream = client_frame(b"\x01") + client_frame(b"ping", first=0x89) + client_frame(b"\x02")
        for byte in stream:  # one byte per write: every frame split across reads
            writer.write(bytes([byte]))
            await writer.drain()
        pong = await reader.readexactly(6)
        assert pong == b"\x8a\x04ping"
        writer.write(client_frame(b"report", first=0x81))
        header = await reader.readexactly(2)
        report = json.loads(await reader.readexactly(header[1]))
        writer.close()
    assert report["sunk"] == ["01", "02"]


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        (client_frame(b"\x01" * 600), 1009),  # beyond --ws-max-size
        (client_frame(b"\x01", mask=None), 1002),  # a client's frames must be masked
    ],
)
async def test_frames_the_cutter_refuses_are_closed_by_the_library_with_its_code(
    frame: bytes, code: int
) -> None:
    app = SinkApp(register=True)
    async with serving(app, max_size=512) as url:
        reader, writer = await raw_socket(url)
        writer.write(frame)
        header = await reader.readexactly(2)
        assert header[0] == 0x88
        body = await reader.readexactly(header[1] & 0x7F)
        writer.close()
    assert int.from_bytes(body[:2], "big") == code and app.sunk == []


def test_the_encoded_frames_kept_stay_bounded() -> None:
    for number in range(ENCODED_FRAMES_CACHED + 10):
        binary_frame(number.to_bytes(4, "big"))
    assert len(wsprotocol._encoded_frames) <= ENCODED_FRAMES_CACHED
    assert binary_frame(b"xy") == b"\x82\x02xy", "encoded again once forgotten"
