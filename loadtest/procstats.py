"""CPU and memory of the processes under test, sampled with psutil during a time window."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

import psutil
import redis

logger = logging.getLogger(__name__)

MIB = 1024 * 1024


def rss(pid: int) -> int | None:
    """The resident set size of ``pid`` in bytes (None when it is gone)."""
    try:
        return int(psutil.Process(pid).memory_info().rss)
    except psutil.Error:
        return None


def redis_server_pid(url: str) -> int | None:
    """The process id the Redis server at ``url`` reports (None if it is not on this host)."""
    client = redis.Redis.from_url(url, socket_connect_timeout=2)
    try:
        pid = int(client.info("server")["process_id"])
    except (redis.RedisError, KeyError, ValueError) as exc:
        logger.warning("could not ask Redis for its process id: %s", exc)
        return None
    finally:
        client.close()
    return pid if psutil.pid_exists(pid) else None


@dataclass
class Usage:
    """What one process used during the window."""

    pid: int
    cpu_percent: float | None = None  # of one core
    cpu_seconds: float | None = None
    peak_rss_mib: float | None = None


def tree_cpu_seconds(process: psutil.Process, alone: bool = False) -> dict[int, float]:
    """CPU seconds of a process and of each of its live descendants (a web process's replay
    compressor, say), by pid; of the process only if ``alone``."""
    seconds: dict[int, float] = {}
    members = [process] if alone else [process, *process.children(recursive=True)]
    for member in members:
        try:
            times = member.cpu_times()
        except psutil.Error:
            continue
        seconds[member.pid] = times.user + times.system
    return seconds


class UsageSampler:
    """Takes each process's CPU time (its descendants' included) at start and stop, and its
    RSS every ``interval``."""

    def __init__(
        self, pids: dict[str, int], interval: float = 0.25, alone: frozenset[str] = frozenset()
    ) -> None:
        """``alone``: the names of processes counted without their descendants (the bench's
        own process, whose children are the servers it measures)."""
        self.interval = interval
        self.alone = alone
        self.processes: dict[str, psutil.Process] = {}
        for name, pid in pids.items():
            try:
                self.processes[name] = psutil.Process(pid)
            except psutil.Error:
                logger.warning("%s (pid %s) is not running", name, pid)
        self.cpu_start: dict[str, dict[int, float]] = {}
        self.peaks: dict[str, int] = {}
        self.started = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, name="usage-sampler", daemon=True)

    def start(self) -> None:
        """Begin the window."""
        self.started = time.monotonic()
        for name, process in self.processes.items():
            try:
                self.cpu_start[name] = tree_cpu_seconds(process, name in self.alone)
            except psutil.Error:
                continue
        self._thread.start()

    def stop(self) -> dict[str, Usage]:
        """End the window; each process's CPU share and peak RSS during it."""
        wall = time.monotonic() - self.started
        self._stop.set()
        self._thread.join()
        self._sample_once()
        usage: dict[str, Usage] = {}
        for name, process in self.processes.items():
            result = Usage(process.pid)
            try:
                if name in self.cpu_start:
                    before = self.cpu_start[name]
                    now = tree_cpu_seconds(process, name in self.alone)
                    used = sum(seconds - before.get(pid, 0.0) for pid, seconds in now.items())
                    result.cpu_seconds = round(used, 2)
                    result.cpu_percent = round(100 * used / max(wall, 1e-9), 1)
            except psutil.Error:
                pass
            if name in self.peaks:
                result.peak_rss_mib = round(self.peaks[name] / MIB, 1)
            usage[name] = result
        return usage

    def _sample(self) -> None:
        while not self._stop.wait(self.interval):
            self._sample_once()

    def _sample_once(self) -> None:
        for name, process in self.processes.items():
            try:
                value = process.memory_info().rss
            except psutil.Error:
                continue
            self.peaks[name] = max(self.peaks.get(name, 0), value)
