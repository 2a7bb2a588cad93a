"""The per-connection frame rate limiter: bucket, throttle notices, abuse."""

from __future__ import annotations

import pytest

from lobby.ratelimit import ABUSE_SECONDS, FrameRateLimiter


def send_steadily(limiter: FrameRateLimiter, per_second: float, seconds: float) -> int:
    """Send frames evenly for ``seconds``; the time of the first abuse verdict, or -1."""
    for i in range(int(per_second * seconds)):
        now = i / per_second
        if not limiter.allow(now) and limiter.abusive:
            return i
    return -1


def test_bursts_within_the_bucket_pass_then_the_rate_holds() -> None:
    limiter = FrameRateLimiter(rate=10, burst=5)
    assert [limiter.allow(0.0) for _ in range(6)] == [True] * 5 + [False]
    assert limiter.allow(0.1)  # one token refilled after 1/rate seconds
    assert not limiter.allow(0.1)
    assert limiter.dropped_total == 2


def test_a_client_at_the_rate_loses_nothing() -> None:
    limiter = FrameRateLimiter(rate=30, burst=10)
    assert all(limiter.allow(i / 30) for i in range(30 * 20))
    assert limiter.dropped_total == 0 and not limiter.abusive


def test_excess_is_dropped_and_reported_at_most_once_a_second() -> None:
    limiter = FrameRateLimiter(rate=10, burst=5)
    notices = []
    for i in range(60):  # 20 frames/s for 3 s: twice the rate, not abuse
        now = i / 20
        if not limiter.allow(now):
            dropped = limiter.take_notice(now)
            if dropped:
                notices.append((now, dropped))
    assert len(notices) == 3
    assert all(b[0] - a[0] >= 1.0 for a, b in zip(notices, notices[1:], strict=False))
    # every drop is reported exactly once, except those since the last notice
    assert sum(n for _, n in notices) + limiter.dropped_unreported == limiter.dropped_total
    assert limiter.dropped_total >= 20
    assert not limiter.abusive


def test_nothing_to_report_without_drops() -> None:
    limiter = FrameRateLimiter(rate=10, burst=5)
    limiter.allow(0.0)
    assert limiter.take_notice(5.0) == 0


@pytest.mark.parametrize("per_second", [10, 20, 30])
def test_up_to_three_times_the_rate_is_only_throttled(per_second: int) -> None:
    limiter = FrameRateLimiter(rate=10, burst=5)
    assert send_steadily(limiter, per_second, seconds=20) == -1


def test_over_three_times_the_rate_for_five_seconds_is_abuse() -> None:
    limiter = FrameRateLimiter(rate=10, burst=5)
    frame = send_steadily(limiter, 40, seconds=20)
    assert frame >= 0, "sustained abuse was never flagged"
    assert (ABUSE_SECONDS - 1) * 40 <= frame < ABUSE_SECONDS * 40


def test_a_pause_resets_the_abuse_count() -> None:
    limiter = FrameRateLimiter(rate=10, burst=5)
    for second in (0, 1, 2, 3, 6, 7, 8, 9):  # four heavy seconds, a pause, four more
        for i in range(40):
            now = second + i / 40
            if not limiter.allow(now):
                assert not limiter.abusive, f"flagged at {now:.2f} s"


def test_ten_times_the_rate_in_one_second_is_abuse_at_once() -> None:
    limiter = FrameRateLimiter(rate=10, burst=5)
    verdicts = [not limiter.allow(0.001 * i) and limiter.abusive for i in range(150)]
    assert verdicts.index(True) == 100  # the 101st frame within one second


def test_rejects_nonsense_limits() -> None:
    with pytest.raises(ValueError):
        FrameRateLimiter(rate=0, burst=1)
