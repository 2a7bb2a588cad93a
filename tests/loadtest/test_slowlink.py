"""The user-space slow link: delays each way while slowed, in order, and a lost chunk stalls."""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections.abc import AsyncIterator

import pytest

from loadtest.slowlink import MIN_RTO, Link, pipe

pytestmark = pytest.mark.timeout(10)

DELAY = 0.1


@contextlib.asynccontextmanager
async def echo_through(
    link: Link,
) -> AsyncIterator[tuple[asyncio.StreamReader, asyncio.StreamWriter]]:
    """A connection to an echo server through the link."""

    async def echo(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while data := await reader.read(1024):
            writer.write(data)
            await writer.drain()
        writer.close()

    async def relayed(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(*echoing.sockets[0].getsockname())
        await asyncio.gather(pipe(reader, up_writer, link), pipe(up_reader, writer, link))
        writer.close()

    echoing = await asyncio.start_server(echo, "127.0.0.1", 0)
    relay = await asyncio.start_server(relayed, "127.0.0.1", 0)
    async with echoing, relay:
        reader, writer = await asyncio.open_connection(*relay.sockets[0].getsockname())
        yield reader, writer
        writer.close()


async def round_trip(link: Link, data: bytes) -> tuple[float, bytes]:
    async with echo_through(link) as (reader, writer):
        started = time.monotonic()
        writer.write(data)
        await writer.drain()
        echoed = await reader.readexactly(len(data))
        return time.monotonic() - started, echoed


async def test_a_slowed_link_delays_each_way() -> None:
    seconds, echoed = await round_trip(Link(DELAY, 0, True, random.Random(1)), b"ping")
    assert echoed == b"ping"
    assert 2 * DELAY <= seconds < 2 * DELAY + 0.15


async def test_a_fast_link_does_not_delay() -> None:
    seconds, _ = await round_trip(Link(DELAY, 100, False, random.Random(1)), b"ping")
    assert seconds < DELAY


async def test_a_lost_chunk_is_held_a_retransmission_timeout() -> None:
    seconds, _ = await round_trip(Link(DELAY, 100, True, random.Random(1)), b"ping")
    assert seconds >= 2 * (DELAY + MIN_RTO + DELAY)


async def test_chunks_arrive_in_order_however_long_each_is_held() -> None:
    link = Link(0.01, 50, True, random.Random(3))
    async with echo_through(link) as (reader, writer):
        for index in range(20):
            writer.write(b"%02d" % index)
            await writer.drain()
            await asyncio.sleep(0.005)
        echoed = await reader.readexactly(40)
    assert echoed == b"".join(b"%02d" % i for i in range(20))
