"""How well a tick loop keeps its schedule: tick durations and start lateness, as percentiles."""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

DEFAULT_WINDOW = 200  # ticks: the last ten seconds at 20 Hz


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
    """

    def __init__(self, window: int = DEFAULT_WINDOW) -> None:
        self._durations: deque[float] = deque(maxlen=window)
        self._cpu: deque[float] = deque(maxlen=window)
        self._lateness: deque[float] = deque(maxlen=window)
        self.total_ticks = 0

    def record(self, lateness: float, duration: float, cpu: float | None = None) -> None:
        """One tick that started ``lateness`` s after it was due and ran for ``duration`` s."""
        self._lateness.append(max(0.0, lateness))
        self._durations.append(duration)
        self._cpu.append(duration if cpu is None else cpu)
        self.total_ticks += 1

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
