"""Do real players notice a flood? ``python -m loadtest.flood --players 32 --seconds 20``

Starts one web process (embedded engine, SQLite in the log directory) with the production
connection limits (docs/protocol.md section 13) and ``--players`` players in 8-player matches,
each on its own match socket from 127.0.0.1, sending INPUTs 10 times a second and a PING every
200 ms. It measures a quiet window of ``--seconds``, then the same window while
``loadtest.flood_attack`` (a process of its own, so that the attackers' CPU is not the
players') floods from ``--addresses``: a storm of new WebSockets, half-open handshakes,
oversized and malformed frames, all at a spectator socket of the first match.

It compares the two windows: the players' PING round trip p99 and their snapshot delivery
(snapshots received over snapshots due at the tick rate) must stay within ``--tolerance``
(10 %) of the quiet window (the p99 with a floor of ``--rtt-floor-ms``, as a loopback round
trip of a few milliseconds moves by more than 10 % on its own), and the web process's peak RSS
during the flood may exceed the quiet window's by ``--rss-mib`` at most. Prints both windows,
the attack's outcomes (and the web process's and the attacker's CPU in each window) and the
verdict; exits 1 when it failed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import msgpack
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from engine.protocol import MessageType
from loadtest.procstats import UsageSampler
from loadtest.stack import QUIET_FLAGS, ROOT, Stack, base_env, http_json, ticket_url

logger = logging.getLogger(__name__)

PLAYERS_PER_MATCH = 8
TICK_RATE = 20
PING_PERIOD = 0.2
INPUT_PERIOD = 0.1
SETTLE = 3.0  # seconds before the quiet window and after the flood starts
SNAPSHOTS = (MessageType.SNAPSHOT, MessageType.DELTA)


@dataclass
class Window:
    """What the players saw in one window."""

    rtts_ms: list[float] = field(default_factory=list)
    snapshots: int = 0
    seconds: float = 0.0
    players: int = 0
    closed: int = 0  # player sockets that closed during the window
    peak_rss_mib: float | None = None
    web_cpu_percent: float | None = None  # of one core
    attacker_cpu_percent: float | None = None  # the flood's own process (none when quiet)

    def p99(self) -> float:
        """The round trips' 99th percentile (nearest rank), in ms."""
        ordered = sorted(self.rtts_ms)
        return ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))] if ordered else 0.0

    def delivery(self) -> float:
        """Snapshots received over snapshots due (every player, every tick)."""
        due = self.players * self.seconds * TICK_RATE
        return self.snapshots / due if due else 0.0

    def summary(self) -> dict[str, float | int | None]:
        """The window's figures."""
        return {
            "rtt_p99_ms": round(self.p99(), 2),
            "pings": len(self.rtts_ms),
            "delivery": round(self.delivery(), 4),
            "closed": self.closed,
            "peak_rss_mib": self.peak_rss_mib,
            "web_cpu_percent": self.web_cpu_percent,
            "attacker_cpu_percent": self.attacker_cpu_percent,
        }


class Player:
    """One player's socket: counts snapshots and PING round trips into the current window."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.window: Window | None = None
        self.sent: dict[int, float] = {}
        self.welcomed = asyncio.Event()

    async def run(self, stop: asyncio.Event) -> None:
        """Play until ``stop``."""
        async with connect(self.url, compression=None, max_size=None) as socket:
            tasks = [
                asyncio.create_task(self._pings(socket)),
                asyncio.create_task(self._inputs(socket)),
            ]
            try:
                reading = asyncio.create_task(self._read(socket))
                await asyncio.wait(
                    {reading, asyncio.create_task(stop.wait())}, return_when=asyncio.FIRST_COMPLETED
                )
                if reading.done() and self.window is not None:
                    self.window.closed += 1
                reading.cancel()
            finally:
                for task in tasks:
                    task.cancel()

    async def _read(self, socket: ClientConnection) -> None:
        with contextlib.suppress(ConnectionClosed):
            async for data in socket:
                frame = msgpack.unpackb(data)
                if frame[0] == MessageType.WELCOME:
                    self.welcomed.set()
                window = self.window
                if window is None:
                    continue
                if frame[0] in SNAPSHOTS:
                    window.snapshots += 1
                elif frame[0] == MessageType.PONG:
                    sent = self.sent.pop(frame[1], None)
                    if sent is not None:
                        window.rtts_ms.append((time.perf_counter() - sent) * 1000)

    async def _pings(self, socket: ClientConnection) -> None:
        nonce = 0
        while True:
            await asyncio.sleep(PING_PERIOD)
            nonce += 1
            self.sent = {n: t for n, t in self.sent.items() if n > nonce - 20}
            self.sent[nonce] = time.perf_counter()
            await socket.send(msgpack.packb([MessageType.PING, nonce]))

    async def _inputs(self, socket: ClientConnection) -> None:
        seq = 0
        await self.welcomed.wait()  # INPUTs once seated, as the browser sends them
        while True:
            await asyncio.sleep(INPUT_PERIOD)
            seq += 1
            await socket.send(msgpack.packb([MessageType.INPUT, seq, seq % 16, 0]))


async def measure(players: list[Player], seconds: float, sampler: UsageSampler) -> Window:
    """One window of every player's figures, and the web process's CPU and peak RSS in it
    (and the attacker's CPU, when the sampler watches it)."""
    window = Window(players=len(players))
    for player in players:
        player.window = window
    started = time.monotonic()
    sampler.start()
    await asyncio.sleep(seconds)
    usage = sampler.stop()
    for player in players:
        player.window = None
    window.seconds = time.monotonic() - started
    web = usage["web"]
    window.peak_rss_mib = web.peak_rss_mib
    window.web_cpu_percent = web.cpu_percent
    if "attacker" in usage:
        window.attacker_cpu_percent = usage["attacker"].cpu_percent
    return window


def verdict(
    quiet: Window, flood: Window, tolerance: float, rtt_floor: float, rss_mib: float
) -> list[str]:
    """What the flood made worse than allowed (empty: nothing)."""
    failed = []
    allowed_rtt = max(quiet.p99(), rtt_floor) * (1 + tolerance)
    if flood.p99() > allowed_rtt:
        failed.append(f"RTT p99 {flood.p99():.1f} ms over {allowed_rtt:.1f} ms")
    if flood.delivery() < quiet.delivery() * (1 - tolerance):
        failed.append(
            f"delivery {flood.delivery():.3f} below {quiet.delivery():.3f} - {tolerance:.0%}"
        )
    if flood.closed:
        failed.append(f"{flood.closed} player sockets closed during the flood")
    if (
        quiet.peak_rss_mib
        and flood.peak_rss_mib
        and flood.peak_rss_mib > quiet.peak_rss_mib + rss_mib
    ):
        failed.append(f"peak RSS {flood.peak_rss_mib} MiB, {quiet.peak_rss_mib} MiB when quiet")
    return failed


async def flood(args: argparse.Namespace, log_dir: Path) -> dict:
    """The whole run; its figures and verdict."""
    env = base_env(
        log_dir,
        None,
        "flood",
        ARENA_DEBUG="true",
        ARENA_LOG_LEVEL="WARNING",
        ARENA_TICK_RATE=str(TICK_RATE),
        ARENA_SHOOTER_TIME_LIMIT="3600",
        ARENA_TICKET_TTL="3600",
        ARENA_IP_CONNECT_RATE="5",  # the production limits (base_env turns them off)
        ARENA_IP_MAX_SOCKETS="100",
        ARENA_TRUSTED_PROXIES="127.0.0.1",
        ARENA_HANDSHAKE_TIMEOUT=str(args.handshake_timeout),
    )
    stack = Stack(env, log_dir)
    try:
        await asyncio.to_thread(stack.migrate)
        base = await asyncio.to_thread(stack.start_web, "web", QUIET_FLAGS)
        matches = []
        for _ in range(-(-args.players // PLAYERS_PER_MATCH)):
            status, match = http_json("POST", f"{base}/api/matches/", {"mode": "ffa"})
            assert status == 201, match
            matches.append(match)
        urls = [
            ticket_url(base, matches[i // PLAYERS_PER_MATCH], f"p{i}") for i in range(args.players)
        ]
        players = [Player(url) for url in urls]
        stop = asyncio.Event()
        tasks = [asyncio.create_task(player.run(stop)) for player in players]
        await asyncio.sleep(SETTLE)
        pids = {"web": stack.pid("web")}
        quiet = await measure(players, args.seconds, UsageSampler(pids))
        attacker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "loadtest.flood_attack",
                base,
                "--path",
                f"/ws/spectate/{matches[0]['id']}/",
                "--addresses",
                args.addresses,
                "--seconds",
                str(args.seconds + 2 * SETTLE),
                "--storm-rate",
                str(args.storm_rate),
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            env={**os.environ},
        )
        await asyncio.sleep(SETTLE)
        watched = {**pids, "attacker": attacker.pid}
        during = await measure(players, args.seconds, UsageSampler(watched))
        out, _ = await asyncio.to_thread(attacker.communicate, None, args.seconds + 60)
        stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)
        failed = verdict(quiet, during, args.tolerance, args.rtt_floor_ms, args.rss_mib)
        return {
            "quiet": quiet.summary(),
            "flood": during.summary(),
            "attack": json.loads(out.decode().strip().splitlines()[-1]),
            "failed": failed,
        }
    finally:
        await asyncio.to_thread(stack.stop)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The run's options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--players", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=20.0, help="each window")
    parser.add_argument("--addresses", default="127.0.0.2,127.0.0.3,127.0.0.4,127.0.0.5")
    parser.add_argument("--tolerance", type=float, default=0.10)
    parser.add_argument("--rtt-floor-ms", type=float, default=10.0)
    parser.add_argument("--rss-mib", type=float, default=64.0)
    parser.add_argument(
        "--handshake-timeout", type=float, default=10.0, help="ARENA_HANDSHAKE_TIMEOUT, seconds"
    )
    parser.add_argument(
        "--storm-rate", type=float, default=0.0, help="new sockets a second per address (0: no cap)"
    )
    parser.add_argument("--log-dir", type=Path, default=None)
    return parser.parse_args(argv)


def run(args: argparse.Namespace, log_dir: Path) -> dict:
    """The run, with its logs in ``log_dir``; its figures and what failed."""
    log_dir.mkdir(parents=True, exist_ok=True)
    return asyncio.run(flood(args, log_dir))


def main(argv: list[str] | None = None) -> int:
    """Run the flood comparison from the command line; 0 when the players did not notice."""
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    result = run(args, args.log_dir or Path(tempfile.mkdtemp(prefix="arena-flood-")))
    print(json.dumps(result, indent=1))
    print("verdict:", "ok" if not result["failed"] else "FAILED")
    return 0 if not result["failed"] else 1


if __name__ == "__main__":
    sys.exit(main())
