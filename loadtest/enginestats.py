"""The engine's own tick statistics, sampled from a web process's ``/healthz`` during a window.

Every engine worker announces, about once a second, percentiles of its last ``DEFAULT_WINDOW``
ticks (engine.tickmeter): how long a tick took and how late it started. ``GET /healthz`` shows
them per engine. Sampling every couple of seconds and combining the samples (median of the
medians, maximum of the p99s and of the maxima) gives the engine's view of the window.

A sample describes the ticks of the ``DEFAULT_WINDOW / tick_rate`` seconds before the engine's
last heartbeat, so the samples taken early in the window still look back into the warm-up: only
those taken at least that long (plus a heartbeat) after the window opened are combined, unless
the window is too short to have any.
"""

from __future__ import annotations

import json
import logging
import statistics
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any

from engine.registry import HEARTBEAT_INTERVAL
from engine.tickmeter import DEFAULT_WINDOW

logger = logging.getLogger(__name__)

SAMPLE_INTERVAL = 2.0  # seconds between two /healthz requests


@dataclass
class HealthSample:
    """One ``/healthz`` answer: when it came (seconds into the window) and its engines."""

    at: float
    engines: list[dict[str, Any]] = field(default_factory=list)


def fetch_engines(url: str, timeout: float = 5.0) -> list[dict[str, Any]]:
    """The ``engines`` list of one ``/healthz`` answer (it answers 503 without an engine)."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            body = response.read()
    except urllib.error.HTTPError as error:
        body = error.read()
    return list(json.loads(body or b"{}").get("engines", []))


class HealthSampler:
    """Requests ``url`` at the start of the window, every ``interval`` and once at its end."""

    def __init__(self, url: str, interval: float = SAMPLE_INTERVAL) -> None:
        self.url = url
        self.interval = interval
        self.samples: list[HealthSample] = []
        self.errors = 0
        self.started = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="health-sampler", daemon=True)

    def start(self) -> None:
        """Open the window and take the first sample."""
        self.started = time.monotonic()
        self._thread.start()

    def stop(self) -> list[HealthSample]:
        """Close the window with a last sample; every sample taken (again, if already closed)."""
        if self._stop.is_set():
            return self.samples
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()
        self._sample_once()
        return self.samples

    def _run(self) -> None:
        self._sample_once()
        while not self._stop.wait(self.interval):
            self._sample_once()

    def _sample_once(self) -> None:
        at = time.monotonic() - self.started
        try:
            engines = fetch_engines(self.url)
        except (OSError, ValueError) as exc:
            self.errors += 1
            logger.warning("no engine stats from %s: %s", self.url, exc)
            return
        self.samples.append(HealthSample(round(at, 3), engines))


def _round(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)


def summarize_engines(
    samples: list[HealthSample], tick_rate: int, window: int = DEFAULT_WINDOW
) -> dict[str, dict[str, Any]]:
    """Per engine id: matches, tick duration p50/p99/max, lateness, the tick period and p99 in %.

    p50 is the median of the samples' p50s; p99 and max are the largest of the samples'.
    """
    settle = window / tick_rate + HEARTBEAT_INTERVAL
    settled = [s for s in samples if s.at >= settle]
    used = settled or samples
    period_ms = 1000.0 / tick_rate
    per_engine: dict[str, list[dict[str, Any]]] = {}
    matches: dict[str, int] = {}
    for sample in used:
        for engine in sample.engines:
            engine_id = str(engine.get("id"))
            matches[engine_id] = int(engine.get("matches") or 0)
            ticks = engine.get("ticks") or {}
            per_engine.setdefault(engine_id, [])
            if ticks.get("ticks"):
                per_engine[engine_id].append(ticks)
    report: dict[str, dict[str, Any]] = {}
    for engine_id, stats in per_engine.items():

        def values(key: str, stats: list[dict[str, Any]] = stats) -> list[float]:
            return [float(s[key]) for s in stats if s.get(key) is not None]

        p50 = values("duration_p50_ms")
        p99 = values("duration_p99_ms")
        late_p50 = values("lateness_p50_ms")
        late_p99 = values("lateness_p99_ms")
        duration_p99 = max(p99) if p99 else None
        cpu_p50 = values("cpu_p50_ms")
        cpu_p99 = values("cpu_p99_ms")
        cpu_worst = max(cpu_p99) if cpu_p99 else None
        report[engine_id] = {
            "matches": matches.get(engine_id),
            "samples": len(stats),
            "samples_cover_warmup": not settled,
            "period_ms": round(period_ms, 3),
            "duration_ms": {
                "p50": _round(statistics.median(p50) if p50 else None),
                "p99": _round(duration_p99),
                "max": _round(max(values("duration_max_ms"), default=None)),
            },
            "duration_p99_percent_of_period": (
                None if duration_p99 is None else round(100 * duration_p99 / period_ms, 1)
            ),
            "cpu_ms": {
                "p50": _round(statistics.median(cpu_p50) if cpu_p50 else None),
                "p99": _round(cpu_worst),
            },
            "cpu_p99_percent_of_period": (
                None if cpu_worst is None else round(100 * cpu_worst / period_ms, 1)
            ),
            "lateness_ms": {
                "p50": _round(statistics.median(late_p50) if late_p50 else None),
                "p99": _round(max(late_p99) if late_p99 else None),
                "max": _round(max(values("lateness_max_ms"), default=None)),
            },
        }
    return report
