"""The leaderboard bench, small: it seeds a temporary SQLite, times the calls, checks the plans."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from loadtest.leaderboardbench import format_reports

pytestmark = pytest.mark.timeout(60)


def test_the_bench_times_pages_and_ranks_from_the_index(tmp_path: Path) -> None:
    out = tmp_path / "leaderboard.json"
    done = subprocess.run(
        [sys.executable, "-m", "loadtest.bench", "leaderboard", "--players", "1500"]
        + ["--repeats", "3", "--postgres", "", "--json", str(out)],
        capture_output=True,
        text=True,
        check=False,
        timeout=50,
    )
    assert done.returncode == 0, done.stderr
    [report] = json.loads(out.read_text())
    assert (report["database"], report["players"], report["pages"]) == ("sqlite", 1500, 15)
    assert set(report["timings_ms"]) == {"count", "page 1", "page middle", "page last", "rank"}
    assert all(t["median"] > 0 and t["max"] >= t["p95"] >= 0 for t in report["timings_ms"].values())
    assert report["index_used"], report["plans"]
    assert "leaderboard_rank" in report["plans"]["page"]
    assert "| sqlite" in done.stdout and format_reports([report]) in done.stdout
