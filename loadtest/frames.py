"""Stand-in snapshot frames for the baseline servers: ``[12, tick, server_ms, padding]``.

The first three elements are laid out like the real DELTA snapshot's, so the load client reads
and times both the same way, and the padding makes the frame as long as a real snapshot.
"""

from __future__ import annotations

import time
from functools import cache

import msgpack

DELTA = 12


@cache
def _padding(length: int) -> bytes:
    return bytes(range(256)) * (length // 256) + bytes(range(length % 256))


def padded_frame(tick: int, server_ms: int, size: int) -> bytes:
    """A DELTA-shaped msgpack frame of about ``size`` bytes carrying the server clock."""
    bare = len(msgpack.packb([DELTA, tick, server_ms, b""]))
    length = max(0, size - bare)
    frame = msgpack.packb([DELTA, tick, server_ms, _padding(length)])
    excess = len(frame) - size  # the bin header grows by a byte past 255 bytes of padding
    if 0 < excess <= length:
        frame = msgpack.packb([DELTA, tick, server_ms, _padding(length - excess)])
    return frame


def now_ms() -> int:
    """The server clock as snapshots carry it: Unix time in whole milliseconds."""
    return int(time.time() * 1000)
