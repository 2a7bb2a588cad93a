"""Per-connection limit on client frames: a token bucket with graded answers to excess."""

from __future__ import annotations

ABUSE_FACTOR = 3.0  # sending more than this many times the rate ...
ABUSE_SECONDS = 5  # ... for this many consecutive seconds is abuse
FLOOD_FACTOR = 10.0  # more than this many times the rate within one second is abuse at once
NOTICE_INTERVAL = 1.0  # seconds between two throttle notices to the client


class FrameRateLimiter:
    """Allows ``rate`` frames per second with bursts of ``burst``; grades what goes beyond.

    A frame over the limit is dropped and counted, and the client is told so at most once per
    ``NOTICE_INTERVAL`` (``take_notice``). A client that sends more than ``ABUSE_FACTOR`` times
    the rate in each of ``ABUSE_SECONDS`` consecutive seconds, or more than ``FLOOD_FACTOR``
    times the rate within one second, is ``abusive`` and should be disconnected.
    """

    def __init__(self, rate: float, burst: int) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be positive and burst at least 1")
        self.rate = rate
        self.burst = burst
        self.tokens = float(burst)
        self.updated: float | None = None
        self.frames_total = 0  # every frame counted, dropped or not
        self.dropped_total = 0
        self.notices_total = 0  # notices ``take_notice`` gave out
        self.dropped_unreported = 0
        self.last_notice: float | None = None
        self.window_start = 0.0
        self.frames_in_window = 0
        self.heavy_windows = 0

    def allow(self, now: float, slack: float = 0.0) -> bool:
        """Count one frame at time ``now`` and take a token for it; False means drop it.

        ``slack`` is how late the server has lately been in reading (seconds): the frames a
        client sent meanwhile arrive together, so the bucket holds that many seconds' worth of
        tokens more than its burst.
        """
        if self.updated is None:
            self.updated = now
            self.window_start = now
        self.frames_total += 1
        self._count(now)
        elapsed = max(0.0, now - self.updated)
        self.updated = now
        self.tokens = min(self.burst + slack * self.rate, self.tokens + elapsed * self.rate)
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        self.dropped_total += 1
        self.dropped_unreported += 1
        return False

    def _count(self, now: float) -> None:
        """Track frames per one-second window and how many heavy windows ran in a row."""
        elapsed_windows = int((now - self.window_start) // 1.0)
        if elapsed_windows >= 1:
            heavy = self.frames_in_window > ABUSE_FACTOR * self.rate
            self.heavy_windows = self.heavy_windows + 1 if heavy and elapsed_windows == 1 else 0
            self.window_start += elapsed_windows
            self.frames_in_window = 0
        self.frames_in_window += 1

    @property
    def abusive(self) -> bool:
        """True once the client sent far above the rate (see the class docstring)."""
        if self.frames_in_window > FLOOD_FACTOR * self.rate:
            return True
        current_heavy = 1 if self.frames_in_window > ABUSE_FACTOR * self.rate else 0
        return self.heavy_windows + current_heavy >= ABUSE_SECONDS

    def take_notice(self, now: float) -> int:
        """Frames dropped since the last notice if one is due at ``now`` (then reset), else 0."""
        if self.dropped_unreported == 0:
            return 0
        if self.last_notice is not None and now - self.last_notice < NOTICE_INTERVAL:
            return 0
        dropped = self.dropped_unreported
        self.dropped_unreported = 0
        self.last_notice = now
        self.notices_total += 1
        return dropped
