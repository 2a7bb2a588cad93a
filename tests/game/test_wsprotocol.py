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

from game.wsprotocol import FRAME_SINK, ArenaWebSocketProtocol

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
