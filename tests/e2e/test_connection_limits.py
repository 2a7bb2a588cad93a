"""Hostile traffic against a real web process: per-address limits, the lobby cap, slowloris.

One uvicorn process with the production flags and small limits. Clients come from the test
documentation addresses through ``X-Forwarded-For`` (the peer, 127.0.0.1, is the trusted
proxy), so each test has addresses of its own; 127.0.0.2 is a peer that is no proxy.
"""

from __future__ import annotations

import asyncio
import itertools
import select
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from game.lobbycap import TOO_MANY_LOBBY_SOCKETS
from loadtest.stack import Stack, base_env, guest_cookie

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(60)]

BURST = 5
MAX_OPEN = 2
HANDSHAKE_TIMEOUT = 0.5


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One embedded web process with small limits; its base URL."""
    tmp: Path = tmp_path_factory.mktemp("limits")
    env = base_env(
        tmp,
        None,
        "limits",
        ARENA_DEBUG="true",
        ARENA_IP_CONNECT_RATE="0.01",
        ARENA_IP_CONNECT_BURST=str(BURST),
        ARENA_IP_MAX_SOCKETS=str(MAX_OPEN),
        ARENA_SESSION_LOBBY_SOCKETS="1",
        ARENA_HANDSHAKE_TIMEOUT=str(HANDSHAKE_TIMEOUT),
        ARENA_TRUSTED_PROXIES="127.0.0.1",
    )
    stack = Stack(env, tmp)
    try:
        stack.migrate()
        yield stack.start_web("web")
    finally:
        stack.stop()


def ws(base: str, path: str) -> str:
    return base.replace("http://", "ws://") + path


async def lobby(base: str, client: str, cookie: str | None = None) -> ClientConnection:
    """A lobby socket of a new guest (or of ``cookie``) from ``client``, once welcomed."""
    cookie = cookie or await asyncio.to_thread(guest_cookie, base)
    headers = {"Cookie": cookie, "X-Forwarded-For": client}
    socket = await connect(ws(base, "/ws/lobby/?name=Ada"), additional_headers=headers)
    await socket.recv()  # LOBBY_WELCOME
    return socket


async def refused_status(base: str, client: str, **kwargs: object) -> int:
    """The HTTP status a refused upgrade from ``client`` gets (fails if it is accepted)."""
    headers = {"X-Forwarded-For": client}
    with pytest.raises(InvalidStatus) as refused:
        await connect(ws(base, "/ws/spectate/none/"), additional_headers=headers, **kwargs)
    return refused.value.response.status_code


async def spectate_once(base: str, client: str, **kwargs: object) -> int:
    """Open a spectator socket of a match that does not exist: its close code (4004)."""
    headers = {"X-Forwarded-For": client}
    async with connect(ws(base, "/ws/spectate/none/"), additional_headers=headers, **kwargs) as s:
        with pytest.raises(ConnectionClosed):
            await s.recv()
        assert s.close_code is not None
        return s.close_code


async def test_an_address_opens_only_so_many_sockets_at_once(web: str) -> None:
    held = [await lobby(web, "203.0.113.1") for _ in range(MAX_OPEN)]
    assert await refused_status(web, "203.0.113.1") == 429
    other = await lobby(web, "203.0.113.2")  # another address is not affected
    await held.pop().close()
    held.append(await lobby(web, "203.0.113.1"))  # one closed: one more may open
    for s in [*held, other]:
        await s.close()


async def test_an_address_opens_only_so_many_sockets_a_second(web: str) -> None:
    for _ in range(BURST):
        assert await spectate_once(web, "203.0.113.9") == 4004
    headers = {"X-Forwarded-For": "203.0.113.9"}
    with pytest.raises(InvalidStatus) as refused:
        await connect(ws(web, "/ws/spectate/none/"), additional_headers=headers)
    response = refused.value.response
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) >= 1
    assert b"new sockets a second" in response.body
    assert await spectate_once(web, "203.0.113.10") == 4004


async def test_a_peer_that_is_no_proxy_is_known_by_its_own_address(web: str) -> None:
    peer = {"local_addr": ("127.0.0.2", 0)}
    for index in range(BURST):  # a new X-Forwarded-For each time: not believed
        assert await spectate_once(web, f"198.51.100.{index}", **peer) == 4004
    # counted once each (the web server's protocol takes the token, the middleware does not),
    # and refused by the protocol with the same answer as behind the proxy
    with pytest.raises(InvalidStatus) as refused:
        await connect(
            ws(web, "/ws/spectate/none/"), additional_headers={"X-Forwarded-For": "x"}, **peer
        )
    response = refused.value.response
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) >= 1
    assert b"new sockets a second" in response.body


async def test_a_session_has_one_lobby_socket_here(web: str) -> None:
    cookie = await asyncio.to_thread(guest_cookie, web)
    first = await lobby(web, "203.0.113.20", cookie)
    headers = {"Cookie": cookie, "X-Forwarded-For": "203.0.113.21"}
    async with connect(ws(web, "/ws/lobby/?name=Ada"), additional_headers=headers) as second:
        with pytest.raises(ConnectionClosed):
            await second.recv()
        assert second.close_code == TOO_MANY_LOBBY_SOCKETS
    await first.close()
    # The first socket's place is given back once its consumer has finished (the server may
    # still be at it when the close handshake ends): room again within moments.
    deadline = time.monotonic() + 5
    for attempt in itertools.count():  # each from its own address: the per-address rate stays out
        headers["X-Forwarded-For"] = f"203.0.113.{30 + attempt % 200}"
        again = await connect(ws(web, "/ws/lobby/?name=Ada"), additional_headers=headers)
        try:
            await again.recv()  # LOBBY_WELCOME, or the cap's close
            break
        except ConnectionClosed:
            assert again.close_code == TOO_MANY_LOBBY_SOCKETS
            assert time.monotonic() < deadline, "the first socket's place was never given back"
    await again.close()


def read_all(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection."""
    chunks = []
    while chunk := sock.recv(4096):
        chunks.append(chunk)
    return b"".join(chunks)


def test_a_connection_that_sends_nothing_is_closed_with_408(web: str) -> None:
    host, port = web.removeprefix("http://").split(":")
    started = time.monotonic()
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        answer = read_all(sock)
    assert answer.startswith(b"HTTP/1.1 408 ")
    assert HANDSHAKE_TIMEOUT <= time.monotonic() - started < HANDSHAKE_TIMEOUT + 5


def test_an_upgrade_sent_a_byte_at_a_time_is_cut_off(web: str) -> None:
    host, port = web.removeprefix("http://").split(":")
    request = b"GET /ws/lobby/?name=Ada HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n" * 4
    started = time.monotonic()
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        for byte in request:  # a byte every 50 ms, until the server answers
            readable, _, _ = select.select([sock], [], [], HANDSHAKE_TIMEOUT / 10)
            if readable:
                break
            sock.sendall(bytes([byte]))
        else:
            pytest.fail("the slow request was never cut off")
        answer = read_all(sock)
    assert answer.startswith(b"HTTP/1.1 408 ")
    assert time.monotonic() - started < HANDSHAKE_TIMEOUT + 5


async def test_plain_requests_pass(web: str) -> None:
    cookie = await asyncio.to_thread(guest_cookie, web)
    assert "csrftoken=" in cookie or "sessionid=" in cookie
