"""The engine worker: hosts matches of any game, steps them, publishes their snapshots, and keeps
them through leases, checkpoints and takeovers (``engine.worker.worker``)."""

from engine.worker.hosting import HostedMatch, MatchStore
from engine.worker.worker import EngineWorker

__all__ = ["EngineWorker", "HostedMatch", "MatchStore"]
