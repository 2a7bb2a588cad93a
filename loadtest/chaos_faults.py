"""The stack a chaos run breaks, and the faults it injects into it.

``ChaosStack`` is a ``loadtest.stack.Stack`` with its own redis-server (persistence off), web
processes that come back on the same port and engine workers that get replacements. Each fault
is a coroutine that breaks one thing, repairs it as an operator (or a supervisor) would, and
returns a ``Fault``: when it happened, what it hit, and a ``Probe`` on every affected player
that measures how long until snapshots flowed again.
"""

from __future__ import annotations

import asyncio
import logging
import random
import signal
import subprocess
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import redis

from loadtest.chaos_player import ChaosPlayer, Probe
from loadtest.stack import Stack, base_env, http_json

logger = logging.getLogger(__name__)

STOP_TIMEOUT = 15.0  # seconds a SIGTERMed process may take to exit before it is killed
REGISTER_TIMEOUT = 20.0  # seconds a replacement engine worker may take to announce itself


@dataclass
class WebSlot:
    """One web process's place: its port stays, the process behind it may be replaced."""

    process: str  # the name of the process serving it now
    port: int

    @property
    def base(self) -> str:
        """The base URL players use."""
        return f"http://127.0.0.1:{self.port}"


@dataclass
class ChaosStack:
    """A stack of web processes and engine workers on a private Redis, for breaking."""

    stack: Stack
    redis_url: str
    redis_port: int
    redis_process: str
    prefix: str
    webs: list[WebSlot]
    engines: list[str]  # the live engine workers' process (and worker) names
    exits: list[tuple[str, int, float]] = field(default_factory=list)  # (name, code, when)
    _started: dict[str, int] = field(default_factory=dict)  # process names per kind

    @classmethod
    def start(
        cls,
        workdir: Path,
        prefix: str,
        env: dict[str, str],
        webs: int = 2,
        engines: int = 2,
    ) -> ChaosStack:
        """Start Redis, migrate, start the engine workers and web processes (blocking)."""
        stack = Stack({}, workdir)
        redis_url = stack.start_redis("redis-a")
        stack.env = base_env(workdir, redis_url, prefix, **env)
        port = int(redis_url.rsplit(":", 1)[1].split("/", 1)[0])
        chaos = cls(stack, redis_url, port, "redis-a", prefix, [], [], _started={"redis": 1})
        try:
            stack.migrate()
            for _ in range(engines):
                chaos.start_engine()
            for _ in range(webs):
                name = chaos._name("web")
                base = stack.start_web(name)
                chaos.webs.append(WebSlot(name, int(base.rsplit(":", 1)[1])))
            stack.wait_for_engines(chaos.webs[0].base, engines)
        except BaseException:
            stack.stop()
            raise
        return chaos

    def _name(self, kind: str) -> str:
        count = self._started.get(kind, 0)
        self._started[kind] = count + 1
        return f"{kind}-{chr(ord('a') + count)}" if count < 26 else f"{kind}-{count}"

    @property
    def bases(self) -> list[str]:
        """The web processes' base URLs."""
        return [slot.base for slot in self.webs]

    def start_engine(self) -> str:
        """Start a new engine worker; its name (also its worker id)."""
        name = self._name("engine")
        self.stack.start_engine(name)
        self.engines.append(name)
        return name

    def wait_registered(self, worker: str) -> None:
        """Wait until the web processes' health check lists ``worker`` (blocking)."""
        self.check_exits()

        def listed() -> bool:
            for base in self.bases:
                try:
                    _, health = http_json("GET", f"{base}/healthz")
                except (OSError, ValueError):
                    continue
                return any(e.get("id") == worker for e in health.get("engines", []))
            return False

        self.stack.wait_until(listed, f"{worker} to register", REGISTER_TIMEOUT)

    def owners(self) -> dict[str, str]:
        """Match id -> the worker whose lease owns it, as Redis says (blocking)."""
        client = redis.Redis.from_url(self.redis_url, socket_timeout=2)
        try:
            entries = client.hgetall(f"{self.prefix}:match-owners")
        finally:
            client.close()
        return {key.decode(): value.decode().split(" ", 1)[0] for key, value in entries.items()}

    def stop_process(self, name: str, signum: int) -> None:
        """Signal a process and wait until it exits (blocking; SIGKILL after STOP_TIMEOUT)."""
        self.stack.send_signal(name, signum)
        process = self.stack.process(name)
        try:
            process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            logger.warning("%s did not exit in %.0f s after signal %d", name, STOP_TIMEOUT, signum)
            process.kill()
            process.wait()

    def check_exits(self) -> list[tuple[str, int, float]]:
        """Processes that exited without being asked since the last call (now expected):
        ``(name, exit code, monotonic time noticed)``."""
        found = []
        for name, process in self.stack.processes:
            code = process.poll()
            if code is not None and process.pid not in self.stack.expected_exits:
                self.stack.expected_exits.add(process.pid)
                found.append((name, code, time.monotonic()))
                logger.warning("%s exited by itself with code %d", name, code)
        self.exits += found
        return found

    def stop(self) -> None:
        """Stop every process (Redis last)."""
        self.check_exits()
        self.stack.stop()


@dataclass
class Fault:
    """One injected fault: what it hit and how each affected match's players came back."""

    kind: str
    started: float  # monotonic time it was injected
    target: str = ""  # the process, or how many players
    probes: dict[str, list[Probe]] = field(default_factory=dict)  # match id -> its players'
    repaired: float | None = None  # when the broken thing ran again (replacement, restart)
    notes: list[str] = field(default_factory=list)

    def watch(
        self, players: list[ChaosPlayer], need_welcome: bool, not_before: float = 0.0
    ) -> None:
        """Put a probe on each of ``players`` that is still playing."""
        for player in players:
            probe = player.probe(self.started, need_welcome, not_before)
            if probe is not None:
                self.probes.setdefault(player.match_id, []).append(probe)


@dataclass
class FaultPlan:
    """What faults need: the stack, the players, and how hard to hit."""

    chaos: ChaosStack
    players: list[ChaosPlayer]
    rng: random.Random
    engine_restart_after: float = 5.0  # seconds from a killed engine to its replacement
    drop_share: float = 0.25  # of the players whose connection is cut
    drop_reconnect_after: float = 1.0  # seconds a cut player waits before reconnecting
    redis_down: float = 2.0  # seconds Redis stays down


async def kill_engine(plan: FaultPlan) -> Fault:
    """SIGKILL the engine worker that owns the most matches; start a replacement later."""
    return await _engine_fault(plan, "kill", signal.SIGKILL)


async def term_engine(plan: FaultPlan) -> Fault:
    """SIGTERM the engine worker that owns the most matches (it hands them over); replace it."""
    return await _engine_fault(plan, "term", signal.SIGTERM)


async def _engine_fault(plan: FaultPlan, kind: str, signum: int) -> Fault:
    chaos = plan.chaos
    owners = await asyncio.to_thread(chaos.owners)
    playing = {p.match_id for p in plan.players if not p.done.is_set()}
    load = {name: 0 for name in chaos.engines}
    for match_id in playing:
        if owners.get(match_id) in load:
            load[owners[match_id]] += 1
    victim = max(load, key=lambda name: load[name])
    affected = {m for m in playing if owners.get(m) == victim}
    fault = Fault(kind, time.monotonic(), victim)
    fault.watch([p for p in plan.players if p.match_id in affected], need_welcome=True)
    fault.notes.append(f"{victim} owned {len(affected)} of {len(playing)} matches")
    logger.info("%s: signal %d to %s (%d matches)", kind, signum, victim, len(affected))
    chaos.engines.remove(victim)
    await asyncio.to_thread(chaos.stop_process, victim, signum)
    if signum == signal.SIGKILL:
        await asyncio.sleep(max(0.0, fault.started + plan.engine_restart_after - time.monotonic()))
    replacement = chaos.start_engine()
    await asyncio.to_thread(chaos.wait_registered, replacement)
    fault.repaired = time.monotonic()
    fault.notes.append(f"replaced by {replacement}")
    return fault


async def restart_web(plan: FaultPlan) -> Fault:
    """SIGTERM the web process with the most players (1012 to each), start it on its port."""
    chaos = plan.chaos
    sockets = {slot.base: 0 for slot in chaos.webs}
    for player in plan.players:
        if player.seated and player.connected_base in sockets:
            sockets[player.connected_base] += 1
    slot = next(s for s in chaos.webs if s.base == max(sockets, key=lambda b: sockets[b]))
    hit = [p for p in plan.players if p.seated and p.connected_base == slot.base]
    fault = Fault("web", time.monotonic(), slot.process)
    fault.watch(hit, need_welcome=True)
    fault.notes.append(f"{len(hit)} players connected to {slot.process}")
    logger.info("web: SIGTERM to %s (%d players)", slot.process, len(hit))
    await asyncio.to_thread(chaos.stop_process, slot.process, signal.SIGTERM)
    fault.notes.append(f"{slot.process} exited after {time.monotonic() - fault.started:.1f} s")
    slot.process = chaos._name("web")
    await asyncio.to_thread(chaos.stack.start_web, slot.process, (), slot.port)
    fault.repaired = time.monotonic()
    return fault


async def drop_players(plan: FaultPlan) -> Fault:
    """Cut the connections of a share of the players without a close frame."""
    seated = [p for p in plan.players if p.seated and not p.done.is_set()]
    count = min(len(seated), max(1, round(plan.drop_share * len(seated))))
    hit = plan.rng.sample(seated, count)
    fault = Fault("drop", time.monotonic(), f"players: {count}")
    fault.watch(hit, need_welcome=True)
    logger.info("drop: cutting %d connections", count)
    dropped = sum(player.drop(plan.drop_reconnect_after) for player in hit)
    fault.notes.append(f"{dropped} of {len(seated)} connections cut")
    fault.repaired = fault.started
    return fault


async def restart_redis(plan: FaultPlan) -> Fault:
    """Stop the private Redis (its data is gone: no persistence), start it again on its port."""
    chaos = plan.chaos
    fault = Fault("redis", time.monotonic(), chaos.redis_process)
    fault.watch(plan.players, need_welcome=False, not_before=float("inf"))
    logger.info("redis: stopping %s", chaos.redis_process)
    await asyncio.to_thread(chaos.stop_process, chaos.redis_process, signal.SIGTERM)
    await asyncio.sleep(max(0.0, fault.started + plan.redis_down - time.monotonic()))
    chaos.redis_process = chaos._name("redis")
    await asyncio.to_thread(chaos.stack.start_redis, chaos.redis_process, chaos.redis_port)
    fault.repaired = time.monotonic()
    fault.notes.append(f"down {fault.repaired - fault.started:.1f} s")
    for probes in fault.probes.values():
        for probe in probes:
            probe.not_before = fault.repaired
    return fault


FAULTS: dict[str, Callable[[FaultPlan], Awaitable[Fault]]] = {
    "kill": kill_engine,
    "term": term_engine,
    "web": restart_web,
    "drop": drop_players,
    "redis": restart_redis,
}
