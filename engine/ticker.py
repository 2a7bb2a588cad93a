"""A drift-free fixed-rate schedule: tick n is due at start + n / rate."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass
class FixedRateTicker:
    """Counts due ticks against an absolute schedule, so sleep jitter never accumulates.

    When the caller falls more than ``max_catch_up`` ticks behind, the schedule jumps to the
    present and the missed ticks are counted in ``skipped`` instead of being run in a burst.
    """

    rate: float
    start: float
    max_catch_up: int = 3
    next_index: int = 1
    skipped: int = 0

    def __post_init__(self) -> None:
        if self.rate <= 0:
            raise ValueError(f"tick rate must be positive, got {self.rate}")
        if self.max_catch_up < 1:
            raise ValueError("max_catch_up must be at least 1")

    @property
    def interval(self) -> float:
        """Seconds between two ticks."""
        return 1.0 / self.rate

    def next_deadline(self) -> float:
        """Clock time at which the next tick is due."""
        return self.start + self.next_index * self.interval

    def seconds_until_next(self, now: float) -> float:
        """How long to sleep before the next tick is due (0 if it already is)."""
        return max(0.0, self.next_deadline() - now)

    def take_due(self, now: float) -> int:
        """How many ticks to run now; advances the schedule past them."""
        due_index = math.floor((now - self.start) * self.rate + 1e-9)
        behind = due_index - self.next_index + 1
        if behind <= 0:
            return 0
        if behind > self.max_catch_up:
            self.skipped += behind - self.max_catch_up
            behind = self.max_catch_up
        self.next_index = due_index + 1
        return behind
