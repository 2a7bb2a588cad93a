"""LoopLag: the event loop's own lateness, which the rate limit forgives."""

from __future__ import annotations

import asyncio
import time

import pytest

from lobby.looplag import LoopLag
from lobby.ratelimit import FrameRateLimiter

pytestmark = pytest.mark.timeout(10)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_the_lag_is_the_largest_lateness_of_the_window() -> None:
    clock = Clock()
    lag = LoopLag(window=2.0, clock=clock)
    for now, late in [(0.1, 0.01), (0.2, 0.3), (0.6, 0.05)]:
        clock.now = now
        lag.record(now, late)
    assert lag.lag == 0.3
    clock.now = 2.3  # the 0.3 s probe is more than 2 s old
    assert lag.lag == 0.05
    clock.now = 5.0
    assert lag.lag == 0.0


async def test_a_blocked_loop_shows_as_lag_even_before_its_probe_runs() -> None:
    lag = LoopLag(interval=0.01)
    lag.start(asyncio.get_running_loop())
    try:
        await asyncio.sleep(0.05)
        assert lag.lag < 0.1
        time.sleep(0.3)  # the loop is blocked: the probe is overdue
        assert lag.lag >= 0.25
        await asyncio.sleep(0.05)  # the probe ran, late
        assert lag.lag >= 0.25
    finally:
        lag.stop()


def test_frames_that_queued_while_the_server_was_late_are_not_dropped() -> None:
    strict = FrameRateLimiter(rate=30, burst=10)
    forgiving = FrameRateLimiter(rate=30, burst=10)
    for limiter in (strict, forgiving):
        limiter.allow(0.0)
        limiter.tokens = 0.0  # the client has used its burst
    # the server did not read for 1 s; the client's 20 frames of that second come at once
    kept_strict = sum(strict.allow(1.0) for _ in range(20))
    kept_forgiving = sum(forgiving.allow(1.0, slack=1.0) for _ in range(20))
    assert kept_strict == 10, "only the burst passes when the lag is not allowed for"
    assert kept_forgiving == 20
    assert not forgiving.abusive
