"""Fixtures shared by every test package: real Redis, fresh layers, an engine, match sockets."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator

import pytest
import redis
from channels.layers import get_channel_layer
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator

from engine.game import Game
from engine.games import load_games
from engine.games.shooter.game import ShooterGame
from engine.games.shooter.rules import Rules
from engine.replay.recorder import ReplayRecorder
from engine.worker import EngineWorker
from game.engines import engine_registry, worker_options
from game.routing import websocket_urlpatterns
from game.store import DjangoMatchStore
from lobby.tickets import issue_ticket

REDIS_TEST_URL = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The real Redis the tests use; the run fails (not skips) when it is unreachable."""
    client = redis.Redis.from_url(REDIS_TEST_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.fail(f"Redis-backed tests need Redis at {REDIS_TEST_URL}: {exc}")
    finally:
        client.close()
    return REDIS_TEST_URL


@pytest.fixture
def redis_prefix(redis_url: str) -> Iterator[str]:
    """A key prefix of this test's own; its keys are deleted afterwards."""
    prefix = f"arenatest-{uuid.uuid4().hex[:10]}"
    yield prefix
    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(f"{prefix}:*"))
    if keys:
        client.delete(*keys)
    client.close()


@pytest.fixture(autouse=True)
def fresh_channel_layers() -> Iterator[None]:
    """Each test gets new channel layer instances bound to its own event loop."""
    from channels.layers import channel_layers

    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


@pytest.fixture(autouse=True)
def fresh_lobby_store(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test gets an empty in-memory lobby store: a player's held seat does not outlive
    its test."""
    from lobby import wiring
    from lobby.memory_store import MemoryLobbyStore

    monkeypatch.setattr(wiring, "_memory_store", MemoryLobbyStore())


FAST_RULES = Rules(tick_rate=50)


@pytest.fixture
def rules() -> Rules:
    """The shooter's rules in the engine under test; override in a test module (or with
    ``pytest.mark.parametrize("rules", ...)``) for short matches."""
    return FAST_RULES


def games_with(rules: Rules) -> dict[str, Game]:
    """Every registered game with its defaults, the shooter with ``rules``."""
    games = load_games()
    games["shooter"] = ShooterGame(rules)
    return games


@pytest.fixture
def reconnect_grace() -> float | None:
    """The engine under test's reconnect grace period (None: settings.ARENA's); override in a
    test module for quick releases."""
    return None


@contextlib.asynccontextmanager
async def running_engine(
    rules: Rules,
    reconnect_grace: float | None = None,
    games: dict[str, Game] | None = None,
    recorder: ReplayRecorder | None = None,
) -> AsyncIterator[EngineWorker]:
    """A real engine worker on the test's in-memory channel layer, with the runtime settings
    of settings.ARENA as they are when it starts (the grace period given, if it is), running
    ``games`` (default: every registered game, the shooter with ``rules``), recording replays
    with ``recorder`` if given."""
    options = worker_options()
    if reconnect_grace is not None:
        options["reconnect_grace"] = reconnect_grace
    worker = EngineWorker(
        get_channel_layer(),
        engine_registry(),
        games if games is not None else games_with(rules),
        DjangoMatchStore(),
        recorder=recorder,
        **options,
    )
    await worker.start()
    try:
        yield worker
    finally:
        await worker.stop()


@pytest.fixture
async def engine(rules: Rules, reconnect_grace: float | None) -> AsyncIterator[EngineWorker]:
    """A real engine worker on the test's in-memory channel layer."""
    async with running_engine(rules, reconnect_grace) as worker:
        yield worker


Connect = Callable[..., Awaitable[WebsocketCommunicator]]


@pytest.fixture
async def connect() -> AsyncIterator[Connect]:
    """Open a match socket; every socket opened is disconnected after the test."""
    opened: list[WebsocketCommunicator] = []

    async def open_socket(
        match_id: str,
        name: str = "Ada",
        ticket: str | None = None,
        player_key: str | None = None,
    ) -> WebsocketCommunicator:
        if ticket is None:
            key = player_key or f"guest:{name}-{uuid.uuid4().hex[:8]}"
            ticket = issue_ticket(match_id, key, name)
        comm = WebsocketCommunicator(
            URLRouter(websocket_urlpatterns), f"/ws/match/{match_id}/?ticket={ticket}"
        )
        connected, _ = await comm.connect()
        assert connected
        opened.append(comm)
        return comm

    yield open_socket
    for comm in opened:
        await comm.disconnect()


@pytest.fixture
def arena_settings(settings: pytest.FixtureRequest) -> Callable[..., None]:
    """Change fields of settings.ARENA for one test."""

    def change(**fields: object) -> None:
        settings.ARENA = dataclasses.replace(settings.ARENA, **fields)  # type: ignore[attr-defined]

    return change
