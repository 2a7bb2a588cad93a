"""Hostile traffic from several client addresses: ``python -m loadtest.flood_attack BASE ...``

Each address (``--addresses 127.0.0.2,127.0.0.3``: loopback aliases need no setup on Linux)
runs, for ``--seconds``, four kinds of attacker at once:

- ``storm``: opens WebSockets as fast as it can, or ``--storm-rate`` a second (each closed at
  once): thousands of attempts;
- ``halfopen``: opens TCP connections that send the start of an upgrade and then nothing
  (slowloris), ``--half-open`` of them at a time, each replaced when the server cuts it off;
- ``oversized``: WebSockets that send a frame of 4 KiB (the server allows 512 bytes);
- ``malformed``: WebSockets that send a frame that is not msgpack.

It prints one JSON line at the end: per kind, the attempts and how they ended (HTTP status,
close code, or the error's name).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import sys
import time
from collections import Counter

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

logger = logging.getLogger(__name__)

HALF_REQUEST = b"GET /ws/lobby/?name=x HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
OVERSIZED = b"\x91" + b"\x00" * 4096
MALFORMED = b"\xc1\xc1\xc1"  # 0xc1 is never used in msgpack
OPEN_TIMEOUT = 5.0


def outcome(exc: BaseException) -> str:
    """How one attempt ended, as a short label."""
    if isinstance(exc, InvalidStatus):
        return f"http {exc.response.status_code}"
    if isinstance(exc, ConnectionClosed):
        return f"close {exc.rcvd.code if exc.rcvd else 1006}"
    return type(exc).__name__


async def storm(ws: str, address: str, until: float, rate: float, seen: Counter[str]) -> None:
    """Open and drop WebSockets back to back (``rate`` a second at most; 0: no pause)."""
    due = time.monotonic()
    while time.monotonic() < until:
        if rate:
            due += 1 / rate
            await asyncio.sleep(max(0.0, due - time.monotonic()))
        try:
            async with connect(ws, local_addr=(address, 0), open_timeout=OPEN_TIMEOUT):
                seen["opened"] += 1
        except (OSError, InvalidStatus, ConnectionClosed, TimeoutError) as exc:
            seen[outcome(exc)] += 1


async def frame_attack(
    ws: str, address: str, until: float, frame: bytes, seen: Counter[str]
) -> None:
    """Open a WebSocket, send ``frame``, see how it is closed; again."""
    while time.monotonic() < until:
        try:
            async with connect(
                ws, local_addr=(address, 0), open_timeout=OPEN_TIMEOUT, max_size=None
            ) as socket:
                await socket.send(frame)
                async with asyncio.timeout(OPEN_TIMEOUT):
                    async for _ in socket:
                        pass
                seen[f"close {socket.close_code}"] += 1
        except (OSError, InvalidStatus, ConnectionClosed, TimeoutError) as exc:
            seen[outcome(exc)] += 1
            if isinstance(exc, InvalidStatus):
                await asyncio.sleep(0.05)  # refused: the storm covers the rate


async def half_open(host: str, port: int, address: str, until: float, seen: Counter[str]) -> None:
    """Hold one slowloris connection at a time; a new one when the server cuts it off."""
    while time.monotonic() < until:
        try:
            reader, writer = await asyncio.open_connection(host, port, local_addr=(address, 0))
        except OSError as exc:
            seen[type(exc).__name__] += 1
            await asyncio.sleep(0.1)
            continue
        try:
            writer.write(HALF_REQUEST)
            async with asyncio.timeout(max(0.1, until - time.monotonic())):
                answer = await reader.read(64)
            seen[answer.split(b"\r\n", 1)[0].decode(errors="replace") or "closed"] += 1
        except TimeoutError:
            seen["held to the end"] += 1
        except OSError as exc:
            seen[type(exc).__name__] += 1
        finally:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()


async def attack(
    base: str, path: str, addresses: list[str], seconds: float, half: int, rate: float = 0.0
) -> dict:
    """Every kind of attacker from every address for ``seconds``; what happened, by kind."""
    ws = base.replace("http://", "ws://") + path
    host, port = base.removeprefix("http://").split(":")
    until = time.monotonic() + seconds
    kinds = {kind: Counter() for kind in ("storm", "halfopen", "oversized", "malformed")}
    tasks = []
    for address in addresses:
        tasks.append(storm(ws, address, until, rate, kinds["storm"]))
        tasks.append(frame_attack(ws, address, until, OVERSIZED, kinds["oversized"]))
        tasks.append(frame_attack(ws, address, until, MALFORMED, kinds["malformed"]))
        tasks += [
            half_open(host, int(port), address, until, kinds["halfopen"]) for _ in range(half)
        ]
    await asyncio.gather(*tasks)
    return {kind: dict(seen) for kind, seen in kinds.items()}


def main(argv: list[str] | None = None) -> int:
    """Run the attackers; print what happened as one JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base", help="the web process, http://host:port")
    parser.add_argument("--path", default="/ws/lobby/?name=x", help="the WebSocket path")
    parser.add_argument("--addresses", default="127.0.0.2,127.0.0.3,127.0.0.4,127.0.0.5")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--half-open", type=int, default=50, help="per address, held at once")
    parser.add_argument(
        "--storm-rate", type=float, default=0.0, help="attempts a second per address (0: flat out)"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    addresses = [a.strip() for a in args.addresses.split(",") if a.strip()]
    result = asyncio.run(
        attack(args.base, args.path, addresses, args.seconds, args.half_open, args.storm_rate)
    )
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
