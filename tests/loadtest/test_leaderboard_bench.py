"""The leaderboard bench, small: it seeds a temporary SQLite, times the calls, checks the plans."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from loadtest.leaderboardbench import DEFAULT_POSTGRES, format_reports, postgres_reachable

pytestmark = pytest.mark.timeout(60)


def run_bench(tmp_path: Path, postgres: str) -> tuple[subprocess.CompletedProcess, list[dict]]:
    out = tmp_path / "leaderboard.json"
    done = subprocess.run(
        [sys.executable, "-m", "loadtest.bench", "leaderboard", "--players", "1500"]
        + ["--repeats", "3", "--postgres", postgres, "--json", str(out)],
        capture_output=True,
        text=True,
        check=False,
        timeout=50,
    )
    assert done.returncode == 0, done.stderr
    return done, json.loads(out.read_text())


def test_the_bench_times_pages_and_ranks_from_the_index(tmp_path: Path) -> None:
    done, [report] = run_bench(tmp_path, "")
    assert (report["database"], report["players"], report["pages"]) == ("sqlite", 1500, 15)
    assert set(report["timings_ms"]) == {"count", "page 1", "page middle", "page last", "rank"}
    assert all(t["median"] > 0 and t["max"] >= t["p95"] >= 0 for t in report["timings_ms"].values())
    assert report["index_used"], report["plans"]
    assert "leaderboard_rank" in report["plans"]["page"]
    assert "| sqlite" in done.stdout and format_reports([report]) in done.stdout


def test_on_postgresql_the_plans_use_the_index_and_the_schema_is_dropped(tmp_path: Path) -> None:
    if not postgres_reachable(DEFAULT_POSTGRES):
        pytest.skip(f"no PostgreSQL at {DEFAULT_POSTGRES}")
    import psycopg

    _, [_, report] = run_bench(tmp_path, DEFAULT_POSTGRES)
    assert report["database"] == "postgresql" and report["index_used"], report["plans"]
    assert "Index Only Scan using leaderboard_rank" in report["plans"]["rank"]
    with psycopg.connect(DEFAULT_POSTGRES) as connection:
        schemas = connection.execute(
            "SELECT schema_name FROM information_schema.schemata "
            "WHERE schema_name LIKE 'arena_bench_%'"
        ).fetchall()
    assert schemas == [], "the bench drops its schema"
