"""How fast a sender may chat: a token bucket per sender, apart from the frame rate limit."""

from __future__ import annotations

from collections import OrderedDict

from lobby.ratelimit import FrameRateLimiter

MAX_SENDERS = 100_000  # buckets kept per process; the least recently used go first


class ChatLimits:
    """One token bucket (``FrameRateLimiter``) per sender key, shared by all of the sender's
    sockets in this process: ``rate`` messages a second sustained, ``burst`` at once."""

    def __init__(self, rate: float, burst: int, max_senders: int = MAX_SENDERS) -> None:
        self.rate = rate
        self.burst = burst
        self.max_senders = max_senders
        self._buckets: OrderedDict[str, FrameRateLimiter] = OrderedDict()
        self.refused = 0

    def allow(self, sender: str, now: float) -> bool:
        """Take a token of ``sender``'s bucket at ``now``; False if it is empty."""
        bucket = self._buckets.get(sender)
        if bucket is None:
            bucket = FrameRateLimiter(self.rate, self.burst)
            self._buckets[sender] = bucket
            if len(self._buckets) > self.max_senders:
                self._buckets.popitem(last=False)  # idle longest: its bucket would be full
        else:
            self._buckets.move_to_end(sender)
        if bucket.allow(now):
            return True
        self.refused += 1
        return False

    def retry_after(self, sender: str) -> float:
        """Seconds until ``sender`` has a token again (0 if it has one)."""
        bucket = self._buckets.get(sender)
        if bucket is None or bucket.tokens >= 1.0:
            return 0.0
        return (1.0 - bucket.tokens) / self.rate
