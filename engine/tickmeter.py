"""How well a tick loop keeps its schedule: tick durations and start lateness, as percentiles."""

from __future__ import annotations

import math
from bisect import bisect_left
from collections import deque
from dataclasses import dataclass
from typing import Any

DEFAULT_WINDOW = 200  # ticks: the last ten seconds at 20 Hz
# upper bounds (seconds) of the cumulative tick-duration histogram: a 20 Hz tick has 50 ms
DURATION_BUCKETS = (0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.25, 1.0)


@dataclass(frozen=True, slots=True)
class TickReport:
    """Percentiles over the recent window, in milliseconds."""

    ticks: int
    duration_p50_ms: float
    duration_p99_ms: float
    duration_max_ms: float
    cpu_p50_ms: float
    cpu_p99_ms: float
    lateness_p50_ms: float
    lateness_p99_ms: float
    lateness_max_ms: float

    def to_dict(self) -> dict[str, float]:
        """The report as a JSON-ready mapping."""
        return {
            "ticks": self.ticks,
            "duration_p50_ms": round(self.duration_p50_ms, 3),
            "duration_p99_ms": round(self.duration_p99_ms, 3),
            "duration_max_ms": round(self.duration_max_ms, 3),
            "cpu_p50_ms": round(self.cpu_p50_ms, 3),
            "cpu_p99_ms": round(self.cpu_p99_ms, 3),
            "lateness_p50_ms": round(self.lateness_p50_ms, 3),
            "lateness_p99_ms": round(self.lateness_p99_ms, 3),
            "lateness_max_ms": round(self.lateness_max_ms, 3),
        }


def percentile(sorted_values: list[float], fraction: float) -> float:
    """The value below which ``fraction`` of the sorted values lie (nearest rank)."""
    if not sorted_values:
        return 0.0
    rank = math.ceil(fraction * len(sorted_values))
    return sorted_values[min(len(sorted_values), max(1, rank)) - 1]


class TickMeter:
    """Keeps the last ``window`` ticks' durations, CPU times and start lateness (seconds).

    The duration is wall-clock time from the tick's start to its end; the CPU time is what the
    tick itself computed. They differ when the operating system runs other processes meanwhile.
    Besides the window, every tick's duration is counted into ``DURATION_BUCKETS`` for good (a
    Prometheus histogram: ``histogram``).
    """

    def __init__(self, window: int = DEFAULT_WINDOW) -> None:
        self._durations: deque[float] = deque(maxlen=window)
        self._cpu: deque[float] = deque(maxlen=window)
        self._lateness: deque[float] = deque(maxlen=window)
        self._bucket_counts = [0] * (len(DURATION_BUCKETS) + 1)  # the last: above every bound
        self.duration_sum = 0.0
        self.total_ticks = 0

    def record(self, lateness: float, duration: float, cpu: float | None = None) -> None:
        """One tick that started ``lateness`` s after it was due and ran for ``duration`` s."""
        self._lateness.append(max(0.0, lateness))
        self._durations.append(duration)
        self._cpu.append(duration if cpu is None else cpu)
        self._bucket_counts[bisect_left(DURATION_BUCKETS, duration)] += 1
        self.duration_sum += duration
        self.total_ticks += 1

    def histogram(self) -> dict[str, Any]:
        """Every tick's duration since the start, JSON-ready: ``le`` (bucket bounds, s),
        ``counts`` (cumulative; one more than ``le``, the last counting every tick), ``sum``
        (s) and ``count``.
        """
        cumulative: list[int] = []
        running = 0
        for count in self._bucket_counts:
            running += count
            cumulative.append(running)
        return {
            "le": list(DURATION_BUCKETS),
            "counts": cumulative,
            "sum": round(self.duration_sum, 6),
            "count": self.total_ticks,
        }

    def report(self) -> TickReport:
        """Percentiles of the recorded window."""
        durations = sorted(self._durations)
        cpu = sorted(self._cpu)
        lateness = sorted(self._lateness)
        return TickReport(
            ticks=len(durations),
            duration_p50_ms=percentile(durations, 0.50) * 1000,
            duration_p99_ms=percentile(durations, 0.99) * 1000,
            duration_max_ms=(durations[-1] if durations else 0.0) * 1000,
            cpu_p50_ms=percentile(cpu, 0.50) * 1000,
            cpu_p99_ms=percentile(cpu, 0.99) * 1000,
            lateness_p50_ms=percentile(lateness, 0.50) * 1000,
            lateness_p99_ms=percentile(lateness, 0.99) * 1000,
            lateness_max_ms=(lateness[-1] if lateness else 0.0) * 1000,
        )
