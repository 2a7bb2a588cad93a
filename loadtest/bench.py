"""Benchmarks of Arena.

    python -m loadtest.bench matchmaking --players 1000 [--url http://127.0.0.1:8000]
    python -m loadtest.bench fanout --clients 1000 [--webs 1] [--only real,ceiling,floor]
    python -m loadtest.bench snapshot-size [--seconds 60] [--players 8] [--seed 1]
    python -m loadtest.bench hitreg [--seconds 30] [--rtt 0,50,100,150,250,350,450]
    python -m loadtest.bench leaderboard [--players 100000] [--postgres URL]
    python -m loadtest.bench replay [--seconds 60] [--games shooter:8,football:6]
    python -m loadtest.bench chat [--users 1000] [--seconds 30] [--interval 10] [--webs 2]

``fanout`` starts its own servers and compares snapshot delivery of the real stack with a bare
broadcaster and a naive Channels consumer: see loadtest/fanout.py.

``snapshot-size`` simulates one match of scripted bots (no server) and reports the bytes a
client receives per tick against full keyed JSON every tick: see loadtest/snapshotsize.py.

``replay`` records one match per game on an engine worker with its bots (no server) and
reports bytes per recorded minute against the uncompressed stream, and the recorder's CPU:
see loadtest/replaybench.py.

``chat`` connects lobby users to two web processes on Redis, each sending a chat message every
10 s into its game's room, and reports delivery p50/p99, losses and CPU: see
loadtest/chatbench.py.

``leaderboard`` seeds 100,000 ratings in a temporary SQLite and in PostgreSQL (if it answers)
and times a leaderboard page and a player's rank: see loadtest/leaderboardbench.py.

``hitreg`` simulates a shooter aiming at a moving target behind simulated round trips and
reports the share of its shots that hit, with and without lag compensation: see
loadtest/hitreg.py.

``matchmaking`` opens one lobby socket per simulated player, then queues them all at once,
accepts every ready check and reports: time to match (QUEUE sent to MATCH_FOUND received) p50,
p99 and max, split into queue-to-ready-check and accept-to-match; how long after the last QUEUE
the last player was matched and how many were matched within 5 s of it; matches formed per
second (over the time 99% of players took); the rating spread of each match. It verifies that
nobody is matched twice and nobody is lost (exit status 1 otherwise).

With ``--seed-ratings`` (the default) it gives its players ratings drawn from a normal
distribution by writing their sessions and profiles through Django, so run it with the server's
DATABASE_URL.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import time
import urllib.request
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import msgpack
from websockets.asyncio.client import ClientConnection, connect

from loadtest import (
    chatbench,
    enginebench,
    fanout,
    hitreg,
    leaderboardbench,
    replaybench,
    snapshotsize,
)

QUEUE, READY_ANSWER = 20, 22
LOBBY_WELCOME, READY_CHECK, MATCH_FOUND, READY_FAILED, LOBBY_ERROR = 30, 32, 34, 35, 37


@dataclass
class SimulatedPlayer:
    """One lobby client and what happened to it."""

    index: int
    cookie: str
    rating: float
    queued_at: float = 0.0
    checked_at: float | None = None  # first READY_CHECK
    accepted_at: float | None = None  # last READY_ANSWER sent
    matched_at: float | None = None
    match_ids: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


def seeded_cookies(
    count: int, mean: float, spread: float, seed: int, mode: str
) -> list[tuple[str, float]]:
    """Guest sessions with profiles rated in the shooter's ``mode``, written through Django (the
    server's database)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "game.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.sessions.backends.db import SessionStore

    from lobby.identity import GUEST_KEY
    from lobby.models import PlayerProfile, Rating

    rng = random.Random(seed)
    cookies = []
    profiles = []
    ratings = []
    for index in range(count):
        guest = f"bench{seed}x{index}"
        session = SessionStore()
        session[GUEST_KEY] = guest
        session.save()
        rating = max(100.0, rng.gauss(mean, spread))
        profiles.append(PlayerProfile(key=f"guest:{guest}", name=f"bot{index}"))
        ratings.append(
            Rating(player_key=f"guest:{guest}", game="shooter", mode=mode, rating=rating)
        )
        cookies.append((f"{settings.SESSION_COOKIE_NAME}={session.session_key}", rating))
    keys = [p.key for p in profiles]
    PlayerProfile.objects.filter(key__in=keys).delete()
    Rating.objects.filter(player_key__in=keys).delete()
    PlayerProfile.objects.bulk_create(profiles)
    Rating.objects.bulk_create(ratings)
    return cookies


def fresh_cookie(url: str) -> str:
    """A new guest session from the server (default rating)."""
    with urllib.request.urlopen(f"{url}/api/session/", timeout=10) as response:
        return response.headers.get("Set-Cookie", "").split(";", 1)[0]


async def play_lobby(
    player: SimulatedPlayer,
    url: str,
    mode: str,
    start: asyncio.Event,
    groups: dict[str, Any],
    welcomed: list[int],
) -> None:
    """Queue once, accept every ready check, stop at MATCH_FOUND."""
    ws_url = url.replace("http://", "ws://") + f"/ws/lobby/?name=bot{player.index}"
    socket: ClientConnection
    async with connect(
        ws_url, additional_headers={"Cookie": player.cookie}, open_timeout=30, compression=None
    ) as socket:
        welcome = msgpack.unpackb(await socket.recv())
        assert welcome[0] == LOBBY_WELCOME, welcome
        welcomed.append(player.index)
        await start.wait()
        player.queued_at = time.monotonic()
        await socket.send(msgpack.packb([QUEUE, "shooter", mode]))
        async for raw in socket:
            frame = msgpack.unpackb(raw)
            kind = frame[0]
            if kind == READY_CHECK:
                check = frame[1]
                player.checked_at = player.checked_at or time.monotonic()
                groups.setdefault(check["pending_id"], [r for _, r in check["players"]])
                await socket.send(msgpack.packb([READY_ANSWER, check["pending_id"], True]))
                player.accepted_at = time.monotonic()
            elif kind == MATCH_FOUND:
                player.matched_at = time.monotonic()
                player.match_ids.append(frame[1]["match_id"])
                return
            elif kind in (READY_FAILED, LOBBY_ERROR):
                player.failures.append(json.dumps(frame[1:]))


def percentile(values: list[float], fraction: float) -> float:
    """The value below which ``fraction`` of ``values`` lie (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


async def matchmaking(args: argparse.Namespace, seeded: list[tuple[str, float]]) -> int:
    """Run the matchmaking benchmark with one (cookie, rating) per player; an exit code."""
    players = [SimulatedPlayer(i, cookie, rating) for i, (cookie, rating) in enumerate(seeded)]
    start = asyncio.Event()
    groups: dict[str, list[float]] = {}
    welcomed: list[int] = []
    urls = [url.strip().rstrip("/") for url in args.url.split(",") if url.strip()]
    tasks = [
        asyncio.create_task(
            play_lobby(p, urls[p.index % len(urls)], args.mode, start, groups, welcomed)
        )
        for p in players
    ]
    deadline = time.monotonic() + args.connect_wait
    while len(welcomed) < len(players) and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    connect_failures = [p.index for p in players if p.index not in set(welcomed)]
    began = time.monotonic()
    start.set()
    done, pending = await asyncio.wait(tasks, timeout=args.timeout)
    for task in pending:
        task.cancel()
    last_join = max(p.queued_at for p in players)

    matched = [p for p in players if p.matched_at is not None]
    waits = [p.matched_at - p.queued_at for p in matched]  # type: ignore[operator]
    members: dict[str, int] = defaultdict(int)
    for p in players:
        for match_id in p.match_ids:
            members[match_id] += 1
    twice = [p.index for p in players if len(p.match_ids) > 1]
    lost = [p.index for p in players if not p.match_ids]
    errors = [t.exception() for t in done if not t.cancelled() and t.exception()]
    spreads = [max(r) - min(r) for r in groups.values() if r]
    to_check = [p.checked_at - p.queued_at for p in matched if p.checked_at]
    to_start = [p.matched_at - p.accepted_at for p in matched if p.accepted_at]  # type: ignore[operator]
    last_match = max((p.matched_at for p in matched), default=began)  # type: ignore[type-var]
    match_times = sorted(p.matched_at - began for p in matched)  # type: ignore[operator]
    t99 = percentile(match_times, 0.99) if match_times else 0.0
    by_t99 = {mid for p in matched if p.matched_at - began <= t99 for mid in p.match_ids}  # type: ignore[operator]
    within_5s = sum(1 for p in matched if p.matched_at - last_join <= 5.0)  # type: ignore[operator]

    report = {
        "players": args.players,
        "mode": args.mode,
        "matched": len(matched),
        "matches": len(members),
        "lost": len(lost),
        "matched_twice": len(twice),
        "connect_failures": len(connect_failures),
        "client_errors": len(errors),
        "time_to_match_p50_s": round(statistics.median(waits), 3) if waits else None,
        "time_to_match_p99_s": round(percentile(waits, 0.99), 3) if waits else None,
        "time_to_match_max_s": round(max(waits), 3) if waits else None,
        "queue_to_ready_check_p50_s": round(statistics.median(to_check), 3) if to_check else None,
        "queue_to_ready_check_p99_s": round(percentile(to_check, 0.99), 3) if to_check else None,
        "accept_to_match_p50_s": round(statistics.median(to_start), 3) if to_start else None,
        "accept_to_match_p99_s": round(percentile(to_start, 0.99), 3) if to_start else None,
        "last_join_to_last_match_s": round(last_match - last_join, 3),
        "matched_within_5s_of_last_join": within_5s,
        "matches_per_second": round(len(by_t99) / max(1e-9, t99), 1),
        "rating_spread_mean": round(statistics.mean(spreads), 1) if spreads else None,
        "rating_spread_max": round(max(spreads), 1) if spreads else None,
        "ready_failures": sum(len(p.failures) for p in players),
        "slowest": [
            {"wait_s": round(p.matched_at - p.queued_at, 2), "rating": round(p.rating)}  # type: ignore[operator]
            for p in sorted(matched, key=lambda p: p.queued_at - p.matched_at)[:5]  # type: ignore[operator]
        ],
    }
    print(json.dumps(report, indent=2))
    if errors:
        print(f"first client error: {errors[0]!r}", file=sys.stderr)
    ok = not twice and not lost and not errors and not connect_failures
    return 0 if ok else 1


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(prog="python -m loadtest.bench", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    mm = commands.add_parser("matchmaking", help="queue simulated lobby clients")
    mm.add_argument(
        "--url",
        default="http://127.0.0.1:8000",
        help="the server, or several web processes separated by commas (players alternate)",
    )
    mm.add_argument("--players", type=int, default=1000)
    mm.add_argument("--mode", default="duel", choices=["duel", "ffa"])
    mm.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for matches")
    mm.add_argument("--connect-wait", type=float, default=30.0, help="seconds to open sockets")
    mm.add_argument("--seed", type=int, default=1)
    mm.add_argument("--rating-mean", type=float, default=1500.0)
    mm.add_argument("--rating-spread", type=float, default=200.0)
    mm.add_argument("--seed-ratings", action=argparse.BooleanOptionalAction, default=True)
    fanout_parser = commands.add_parser(
        "fanout", help="snapshot fan-out: the real stack against a ceiling and a floor"
    )
    fanout.add_arguments(fanout_parser)
    size_parser = commands.add_parser(
        "snapshot-size", help="bytes per tick of a simulated match against keyed JSON"
    )
    snapshotsize.add_arguments(size_parser)
    engine_parser = commands.add_parser(
        "engine", help="one engine worker's tick times with N busy matches, on its own"
    )
    enginebench.add_arguments(engine_parser)
    leaderboard_parser = commands.add_parser(
        "leaderboard", help="leaderboard page and rank queries with 100,000 rated players"
    )
    leaderboardbench.add_arguments(leaderboard_parser)
    hitreg_parser = commands.add_parser(
        "hitreg", help="share of well-aimed shots that hit, with and without lag compensation"
    )
    hitreg.add_arguments(hitreg_parser)
    replay_parser = commands.add_parser(
        "replay", help="bytes per recorded minute and recording CPU of one match per game"
    )
    replaybench.add_arguments(replay_parser)
    chat_parser = commands.add_parser(
        "chat", help="lobby chat on two web processes: delivery p99 and CPU"
    )
    chatbench.add_arguments(chat_parser)
    args = parser.parse_args(argv)
    if args.command == "chat":
        return chatbench.command(args)
    if args.command == "replay":
        return replaybench.command(args)
    if args.command == "hitreg":
        return hitreg.command(args)
    if args.command == "engine":
        return enginebench.command(args)
    if args.command == "fanout":
        return fanout.command(args)
    if args.command == "snapshot-size":
        return snapshotsize.command(args)
    if args.command == "leaderboard":
        return leaderboardbench.command(args)
    if args.seed_ratings:
        seeded = seeded_cookies(
            args.players, args.rating_mean, args.rating_spread, args.seed, args.mode
        )
    else:
        seeded = [(fresh_cookie(args.url.split(",")[0]), 1500.0) for _ in range(args.players)]
    try:
        import uvloop
    except ImportError:
        return asyncio.run(matchmaking(args, seeded))
    return uvloop.run(matchmaking(args, seeded))


if __name__ == "__main__":
    sys.exit(main())
