"""The chat bench: lobby users on two web processes chatting in their games' rooms.

    python -m loadtest.bench chat [--users 1000] [--seconds 30] [--interval 10] [--webs 2]

It starts its own stack on Redis (one engine worker, ``--webs`` web processes, a database of
its own), connects ``--users`` guests to the lobby, spread over the web processes and over the
rooms of ``--rooms`` (the registered games by default), and has each send one chat message
every ``--interval`` seconds (at a random phase). Every message carries its send time; every
socket in the room measures its delivery. It reports delivery latency p50/p99/max, messages
sent and delivered (and lost: a delivery every room member should have had but did not), and
the CPU of each web process, of Redis and of this load generator during the window, which runs
on the same cores.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import random
import shutil
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgpack
from websockets.asyncio.client import ClientConnection, connect

from loadtest.procstats import UsageSampler, redis_server_pid
from loadtest.realstack import BENCH_SECRET_KEY, delete_keys
from loadtest.stack import QUIET_FLAGS, Stack, base_env, guest_cookie

logger = logging.getLogger(__name__)

LOBBY_WELCOME, CHAT_SEND, CHAT_ROOM = 30, 40, 42
CHAT_MESSAGE, CHAT_HISTORY, CHAT_ERROR = 50, 51, 52
MESSAGE_PREFIX = bytes([0x92, CHAT_MESSAGE])  # [50, {...}]: a fixarray of 2, then the type
DEFAULT_ROOMS = "shooter,football,connect4"  # the registered games' lobby rooms
JOINS_AT_ONCE = 50  # sockets opening and joining their rooms at the same time
DELIVERY_TAIL_S = 2.0  # after the last message, for its deliveries


@dataclass
class ChatUser:
    """One lobby socket and what it saw."""

    index: int
    base: str
    room: str
    cookie: str = ""
    socket: ClientConnection | None = None
    sent: int = 0
    latencies: list[float] = field(default_factory=list)
    refused: int = 0


def percentile(values: list[float], fraction: float) -> float | None:
    """The ``fraction`` percentile of ``values`` (nearest rank), None if there are none."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def join(user: ChatUser) -> None:
    """Open the user's lobby socket and enter its room (its history read)."""
    url = user.base.replace("http://", "ws://") + f"/ws/lobby/?name=u{user.index}"
    user.socket = await connect(
        url, additional_headers={"Cookie": user.cookie}, open_timeout=30, compression=None
    )
    await user.socket.send(msgpack.packb([CHAT_ROOM, user.room]))
    while True:
        frame = msgpack.unpackb(await user.socket.recv())
        if frame[0] == CHAT_HISTORY and frame[1] == "lobby":
            return


async def listen(user: ChatUser, measuring: asyncio.Event) -> None:
    """Time every chat message the socket receives (while ``measuring``)."""
    assert user.socket is not None
    async for data in user.socket:
        if not isinstance(data, bytes):
            continue
        if data.startswith(MESSAGE_PREFIX):
            if measuring.is_set():
                sent_at = float(msgpack.unpackb(data)[1]["text"].split(" ", 1)[0])
                user.latencies.append(time.time() - sent_at)
        elif data[1:2] == bytes([CHAT_ERROR]):
            user.refused += 1


async def talk(user: ChatUser, interval: float, until: float, rng: random.Random) -> None:
    """Send a message every ``interval`` seconds, from a random phase, until ``until``."""
    assert user.socket is not None
    await asyncio.sleep(rng.uniform(0, interval))
    while time.monotonic() < until:
        text = f"{time.time():.6f} hello from u{user.index}"
        await user.socket.send(msgpack.packb([CHAT_SEND, "lobby", text]))
        user.sent += 1
        await asyncio.sleep(interval)


def make_users(count: int, bases: list[str], rooms: list[str]) -> list[ChatUser]:
    """``count`` users spread over the web processes ``bases``, then over the ``rooms``."""
    return [
        ChatUser(i, bases[i % len(bases)], rooms[(i // len(bases)) % len(rooms)])
        for i in range(count)
    ]


async def connect_users(users: list[ChatUser]) -> None:
    """Give every user a guest's cookies and join it to its room, ``JOINS_AT_ONCE`` at a time."""
    loop = asyncio.get_running_loop()
    cookies = await asyncio.gather(
        *(loop.run_in_executor(None, guest_cookie, user.base) for user in users)
    )
    for user, cookie in zip(users, cookies, strict=True):
        user.cookie = cookie
    connecting = asyncio.Semaphore(JOINS_AT_ONCE)

    async def joined(user: ChatUser) -> None:
        async with connecting:
            await join(user)

    await asyncio.gather(*(joined(user) for user in users))


async def converse(
    users: list[ChatUser], interval: float, seconds: float, rng: random.Random
) -> float:
    """Have every user listen and talk for ``seconds``; the window's length, last deliveries
    included."""
    measuring = asyncio.Event()
    listeners = [asyncio.create_task(listen(user, measuring)) for user in users]
    measuring.set()
    started = time.monotonic()
    until = started + seconds
    try:
        await asyncio.gather(*(talk(user, interval, until, rng) for user in users))
        await asyncio.sleep(DELIVERY_TAIL_S)
    finally:
        for task in listeners:
            task.cancel()
    return time.monotonic() - started


async def close_users(users: list[ChatUser]) -> None:
    """Close every user's socket that was opened."""
    for user in users:
        if user.socket is not None:
            await user.socket.close()


def chat_figures(users: list[ChatUser], seconds: float, wall: float) -> dict[str, Any]:
    """What the users sent and received over a window of ``seconds`` (``wall`` with the last
    deliveries): room sizes, messages, deliveries, the lost and refused, delivery latency."""
    members: dict[str, int] = {}
    for user in users:
        members[user.room] = members.get(user.room, 0) + 1
    sent = sum(u.sent for u in users)
    expected = sum(u.sent * members[u.room] for u in users)
    latencies = [value for u in users for value in u.latencies]
    return {
        "rooms": members,
        "messages_sent": sent,
        "messages_per_s": round(sent / seconds, 1) if seconds else None,
        "expected_deliveries": expected,
        "deliveries": len(latencies),
        "deliveries_per_s": round(len(latencies) / wall, 1) if wall else None,
        "lost": max(0, expected - len(latencies)),
        "refused": sum(u.refused for u in users),
        "delivery_ms": {
            "p50": _ms(percentile(latencies, 0.50)),
            "p99": _ms(percentile(latencies, 0.99)),
            "max": _ms(max(latencies) if latencies else None),
        },
    }


async def run(args: argparse.Namespace, bases: list[str], pids: dict[str, int]) -> dict[str, Any]:
    """Connect, chat for ``args.seconds`` and measure."""
    users = make_users(args.users, bases, args.rooms.split(","))
    try:
        await connect_users(users)
        sampler = UsageSampler(pids)
        sampler.start()
        wall = await converse(users, args.interval, args.seconds, random.Random(args.seed))
        usage = sampler.stop()
    finally:
        await close_users(users)
    figures = chat_figures(users, args.seconds, wall)
    return {
        "database": "postgresql" if args.postgres else "sqlite",
        "users": args.users,
        "webs": len(bases),
        "rooms": figures.pop("rooms"),
        "interval_s": args.interval,
        "window_s": round(wall, 1),
        **figures,
        "cpu_percent": {name: u.cpu_percent for name, u in usage.items()},
    }


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 1)


def _database_name(prefix: str) -> str:
    return prefix.replace("-", "_")


def create_database(server: str, prefix: str) -> str:
    """A new database on the PostgreSQL ``server``; its URL."""
    import psycopg

    name = _database_name(prefix)
    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return server.rsplit("/", 1)[0] + "/" + name


def drop_database(server: str, prefix: str) -> None:
    """Drop the bench's database."""
    import psycopg

    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{_database_name(prefix)}" WITH (FORCE)')


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The chat bench's options."""
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=30.0, help="the measured window")
    parser.add_argument("--interval", type=float, default=10.0, help="seconds between messages")
    parser.add_argument("--webs", type=int, default=2)
    parser.add_argument("--rooms", default=DEFAULT_ROOMS, help="games' rooms")
    parser.add_argument(
        "--redis-url", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    )
    parser.add_argument(
        "--postgres",
        metavar="URL",
        help="a PostgreSQL server (postgres://user@host:5432/db): the bench stores its chat in a "
        "database of its own there, dropped afterwards (default: SQLite in a temporary folder)",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", action="store_true", help="print the report as JSON only")


def command(args: argparse.Namespace) -> int:
    """Run the bench on a stack of its own; print the report."""
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    workdir = Path(tempfile.mkdtemp(prefix="arena-chat-"))
    prefix = f"chatbench-{uuid.uuid4().hex[:10]}"
    database = None if args.postgres is None else create_database(args.postgres, prefix)
    env = base_env(
        workdir,
        args.redis_url,
        prefix,
        ARENA_SECRET_KEY=BENCH_SECRET_KEY,
        ARENA_LOG_LEVEL="WARNING",
        ARENA_INPUT_BURST="50",  # the bench's sockets open and join at once
    )
    if database is not None:
        env["DATABASE_URL"] = database
    stack = Stack(env, workdir)
    try:
        stack.migrate()
        stack.start_engine("engine")
        names = [f"web-{i + 1}" for i in range(args.webs)]
        bases = [stack.start_web(name, QUIET_FLAGS) for name in names]
        stack.wait_for_engines(bases[0], 1)
        pids = {name: stack.pid(name) for name in names}
        pids["loadgen"] = os.getpid()
        redis_pid = redis_server_pid(args.redis_url)
        if redis_pid is not None:
            pids["redis"] = redis_pid
        report = asyncio.run(run(args, bases, pids))
    finally:
        stack.stop()
        delete_keys(args.redis_url, prefix)
        if args.postgres is not None:
            drop_database(args.postgres, prefix)
        shutil.rmtree(workdir, ignore_errors=True)
    print(json.dumps(report, indent=None if args.json else 2))
    return 0 if report["lost"] == 0 and report["refused"] == 0 else 1
