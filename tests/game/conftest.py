"""Fixtures for consumer tests: an engine worker running in the test's event loop."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from channels.layers import get_channel_layer
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator

from engine.rules import Rules
from engine.worker import EngineWorker
from game.engines import engine_registry
from game.routing import websocket_urlpatterns
from game.store import DjangoMatchStore

FAST_RULES = Rules(tick_rate=50)


@pytest.fixture
def rules() -> Rules:
    """The rules of the engine under test; override in a test module for short matches."""
    return FAST_RULES


@pytest.fixture
async def engine(rules: Rules) -> AsyncIterator[EngineWorker]:
    """A real engine worker on the test's in-memory channel layer."""
    worker = EngineWorker(get_channel_layer(), engine_registry(), rules, store=DjangoMatchStore())
    await worker.start()
    yield worker
    await worker.stop()


Connect = Callable[..., Awaitable[WebsocketCommunicator]]


@pytest.fixture
async def connect() -> AsyncIterator[Connect]:
    """Open a match socket; every socket opened is disconnected after the test."""
    opened: list[WebsocketCommunicator] = []

    async def open_socket(match_id: str, name: str | None = "Ada") -> WebsocketCommunicator:
        query = "" if name is None else f"?name={name}"
        comm = WebsocketCommunicator(
            URLRouter(websocket_urlpatterns), f"/ws/match/{match_id}/{query}"
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
