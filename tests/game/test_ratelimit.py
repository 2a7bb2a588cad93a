"""The per-connection frame rate limiter."""

from __future__ import annotations

import pytest

from game.ratelimit import FrameRateLimiter


def test_burst_then_sustained_rate() -> None:
    limiter = FrameRateLimiter(rate=10, burst=5)
    assert [limiter.allow(0.0) for _ in range(6)] == [True] * 5 + [False]
    assert limiter.allow(0.1)  # one token refilled after 1/rate seconds
    assert not limiter.allow(0.1)


@pytest.mark.parametrize(
    ("frames_per_second", "flooding"),
    [(10, False), (15, False), (19, False), (40, True)],
)
def test_flooding_means_over_twice_the_rate(frames_per_second: int, flooding: bool) -> None:
    limiter = FrameRateLimiter(rate=10, burst=5)
    seen_flood = False
    for i in range(frames_per_second * 3):
        limiter.allow(i / frames_per_second)
        seen_flood = seen_flood or limiter.flooding
    assert seen_flood is flooding


def test_rejects_nonsense_limits() -> None:
    with pytest.raises(ValueError):
        FrameRateLimiter(rate=0, burst=1)
