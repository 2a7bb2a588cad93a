"""TickMeter: percentiles of tick durations and start lateness over a sliding window."""

from __future__ import annotations

import pytest

from engine.tickmeter import TickMeter, percentile


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 0.50) == 50.0
    assert percentile(values, 0.99) == 99.0
    assert percentile(values, 1.0) == 100.0
    assert percentile([], 0.5) == 0.0


def test_report_in_milliseconds() -> None:
    meter = TickMeter(window=1000)
    for index in range(100):
        meter.record(lateness=index / 100_000, duration=(index + 1) / 1000)
    report = meter.report()
    assert report.ticks == 100
    assert report.duration_p50_ms == pytest.approx(50.0)
    assert report.duration_p99_ms == pytest.approx(99.0)
    assert report.duration_max_ms == pytest.approx(100.0)
    assert report.lateness_max_ms == pytest.approx(0.99)


def test_window_forgets_old_ticks_and_early_starts_count_as_on_time() -> None:
    meter = TickMeter(window=10)
    for _ in range(50):
        meter.record(lateness=0.5, duration=0.5)
    for _ in range(10):
        meter.record(lateness=-0.001, duration=0.002)
    report = meter.report()
    assert report.duration_max_ms == pytest.approx(2.0)
    assert report.lateness_max_ms == 0.0
    assert meter.total_ticks == 60


def test_cpu_time_is_reported_apart_from_wall_time() -> None:
    meter = TickMeter(window=10)
    for _ in range(10):
        meter.record(lateness=0.0, duration=0.020, cpu=0.005)
    report = meter.report()
    assert report.duration_p99_ms == pytest.approx(20.0)
    assert report.cpu_p99_ms == pytest.approx(5.0)
    assert report.to_dict()["cpu_p50_ms"] == pytest.approx(5.0)
