"""The locust load test: its figures, and a short run against the real stack.

The locustfile itself is only ever loaded by locust in a subprocess: importing locust here would
monkey-patch this process with gevent.
"""

from __future__ import annotations

import csv
import json
import os
import random
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from loadtest.games import game, seating_mode
from loadtest.locust_metrics import Histogram, Metrics, format_summary
from loadtest.stack import QUIET_FLAGS, ROOT, Stack, base_env
from tests.helpers import GAME_NAMES

SMOKE_PLAYERS = 6  # even: three matches of two
SMOKE_SPECTATORS = 2
SMOKE_SECONDS = 10


def test_histogram_percentiles_use_nearest_rank() -> None:
    histogram = Histogram()
    for ms in range(1, 101):  # 1..100 ms
        histogram.add(float(ms))
    summary = histogram.summary()
    assert (summary["p50"], summary["p95"], summary["p99"], summary["max"]) == (50, 95, 99, 100)
    assert summary["count"] == 100 and summary["mean"] == 50.5


def test_worker_reports_merge_into_the_same_figures_as_one_process() -> None:
    rng = random.Random(1)
    values = [rng.expovariate(1 / 20) for _ in range(2000)]
    one = Metrics()
    workers = [Metrics(), Metrics()]
    master = Metrics()
    for index, ms in enumerate(values):
        for metrics in (one, workers[index % 2]):
            metrics.observe("latency", ms)
            metrics.count("snapshots")
            metrics.snapshot_received(1_000 + index // 100)
        if index % 700 == 0:  # reports arrive every few seconds
            master.merge_report(workers[index % 2].take_report())
    for worker in workers:
        master.merge_report(worker.take_report())
    assert master.histograms["latency"].summary() == one.histograms["latency"].summary()
    assert master.counters == one.counters
    assert master.snapshots_per_second == one.snapshots_per_second
    assert not workers[0].counters, "a report hands the figures over"


def test_open_sockets_count_towards_bytes_per_second_across_reports() -> None:
    worker, master = Metrics(), Metrics()
    worker.socket_opened(1, "match", now=10.0)
    master.merge_report(worker.take_report(now=12.0))
    worker.socket_closed(1, now=15.0)
    worker.count("match_bytes_received", 5000)
    master.merge_report(worker.take_report(now=16.0))
    assert master.socket_seconds["match"] == pytest.approx(5.0)
    master.started_at, master.stopped_at = 0.0, 10.0
    assert master.summary()["bytes_per_s_per_client"]["received"] == 1000.0
    assert "bytes/s per client   1000.0 received" in format_summary(master.summary())


# -- the real thing ------------------------------------------------------------------------------


@pytest.fixture
def web(tmp_path: Path, redis_url: str, redis_prefix: str) -> Iterator[str]:
    """One engine worker and one web process on Redis, as in production."""
    env = base_env(tmp_path, redis_url, redis_prefix, ARENA_LOG_LEVEL="WARNING")
    stack = Stack(env, tmp_path)
    try:
        stack.migrate()
        stack.start_engine("engine")
        base = stack.start_web("web", QUIET_FLAGS)
        stack.wait_for_engines(base, 1)
        yield base
    finally:
        stack.stop()


@pytest.mark.e2e
@pytest.mark.redis
@pytest.mark.timeout(120)
@pytest.mark.parametrize("game_name", GAME_NAMES)
def test_a_short_locust_run_plays_without_failures(
    web: str, tmp_path: Path, game_name: str
) -> None:
    definition = game(game_name)
    out = tmp_path / "results"
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOCUST_")}
    args = [
        sys.executable,
        "-m",
        "locust",
        "-f",
        "loadtest/locustfile.py",
        "--headless",
        "-u",
        str(SMOKE_PLAYERS + SMOKE_SPECTATORS),
        "-r",
        str(SMOKE_PLAYERS + SMOKE_SPECTATORS),
        "-t",
        f"{SMOKE_SECONDS}s",
        "--host",
        web,
        "--csv",
        str(out / "locust"),
        "--html",
        str(out / "locust.html"),
        "--only-summary",
        "--arena-game",
        game_name,
        "--arena-mode",
        seating_mode(definition, 2).name,
        "--arena-player-weight",
        str(SMOKE_PLAYERS),
        "--arena-spectator-weight",
        str(SMOKE_SPECTATORS),
        "--arena-watch-time",
        "4",  # so that spectators switch matches during the run
    ]
    run = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=90)
    output = run.stdout[-6000:] + run.stderr[-6000:]
    assert run.returncode == 0, output  # locust exits 1 when anything failed

    with open(out / "locust_stats.csv", newline="") as stats_file:
        rows = list(csv.DictReader(stats_file))
    by_name = {(row["Type"], row["Name"]): row for row in rows}
    assert {("WS", "KEYFRAME"), ("WS", "DELTA"), ("WS", "send INPUT")} <= set(by_name), rows
    assert {("LOBBY", "MATCH_FOUND"), ("WATCH", "SPECTATING"), ("WATCH", "DELTA")} <= set(by_name)
    assert all(int(row["Failure Count"]) == 0 for row in rows), rows
    with open(out / "locust_failures.csv", newline="") as failures_file:
        assert list(csv.DictReader(failures_file)) == []
    assert (out / "locust.html").stat().st_size > 0

    summary = json.loads((out / "locust_summary.json").read_text())
    users = summary["users"]
    assert users["reached"] == SMOKE_PLAYERS + SMOKE_SPECTATORS, summary
    assert users["players_started"] == SMOKE_PLAYERS, summary
    assert users["players_with_snapshots"] == SMOKE_PLAYERS, "every player received snapshots"
    assert users["spectators_started"] == SMOKE_SPECTATORS, summary
    assert users["spectators_with_snapshots"] == SMOKE_SPECTATORS, "every spectator too"
    # every player joined a match (a game that ends itself may have ended it and found another)
    assert summary["matches"]["joined"] >= SMOKE_PLAYERS, summary
    assert summary["disconnects_total"] == 0 and summary["chain_breaks"] == 0, summary
    assert summary["throttled"]["frames"] == 0, summary
    assert summary["locust"]["failures"] == 0, summary
    # Every player got a match in a few seconds and then a snapshot stream at about the tick
    # rate (a game that sends on change: a KEYFRAME a second at least); a busy machine may delay
    # or drop a few, not most.
    assert summary["time_to_match_ms"]["count"] >= SMOKE_PLAYERS
    every_tick = definition.snapshots == "every_tick"
    assert summary["snapshots"]["per_s_per_client"] > (
        definition.tick_rate / 2 if every_tick else 1
    ), summary
    assert summary["latency_ms"]["count"] == summary["snapshots"]["received"] > 0
    assert summary["bytes_per_s_per_client"]["received"] > 0
    assert summary["spectators"]["latency_ms"]["count"] > 0
    assert "Arena load test summary" in run.stdout
