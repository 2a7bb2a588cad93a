"""The figures this process shows at ``/metrics`` (Prometheus text format) and on ``/ops/``.

Hot paths pay next to nothing: sockets, streams, the input batcher and the relay already count
what they do in plain integers, and this module reads those counts when it is scraped. Nothing
here runs per frame. What it exposes:

* this process's sockets, by kind (``match`` sockets are the players, ``lobby``, ``spectator``
  ...; see ``CountedSocket``): open now, opened, client frames in, frames dropped by the rate
  limit and THROTTLED notices, snapshot frames out, stale snapshots skipped, KEYFRAMEs;
* its input batcher (inputs forwarded to the engines, superseded, batches), its match relay
  (groups watched, messages waiting in its channel, superseded snapshots) and messages its
  channel-layer queues dropped when full;
* matchmaking, from the process holding the matchmaker lease (at most one per deployment):
  players queued and their longest wait, ready checks in progress; and from every process the
  ``arena_matchmaking_wait_seconds`` histogram (queue to match found) and ready-check outcomes;
* every live engine worker's figures, read from the engine registry at scrape time (an engine
  announces them every second): matches, seated players, spectators, the tick-duration
  histogram, recent tick percentiles, publish backlog, CPU seconds.

Why the engines' figures come through the registry: an engine runs inside a web process
(embedded) or as its own ``runengine`` process, and either way it already announces itself every
second. Reading those announcements needs no scrape target, port or setting per engine, and
every web process's ``/metrics`` (and so ``/ops/``) shows every engine. The tick histogram stays
a real Prometheus histogram: the engine counts every tick into cumulative buckets
(``engine.tickmeter``) and the collector here exposes them as they are. When several web
processes are scraped each repeats the engines' series, told apart by their ``engine`` label:
aggregate them with ``max by (engine)``, not ``sum``.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Iterable, Iterator
from dataclasses import fields
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, ProcessCollector
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.exposition import generate_latest
from prometheus_client.utils import floatToGoString

from engine.registry import WorkerInfo
from lobby.census import census

logger = logging.getLogger(__name__)

REGISTRY_READ_TIMEOUT = 2.0  # seconds a scrape waits for the engine registry
WAIT_BUCKETS = (0.5, 1.0, 2.0, 3.0, 5.0, 7.5, 10.0, 15.0, 20.0, 30.0, 45.0, 60.0, 120.0, 300.0)

# The process's registry: Arena's families and the standard process_* ones. Module-level
# metrics are created once per process (at import); everything that has more than one instance
# (sockets, relays, batchers, matchmakers, engine workers) is read at scrape time instead.
REGISTRY = CollectorRegistry(auto_describe=False)
ProcessCollector(registry=REGISTRY)

MATCHMAKING_WAIT = Histogram(
    "arena_matchmaking_wait_seconds",
    "Time from joining the queue to the match being found (ready check accepted by all)",
    ["mode"],
    buckets=WAIT_BUCKETS,
    registry=REGISTRY,
)
READY_CHECKS = Counter(
    "arena_ready_checks",
    "Ready checks settled by this process's matchmaker, by outcome "
    "(matched, declined, timeout, no_engine)",
    ["outcome"],
    registry=REGISTRY,
)


# -- sockets -------------------------------------------------------------------------------------


# -- matchmaking ---------------------------------------------------------------------------------

_matchmakers: weakref.WeakSet[Any] = weakref.WeakSet()


class MatchmakingMetrics:
    """The matchmaker's observer (``lobby.service.MatchmakingObserver``): Prometheus counts."""

    def ready_checks(self, outcome: str, count: int = 1) -> None:
        """Count settled ready checks."""
        READY_CHECKS.labels(outcome).inc(count)

    def matched(self, queue: str, waited: float) -> None:
        """Observe one player's wait for a match."""
        MATCHMAKING_WAIT.labels(queue).observe(waited)


def watch_matchmaker(service: Any) -> None:
    """Expose a ``lobby.service.MatchmakingService``'s queue figures while it holds the lease.

    The service keeps ``holding``, ``waiting`` (mode -> queued entries, longest-waiting first,
    as of its last pass), ``ready_checks`` (in progress) and ``clock``.
    """
    _matchmakers.add(service)


def _matchmaking_families() -> Iterator[Metric]:
    held = GaugeMetricFamily(
        "arena_matchmaking_lease_held",
        "1 if this process runs the matchmaking passes (holds the lease), else 0",
    )
    queued = GaugeMetricFamily(
        "arena_matchmaking_queued",
        "Players waiting in the queue (reported by the lease holder only)",
        labels=["mode"],
    )
    oldest = GaugeMetricFamily(
        "arena_matchmaking_oldest_wait_seconds",
        "How long the longest-waiting queued player has waited (lease holder only)",
        labels=["mode"],
    )
    ready = GaugeMetricFamily(
        "arena_matchmaking_ready_checks",
        "Ready checks in progress (lease holder only)",
    )
    holders = [service for service in list(_matchmakers) if service.holding]
    held.add_metric([], 1 if holders else 0)
    for service in holders[:1]:
        now = service.clock()
        for mode, entries in sorted(service.waiting.items()):
            queued.add_metric([mode], len(entries))
            oldest.add_metric([mode], max(0.0, now - entries[0].joined_at) if entries else 0.0)
        ready.add_metric([], service.ready_checks)
    yield from (held, queued, oldest, ready)


# -- engines (from the registry's heartbeats) ----------------------------------------------------

_RECENT_TICK_STATS = {
    "duration_p50_ms": ("duration", "0.5"),
    "duration_p99_ms": ("duration", "0.99"),
    "duration_max_ms": ("duration", "1"),
    "cpu_p50_ms": ("cpu", "0.5"),
    "cpu_p99_ms": ("cpu", "0.99"),
    "lateness_p50_ms": ("lateness", "0.5"),
    "lateness_p99_ms": ("lateness", "0.99"),
    "lateness_max_ms": ("lateness", "1"),
}


def engine_families(workers: list[WorkerInfo] | None) -> Iterator[Metric]:
    """The engine workers' figures from their last heartbeat; ``None``: the registry failed."""
    registry_up = GaugeMetricFamily(
        "arena_engine_registry_up", "1 if the engine registry answered this scrape, else 0"
    )
    registry_up.add_metric([], 0 if workers is None else 1)
    yield registry_up
    if workers is None:
        return
    engines = GaugeMetricFamily("arena_engines", "Live engine workers (heard from within 5 s)")
    engines.add_metric([], len(workers))
    matches = GaugeMetricFamily(
        "arena_engine_matches", "Matches the engine worker runs", labels=["engine"]
    )
    players = GaugeMetricFamily(
        "arena_engine_players", "Player sockets seated in the engine's matches", labels=["engine"]
    )
    spectators = GaugeMetricFamily(
        "arena_engine_spectators", "Spectators watching the engine's matches", labels=["engine"]
    )
    ticks = HistogramMetricFamily(
        "arena_engine_tick_duration_seconds",
        "Wall-clock duration of every engine tick since the worker started",
        labels=["engine"],
    )
    recent = GaugeMetricFamily(
        "arena_engine_tick_recent_seconds",
        "Percentiles of the engine's last 200 ticks: duration (wall clock), cpu (the tick's own "
        "CPU time) and lateness (start after its due time); quantile 1 is the maximum",
        labels=["engine", "measure", "quantile"],
    )
    backlog = GaugeMetricFamily(
        "arena_engine_publish_backlog",
        "Chunks of snapshots the engine has yet to publish",
        labels=["engine"],
    )
    skipped = CounterMetricFamily(
        "arena_engine_skipped_publications",
        "Snapshots the engine skipped because its publisher lagged",
        labels=["engine"],
    )
    errors = CounterMetricFamily(
        "arena_engine_publish_errors", "Failed publications", labels=["engine"]
    )
    adopted = CounterMetricFamily(
        "arena_engine_matches_adopted",
        "Matches the engine took over from another worker (crashed, paused or stopping)",
        labels=["engine"],
    )
    lost = CounterMetricFamily(
        "arena_engine_matches_lost",
        "Matches another worker took over from this one while it was alive (it was paused)",
        labels=["engine"],
    )
    fenced = CounterMetricFamily(
        "arena_engine_fenced_ticks",
        "Ticks not run because the engine could not renew its match leases in time",
        labels=["engine"],
    )
    recorded = CounterMetricFamily(
        "arena_engine_replays_recorded",
        "Replays the engine wrote and indexed (docs/protocol.md section 11)",
        labels=["engine"],
    )
    replays_lost = CounterMetricFamily(
        "arena_engine_replays_lost",
        "Replays the engine gave up: their storage failed or fell too far behind (never a match)",
        labels=["engine"],
    )
    cpu = CounterMetricFamily(
        "arena_engine_cpu_seconds",
        "CPU time of the engine's process (in the embedded mode: the web process's)",
        labels=["engine"],
    )
    for worker in sorted(workers, key=lambda w: w.worker_id):
        engine = [worker.worker_id]
        stats = worker.stats or {}
        matches.add_metric(engine, worker.load)
        if "players" in stats:
            players.add_metric(engine, stats["players"])
        if "spectators" in stats:
            spectators.add_metric(engine, stats["spectators"])
        histogram = stats.get("tick_histogram")
        if histogram:
            bounds = [floatToGoString(le) for le in histogram["le"]] + ["+Inf"]
            ticks.add_metric(
                engine, list(zip(bounds, histogram["counts"], strict=True)), histogram["sum"]
            )
        for key, (measure, quantile) in _RECENT_TICK_STATS.items():
            if key in stats:
                recent.add_metric([*engine, measure, quantile], stats[key] / 1000)
        if "publish_backlog" in stats:
            backlog.add_metric(engine, stats["publish_backlog"])
        if "cpu_seconds" in stats:
            cpu.add_metric(engine, stats["cpu_seconds"])
        skipped.add_metric(engine, stats.get("skipped_publications", 0))
        errors.add_metric(engine, stats.get("publish_errors", 0))
        adopted.add_metric(engine, stats.get("matches_adopted", 0))
        lost.add_metric(engine, stats.get("matches_lost", 0))
        fenced.add_metric(engine, stats.get("fenced_ticks", 0))
        recorded.add_metric(engine, stats.get("replays_recorded", 0))
        replays_lost.add_metric(engine, stats.get("replays_lost", 0))
    yield from (engines, matches, players, spectators, ticks, recent, backlog, skipped, errors)
    yield from (adopted, lost, fenced, recorded, replays_lost, cpu)


# -- this process's sockets, inputs, relay and layer ---------------------------------------------


def _channel_backlog(layer: Any, channel: str | None) -> int:
    """Messages waiting in ``channel``'s in-process queue (0 where the layer keeps none)."""
    from lobby.layers import BoundedPubSubChannelLayer, EmbeddedChannelLayer

    if channel is None:
        return 0
    if isinstance(layer, EmbeddedChannelLayer):
        queue = layer.channels.get(channel)
        return queue.qsize() if queue is not None else 0
    if isinstance(layer, BoundedPubSubChannelLayer):
        queues = (loop_layer.channels.get(channel) for loop_layer in layer._layers.values())
        return sum(queue.qsize() for queue in queues if queue is not None)
    return 0


class ArenaCollector:
    """Reads this process's live objects when scraped (registered once, in ``REGISTRY``)."""

    def collect(self) -> Iterable[Metric]:
        """Every family of this process, except the module-level metrics."""
        yield from self._info()
        yield from self._sockets()
        yield from self._inputs()
        yield from self._relay()
        yield from self._chat()
        yield from self._loop()
        yield from _matchmaking_families()

    @staticmethod
    def _info() -> Iterator[Metric]:
        from django.conf import settings

        arena = settings.ARENA
        info = GaugeMetricFamily(
            "arena_info",
            "This process's settings: engine (embedded or external), channel layer",
            labels=["engine", "channel_layer"],
        )
        layer = "embedded" if arena.redis_url is None else arena.channel_layer
        info.add_metric([arena.engine, layer], 1)
        yield info
        games = GaugeMetricFamily(
            "arena_game_info",
            "The games this process offers, with their tick rates",
            labels=["game", "tick_rate"],
        )
        for name, options in arena.game_options.items():
            games.add_metric([name, str(getattr(options, "tick_rate", ""))], 1)
        yield games

    @staticmethod
    def _sockets() -> Iterator[Metric]:
        families = {
            "open": GaugeMetricFamily(
                "arena_sockets_open", "WebSockets open in this process", labels=["kind"]
            ),
            "opened": CounterMetricFamily(
                "arena_sockets_opened", "WebSockets ever opened in this process", labels=["kind"]
            ),
            "frames_in": CounterMetricFamily(
                "arena_client_frames",
                "Frames received from clients (inputs, pings, requests; dropped ones included)",
                labels=["kind"],
            ),
            "frames_dropped": CounterMetricFamily(
                "arena_client_frames_dropped",
                "Client frames (mostly inputs) dropped by the per-socket rate limit",
                labels=["kind"],
            ),
            "throttle_notices": CounterMetricFamily(
                "arena_throttle_notices", "THROTTLED notices sent to clients", labels=["kind"]
            ),
            "frames_out": CounterMetricFamily(
                "arena_snapshot_frames_sent",
                "Match frames written to sockets (KEYFRAME, DELTA, RESULT)",
                labels=["kind"],
            ),
            "snapshots_skipped": CounterMetricFamily(
                "arena_snapshots_skipped",
                "Snapshots not sent because a newer one replaced them (slow socket)",
                labels=["kind"],
            ),
            "keyframes": CounterMetricFamily(
                "arena_keyframes_sent", "KEYFRAMEs written to sockets", labels=["kind"]
            ),
        }
        for kind in census.kinds():
            families["open"].add_metric([kind], census.open_count(kind))
            families["opened"].add_metric([kind], census.opened_count(kind))
            counts = census.counts(kind)
            for field in fields(counts):
                families[field.name].add_metric([kind], getattr(counts, field.name))
        yield from families.values()

    @staticmethod
    def _inputs() -> Iterator[Metric]:
        from game.inputs import _batchers

        batchers = list(_batchers.values())
        forwarded = CounterMetricFamily(
            "arena_inputs_forwarded", "Player inputs forwarded to the engines"
        )
        forwarded.add_metric([], sum(b.forwarded for b in batchers))
        superseded = CounterMetricFamily(
            "arena_inputs_superseded",
            "Inputs replaced by a newer one of the same player before they were forwarded",
        )
        superseded.add_metric([], sum(b.superseded for b in batchers))
        batches = CounterMetricFamily(
            "arena_input_batches",
            "Input messages sent to engine workers (one per worker per flush)",
        )
        batches.add_metric([], sum(b.batches for b in batchers))
        yield from (forwarded, superseded, batches)

    @staticmethod
    def _relay() -> Iterator[Metric]:
        from game.relay import _relays
        from lobby.layers import DropOldestQueue

        relays = list(_relays.values())
        watched = GaugeMetricFamily(
            "arena_relay_groups",
            "Match groups (a match's live or delayed stream) this process's relay subscribes to",
        )
        watched.add_metric([], sum(len(r._subscribed) for r in relays))
        backlog = GaugeMetricFamily(
            "arena_relay_backlog", "Messages waiting in the match relay's channel"
        )
        backlog.add_metric([], sum(_channel_backlog(r.layer, r.channel) for r in relays))
        superseded = CounterMetricFamily(
            "arena_relay_superseded",
            "Snapshots the relay skipped because a newer one of the match was already waiting",
        )
        superseded.add_metric([], sum(r.superseded for r in relays))
        dropped = CounterMetricFamily(
            "arena_layer_dropped",
            "Channel-layer messages dropped because a channel's queue in this process was full",
        )
        dropped.add_metric([], DropOldestQueue.dropped_in_process)
        fenced = CounterMetricFamily(
            "arena_relay_fenced",
            "Messages dropped because an engine that no longer owns the match published them",
        )
        fenced.add_metric([], sum(r.fenced for r in relays))
        yield from (watched, backlog, superseded, dropped, fenced)

    @staticmethod
    def _chat() -> Iterator[Metric]:
        from lobby.chat import session
        from lobby.chat.archive import _archives
        from lobby.chat.relay import _relays

        relays = list(_relays.values())
        archives = list(_archives.values())
        topics = GaugeMetricFamily(
            "arena_chat_topics",
            "Chat topics (rooms, match channels, players, announcements) this process's chat "
            "relay subscribes to",
        )
        topics.add_metric([], sum(len(r._subscribed) for r in relays))
        delivered = CounterMetricFamily(
            "arena_chat_frames_delivered", "Chat frames the chat relay handed to local sockets"
        )
        delivered.add_metric([], sum(r.delivered for r in relays))
        stored = CounterMetricFamily(
            "arena_chat_messages_stored", "Chat messages this process stored (and then sent)"
        )
        stored.add_metric([], sum(a.stored for a in archives))
        batches = CounterMetricFamily(
            "arena_chat_store_batches", "Database writes that stored this process's messages"
        )
        batches.add_metric([], sum(a.batches for a in archives))
        limited = CounterMetricFamily(
            "arena_chat_rate_limited", "Chat messages refused by the senders' token buckets"
        )
        limited.add_metric([], session._limits.refused if session._limits is not None else 0)
        yield from (topics, delivered, stored, batches, limited)

    @staticmethod
    def _loop() -> Iterator[Metric]:
        from channels.layers import get_channel_layer

        from lobby.layers import BoundedPubSubChannelLayer, EmbeddedChannelLayer

        tasks = GaugeMetricFamily(
            "arena_asyncio_tasks",
            "Tasks alive on this process's event loop (the one that answered the scrape)",
        )
        try:
            tasks.add_metric([], len(asyncio.all_tasks()))
        except RuntimeError:  # scraped outside an event loop: no figure rather than a wrong one
            logger.debug("no running event loop to count tasks on")
        groups = GaugeMetricFamily(
            "arena_layer_groups", "Channel-layer groups this process's sockets and relays are in"
        )
        channels = GaugeMetricFamily(
            "arena_layer_channels", "Channel-layer channels this process reads (a queue each)"
        )
        layer = get_channel_layer()
        group_count = channel_count = 0
        if isinstance(layer, EmbeddedChannelLayer):
            group_count, channel_count = len(layer.groups), len(layer.channels)
        elif isinstance(layer, BoundedPubSubChannelLayer):
            for loop_layer in list(layer._layers.values()):
                group_count += len(loop_layer.groups)
                channel_count += len(loop_layer.channels)
        groups.add_metric([], group_count)
        channels.add_metric([], channel_count)
        yield from (tasks, groups, channels)


REGISTRY.register(ArenaCollector())


class _Scrape:
    """One scrape: the process's registry and the engines read for it."""

    def __init__(self, workers: list[WorkerInfo] | None) -> None:
        self.workers = workers

    def collect(self) -> Iterable[Metric]:
        yield from REGISTRY.collect()
        yield from engine_families(self.workers)


async def scrape() -> bytes:
    """The ``/metrics`` body: this process's families and the live engines' (Prometheus text)."""
    from game.engines import engine_registry

    workers: list[WorkerInfo] | None
    try:
        async with asyncio.timeout(REGISTRY_READ_TIMEOUT):
            workers = await engine_registry().live_workers()
    except Exception:
        logger.warning("/metrics could not read the engine registry", exc_info=True)
        workers = None
    return generate_latest(_Scrape(workers))
