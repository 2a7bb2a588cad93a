"""Settings from the environment: defaults, parsing and fail-fast errors."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest

from game.config import (
    ConfigError,
    channel_layer_settings,
    database_settings,
    layer_prefix,
    load_config,
)
from lobby.layers import BoundedPubSubChannelLayer

GOOD_SECRET = "s" * 40


def test_embedded_defaults_need_no_environment() -> None:
    config = load_config({})
    assert config.redis_url is None
    assert config.embedded_engine
    assert config.game_options["shooter"].tick_rate == 20
    assert set(config.game_options) == {"shooter", "football", "connect4"}
    assert (config.spectator_delay, config.max_spectators) == (0.0, 2000)
    assert config.reconnect_grace == 20.0
    assert config.database_url.startswith("sqlite:")
    assert channel_layer_settings(config)["BACKEND"] == "lobby.layers.EmbeddedChannelLayer"


def test_redis_url_selects_external_engine_and_pubsub_layer() -> None:
    config = load_config({"REDIS_URL": "redis://127.0.0.1:6379/0", "ARENA_SECRET_KEY": GOOD_SECRET})
    assert config.engine == "external"
    layer = channel_layer_settings(config)
    assert layer["BACKEND"] == "lobby.layers.BoundedPubSubChannelLayer"
    host = layer["CONFIG"]["hosts"][0]  # type: ignore[index]
    assert host["socket_timeout"] > 5, "must outlast the core layer's 5 s BZPOPMIN"


def test_core_layer_outlasts_bzpopmin() -> None:
    env = {
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "ARENA_SECRET_KEY": GOOD_SECRET,
        "ARENA_CHANNEL_LAYER": "core",
    }
    layer = channel_layer_settings(load_config(env))
    assert layer["BACKEND"] == "channels_redis.core.RedisChannelLayer"
    assert layer["CONFIG"]["hosts"][0]["socket_timeout"] > 5  # type: ignore[index]


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"ARENA_TICK_RATE": "fast"}, "ARENA_TICK_RATE='fast' is not a number"),
        ({"ARENA_TICK_RATE": "0"}, "tick_rate must be positive, got 0"),
        ({"ARENA_TICK_RATE": "20.5"}, "whole number"),
        ({"ARENA_DEBUG": "maybe"}, "not a boolean"),
        ({"REDIS_URL": "http://x"}, "not a redis://"),
        ({"REDIS_URL": "redis+sentinel:///arena"}, "names no sentinel"),
        ({"REDIS_URL": "redis+sentinel://h:26379"}, "must end in /<master name>"),
        ({"REDIS_URL": "redis+sentinel://h:port/arena"}, "'h:port' is not host:port"),
        ({"REDIS_URL": "redis+sentinel://h:1/arena/x"}, "is not a number"),
        ({"REDIS_URL": "redis://127.0.0.1:6379/0"}, "ARENA_SECRET_KEY must be set"),
        ({"ARENA_SECRET_KEY": "short"}, "at least 32 characters"),
        ({"ARENA_ENGINE": "external"}, "needs REDIS_URL"),
        ({"ARENA_ENGINE": "cloud"}, "must be one of"),
        ({"ARENA_CHANNEL_LAYER": "kafka"}, "must be one of"),
        ({"DATABASE_URL": "mysql://db/x"}, "not supported"),
        ({"ARENA_REDIS_PREFIX": "a:b"}, "may hold only"),
        ({"ARENA_LOG_LEVEL": "LOUD"}, "must be DEBUG"),
        ({"ARENA_SHOOTER_TIME_LIMIT": "0"}, "(ARENA_SHOOTER_*): time_limit must be positive"),
        ({"ARENA_SHOOTER_SCORE_LIMIT": "1.5"}, "ARENA_SHOOTER_SCORE_LIMIT='1.5' must be a whole"),
        (
            {"ARENA_SHOOTER_MIN_PLAYERS": "6", "ARENA_SHOOTER_FFA_MAX_PLAYERS": "5"},
            "need min_players <= ffa_lobby_min <= ffa_max_players",
        ),
        ({"ARENA_TIME_LIMIT": "60"}, "unknown setting: ARENA_TIME_LIMIT (now ARENA_SHOOTER_TIME"),
        ({"ARENA_SHOOTER_TIME_LIMT": "60"}, "unknown setting: ARENA_SHOOTER_TIME_LIMT"),
        ({"ARENA_ACCEPT_TIMEOUT": "0"}, "must be between 1 and 120"),
        ({"ARENA_SPECTATOR_DELAY": "31"}, "must be between 0 and 30"),
        ({"ARENA_SPECTATOR_DELAY": "-1"}, "must be between 0 and 30"),
        ({"ARENA_SPECTATOR_DELAY": "soon"}, "is not a number"),
        ({"ARENA_MAX_SPECTATORS": "10.5"}, "whole number"),
        ({"ARENA_MAX_SPECTATORS": "-1"}, "must be between 0 and 100000"),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_bad_values_fail_with_a_clear_message(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_config(env)


def test_each_game_reads_its_own_options_and_the_shared_tick_rate() -> None:
    options = load_config(
        {
            "ARENA_TICK_RATE": "30",
            "ARENA_FOOTBALL_TICK_RATE": "25",
            "ARENA_SHOOTER_SCORE_LIMIT": "3",
        }
    ).game_options
    assert (options["shooter"].tick_rate, options["shooter"].score_limit) == (30, 3)
    assert options["football"].tick_rate == 25 and options["connect4"].tick_rate == 30


def test_allowed_hosts_are_split_and_trimmed() -> None:
    config = load_config({"ARENA_ALLOWED_HOSTS": " arena.example , .example.org ,"})
    assert config.allowed_hosts == ("arena.example", ".example.org")


def test_spectator_settings_are_read() -> None:
    config = load_config({"ARENA_SPECTATOR_DELAY": "2.5", "ARENA_MAX_SPECTATORS": "50"})
    assert (config.spectator_delay, config.max_spectators) == (2.5, 50)


def test_postgres_gets_a_bounded_pool_and_no_connection_per_thread() -> None:
    config = load_config(
        {"DATABASE_URL": "postgres://arena@db:5432/arena", "ARENA_DATABASE_POOL_SIZE": "7"}
    )
    database = database_settings(config, Path("/srv/arena"))
    assert database["ENGINE"] == "django.db.backends.postgresql"
    assert database["CONN_MAX_AGE"] == 0
    assert database["OPTIONS"]["pool"]["max_size"] == 7


def test_sqlite_paths_are_relative_to_the_project() -> None:
    database = database_settings(load_config({}), Path("/srv/arena"))
    assert database["NAME"] == "/srv/arena/db.sqlite3" and database["CONN_MAX_AGE"] == 0
    assert "pool" not in database.get("OPTIONS", {})


def test_the_channel_layer_prefix_names_the_redis_database() -> None:
    assert layer_prefix("arena", "redis://127.0.0.1:6379/9") == "arena:db9:layer:"
    assert layer_prefix("arena", "redis://127.0.0.1:6379") == "arena:db0:layer:"
    assert layer_prefix("arena", "redis+sentinel://a:1,b:2/arena/9") == "arena:db9:layer:"


@pytest.mark.parametrize("layer", ["pubsub", "core"])
def test_sentinels_reach_the_channel_layer_with_the_same_timeouts(layer: str) -> None:
    env = {
        "REDIS_URL": "redis+sentinel://:secret@s1:26379,s2:26380/arena/3",
        "ARENA_SECRET_KEY": GOOD_SECRET,
        "ARENA_CHANNEL_LAYER": layer,
    }
    config = load_config(env)
    assert config.engine == "external"
    [host] = channel_layer_settings(config)["CONFIG"]["hosts"]  # type: ignore[index]
    assert host["sentinels"] == [("s1", 26379), ("s2", 26380)]
    assert host["master_name"] == "arena"
    assert (host["db"], host["password"]) == (3, "secret")
    assert host["socket_timeout"] > 5 and host["socket_keepalive"]
    assert host["sentinel_kwargs"]["socket_timeout"] <= 2, "a dead sentinel costs little"
    assert "address" not in host


@pytest.mark.redis
async def test_two_deployments_on_two_databases_of_one_redis_do_not_hear_each_other(
    redis_url: str, redis_prefix: str
) -> None:
    base = redis_url.rsplit("/", 1)[0]
    zero, nine = f"{base}/0", f"{base}/9"
    first = BoundedPubSubChannelLayer(hosts=[zero], prefix=layer_prefix(redis_prefix, zero))
    second = BoundedPubSubChannelLayer(hosts=[nine], prefix=layer_prefix(redis_prefix, nine))
    heard, other = await first.new_channel(), await second.new_channel()
    await first.group_add("match.m", heard)
    await second.group_add("match.m", other)
    await second.group_send("match.m", {"type": "t", "from": "second"})
    await first.group_send("match.m", {"type": "t", "from": "first"})
    async with asyncio.timeout(3):
        assert (await first.receive(heard))["from"] == "first", "its own only"
        assert (await second.receive(other))["from"] == "second"
    await first.flush()
    await second.flush()
