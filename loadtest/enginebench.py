"""How long one engine worker's ticks take with N busy 8-player matches, on its own.

    python -m loadtest.bench engine [--matches 125] [--seconds 30] [--redis-url URL]

Runs the real ``EngineWorker`` (tick loop, encoder, publisher) in this process. Its snapshots
go to Redis through the pub/sub channel layer exactly as in production (one Lua call per chunk;
nobody needs to subscribe), or to an in-memory layer with ``--redis-url ''``. Scripted bots feed
every player an input batch each tick (new direction and aim about twice a second, firing half
the time), as web processes would. Reports the engine's own tick statistics (wall-clock
duration, CPU time, start lateness) over the last ten seconds, with the period they must fit in.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import os
import random
import time
import uuid
from typing import Any

from channels.layers import InMemoryChannelLayer

from engine import messages
from engine.games.shooter.game import ShooterGame
from engine.games.shooter.rules import Rules
from engine.registry import MemoryEngineRegistry
from engine.worker import EngineWorker

DIRECTIONS = (1, 2, 4, 8, 5, 9, 6, 10)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``engine`` subcommand's options."""
    parser.add_argument("--matches", type=int, default=125)
    parser.add_argument("--players", type=int, default=8, help="per match")
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--tick-rate", type=int, default=20)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/0", help="'' for memory")
    parser.add_argument("--seed", type=int, default=1)


def _layer(redis_url: str) -> Any:
    if not redis_url:
        return InMemoryChannelLayer(capacity=100_000)
    from lobby.layers import BoundedPubSubChannelLayer

    prefix = f"enginebench-{uuid.uuid4().hex[:8]}:"
    return BoundedPubSubChannelLayer(hosts=[{"address": redis_url}], prefix=prefix)


def _group_send_many(layer: Any, redis_url: str) -> Any:
    """The production publisher (one Lua call per chunk), configured for ``redis_url``."""
    if isinstance(layer, InMemoryChannelLayer):
        return None
    os.environ["REDIS_URL"] = redis_url
    os.environ.setdefault("ARENA_SECRET_KEY", "engine-bench-" + "x" * 32)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "game.settings")
    import django

    django.setup()
    from engine.fanout import group_send_many
    from game.engines import redis_for_layer

    return functools.partial(group_send_many, layer, redis=redis_for_layer(layer))


async def run(args: argparse.Namespace) -> dict[str, Any]:
    """Run the worker with bots for ``args.seconds`` and return its tick report."""
    rules = Rules(tick_rate=args.tick_rate, time_limit=3600, score_limit=10**6)
    layer = _layer(args.redis_url)
    worker = EngineWorker(
        layer,
        MemoryEngineRegistry(),
        {"shooter": ShooterGame(rules)},
        group_send_many=_group_send_many(layer, args.redis_url),
    )
    await worker.start()
    rng = random.Random(args.seed)
    seats: list[tuple[str, int]] = []
    for index in range(args.matches):
        match_id = f"bench-{index}"
        hosted = worker.handle_create(match_id, "shooter", "ffa", args.players, seed=index)
        assert hosted is not None
        for seat in range(args.players):
            player_id = hosted.match.add_player(f"bot-{seat}")
            hosted.seats[f"bench-socket-{index}-{seat}"] = player_id
            seats.append((match_id, player_id))
    seq = 0
    held: dict[tuple[str, int], tuple[int, int]] = {}
    deadline = time.monotonic() + args.seconds
    while time.monotonic() < deadline:
        batch = []
        for seat in seats:
            if seat not in held or rng.random() < 2 / args.tick_rate:
                buttons = rng.choice(DIRECTIONS) | (16 if rng.random() < 0.5 else 0)
                held[seat] = (buttons, rng.randint(-3100, 3100))
            seq += 1
            buttons, aim_mrad = held[seat]
            batch.append([seat[0], seat[1], seq, buttons, aim_mrad])
        await worker.handle({"type": messages.INPUTS, "inputs": batch})
        await asyncio.sleep(1 / args.tick_rate)
    report = worker.meter.report().to_dict()
    bullets = sum(len(hosted.match.sim.bullets) for hosted in worker.matches.values())
    await worker.stop()
    period = 1000 / args.tick_rate
    return {
        "matches": args.matches,
        "players": args.matches * args.players,
        "bullets_in_flight": bullets,
        "period_ms": period,
        "ticks": report,
        "duration_p99_percent_of_period": round(100 * report["duration_p99_ms"] / period, 1),
        "cpu_p99_percent_of_period": round(100 * report["cpu_p99_ms"] / period, 1),
        "skipped_publications": worker.skipped_publications,
        "publish_errors": worker.publish_errors,
    }


def command(args: argparse.Namespace) -> int:
    """Run the engine bench and print its report."""
    try:
        import uvloop

        report = uvloop.run(run(args))
    except ImportError:
        report = asyncio.run(run(args))
    print(json.dumps(report, indent=2))
    return 0 if report["publish_errors"] == 0 else 1
