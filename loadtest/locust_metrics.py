"""Figures the locust load test adds to locust's own statistics, and its summary.

Locust's statistics (web UI, ``--csv``, ``--html``) get one request event per WebSocket frame,
but some figures are not per frame: inter-arrival jitter, bytes per second per client, how many
users ever received a snapshot. Each locust process gathers them in a ``Metrics``; in distributed
mode every worker sends what it gathered since its last report to the master with locust's own
stats reports (``report_to_master``), and the master merges them (``worker_report``). Nothing
here imports gevent or locust, so the arithmetic is testable on its own.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

PERCENTILES = (0.5, 0.95, 0.99)


def _bucket(ms: float) -> float:
    """The value kept for a measurement: 0.1 ms steps below 100 ms, 1 ms below 10 s, then 100 ms.

    Bounded resolution keeps a histogram small (a few thousand keys at most) however many
    frames it counts, and lets workers send it to the master cheaply.
    """
    if ms < 100:
        return round(max(ms, 0.0), 1)
    if ms < 10_000:
        return float(round(ms))
    return float(round(ms, -2))


@dataclass
class Histogram:
    """Counts of bucketed millisecond values; mergeable across locust processes."""

    counts: Counter[float] = field(default_factory=Counter)
    total: int = 0
    total_ms: float = 0.0
    max_ms: float = 0.0

    def add(self, ms: float) -> None:
        """Count one measurement."""
        self.counts[_bucket(ms)] += 1
        self.total += 1
        self.total_ms += ms
        self.max_ms = max(self.max_ms, ms)

    def percentile(self, fraction: float) -> float | None:
        """The smallest bucket at or below which ``fraction`` of the values lie (nearest rank)."""
        if not self.total:
            return None
        rank = max(1, math.ceil(fraction * self.total))
        seen = 0
        for value in sorted(self.counts):
            seen += self.counts[value]
            if seen >= rank:
                return min(value, self.max_ms)  # a bucket may round up past the largest value
        return self.max_ms

    def summary(self) -> dict[str, Any]:
        """Count, mean, p50, p95, p99 and max, in ms rounded to 0.1."""
        out: dict[str, Any] = {"count": self.total}
        if not self.total:
            return out
        out["mean"] = round(self.total_ms / self.total, 1)
        for fraction in PERCENTILES:
            out[f"p{round(fraction * 100)}"] = round(self.percentile(fraction) or 0.0, 1)
        out["max"] = round(self.max_ms, 1)
        return out

    def to_wire(self) -> list[Any]:
        """A msgpack- and JSON-friendly form (no float map keys)."""
        return [self.total, self.total_ms, self.max_ms, [[k, n] for k, n in self.counts.items()]]

    def merge_wire(self, wire: list[Any]) -> None:
        """Add a histogram received with ``to_wire``."""
        total, total_ms, max_ms, pairs = wire
        self.total += total
        self.total_ms += total_ms
        self.max_ms = max(self.max_ms, max_ms)
        for key, count in pairs:
            self.counts[float(key)] += count


HISTOGRAMS = (
    "latency",  # players: receive time minus the snapshot's server_ms
    "jitter",  # players: |gap between two snapshots of one socket - the tick interval|
    "time_to_match",  # players: QUEUE sent to MATCH_FOUND received
    "pong_rtt",  # players and spectators: PING sent to PONG received
    "spectator_latency",  # spectators: as latency, minus the stream's announced delay
    "spectator_jitter",
)
COUNTERS = (
    "players_started",  # PlayerUsers that started
    "players_with_snapshots",  # PlayerUsers that received at least one snapshot (ever)
    "players_without_match",  # PlayerUsers that stopped before their first MATCH_FOUND
    "spectators_started",
    "spectators_with_snapshots",
    "matches_joined",  # match sockets that got WELCOME
    "matches_finished",  # RESULT received
    "snapshots",  # KEYFRAME + DELTA on player sockets
    "keyframes",
    "ticks_missed",  # ticks a player socket skipped (not published, or dropped for it: 5.6)
    "snapshot_bytes",  # bytes of those frames
    "match_bytes_received",  # every frame of player match sockets
    "match_bytes_sent",
    "inputs_sent",
    "spectator_snapshots",
    "spectator_bytes_received",
    "chain_breaks",  # a DELTA for a tick the client did not hold (RESYNC sent)
    "throttled",  # THROTTLED frames
    "throttled_dropped",  # client frames they say the server dropped
    "ready_checks",
    "ready_failed",
    "lobby_errors",
)


class Metrics:
    """What one locust process measured (or, on the master, what every worker reported)."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """Forget everything (at the start of a test)."""
        self._clear_figures()
        self.open_sockets: dict[int, tuple[str, float]] = {}  # token -> (kind, counted until)
        self.started_at: float | None = None  # unix time of test_start
        self.stopped_at: float | None = None
        self.users_peak = 0  # sampled from the runner (master or local)
        self.users_target = 0

    def _clear_figures(self) -> None:
        """Forget what a report carries (a worker after each report)."""
        self.histograms = {name: Histogram() for name in HISTOGRAMS}
        self.counters: Counter[str] = Counter()
        self.disconnects: Counter[str] = Counter()  # "<socket> <close code>" -> count
        self.snapshots_per_second: Counter[int] = Counter()  # unix second -> player snapshots
        # Seconds of open sockets by kind ("match", "spectate"), for bytes/s per client.
        self.socket_seconds: Counter[str] = Counter()

    # -- measuring ------------------------------------------------------------------------------

    def count(self, name: str, amount: int = 1) -> None:
        """Add to a counter."""
        self.counters[name] += amount

    def observe(self, histogram: str, ms: float) -> None:
        """Add one value to a histogram."""
        self.histograms[histogram].add(ms)

    def snapshot_received(self, now: float) -> None:
        """One player snapshot at unix time ``now`` (for the per-second rate)."""
        self.snapshots_per_second[int(now)] += 1

    def socket_opened(self, token: int, kind: str, now: float | None = None) -> None:
        """A socket of ``kind`` is open from now on (``token`` names it until it closes)."""
        self.open_sockets[token] = (kind, time.monotonic() if now is None else now)

    def socket_closed(self, token: int, now: float | None = None) -> None:
        """The socket ``token`` closed: its open time counts."""
        entry = self.open_sockets.pop(token, None)
        if entry is not None:
            kind, since = entry
            self.socket_seconds[kind] += (time.monotonic() if now is None else now) - since

    def disconnected(self, socket: str, code: int | None) -> None:
        """A socket closed when the client did not expect it."""
        self.disconnects[f"{socket} {code if code is not None else 'lost'}"] += 1

    # -- distributed mode -----------------------------------------------------------------------

    def take_report(self, now: float | None = None) -> dict[str, Any]:
        """What was measured since the last report, for the master; clears those figures.

        Open sockets stay open: their time so far is reported and counted again from now.
        """
        now = time.monotonic() if now is None else now
        for token, (kind, since) in list(self.open_sockets.items()):
            self.socket_seconds[kind] += now - since
            self.open_sockets[token] = (kind, now)
        report = {
            "histograms": {name: h.to_wire() for name, h in self.histograms.items() if h.total},
            "counters": dict(self.counters),
            "disconnects": dict(self.disconnects),
            "per_second": [[s, n] for s, n in self.snapshots_per_second.items()],
            "socket_seconds": dict(self.socket_seconds),
        }
        self._clear_figures()
        return report

    def merge_report(self, report: dict[str, Any]) -> None:
        """Add a worker's report."""
        for name, wire in report.get("histograms", {}).items():
            self.histograms.setdefault(name, Histogram()).merge_wire(wire)
        self.counters.update(report.get("counters", {}))
        self.disconnects.update(report.get("disconnects", {}))
        for second, count in report.get("per_second", []):
            self.snapshots_per_second[int(second)] += count
        self.socket_seconds.update(report.get("socket_seconds", {}))

    # -- the summary ----------------------------------------------------------------------------

    def summary(self, locust_stats: dict[str, Any] | None = None) -> dict[str, Any]:
        """The figures of the run (see docs/performance.md, "Locust")."""
        c = self.counters
        started = self.started_at or time.time()
        duration = max(1e-9, (self.stopped_at or time.time()) - started)
        per_second = [n for s, n in self.snapshots_per_second.items() if s >= int(started)]
        seconds = Counter(self.socket_seconds)
        now = time.monotonic()
        for kind, since in self.open_sockets.values():  # a summary while sockets are open
            seconds[kind] += now - since
        match_seconds = seconds.get("match", 0.0)
        spectate_seconds = seconds.get("spectate", 0.0)

        def rate(amount: float, seconds: float) -> float | None:
            return round(amount / seconds, 1) if seconds > 0 else None

        out: dict[str, Any] = {
            "duration_s": round(duration, 1),
            "users": {
                "target": self.users_target,
                "reached": self.users_peak,
                "players_started": c["players_started"],
                "players_with_snapshots": c["players_with_snapshots"],
                "players_without_match": c["players_without_match"],
                "spectators_started": c["spectators_started"],
                "spectators_with_snapshots": c["spectators_with_snapshots"],
            },
            "matches": {"joined": c["matches_joined"], "finished": c["matches_finished"]},
            "snapshots": {
                "received": c["snapshots"],
                "keyframes": c["keyframes"],
                "ticks_missed": c["ticks_missed"],
                "per_s": rate(c["snapshots"], duration),
                "per_s_peak": max(per_second, default=0),
                "per_s_per_client": rate(c["snapshots"], match_seconds),
            },
            "latency_ms": self.histograms["latency"].summary(),
            "jitter_ms": self.histograms["jitter"].summary(),
            "time_to_match_ms": self.histograms["time_to_match"].summary(),
            "pong_rtt_ms": self.histograms["pong_rtt"].summary(),
            "bytes_per_s_per_client": {
                "received": rate(c["match_bytes_received"], match_seconds),
                "sent": rate(c["match_bytes_sent"], match_seconds),
                "snapshot_mean_bytes": (
                    round(c["snapshot_bytes"] / c["snapshots"], 1) if c["snapshots"] else None
                ),
            },
            "inputs_sent": c["inputs_sent"],
            "disconnects": dict(sorted(self.disconnects.items())),
            "disconnects_total": sum(self.disconnects.values()),
            "chain_breaks": c["chain_breaks"],
            "throttled": {"frames": c["throttled"], "inputs_dropped": c["throttled_dropped"]},
            "lobby": {
                "ready_checks": c["ready_checks"],
                "ready_failed": c["ready_failed"],
                "errors": c["lobby_errors"],
            },
        }
        if c["spectators_started"]:
            out["spectators"] = {
                "snapshots": c["spectator_snapshots"],
                "latency_ms": self.histograms["spectator_latency"].summary(),
                "jitter_ms": self.histograms["spectator_jitter"].summary(),
                "bytes_per_s_per_client": rate(c["spectator_bytes_received"], spectate_seconds),
            }
        if locust_stats is not None:
            out["locust"] = locust_stats
        return out


def format_summary(summary: dict[str, Any]) -> str:
    """The summary as a few lines for people."""

    def dist(d: dict[str, Any]) -> str:
        if not d.get("count"):
            return "none"
        return (
            f"p50 {d['p50']} / p95 {d['p95']} / p99 {d['p99']} / max {d['max']} ms ({d['count']})"
        )

    users = summary["users"]
    snaps = summary["snapshots"]
    traffic = summary["bytes_per_s_per_client"]
    locust = summary.get("locust", {})
    disconnects = str(summary["disconnects_total"])
    if summary["disconnects"]:
        by_code = ", ".join(f"{k}: {n}" for k, n in summary["disconnects"].items())
        disconnects += f" ({by_code})"
    lines = [
        f"Arena load test summary ({summary['duration_s']} s)",
        f"  users reached        {users['reached']} of {users['target']}"
        f" (players {users['players_started']}, with snapshots"
        f" {users['players_with_snapshots']}; spectators {users['spectators_started']})",
        f"  matches              {summary['matches']['joined']} sockets joined,"
        f" {summary['matches']['finished']} results",
        f"  snapshots/s          {snaps['per_s']} (peak {snaps['per_s_peak']},"
        f" {snaps['per_s_per_client']} per client; ticks missed {snaps['ticks_missed']})",
        f"  snapshot latency     {dist(summary['latency_ms'])}",
        f"  jitter               {dist(summary['jitter_ms'])}",
        f"  time to match        {dist(summary['time_to_match_ms'])}",
        f"  bytes/s per client   {traffic['received']} received, {traffic['sent']} sent"
        f" (snapshot {traffic['snapshot_mean_bytes']} B)",
        f"  errors               {locust.get('failures', '?')} failed of"
        f" {locust.get('requests', '?')} events; disconnects {disconnects};"
        f" chain breaks {summary['chain_breaks']}; throttled {summary['throttled']['frames']}",
    ]
    if "spectators" in summary:
        spectators = summary["spectators"]
        lines.append(
            f"  spectators           latency {dist(spectators['latency_ms'])},"
            f" jitter {dist(spectators['jitter_ms'])},"
            f" {spectators['bytes_per_s_per_client']} B/s per client"
        )
    return "\n".join(lines)
