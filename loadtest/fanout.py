"""Fan-out bench: how well the server gets snapshots to many sockets, between a ceiling and a floor.

    python -m loadtest.bench fanout --clients 1000 [--webs 1] [--only real,ceiling,floor]
        [--warmup 5] [--duration 20] [--ramp 200] [--frame-bytes 100] [--input-rate 2]
        [--tick-rate 20] [--channel-layer pubsub|core] [--server-env KEY=VALUE ...]
        [--spectators N [--compare]] [--chat-users N [--chat-interval 10] [--compare-chat]]
        [--engine external|hosted] [--json PATH] [--keep-logs]

One invocation runs up to three setups one after another, each driven by the same load client
(loadtest/fanout-client.mjs: Node and the npm ``ws`` package, ``npm ci``):

``real``
    The project: ``--webs`` uvicorn web processes (production flags, alternating clients),
    one ``runengine`` worker and Redis (``--redis-url``), with N/8 ffa matches of 8 players
    created through Django and joined with signed tickets. Players send INPUT frames
    (``--input-rate`` a second each, random moves and aim, firing half the time) so snapshots
    carry realistic movement. Time and score limits are set high so no match ends.
    ``--server-env KEY=VALUE`` (repeatable) adds a setting to every process of the stack, e.g.
    ``--server-env ARENA_WS_SEND_BUFFER=0 --server-env ARENA_INPUT_FLUSH_INTERVAL=0.05``, so an
    experiment needs no code edit; the settings the bench owns (tick rate, channel layer, Redis,
    database, key prefix, secret) have their own options or are refused.
    ``--spectators N`` adds N spectator sockets (``/ws/spectate/<id>/``, no ticket), all
    watching the first match, spread over the web processes as the players are and opened after
    them (at the same ``--ramp``); they send nothing. More than the server's default cap
    (ARENA_MAX_SPECTATORS, 2000) raise the cap. ``--compare`` (with ``--spectators``) runs the
    real setup twice, first without spectators (column ``real-no-spectators``), then with them
    (``real``), and compares the players' latency p99 of the two runs (below).
    ``--chat-users N`` adds N lobby chat users, the chat bench's (loadtest/chatbench.py, run by
    loadtest/chatload.py in this process): guests of the same stack (their cookies from its
    ``/api/session/``), spread over the web processes and over the lobby rooms of the
    registered games, joined before the players connect; during the measurement window each
    sends one chat message every ``--chat-interval`` seconds (10 by default), at a random
    phase, and every member of its room times its delivery. ``--compare-chat`` (with
    ``--chat-users``) runs the real setup first without chat users (column ``real-no-chat``),
    then with them (``real``). It combines with ``--compare``: the run without spectators
    keeps the chat users, the run without chat users keeps the spectators.
``ceiling``
    loadtest/ceiling.py: bare uvicorn, one asyncio loop sending each group of 8 sockets its own
    frame every tick. Nothing the project does can deliver faster.
``floor``
    loadtest/floor.py: a plain ``AsyncWebsocketConsumer`` per socket in group of 8, fed by a
    publisher's ``group_send`` per group and tick over ``InMemoryChannelLayer``: the textbook
    Channels design.

The baselines send ``[12, tick, server_ms, padding]`` frames of ``--frame-bytes`` bytes, laid out
like the real DELTA snapshot, so the client times every setup the same way.

With spectators the setup-wide rows are the players' (the ``--clients`` sockets); the spectators
get rows of their own (``spectators …``: connected, delivery, per-socket rates, latency — minus
the stream's ``delay_ms`` if ``--server-env ARENA_SPECTATOR_DELAY`` is set —, jitter, gaps,
dropped, bytes), and so do the players of the watched match (``watched match players …``:
latency, delivery, dropped; in the JSON for every real run, as ``watched_players``). Spectators
add to a web process's sockets (memory per socket). ``--compare`` prints, below the table, the
players' latency p99 without and with spectators and the change (the goal: within 10%), the
same for the watched match's players (8 sockets, so a noisier figure), and the spectators'
delivery, p99 and drops. With chat users the table has chat rows (``chat …``: users
connected, messages sent and per second, deliveries and the deliveries expected — each
message once per member of its room —, delivery latency p50/p99/max from the send time the
message carries, lost — expected deliveries that did not arrive — and refused messages), the
JSON a ``chat`` entry, and the CPU rows a ``chat-users`` process (this process, which runs
them). ``--compare-chat`` prints below the table the players' latency p50 and p99 and their
delivered fraction without and with chat load and the ratio with / without, then what chat
did, so one run says both what the snapshots and what chat did:

    python -m loadtest.bench fanout --only real --webs 2 --clients 1000 --input-rate 20 \
        --duration 12 --engine hosted --chat-users 1000 --compare-chat

The spectator comparison by hand is the pair of commands

    python -m loadtest.bench fanout --only real --webs 2 --clients 1000 --duration 20 --warmup 5
    python -m loadtest.bench fanout --only real --webs 2 --clients 1000 --duration 20 --warmup 5 \
        --spectators 1000

(and their "latency ms p50/p99/max" rows). Only the real setup has spectators and chat users;
``--spectators`` and ``--chat-users`` need it in ``--only``, and the baselines run without them.

Phases per setup: start the processes, connect every client (``--ramp`` a second), warm up
(``--warmup`` s, then the client resets its statistics), measure (``--duration`` s), stop
everything. Reported per setup, for the measurement window:

- clients connected; frames delivered per second in total and as a fraction of N × tick rate,
  the slowest socket's and the 1st percentile socket's frames per second, and how many open
  sockets got no snapshot at all;
- publish-to-client latency p50/p99/max (client receive time − the frame's server_ms, one
  machine so one clock; server_ms is whole milliseconds, so figures are up to 1 ms high);
- inter-arrival jitter p99 (|gap − tick interval| per socket) and the longest gap;
- dropped sockets (failed to connect, or closed when the client did not close them; a 4006
  "match over" close is not a drop) and every close code;
- bytes received per client per second and the mean snapshot size;
- CPU % (of one core) and peak RSS of each web process, the engine, redis-server (its CPU share
  over the window; the process id comes from Redis INFO) and the load client, and per web
  process the memory per connected socket: (RSS with the sockets − RSS before) / sockets;
- real: the INPUT frames the load client sent per second, in total and to each web process
  (counted per socket URL), so the load on the input path shows next to the fan-out;
- real: input-to-applied latency p50/p99/max and its sample count: from sending an INPUT to
  receiving the first snapshot whose ``ack`` for the socket's own player covers it, as a player
  would feel it. Each socket learns its player id from WELCOME, follows its own ack through its
  snapshot chain (KEYFRAME entry, then DELTA ack differences), and when the ack advances to A
  every pending seq <= A gets a sample (the seqs the engine passed over for a newer one
  included: the wait until the player saw its input or a newer one take effect). It includes
  the engine waiting for its next tick and the snapshot's own fan-out latency. Samples come
  from the acks received in the window, so inputs sent in the warm-up count too (a backlog can
  make the count exceed the inputs sent in the window). Also the THROTTLED notices the client
  got and the frames they say the server dropped (a lower bound: the server reports at most
  once a second, at a drop, so drops after a socket's last notice go unreported); none are
  expected at 20 inputs/s, under the 30/s limit, unless a web process falls behind and reads
  a socket's frames in a burst (the limit is applied when a frame is processed, not when it
  arrived). ``input_acks`` in the JSON holds the bookkeeping's counters (inputs still awaiting
  an ack at the end, acks that broke a DELTA chain, …);
- real: the engine's own view of its tick loop (loadtest/enginestats.py). Each engine publishes
  percentiles of its last 200 ticks in its registry heartbeat, shown by ``/healthz``; the bench
  samples it every 2 s and reports per engine its matches, tick duration p50 (median of the
  samples) / p99 (largest) / max, the p99 as a share of the tick period (1000 / tick rate ms),
  and how late ticks started (p99, max). Samples whose 200 ticks reach back before the window
  are left out when the window is long enough (``--duration`` above about 11 s at 20 Hz).
  The baselines report instead how many ticks their own loop skipped.

A header line with the options (and the ``--server-env`` settings) and the table go to stdout;
``--json PATH`` also writes every number. The exit status is 1 when a setup could not run.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import multiprocessing
import os
import re
import resource
import shutil
import signal
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from loadtest.chatbench import DELIVERY_TAIL_S
from loadtest.chatload import ChatLoad, ChatLoadError
from loadtest.enginestats import HealthSample, HealthSampler, summarize_engines
from loadtest.loadclient import SPECTATOR, LoadClient, LoadJob
from loadtest.procstats import MIB, UsageSampler, rss
from loadtest.setups import SETUPS, STACKS, STARTERS, FanoutOptions, Target, clean_up
from loadtest.stack import Stack
from loadtest.table import format_chat_comparison, format_comparison, format_header, format_table

logger = logging.getLogger(__name__)

SETTLE_SECONDS = 1.0  # after the servers start and between setups
CHILD_STOP_SECONDS = 60.0  # for a --compare run's process to stop its stack when interrupted
LOG_FORMAT = "%(asctime)s %(name)s: %(message)s"
EVENT_MARGIN = 30.0  # seconds beyond a phase's own length before giving up on the client
CHAT_JOINS_PER_S = 50.0  # the least rate at which chat users are expected to join their rooms
SERVER_ENV_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# Settings the bench sets itself: an option of its own, or what it needs to drive the stack.
RESERVED_SERVER_ENV = {
    "ARENA_TICK_RATE": "use --tick-rate",
    "ARENA_CHANNEL_LAYER": "use --channel-layer",
    "REDIS_URL": "use --redis-url",
    "ARENA_REDIS_PREFIX": "the bench uses a fresh prefix per run",
    "DATABASE_URL": "the bench migrates its own database",
    "ARENA_SECRET_KEY": "the bench signs the tickets",
    "DJANGO_SETTINGS_MODULE": "the stack runs game.settings",
    "ARENA_ENGINE": "use --engine",
    "ARENA_PUBLIC_URL": "the bench gives each web process its own",
}


def raise_open_file_limit() -> None:
    """Lift this process's (and so its children's) soft limit on open files to the hard one."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def server_stats(target: Target) -> dict[str, Any]:
    """The baselines' own tick stats (published, skipped, slowest publish)."""
    stats = {}
    for name, url in target.stats_urls.items():
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                stats[name] = json.loads(response.read())
        except (OSError, ValueError) as exc:
            logger.warning("no tick stats from %s: %s", name, exc)
    return stats


@contextlib.contextmanager
def chat_load(target: Target, options: FanoutOptions) -> Iterator[ChatLoad | None]:
    """The real setup's ``--chat-users``, joined to their lobby rooms; stopped on the way out."""
    if not options.chat_users or not target.chat_bases:
        yield None
        return
    chat = ChatLoad(target.chat_bases, options.chat_users, options.chat_interval)
    try:
        chat.start()
        chat.wait_connected(options.chat_users / CHAT_JOINS_PER_S + EVENT_MARGIN)
        yield chat
    finally:
        chat.stop()


def measure(target: Target, options: FanoutOptions, workdir: Path) -> dict[str, Any]:
    """Run the load client against a started target; the summarised report.

    Chat users (``--chat-users``, real setup) join their lobby rooms before the players
    connect, so the players' ramp, warm-up and memory per socket are their own, and chat during
    the players' measurement window (in this process: ``chat-users`` in the CPU rows).
    """
    with chat_load(target, options) as chat:
        return _measure(target, options, workdir, chat)


def _measure(
    target: Target, options: FanoutOptions, workdir: Path, chat: ChatLoad | None
) -> dict[str, Any]:
    """``measure`` with the chat users, if any, connected.

    Spectators, if any, get a load client of their own (``load-client-spectators``), started
    and connected first, whose measurement window starts when the players' does: in one Node
    event loop each tick's 1,000 spectator frames would queue in front of the players' and add
    the client's own processing time to the players' latency, which real players, on other
    machines than the spectators, never see.
    """
    players = [s for s in target.sockets if s.role != SPECTATOR]
    watchers = [s for s in target.sockets if s.role == SPECTATOR]
    job = LoadJob(
        players,
        ramp=options.ramp,
        connect_timeout_s=options.connect_timeout,
        warmup_s=options.warmup,
        duration_s=options.duration,
        input_rate=target.input_rate,
        tick_ms=1000.0 / options.tick_rate,
    )
    time.sleep(SETTLE_SECONDS)
    before = {name: rss(pid) for name, pid in target.webs.items()}
    client = LoadClient(job, workdir / "load-client.log")
    watching: LoadClient | None = None
    if watchers:
        spectator_job = replace(job, sockets=watchers, input_rate=0.0, measure_on_command=True)
        watching = LoadClient(spectator_job, workdir / "load-client-spectators.log")
    health: HealthSampler | None = None
    try:
        if watching is not None:
            watching.start()
            event = watching.wait_for(
                "connected", len(watchers) / options.ramp + options.connect_timeout + EVENT_MARGIN
            )
            logger.info("spectators connected: %s", event)
        client.start()
        ramp_time = len(players) / options.ramp
        event = client.wait_for("connected", ramp_time + options.connect_timeout + EVENT_MARGIN)
        logger.info("connected: %s", event)
        if event["event"] != "result":
            event = client.wait_for("measuring", options.warmup + EVENT_MARGIN)
        if watching is not None:
            watching.measure_now()
        chatting = chat if event["event"] != "result" else None  # None: no window to chat in
        if chatting is not None:
            chatting.measure(options.duration)
        connected = {name: rss(pid) for name, pid in target.webs.items()}
        pids = {**target.webs, **target.others, "load-client": client.pid}
        if watching is not None:
            pids["load-client-spectators"] = watching.pid
        if chatting is not None:
            pids["chat-users"] = os.getpid()
        sampler = UsageSampler(pids, alone=frozenset({"chat-users"}))  # its children: the stack
        sampler.start()
        if target.health_url:
            health = HealthSampler(target.health_url)
            health.start()
        if event["event"] != "result":
            logger.info("measuring for %.0f s", options.duration)
            event = client.wait_for("result", options.duration + EVENT_MARGIN)
        if watching is not None:
            seen = watching.wait_for("result", options.duration + EVENT_MARGIN)
            if seen.get("spectators"):
                event["spectators"] = seen["spectators"]
        usage = sampler.stop()
        samples = health.stop() if health is not None else []
        stats = server_stats(target)
        if chatting is not None:
            event["chat"] = chat_result(chatting, options)
    finally:
        if health is not None:
            health.stop()  # no-op when already stopped
        client.stop()
        if watching is not None:
            watching.stop()
    return summarize(target, event, usage, before, connected, stats, options, samples)


def chat_result(chat: ChatLoad, options: FanoutOptions) -> dict[str, Any]:
    """The chat users' figures once their window is over, or the error that stopped them."""
    try:
        return chat.result(
            options.duration + options.chat_interval + DELIVERY_TAIL_S + EVENT_MARGIN
        )
    except ChatLoadError as exc:
        logger.warning("chat users: %s", exc)
        return {"clients": options.chat_users, "error": str(exc)}


def summarize(
    target: Target,
    result: dict[str, Any],
    usage: dict[str, Any],
    before: dict[str, int | None],
    connected: dict[str, int | None],
    stats: dict[str, Any],
    options: FanoutOptions,
    health: list[HealthSample] | None = None,
) -> dict[str, Any]:
    """One setup's report from the client's result, the process samples and ``/healthz``.

    The top level is the players' (every socket of a baseline); ``spectators`` and
    ``watched_players`` are those groups' own figures when the run had them.
    """
    open_now = int(result.get("open_now", 0))
    spectators = result.get("spectators")
    open_all = open_now + (int(spectators.get("open_now", 0)) if spectators else 0)
    share = open_all / max(1, len(target.sockets) or options.clients)
    processes: dict[str, dict[str, Any]] = {}
    for name, use in usage.items():
        entry = asdict(use)
        if name in target.webs:
            rss_before, rss_with = before.get(name), connected.get(name)
            sockets = target.sockets_per_web.get(name, 0) * share
            entry["sockets"] = round(sockets)
            entry["rss_before_mib"] = round(rss_before / MIB, 1) if rss_before else None
            entry["rss_connected_mib"] = round(rss_with / MIB, 1) if rss_with else None
            if rss_before and rss_with and sockets:
                entry["kib_per_socket"] = round((rss_with - rss_before) / 1024 / sockets, 1)
        processes[name] = entry
    report: dict[str, Any] = {
        **summarize_group(result, options.clients),
        **{key: result.get(key) for key in INPUT_KEYS},
        "client_self_cpu_percent": result.get("cpu_percent"),
        "processes": processes,
        "notes": target.notes,
    }
    for group in ("spectators", "watched_players"):
        if result.get(group):
            report[group] = summarize_group(result[group], result[group].get("clients"))
    if result.get("chat"):
        report["chat"] = result["chat"]
    report.update(input_rates(target, result))
    for name, rate in (report.get("inputs_per_s_by_web") or {}).items():
        if name in processes:
            processes[name]["inputs_per_s"] = rate
    if stats:
        report["server_ticks"] = stats
    if target.health_url:
        report["engines"] = summarize_engines(health or [], options.tick_rate)
        report["engine_samples"] = [asdict(sample) for sample in health or []]
    if result.get("phase") != "measuring":
        report["error"] = f"the load client stopped during {result.get('phase')}"
    return report


GROUP_KEYS = (
    "frames_per_s",
    "expected_frames_per_s",
    "delivered_fraction",
    "min_socket_frames_per_s",
    "p1_socket_frames_per_s",
    "p50_socket_frames_per_s",
    "starved_sockets",
    "starved_indices",
    "latency_ms",
    "jitter_ms",
    "gap_ms",
    "bytes_per_client_per_s",
    "mean_frame_bytes",
    "frames_without_server_ms",
    "other_frames",
    "close_codes",
    "failures",
    "window_s",
)
INPUT_KEYS = (
    "inputs_sent",
    "input_ack_ms",
    "input_acks",
    "throttled_frames",
    "throttled_dropped",
)


def summarize_group(result: dict[str, Any], clients: int | None) -> dict[str, Any]:
    """A group of sockets' figures (players, spectators, …) from the client's result."""
    return {
        "clients": clients,
        "connected": int(result.get("open_now", 0)),
        "dropped": int(result.get("dropped", 0)) + int(result.get("failed", 0)),
        **{key: result.get(key) for key in GROUP_KEYS},
    }


def input_rates(target: Target, result: dict[str, Any]) -> dict[str, Any]:
    """INPUT frames the client sent per second over the window: in total and per web process."""
    window = result.get("window_s")
    sent = result.get("inputs_sent")
    if not window or sent is None or not target.input_rate:
        return {}
    hosts = {url.removeprefix("http://"): name for name, url in target.web_urls.items()}
    by_web = {name: 0 for name in target.web_urls}
    for host, count in (result.get("inputs_by_host") or {}).items():
        name = hosts.get(host, host)
        by_web[name] = by_web.get(name, 0) + int(count)
    return {
        "inputs_per_s": round(sent / window, 1),
        "inputs_per_s_by_web": {name: round(n / window, 1) for name, n in by_web.items()},
    }


def run_setup(name: str, options: FanoutOptions, workdir: Path) -> dict[str, Any]:
    """Start one setup, measure it and stop it, whatever happens."""
    workdir.mkdir(parents=True, exist_ok=True)
    stack: Stack = STACKS[name](workdir, options)
    try:
        logger.info("%s: starting", name)
        target = STARTERS[name](stack, options)
        return measure(target, options, workdir)
    finally:
        logger.info("%s: stopping", name)
        stack.stop()
        clean_up(stack, options)


def _run_in_child(name: str, options: FanoutOptions, workdir: Path, conn: Any) -> None:
    """The body of ``run_setup_isolated``'s process: the report (or the error) down ``conn``."""
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    logging.getLogger("loadtest").setLevel(logging.INFO)
    signal.signal(signal.SIGTERM, _terminate_as_interrupt)
    outcome: tuple[str, Any]
    try:
        outcome = ("report", run_setup(name, options, workdir))
    except BaseException as exc:  # the parent records it; run_setup stopped the stack
        outcome = ("error", f"{type(exc).__name__}: {exc}"[-4000:])
    conn.send(outcome)
    conn.close()


def run_setup_isolated(name: str, options: FanoutOptions, workdir: Path) -> dict[str, Any]:
    """``run_setup`` in a fresh (spawned) process.

    The real setup sets this process's Django up for its own stack (key prefix, database), which
    can be done once per process, so ``--compare``'s two real runs each get a process of their
    own. Interrupting this one (SIGTERM, Ctrl-C) stops the child's stack before it returns.
    """
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(
        target=_run_in_child, args=(name, options, workdir, sender), name=f"fanout-{name}"
    )
    child.start()
    sender.close()
    try:
        kind, value = receiver.recv()
    except EOFError:
        child.join(CHILD_STOP_SECONDS)
        raise RuntimeError(f"the {name} run's process exited with {child.exitcode}") from None
    except KeyboardInterrupt:
        child.terminate()  # SIGTERM: the child stops its stack and exits
        child.join(CHILD_STOP_SECONDS)
        raise
    finally:
        receiver.close()
        if child.is_alive():
            child.join(CHILD_STOP_SECONDS)
        if child.is_alive():
            child.kill()
            child.join()
    if kind == "error":
        raise RuntimeError(value)
    return value


WITHOUT_SPECTATORS = "real-no-spectators"  # --compare's first run
WITHOUT_CHAT = "real-no-chat"  # --compare-chat's first run
P99_GOAL_PERCENT = 10.0  # players' p99 with spectators within this of the p99 without


def planned_runs(options: FanoutOptions) -> list[tuple[str, str, FanoutOptions]]:
    """(column, setup, options) of each run: ``--compare`` adds the real setup without
    spectators before the real setup with them, ``--compare-chat`` the real setup without chat
    users."""
    runs = []
    for name in options.only:
        if name == "real" and options.compare and options.spectators:
            runs.append((WITHOUT_SPECTATORS, name, replace(options, spectators=0)))
        if name == "real" and options.compare_chat and options.chat_users:
            runs.append((WITHOUT_CHAT, name, replace(options, chat_users=0)))
        runs.append((name, name, options))
    return runs


def run_fanout(options: FanoutOptions, workdir: Path) -> dict[str, Any]:
    """Run every setup of ``options.only`` in turn; the whole report."""
    raise_open_file_limit()
    setups: dict[str, dict[str, Any]] = {}
    runs = planned_runs(options)
    isolate = sum(1 for _, name, _ in runs if name == "real") > 1
    for index, (column, name, run_options) in enumerate(runs):
        if index:
            time.sleep(SETTLE_SECONDS)
        run = run_setup_isolated if isolate and name == "real" else run_setup
        try:
            setups[column] = run(name, run_options, workdir / column)
        except Exception as exc:  # one setup failing must not cost the others
            logger.exception("%s failed", column)
            setups[column] = {"error": f"{type(exc).__name__}: {exc}"[-4000:]}
    report = {"options": asdict(options), "cpus": os.cpu_count(), "setups": setups}
    if options.compare and WITHOUT_SPECTATORS in setups:
        report["comparison"] = compare_spectators(setups[WITHOUT_SPECTATORS], setups.get("real"))
    if options.compare_chat and WITHOUT_CHAT in setups:
        report["chat_comparison"] = compare_chat(setups[WITHOUT_CHAT], setups.get("real"))
    return report


def _p99_change(without: dict[str, Any] | None, with_: dict[str, Any] | None) -> dict[str, Any]:
    """Latency p99 of a group in the two runs and the change in percent."""
    before = ((without or {}).get("latency_ms") or {}).get("p99")
    after = ((with_ or {}).get("latency_ms") or {}).get("p99")
    change = None
    if before and after is not None:
        change = round(100.0 * (after - before) / before, 1)
    return {
        "without_ms": before,
        "with_ms": after,
        "change_percent": change,
        "within_goal": None if change is None else change <= P99_GOAL_PERCENT,
    }


def _failed(without: dict[str, Any], with_: dict[str, Any]) -> bool:
    """Whether either run of a comparison failed."""
    return "error" in without or "error" in with_


def compare_spectators(without: dict[str, Any], with_: dict[str, Any] | None) -> dict[str, Any]:
    """``--compare``: the players' latency p99 without and with spectators (all players and
    the watched match's), and the spectators' own delivery, p99 and drops."""
    if with_ is None or _failed(without, with_):
        return {"error": "a run failed"}
    spectators = with_.get("spectators") or {}
    return {
        "goal_percent": P99_GOAL_PERCENT,
        "players_p99": _p99_change(without, with_),
        "watched_players_p99": _p99_change(
            without.get("watched_players"), with_.get("watched_players")
        ),
        "spectators": {
            "clients": spectators.get("clients"),
            "connected": spectators.get("connected"),
            "delivered_fraction": spectators.get("delivered_fraction"),
            "latency_ms": spectators.get("latency_ms"),
            "dropped": spectators.get("dropped"),
        },
    }


def _ratio(before: Any, after: Any, digits: int = 2) -> dict[str, Any]:
    """A figure without and with a load, and with / without."""
    ratio = round(after / before, digits) if before and after is not None else None
    return {"without": before, "with": after, "ratio": ratio}


def compare_chat(without: dict[str, Any], with_: dict[str, Any] | None) -> dict[str, Any]:
    """``--compare-chat``: the players' latency p50/p99 and delivered fraction without and with
    the chat users, the ratios, and what chat did."""
    if with_ is None or _failed(without, with_):
        return {"error": "a run failed"}
    chat = with_.get("chat") or {}
    return {
        "players_p50_ms": _ratio(_latency(without, "p50"), _latency(with_, "p50")),
        "players_p99_ms": _ratio(_latency(without, "p99"), _latency(with_, "p99")),
        "players_delivered_fraction": _ratio(
            without.get("delivered_fraction"), with_.get("delivered_fraction"), 4
        ),
        "chat": {key: chat.get(key) for key in CHAT_SUMMARY_KEYS if key in chat},
    }


CHAT_SUMMARY_KEYS = (
    "clients",
    "connected",
    "interval_s",
    "messages_sent",
    "deliveries",
    "expected_deliveries",
    "lost",
    "refused",
    "delivery_ms",
    "error",
)


def _latency(report: dict[str, Any], quantile: str) -> Any:
    return (report.get("latency_ms") or {}).get(quantile)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``fanout`` command's options."""
    defaults = FanoutOptions()
    parser.add_argument("--clients", type=int, default=defaults.clients, help="sockets (N)")
    parser.add_argument("--webs", type=int, default=defaults.webs, help="real: web processes")
    parser.add_argument(
        "--only",
        default=",".join(SETUPS),
        help="comma-separated setups to run, of: " + ", ".join(SETUPS),
    )
    parser.add_argument("--warmup", type=float, default=defaults.warmup, help="seconds")
    parser.add_argument("--duration", type=float, default=defaults.duration, help="seconds")
    parser.add_argument("--ramp", type=float, default=defaults.ramp, help="connects a second")
    parser.add_argument("--frame-bytes", type=int, default=defaults.frame_bytes)
    parser.add_argument(
        "--input-rate", type=float, default=defaults.input_rate, help="real: inputs/s per player"
    )
    parser.add_argument("--tick-rate", type=int, default=defaults.tick_rate)
    parser.add_argument("--redis-url", default=defaults.redis_url)
    parser.add_argument(
        "--channel-layer", default=defaults.channel_layer, choices=["pubsub", "core"]
    )
    parser.add_argument("--connect-timeout", type=float, default=defaults.connect_timeout)
    parser.add_argument(
        "--server-env",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="real: a setting for every server process (repeatable), e.g. ARENA_WS_SEND_BUFFER=0",
    )
    parser.add_argument(
        "--spectators",
        type=int,
        default=defaults.spectators,
        help="real: spectator sockets, all watching the first match",
    )
    parser.add_argument(
        "--compare",
        action="store_true",
        help="real with --spectators: run it first without spectators and compare players' p99",
    )
    parser.add_argument(
        "--chat-users",
        type=int,
        default=defaults.chat_users,
        help="real: lobby chat users on the web processes, chatting during the measurement",
    )
    parser.add_argument(
        "--chat-interval",
        type=float,
        default=defaults.chat_interval,
        help="real: seconds between a chat user's messages (at a random phase)",
    )
    parser.add_argument(
        "--compare-chat",
        action="store_true",
        help="real with --chat-users: run it first without chat users and compare the players'",
    )
    parser.add_argument(
        "--engine",
        default=defaults.engine,
        choices=["external", "hosted"],
        help="real: one runengine process (external) or an engine in every web process, each "
        "match's players on the process that hosts it (hosted)",
    )
    parser.add_argument("--json", type=Path, help="also write the whole report here")
    parser.add_argument("--keep-logs", action="store_true", help="keep the processes' logs")


def parse_server_env(pairs: list[str]) -> dict[str, str]:
    """``KEY=VALUE`` strings as a mapping; refuses malformed and bench-owned keys."""
    env: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not SERVER_ENV_KEY.fullmatch(key):
            raise SystemExit(f"--server-env takes KEY=VALUE; got {pair!r}")
        if key in RESERVED_SERVER_ENV:
            raise SystemExit(f"--server-env {key}: {RESERVED_SERVER_ENV[key]}")
        env[key] = value
    return env


def options_from(args: argparse.Namespace) -> FanoutOptions:
    """FanoutOptions from parsed arguments; rejects unknown setups."""
    only = tuple(s.strip() for s in args.only.split(",") if s.strip())
    unknown = [s for s in only if s not in SETUPS]
    if unknown or not only:
        raise SystemExit(f"--only takes a comma list of {', '.join(SETUPS)}; got {args.only!r}")
    if args.clients < 1 or args.webs < 1 or args.tick_rate < 1 or args.ramp <= 0:
        raise SystemExit("--clients, --webs, --tick-rate and --ramp must be positive")
    if args.spectators < 0:
        raise SystemExit("--spectators must not be negative")
    if args.spectators and "real" not in only:
        raise SystemExit("--spectators needs the real setup (--only real)")
    if args.compare and not args.spectators:
        raise SystemExit("--compare compares runs without and with --spectators N")
    if args.chat_users < 0 or args.chat_interval <= 0:
        raise SystemExit("--chat-users must not be negative and --chat-interval must be positive")
    if args.chat_users and "real" not in only:
        raise SystemExit("--chat-users needs the real setup (--only real)")
    if args.compare_chat and not args.chat_users:
        raise SystemExit("--compare-chat compares runs without and with --chat-users N")
    return FanoutOptions(
        clients=args.clients,
        webs=args.webs,
        warmup=args.warmup,
        duration=args.duration,
        ramp=args.ramp,
        frame_bytes=args.frame_bytes,
        input_rate=args.input_rate,
        tick_rate=args.tick_rate,
        only=tuple(s for s in SETUPS if s in only),
        redis_url=args.redis_url,
        channel_layer=args.channel_layer,
        connect_timeout=args.connect_timeout,
        server_env=parse_server_env(args.server_env),
        spectators=args.spectators,
        engine=args.engine,
        compare=args.compare,
        chat_users=args.chat_users,
        chat_interval=args.chat_interval,
        compare_chat=args.compare_chat,
    )


def _terminate_as_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def command(args: argparse.Namespace) -> int:
    """Run the fan-out bench from parsed arguments; an exit status."""
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT)
    # the real setup's django.setup() lowers the root logger to the stack's WARNING
    logging.getLogger("loadtest").setLevel(logging.INFO)
    options = options_from(args)
    if options.server_env:
        logger.info("real stack settings: %s", options.server_env)
    in_main_thread = threading.current_thread() is threading.main_thread()
    if in_main_thread:
        previous = signal.signal(signal.SIGTERM, _terminate_as_interrupt)
    workdir = Path(tempfile.mkdtemp(prefix="arena-fanout-"))
    failed = True
    try:
        report = run_fanout(options, workdir)
        failed = any("error" in setup for setup in report["setups"].values())
    except KeyboardInterrupt:
        print("interrupted; every process was stopped")
        return 130
    finally:
        if in_main_thread:
            signal.signal(signal.SIGTERM, previous)
        if failed or args.keep_logs:
            print(f"logs: {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    print(format_header(report))
    print(format_table(report["setups"]))
    if "comparison" in report:
        print(format_comparison(report["comparison"]))
    if "chat_comparison" in report:
        print(format_chat_comparison(report["chat_comparison"]))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))
    return 1 if failed else 0
