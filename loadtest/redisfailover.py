"""What players see when Redis fails over to its replica under Sentinel (docs/failover.md).

A stack (one engine worker, one web process) runs on a ``SentinelGroup`` through a
``redis+sentinel://`` URL; players play matches and others wait in the lobby's queue; the
primary is killed (or switched by ``SENTINEL FAILOVER``) again and again. Each round measures
the time without snapshots (the longest gap between two snapshots of a player), the matches
that no longer send snapshots, and the queue entries gone from the lobby.

    .venv/bin/python -m loadtest.redisfailover --rounds 5 --kind kill
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import msgpack
from websockets.asyncio.client import ClientConnection, connect

from engine.protocol import MessageType
from engine.wirestate import is_snapshot
from loadtest.sentinels import SentinelGroup
from loadtest.stack import Stack, base_env, guest_cookie, http_json, ticket_url

logger = logging.getLogger(__name__)

PREFIX = "failover"
QUEUE_MODE = "ffa"
# The lobby forms free-for-alls of 8: seven queued players wait for the whole run.
LOBBY_ENV = {"ARENA_SHOOTER_FFA_LOBBY_MIN": "8", "ARENA_SHOOTER_FFA_MAX_PLAYERS": "8"}
# Matches outlast the run.
MATCH_ENV = {"ARENA_SHOOTER_TIME_LIMIT": "3600", "ARENA_SHOOTER_SCORE_LIMIT": "100000"}
SETTLE = 2.0  # seconds of play after snapshots resume, before the round is judged
RESUME_LIMIT = 20.0  # seconds after the fault by which snapshots must flow again


def decode(data: bytes | str) -> list[Any]:
    """One server frame."""
    frame = msgpack.unpackb(data, raw=False)
    return frame if isinstance(frame, list) else []


@dataclass
class Player:
    """A player's match socket and when its snapshots arrived."""

    match_id: str
    socket: ClientConnection
    arrivals: list[float] = field(default_factory=list)

    async def read(self) -> None:
        """Record every snapshot's arrival until the socket closes."""
        async for data in self.socket:
            if isinstance(data, bytes) and is_snapshot(decode(data)):
                self.arrivals.append(time.monotonic())

    def gap_around(self, moment: float) -> float:
        """The longest time without a snapshot among the gaps that end after ``moment``."""
        gaps = [b - a for a, b in zip(self.arrivals, self.arrivals[1:], strict=False) if b > moment]
        return max(gaps, default=float("inf"))


@dataclass
class Waiter:
    """A lobby socket queued for a free-for-all, and the queue status it was sent last."""

    socket: ClientConnection
    queued_at: float
    status: dict[str, Any] = field(default_factory=dict)
    status_at: float = 0.0

    async def read(self) -> None:
        """Keep the latest QUEUE_STATUS."""
        async for data in self.socket:
            frame = decode(data)
            if frame and frame[0] == MessageType.QUEUE_STATUS:
                self.status, self.status_at = frame[1], time.monotonic()

    def still_queued_since(self, moment: float) -> bool:
        """Whether a status sent after ``moment`` still counts the wait from the first queueing."""
        return (
            self.status_at > moment
            and self.status.get("mode") == QUEUE_MODE
            and self.status.get("elapsed_ms", 0) >= (self.status_at - self.queued_at) * 1000 - 1500
        )


@dataclass
class Round:
    """One failover as players saw it."""

    kind: str
    switch_s: float  # from the fault to the sentinels naming the new primary
    gap_max_s: float  # the longest time without snapshots of any player
    gap_p50_s: float  # the median player's
    matches: int
    matches_lost: int  # matches whose players got no snapshot after the failover
    queued: int
    queue_entries_lost: int  # entries gone from the lobby's store during the round
    queued_after: int  # entries in the store at the round's end (before any restart)
    waiters_requeue_free: int  # lobby sockets whose status kept its place after the failover


@asynccontextmanager
async def failover_stack(
    workdir: Path, **extra: str
) -> AsyncIterator[tuple[Stack, str, SentinelGroup]]:
    """A SentinelGroup and a stack (one engine worker, one web process) on it."""
    group = SentinelGroup(workdir / "redis")
    try:
        group.start()
        env = base_env(workdir, group.url(0), PREFIX, **LOBBY_ENV, **MATCH_ENV, **extra)
        stack = Stack(env, workdir)
        try:
            [base] = await asyncio.to_thread(stack.start_all, ["engine-a"], ["web-a"])
            yield stack, base, group
        finally:
            await asyncio.to_thread(stack.stop)
    finally:
        group.stop()


async def seat_players(base: str, matches: int, per_match: int) -> list[Player]:
    """``matches`` free-for-alls with ``per_match`` players each, reading snapshots."""
    players = []
    for index in range(matches):
        status, match = await asyncio.to_thread(
            http_json, "POST", f"{base}/api/matches/", {"mode": "ffa"}
        )
        assert status == 201, match
        for seat in range(per_match):
            url = await asyncio.to_thread(ticket_url, base, match, f"P{index}x{seat}")
            socket = await connect(url, compression=None, open_timeout=10)
            players.append(Player(match["id"], socket))
    return players


async def queue_waiters(base: str, count: int) -> list[Waiter]:
    """``count`` lobby sockets queued for a free-for-all, each sent its first status."""
    waiters = []
    for index in range(count):
        cookie = await asyncio.to_thread(guest_cookie, base)
        url = base.replace("http://", "ws://") + f"/ws/lobby/?name=W{index}"
        socket = await connect(url, additional_headers={"Cookie": cookie}, open_timeout=10)
        await socket.send(msgpack.packb([MessageType.QUEUE, "shooter", QUEUE_MODE]))
        waiters.append(Waiter(socket, time.monotonic()))
    return waiters


def queue_entries(group: SentinelGroup) -> int:
    """How many queue entries the lobby's store holds on the current primary."""
    return int(group.primary().hlen(f"{PREFIX}:lobby:entries"))


async def fail_over(
    group: SentinelGroup,
    players: list[Player],
    waiters: list[Waiter],
    kind: str,
    restart: bool = True,
) -> Round:
    """Fail the primary over (``kill`` or ``planned``) and judge what players saw; a killed
    primary is started again (as the new replica) when ``restart``."""
    queued = await asyncio.to_thread(queue_entries, group)
    logger.info(
        "before the %s: %d queue entries; lobby sockets closed %s, last status %s s ago",
        kind,
        queued,
        [w.socket.close_code for w in waiters],
        [round(time.monotonic() - w.status_at, 1) for w in waiters],
    )
    # what the primary acknowledged is on the replica before the fault (WAIT), so a loss
    # below is the failover's, not the last milliseconds' of asynchronous replication
    await asyncio.to_thread(group.primary().execute_command, "WAIT", 1, 1000)
    fault_at = time.monotonic()
    old = await asyncio.to_thread(group.kill_primary if kind == "kill" else group.failover)
    await asyncio.to_thread(group.wait_for_new_primary, old)
    switch = time.monotonic() - fault_at
    by_match: dict[str, list[Player]] = {}
    for player in players:
        by_match.setdefault(player.match_id, []).append(player)
    deadline = fault_at + RESUME_LIMIT
    while time.monotonic() < deadline and not all(
        any(p.arrivals and p.arrivals[-1] > fault_at + switch for p in group_)
        for group_ in by_match.values()
    ):
        await asyncio.sleep(0.1)
    await asyncio.sleep(SETTLE)
    lost = sum(
        1
        for group_ in by_match.values()
        if not any(p.arrivals[-1] > fault_at + switch for p in group_)
    )
    gaps = sorted(p.gap_around(fault_at) for p in players)
    after = await asyncio.to_thread(queue_entries, group)
    if kind == "kill" and restart:
        await asyncio.to_thread(group.restart, old)  # the next round has a replica again
    return Round(
        kind=kind,
        switch_s=round(switch, 3),
        gap_max_s=round(gaps[-1], 3),
        gap_p50_s=round(statistics.median(gaps), 3),
        matches=len(by_match),
        matches_lost=lost,
        queued=queued,
        queue_entries_lost=max(0, queued - after),
        queued_after=after,
        waiters_requeue_free=sum(1 for w in waiters if w.still_queued_since(fault_at + switch)),
    )


async def run(
    rounds: int, kind: str, matches: int, per_match: int, waiting: int, workdir: Path | None = None
) -> list[Round]:
    """``rounds`` failovers of ``kind`` under ``matches`` matches and ``waiting`` queued players;
    the processes' logs stay in ``workdir`` when given."""
    with tempfile.TemporaryDirectory(prefix="arena-failover-") as tmp:
        async with failover_stack(workdir or Path(tmp)) as (_, base, group):
            players = await seat_players(base, matches, per_match)
            waiters = await queue_waiters(base, waiting)
            everyone: list[Player | Waiter] = [*players, *waiters]
            readers = [asyncio.create_task(x.read()) for x in everyone]
            try:
                await asyncio.sleep(3.0)
                results = []
                for index in range(rounds):
                    kinds = ["kill", "planned"] if kind == "both" else [kind]
                    last = index == rounds - 1
                    result = await fail_over(
                        group, players, waiters, kinds[index % len(kinds)], restart=not last
                    )
                    logger.info("round %d: %s", index + 1, result)
                    results.append(result)
                return results
            finally:
                for reader in readers:
                    reader.cancel()
                for x in everyone:
                    await x.socket.close()


def summary(results: list[Round]) -> dict[str, Any]:
    """Totals and percentiles over every round."""
    gaps = [r.gap_max_s for r in results]
    return {
        "count": len(results),
        "switch_s_max": max(r.switch_s for r in results),
        "gap_p50_s": round(statistics.median(gaps), 3),
        "gap_max_s": max(gaps),
        "matches_lost": sum(r.matches_lost for r in results),
        # also those gone between rounds (while a killed primary is started again)
        "queue_entries_lost": results[0].queued - min(r.queued_after for r in results),
        "rounds": [asdict(r) for r in results],
    }


def main(argv: list[str] | None = None) -> int:
    """Run the failovers and print what players saw, as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--kind", choices=["kill", "planned", "both"], default="kill")
    parser.add_argument("--matches", type=int, default=4)
    parser.add_argument("--players", type=int, default=4, help="per match")
    parser.add_argument("--waiting", type=int, default=7, help="queued players (at most 7)")
    parser.add_argument("--workdir", type=Path, help="keep the processes' logs here")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    results = asyncio.run(
        run(args.rounds, args.kind, args.matches, args.players, args.waiting, args.workdir)
    )
    report = summary(results)
    print(json.dumps(report, indent=2))
    return 0 if report["matches_lost"] == 0 and report["queue_entries_lost"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
