"""Arena on several hosts: Redis, web and engine hosts behind HAProxy, and a client host.

Two networks, as a deployment has them: ``front`` joins the proxy, the web hosts and the client
host; ``back`` joins the web hosts, the engine hosts and Redis. Nothing listens on loopback:
Redis binds the Redis host's address, uvicorn and HAProxy their hosts', and every setting names
hosts (``REDIS_URL=redis://redis:6379/0``, ``ARENA_ALLOWED_HOSTS=arena.test``) that each host's
own /etc/hosts resolves. The web hosts trust the proxy's address alone
(``ARENA_TRUSTED_PROXIES``); HAProxy checks each web host's ``/healthz`` every second.

Redis keeps a unix socket in the run's directory too, and HAProxy its stats socket: the harness
(in the machine's own namespace) reads both there, since it cannot reach the hosts' addresses.
The SQLite database is one file all hosts share (they share the file system).
"""

from __future__ import annotations

import json
import logging
import shutil
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import redis

from loadtest.hosts import Host, HostsError, Network, available
from loadtest.stack import ROOT, UVICORN_FLAGS, Stack, base_env

logger = logging.getLogger(__name__)

SITE = "arena.test"  # the site's public name (RFC 2606 keeps .test for tests)
FRONT, BACK = "front", "back"
FRONT_NET, BACK_NET = "10.10.1", "10.10.2"
WEB_PORT = 8000
REDIS_PORT = 6379
CHECK_INTERVAL_MS = 1000  # HAProxy's health checks: one a second, down after 2 failed, up after 2
# A check's answer may take 2 s: with 1 s, a web host busy taking over another's players (on a
# loaded machine) missed two checks and was taken out too, sending every player away again.
CHECK_TIMEOUT_MS = 2000


def missing_tools() -> str | None:
    """None when this machine can run the harness; otherwise what it lacks."""
    for tool, package in (("haproxy", "haproxy"), ("redis-server", "redis-server")):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (Debian package {package})"
    return available()


def haproxy_config(
    listen: str, webs: dict[str, str], stats_socket: Path, shutdown_sessions: bool = True
) -> str:
    """HAProxy's configuration: ``listen`` (address) in front of ``webs`` (name -> address);
    with ``shutdown_sessions`` a web host taken out loses its sockets at once."""
    servers = "\n".join(f"    server {n} {a}:{WEB_PORT} check" for n, a in webs.items())
    on_down = " on-marked-down shutdown-sessions" if shutdown_sessions else ""
    return f"""\
global
    stats socket {stats_socket} mode 600 level admin

defaults
    mode http
    log stdout format raw local0
    option httplog
    timeout connect 2s
    timeout client 30s
    timeout server 30s
    timeout tunnel 1h
    timeout client-fin 5s
    timeout check {CHECK_TIMEOUT_MS}

frontend site
    bind {listen}:80
    option forwardfor
    http-request set-header X-Forwarded-Proto http
    default_backend webs

backend webs
    balance leastconn
    option httpchk
    http-check send meth GET uri /healthz ver HTTP/1.1 hdr Host {SITE}
    http-check expect status 200
    default-server inter {CHECK_INTERVAL_MS} fall 2 rise 2{on_down}
{servers}
"""


@dataclass
class HostStack:
    """A started multi-host stack; ``close`` stops its processes and removes its hosts."""

    workdir: Path
    webs: int = 2
    engines: int = 2
    extra_env: dict[str, str] = field(default_factory=dict)
    shutdown_sessions: bool = True  # HAProxy closes the sockets of a web host it takes out
    network: Network = field(default_factory=Network)
    stack: Stack | None = None
    redis_socket: Path | None = None
    stats_socket: Path | None = None

    @property
    def base(self) -> str:
        """The site's URL, as the client host reaches it (through the proxy)."""
        return f"http://{SITE}"

    def host(self, name: str) -> Host:
        """The host named ``name`` (``redis``, ``proxy``, ``web1``, ``engine1``, ``client``)."""
        return self.network.hosts[name]

    def web_names(self) -> list[str]:
        """The web hosts' names."""
        return [f"web{i + 1}" for i in range(self.webs)]

    def engine_names(self) -> list[str]:
        """The engine hosts' names."""
        return [f"engine{i + 1}" for i in range(self.engines)]

    def start(self) -> None:
        """Build the hosts and start every process; returns once HAProxy sees every web host
        up (its ``/healthz`` answers 200: it sees an engine worker)."""
        try:
            self._build()
            self._start_processes()
        except BaseException:
            self.close()
            raise

    def _build(self) -> None:
        net = self.network
        net.add_switch(FRONT, FRONT_NET)
        net.add_switch(BACK, BACK_NET)
        proxy = net.add_host("proxy", [FRONT])
        redis_host = net.add_host("redis", [BACK])
        backs = {"redis": redis_host.address(BACK)}
        for name in self.web_names():
            net.add_host(name, [FRONT, BACK], aliases=backs)
        for name in self.engine_names():
            net.add_host(name, [BACK], aliases=backs)
        net.add_host("client", [FRONT], aliases={SITE: proxy.address(FRONT)})
        logger.info(
            "hosts %s: %s",
            net.prefix,
            ", ".join(f"{h.name} {'/'.join(h.addresses.values())}" for h in net.hosts.values()),
        )

    def env(self) -> dict[str, str]:
        """The settings every web and engine process runs with."""
        return base_env(
            self.workdir,
            f"redis://redis:{REDIS_PORT}/0",
            f"hosts-{uuid.uuid4().hex[:8]}",
            **{
                "ARENA_ALLOWED_HOSTS": SITE,
                "ARENA_TRUSTED_PROXIES": self.host("proxy").address(FRONT),
                **self.extra_env,  # may override the two above
            },
        )

    def _start_processes(self) -> None:
        logs = self.workdir / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        stack = self.stack = Stack(self.env(), logs)
        self.redis_socket = self.workdir / "redis.sock"
        redis_host = self.host("redis")
        stack._spawn(
            "redis",
            redis_host.command(
                [
                    "redis-server", "--bind", redis_host.address(BACK), "--port", str(REDIS_PORT),
                    "--protected-mode", "no", "--save", "", "--appendonly", "no",
                    "--unixsocket", str(self.redis_socket), "--dir", str(self.workdir),
                ]
            ),
        )  # fmt: skip
        stack.services.add("redis")
        stack.wait_until(self.redis_answers, "Redis to answer")
        stack.migrate()
        for name in self.engine_names():
            command = [sys.executable, "manage.py", "runengine", "--worker-id", name]
            stack._spawn(name, self.host(name).command(command))
        for name in self.web_names():
            host = self.host(name)
            command = [sys.executable, "-m", "uvicorn", "game.asgi:application"]
            command += ["--host", "0.0.0.0", "--port", str(WEB_PORT), *UVICORN_FLAGS]
            stack._spawn(name, host.command(command))
        proxy = self.host("proxy")
        self.stats_socket = self.workdir / "haproxy.sock"
        config = self.workdir / "haproxy.cfg"
        webs = {name: self.host(name).address(FRONT) for name in self.web_names()}
        config.write_text(
            haproxy_config(proxy.address(FRONT), webs, self.stats_socket, self.shutdown_sessions)
        )
        stack._spawn("proxy", proxy.command(["haproxy", "-db", "-f", str(config)]))
        stack.services.add("proxy")
        stack.wait_until(self.all_up, "HAProxy to see every web host up", timeout=40.0)

    def all_up(self) -> bool:
        """True when HAProxy sees every web host up."""
        states = self.server_states()
        return sorted(states) == self.web_names() and all(s == "UP" for s in states.values())

    def redis_answers(self) -> bool:
        """True when the Redis host answers on its unix socket."""
        try:
            return bool(self.redis().ping())
        except redis.RedisError:
            return False

    def redis(self) -> redis.Redis:
        """A client of the Redis host, through its unix socket."""
        assert self.redis_socket is not None
        return redis.Redis(unix_socket_path=str(self.redis_socket), socket_timeout=2)

    def server_stats(self) -> dict[str, list[str]]:
        """HAProxy's ``show stat`` line of each web host, split into its fields."""
        if self.stats_socket is None or not self.stats_socket.exists():
            return {}
        try:
            with socket.socket(socket.AF_UNIX) as sock:
                sock.settimeout(2)
                sock.connect(str(self.stats_socket))
                sock.sendall(b"show stat\n")
                data = b""
                while chunk := sock.recv(65536):
                    data += chunk
        except OSError:
            return {}
        rows = (line.split(",") for line in data.decode().splitlines())
        return {f[1]: f for f in rows if len(f) > 17 and f[0] == "webs" and f[1] != "BACKEND"}

    def server_states(self) -> dict[str, str]:
        """Each web host's state as HAProxy sees it (``UP``, ``DOWN``, ...)."""
        return {name: fields[17] for name, fields in self.server_stats().items()}

    def server_sessions(self) -> dict[str, int]:
        """Each web host's open sessions (sockets among them) through HAProxy."""
        return {name: int(fields[4] or 0) for name, fields in self.server_stats().items()}

    def client(self, *args: str, timeout: float = 30.0) -> dict[str, Any]:
        """Run ``python -m loadtest.hostclient ARGS`` on the client host; its JSON answer."""
        assert self.stack is not None
        command = self.host("client").command([sys.executable, "-m", "loadtest.hostclient", *args])
        done = subprocess.run(
            command,
            cwd=ROOT,
            env=self.stack.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if done.returncode != 0:
            raise HostsError(f"hostclient {' '.join(args)} failed:\n{done.stderr[-3000:]}")
        return json.loads(done.stdout.strip().splitlines()[-1])

    def start_client(self, *args: str) -> subprocess.Popen[str]:
        """Start ``python -m loadtest.hostclient ARGS`` on the client host, reading its JSON."""
        assert self.stack is not None
        command = self.host("client").command([sys.executable, "-m", "loadtest.hostclient", *args])
        log = open(self.workdir / "logs" / "client.log", "wb")  # noqa: SIM115 - closed by the OS
        return subprocess.Popen(
            command, cwd=ROOT, env=self.stack.env, stdout=subprocess.PIPE, stderr=log, text=True
        )

    def log(self, name: str) -> str:
        """The log of the process started as ``name``."""
        return (self.workdir / "logs" / f"{name}.log").read_text(errors="replace")

    def wait_state(self, server: str, state: str, timeout: float = 15.0) -> float:
        """Wait until HAProxy sees ``server`` in ``state``; the seconds it took."""
        started = time.monotonic()
        assert self.stack is not None
        self.stack.wait_until(
            lambda: self.server_states().get(server) == state, f"{server} {state}", timeout
        )
        return time.monotonic() - started

    def close(self) -> None:
        """Stop every process, then delete every host."""
        try:
            if self.stack is not None:
                self.stack.stop()
        finally:
            self.network.close()
