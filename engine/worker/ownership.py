"""How an engine worker keeps its matches its own: leases renewed once a second, checkpoints
saved, orphaned matches taken over from their checkpoints, and its matches handed over when it
stops (``engine.leases``, ``engine.checkpoint``).

A mixin of ``EngineWorker``: it uses the worker's ``leases``, ``matches``, ``worker_id``,
``channel``, ``registry``, ``layer``, ``store``, ``publisher``, ``games``, ``failures``,
``finished``, ``stopped``, ``reconnect_grace`` and ``host`` (which builds a HostedMatch).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine, Mapping
from typing import Any

from engine import messages
from engine.checkpoint import (
    CheckpointError,
    decode_checkpoint,
    encode_checkpoint,
    take_checkpoint,
)
from engine.failurelog import FailureLog
from engine.game import Game
from engine.leases import LEASE_SAFETY_MARGIN, MatchLeases
from engine.match import Match
from engine.registry import EngineRegistry, least_loaded
from engine.replay.recorder import ReplayRecorder
from engine.worker.hosting import HostedMatch, MatchStore
from engine.worker.publisher import Publisher

logger = logging.getLogger(__name__)

ADOPT_LIMIT = 200  # matches taken over per heartbeat, at most
CHECKPOINT_CHUNK = 25  # matches checkpointed between two yields to the event loop


class MatchOwnership:
    """Leases, checkpoints, takeovers and handovers of an engine worker's matches."""

    leases: MatchLeases
    matches: dict[str, HostedMatch]
    worker_id: str
    channel: str | None
    registry: EngineRegistry
    layer: Any
    store: MatchStore | None
    publisher: Publisher
    games: Mapping[str, Game]
    failures: dict[str, FailureLog]
    finished: list[str]
    stopped: bool
    reconnect_grace: float
    leases_fresh_until: float
    matches_lost: int
    matches_adopted: int
    route: str
    recorder: ReplayRecorder | None

    def clock(self) -> float:
        """The worker's monotonic clock (overridden by the worker's own)."""
        raise NotImplementedError

    def host(self, match_id: str, match: Match, created_ms: int, epoch: int) -> HostedMatch:
        """Start hosting a match (the worker's own)."""
        raise NotImplementedError

    def in_background(self, work: Coroutine[Any, Any, None]) -> None:
        """Run ``work`` without waiting for it (the worker's own)."""
        raise NotImplementedError

    def released(self, match_ids: list[str]) -> None:
        """Matches another worker runs now (the worker's own)."""
        raise NotImplementedError

    @property
    def lease_validity(self) -> float:
        """Seconds after sending a renewal during which the leases are surely still ours."""
        ttl = self.leases.ttl
        return ttl - min(LEASE_SAFETY_MARGIN, ttl / 3)

    def checkpoint(self, hosted: HostedMatch) -> bytes:
        """The encoded checkpoint of a hosted match."""
        return encode_checkpoint(take_checkpoint(hosted.match_id, hosted.created_ms, hosted.match))

    async def keep_matches(self) -> None:
        """Once a second: renew the leases, checkpoint every match, adopt orphaned matches."""
        forgetting = self.failures["forgetting finished matches"]
        try:
            await self.forget_finished()
        except Exception as exc:
            forgetting.failed(exc)  # tried again with the next heartbeat
        else:
            forgetting.succeeded()
        steps = [("renewing its leases", self._renew_leases)]
        steps.append(("saving checkpoints", self.save_checkpoints))
        if self.leases.shared:
            steps.append(("adopting orphans", self._adopt_orphans))
        for name, step in steps:
            try:
                await step()
            except Exception as exc:
                self.failures[name].failed(exc)
                return  # a worker unsure of its leases neither saves nor adopts
            self.failures[name].succeeded()

    async def forget_finished(self) -> None:
        """Forget the leases and checkpoints of closed matches (never while a renewal, which
        would claim them again, is out)."""
        while self.finished:
            await self.leases.finish(self.worker_id, self.finished[0])
            self.finished.pop(0)

    async def _adopt_orphans(self) -> None:
        for match_id in await self.leases.orphans(ADOPT_LIMIT):
            await self.adopt(match_id)

    async def _renew_leases(self) -> None:
        """Extend this worker's leases; drop the matches another worker took over."""
        assert self.channel is not None
        sent_at = self.clock()
        asked = dict(self.matches)  # matches created while the renewal is out are not in it
        owned = await self.leases.renew(self.worker_id, self.channel, list(asked))
        for match_id, hosted in asked.items():
            if self.matches.get(match_id) is not hosted:
                continue  # ended meanwhile
            epoch = owned.get(match_id)
            if epoch is None:
                del self.matches[match_id]
                if self.recorder is not None:
                    self.recorder.discard(match_id)  # the new owner records it from here on
                self.matches_lost += 1
                logger.warning("match %s was taken over by another worker", match_id)
                self.released([match_id])
            else:
                hosted.epoch = epoch
        if self.leases.shared:
            self.leases_fresh_until = sent_at + self.lease_validity

    async def save_checkpoints(self) -> None:
        """Save a checkpoint of every match (encoded a chunk at a time, between ticks)."""
        encoded: dict[str, bytes] = {}
        for index, hosted in enumerate(list(self.matches.values())):
            if index and index % CHECKPOINT_CHUNK == 0:
                await asyncio.sleep(0)
            if self.matches.get(hosted.match_id) is hosted and hosted.match.result is None:
                encoded[hosted.match_id] = self.checkpoint(hosted)
        await self.leases.save(self.worker_id, encoded)

    async def adopt(self, match_id: str) -> None:
        """Take over a match whose lease expired, from its last checkpoint: every player is
        away until its socket claims the seat again, and the match's sockets are told where
        the match went (MOVED)."""
        if match_id in self.matches or self.stopped:
            return
        assert self.channel is not None
        adoption = await self.leases.adopt(match_id, self.worker_id, self.channel)
        if adoption is None:
            return
        try:
            if adoption.checkpoint is None:
                raise CheckpointError("no checkpoint was saved")
            checkpoint = decode_checkpoint(adoption.checkpoint)
            match = checkpoint.restore(self.games, self.reconnect_grace)
        except (CheckpointError, KeyError, TypeError, ValueError) as exc:
            logger.error("match %s cannot be taken over (%s): it is lost", match_id, exc)
            await self.leases.finish(self.worker_id, match_id)
            if self.store is not None:
                self.in_background(self.store.match_lost(match_id))
            return
        match.everyone_away()
        hosted = self.host(match_id, match, checkpoint.created_ms, adoption.epoch)
        if hosted.recording is not None:
            hosted.recording.resumed = True  # appended after what the earlier owner recorded
        self.matches_adopted += 1
        logger.info("match %s taken over at tick %d (epoch %d)", match_id, match.tick, hosted.epoch)
        if self.store is not None:
            self.in_background(
                self.store.match_moved(match_id, self.worker_id, self.channel, self.route)
            )
        moved: messages.MovedMessage = {
            "type": "match.moved",
            "match_id": match_id,
            "engine": self.channel,
            "epoch": hosted.epoch,
        }
        told: list[tuple[str, dict[str, Any]]] = [(hosted.group, dict(moved))]
        if hosted.delayed is not None:
            told.append((hosted.delayed_group, {**moved, "delayed": True}))
        self.publisher.publish(told, reliable=True)

    async def hand_over(self) -> bool:
        """Checkpoint every match, let its lease expire and ask the least-loaded other live
        worker to adopt them; False if the checkpoints could not be saved."""
        if not self.matches:
            return True
        match_ids = list(self.matches)
        try:
            await self.save_checkpoints()
            await self.leases.hand_over(self.worker_id, match_ids)
        except Exception:
            logger.exception("engine worker %s could not hand its matches over", self.worker_id)
            return False
        try:
            live_workers = await self.registry.live_workers()
            others = [w for w in live_workers if w.worker_id != self.worker_id]
            if others:
                heir = least_loaded(others)
                adopt: messages.AdoptMessage = {"type": "engine.adopt", "match_ids": match_ids}
                await self.layer.send(heir.channel, dict(adopt))
                logger.info("handed %d matches over to %s", len(match_ids), heir.worker_id)
            else:
                logger.info("left %d matches for the next engine worker", len(match_ids))
        except Exception:
            logger.exception("no worker was asked to adopt; the next one to scan will")
        return True
