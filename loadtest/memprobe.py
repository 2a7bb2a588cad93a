"""Where does a web process's memory go? ``python -m loadtest.memprobe --phases 3``

The soak's stack and players (``loadtest.soak``: a private redis-server, two web processes in
the hosted shape), in phases: ``--players`` play ``--phase-seconds``, leave, the server settles,
and then, with nobody connected, every web process reports its memory (``loadtest.memhook``,
put on their path as a ``sitecustomize``): RSS, the Python heap tracemalloc sees (with
``--tracemalloc FRAMES``), glibc's bytes in use (its arenas' and the chunks it mmapped on
their own) and free (``mallinfo2``), pymalloc's arenas and the bytes in use in them, and live
objects (``matches``: those played so far, both web processes together). A leak grows the bytes
in use (the Python heap, glibc's, pymalloc's) from one idle point to the next; fragmentation
grows RSS and the free bytes the allocators keep while the bytes in use stay put. Last, every
web process runs ``malloc_trim(0)``: the RSS it gives back was free memory glibc held.
Environment variables such as ``MALLOC_ARENA_MAX`` reach the web processes.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import random
import signal
import sys
import tempfile
import time
import tracemalloc
import uuid
from pathlib import Path
from typing import Any

from loadtest.chatbench import create_database, drop_database
from loadtest.memhook import DIR_ENV, FRAMES_ENV
from loadtest.soak import Sampler, SoakOptions, finish, server_env, settled
from loadtest.soak_player import SoakPlayer, Tally
from loadtest.stack import QUIET_FLAGS, ROOT, Stack, guest_cookie

logger = logging.getLogger(__name__)

MIB = 1024 * 1024
REPORT_TIMEOUT = 120.0  # seconds a web process has to write its figures
SETTLE_TIMEOUT = 90.0
SITECUSTOMIZE = "import loadtest.memhook\n\nloadtest.memhook.install()\n"


async def report(directory: Path, pid: int, count: int, signum: int) -> dict[str, Any]:
    """Signal a web process and read the figures it writes."""
    os.kill(pid, signum)
    path = directory / f"{pid}-{count}.json"
    deadline = time.monotonic() + REPORT_TIMEOUT
    while not path.exists():
        if time.monotonic() > deadline:
            raise TimeoutError(f"no {path.name} from {pid}")
        await asyncio.sleep(0.2)
    return dict(json.loads(path.read_text()))


def _mib(value: int | None) -> str:
    return "-" if value is None else f"{value / MIB:.1f}"  # pymalloc's: none under tracemalloc


def line(phase: int, name: str, matches: int, info: dict[str, Any]) -> str:
    """One idle point of one web process."""
    malloc, pymalloc = info["malloc"], info["pymalloc"]
    traced = _mib(info["traced"])
    return (
        f"{phase:>5} {name:>6} {matches:>8} {info['rss'] / MIB:>8.1f} {traced:>7} "
        f"{(malloc['uordblks'] + malloc['hblkhd']) / MIB:>9.1f} {malloc['fordblks'] / MIB:>8.1f} "
        f"{_mib(pymalloc.get('Total')):>8} "
        f"{_mib(pymalloc.get('# bytes in allocated blocks')):>7} "
        f"{info['objects']:>8}"
    )


HEADER = "phase    web  matches  RSS MiB  py MiB  malloc use  free MiB  pyarenas  py use  objects"


def top_growth(before: Path, after: Path, limit: int = 8) -> list[str]:
    """The lines whose traced memory grew most between two snapshots."""
    ignore = [tracemalloc.Filter(False, tracemalloc.__file__)]
    old = tracemalloc.Snapshot.load(str(before)).filter_traces(ignore)
    new = tracemalloc.Snapshot.load(str(after)).filter_traces(ignore)
    return [str(stat) for stat in new.compare_to(old, "lineno")[:limit]]


async def probe(args: argparse.Namespace) -> None:
    """The whole run (module docstring)."""
    log_dir = Path(tempfile.mkdtemp(prefix="arena-memprobe-"))
    out = log_dir / "memory"
    out.mkdir()
    (log_dir / "sitecustomize.py").write_text(SITECUSTOMIZE)
    options = SoakOptions(players=args.players, match_seconds=args.match_seconds)
    stack = Stack({}, log_dir)
    prefix = f"soak-{uuid.uuid4().hex[:8]}"
    database_url = None
    if args.postgres:
        database_url = await asyncio.to_thread(create_database, args.postgres, prefix)
    try:
        redis_url = await asyncio.to_thread(stack.start_redis, "redis")
        stack.env = server_env(options, log_dir, redis_url, prefix, database_url)
        await asyncio.to_thread(stack.migrate)
        stack.env.update(
            {
                "PYTHONPATH": os.pathsep.join([str(log_dir), str(ROOT)]),
                DIR_ENV: str(out),
                FRAMES_ENV: str(args.tracemalloc),
            }
        )
        webs = {}
        for index in range(2):
            name = f"web-{index + 1}"
            webs[name] = await asyncio.to_thread(stack.start_web, name, QUIET_FLAGS, None, True)
        await asyncio.to_thread(stack.wait_for_engines, webs["web-1"], 2)
        sampler = Sampler(stack, webs, redis_url, prefix)
        bases = list(webs.values())
        cookies = await asyncio.to_thread(
            lambda: [guest_cookie(bases[i % 2]) for i in range(args.players)]
        )
        baseline = await asyncio.to_thread(sampler.sample, 0.0, [])
        pids = {name: stack.pid(name) for name in webs}
        rng = random.Random(args.seed)
        print(f"memprobe: logs in {log_dir}; MALLOC_ARENA_MAX={os.environ.get('MALLOC_ARENA_MAX')}")
        print(HEADER, flush=True)
        matches = 0
        for phase in range(args.phases + 1):
            if phase:
                tally = Tally()
                players = [
                    SoakPlayer(
                        i,
                        bases[i % 2],
                        cookies[i],
                        tally,
                        random.Random(rng.random()),
                        options.input_rate,
                        options.drop_share,
                        options.lobby_share,
                    )
                    for i in range(args.players)
                ]
                stop = asyncio.Event()
                tasks = [asyncio.create_task(player.run(stop)) for player in players]
                await asyncio.sleep(args.phase_seconds)
                stop.set()
                await finish(tasks, players, options.match_seconds + 45)
                deadline = time.monotonic() + SETTLE_TIMEOUT
                while not settled(await asyncio.to_thread(sampler.sample, 0.0, players), baseline):
                    if time.monotonic() > deadline:
                        print("(the server had not settled)")
                        break
                    await asyncio.sleep(1)
                matches += tally.matches_played // 2  # duels: two RESULTs a match
            for name, pid in pids.items():
                info = await report(out, pid, phase + 1, signal.SIGUSR1)
                print(line(phase, name, matches, info), flush=True)
        if args.tracemalloc and args.phases >= 2:
            for name, pid in pids.items():
                print(f"{name}: traced growth, idle point {args.phases - 1} to {args.phases}")
                before, after = (out / f"{pid}-{n}.snap" for n in (args.phases, args.phases + 1))
                for text in await asyncio.to_thread(top_growth, before, after):
                    print("   ", text)
        for name, pid in pids.items():
            info = await report(out, pid, args.phases + 2, signal.SIGUSR2)
            print(
                f"{name}: malloc_trim(0): RSS {info['rss'] / MIB:.1f} -> "
                f"{info['rss_after_trim'] / MIB:.1f} MiB, glibc free "
                f"{info['malloc']['fordblks'] / MIB:.1f} -> "
                f"{info['malloc_after_trim']['fordblks'] / MIB:.1f} MiB"
            )
        sampler.close()
    finally:
        await asyncio.to_thread(stack.stop)
        if database_url is not None:
            await asyncio.to_thread(drop_database, args.postgres, prefix)


def main(argv: list[str] | None = None) -> int:
    """Run the probe from the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--players", type=int, default=60)
    parser.add_argument("--phases", type=int, default=3)
    parser.add_argument("--phase-seconds", type=float, default=120.0)
    parser.add_argument("--match-seconds", type=float, default=10.0)
    parser.add_argument("--tracemalloc", type=int, default=0, metavar="FRAMES")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--postgres", metavar="URL", help="as loadtest.soak's (default: SQLite)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(message)s")
    asyncio.run(probe(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
