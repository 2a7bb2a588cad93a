"""Arena's settings read from the environment, with named defaults and fail-fast validation."""

from __future__ import annotations

import dataclasses
import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import dj_database_url

from engine.games import game_classes
from engine.protocol import MAX_CHAT_LENGTH
from engine.redisclient import (
    CONNECTION_OPTIONS,
    SentinelURLError,
    is_sentinel_url,
    parse_sentinel_url,
    redis_database,
)

DEFAULT_INPUT_RATE = 30.0
DEFAULT_INPUT_BURST = 10
DEFAULT_DATABASE_URL = "sqlite:///db.sqlite3"
DEFAULT_RECONNECT_GRACE = 20.0  # seconds a dropped player's ship waits for it
DEFAULT_DATABASE_POOL_SIZE = 10  # PostgreSQL connections one process may hold at most
DEFAULT_ALLOWED_HOSTS = ("127.0.0.1", "localhost", "[::1]")
# Peers whose X-Forwarded-For and X-Forwarded-Proto are believed: a proxy on the same host.
DEFAULT_TRUSTED_PROXIES = ("127.0.0.1", "::1")
DEFAULT_REDIS_PREFIX = "arena"
DEFAULT_JOIN_TIMEOUT = 3.0
DEFAULT_ACCEPT_TIMEOUT = 10.0
DEFAULT_TICKET_TTL = 60.0
DEFAULT_WINDOW_INITIAL = 100.0  # rating points either side at first
DEFAULT_WINDOW_GROWTH = 50.0  # rating points added per second waited
DEFAULT_WINDOW_UNLIMITED_AFTER = 4.0  # seconds after which any rating will do
DEFAULT_SLOW_CLIENT_TIMEOUT = 5.0  # seconds a socket may go without taking a snapshot
DEFAULT_INPUT_FLUSH_INTERVAL = 0.025  # seconds inputs wait to travel to the engine in a batch
DEFAULT_WS_WRITE_BUFFER = 4096  # bytes buffered in the web process before a send waits
# SO_SNDBUF asked of the kernel per socket; 0 keeps Linux's autotuning. Measured: a fixed 8 KiB
# buffer made every write dearer (web CPU 85% instead of 65% for 20,000 frames/s).
DEFAULT_WS_SEND_BUFFER = 0
DEFAULT_SPECTATOR_DELAY = 0.0  # seconds spectators see a match behind its players; 0 = live
DEFAULT_MAX_SPECTATORS = 2000  # per match
DEFAULT_HSTS_SECONDS = 365 * 86400  # with ARENA_HTTPS: browsers keep to HTTPS for a year
MAX_SPECTATOR_DELAY = 30.0
DEFAULT_CHAT_RATE = 1.0  # chat messages per second a sender may send, sustained ...
DEFAULT_CHAT_BURST = 5  # ... and at once
DEFAULT_CHAT_MAX_LENGTH = 200  # characters of one chat message
DEFAULT_CHAT_HISTORY = 50  # messages kept per channel and sent on joining it
CHAT_SPECTATORS = ("separate", "shared")  # spectators' own channel, or the players' "all"
DEFAULT_REPLAY_DIR = "replays"  # relative to the project
DEFAULT_REPLAY_RETENTION_DAYS = 30.0
DEFAULT_REPLAY_SEGMENT_SECONDS = 10.0  # a replay's segments: what a seek fetches at least
# embedded: the web process runs the engine, alone (no Redis); external: engine workers are
# processes of their own (runengine); hosted: every web process runs an engine worker on
# Redis that hosts its matches beside their players' sockets
ENGINE_MODES = ("embedded", "external", "hosted")
CHANNEL_LAYERS = ("pubsub", "core")
# Hostile traffic (docs/protocol.md section 13): per client address, new WebSockets a second
# (sustained, and at once) and WebSockets open at once; lobby sockets per session; seconds from
# a TCP connection to the end of its request's headers.
DEFAULT_IP_CONNECT_RATE = 5.0
DEFAULT_IP_CONNECT_BURST = 50
DEFAULT_IP_MAX_SOCKETS = 100
DEFAULT_SESSION_LOBBY_SOCKETS = 4
DEFAULT_HANDSHAKE_TIMEOUT = 10.0
MIN_METRICS_TOKEN_LENGTH = 16
INSECURE_DEV_SECRET = "arena-embedded-development-only-secret-key-do-not-deploy"


class ConfigError(ValueError):
    """An environment variable has a value Arena cannot run with."""


@dataclass(frozen=True)
class Config:
    """Validated settings; see README for what each one means."""

    debug: bool
    secret_key: str
    allowed_hosts: tuple[str, ...]
    database_url: str
    database_pool_size: int
    redis_url: str | None
    redis_prefix: str
    channel_layer: str
    public_url: str  # hosted: this web process's base URL, which its matches' players reach
    https: bool  # served over TLS (behind a proxy that sets X-Forwarded-Proto): secure cookies
    hsts_seconds: int  # with https: how long browsers must keep to HTTPS (HSTS)
    engine: str
    game_options: Mapping[str, Any]  # game name -> its Options, read from ARENA_<GAME>_<OPTION>
    input_rate: float
    input_burst: int
    join_timeout: float
    accept_timeout: float
    ticket_ttl: float
    window_initial: float
    window_growth: float
    window_unlimited_after: float
    slow_client_timeout: float
    input_flush_interval: float
    ws_write_buffer: int
    ws_send_buffer: int
    spectator_delay: float
    reconnect_grace: float
    max_spectators: int
    log_level: str
    metrics_token: str = ""  # a bearer token that may read /metrics and /ops/ ("": staff only)
    replays: bool = True  # record every match
    replay_dir: str = DEFAULT_REPLAY_DIR
    replay_retention_days: float = DEFAULT_REPLAY_RETENTION_DAYS  # 0: kept for ever
    replay_max_mb: int = 0  # replays kept in all, megabytes (0: no limit)
    replay_segment_seconds: float = DEFAULT_REPLAY_SEGMENT_SECONDS
    chat_rate: float = DEFAULT_CHAT_RATE
    chat_burst: int = DEFAULT_CHAT_BURST
    chat_max_length: int = DEFAULT_CHAT_MAX_LENGTH
    chat_history: int = DEFAULT_CHAT_HISTORY
    chat_blocked_words: tuple[str, ...] = ()
    chat_spectators: str = "separate"
    trusted_proxies: tuple[str, ...] = DEFAULT_TRUSTED_PROXIES  # addresses and networks
    ip_connect_rate: float = DEFAULT_IP_CONNECT_RATE  # 0: no limit
    ip_connect_burst: int = DEFAULT_IP_CONNECT_BURST
    ip_max_sockets: int = DEFAULT_IP_MAX_SOCKETS  # 0: no limit
    session_lobby_sockets: int = DEFAULT_SESSION_LOBBY_SOCKETS  # 0: no limit
    handshake_timeout: float = DEFAULT_HANDSHAKE_TIMEOUT

    @property
    def embedded_engine(self) -> bool:
        """True when the web process runs an engine worker itself (embedded or hosted)."""
        return self.engine in ("embedded", "hosted")

    @property
    def hosted_engine(self) -> bool:
        """True when every web process hosts matches beside their players' sockets."""
        return self.engine == "hosted"


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    lowered = raw.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name}={raw!r} is not a boolean (use true or false)")


def _number(env: Mapping[str, str], name: str, default: float, low: float, high: float) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a number") from None
    if not low <= value <= high:
        raise ConfigError(f"{name}={raw!r} must be between {low:g} and {high:g}")
    return value


def _integer(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    value = _number(env, name, default, low, high)
    if value != int(value):
        raise ConfigError(f"{name}={env.get(name)!r} must be a whole number")
    return int(value)


def _choice(env: Mapping[str, str], name: str, default: str, choices: tuple[str, ...]) -> str:
    value = (env.get(name) or default).strip().lower()
    if value not in choices:
        raise ConfigError(f"{name}={value!r} must be one of: {', '.join(choices)}")
    return value


def _redis_url(env: Mapping[str, str]) -> str | None:
    raw = (env.get("REDIS_URL") or "").strip()
    if not raw:
        return None
    if is_sentinel_url(raw):
        try:
            parse_sentinel_url(raw)
        except SentinelURLError as error:
            raise ConfigError(f"REDIS_URL: {error}") from None
        return raw
    parsed = urlparse(raw)
    if parsed.scheme not in ("redis", "rediss", "unix") or not (parsed.hostname or parsed.path):
        raise ConfigError(
            f"REDIS_URL={raw!r} is not a redis://, rediss://, unix:// or redis+sentinel:// URL"
        )
    return raw


def _database_url(env: Mapping[str, str]) -> str:
    raw = (env.get("DATABASE_URL") or DEFAULT_DATABASE_URL).strip()
    scheme = urlparse(raw).scheme
    if scheme not in ("sqlite", "postgres", "postgresql", "pgsql"):
        raise ConfigError(f"DATABASE_URL scheme {scheme!r} is not supported (sqlite or postgres)")
    return raw


def _option(env: Mapping[str, str], name: str, default: Any) -> Any:
    """One game option from the environment, of the type of its default."""
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    if isinstance(default, bool):
        return _bool(env, name, default)
    if isinstance(default, int):
        return _integer(env, name, default, -(2**31), 2**31)
    if isinstance(default, float):
        return _number(env, name, default, -1e12, 1e12)
    if isinstance(default, str):
        return raw.strip()
    raise ConfigError(f"{name} cannot be set from the environment")


def game_options(env: Mapping[str, str]) -> dict[str, Any]:
    """Every registered game's Options: each number, flag or text option of a game's Options
    dataclass can be set as ``ARENA_<GAME>_<OPTION>`` (``ARENA_SHOOTER_SCORE_LIMIT=15``), and
    ``ARENA_TICK_RATE``, when set, is every game's tick rate unless its own is."""
    found: dict[str, Any] = {}
    for name, cls in game_classes().items():
        defaults = cls.Options()
        values: dict[str, Any] = {}
        for option in dataclasses.fields(defaults):
            default = getattr(defaults, option.name)
            if not isinstance(default, bool | int | float | str):
                continue
            variable = f"ARENA_{name.upper()}_{option.name.upper()}"
            if option.name == "tick_rate" and env.get(variable) in (None, ""):
                variable = "ARENA_TICK_RATE"
            values[option.name] = _option(env, variable, default)
        try:
            found[name] = dataclasses.replace(defaults, **values)
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"the options of {name} (ARENA_{name.upper()}_*): {exc}") from None
    return found


RENAMED = {
    "ARENA_TIME_LIMIT": "ARENA_SHOOTER_TIME_LIMIT",
    "ARENA_SCORE_LIMIT": "ARENA_SHOOTER_SCORE_LIMIT",
    "ARENA_COUNTDOWN": "ARENA_SHOOTER_COUNTDOWN",
    "ARENA_FFA_MIN_PLAYERS": "ARENA_SHOOTER_FFA_LOBBY_MIN",
    "ARENA_FFA_MAX_PLAYERS": "ARENA_SHOOTER_FFA_MAX_PLAYERS",
    "ARENA_FFA_FILL_WAIT": "ARENA_SHOOTER_FFA_FILL_WAIT",
}


class _Asked(dict[str, str]):
    """The environment, remembering which variables were looked up."""

    def __init__(self, env: Mapping[str, str]) -> None:
        super().__init__(env)
        self.asked: set[str] = set()

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        """``dict.get``, recorded."""
        self.asked.add(key)
        return super().get(key, default)


def load_config(env: Mapping[str, str]) -> Config:
    """Read and validate Arena's settings from an environment mapping; an ``ARENA_`` variable
    Arena does not know stops it too (a typo, or a setting that was renamed)."""
    asked = _Asked(env)
    config = _load(asked)
    unknown = sorted(k for k in env if k.startswith("ARENA_") and k not in asked.asked)
    if unknown:
        hints = [f"{k} (now {RENAMED[k]})" if k in RENAMED else k for k in unknown]
        raise ConfigError(f"unknown setting: {', '.join(hints)}")
    return config


def _load(env: Mapping[str, str]) -> Config:
    redis_url = _redis_url(env)
    debug = _bool(env, "ARENA_DEBUG", False)
    engine = _choice(env, "ARENA_ENGINE", "external" if redis_url else "embedded", ENGINE_MODES)
    if engine in ("external", "hosted") and redis_url is None:
        raise ConfigError(
            f"ARENA_ENGINE={engine} needs REDIS_URL: engine workers of several processes can "
            "only reach each other's web processes through a Redis channel layer"
        )
    public_url = (env.get("ARENA_PUBLIC_URL") or "").strip().rstrip("/")
    if public_url and not public_url.startswith(("http://", "https://")):
        raise ConfigError(f"ARENA_PUBLIC_URL={public_url!r} must start with http:// or https://")
    if engine == "hosted" and not public_url:
        raise ConfigError(
            "ARENA_ENGINE=hosted needs ARENA_PUBLIC_URL: the base URL at which players reach "
            "this web process (each web process has its own)"
        )
    secret_key = env.get("ARENA_SECRET_KEY", "").strip()
    if not secret_key:
        if redis_url is not None and not debug:
            raise ConfigError("ARENA_SECRET_KEY must be set when REDIS_URL is set (production)")
        secret_key = INSECURE_DEV_SECRET
    elif len(secret_key) < 32:
        raise ConfigError("ARENA_SECRET_KEY must be at least 32 characters long")
    hosts_raw = env.get("ARENA_ALLOWED_HOSTS", "")
    allowed_hosts = tuple(h.strip() for h in hosts_raw.split(",") if h.strip())
    prefix = (env.get("ARENA_REDIS_PREFIX") or DEFAULT_REDIS_PREFIX).strip()
    if not prefix.replace("-", "").replace("_", "").isalnum():
        raise ConfigError(f"ARENA_REDIS_PREFIX={prefix!r} may hold only letters, digits, - and _")
    log_level = (env.get("ARENA_LOG_LEVEL") or "INFO").strip().upper()
    if log_level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        raise ConfigError(f"ARENA_LOG_LEVEL={log_level!r} must be DEBUG, INFO, WARNING or ERROR")
    return Config(
        debug=debug,
        secret_key=secret_key,
        allowed_hosts=allowed_hosts or DEFAULT_ALLOWED_HOSTS,
        database_url=_database_url(env),
        database_pool_size=_integer(
            env, "ARENA_DATABASE_POOL_SIZE", DEFAULT_DATABASE_POOL_SIZE, 1, 1000
        ),
        redis_url=redis_url,
        redis_prefix=prefix,
        channel_layer=_choice(env, "ARENA_CHANNEL_LAYER", "pubsub", CHANNEL_LAYERS),
        public_url=public_url,
        https=_bool(env, "ARENA_HTTPS", False),
        hsts_seconds=_integer(env, "ARENA_HSTS_SECONDS", DEFAULT_HSTS_SECONDS, 0, 10 * 365 * 86400),
        metrics_token=_metrics_token(env),
        engine=engine,
        game_options=game_options(env),
        input_rate=_number(env, "ARENA_INPUT_RATE", DEFAULT_INPUT_RATE, 1, 1000),
        input_burst=_integer(env, "ARENA_INPUT_BURST", DEFAULT_INPUT_BURST, 1, 1000),
        join_timeout=_number(env, "ARENA_JOIN_TIMEOUT", DEFAULT_JOIN_TIMEOUT, 0.1, 60),
        accept_timeout=_number(env, "ARENA_ACCEPT_TIMEOUT", DEFAULT_ACCEPT_TIMEOUT, 1, 120),
        ticket_ttl=_number(env, "ARENA_TICKET_TTL", DEFAULT_TICKET_TTL, 5, 3600),
        window_initial=_number(env, "ARENA_RATING_WINDOW", DEFAULT_WINDOW_INITIAL, 0, 10_000),
        window_growth=_number(env, "ARENA_RATING_WINDOW_GROWTH", DEFAULT_WINDOW_GROWTH, 0, 10_000),
        window_unlimited_after=_number(
            env, "ARENA_RATING_WINDOW_UNLIMITED_AFTER", DEFAULT_WINDOW_UNLIMITED_AFTER, 0, 3600
        ),
        slow_client_timeout=_number(
            env, "ARENA_SLOW_CLIENT_TIMEOUT", DEFAULT_SLOW_CLIENT_TIMEOUT, 0.5, 600
        ),
        input_flush_interval=_number(
            env, "ARENA_INPUT_FLUSH_INTERVAL", DEFAULT_INPUT_FLUSH_INTERVAL, 0.001, 1.0
        ),
        ws_write_buffer=_integer(
            env, "ARENA_WS_WRITE_BUFFER", DEFAULT_WS_WRITE_BUFFER, 256, 16 * 1024 * 1024
        ),
        ws_send_buffer=_integer(
            env, "ARENA_WS_SEND_BUFFER", DEFAULT_WS_SEND_BUFFER, 0, 16 * 1024 * 1024
        ),
        reconnect_grace=_number(env, "ARENA_RECONNECT_GRACE", DEFAULT_RECONNECT_GRACE, 0, 600),
        spectator_delay=_number(
            env, "ARENA_SPECTATOR_DELAY", DEFAULT_SPECTATOR_DELAY, 0, MAX_SPECTATOR_DELAY
        ),
        max_spectators=_integer(env, "ARENA_MAX_SPECTATORS", DEFAULT_MAX_SPECTATORS, 0, 100_000),
        log_level=log_level,
        replays=_bool(env, "ARENA_REPLAYS", True),
        replay_dir=(env.get("ARENA_REPLAY_DIR") or DEFAULT_REPLAY_DIR).strip(),
        replay_retention_days=_number(
            env, "ARENA_REPLAY_RETENTION_DAYS", DEFAULT_REPLAY_RETENTION_DAYS, 0, 36_500
        ),
        replay_max_mb=_integer(env, "ARENA_REPLAY_MAX_MB", 0, 0, 1_000_000_000),
        replay_segment_seconds=_number(
            env, "ARENA_REPLAY_SEGMENT_SECONDS", DEFAULT_REPLAY_SEGMENT_SECONDS, 1, 600
        ),
        chat_rate=_number(env, "ARENA_CHAT_RATE", DEFAULT_CHAT_RATE, 0.01, 100),
        chat_burst=_integer(env, "ARENA_CHAT_BURST", DEFAULT_CHAT_BURST, 1, 100),
        chat_max_length=_integer(
            env, "ARENA_CHAT_MAX_LENGTH", DEFAULT_CHAT_MAX_LENGTH, 1, MAX_CHAT_LENGTH
        ),
        chat_history=_integer(env, "ARENA_CHAT_HISTORY", DEFAULT_CHAT_HISTORY, 0, 500),
        chat_blocked_words=_words(env, "ARENA_CHAT_BLOCKED_WORDS"),
        chat_spectators=_choice(env, "ARENA_CHAT_SPECTATORS", "separate", CHAT_SPECTATORS),
        trusted_proxies=_trusted_proxies(env),
        ip_connect_rate=_number(env, "ARENA_IP_CONNECT_RATE", DEFAULT_IP_CONNECT_RATE, 0, 10_000),
        ip_connect_burst=_integer(
            env, "ARENA_IP_CONNECT_BURST", DEFAULT_IP_CONNECT_BURST, 1, 100_000
        ),
        ip_max_sockets=_integer(env, "ARENA_IP_MAX_SOCKETS", DEFAULT_IP_MAX_SOCKETS, 0, 1_000_000),
        session_lobby_sockets=_integer(
            env, "ARENA_SESSION_LOBBY_SOCKETS", DEFAULT_SESSION_LOBBY_SOCKETS, 0, 1000
        ),
        handshake_timeout=_number(
            env, "ARENA_HANDSHAKE_TIMEOUT", DEFAULT_HANDSHAKE_TIMEOUT, 0.1, 600
        ),
    )


def _trusted_proxies(env: Mapping[str, str]) -> tuple[str, ...]:
    """``ARENA_TRUSTED_PROXIES``: addresses and networks (``10.0.0.0/8``), comma-separated, of
    the proxies whose forwarding headers are believed; ``none`` trusts no peer."""
    raw = (env.get("ARENA_TRUSTED_PROXIES") or "").strip()
    if not raw:
        return DEFAULT_TRUSTED_PROXIES
    if raw.lower() == "none":
        return ()
    proxies = []
    for item in (part.strip() for part in raw.split(",")):
        if not item:
            continue
        try:
            proxies.append(str(ipaddress.ip_network(item, strict=False)))
        except ValueError:
            raise ConfigError(
                f"ARENA_TRUSTED_PROXIES: {item!r} is not an IP address or network "
                "(host names are not accepted: a proxy is known by its address)"
            ) from None
    return tuple(proxies)


def _metrics_token(env: Mapping[str, str]) -> str:
    """``ARENA_METRICS_TOKEN``: empty, or at least 16 characters (a guessable token is none)."""
    token = (env.get("ARENA_METRICS_TOKEN") or "").strip()
    if token and len(token) < MIN_METRICS_TOKEN_LENGTH:
        raise ConfigError(
            f"ARENA_METRICS_TOKEN must be at least {MIN_METRICS_TOKEN_LENGTH} characters long"
        )
    return token


def _words(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    """A comma-separated list of words (or phrases), lowercased, without blanks."""
    raw = env.get(name) or ""
    return tuple(dict.fromkeys(w.strip().lower() for w in raw.split(",") if w.strip()))


def database_settings(config: Config, base_dir: Path) -> dict[str, Any]:
    """The DATABASES["default"] entry for this configuration.

    Under ASGI, Django runs database code in threads that come and go, and a persistent
    connection per thread (CONN_MAX_AGE) piles up connections until PostgreSQL refuses more
    ("too many clients", measured with a few hundred players arriving at once). So connections
    are not kept per thread, and PostgreSQL gets a bounded pool per process instead.
    """
    database: dict[str, Any] = dict(dj_database_url.parse(config.database_url, conn_max_age=0))
    if database["ENGINE"] == "django.db.backends.postgresql":
        database.setdefault("OPTIONS", {})["pool"] = {
            "min_size": 1,
            "max_size": config.database_pool_size,
            "timeout": 10,
        }
    elif not Path(database["NAME"]).is_absolute():  # sqlite, relative to the project
        database["NAME"] = str(base_dir / database["NAME"])
    return database


def layer_prefix(redis_prefix: str, redis_url: str) -> str:
    """The channel layer's prefix, with the Redis database number in it: Redis pub/sub channels
    ignore the database, so two deployments of one ``ARENA_REDIS_PREFIX`` on databases 0 and 9
    of one Redis would otherwise hear each other's engines and sockets."""
    return f"{redis_prefix}:db{redis_database(redis_url)}:layer:"


def channel_layer_settings(config: Config) -> dict[str, object]:
    """The CHANNEL_LAYERS["default"] entry for this configuration."""
    # "specific.*" channels are the consumers' own and each web process's match relay, which
    # takes one message per match per tick: deeper than the default, still bounded.
    if config.redis_url is None:
        return {
            "BACKEND": "lobby.layers.EmbeddedChannelLayer",
            "CONFIG": {
                "capacity": 200,
                "channel_capacity": {"arena.engine.*": 100_000, "specific.*": 2_000},
            },
        }
    # redis-py 8 defaults socket_timeout to 5 s, the same time the core layer blocks in
    # BZPOPMIN, so an idle reader times out (channels_redis issue 422). Keep reads open
    # longer than any blocking call, and find dead peers with TCP keepalive instead.
    host: dict[str, Any] = {"address": config.redis_url, **CONNECTION_OPTIONS}
    if is_sentinel_url(config.redis_url):  # channels-redis asks the sentinels for the primary
        sentinel = parse_sentinel_url(config.redis_url)
        host = {
            "sentinels": list(sentinel.sentinels),
            "master_name": sentinel.master,
            "sentinel_kwargs": sentinel.sentinel_options(),
            **sentinel.server_options(),
            **CONNECTION_OPTIONS,
        }
    prefix = layer_prefix(config.redis_prefix, config.redis_url)
    if config.channel_layer == "pubsub":
        return {
            "BACKEND": "lobby.layers.BoundedPubSubChannelLayer",
            "CONFIG": {"hosts": [host], "prefix": prefix},
        }
    return {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {
            "hosts": [host],
            "prefix": prefix,
            "capacity": 200,
            "channel_capacity": {"arena.engine.*": 100_000, "specific.*": 2_000},
        },
    }
