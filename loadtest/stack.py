"""Real server processes for end-to-end tests and benchmarks: uvicorn and runengine workers."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import redis

ROOT = Path(__file__).resolve().parents[1]
# The production flags (the Makefile's UVICORN_FLAGS and the Procfile say the same).
UVICORN_FLAGS = [
    "--http",
    "game.handshake:DeadlineHttpToolsProtocol",  # a deadline on request headers
    "--ws",
    "game.wsprotocol:ArenaWebSocketProtocol",
    "--ws-per-message-deflate",
    "false",
    "--ws-max-size",
    "512",
    "--lifespan",
    "on",
    "--timeout-graceful-shutdown",
    "10",
    "--no-proxy-headers",  # forwarding headers: ARENA_TRUSTED_PROXIES decides (game.proxies)
]
# Benchmarks keep uvicorn quiet: one log line per request would cost more than the request.
QUIET_FLAGS = ["--no-access-log", "--log-level", "warning"]


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Stack:
    """A set of server processes sharing one environment (Redis, database, key prefix)."""

    env: dict[str, str]
    logs: Path
    processes: list[tuple[str, subprocess.Popen[bytes]]] = field(default_factory=list)
    expected_exits: set[int] = field(default_factory=set)  # pids stopped on purpose
    services: set[str] = field(default_factory=set)  # names stopped after the others (Redis)

    def _spawn(
        self, name: str, args: list[str], env: dict[str, str] | None = None
    ) -> subprocess.Popen[bytes]:
        log = open(self.logs / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen(
            args, cwd=ROOT, env={**self.env, **(env or {})}, stdout=log, stderr=subprocess.STDOUT
        )
        self.processes.append((name, process))
        return process

    def migrate(self) -> None:
        """Create the database schema."""
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput"],
            cwd=ROOT,
            env=self.env,
            check=True,
            capture_output=True,
        )

    def start_all(self, engines: Sequence[str], webs: Sequence[str]) -> list[str]:
        """Create the schema, start the named engine workers and web processes; the web
        processes' base URLs, once the first sees every engine (the embedded one if none)."""
        self.migrate()
        for name in engines:
            self.start_engine(name)
        bases = [self.start_web(name) for name in webs]
        self.wait_for_engines(bases[0], max(1, len(engines)))
        return bases

    def start_engine(self, name: str) -> None:
        """Start a `runengine` worker process."""
        self._spawn(name, [sys.executable, "manage.py", "runengine", "--worker-id", name])

    def start_web(
        self,
        name: str,
        extra_flags: Sequence[str] = (),
        port: int | None = None,
        hosted: bool = False,
    ) -> str:
        """Start a uvicorn web process; returns its base URL once it answers. A ``hosted`` one
        runs an engine worker that hosts matches beside their sockets (ARENA_ENGINE=hosted)."""
        port = port or free_port()
        env = None
        if hosted:
            env = {"ARENA_ENGINE": "hosted", "ARENA_PUBLIC_URL": f"http://127.0.0.1:{port}"}
        return self.start_uvicorn(
            name, "game.asgi:application", [*UVICORN_FLAGS, *extra_flags], _answers, port, env
        )

    def start_uvicorn(
        self,
        name: str,
        app: str,
        flags: Sequence[str],
        ready: Callable[[str], bool],
        port: int | None = None,
        env: dict[str, str] | None = None,
    ) -> str:
        """Start uvicorn serving ``app`` on ``port`` (default: a free one), with ``env`` over
        the stack's environment; returns its base URL once ``ready``."""
        port = port or free_port()
        args = [sys.executable, "-m", "uvicorn", app, "--port", str(port)]
        self._spawn(name, args + list(flags), env)
        base = f"http://127.0.0.1:{port}"
        self.wait_until(lambda: ready(base), f"{name} to answer on {base}")
        return base

    def start_redis(self, name: str, port: int | None = None) -> str:
        """Start a private redis-server without persistence on ``port`` (default: a free one);
        returns its URL once it answers. It is stopped after the other processes."""
        port = port or free_port()
        args = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
        args += ["--appendonly", "no", "--dir", str(self.logs)]
        self._spawn(name, args)
        self.services.add(name)
        url = f"redis://127.0.0.1:{port}/0"
        self.wait_until(lambda: _redis_answers(url), f"{name} to answer on port {port}")
        return url

    def pid(self, name: str) -> int:
        """The process id of the process started as ``name``."""
        return next(process.pid for n, process in self.processes if n == name)

    def process(self, name: str) -> subprocess.Popen[bytes]:
        """The process started as ``name``."""
        return next(process for n, process in self.processes if n == name)

    def send_signal(self, name: str, signum: int) -> None:
        """Signal the process started as ``name``; its exit is expected from now on."""
        process = self.process(name)
        self.expected_exits.add(process.pid)
        process.send_signal(signum)

    def wait_for_engines(self, base: str, count: int) -> None:
        """Wait until the web process at ``base`` sees ``count`` live engine workers."""
        self.wait_until(
            lambda: len(_health(base).get("engines", [])) >= count, f"{count} engine(s) to register"
        )

    def wait_until(self, condition, what: str, timeout: float = 20.0) -> None:  # noqa: ANN001
        """Poll ``condition`` until true; fails with the process logs when it never is."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for name, process in self.processes:
                if process.poll() is not None and process.pid not in self.expected_exits:
                    raise AssertionError(f"{name} exited with {process.returncode}\n{self.dump()}")
            if condition():
                return
            time.sleep(0.1)
        raise AssertionError(f"timed out waiting for {what}\n{self.dump()}")

    def dump(self) -> str:
        """Every process's log, for failure messages."""
        parts = []
        for name, _ in self.processes:
            text = (self.logs / f"{name}.log").read_text(errors="replace")
            parts.append(f"--- {name} ---\n{text[-4000:]}")
        return "\n".join(parts)

    def stop(self) -> None:
        """Stop every process: SIGTERM, then SIGKILL after a grace period; services last."""
        first = [(n, p) for n, p in self.processes if n not in self.services]
        last = [(n, p) for n, p in self.processes if n in self.services]
        for group in (first, last):
            for _, process in group:
                if process.poll() is None:
                    process.send_signal(signal.SIGTERM)
            for _, process in group:
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


def http_json(
    method: str, url: str, body: object | None = None, cookie: str | None = None
) -> tuple[int, dict]:
    """One HTTP request with a JSON body; returns the status and the decoded JSON answer.

    A POST carries the CSRF token of ``cookie`` (a new guest's cookies when none is given).
    """
    data = None if body is None else json.dumps(body).encode()
    headers = {"Content-Type": "application/json"}
    if method == "POST":
        if cookie is None or "csrftoken=" not in cookie:
            cookie = guest_cookie(url.split("/api/", 1)[0])
        headers["X-CSRFToken"] = cookie.split("csrftoken=", 1)[1].split(";", 1)[0]
    if cookie:
        headers["Cookie"] = cookie
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def listening(base: str) -> bool:
    """True when something accepts TCP connections at ``base``."""
    host, port = base.removeprefix("http://").split(":")
    try:
        with socket.create_connection((host, int(port)), timeout=1):
            return True
    except OSError:
        return False


def _answers(base: str) -> bool:
    try:
        return http_json("GET", f"{base}/api/matches/")[0] == 200
    except (OSError, ValueError):
        return False


def _redis_answers(url: str) -> bool:
    client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False
    finally:
        client.close()


def _health(base: str) -> dict:
    try:
        return http_json("GET", f"{base}/healthz")[1]
    except (OSError, ValueError):
        return {}


def base_env(tmp: Path, redis_url: str | None, prefix: str, **extra: str) -> dict[str, str]:
    """Environment for server processes: the test's Redis, database and key prefix."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ARENA_", "REDIS_URL"))}
    env.update(
        {
            "DATABASE_URL": f"sqlite:///{tmp / 'arena.sqlite3'}",
            "ARENA_SECRET_KEY": "e2e-" + "x" * 40,
            "ARENA_REDIS_PREFIX": prefix,
            "ARENA_REPLAY_DIR": str(tmp / "replays"),
            "ARENA_LOG_LEVEL": "INFO",
            # The test clients are hundreds of players on one address: no per-address limits
            # (docs/protocol.md section 13) unless a test sets them.
            "ARENA_IP_CONNECT_RATE": "0",
            "ARENA_IP_MAX_SOCKETS": "0",
            "PYTHONUNBUFFERED": "1",
        }
    )
    if redis_url:
        env["REDIS_URL"] = redis_url
    env.update(extra)
    return env


def guest_cookie(base: str) -> str:
    """A new guest's cookies (session and CSRF token) from the server at ``base``."""
    with urllib.request.urlopen(f"{base}/api/session/", timeout=5) as response:
        morsels = response.headers.get_all("Set-Cookie") or []
    return "; ".join(morsel.split(";", 1)[0] for morsel in morsels)


def ticket_url(base: str, match: dict, name: str, cookie: str | None = None) -> str:
    """The match socket URL with a fresh ticket for a new (or the given) guest."""
    cookie = cookie or guest_cookie(base)
    status, body = http_json(
        "POST", f"{base}/api/matches/{match['id']}/tickets/", {"name": name}, cookie
    )
    assert status == 201, body
    return base.replace("http://", "ws://") + body["ws_path"] + "?ticket=" + body["ticket"]
