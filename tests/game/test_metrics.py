"""/metrics (Prometheus text read back with prometheus_client's parser) and the /ops/ page."""

from __future__ import annotations

import asyncio
import gc
import time
import uuid
from collections.abc import Callable
from typing import Any

import msgpack
import pytest
import redis.asyncio as aioredis
from channels.layers import get_channel_layer
from django.test import AsyncClient
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.parser import text_string_to_metric_families

from engine.games.shooter.wire import Button
from engine.protocol import MessageType
from engine.registry import RedisEngineRegistry
from engine.tickmeter import DURATION_BUCKETS, TickMeter
from engine.worker import EngineWorker
from game import engines, metrics
from game.services import create_match, validate_match_request
from lobby.memory_store import MemoryLobbyStore
from lobby.service import MatchmakingService
from lobby.store import QueueEntry
from lobby.wiring import mode_specs, rating_window
from tests.conftest import Connect
from tests.helpers import wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(20)]

Samples = list[tuple[str, dict[str, str], float]]
METRICS_TOKEN = "metrics-token-for-the-tests"


@pytest.fixture(autouse=True)
def metrics_token(arena_settings: Any) -> None:
    """/metrics is read with the token, as Prometheus would (tests/game/test_ops_access.py)."""
    arena_settings(metrics_token=METRICS_TOKEN)


async def scrape() -> Samples:
    """GET /metrics and parse it as Prometheus does; every sample as (name, labels, value)."""
    response = await AsyncClient().get("/metrics", headers=bearer(METRICS_TOKEN))
    assert response.status_code == 200
    assert response["Content-Type"] == CONTENT_TYPE_LATEST
    families = list(text_string_to_metric_families(response.content.decode()))
    return [(s.name, s.labels, s.value) for family in families for s in family.samples]


def bearer(token: str) -> dict[str, str]:
    """The header a Prometheus scrape job with ``authorization: credentials: <token>`` sends."""
    return {"Authorization": f"Bearer {token}"}


def value(samples: Samples, name: str, **labels: str) -> float | None:
    """The value of the sample ``name`` whose labels include ``labels`` (None: absent)."""
    found = [v for n, ls, v in samples if n == name and labels.items() <= ls.items()]
    assert len(found) <= 1, f"{name}{labels} is ambiguous: {found}"
    return found[0] if found else None


def count(samples: Samples, name: str, **labels: str) -> float:
    """Like ``value``, with an absent counter counting as 0."""
    return value(samples, name, **labels) or 0.0


def grew(before: Samples, after: Samples, name: str, **labels: str) -> float:
    """How much a counter (or gauge) changed from one scrape to the next."""
    return count(after, name, **labels) - count(before, name, **labels)


async def eventually(check: Callable[[Samples], bool], timeout: float = 3.0) -> Samples:
    """Scrape until ``check`` holds on the samples (engines announce themselves every second)."""
    async with asyncio.timeout(timeout):
        while True:
            samples = await scrape()
            if check(samples):
                return samples
            await asyncio.sleep(0.05)


def input_frame(seq: int, buttons: int = Button.RIGHT) -> bytes:
    return msgpack.packb([MessageType.INPUT, seq, buttons, 0])


async def new_match() -> str:
    return str((await create_match(validate_match_request(mode="ffa"))).id)


async def test_metrics_is_prometheus_text_with_process_and_arena_families() -> None:
    samples = await scrape()
    names = {name for name, _, _ in samples}
    assert "process_cpu_seconds_total" in names
    assert value(samples, "arena_info", engine="embedded") == 1
    assert value(samples, "arena_game_info", game="shooter", tick_rate="20") == 1
    assert value(samples, "arena_engine_registry_up") == 1
    assert value(samples, "arena_engines") == 0  # no engine runs in this test
    assert {
        "arena_inputs_forwarded_total",
        "arena_relay_backlog",
        "arena_layer_dropped_total",
        "arena_relay_fenced_total",
        "arena_matchmaking_lease_held",
    } <= names


async def test_a_player_moves_the_socket_frame_and_input_counters(
    engine: EngineWorker, connect: Connect
) -> None:
    before = await scrape()
    comm = await connect(await new_match(), "Ada")
    await wait_for(comm, MessageType.WELCOME)
    await wait_for(comm, MessageType.SNAPSHOT)
    for seq in range(1, 6):
        await comm.send_to(bytes_data=input_frame(seq))
    kind = {"kind": "match"}

    def moved(samples: Samples) -> bool:
        return (
            grew(before, samples, "arena_inputs_forwarded_total") > 0
            and grew(before, samples, "arena_client_frames_total", **kind) >= 5
        )

    during = await eventually(moved)
    assert grew(before, during, "arena_sockets_open", **kind) == 1
    assert grew(before, during, "arena_sockets_opened_total", **kind) == 1
    assert grew(before, during, "arena_snapshot_frames_sent_total", **kind) > 0
    assert grew(before, during, "arena_keyframes_sent_total", **kind) > 0
    assert value(during, "arena_relay_groups") >= 1

    await comm.disconnect()
    after = await eventually(lambda s: grew(before, s, "arena_sockets_open", **kind) == 0)
    for name in ("arena_client_frames_total", "arena_snapshot_frames_sent_total"):
        assert count(after, name, **kind) >= count(during, name, **kind), f"{name} only grows"


async def test_loop_tasks_and_layer_groups_follow_a_socket(
    engine: EngineWorker, connect: Connect
) -> None:
    match_id = await new_match()
    first = await connect(match_id, "Ada")  # starts the process's relay and input batcher
    await wait_for(first, MessageType.WELCOME)
    await first.disconnect()
    before = await eventually(lambda s: value(s, "arena_layer_groups") == 0)
    comm = await connect(match_id, "Bo")
    await wait_for(comm, MessageType.WELCOME)
    during = await scrape()
    assert grew(before, during, "arena_asyncio_tasks") >= 1  # the consumer's own task at least
    assert grew(before, during, "arena_layer_groups") >= 1  # the relay's group of the match
    await comm.disconnect()
    after = await eventually(
        lambda s: (
            value(s, "arena_layer_groups") == 0 and grew(before, s, "arena_asyncio_tasks") <= 0
        )
    )
    assert grew(before, after, "arena_layer_channels") <= 0


async def test_rate_limited_frames_and_throttle_notices_are_counted(
    engine: EngineWorker, connect: Connect, arena_settings: Any
) -> None:
    arena_settings(input_rate=1.0, input_burst=1)
    before = await scrape()
    comm = await connect(await new_match(), "Ada")
    await wait_for(comm, MessageType.WELCOME)
    for seq in range(1, 6):
        await comm.send_to(bytes_data=input_frame(seq))
    await wait_for(comm, MessageType.THROTTLED)
    after = await scrape()
    kind = {"kind": "match"}
    assert grew(before, after, "arena_client_frames_dropped_total", **kind) == 4
    assert grew(before, after, "arena_throttle_notices_total", **kind) == 1
    assert grew(before, after, "arena_client_frames_total", **kind) == 5


async def test_engine_figures_come_from_the_registry_heartbeat(
    engine: EngineWorker, connect: Connect
) -> None:
    comm = await connect(await new_match(), "Ada")
    await wait_for(comm, MessageType.WELCOME)
    me = {"engine": engine.worker_id}

    def announced(samples: Samples) -> bool:
        return value(samples, "arena_engine_players", **me) == 1

    samples = await eventually(announced, timeout=4.0)
    assert value(samples, "arena_engines") == 1
    assert value(samples, "arena_engine_matches", **me) == 1
    assert value(samples, "arena_engine_spectators", **me) == 0
    ticks = value(samples, "arena_engine_tick_duration_seconds_count", **me)
    assert ticks and ticks > 0
    assert value(samples, "arena_engine_tick_duration_seconds_bucket", le="+Inf", **me) == ticks
    assert value(samples, "arena_engine_tick_duration_seconds_sum", **me) > 0
    buckets = [
        v for n, ls, v in samples if n.endswith("_bucket") and ls.get("engine") == me["engine"]
    ]
    assert buckets == sorted(buckets) and len(buckets) == len(DURATION_BUCKETS) + 1
    p99 = value(
        samples, "arena_engine_tick_recent_seconds", measure="duration", quantile="0.99", **me
    )
    assert p99 is not None and 0 < p99 < 1
    assert value(samples, "arena_engine_cpu_seconds_total", **me) > 0
    assert value(samples, "arena_engine_publish_backlog", **me) is not None
    assert value(samples, "arena_engine_matches_adopted_total", **me) == 0
    assert value(samples, "arena_engine_matches_lost_total", **me) == 0
    assert value(samples, "arena_engine_fenced_ticks_total", **me) == 0
    assert value(samples, "arena_engine_replays_recorded_total", **me) == 0
    assert value(samples, "arena_engine_replays_lost_total", **me) == 0


@pytest.mark.redis
async def test_engine_figures_survive_the_redis_registry(
    monkeypatch: pytest.MonkeyPatch, redis_url: str, redis_prefix: str
) -> None:
    meter = TickMeter()
    for duration in (0.001, 0.003, 0.2):
        meter.record(lateness=0.0, duration=duration)
    client = aioredis.Redis.from_url(redis_url)
    registry = RedisEngineRegistry(client, redis_prefix)
    stats = {**meter.report().to_dict(), "players": 5, "tick_histogram": meter.histogram()}
    await registry.announce("engine-r", "arena.engine.r", 2, stats)
    monkeypatch.setattr(engines, "engine_registry", lambda: registry)
    try:
        samples = await scrape()
    finally:
        await client.aclose()
    me = {"engine": "engine-r"}
    assert value(samples, "arena_engine_matches", **me) == 2
    assert value(samples, "arena_engine_players", **me) == 5
    assert value(samples, "arena_engine_spectators", **me) is None, "not announced"
    assert value(samples, "arena_engine_tick_duration_seconds_bucket", le="0.005", **me) == 2
    assert value(samples, "arena_engine_tick_duration_seconds_bucket", le="+Inf", **me) == 3
    assert value(samples, "arena_engine_tick_duration_seconds_sum", **me) == pytest.approx(0.204)


async def test_an_unreachable_engine_registry_still_answers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class Broken:
        async def live_workers(self) -> list[Any]:
            raise ConnectionError("redis is down")

    monkeypatch.setattr(engines, "engine_registry", lambda: Broken())
    samples = await scrape()
    assert value(samples, "arena_engine_registry_up") == 0
    assert value(samples, "arena_engines") is None


async def test_matchmaking_queue_and_wait_from_the_lease_holder() -> None:
    gc.collect()  # matchmakers of earlier tests are gone
    store = MemoryLobbyStore()

    async def start_matches(
        requests: list[tuple[str, list[str]]],
    ) -> list[tuple[str, str, str | None]]:
        return [(str(uuid.uuid4()), "/ws/match/x/", None) for _ in requests]

    service = MatchmakingService(
        store,
        get_channel_layer(),
        mode_specs(),
        rating_window(),
        accept_timeout=10.0,
        presence_ttl=15.0,
        ticket_ttl=60.0,
        start_matches=start_matches,
        observer=metrics.MatchmakingMetrics(),
    )
    metrics.watch_matchmaker(service)
    before = await scrape()
    assert value(before, "arena_matchmaking_lease_held") == 0
    now = time.time()
    entries = [
        QueueEntry("guest:ada", "Ada", 1500, "shooter/ffa", now - 5, "chan-ada"),
        QueueEntry("guest:bo", "Bo", 1500, "shooter/duel", now - 3, "chan-bo"),
        QueueEntry("guest:cy", "Cy", 1500, "shooter/duel", now - 2, "chan-cy"),
    ]
    for entry in entries:
        await store.enqueue(entry, 15.0)
    service.holding = True
    try:
        await service.run_pass()  # the duel pair goes to a ready check; Ada waits
        samples = await scrape()
        assert value(samples, "arena_matchmaking_lease_held") == 1
        assert value(samples, "arena_matchmaking_queued", mode="shooter/ffa") == 1
        assert value(samples, "arena_matchmaking_queued", mode="shooter/duel") == 0
        assert value(samples, "arena_matchmaking_oldest_wait_seconds", mode="shooter/ffa") >= 5
        (pending,) = await store.pendings()
        for key in ("guest:bo", "guest:cy"):
            await store.answer(pending.pending_id, key, accept=True)
        await service.run_pass()  # everyone accepted: the match is found
        after = await scrape()
    finally:
        service.holding = False
    assert grew(before, after, "arena_matchmaking_wait_seconds_count", mode="shooter/duel") == 2
    assert grew(before, after, "arena_matchmaking_wait_seconds_sum", mode="shooter/duel") >= 5
    assert grew(before, after, "arena_ready_checks_total", outcome="matched") == 1


def test_tick_meter_histogram_is_cumulative() -> None:
    meter = TickMeter(window=10)
    for duration in (0.0001, 0.004, 0.004, 0.04, 5.0):
        meter.record(lateness=0.0, duration=duration)
    histogram = meter.histogram()
    assert histogram["le"] == list(DURATION_BUCKETS)
    counts = dict(zip([*histogram["le"], "+Inf"], histogram["counts"], strict=True))
    assert counts[0.0005] == 1 and counts[0.005] == 3 and counts[0.05] == 4 and counts[1.0] == 4
    assert counts["+Inf"] == histogram["count"] == 5
    assert histogram["sum"] == pytest.approx(5.0481)


async def test_ops_page_and_its_chart_library_are_served() -> None:
    client = AsyncClient()
    page = await client.get("/ops/", headers=bearer(METRICS_TOKEN))
    assert page.status_code == 200 and page["Content-Type"].startswith("text/html")
    html = page.content.decode()
    assert "/static/js/ops.js" in html and "/static/vendor/uplot/uPlot.esm.js" in html
    for path in (
        "/static/js/ops.js",
        "/static/js/ops-metrics.js",
        "/static/vendor/uplot/uPlot.esm.js",
    ):
        response = await client.get(path)
        assert response.status_code == 200, path
        response.close()
    assert (await client.post("/metrics")).status_code == 405
