"""Fan-out bench: how well the server gets snapshots to many sockets, between a ceiling and a floor.

    python -m loadtest.bench fanout --clients 1000 [--webs 1] [--only real,ceiling,floor]
        [--warmup 5] [--duration 20] [--ramp 200] [--frame-bytes 100] [--input-rate 2]
        [--tick-rate 20] [--channel-layer pubsub|core] [--server-env KEY=VALUE ...]
        [--json PATH] [--keep-logs]

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
``ceiling``
    loadtest/ceiling.py: bare uvicorn, one asyncio loop sending each group of 8 sockets its own
    frame every tick. Nothing the project does can deliver faster.
``floor``
    loadtest/floor.py: a plain ``AsyncWebsocketConsumer`` per socket in group of 8, fed by a
    publisher's ``group_send`` per group and tick over ``InMemoryChannelLayer``: the textbook
    Channels design.

The baselines send ``[12, tick, server_ms, padding]`` frames of ``--frame-bytes`` bytes, laid out
like the real DELTA snapshot, so the client times every setup the same way.

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
import os
import re
import resource
import shutil
import signal
import tempfile
import threading
import time
import urllib.request
from dataclasses import asdict
from pathlib import Path
from typing import Any

from loadtest.enginestats import HealthSample, HealthSampler, summarize_engines
from loadtest.loadclient import LoadClient, LoadJob
from loadtest.procstats import MIB, UsageSampler, rss
from loadtest.setups import SETUPS, STACKS, STARTERS, FanoutOptions, Target, clean_up
from loadtest.stack import Stack
from loadtest.table import format_header, format_table

logger = logging.getLogger(__name__)

SETTLE_SECONDS = 1.0  # after the servers start and between setups
EVENT_MARGIN = 30.0  # seconds beyond a phase's own length before giving up on the client
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


def measure(target: Target, options: FanoutOptions, workdir: Path) -> dict[str, Any]:
    """Run the load client against a started target; the summarised report."""
    job = LoadJob(
        target.sockets,
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
    health: HealthSampler | None = None
    try:
        client.start()
        ramp_time = options.clients / options.ramp
        event = client.wait_for("connected", ramp_time + options.connect_timeout + EVENT_MARGIN)
        logger.info("connected: %s", event)
        if event["event"] != "result":
            event = client.wait_for("measuring", options.warmup + EVENT_MARGIN)
        connected = {name: rss(pid) for name, pid in target.webs.items()}
        sampler = UsageSampler({**target.webs, **target.others, "load-client": client.pid})
        sampler.start()
        if target.health_url:
            health = HealthSampler(target.health_url)
            health.start()
        if event["event"] != "result":
            logger.info("measuring for %.0f s", options.duration)
            event = client.wait_for("result", options.duration + EVENT_MARGIN)
        usage = sampler.stop()
        samples = health.stop() if health is not None else []
        stats = server_stats(target)
    finally:
        if health is not None:
            health.stop()  # no-op when already stopped
        client.stop()
    return summarize(target, event, usage, before, connected, stats, options, samples)


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
    """One setup's report from the client's result, the process samples and ``/healthz``."""
    open_now = int(result.get("open_now", 0))
    share = open_now / max(1, options.clients)
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
    keys = (
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
        "inputs_sent",
        "input_ack_ms",
        "input_acks",
        "throttled_frames",
        "throttled_dropped",
        "close_codes",
        "failures",
        "window_s",
    )
    report: dict[str, Any] = {
        "clients": options.clients,
        "connected": open_now,
        "dropped": int(result.get("dropped", 0)) + int(result.get("failed", 0)),
        **{key: result.get(key) for key in keys},
        "client_self_cpu_percent": result.get("cpu_percent"),
        "processes": processes,
        "notes": target.notes,
    }
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


def run_fanout(options: FanoutOptions, workdir: Path) -> dict[str, Any]:
    """Run every setup of ``options.only`` in turn; the whole report."""
    raise_open_file_limit()
    setups: dict[str, dict[str, Any]] = {}
    for index, name in enumerate(options.only):
        if index:
            time.sleep(SETTLE_SECONDS)
        try:
            setups[name] = run_setup(name, options, workdir / name)
        except Exception as exc:  # one setup failing must not cost the others
            logger.exception("%s failed", name)
            setups[name] = {"error": f"{type(exc).__name__}: {exc}"[-4000:]}
    return {"options": asdict(options), "cpus": os.cpu_count(), "setups": setups}


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
    )


def _terminate_as_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def command(args: argparse.Namespace) -> int:
    """Run the fan-out bench from parsed arguments; an exit status."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
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
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))
    return 1 if failed else 0
