"""The flood run: its verdict, and a short flood from four loopback addresses beside players."""

from __future__ import annotations

from pathlib import Path

import pytest

from loadtest import flood
from loadtest.flood import Window, verdict


def window(rtts: list[float], snapshots: int, rss: float = 100.0) -> Window:
    return Window(rtts, snapshots, seconds=10.0, players=2, peak_rss_mib=rss)


def test_the_flood_window_is_judged_against_the_quiet_one() -> None:
    quiet = window([2.0] * 100, 400)
    assert verdict(quiet, window([3.0] * 100, 390), 0.1, 10.0, 64.0) == []
    failed = verdict(quiet, window([30.0] * 100, 300, rss=200.0), 0.1, 10.0, 64.0)
    assert len(failed) == 3 and failed[0].startswith("RTT p99 30.0 ms")


@pytest.mark.e2e
@pytest.mark.timeout(120)
def test_players_do_not_notice_a_short_flood(tmp_path: Path) -> None:
    # Half-open handshakes are cut off after 2 s, well within the 12 s attack; the storm is
    # paced at 100 attempts a second per address (4,800 in all), so that the test holds on a
    # busy machine too: flat out, its CPU cost shows in the delivery (docs/operations.md).
    options = ["--players", "8", "--seconds", "6", "--handshake-timeout", "2"]
    args = flood.parse_args([*options, "--storm-rate", "100"])
    result = flood.run(args, tmp_path)
    attack = result["attack"]
    assert attack["storm"].get("http 429", 0) > 1000, attack  # thousands of attempts, refused
    assert attack["halfopen"].get("HTTP/1.1 408 Request Timeout", 0) > 0, attack
    assert "close 1009" in attack["oversized"], attack
    assert "close 4000" in attack["malformed"], attack
    # The round trip's p99 and the delivery are measured, not asserted: both depend on the CPU
    # the machine has to spare beside the test (run beside a 200-player soak on two cores, the
    # delivery fell to 0.89 of the quiet window's); loadtest.flood on a quiet machine holds them
    # to the goal (docs/operations.md). The players' sockets and the memory are asserted.
    measured = ("RTT", "delivery")
    assert [f for f in result["failed"] if not f.startswith(measured)] == [], result
    assert result["flood"]["delivery"] > 0.5, result  # the players are still served
