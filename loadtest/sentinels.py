"""A Redis primary, its replica and three Sentinels of their own, on free ports in a directory.

Test stacks point ``REDIS_URL`` at ``group.url`` (``redis+sentinel://``) and fail the primary
over with ``kill_primary`` (a crash: sentinels notice it after ``DOWN_AFTER_MS``) or
``failover`` (``SENTINEL FAILOVER``, a planned switch). Debian's ``redis-sentinel`` is used when
installed, else ``redis-server --sentinel`` (the same program).
"""

from __future__ import annotations

import logging
import secrets
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import redis
import redis.sentinel

from loadtest.stack import free_port

logger = logging.getLogger(__name__)

MASTER_NAME = "arena"
SENTINELS = 3
QUORUM = 2
DOWN_AFTER_MS = 1000  # a primary silent this long is down to a sentinel
FAILOVER_TIMEOUT_MS = 5000
START_TIMEOUT = 15.0  # seconds for the group to be up and to know itself


class SentinelUnavailable(RuntimeError):
    """The machine cannot run the group (no redis-server, or the sentinels never agreed)."""


def sentinel_command(config: Path) -> list[str]:
    """The command that runs a sentinel on ``config``."""
    if shutil.which("redis-sentinel"):
        return ["redis-sentinel", str(config)]
    if shutil.which("redis-server"):
        return ["redis-server", str(config), "--sentinel"]
    raise SentinelUnavailable("neither redis-sentinel nor redis-server is installed")


def _client(port: int, timeout: float = 1.0) -> redis.Redis:
    return redis.Redis(port=port, socket_timeout=timeout, socket_connect_timeout=timeout)


@dataclass
class SentinelGroup:
    """Two redis-servers (primary and replica) and three sentinels watching them."""

    workdir: Path
    server_ports: list[int] = field(default_factory=list)
    sentinel_ports: list[int] = field(default_factory=list)
    servers: dict[int, subprocess.Popen[bytes]] = field(default_factory=dict)
    sentinels: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def url(self, db: int = 0) -> str:
        """The ``redis+sentinel://`` URL of database ``db`` of the group's primary."""
        hosts = ",".join(f"127.0.0.1:{port}" for port in self.sentinel_ports)
        return f"redis+sentinel://{hosts}/{MASTER_NAME}/{db}"

    def start(self) -> None:
        """Start the primary, its replica and the sentinels; return once all know each other."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.server_ports = [free_port(), free_port()]
        primary, replica = self.server_ports
        self._start_server(primary)
        self._start_server(replica, replica_of=primary)
        self._wait(lambda: self._replicating(replica), "the replica to sync")
        self.sentinel_ports = [free_port() for _ in range(SENTINELS)]
        # Each sentinel is told its peers and the replica (rather than finding them through
        # hello messages, every two seconds): the group is ready in a moment.
        ids = {port: secrets.token_hex(20) for port in self.sentinel_ports}
        for port in self.sentinel_ports:
            config = self.workdir / f"sentinel-{port}.conf"
            peers = "".join(
                f"sentinel known-sentinel {MASTER_NAME} 127.0.0.1 {other} {ids[other]}\n"
                for other in self.sentinel_ports
                if other != port
            )
            config.write_text(
                f"port {port}\nbind 127.0.0.1\ndir {self.workdir}\nsentinel myid {ids[port]}\n"
                f"sentinel monitor {MASTER_NAME} 127.0.0.1 {primary} {QUORUM}\n"
                f"sentinel down-after-milliseconds {MASTER_NAME} {DOWN_AFTER_MS}\n"
                f"sentinel failover-timeout {MASTER_NAME} {FAILOVER_TIMEOUT_MS}\n"
                f"sentinel parallel-syncs {MASTER_NAME} 1\n"
                f"sentinel known-replica {MASTER_NAME} 127.0.0.1 {replica}\n{peers}"
            )
            log = open(self.workdir / f"sentinel-{port}.log", "wb")  # noqa: SIM115
            self.sentinels.append(
                subprocess.Popen(sentinel_command(config), stdout=log, stderr=subprocess.STDOUT)
            )
        self._wait(self._sentinels_agree, "the sentinels to find each other and the replica")

    def _start_server(self, port: int, replica_of: int | None = None) -> None:
        args = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
        folder = self.workdir / f"redis-{port}"  # its own: a replica's synced RDB is its own
        folder.mkdir(parents=True, exist_ok=True)
        args += [
            "--appendonly",
            "no",
            "--dir",
            str(folder),
            "--repl-diskless-sync-delay",
            "0",
        ]
        if replica_of is not None:
            args += ["--replicaof", "127.0.0.1", str(replica_of)]
        log = open(self.workdir / f"redis-{port}.log", "ab")  # noqa: SIM115
        try:
            self.servers[port] = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
        except FileNotFoundError as error:
            raise SentinelUnavailable("redis-server is not installed") from error

    def _replicating(self, port: int) -> bool:
        try:
            info = _client(port).info("replication")
        except redis.RedisError:
            return False
        return info.get("role") == "slave" and info.get("master_link_status") == "up"

    def _sentinels_agree(self) -> bool:
        for port in self.sentinel_ports:
            try:
                state = _client(port).sentinel_master(MASTER_NAME)
            except redis.RedisError:
                return False
            if state["num-other-sentinels"] < SENTINELS - 1 or state["num-slaves"] < 1:
                return False
        return True

    def _wait(self, condition, what: str, timeout: float = START_TIMEOUT) -> None:  # noqa: ANN001
        deadline = time.monotonic() + timeout
        while not condition():
            for process in [*self.servers.values(), *self.sentinels]:
                if process.poll() is not None and process.returncode != -signal.SIGKILL:
                    raise SentinelUnavailable(f"{process.args!r} exited: {self.logs()}")
            if time.monotonic() > deadline:
                raise SentinelUnavailable(f"timed out waiting for {what}: {self.logs()}")
            time.sleep(0.05)

    def logs(self) -> str:
        """The tail of every log of the group, for failure messages."""
        return "\n".join(
            f"--- {path.name} ---\n{path.read_text(errors='replace')[-2000:]}"
            for path in sorted(self.workdir.glob("*.log"))
        )

    def primary_port(self) -> int:
        """The port of the primary the sentinels name now."""
        for port in self.sentinel_ports:
            try:
                found = _client(port).sentinel_get_master_addr_by_name(MASTER_NAME)
            except redis.RedisError:
                continue
            if found:
                return int(found[1])
        raise SentinelUnavailable("no sentinel names a primary")

    def primary(self) -> redis.Redis:
        """A client of the current primary, through the sentinels."""
        sentinel = redis.sentinel.Sentinel(
            [("127.0.0.1", port) for port in self.sentinel_ports], socket_timeout=1.0
        )
        return sentinel.master_for(MASTER_NAME, socket_timeout=2.0)

    def kill_primary(self) -> int:
        """SIGKILL the primary (a crash: nothing it has not yet sent its replica survives)."""
        port = self.primary_port()
        self.servers[port].send_signal(signal.SIGKILL)
        self.servers[port].wait()
        logger.info("killed the primary on port %d", port)
        return port

    def failover(self) -> int:
        """A planned failover; returns the old primary's port.

        ``SENTINEL FAILOVER`` promotes the replica, but the old primary stays a writable primary
        until a sentinel's next look at it (up to ten seconds), and clients' open connections
        keep writing there: what they write is lost when it becomes a replica. So, as
        docs/failover.md says, the old primary is made a replica at once and its clients are
        disconnected: they ask the sentinels again and find the new primary.
        """
        port = self.primary_port()
        _client(self.sentinel_ports[0], 5.0).execute_command("SENTINEL", "FAILOVER", MASTER_NAME)
        new = self.wait_for_new_primary(port)
        old = _client(port, 5.0)
        old.replicaof("127.0.0.1", new)
        old.execute_command("CLIENT", "KILL", "TYPE", "normal")
        old.execute_command("CLIENT", "KILL", "TYPE", "pubsub")
        return port

    def wait_for_new_primary(self, old: int, timeout: float = 20.0) -> int:
        """Wait until every sentinel names a primary other than port ``old``; its port."""

        def switched() -> bool:
            try:
                return all(
                    int(_client(port).sentinel_get_master_addr_by_name(MASTER_NAME)[1]) != old
                    for port in self.sentinel_ports
                )
            except (redis.RedisError, TypeError):
                return False

        self._wait(switched, "the sentinels to promote the replica", timeout)
        port = self.primary_port()
        self._wait(lambda: _client(port).info("replication")["role"] == "master", "promotion")
        return port

    def restart(self, port: int) -> None:
        """Start the killed server on ``port`` again, as a replica of the current primary.

        Started as it first was (a primary), it would serve the data of the RDB file an
        earlier full resynchronisation left in its folder for the ten seconds or so until
        the sentinels make it a replica (docs/failover.md: the queue entries lost in that
        window). An operator's init script starts a returning server as a replica likewise.
        """
        self._start_server(port, replica_of=self.primary_port())
        self._wait(lambda: self._replicating(port), f"port {port} to replicate again", 20.0)
        self._wait(
            lambda: self._sentinels_see_replica(port), f"the sentinels to trust {port}", 20.0
        )

    def _sentinels_see_replica(self, port: int) -> bool:
        for sentinel in self.sentinel_ports:
            try:
                replicas = _client(sentinel).sentinel_slaves(MASTER_NAME)
            except redis.RedisError:
                return False
            if not any(
                int(r["port"]) == port
                and r["flags"] == "slave"
                and r.get("master-link-status") == "ok"
                for r in replicas
            ):
                return False
        return True

    def stop(self) -> None:
        """Stop every process of the group."""
        for process in [*self.sentinels, *self.servers.values()]:
            if process.poll() is None:
                process.terminate()
        for process in [*self.sentinels, *self.servers.values()]:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
