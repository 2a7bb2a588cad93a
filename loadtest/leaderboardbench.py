"""Leaderboard bench: the leaderboard's queries with 100,000 rated players.

    python -m loadtest.bench leaderboard [--players 100000] [--repeats 50] [--seed 1]
        [--postgres postgres://postgres@127.0.0.1:5432/test | --postgres ""] [--json PATH]

For each database, a temporary SQLite file and the PostgreSQL at ``--postgres`` if it answers
(in a schema of its own, dropped afterwards; ``--postgres ""`` skips it), a process of its own
migrates the lobby's tables, seeds ``--players`` ratings in the shooter's duel (drawn from a
normal distribution around 1500, rounded to a tenth so that some are tied) with a profile each,
plus a tenth as many in the free-for-all (another mode in the same index), then ANALYZEs
(PostgreSQL: VACUUM ANALYZE, as autovacuum would after such a load) and times, ``--repeats``
times each, the calls the pages make (``lobby.leaderboard``):

- ``page 1``, ``page middle``, ``page last``: ``leaderboard_page`` (the count for the pager,
  the page's 100 rows in leaderboard order, their names, the first row's rank);
- ``count``: the count alone (the pager's share of a page);
- ``rank``: ``position_of`` for a random player (its rating, the ratings above it, the tied
  ones listed before it).

It reports the median, p95 and maximum of each in milliseconds and the query plans of the page
and of the rank count, which must read the ``leaderboard_rank`` index (exit status 1 if not).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5432/test"
GAME, MODE, OTHER_MODE = "shooter", "duel", "ffa"
INDEX = "leaderboard_rank"
BATCH = 5000


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``leaderboard`` subcommand's options."""
    parser.add_argument("--players", type=int, default=100_000, help="ratings in the duel")
    parser.add_argument("--repeats", type=int, default=50, help="timings of each call")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--postgres", default=DEFAULT_POSTGRES, help='PostgreSQL URL; "" for SQLite only'
    )
    parser.add_argument("--json", type=Path, help="write the reports here")
    parser.add_argument("--worker", help=argparse.SUPPRESS)  # a database URL: measure it here


def postgres_reachable(url: str) -> bool:
    """True if PostgreSQL at ``url`` accepts a connection within 2 s."""
    import psycopg

    try:
        psycopg.connect(url, connect_timeout=2).close()
    except psycopg.Error as exc:
        print(f"PostgreSQL at {url} not reachable ({exc}): SQLite only", file=sys.stderr)
        return False
    return True


def command(args: argparse.Namespace) -> int:
    """Measure each database in a process of its own; print the reports; an exit status."""
    if args.worker:
        report = measure(args.worker, args.players, args.repeats, args.seed)
        print(json.dumps(report))
        return 0
    if args.players < 1 or args.repeats < 1:
        raise SystemExit("--players and --repeats must be positive")
    reports = []
    with tempfile.TemporaryDirectory(prefix="arena-leaderboard-") as tmp:
        urls = [f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"]
        if args.postgres and postgres_reachable(args.postgres):
            urls.append(args.postgres)
        for url in urls:
            worker = [sys.executable, "-m", "loadtest.leaderboardbench", "--worker", url]
            options = ["--players", str(args.players), "--repeats", str(args.repeats)]
            done = subprocess.run(
                [*worker, *options, "--seed", str(args.seed)],
                capture_output=True,
                text=True,
                check=False,
            )
            if done.returncode != 0:
                print(done.stderr, file=sys.stderr)
                return 1
            reports.append(json.loads(done.stdout.strip().splitlines()[-1]))
    print(format_reports(reports))
    if args.json:
        args.json.write_text(json.dumps(reports, indent=2))
    return 0 if all(report["index_used"] for report in reports) else 1


def _configure(url: str) -> Callable[[], None]:
    """Django with the lobby's models on ``url`` (PostgreSQL: in a new schema); the clean-up."""
    import dj_database_url
    import django
    from django.conf import settings

    database = dj_database_url.parse(url)
    cleanup: Callable[[], None] = lambda: None  # noqa: E731
    if database["ENGINE"].endswith("postgresql"):
        import psycopg

        schema = f"arena_bench_{os.getpid()}"
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(f"CREATE SCHEMA {schema}")
        database["OPTIONS"] = {"options": f"-c search_path={schema}"}

        def cleanup() -> None:
            from django.db import connections

            connections.close_all()
            with psycopg.connect(url, autocommit=True) as admin:
                admin.execute(f"DROP SCHEMA {schema} CASCADE")

    settings.configure(
        INSTALLED_APPS=["django.contrib.auth", "django.contrib.contenttypes", "lobby"],
        DATABASES={"default": database},
        DEFAULT_AUTO_FIELD="django.db.models.BigAutoField",
        USE_TZ=True,
    )
    django.setup()
    return cleanup


def seed(players: int, seed_value: int) -> None:
    """``players`` duel ratings with profiles, and a tenth as many free-for-all ratings, in one
    transaction."""
    from django.db import transaction

    from lobby.models import PlayerProfile, Rating

    rng = random.Random(seed_value)
    profiles = (PlayerProfile(key=f"guest:bench{i}", name=f"bot{i}") for i in range(players))
    duel = (
        Rating(
            player_key=f"guest:bench{i}",
            game=GAME,
            mode=MODE,
            rating=round(rng.gauss(1500, 200), 1),
            games=rng.randint(1, 200),
        )
        for i in range(players)
    )
    ffa = (
        Rating(
            player_key=f"guest:bench{i}", game=GAME, mode=OTHER_MODE, rating=rng.gauss(1500, 200)
        )
        for i in range(players // 10)
    )
    with transaction.atomic():
        for model, rows in ((PlayerProfile, profiles), (Rating, duel), (Rating, ffa)):
            model.objects.bulk_create(rows, batch_size=BATCH)


def _timings(call: Callable[[], object], repeats: int) -> dict[str, float]:
    """Milliseconds per call: median, p95 and maximum over ``repeats`` calls (after one)."""
    call()  # warm: the connection, the statement's plan, the pages it reads
    values = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        values.append((time.perf_counter() - start) * 1000)
    p95 = (
        statistics.quantiles(values, n=20, method="inclusive")[-1] if len(values) > 1 else values[0]
    )
    return {"median": statistics.median(values), "p95": p95, "max": max(values)}


def _plans(vendor: str) -> dict[str, str]:
    """The query plans of a page and of the rank count."""
    from django.db import connection

    from lobby.leaderboard import PAGE_SIZE, ranked
    from lobby.models import Rating

    page = ranked(GAME, MODE).values_list("player_key", "rating", "games")[:PAGE_SIZE]
    better = Rating.objects.filter(game=GAME, mode=MODE, rating__gt=1600.0).values("id")
    explain = "EXPLAIN QUERY PLAN" if vendor == "sqlite" else "EXPLAIN"
    plans = {}
    with connection.cursor() as cursor:
        for name, query in (("page", page), ("rank", better)):
            sql, params = query.query.sql_with_params()
            if name == "rank":
                sql = f"SELECT COUNT(*) FROM ({sql}) counted"
            cursor.execute(f"{explain} {sql}", params)
            plans[name] = " | ".join(str(row[-1]) for row in cursor.fetchall())
    return plans


def _version(connection: Any) -> str:
    """The database server's version, as ``15.2`` or ``3.40.1``."""
    if connection.vendor == "postgresql":
        number = connection.pg_version
        return f"{number // 10000}.{number % 10000}"
    return sqlite3.sqlite_version


def measure(url: str, players: int, repeats: int, seed_value: int) -> dict[str, Any]:
    """Seed and time the leaderboard's calls on the database at ``url`` (this process)."""
    cleanup = _configure(url)
    try:
        from django.core.management import call_command
        from django.db import connection

        from lobby.leaderboard import leaderboard_page, page_count, position_of
        from lobby.models import Rating

        call_command("migrate", "lobby", verbosity=0)
        started = time.perf_counter()
        seed(players, seed_value)
        seeded_s = time.perf_counter() - started
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
        last = page_count(players)
        rng = random.Random(seed_value + 1)
        timings = {
            "count": _timings(lambda: Rating.objects.filter(game=GAME, mode=MODE).count(), repeats),
            "page 1": _timings(lambda: leaderboard_page(GAME, MODE, 1), repeats),
            "page middle": _timings(lambda: leaderboard_page(GAME, MODE, last // 2), repeats),
            "page last": _timings(lambda: leaderboard_page(GAME, MODE, last), repeats),
            "rank": _timings(
                lambda: position_of(f"guest:bench{rng.randrange(players)}", GAME, MODE), repeats
            ),
        }
        plans = _plans(connection.vendor)
        return {
            "database": connection.vendor,
            "version": _version(connection),
            "players": players,
            "pages": last,
            "repeats": repeats,
            "seed_s": round(seeded_s, 2),
            "timings_ms": timings,
            "plans": plans,
            "index_used": all(INDEX in plan for plan in plans.values()),
        }
    finally:
        cleanup()


def format_reports(reports: list[dict[str, Any]]) -> str:
    """The reports as a table of milliseconds (median / p95 / max) and their plans."""
    lines = ["| database | call | median ms | p95 ms | max ms |", "|---|---|---|---|---|"]
    for report in reports:
        name = f"{report['database']} {report['version']}"
        for call, timing in report["timings_ms"].items():
            lines.append(
                f"| {name} | {call} | {timing['median']:.2f} | {timing['p95']:.2f} |"
                f" {timing['max']:.2f} |"
            )
    for report in reports:
        lines.append("")
        lines.append(
            f"{report['database']}: {report['players']} players ({report['pages']} pages),"
            f" seeded in {report['seed_s']} s; index used: {report['index_used']}"
        )
        for name, plan in report["plans"].items():
            lines.append(f"  {name} plan: {plan}")
    return "\n".join(lines)


if __name__ == "__main__":  # the process that measures one database (``--worker``)
    worker_parser = argparse.ArgumentParser()
    add_arguments(worker_parser)
    sys.exit(command(worker_parser.parse_args()))
