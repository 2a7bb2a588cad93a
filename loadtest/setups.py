"""The three servers the fan-out bench compares, each started into a Stack as a Target.

``real`` is the project (uvicorn web processes, a runengine worker, Redis, real matches);
``ceiling`` is loadtest.ceiling (a bare ASGI broadcaster); ``floor`` is loadtest.floor (a naive
Channels consumer on the in-memory layer). Every server process that holds sockets is named
``web-N`` so the report compares like with like.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from game.config import DEFAULT_MAX_SPECTATORS
from loadtest.broadcast import BroadcastSettings
from loadtest.loadclient import SocketSpec
from loadtest.procstats import redis_server_pid
from loadtest.realstack import PLAYERS_PER_MATCH, delete_keys, stack_env, start_real_stack
from loadtest.stack import QUIET_FLAGS, Stack, listening

SETUPS = ("real", "ceiling", "floor")
# The baselines run uvicorn's sans-I/O WebSocket protocol, the one the project's
# ArenaWebSocketProtocol extends, with the project's other WebSocket flags.
BASELINE_FLAGS = [
    "--ws",
    "websockets-sansio",
    "--ws-per-message-deflate",
    "false",
    "--ws-max-size",
    "512",
    "--lifespan",
    "on",
    *QUIET_FLAGS,
]


@dataclass(frozen=True)
class FanoutOptions:
    """Everything one fan-out bench run needs to know."""

    clients: int = 1000
    webs: int = 1
    warmup: float = 5.0
    duration: float = 20.0
    ramp: float = 200.0
    frame_bytes: int = 100
    input_rate: float = 2.0
    tick_rate: int = 20
    only: tuple[str, ...] = SETUPS
    redis_url: str = "redis://127.0.0.1:6379/0"
    channel_layer: str = "pubsub"
    connect_timeout: float = 30.0
    server_env: dict[str, str] = field(default_factory=dict)  # real: extra server settings
    spectators: int = 0  # real: spectator sockets, all watching the first match
    engine: str = "external"  # real: "external" (a runengine process) or "hosted" (in the webs)
    compare: bool = False  # real with spectators: also run it without them, first
    chat_users: int = 0  # real: lobby chat users on the web processes, chatting in the window
    chat_interval: float = 10.0  # real: seconds between a chat user's messages
    compare_chat: bool = False  # real with chat users: also run it without them, first


@dataclass
class Target:
    """A started setup: the sockets to open and the processes to watch."""

    sockets: list[SocketSpec]
    webs: dict[str, int]  # processes holding the sockets: name -> pid
    sockets_per_web: dict[str, int]
    others: dict[str, int] = field(default_factory=dict)  # engine, redis-server: name -> pid
    input_rate: float = 0.0
    stats_urls: dict[str, str] = field(default_factory=dict)  # baseline tick stats
    health_url: str | None = None  # real: /healthz, with the engines' tick stats
    web_urls: dict[str, str] = field(default_factory=dict)  # name -> base URL of the webs
    notes: dict[str, Any] = field(default_factory=dict)
    chat_bases: list[str] = field(default_factory=list)  # real: where lobby chat users connect


def baseline_env(broadcast: BroadcastSettings) -> dict[str, str]:
    """The environment of a baseline server: this one without Django or Arena settings."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("ARENA_", "REDIS_URL", "DJANGO_SETTINGS_MODULE"))
    }
    env.update(broadcast.env())
    env["PYTHONUNBUFFERED"] = "1"
    return env


def _broadcast(options: FanoutOptions) -> BroadcastSettings:
    return BroadcastSettings(options.frame_bytes, options.tick_rate, PLAYERS_PER_MATCH)


def _baseline(app: str, stack: Stack, options: FanoutOptions) -> Target:
    base = stack.start_uvicorn("web-1", app, BASELINE_FLAGS, listening)
    url = base.replace("http://", "ws://") + "/ws/fanout/"
    sockets = [SocketSpec(url, {"Origin": base}) for _ in range(options.clients)]
    return Target(
        sockets,
        {"web-1": stack.pid("web-1")},
        {"web-1": options.clients},
        stats_urls={"web-1": base + "/stats"},
        web_urls={"web-1": base},
        notes={"app": app, "frame_bytes": options.frame_bytes},
    )


def baseline_stack(workdir: Path, options: FanoutOptions) -> Stack:
    """The (not yet started) process of the ceiling or the floor setup."""
    return Stack(baseline_env(_broadcast(options)), workdir)


def start_ceiling(stack: Stack, options: FanoutOptions) -> Target:
    """Start the bare ASGI broadcaster."""
    return _baseline("loadtest.ceiling:app", stack, options)


def start_floor(stack: Stack, options: FanoutOptions) -> Target:
    """Start the naive Channels consumer."""
    return _baseline("loadtest.floor:app", stack, options)


def real_stack(workdir: Path, options: FanoutOptions) -> Stack:
    """The (not yet started) processes of the real setup, with a fresh Redis key prefix.

    ``options.server_env`` (``--server-env``) goes on top of the stack's own settings. More
    spectators than the server's default cap raise the cap (ARENA_MAX_SPECTATORS), unless
    ``--server-env`` sets it.
    """
    env = stack_env(workdir, options.redis_url, options.tick_rate, options.channel_layer)
    if options.spectators > DEFAULT_MAX_SPECTATORS:
        env["ARENA_MAX_SPECTATORS"] = str(options.spectators)
    env.update(options.server_env)
    return Stack(env, workdir)


def start_real(stack: Stack, options: FanoutOptions) -> Target:
    """Start the project's stack and create its matches."""
    real = start_real_stack(
        stack, options.clients, options.webs, options.spectators, options.engine
    )
    others = {"engine": stack.pid("engine")} if options.engine == "external" else {}
    redis_pid = redis_server_pid(options.redis_url)
    if redis_pid is not None:
        others["redis-server"] = redis_pid
    return Target(
        real.sockets,
        {name: stack.pid(name) for name in real.webs},
        real.sockets_per_web,
        others,
        input_rate=options.input_rate,
        health_url=next(iter(real.webs.values())) + "/healthz",
        web_urls=dict(real.webs),
        chat_bases=list(real.webs.values()),
        notes={
            "matches": real.matches,
            "channel_layer": options.channel_layer,
            "input_rate": options.input_rate,
            "server_env": dict(options.server_env),
            "spectators": options.spectators,
            "engine": options.engine,
            "watched_match": real.watched_match,
            "chat_users": options.chat_users,
        },
    )


def clean_up(stack: Stack, options: FanoutOptions) -> None:
    """Remove what a stopped setup left outside its processes (the real stack's Redis keys)."""
    prefix = stack.env.get("ARENA_REDIS_PREFIX")
    if prefix:
        delete_keys(options.redis_url, prefix)


STACKS: dict[str, Callable[[Path, FanoutOptions], Stack]] = {
    "real": real_stack,
    "ceiling": baseline_stack,
    "floor": baseline_stack,
}
STARTERS: dict[str, Callable[[Stack, FanoutOptions], Target]] = {
    "real": start_real,
    "ceiling": start_ceiling,
    "floor": start_floor,
}
