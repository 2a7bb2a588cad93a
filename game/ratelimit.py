"""Per-connection limit on client frames: a token bucket plus a flood detector."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class FrameRateLimiter:
    """Allows ``rate`` frames per second with bursts of ``burst``; flags sustained floods.

    A frame over the limit is dropped. When more than ``rate`` frames are dropped within one
    second the client is flooding (sending over twice the limit) and should be disconnected.
    """

    rate: float
    burst: int
    tokens: float = field(init=False)
    updated: float | None = field(default=None, init=False)
    window_start: float = field(default=0.0, init=False)
    dropped_in_window: int = field(default=0, init=False)

    def __post_init__(self) -> None:
        if self.rate <= 0 or self.burst < 1:
            raise ValueError("rate must be positive and burst at least 1")
        self.tokens = float(self.burst)

    def allow(self, now: float) -> bool:
        """Take a token for one frame at time ``now``; False means drop the frame."""
        if self.updated is None:
            self.updated = now
            self.window_start = now
        elapsed = max(0.0, now - self.updated)
        self.updated = now
        self.tokens = min(float(self.burst), self.tokens + elapsed * self.rate)
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        if now - self.window_start >= 1.0:
            self.window_start = now
            self.dropped_in_window = 0
        self.dropped_in_window += 1
        return False

    @property
    def flooding(self) -> bool:
        """True once the client dropped more than ``rate`` frames within one second."""
        return self.dropped_in_window > self.rate
