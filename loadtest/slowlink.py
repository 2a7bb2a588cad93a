"""A slow, lossy link in user space, for kernels without ``tc netem``: a TCP relay.

``python -m loadtest.slowlink --listen HOST:PORT --to HOST:PORT --delay-ms 50 --loss 2`` relays
every connection to ``--to``. While it is slowed (SIGUSR1 slows it, SIGUSR2 makes it fast again;
``--slow`` starts it slowed) every chunk of bytes read is written ``--delay-ms`` later, in order,
each way, and ``--loss`` percent of the chunks are held one retransmission timeout longer
(Linux's minimum, 200 ms, plus the delay): what a lost segment costs a TCP connection, which
resends it. Packets are never really lost, so this is an approximation of ``netem loss``: the
stall of a lost segment, and the head-of-line blocking behind it, without the sender's
congestion window shrinking.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import random
import signal
import sys
import time

logger = logging.getLogger(__name__)

MIN_RTO = 0.2  # seconds: Linux's minimum retransmission timeout
CHUNK = 65536


class Link:
    """The relay's state: slowed or not, and by how much."""

    def __init__(self, delay: float, loss: float, slow: bool, rng: random.Random) -> None:
        self.delay = delay
        self.loss = loss
        self.slow = slow
        self.rng = rng

    def holds(self) -> float:
        """Seconds the chunk read now is held."""
        if not self.slow:
            return 0.0
        extra = MIN_RTO + self.delay if self.rng.random() < self.loss / 100 else 0.0
        return self.delay + extra


async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, link: Link) -> None:
    """Copy one direction, each chunk after the link's delay, never out of order."""
    queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

    async def deliver() -> None:
        while True:
            due, data = await queue.get()
            if not data:
                break
            await asyncio.sleep(max(0.0, due - time.monotonic()))
            writer.write(data)
            await writer.drain()
        with contextlib.suppress(OSError):
            writer.write_eof()

    delivering = asyncio.create_task(deliver())
    last_due = 0.0
    try:
        while data := await reader.read(CHUNK):
            last_due = max(last_due, time.monotonic() + link.holds())
            queue.put_nowait((last_due, data))
    except OSError as exc:
        logger.debug("relay read ended: %s", exc)
    queue.put_nowait((last_due, b""))
    try:
        await delivering
    except OSError as exc:
        logger.debug("relay write ended: %s", exc)


async def relay(listen: tuple[str, int], target: tuple[str, int], link: Link) -> None:
    """Serve until cancelled."""

    async def connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(*target)
        except OSError as exc:
            logger.warning("cannot reach %s:%d: %s", *target, exc)
            writer.close()
            return
        try:
            await asyncio.gather(
                pipe(reader, upstream_writer, link), pipe(upstream_reader, writer, link)
            )
        finally:
            writer.close()
            upstream_writer.close()

    server = await asyncio.start_server(connection, *listen)
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGUSR1, lambda: setattr(link, "slow", True))
    loop.add_signal_handler(signal.SIGUSR2, lambda: setattr(link, "slow", False))
    print("listening", flush=True)
    async with server:
        await server.serve_forever()


def _address(text: str) -> tuple[str, int]:
    host, port = text.rsplit(":", 1)
    return host, int(port)


def main(argv: list[str] | None = None) -> int:
    """Run the relay until killed."""
    parser = argparse.ArgumentParser(prog="python -m loadtest.slowlink", description=__doc__)
    parser.add_argument("--listen", type=_address, required=True)
    parser.add_argument("--to", type=_address, required=True)
    parser.add_argument("--delay-ms", type=float, default=50.0, help="each way")
    parser.add_argument("--loss", type=float, default=2.0, help="percent of chunks, each way")
    parser.add_argument("--slow", action="store_true", help="slowed from the start")
    args = parser.parse_args(argv)
    link = Link(args.delay_ms / 1000, args.loss, args.slow, random.Random(11))
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(relay(args.listen, args.to, link))
    return 0


if __name__ == "__main__":
    sys.exit(main())
