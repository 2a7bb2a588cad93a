"""A soak run's samples, and its verdict: flat after warm-up, nothing left behind at the end.

Every sample holds, per server process, its RSS and open file descriptors (psutil), the tasks
on its event loop and the channel-layer groups it is in (its ``/metrics``); for Redis its keys,
memory and pub/sub channels; the server's pending ready checks and live matches, and the
matches the players think they are in.

**Flat** (``flat``): the samples after the warm-up are cut in two halves; a series is flat when
the peak of the second half is at most its tolerance above the peak of the first half (a leak
grows from one half to the next; a load that only goes up and down does not). The tolerances
(``TOLERANCES``) are a share of the first half's peak or an absolute amount, whichever is more.

**Leaks** (``leaks``): after every player has left and the server has settled, the run expects
no match, ready check, queued player or lobby/match socket on the server, every process back to
its channel-layer groups from before the players came, and to its tasks and Redis pub/sub
channels then give or take the few per-process services that start with the first player and
stay (``LAZY_TASKS``, ``LAZY_CHANNELS``: the match relay, the input batcher, the chat relay,
the presence keeper; a task left per match or per socket would be hundreds over a run), and no
Redis key family with more keys than before, except those that outlive players by design
(``DURABLE``).
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from typing import Any

MIB = 1024 * 1024

# (share of the first half's peak, absolute amount): the larger is allowed as growth.
TOLERANCES: dict[str, tuple[float, float]] = {
    "rss_mib": (0.10, 16.0),
    "fds": (0.10, 16.0),
    "tasks": (0.10, 20.0),
    "groups": (0.10, 10.0),
    "redis_keys": (0.10, 50.0),
    "redis_mib": (0.10, 4.0),
    "pubsub_channels": (0.10, 10.0),
}
# Tasks a web process starts once, with its first socket or match, and keeps (see above), and
# the channels they read (one Redis pub/sub channel each: the relays' and the batcher's).
LAZY_TASKS = 4
LAZY_CHANNELS = 3
# Redis key families (ids replaced by *) that outlive the players by design: the engine
# registry, the leaderboards' sorted sets, the matchmaking statistics, the replay index.
DURABLE = (
    re.compile(r":engines?\b"),
    re.compile(r":leaderboard"),
    re.compile(r":lobby:wait"),
    re.compile(r":replays?\b"),
)
_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f-]{27}|[0-9a-f]{16,}|\d+|soak\d+")


def key_family(key: str) -> str:
    """A Redis key with its ids (uuids, hex digests, numbers, players' names) as ``*``."""
    return _ID.sub("*", key)


def families(keys: list[str]) -> dict[str, int]:
    """How many keys there are of each family."""
    counted: dict[str, int] = {}
    for key in keys:
        family = key_family(key)
        counted[family] = counted.get(family, 0) + 1
    return counted


@dataclass
class ProcessSample:
    """One server process at one moment."""

    rss_mib: float | None = None
    fds: int | None = None
    tasks: float | None = None
    groups: float | None = None
    lobby_sockets: float = 0.0
    match_sockets: float = 0.0


@dataclass
class Sample:
    """The whole stack at one moment of the run."""

    at: float  # seconds since the players started
    processes: dict[str, ProcessSample]
    redis_keys: int
    redis_mib: float
    pubsub_channels: int
    ready_checks: float  # pending, as the matchmaker's lease holder reports them
    queued: float  # queued players, as the lease holder reports them
    server_matches: float  # live matches of every engine
    client_matches: int  # distinct matches the players think they are playing
    players: dict[str, int] = field(default_factory=dict)  # player state -> count

    def series(self) -> dict[str, float]:
        """Every figure the flatness rule looks at, by a name of its own."""
        values: dict[str, float] = {
            "redis_keys": self.redis_keys,
            "redis_mib": self.redis_mib,
            "pubsub_channels": self.pubsub_channels,
        }
        for name, process in self.processes.items():
            for measure in ("rss_mib", "fds", "tasks", "groups"):
                value = getattr(process, measure)
                if value is not None:
                    values[f"{name}.{measure}"] = float(value)
        return values


@dataclass
class Verdict:
    """Whether the run passed, and why not."""

    growing: dict[str, tuple[float, float]]  # series -> (first half's peak, second half's)
    leaks: list[str]
    samples_judged: int

    @property
    def ok(self) -> bool:
        """Flat and nothing left behind (and enough samples to say so)."""
        return not self.growing and not self.leaks and self.samples_judged >= 2


def _tolerance(series: str) -> tuple[float, float]:
    return TOLERANCES[series.rsplit(".", 1)[-1]]


def flat(samples: list[Sample], warmup: float) -> tuple[dict[str, tuple[float, float]], int]:
    """The series that grew from the first half of the post-warm-up samples to the second
    (series -> both peaks), and how many samples were judged."""
    judged = [sample for sample in samples if sample.at >= warmup]
    if len(judged) < 2:
        return {}, len(judged)
    middle = len(judged) // 2
    first, second = judged[:middle], judged[middle:]
    growing: dict[str, tuple[float, float]] = {}
    names = set().union(*(sample.series() for sample in judged))
    for name in sorted(names):
        before = max((s.series()[name] for s in first if name in s.series()), default=None)
        after = max((s.series()[name] for s in second if name in s.series()), default=None)
        if before is None or after is None:
            continue
        share, amount = _tolerance(name)
        if after > before + max(share * before, amount):
            growing[name] = (before, after)
    return growing, len(judged)


def leaks(
    baseline: Sample, final: Sample, keys_before: dict[str, int], keys_after: dict[str, int]
) -> list[str]:
    """What the server still holds after everybody left, beyond what it held before."""
    found = []
    for what, value in (
        ("live matches", final.server_matches),
        ("pending ready checks", final.ready_checks),
        ("queued players", final.queued),
    ):
        if value:
            found.append(f"{what}: {value:g}")
    allowed = LAZY_CHANNELS * len(final.processes)
    if final.pubsub_channels > baseline.pubsub_channels + allowed:
        found.append(
            f"Redis pub/sub channels: {baseline.pubsub_channels} before the players, "
            f"{final.pubsub_channels} after"
        )
    for name, process in final.processes.items():
        before = baseline.processes.get(name, ProcessSample())
        if process.lobby_sockets or process.match_sockets:
            found.append(
                f"{name}: {process.lobby_sockets:g} lobby and {process.match_sockets:g} match "
                "sockets open"
            )
        for measure, allowed in (("tasks", LAZY_TASKS), ("groups", 0)):
            now, then = getattr(process, measure), getattr(before, measure)
            if now is not None and then is not None and now > then + allowed:
                found.append(f"{name}: {measure} {then:g} before the players, {now:g} after")
    for family, count in sorted(keys_after.items()):
        if any(pattern.search(family) for pattern in DURABLE):
            continue
        if count > keys_before.get(family, 0):
            found.append(f"Redis keys {family}: {keys_before.get(family, 0)} before, {count} after")
    return found


def table(samples: list[Sample]) -> str:
    """The samples as a text table, one line per sample."""
    names = sorted({name for sample in samples for name in sample.processes})
    header = ["t s", "players q/c/p", "matches srv/cli", "ready", "keys", "redis MiB", "pubsub"]
    for name in names:
        header += [f"{name} MiB", f"{name} fds", f"{name} tasks", f"{name} groups"]
    rows = [header]
    for sample in samples:
        states = sample.players
        row = [
            f"{sample.at:.0f}",
            f"{states.get('queued', 0)}/{states.get('ready check', 0)}/{states.get('playing', 0)}",
            f"{sample.server_matches:g}/{sample.client_matches}",
            f"{sample.ready_checks:g}",
            str(sample.redis_keys),
            f"{sample.redis_mib:.1f}",
            str(sample.pubsub_channels),
        ]
        for name in names:
            process = sample.processes.get(name, ProcessSample())
            row += [_cell(process.rss_mib, ".1f"), _cell(process.fds, "d")]
            row += [_cell(process.tasks, "g"), _cell(process.groups, "g")]
        rows.append(row)
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    return "\n".join(
        "  ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)) for row in rows
    )


def _cell(value: float | int | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def to_json(samples: list[Sample], verdict: Verdict, extra: dict[str, Any]) -> str:
    """The run as JSON: its samples, its verdict and ``extra`` (the options, the tally)."""
    return json.dumps(
        {
            "samples": [asdict(sample) for sample in samples],
            "verdict": {"ok": verdict.ok, **asdict(verdict)},
            **extra,
        },
        indent=1,
        default=str,
    )
