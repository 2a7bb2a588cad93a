"""A client's view of a match rebuilt from KEYFRAME and DELTA frames (pure, for Python clients).

The browser has its own copy of these rules (``static/js/snapshot-state.js``); the load tests
and the test suite use this one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from engine.protocol import MessageType
from engine.snapshot import DIFFERENCE_BITS, PLAYER_FIELD_BITS

_KEYFRAME = int(MessageType.SNAPSHOT)
_DELTA = int(MessageType.DELTA)


class ChainBroken(ValueError):
    """A DELTA arrived for a tick the client does not hold: it must ask for a KEYFRAME."""


@dataclass
class SnapshotState:
    """The wire-level state of one tick: integers exactly as a KEYFRAME would carry them."""

    tick: int
    server_ms: int
    phase: int
    phase_ms_left: int
    players: dict[int, list[int]] = field(default_factory=dict)  # id -> [x, y, aim, hp, flags, ack]
    bullets: dict[int, list[int]] = field(default_factory=dict)  # id -> [x, y, dx, dy, owner]
    events: list[list[Any]] = field(default_factory=list)
    roster: list[list[Any]] = field(default_factory=list)

    def to_keyframe(self) -> list[Any]:
        """The KEYFRAME array that describes this state."""
        return [
            _KEYFRAME,
            self.tick,
            self.server_ms,
            self.phase,
            self.phase_ms_left,
            [[pid, *self.players[pid]] for pid in sorted(self.players)],
            [[bid, *self.bullets[bid]] for bid in sorted(self.bullets)],
            self.events,
            self.roster,
        ]


def is_snapshot(frame: list[Any]) -> bool:
    """Whether a decoded server frame is a KEYFRAME or a DELTA."""
    return bool(frame) and frame[0] in (_KEYFRAME, _DELTA)


def apply_frame(state: SnapshotState | None, frame: list[Any]) -> SnapshotState:
    """The state after a decoded KEYFRAME or DELTA; raises ChainBroken for a DELTA off the chain."""
    kind = frame[0]
    if kind == _KEYFRAME:
        _, tick, server_ms, phase, ms_left, players, bullets, events, roster = frame
        return SnapshotState(
            tick,
            server_ms,
            phase,
            ms_left,
            {p[0]: list(p[1:]) for p in players},
            {b[0]: list(b[1:]) for b in bullets},
            events,
            roster,
        )
    if kind != _DELTA:
        raise ValueError(f"frame of type {kind!r} is not a snapshot")
    _, tick, server_ms, base, phase, ms_left, changes, new, gone, events, roster = frame
    if state is None or state.tick != base:
        held = None if state is None else state.tick
        raise ChainBroken(f"DELTA from tick {base} but the client holds tick {held}")
    players = {pid: list(wire) for pid, wire in state.players.items()}
    for change in changes:
        wire = players[change[0]]
        mask = change[1]
        values = iter(change[2:])
        for index, bit in enumerate(PLAYER_FIELD_BITS):
            if mask & bit:
                value = next(values)
                wire[index] = wire[index] + value if bit & DIFFERENCE_BITS else value
    elapsed = tick - base
    gone_ids = set(gone)
    bullets = {
        bid: [x + dx * elapsed, y + dy * elapsed, dx, dy, owner]
        for bid, (x, y, dx, dy, owner) in state.bullets.items()
        if bid not in gone_ids
    }
    for entry in new:
        bullets[entry[0]] = list(entry[1:])
    return SnapshotState(
        tick,
        server_ms,
        phase,
        ms_left,
        players,
        bullets,
        events,
        state.roster if roster is None else roster,
    )
