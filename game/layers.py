"""The embedded deployment's in-process channel layer."""

from __future__ import annotations

import time
from typing import Any

from channels.layers import InMemoryChannelLayer

EXPIRY_SWEEP_INTERVAL = 1.0


class EmbeddedChannelLayer(InMemoryChannelLayer):
    """Channels' in-memory layer with two costs removed.

    The parent sweeps every channel and group for expired messages on every ``receive``, so a
    snapshot costs time proportional to the number of connections; here the sweep runs at most
    once a second. The parent also leaves ``channel_capacity`` uncompiled, so per-channel
    capacities (the engine's inbox needs a deep one) would fail; here they are compiled.
    """

    def __init__(self, *args: Any, channel_capacity: dict[str, int] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.channel_capacity = self.compile_capacities(channel_capacity or {})
        self._next_sweep = 0.0

    def _clean_expired(self) -> None:
        now = time.monotonic()
        if now < self._next_sweep:
            return
        self._next_sweep = now + EXPIRY_SWEEP_INTERVAL
        super()._clean_expired()
