"""The drift-free tick schedule."""

from __future__ import annotations

import pytest

from engine.ticker import FixedRateTicker


def test_ticks_follow_an_absolute_schedule_despite_late_wakeups() -> None:
    ticker = FixedRateTicker(rate=20, start=100.0)
    ran = 0
    now = 100.0
    for _ in range(200):
        now = ticker.next_deadline() + 0.004  # every wake-up is 4 ms late
        ran += ticker.take_due(now)
    # late wake-ups do not accumulate: after 200 wake-ups, exactly 200 ticks, on schedule
    assert ran == 200
    assert ticker.next_deadline() == pytest.approx(100.0 + 201 / 20)


@pytest.mark.parametrize(
    ("late_by", "due", "skipped"),
    [(0.0, 1, 0), (0.049, 1, 0), (0.05, 2, 0), (0.10, 3, 0), (0.5, 3, 8)],
)
def test_catch_up_is_bounded(late_by: float, due: int, skipped: int) -> None:
    ticker = FixedRateTicker(rate=20, start=0.0, max_catch_up=3)
    assert ticker.take_due(0.05 + late_by) == due
    assert ticker.skipped == skipped


def test_nothing_due_before_the_deadline() -> None:
    ticker = FixedRateTicker(rate=10, start=0.0)
    assert ticker.seconds_until_next(0.04) == pytest.approx(0.06)
    assert ticker.take_due(0.099) == 0


def test_rejects_a_nonpositive_rate() -> None:
    with pytest.raises(ValueError):
        FixedRateTicker(rate=0, start=0.0)
