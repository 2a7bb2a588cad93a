"""The soak run: its flatness rule and leak check, and a one-minute run against a real stack.

The issue's CI run is 2 minutes; one minute with 12 players and 10-second duels is as
meaningful for what it checks: every player goes round the lobby, a ready check and a match
about 4 times (48 matches, a dozen reconnects and lobby reopens), so a task, group, socket, key
or match left behind per match or per socket shows at the end as dozens, far beyond the
allowances, and the flatness rule still judges 10 samples after its warm-up.
"""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest

from loadtest.soak import SoakOptions, soak
from loadtest.soak_report import (
    LAZY_TASKS,
    ProcessSample,
    Sample,
    flat,
    key_family,
    leaks,
)


def sample(at: float, rss: float = 80.0, tasks: float = 20.0, matches: float = 0.0) -> Sample:
    process = ProcessSample(rss_mib=rss, fds=40, tasks=tasks, groups=0)
    return Sample(at, {"web-1": process}, 10, 2.0, 4, 0, 0, matches, 0)


def test_a_load_that_goes_up_and_down_is_flat_and_a_steady_climb_is_not() -> None:
    wavy = [sample(t, rss=80 + (10 if t % 20 else 0)) for t in range(0, 200, 10)]
    assert flat(wavy, warmup=30) == ({}, 17)
    climbing = [sample(t, rss=80 + t / 2) for t in range(0, 200, 10)]
    growing, judged = flat(climbing, warmup=30)
    assert set(growing) == {"web-1.rss_mib"} and judged == 17


def test_the_warmup_is_left_out_of_the_rule() -> None:
    samples = [sample(0, rss=40), sample(10, rss=42), sample(20, rss=80), sample(30, rss=81)]
    assert set(flat(samples, warmup=0)[0]) == {"web-1.rss_mib"}, "42 to 81 MiB is growth"
    assert flat(samples, warmup=20) == ({}, 2)


def test_what_is_left_after_everybody_left_is_a_leak() -> None:
    baseline = sample(0, tasks=16)
    assert leaks(baseline, sample(99, tasks=16 + LAZY_TASKS), {}, {}) == []
    found = leaks(
        baseline,
        sample(99, tasks=40, matches=2),
        {"p:lobby:player:*": 1},
        {"p:lobby:player:*": 3, "p:leaderboard:shooter:duel": 1},
    )
    assert found == [
        "live matches: 2",
        "web-1: tasks 16 before the players, 40 after",
        "Redis keys p:lobby:player:*: 1 before, 3 after",
    ]


def test_key_families_hide_ids_and_names() -> None:
    key = "arena:ticket:0f8fad5b-d9cb-469f-a165-70867728950e:soak17:3"
    assert key_family(key) == "arena:ticket:*:*:*"


@pytest.mark.e2e
@pytest.mark.timeout(240)
@pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server on PATH")
async def test_a_minute_of_players_leaves_nothing_behind(tmp_path: Path) -> None:
    options = SoakOptions(
        players=12,
        minutes=1.0,
        interval=5.0,
        warmup=15.0,
        match_seconds=10.0,
        seed=7,
        log_dir=tmp_path,
    )
    out = io.StringIO()
    result = await soak(options, out)
    assert result.verdict.ok, out.getvalue()
    assert result.tally.matches_played >= options.players, out.getvalue()
    assert result.tally.matches_lost == 0 and not result.tally.closes, out.getvalue()
    assert result.tally.reconnects == result.tally.drops > 0, out.getvalue()
    assert result.tally.lobby_reopens > 0, out.getvalue()
    during = result.samples[len(result.samples) // 2]
    assert during.server_matches > 0 and during.client_matches > 0
