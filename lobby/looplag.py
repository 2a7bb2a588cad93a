"""How late this process's event loop runs: the server's own lateness, kept apart from clients'.

A loop that falls behind (a long tick, a burst of connects, a machine that is briefly short of
CPU) reads each socket late, and the frames a client sent at a steady rate meanwhile arrive at
once. The rate limit must not count that against the client: it allows for the loop's recent
lateness (``lobby.sockets``).
"""

from __future__ import annotations

import asyncio
import time
import weakref
from collections import deque
from collections.abc import Callable

PROBE_INTERVAL = 0.05  # seconds between two probes of the loop
WINDOW = 2.0  # seconds of probes the lag is the largest of


class LoopLag:
    """Probes an event loop every ``interval`` seconds; ``lag`` is the largest lateness of a
    probe in the last ``window`` seconds."""

    def __init__(
        self,
        interval: float = PROBE_INTERVAL,
        window: float = WINDOW,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.interval = interval
        self.window = window
        self._clock = clock
        self._samples: deque[tuple[float, float]] = deque()  # (when, how late), oldest first
        self._expected: float | None = None
        self._handle: asyncio.TimerHandle | None = None

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        """Start probing ``loop``."""
        if self._handle is None:
            self._expected = self._clock() + self.interval
            self._handle = loop.call_later(self.interval, self._probe, loop)

    def stop(self) -> None:
        """Stop probing."""
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None

    def record(self, now: float, late: float) -> None:
        """One probe that ran ``late`` seconds after it was due, at ``now``."""
        samples = self._samples
        while samples and samples[-1][1] <= late:
            samples.pop()  # never the largest again: a later probe is at least as late
        samples.append((now, late))
        while samples[0][0] < now - self.window:
            samples.popleft()

    @property
    def lag(self) -> float:
        """The largest lateness of the last ``window`` seconds, or of the probe that is due now
        and has not run yet (the loop is late right now); 0 when on time."""
        now = self._clock()
        overdue = 0.0 if self._expected is None else now - self._expected
        samples = self._samples
        while samples and samples[0][0] < now - self.window:
            samples.popleft()
        recorded = samples[0][1] if samples else 0.0
        return max(recorded, overdue, 0.0)

    def _probe(self, loop: asyncio.AbstractEventLoop) -> None:
        now = self._clock()
        assert self._expected is not None
        self.record(now, max(0.0, now - self._expected))
        self._expected = now + self.interval
        self._handle = loop.call_later(self.interval, self._probe, loop)


_lags: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, LoopLag] = weakref.WeakKeyDictionary()


def loop_lag() -> LoopLag:
    """The lag probe of the running event loop (started on first use)."""
    loop = asyncio.get_running_loop()
    probe = _lags.get(loop)
    if probe is None:
        probe = LoopLag()
        probe.start(loop)
        _lags[loop] = probe
    return probe
