"""How an engine worker seats spectators: counts and caps them, starts their stream at once,
catches up a delayed stream, and tells each match its spectator count at most once a second.

A mixin of ``EngineWorker``: it uses the worker's ``matches``, ``draining``, ``layer``,
``publisher``, ``clock``, ``max_spectators``, ``spectator_delay_ms``, ``reconnect_grace_ms`` and
``stopped``.
"""

from __future__ import annotations

import asyncio
from typing import Any

from engine import messages
from engine.frames import encode_spectating
from engine.protocol import CloseCode, encode_spectators
from engine.worker.hosting import HostedMatch, now_ms, rejected
from engine.worker.publisher import Publisher

SPECTATORS_INTERVAL = 1.0  # seconds between two SPECTATORS frames of one match, at least


class SpectatorDesk:
    """The spectator messages of an engine worker (WATCH, UNWATCH, CATCH_UP)."""

    matches: dict[str, HostedMatch]
    draining: dict[str, HostedMatch]
    layer: Any
    publisher: Publisher
    max_spectators: int
    spectator_delay_ms: int
    reconnect_grace_ms: int
    stopped: bool

    def clock(self) -> float:
        """The worker's monotonic clock (overridden by the worker's own)."""
        raise NotImplementedError

    def _hosted(self, match_id: str) -> HostedMatch | None:
        return self.matches.get(match_id) or self.draining.get(match_id)

    async def watch(self, message: messages.WatchMessage) -> None:
        """Count a spectator (the engine holds the count and the cap) and send what it starts
        with: SPECTATING and a KEYFRAME of the tick its stream is at."""
        reply_to = message["reply_to"]
        hosted = self.matches.get(message["match_id"])
        reply: dict[str, Any]
        if hosted is None:
            reply = rejected(CloseCode.MATCH_NOT_FOUND, "match is not running")
        elif hosted.match.result is not None:
            reply = rejected(CloseCode.MATCH_OVER, "match is over")
        elif reply_to not in hosted.spectators and len(hosted.spectators) >= self.max_spectators:
            reply = rejected(CloseCode.SPECTATORS_FULL, "the match has all the spectators it takes")
        else:
            hosted.spectators.add(reply_to)
            watching: messages.WatchingMessage = {
                "type": "match.watching",
                "spectating": encode_spectating(
                    hosted.match,
                    hosted.match_id,
                    self.spectator_delay_ms,
                    len(hosted.spectators),
                    self.reconnect_grace_ms,
                ),
                "snapshot": self._first_snapshot(hosted),
                "delayed": hosted.delayed is not None,
            }
            reply = dict(watching)
            self._spectators_changed(hosted)
        await self.layer.send(reply_to, reply)

    def unwatch(self, message: messages.UnwatchMessage) -> None:
        """A spectator's socket closed: it no longer counts."""
        hosted = self._hosted(message["match_id"])
        if hosted is not None and message["channel"] in hosted.spectators:
            hosted.spectators.discard(message["channel"])
            self._spectators_changed(hosted)

    async def send_catch_up(self, message: messages.CatchUpMessage) -> None:
        """A KEYFRAME of the delayed stream's tick, for a spectator that lost its chain."""
        hosted = self._hosted(message["match_id"])
        if hosted is None or hosted.delayed is None or message["reply_to"] not in hosted.spectators:
            return
        snapshot = hosted.delayed.catch_up()
        if snapshot is not None:
            caught_up: messages.CaughtUpMessage = {"type": "match.catchup", "snapshot": snapshot}
            await self.layer.send(message["reply_to"], dict(caught_up))

    def _first_snapshot(self, hosted: HostedMatch) -> messages.SnapshotMessage | None:
        """A KEYFRAME of the tick a new spectator's stream is at, so it goes out at once."""
        delayed = hosted.delayed
        if delayed is not None and (delayed.tick is not None or not delayed.idle):
            return delayed.catch_up()
        if delayed is not None and hosted.match.connected_count:
            return None  # players but no delayed stream yet (just taken over): nothing to show
        # live, or delayed but nothing was ever published (nobody has played): the current tick
        cached = hosted.join_keyframe
        if cached is None or cached["tick"] != hosted.match.tick:
            tick, keyframe = hosted.encoder.last_keyframe(hosted.match, now_ms())
            cached = hosted.join_keyframe = hosted.keyframe_message(tick, keyframe)
        return cached

    def _spectators_changed(self, hosted: HostedMatch) -> None:
        """Tell the match its spectator count, at once or, within a second of the last time,
        when that second is over."""
        if hosted.spectators_due:
            return
        wait = hosted.spectators_told_at + SPECTATORS_INTERVAL - self.clock()
        if wait <= 0:
            self._tell_spectators(hosted)
        else:
            hosted.spectators_due = True
            asyncio.get_running_loop().call_later(wait, self._tell_spectators, hosted)

    def _tell_spectators(self, hosted: HostedMatch) -> None:
        hosted.spectators_due = False
        count = len(hosted.spectators)
        running = self._hosted(hosted.match_id) is hosted
        if count == hosted.spectators_told or not running or self.stopped:
            return
        hosted.spectators_told = count
        hosted.spectators_told_at = self.clock()
        message: messages.SpectatorsMessage = {
            "type": "match.spectators",
            "match_id": hosted.match_id,
            "frame": encode_spectators(count),
            "epoch": hosted.epoch,
        }
        told: list[tuple[str, dict[str, Any]]] = [(hosted.group, dict(message))]
        if hosted.delayed is not None:
            told.append((hosted.delayed_group, {**message, "delayed": True}))
        self.publisher.publish(told, reliable=True)

    def release_delayed(
        self, hosted: HostedMatch, now: int, out: list[tuple[str, dict[str, Any]]]
    ) -> None:
        """Publish what the match's delayed stream releases at step ``now``, if anyone watches.

        Snapshots join ``out`` (this tick's snapshots); RESULT and the close go at once, with
        the snapshots released before them, in order.
        """
        assert hosted.delayed is not None
        released = hosted.delayed.release(now)
        if not released or not hosted.spectators:
            return
        group = hosted.delayed_group
        copies = [(group, {**message, "delayed": True}) for message in released]
        if all(message["type"] == messages.SNAPSHOT for message in released):
            out.extend(copies)
        else:
            self.publisher.publish(copies, reliable=True)
