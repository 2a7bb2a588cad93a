"""Fan-out bench: how well the server gets snapshots to many sockets, between a ceiling and a floor.

    python -m loadtest.bench fanout --clients 1000 [--webs 1] [--only real,ceiling,floor]
        [--warmup 5] [--duration 20] [--ramp 200] [--frame-bytes 100] [--input-rate 2]
        [--tick-rate 20] [--channel-layer pubsub|core] [--json PATH] [--keep-logs]

One invocation runs up to three setups one after another, each driven by the same load client
(loadtest/fanout-client.mjs: Node and the npm ``ws`` package, ``npm ci``):

``real``
    The project: ``--webs`` uvicorn web processes (production flags, alternating clients),
    one ``runengine`` worker and Redis (``--redis-url``), with N/8 ffa matches of 8 players
    created through Django and joined with signed tickets. Players send INPUT frames
    (``--input-rate`` a second each, random moves and aim, firing half the time) so snapshots
    carry realistic movement. Time and score limits are set high so no match ends.
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
  process the memory per connected socket: (RSS with the sockets − RSS before) / sockets.

The table goes to stdout; ``--json PATH`` also writes every number. The exit status is 1 when a
setup could not run.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
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

from loadtest.loadclient import LoadClient, LoadJob
from loadtest.procstats import MIB, UsageSampler, rss
from loadtest.setups import SETUPS, STACKS, STARTERS, FanoutOptions, Target, clean_up
from loadtest.stack import Stack
from loadtest.table import format_table

logger = logging.getLogger(__name__)

SETTLE_SECONDS = 1.0  # after the servers start and between setups
EVENT_MARGIN = 30.0  # seconds beyond a phase's own length before giving up on the client


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
        if event["event"] != "result":
            logger.info("measuring for %.0f s", options.duration)
            event = client.wait_for("result", options.duration + EVENT_MARGIN)
        usage = sampler.stop()
        stats = server_stats(target)
    finally:
        client.stop()
    return summarize(target, event, usage, before, connected, stats, options)


def summarize(
    target: Target,
    result: dict[str, Any],
    usage: dict[str, Any],
    before: dict[str, int | None],
    connected: dict[str, int | None],
    stats: dict[str, Any],
    options: FanoutOptions,
) -> dict[str, Any]:
    """One setup's report from the client's result and the process samples."""
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
    if stats:
        report["server_ticks"] = stats
    if result.get("phase") != "measuring":
        report["error"] = f"the load client stopped during {result.get('phase')}"
    return report


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
    parser.add_argument("--json", type=Path, help="also write the whole report here")
    parser.add_argument("--keep-logs", action="store_true", help="keep the processes' logs")


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
    )


def _terminate_as_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def command(args: argparse.Namespace) -> int:
    """Run the fan-out bench from parsed arguments; an exit status."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    # the real setup's django.setup() lowers the root logger to the stack's WARNING
    logging.getLogger("loadtest").setLevel(logging.INFO)
    options = options_from(args)
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
    print(format_table(report["setups"]))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))
    return 1 if failed else 0
