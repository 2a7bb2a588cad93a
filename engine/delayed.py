"""A match's delayed stream for spectators: what the engine published, again, a while later.

With ARENA_SPECTATOR_DELAY > 0 spectators see a match ``delay`` behind its players. The engine
encodes each tick once; this stream keeps a reference to every message published for the match
(snapshots, then RESULT and the close) and hands each back once it is ``delay_ticks`` old, for
the engine to publish to the match's delayed group. So the delayed stream is produced once per
match, whatever the number of spectators, and costs the tick a deque append and a peek.

A spectator who joins (or lost its chain) needs a KEYFRAME of the tick the delayed stream is at.
The stream remembers the messages it released since the last one that carried a KEYFRAME (the
chain a client follows, at most one periodic-keyframe interval long) and, when asked, rebuilds
that KEYFRAME from them; the result is kept until the stream moves on, so a crowd joining at
once costs one rebuild.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from engine import messages
from engine.messages import SnapshotMessage
from engine.protocol import pack, unpack
from engine.schema import StateSchema
from engine.wirestate import apply_frame


def keyframe_only(message: SnapshotMessage, keyframe: bytes | None = None) -> SnapshotMessage:
    """A snapshot message of ``message``'s tick that holds only a KEYFRAME (its own by default)."""
    return {
        "type": "match.snapshot",
        "match_id": message["match_id"],
        "tick": message["tick"],
        "base_tick": None,
        "delta": None,
        "keyframe": message["keyframe"] if keyframe is None else keyframe,
    }


class DelayedStream:
    """The published messages of one match, released ``delay_ticks`` engine ticks later."""

    def __init__(self, delay_ticks: int, schema: StateSchema) -> None:
        """``schema`` is the match's game's (to rebuild a KEYFRAME from a chain)."""
        if delay_ticks < 1:
            raise ValueError("a delayed stream needs a delay of at least one tick")
        self.delay_ticks = delay_ticks
        self.schema = schema
        # (engine tick at which it is due, message), oldest first: at most one snapshot per
        # engine tick, so never more than delay_ticks snapshots (plus RESULT and the close)
        self._pending: deque[tuple[int, dict[str, Any]]] = deque()
        self._chain: list[SnapshotMessage] = []  # released since the last KEYFRAME, in order
        self._catch_up: SnapshotMessage | None = None  # the KEYFRAME rebuilt from the chain

    @property
    def idle(self) -> bool:
        """True when nothing waits to be released."""
        return not self._pending

    @property
    def tick(self) -> int | None:
        """The match tick of the last snapshot released (None before the first)."""
        return self._chain[-1]["tick"] if self._chain else None

    def push(self, now: int, message: dict[str, Any]) -> None:
        """A message just published for the match at engine tick ``now``."""
        self._pending.append((now + self.delay_ticks, message))

    def release(self, now: int) -> list[dict[str, Any]]:
        """The messages that are ``delay_ticks`` old at engine tick ``now``, oldest first."""
        pending = self._pending
        if not pending or pending[0][0] > now:
            return []
        released = []
        while pending and pending[0][0] <= now:
            message = pending.popleft()[1]
            released.append(message)
            if message["type"] == messages.SNAPSHOT:
                self._follow(message)  # type: ignore[arg-type]
        return released

    def _follow(self, message: SnapshotMessage) -> None:
        chain = self._chain
        if message["keyframe"] is not None:
            self._chain = [message]
        elif chain and message["base_tick"] == chain[-1]["tick"]:
            chain.append(message)
        else:  # cannot happen with the engine's encoder; wait for the next KEYFRAME
            self._chain = []

    def catch_up(self) -> SnapshotMessage | None:
        """A KEYFRAME of the tick the stream is at, for a spectator without a chain.

        Before the stream released anything (the match is younger than the delay) it is the
        oldest KEYFRAME still to come, so that the spectator has a picture at once; None when
        there is none.
        """
        chain = self._chain
        if not chain:
            for _, message in self._pending:
                if message["type"] == messages.SNAPSHOT:
                    if message["keyframe"] is None:
                        return None
                    return keyframe_only(message)  # type: ignore[arg-type]
            return None
        last = chain[-1]
        cached = self._catch_up
        if cached is not None and cached["tick"] == last["tick"]:
            return cached
        if len(chain) == 1:
            cached = keyframe_only(last)
        else:
            first_keyframe = chain[0]["keyframe"]
            assert first_keyframe is not None
            state = apply_frame(self.schema, None, unpack(first_keyframe))
            for message in chain[1:]:
                delta = message["delta"]
                assert delta is not None
                state = apply_frame(self.schema, state, unpack(delta))
            cached = keyframe_only(last, pack(state.to_keyframe()))
        self._catch_up = cached
        return cached
