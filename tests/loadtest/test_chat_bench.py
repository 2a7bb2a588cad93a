"""The chat bench, small: every message reaches every socket of its room on both processes,
and the report adds up."""

from __future__ import annotations

import json

import pytest

from loadtest import bench
from tests.conftest import REDIS_TEST_URL

pytestmark = [pytest.mark.e2e, pytest.mark.redis, pytest.mark.timeout(120)]


def test_a_short_run_delivers_every_message_to_its_whole_room(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status = bench.main(
        [
            "chat",
            "--users",
            "12",
            "--seconds",
            "3",
            "--interval",
            "1.5",
            "--rooms",
            "shooter,football",
            "--redis-url",
            REDIS_TEST_URL,
            "--json",
        ]
    )
    report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert status == 0, report
    assert report["webs"] == 2 and report["rooms"] == {"shooter": 6, "football": 6}
    assert report["messages_sent"] >= 12, "each user sent at least once"
    assert report["deliveries"] == report["messages_sent"] * 6, "each to its room of 6"
    assert (report["lost"], report["refused"]) == (0, 0)
    latency = report["delivery_ms"]
    assert 0 < latency["p50"] <= latency["p99"] <= latency["max"]
    assert set(report["cpu_percent"]) >= {"web-1", "web-2", "loadgen"}
