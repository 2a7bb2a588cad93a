"""Matchmaking rules: game modes, the rating window and how queued players form groups.

Pure functions of their arguments: the current time is passed in, nothing is stored.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from lobby.store import QueueEntry

MAX_GROUP_SIZE = 8  # the most players one match can hold


@dataclass(frozen=True, slots=True)
class ModeSpec:
    """A game mode: how many players a match needs and how long to wait for a full one."""

    name: str
    min_players: int
    max_players: int
    fill_wait: float  # seconds the longest-waiting player waits before a non-full group starts
    teams: int = 0  # the teams a match of the mode has (0: every player for themselves)

    def __post_init__(self) -> None:
        if not self.name:
            raise ValueError("a mode needs a name")
        if not 2 <= self.min_players <= self.max_players <= MAX_GROUP_SIZE:
            raise ValueError(
                f"mode {self.name!r}: need 2 <= min_players <= max_players <= {MAX_GROUP_SIZE}"
            )
        if not self.fill_wait >= 0:
            raise ValueError(f"mode {self.name!r}: fill_wait must be >= 0")


@dataclass(frozen=True, slots=True)
class RatingWindow:
    """How far apart in rating players may be matched, widening with the time waited."""

    initial: float = 100.0
    widen_per_second: float = 50.0
    unlimited_after: float = 4.0

    def __post_init__(self) -> None:
        if not (self.initial >= 0 and self.widen_per_second >= 0 and self.unlimited_after >= 0):
            raise ValueError("rating window parameters must be >= 0")

    def width(self, waited: float) -> float:
        """The largest rating difference accepted after waiting ``waited`` seconds."""
        if waited >= self.unlimited_after:
            return math.inf
        return self.initial + self.widen_per_second * max(waited, 0.0)


def queue_order(entry: QueueEntry, now: float) -> tuple[int, float, str]:
    """Sort key of a queue at ``now``: longest-waiting first in whole seconds, then lowest rating.

    Players who have waited the same whole number of seconds have waited alike; taking them
    lowest rating first makes each anchor's closest partner its rating neighbour, so a burst of
    players is paired along the rating ladder instead of stranding players whose neighbours
    were taken.
    """
    return (-math.floor(now - entry.joined_at), entry.rating, entry.player_key)


def _in_queue_order(entries: Sequence[QueueEntry], mode: str, now: float) -> list[QueueEntry]:
    """The entries of ``mode`` in queue order, each player once (their longest wait)."""
    seen: set[str] = set()
    ordered: list[QueueEntry] = []
    for entry in sorted(entries, key=lambda e: queue_order(e, now)):
        if entry.mode == mode and entry.player_key not in seen:
            seen.add(entry.player_key)
            ordered.append(entry)
    return ordered


def _candidates(
    queue: list[QueueEntry], anchor_index: int, assigned: set[str], width: float, limit: int
) -> list[QueueEntry]:
    """The ``limit`` unassigned players after the anchor closest to its rating within ``width``.

    Ties go to the longest-waiting; the result is in queue order.
    """
    anchor = queue[anchor_index]
    reachable = [
        (abs(other.rating - anchor.rating), position, other)
        for position, other in enumerate(queue[anchor_index + 1 :])
        if other.player_key not in assigned and abs(other.rating - anchor.rating) <= width
    ]
    closest = sorted(reachable, key=lambda item: (item[0], item[1]))[:limit]
    return [other for _, _, other in sorted(closest, key=lambda item: item[1])]


def _group_for(
    queue: list[QueueEntry],
    anchor_index: int,
    assigned: set[str],
    now: float,
    spec: ModeSpec,
    window: RatingWindow,
) -> tuple[QueueEntry, ...] | None:
    """The group anchored at ``queue[anchor_index]`` if it may start now, else None."""
    anchor = queue[anchor_index]
    waited = now - anchor.joined_at
    found = _candidates(queue, anchor_index, assigned, window.width(waited), spec.max_players - 1)
    size = 1 + len(found)
    if size == spec.max_players or (size >= spec.min_players and waited >= spec.fill_wait):
        return (anchor, *found)
    return None


def form_groups(
    entries: Sequence[QueueEntry], now: float, spec: ModeSpec, window: RatingWindow
) -> list[tuple[QueueEntry, ...]]:
    """The groups of ``spec`` that may start at ``now``, anchored longest-waiting first.

    The longest-waiting unassigned player is the anchor; of the unassigned players who joined
    after it and whose rating is within the anchor's window, the closest in rating join it
    (ties: longest-waiting first), up to max_players. A full group starts at once; a group of
    at least min_players starts once the anchor has waited fill_wait seconds. Otherwise the
    anchor stays queued and the next unassigned player becomes the anchor. Entries of other
    modes are ignored.
    """
    queue = _in_queue_order(entries, spec.name, now)
    assigned: set[str] = set()
    groups: list[tuple[QueueEntry, ...]] = []
    for index, anchor in enumerate(queue):
        if anchor.player_key in assigned:
            continue
        group = _group_for(queue, index, assigned, now, spec, window)
        if group is not None:
            groups.append(group)
            assigned.update(entry.player_key for entry in group)
    return groups


class WaitEstimator:
    """Expected time to a match per mode: an exponentially weighted moving average of waits."""

    def __init__(self, alpha: float = 0.2) -> None:
        if not 0 < alpha <= 1:
            raise ValueError("alpha must be in (0, 1]")
        self._alpha = alpha
        self._estimates: dict[str, float] = {}

    def record(self, mode: str, waited: float) -> None:
        """Count one player of ``mode`` who waited ``waited`` seconds for a match."""
        waited = max(waited, 0.0)
        previous = self._estimates.get(mode)
        if previous is None:
            self._estimates[mode] = waited
        else:
            self._estimates[mode] = previous + self._alpha * (waited - previous)

    def estimate(self, mode: str) -> float | None:
        """The expected wait in seconds for ``mode``; None before any match of it."""
        return self._estimates.get(mode)
