"""The embedded server restarted under a match: the match ends, and nobody waits for it."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from engine.protocol import CloseCode, MessageType
from loadtest.stack import Stack, base_env, free_port, http_json, ticket_url
from tests.helpers import decode

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(90)]


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    """An embedded server (no Redis, no engine process), restartable on the same port."""
    stack = Stack(base_env(tmp_path, None, "embedded"), tmp_path)
    try:
        yield stack
    finally:
        stack.stop()


async def join_and_play(url: str) -> None:
    """Join with a ticket and wait for the first snapshot."""
    async with connect(url, open_timeout=5) as socket:
        async with asyncio.timeout(5):
            while decode(await socket.recv())[0] != MessageType.SNAPSHOT:
                pass


async def refused(url: str) -> tuple[list[int], int | None]:
    """The frame types a socket receives before the server closes it, and the close code."""
    kinds: list[int] = []
    async with connect(url, open_timeout=5) as socket:
        try:
            async with asyncio.timeout(15):
                while True:
                    kinds.append(decode(await socket.recv())[0])
        except ConnectionClosed as closed:
            return kinds, closed.rcvd.code if closed.rcvd else None
    return kinds, None


@pytest.mark.parametrize(
    ("signum", "reason"), [(signal.SIGTERM, "interrupted"), (signal.SIGKILL, "lost")]
)
def test_a_match_of_a_restarted_embedded_server_ends_and_is_refused(
    stack: Stack, signum: int, reason: str
) -> None:
    port = free_port()
    stack.migrate()
    base = stack.start_web("web-1", port=port)
    status, match = http_json("POST", f"{base}/api/matches/", {"mode": "duel"})
    assert status == 201
    asyncio.run(join_and_play(ticket_url(base, match, "Ada")))
    stack.send_signal("web-1", signum)
    stack.process("web-1").wait(timeout=15)
    stack.start_web("web-2", port=port)
    url = f"{base}/api/matches/{match['id']}/"
    stack.wait_until(lambda: http_json("GET", url)[1]["status"] == "over", "the match to end")
    assert http_json("GET", url)[1]["result"]["reason"] == reason
    status, body = http_json("POST", f"{url}tickets/", {"name": "Ada"})
    assert status == 409, body
    listed = http_json("GET", f"{base}/api/matches/")[1]["matches"]
    assert match["id"] not in [m["id"] for m in listed]
    spectate = base.replace("http://", "ws://") + f"/ws/spectate/{match['id']}/"
    assert asyncio.run(refused(spectate)) == ([], CloseCode.MATCH_OVER)


def test_a_socket_of_a_lost_match_is_told_at_once_without_waiting_for_the_sweep(
    stack: Stack, tmp_path: Path
) -> None:
    port = free_port()
    stack.migrate()
    base = stack.start_web("web-1", port=port)
    status, match = http_json("POST", f"{base}/api/matches/", {"mode": "duel"})
    url = ticket_url(base, match, "Ada")  # issued before the crash
    stack.send_signal("web-1", signal.SIGKILL)
    stack.process("web-1").wait(timeout=15)
    stack.start_web("web-2", port=port)
    kinds, code = asyncio.run(refused(url))
    assert (kinds, code) == ([MessageType.RESULT], CloseCode.MATCH_OVER)
    detail = http_json("GET", f"{base}/api/matches/{match['id']}/")[1]
    assert (detail["status"], detail["result"]["reason"]) == ("over", "lost")
