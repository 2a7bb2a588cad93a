"""Does anything grow over a long run? ``python -m loadtest.soak --players 200 --minutes 30``

Starts its own stack: a private redis-server without persistence (its keys and memory are the
run's alone; ``redis-server`` must be on PATH) and ``--webs`` uvicorn web processes (2) in the
hosted shape (each runs an engine worker that hosts its matches), on SQLite in the log directory.
Then ``--players`` guests (``loadtest.soak_player``) go round for ``--minutes``: lobby socket,
QUEUE for a shooter duel, accept the ready check, play the match (``--match-seconds`` long) at
``--input-rate`` INPUTs a second, drop the match socket and come back in ``--drop-share`` of
the matches, reopen the lobby socket after ``--lobby-share`` of the rounds, queue again.

Every ``--interval`` seconds (60) it prints a line (``loadtest.soak_report``): per web process
its RSS, open file descriptors, event-loop tasks and channel-layer groups (the last two from its
``/metrics``), Redis' keys, memory and pub/sub channels, the server's pending ready checks and
live matches beside the matches the players think they are in. When the time is up the players
play their last match out and leave, the run waits for the server to settle, and judges: every
series flat after ``--warmup`` seconds (the rule is in ``soak_report``), and nothing left
behind (no match, ready check, queued player, socket, task, group or Redis key more than before
the players came). Exits 1 when the verdict is not ok. ``--json PATH`` writes the samples.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
import sys
import tempfile
import time
import urllib.request
import uuid
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path

import psutil
import redis
from prometheus_client.parser import text_string_to_metric_families

from loadtest.chatbench import create_database, drop_database
from loadtest.soak_player import DONE, SoakPlayer, Tally
from loadtest.soak_report import (
    MIB,
    ProcessSample,
    Sample,
    Verdict,
    families,
    flat,
    leaks,
    table,
    to_json,
)
from loadtest.stack import QUIET_FLAGS, Stack, base_env, guest_cookie

logger = logging.getLogger(__name__)

METRICS_TOKEN = "soak-run-metrics-token-" + "t" * 16
SETTLE_TIMEOUT = 90.0  # seconds the server has to let go of everything after the players left
SETTLE_POLL = 1.0
END_MARGIN = 45.0  # seconds beyond a match's length the players have to leave after the end
SCRAPE_TIMEOUT = 10.0


@dataclass
class SoakOptions:
    """How big and how long the run is."""

    players: int = 200
    minutes: float = 30.0
    interval: float = 60.0  # seconds between two samples
    warmup: float = 300.0  # seconds of samples the flatness rule leaves out
    webs: int = 2
    match_seconds: float = 60.0  # ARENA_SHOOTER_TIME_LIMIT
    input_rate: float = 5.0
    drop_share: float = 0.3
    lobby_share: float = 0.2
    seed: int | None = None
    log_dir: Path | None = None
    postgres: str | None = None  # a PostgreSQL server: a database of the run's own there


@dataclass
class SoakResult:
    """A finished run."""

    samples: list[Sample]
    baseline: Sample
    final: Sample
    verdict: Verdict
    tally: Tally
    log_dir: Path


def server_env(
    options: SoakOptions, log_dir: Path, redis_url: str, prefix: str, database_url: str | None
) -> dict[str, str]:
    """The environment of the stack's processes."""
    extra = {} if database_url is None else {"DATABASE_URL": database_url}
    return base_env(
        log_dir,
        redis_url,
        prefix,
        **extra,
        ARENA_METRICS_TOKEN=METRICS_TOKEN,
        ARENA_LOG_LEVEL="WARNING",
        ARENA_SHOOTER_TIME_LIMIT=f"{options.match_seconds:g}",
        ARENA_SHOOTER_COUNTDOWN="1",
        ARENA_SHOOTER_SCORE_LIMIT="1000",  # every match lasts its time limit
    )


class Sampler:
    """Reads the stack's processes, Redis and the players (blocking: run it in a thread)."""

    def __init__(self, stack: Stack, webs: dict[str, str], redis_url: str, prefix: str) -> None:
        self.webs = webs
        self.redis = redis.Redis.from_url(redis_url, socket_timeout=SCRAPE_TIMEOUT)
        self.prefix = prefix
        self.processes = {name: psutil.Process(stack.pid(name)) for name in webs}

    def close(self) -> None:
        """Let go of the Redis connection."""
        self.redis.close()

    def keys(self) -> dict[str, int]:
        """The run's Redis keys, by family."""
        keys = [key.decode() for key in self.redis.scan_iter(f"{self.prefix}:*", count=1000)]
        return families(keys)

    def sample(self, at: float, players: list[SoakPlayer]) -> Sample:
        """Everything at once, ``at`` seconds into the run."""
        processes: dict[str, ProcessSample] = {}
        ready = queued = 0.0
        engines: dict[str, float] = {}
        for name, base in self.webs.items():
            process = ProcessSample()
            try:
                proc = self.processes[name]
                process.rss_mib = round(proc.memory_info().rss / MIB, 1)
                process.fds = proc.num_fds()
            except psutil.Error as exc:
                logger.warning("%s: %s", name, exc)
            figures = self._scrape(base)
            process.tasks = figures.get(("arena_asyncio_tasks", ""))
            process.groups = figures.get(("arena_layer_groups", ""))
            process.lobby_sockets = figures.get(("arena_sockets_open", "lobby"), 0.0)
            process.match_sockets = figures.get(("arena_sockets_open", "match"), 0.0)
            ready = max(ready, figures.get(("arena_matchmaking_ready_checks", ""), 0.0))
            queued = max(queued, figures.get(("arena_matchmaking_queued", ""), 0.0))
            for (metric, engine), value in figures.items():
                if metric == "arena_engine_matches":
                    engines[engine] = value
            processes[name] = process
        memory = self.redis.info("memory")
        states = Counter(player.state for player in players)
        thought = {player.match_id for player in players if player.match_id is not None}
        return Sample(
            at=round(at, 1),
            processes=processes,
            redis_keys=int(self.redis.dbsize()),
            redis_mib=round(int(memory["used_memory"]) / MIB, 2),
            pubsub_channels=len(self.redis.pubsub_channels()),
            ready_checks=ready,
            queued=queued,
            server_matches=sum(engines.values()),
            client_matches=len(thought),
            players=dict(states),
        )

    def _scrape(self, base: str) -> dict[tuple[str, str], float]:
        """The figures of one process's /metrics that the run reads, by (name, label)."""
        request = urllib.request.Request(
            f"{base}/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}
        )
        try:
            with urllib.request.urlopen(request, timeout=SCRAPE_TIMEOUT) as response:
                text = response.read().decode()
        except OSError as exc:
            logger.warning("could not scrape %s: %s", base, exc)
            return {}
        figures: dict[tuple[str, str], float] = {}
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                label = sample.labels.get("kind") or sample.labels.get("engine") or ""
                if sample.name == "arena_matchmaking_queued":
                    label = ""  # summed over the modes
                    figures[(sample.name, label)] = figures.get((sample.name, label), 0.0)
                    figures[(sample.name, label)] += sample.value
                else:
                    figures[(sample.name, label)] = sample.value
        return figures


def settled(sample: Sample, baseline: Sample) -> bool:
    """True once the server holds nothing of the players any more."""
    return not leaks(baseline, sample, {}, {})


async def finish(
    tasks: list[asyncio.Task[None]], players: list[SoakPlayer], timeout: float
) -> list[str]:
    """Wait for the players to play their last match out and leave; what those who did not
    were still doing (they are stopped)."""
    _, pending = await asyncio.wait(tasks, timeout=timeout)
    stuck = Counter(player.state for player in players if player.state != DONE)
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    for task in tasks:
        if not task.cancelled() and task.exception() is not None:
            logger.error("a player failed", exc_info=task.exception())
    return [
        f"{count} players still {state} {timeout:g} s after the end"
        for state, count in stuck.items()
    ]


async def soak(options: SoakOptions, out=sys.stdout) -> SoakResult:  # noqa: ANN001
    """The whole run, in a running event loop; its samples and verdict."""
    log_dir = options.log_dir or Path(tempfile.mkdtemp(prefix="arena-soak-"))
    log_dir.mkdir(parents=True, exist_ok=True)
    rng = random.Random(options.seed)
    stack = Stack({}, log_dir)
    sampler: Sampler | None = None
    prefix = f"soak-{uuid.uuid4().hex[:8]}"
    database_url = None
    if options.postgres is not None:
        database_url = await asyncio.to_thread(create_database, options.postgres, prefix)
    try:
        redis_url = await asyncio.to_thread(stack.start_redis, "redis")
        stack.env = server_env(options, log_dir, redis_url, prefix, database_url)
        await asyncio.to_thread(stack.migrate)
        webs: dict[str, str] = {}
        for index in range(options.webs):
            name = f"web-{index + 1}"
            webs[name] = await asyncio.to_thread(stack.start_web, name, QUIET_FLAGS, None, True)
        first = next(iter(webs.values()))
        await asyncio.to_thread(stack.wait_for_engines, first, options.webs)
        sampler = Sampler(stack, webs, redis_url, prefix)
        bases = list(webs.values())
        cookies = await asyncio.to_thread(
            lambda: [guest_cookie(bases[i % len(bases)]) for i in range(options.players)]
        )
        tally = Tally()
        players = [
            SoakPlayer(
                index,
                bases[index % len(bases)],
                cookies[index],
                tally,
                random.Random(rng.random()),
                options.input_rate,
                options.drop_share,
                options.lobby_share,
            )
            for index in range(options.players)
        ]
        baseline = await asyncio.to_thread(sampler.sample, 0.0, [])
        keys_before = await asyncio.to_thread(sampler.keys)
        print(
            f"soak: {options.players} players, {options.minutes:g} min, logs in {log_dir}", file=out
        )
        stop = asyncio.Event()
        started = time.monotonic()
        tasks = [asyncio.create_task(player.run(stop)) for player in players]
        samples: list[Sample] = []
        duration = options.minutes * 60
        while (elapsed := time.monotonic() - started) < duration:
            await asyncio.sleep(min(options.interval, duration - elapsed))
            sample = await asyncio.to_thread(sampler.sample, time.monotonic() - started, players)
            samples.append(sample)
            print(table([sample]).splitlines()[-1], file=out, flush=True)
        stop.set()
        stuck = await finish(tasks, players, options.match_seconds + END_MARGIN)
        deadline = time.monotonic() + SETTLE_TIMEOUT
        while True:
            final = await asyncio.to_thread(sampler.sample, time.monotonic() - started, players)
            if settled(final, baseline) or time.monotonic() > deadline:
                break
            await asyncio.sleep(SETTLE_POLL)
        keys_after = await asyncio.to_thread(sampler.keys)
        growing, judged = flat(samples, options.warmup)
        left = leaks(baseline, final, keys_before, keys_after)
        verdict = Verdict(growing, stuck + left, judged)
        print(table([baseline, *samples, final]), file=out)
        print(f"tally: {tally.as_dict()}", file=out)
        print(f"verdict: {'ok' if verdict.ok else 'FAILED'} {asdict(verdict)}", file=out)
        return SoakResult(samples, baseline, final, verdict, tally, log_dir)
    finally:
        if sampler is not None:
            sampler.close()
        await asyncio.to_thread(stack.stop)
        if options.postgres is not None:
            await asyncio.to_thread(drop_database, options.postgres, prefix)


def main(argv: list[str] | None = None) -> int:
    """Run the soak from the command line; 0 when the verdict is ok."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    defaults = SoakOptions()
    parser.add_argument("--players", type=int, default=defaults.players)
    parser.add_argument("--minutes", type=float, default=defaults.minutes)
    parser.add_argument("--interval", type=float, default=defaults.interval, help="seconds")
    parser.add_argument(
        "--warmup", type=float, default=None, help="seconds left out (default: 1/6 of the run)"
    )
    parser.add_argument("--webs", type=int, default=defaults.webs)
    parser.add_argument("--match-seconds", type=float, default=defaults.match_seconds)
    parser.add_argument("--input-rate", type=float, default=defaults.input_rate)
    parser.add_argument("--drop-share", type=float, default=defaults.drop_share)
    parser.add_argument("--lobby-share", type=float, default=defaults.lobby_share)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--log-dir", type=Path, default=None)
    parser.add_argument(
        "--postgres",
        metavar="URL",
        help="a PostgreSQL server (postgres://user@host:5432/db): the run's database is a new "
        "one there, dropped afterwards (default: SQLite in the log directory, which two web "
        "processes lock each other out of beyond a few dozen matches a minute)",
    )
    parser.add_argument("--json", type=Path, default=None, help="write the samples here")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(message)s")
    warmup = args.warmup if args.warmup is not None else args.minutes * 60 / 6
    options = SoakOptions(
        players=args.players,
        minutes=args.minutes,
        interval=args.interval,
        warmup=warmup,
        webs=args.webs,
        match_seconds=args.match_seconds,
        input_rate=args.input_rate,
        drop_share=args.drop_share,
        lobby_share=args.lobby_share,
        seed=args.seed,
        log_dir=args.log_dir,
        postgres=args.postgres,
    )
    result = asyncio.run(soak(options))
    if args.json is not None:
        args.json.write_text(
            to_json(
                [result.baseline, *result.samples, result.final],
                result.verdict,
                {"options": asdict(options), "tally": result.tally.as_dict()},
            )
        )
    return 0 if result.verdict.ok else 1


if __name__ == "__main__":
    sys.exit(main())
