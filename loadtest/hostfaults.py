"""Faults between hosts: ``python -m loadtest.hostfaults`` (root; network namespaces, HAProxy).

Each fault gets a fresh multi-host stack (``loadtest.hoststack``: Redis, two web hosts, two
engine hosts, HAProxy, a client host) and its own matches, played from the client host through
the proxy by the game's bots with the browser's reconnect rules (``loadtest.hostclient``):

- ``cut3``, ``cut30``: the web host holding the most sockets loses its link to Redis (the back
  network) for 3 s or 30 s; the front network, players and proxy, stays up. ``cut30-kept``: the
  same with HAProxy keeping the sockets of a host it takes out (no ``shutdown-sessions``), to
  see what the web host itself does with them.
- ``netem``: the client host's link to the proxy gets ``tc netem`` 50 ms delay each way (100 ms
  more round trip) and 2 % loss each way, for 20 s. On a kernel without netem the client host's
  connections go through a user-space relay instead (``loadtest.slowlink``: the same delay, and
  2 % of chunks held a retransmission timeout, as a lost segment would be).
- ``pause``: every process of the engine host owning the most matches is stopped (SIGSTOP) for
  10 s, then continued.

The matches' time limit runs past the fault and its repair, so every match should end with its
RESULT. Printed per fault: the players' longest freeze between two snapshots, the reconnects
(and whether each got its seat back), the matches that ended and those lost, the results the
database kept, the inputs rolled back or applied twice, and when HAProxy took a web host out and
back in. ``--json PATH`` writes the same as JSON.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import signal
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from loadtest.hosts import netem_available, run_ip
from loadtest.hoststack import BACK, FRONT, SITE, HostStack, missing_tools

logger = logging.getLogger(__name__)

BEFORE = 6.0  # seconds of play before the fault
AFTER = 15.0  # seconds of play after the repair before the matches' time limit
COUNTDOWN = 1.0
DATABASE_FILE = "arena.sqlite3"  # base_env's database, in the run's directory
STORE_TIMEOUT = 10.0  # seconds the results may take to reach the database after the RESULT
SAMPLE_INTERVAL = 0.25  # seconds between two looks at HAProxy's view of the web hosts


@dataclass
class Scenario:
    """One fault: how long it lasts, and how to break and repair it on a started stack."""

    name: str
    seconds: float
    describe: str
    shutdown_sessions: bool = True  # HAProxy closes a web host's sockets when it takes it out


SCENARIOS = {
    "cut3": Scenario("cut3", 3.0, "web host with the most sockets cut from Redis for 3 s"),
    "cut30": Scenario("cut30", 30.0, "web host with the most sockets cut from Redis for 30 s"),
    "cut30-kept": Scenario(
        "cut30-kept",
        30.0,
        "the same, HAProxy without on-marked-down shutdown-sessions",
        shutdown_sessions=False,
    ),
    "netem": Scenario("netem", 20.0, "client link: +50 ms each way, 2 % loss each way, 20 s"),
    "pause": Scenario("pause", 10.0, "engine host owning the most matches paused for 10 s"),
}


def busiest_web(hosts: HostStack) -> str:
    """The web host with the most open sessions, as HAProxy counts them."""
    sessions = hosts.server_sessions()
    return max(hosts.web_names(), key=lambda name: sessions.get(name, 0))


def busiest_engine(hosts: HostStack) -> str:
    """The engine host owning the most matches, as the leases in Redis say."""
    assert hosts.stack is not None
    prefix = hosts.stack.env["ARENA_REDIS_PREFIX"]
    owners = hosts.redis().hgetall(f"{prefix}:match-owners")
    counts = Counter(value.decode().split(" ", 1)[0] for value in owners.values())
    return max(hosts.engine_names(), key=lambda name: counts.get(name, 0))


def engine_pids(hosts: HostStack, name: str) -> list[int]:
    """Every process running on the engine host ``name``."""
    listed = run_ip("ip", "netns", "pids", hosts.host(name).namespace)
    return [int(pid) for pid in listed.split()]


def start_slow_link(hosts: HostStack) -> int:
    """Put the user-space slow link between the client host and the proxy (the client host's
    ``arena.test`` becomes the relay on its loopback); the relay's pid."""
    assert hosts.stack is not None
    client = hosts.host("client")
    target = f"{hosts.host('proxy').address(FRONT)}:80"
    command = [sys.executable, "-m", "loadtest.slowlink", "--listen", "127.0.0.1:80"]
    command += ["--to", target, "--delay-ms", "50", "--loss", "2"]
    relay = hosts.stack._spawn("slowlink", client.command(command))
    hosts.stack.wait_until(lambda: "listening" in hosts.log("slowlink"), "the slow link")
    hosts.network.write_hosts_file(client, {SITE: "127.0.0.1"})
    return relay.pid


def inject(
    hosts: HostStack, scenario: Scenario, relay: int | None
) -> tuple[str, Callable[[], None]]:
    """Break what ``scenario`` says; what was hit, and how to repair it."""
    if scenario.name.startswith("cut"):
        web = busiest_web(hosts)
        hosts.network.link(web, BACK, up=False)
        return web, lambda: hosts.network.link(web, BACK, up=True)
    if scenario.name == "netem" and relay is not None:
        os.kill(relay, signal.SIGUSR1)
        return "client (user-space relay)", lambda: os.kill(relay, signal.SIGUSR2)
    if scenario.name == "netem":
        hosts.network.netem("client", FRONT, delay_ms=50, loss=2)
        return "client (tc netem)", lambda: hosts.network.clear_netem("client", FRONT)
    engine = busiest_engine(hosts)
    pids = engine_pids(hosts, engine)
    for pid in pids:
        os.kill(pid, signal.SIGSTOP)

    def resume() -> None:
        for pid in pids:
            os.kill(pid, signal.SIGCONT)

    return engine, resume


def run_scenario(
    scenario: Scenario, workdir: Path, matches: int, players: int, grace: float
) -> dict[str, Any]:
    """One fault on a fresh stack; what the players saw."""
    time_limit = BEFORE + scenario.seconds + AFTER
    env = {
        "ARENA_SHOOTER_TIME_LIMIT": f"{time_limit:g}",
        "ARENA_SHOOTER_COUNTDOWN": f"{COUNTDOWN:g}",
        "ARENA_SHOOTER_SCORE_LIMIT": "1000",
        "ARENA_RECONNECT_GRACE": f"{grace:g}",
        "ARENA_TICKET_TTL": "3600",
    }
    hosts = HostStack(workdir, extra_env=env, shutdown_sessions=scenario.shutdown_sessions)
    hosts.start()
    try:
        relay = None
        if scenario.name == "netem" and not netem_available():
            relay = start_slow_link(hosts)
        client = hosts.start_client(
            "play", "--base", hosts.base, "--matches", str(matches), "--players", str(players),
            "--grace", f"{grace:g}",
        )  # fmt: skip
        assert client.stdout is not None
        first = json.loads(client.stdout.readline() or "{}")
        if first.get("event") != "playing":
            raise RuntimeError(f"the client did not start playing: {hosts.log('client')[-2000:]}")
        started = time.monotonic()
        time.sleep(BEFORE + COUNTDOWN)
        fault_at = time.monotonic()
        target, repair = inject(hosts, scenario, relay)
        last: dict[str, str] = {}
        states = watch_states(hosts, scenario.seconds, fault_at, last)
        repair()
        repaired_at = time.monotonic()
        states += watch_states(hosts, 6.0, fault_at, last)
        out = json.loads(client.stdout.readline() or "{}")
        client.wait(timeout=30)
        if out.get("event") != "result":
            raise RuntimeError(f"the client gave no result: {hosts.log('client')[-2000:]}")
        stored = wait_stored(workdir, {p["match"] for p in out["players"]})
    finally:
        hosts.close()
    return figures(
        scenario, target, out["players"], stored, states, fault_at - started, repaired_at - started
    )


def watch_states(
    hosts: HostStack, seconds: float, since: float, last: dict[str, str]
) -> list[tuple[float, str, str]]:
    """HAProxy's view of the web hosts for ``seconds``: each change from ``last`` (updated),
    as (seconds after the fault, host, state)."""
    changes: list[tuple[float, str, str]] = []
    until = time.monotonic() + seconds
    while time.monotonic() < until:
        for name, state in hosts.server_states().items():
            if last.get(name, "UP") != state:
                changes.append((round(time.monotonic() - since, 1), name, state))
            last[name] = state
        time.sleep(SAMPLE_INTERVAL)
    return changes


def stored_results(workdir: Path, match_ids: set[str]) -> int:
    """How many of the matches the database (the hosts' shared SQLite file) keeps as over, with
    their result."""
    with contextlib.closing(sqlite3.connect(workdir / DATABASE_FILE)) as database:
        rows = database.execute(
            "SELECT id FROM game_matchrecord WHERE status = 'over' AND result IS NOT NULL"
        ).fetchall()
    kept = {str(uuid.UUID(row[0])) for row in rows}
    return len(kept & match_ids)


def wait_stored(workdir: Path, match_ids: set[str]) -> int:
    """``stored_results`` once every match is stored, or after STORE_TIMEOUT: the engines
    write a match's record after its players' RESULT."""
    deadline = time.monotonic() + STORE_TIMEOUT
    while (kept := stored_results(workdir, match_ids)) < len(match_ids):
        if time.monotonic() > deadline:
            break
        time.sleep(0.2)
    return kept


def figures(
    scenario: Scenario,
    target: str,
    players: list[dict[str, Any]],
    stored: int,
    states: list[tuple[float, str, str]],
    fault_s: float,
    repair_s: float,
) -> dict[str, Any]:
    """The figures of one fault run."""
    by_match: dict[str, list[dict[str, Any]]] = {}
    for player in players:
        by_match.setdefault(player["match"], []).append(player)
    lost = [
        m for m, members in by_match.items() if any(p["result"] != "time_limit" for p in members)
    ]
    freezes = [p["longest_freeze_s"] for p in players]
    return {
        "fault": scenario.name,
        "what": scenario.describe,
        "target": target,
        "fault_at_s": round(fault_s, 1),
        "repaired_at_s": round(repair_s, 1),
        "players": len(players),
        "frozen_players": sum(1 for s in freezes if s > 1.0),
        "longest_freeze_s": max(freezes, default=0.0),
        "median_longest_freeze_s": round(statistics.median(freezes), 2) if freezes else 0.0,
        "reconnects": sum(p["reconnects"] for p in players),
        "players_reconnected": sum(1 for p in players if p["reconnects"]),
        "seats_kept": sum(p["reconnected"] for p in players),
        "moves": sum(p["moves"] for p in players),
        "gave_up": sum(1 for p in players if p["gave_up"] is not None),
        "close_codes": dict(Counter(str(code) for p in players for _, code in p["closes"])),
        "matches": len(by_match),
        "matches_ended": len(by_match) - len(lost),
        "matches_lost": len(lost),
        "results_stored": stored,
        "inputs_rolled_back": sum(p["rolled_back"] for p in players),
        "inputs_applied_twice": sum(p["applied_twice"] for p in players),
        "haproxy": [f"{at:+.1f}s {host} {state}" for at, host, state in states],
        "freezes": {p["name"]: p["freezes"] for p in players if p["freezes"]},  # (at s, for s)
    }


def format_row(row: dict[str, Any]) -> str:
    """One fault's figures as text."""
    return (
        f"{row['fault']}: {row['what']} ({row['target']}, at {row['fault_at_s']} s)\n"
        f"  players {row['players']}: {row['frozen_players']} frozen over 1 s, longest "
        f"{row['longest_freeze_s']} s (median of each player's longest "
        f"{row['median_longest_freeze_s']} s)\n"
        f"  reconnects {row['reconnects']} by {row['players_reconnected']} players, "
        f"{row['seats_kept']} got their seat back, {row['gave_up']} gave up; "
        f"moved by MOVED {row['moves']}; closes {row['close_codes']}\n"
        f"  matches {row['matches']}: {row['matches_ended']} ended, {row['matches_lost']} lost, "
        f"{row['results_stored']} results stored; inputs rolled back "
        f"{row['inputs_rolled_back']}, applied twice {row['inputs_applied_twice']}\n"
        f"  HAProxy: {', '.join(row['haproxy']) or 'no change'}"
    )


def main(argv: list[str] | None = None) -> int:
    """Run the faults asked for, one stack each; print their figures."""
    parser = argparse.ArgumentParser(prog="python -m loadtest.hostfaults", description=__doc__)
    parser.add_argument("--faults", default=",".join(SCENARIOS), help="comma-separated")
    parser.add_argument("--matches", type=int, default=4)
    parser.add_argument("--players", type=int, default=2, help="per match")
    parser.add_argument("--grace", type=float, default=20.0, help="ARENA_RECONNECT_GRACE")
    parser.add_argument("--json", type=Path, help="write the figures here as JSON")
    parser.add_argument("--log-dir", type=Path, help="default: a new temporary directory, kept")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    reason = missing_tools()
    if reason is not None:
        print(f"cannot run: {reason}", file=sys.stderr)
        return 2
    names = [n.strip() for n in args.faults.split(",") if n.strip()]
    unknown = sorted(set(names) - set(SCENARIOS))
    if unknown:
        parser.error(f"unknown faults {unknown}; known: {sorted(SCENARIOS)}")
    log_dir = args.log_dir or Path(tempfile.mkdtemp(prefix="arena-hostfaults-"))
    rows = []
    for name in names:
        workdir = log_dir / name
        workdir.mkdir(parents=True, exist_ok=True)
        logger.info("fault %s (logs in %s)", name, workdir)
        row = run_scenario(SCENARIOS[name], workdir, args.matches, args.players, args.grace)
        rows.append(row)
        print(format_row(row), flush=True)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
