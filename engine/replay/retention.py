"""Which replays to remove: older than the retention age, then the oldest while over the total
size allowed. Pure: the caller lists the replays and deletes what this names."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class StoredReplay:
    """A replay as retention sees it: its match, when it was recorded (Unix time), its bytes."""

    match_id: str
    recorded_at: float
    size: int


def expired(
    replays: Iterable[StoredReplay], now: float, max_age_days: float, max_bytes: int
) -> list[str]:
    """The match ids whose replays go: recorded more than ``max_age_days`` before ``now``
    (0: no age limit), then the oldest of the rest until they fit in ``max_bytes`` (0: no
    limit); oldest first."""
    ordered = sorted(replays, key=lambda r: (r.recorded_at, r.match_id))
    removed: list[str] = []
    kept: list[StoredReplay] = []
    for replay in ordered:
        if max_age_days > 0 and now - replay.recorded_at > max_age_days * 86400:
            removed.append(replay.match_id)
        else:
            kept.append(replay)
    if max_bytes > 0:
        total = sum(r.size for r in kept)
        for replay in kept:
            if total <= max_bytes:
                break
            removed.append(replay.match_id)
            total -= replay.size
    return removed
