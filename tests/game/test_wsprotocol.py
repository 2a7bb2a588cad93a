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

from game.wsprotocol import FRAME_SINK, FRAME_WRITER, ArenaWebSocketProtocol, binary_frame

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
async def serving(app: SinkApp) -> AsyncIterator[str]:
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


def test_a_frame_is_encoded_once_per_message() -> None:
    payload = bytes(range(50))
    assert binary_frame(payload) is binary_frame(bytes(range(50)))
    assert binary_frame(payload) == b"\x82\x32" + payload
