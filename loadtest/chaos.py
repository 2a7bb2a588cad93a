"""Does the stack keep matches going through failures? ``python -m loadtest.chaos``

Starts its own stack: a private redis-server without persistence (so restarting it is safe;
``redis-server`` must be on PATH), two ``runengine`` workers and two uvicorn web processes, on
SQLite in the log directory (or ``--database-url``). Creates matches of ``--game`` (any
registered game; default the shooter) in ``--mode`` (default: its first mode for ``--players``)
over HTTP and plays them with the game's bots (``loadtest.chaos_player``), spread over both web
processes, at ``--input-rate`` INPUTs a second each (20, as the browser). Then it injects faults
on a schedule (``loadtest.chaos_faults``), each once:

- ``kill``: SIGKILL the engine worker owning the most matches; a replacement starts 5 s later.
- ``term``: SIGTERM it instead (it hands its matches over); a replacement starts once it exits.
- ``web``: SIGTERM the web process with the most players (close 1012), start it on its port.
- ``drop``: cut the connections of a share of the players without a close frame.
- ``redis``: stop Redis (its data is lost) and start it again on its port 2 s later.

Players reconnect as the browser does. When the matches have ended (the game's time limit, where
it has one, is set to end them after the schedule; a game that ends its matches itself, turn by
turn, plays on as long as its bots take: a low ``--input-rate`` makes them think) it prints a
report (``loadtest.chaos_report``): matches played out and lost, recovery after each fault,
engine takeover times, reconnects, inputs applied twice or rolled back, snapshots per second
over time, and the server logs' warnings and errors. ``--json PATH`` writes it as JSON. Exits 1
when a goal was missed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import random
import sys
import tempfile
import time
import uuid
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from loadtest import chaos_report
from loadtest.chaos_faults import FAULTS, ChaosStack, Fault, FaultPlan
from loadtest.chaos_player import INPUT_RATE, ChaosPlayer, Recorder
from loadtest.games import game, option_env, seating_mode
from loadtest.stack import http_json, ticket_url

logger = logging.getLogger(__name__)

SEAT_TIMEOUT = 20.0  # seconds every player has to get its first WELCOME
END_MARGIN = 60.0  # seconds beyond the matches' expected end before the run stops waiting
EXIT_CHECK_INTERVAL = 0.5


@dataclass
class ChaosOptions:
    """How big the run is, which faults it injects and when."""

    game: str = "shooter"
    mode: str = ""  # default: the game's first mode for ``players``
    matches: int = 8
    players: int = 4  # per match
    faults: tuple[str, ...] = ("kill", "term", "web", "drop", "redis")
    pause: float = 10.0  # seconds of play before the first fault
    spacing: float = 12.0  # seconds between two faults
    time_limit: float = 90.0  # seconds a match runs (ARENA_<GAME>_TIME_LIMIT, if it has one)
    countdown: float = 3.0  # ARENA_<GAME>_COUNTDOWN
    grace: float = 20.0  # ARENA_RECONNECT_GRACE
    tick_rate: int = 20  # ARENA_TICK_RATE
    input_rate: float = INPUT_RATE  # INPUTs a second each player's bot may send
    drop_share: float = 0.25
    drop_reconnect_after: float = 1.0
    redis_down: float = 2.0
    engine_restart_after: float = 5.0
    takeover_goal: float = 5.0  # seconds: engine takeover p99 must stay under this
    webs: int = 2
    engines: int = 2
    seed: int | None = None
    database_url: str | None = None
    log_dir: Path | None = None  # default: a new temporary directory, kept
    extra_env: dict[str, str] = field(default_factory=dict)


def run_chaos(options: ChaosOptions) -> chaos_report.ChaosReport:
    """Run a whole chaos run (stack, players, faults) and return its report."""
    return asyncio.run(chaos(options))


async def chaos(options: ChaosOptions) -> chaos_report.ChaosReport:
    """The chaos run, in a running event loop."""
    unknown = set(options.faults) - set(FAULTS)
    if unknown:
        raise ValueError(f"unknown faults {sorted(unknown)}; known: {sorted(FAULTS)}")
    options = replace(options, mode=mode_name(options))  # the game and the mode exist
    log_dir = options.log_dir or Path(tempfile.mkdtemp(prefix="arena-chaos-"))
    log_dir.mkdir(parents=True, exist_ok=True)
    rng = random.Random(options.seed)
    logger.info("starting the stack (logs in %s)", log_dir)
    stack = await asyncio.to_thread(
        ChaosStack.start,
        log_dir,
        f"chaos-{uuid.uuid4().hex[:8]}",
        server_env(options),
        options.webs,
        options.engines,
    )
    players: list[ChaosPlayer] = []
    tasks: list[asyncio.Task[None]] = []
    faults: list[Fault] = []
    stored: dict[str, dict[str, Any]] = {}
    recorder = Recorder()
    monitor = asyncio.create_task(_watch_exits(stack))
    try:
        players = await asyncio.to_thread(_seat_players, stack, options, recorder, rng)
        recorder.started = time.monotonic()
        tasks = [asyncio.create_task(player.run()) for player in players]
        await _wait_seated(players)
        plan = FaultPlan(
            stack,
            players,
            rng,
            engine_restart_after=options.engine_restart_after,
            drop_share=options.drop_share,
            drop_reconnect_after=options.drop_reconnect_after,
            redis_down=options.redis_down,
        )
        faults = await _inject(plan, options, recorder.started)
        deadline = recorder.started + options.countdown + options.time_limit + END_MARGIN
        await _wait_done(players, deadline)
        stored = await asyncio.to_thread(_stored_matches, stack, players)
    finally:
        ended = time.monotonic()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        monitor.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await monitor
        await asyncio.to_thread(stack.stop)
    return _report(options, stack, players, faults, stored, recorder, ended, log_dir)


def mode_name(options: ChaosOptions) -> str:
    """The mode the run's matches are created in; ValueError for an unknown game or mode."""
    try:
        definition = game(options.game)
    except KeyError:
        raise ValueError(f"no game called {options.game!r}") from None
    if not options.mode:
        return seating_mode(definition, options.players).name
    try:
        mode = definition.mode(options.mode)
    except KeyError:
        raise ValueError(f"{options.game} has no mode {options.mode!r}") from None
    if not mode.min_players <= options.players <= mode.max_players:
        raise ValueError(f"a {options.game} {mode.name} match is not for {options.players}")
    return mode.name


def server_env(options: ChaosOptions) -> dict[str, str]:
    """The settings of every process of the stack: the game's matches run to their time limit
    (a score limit out of reach), where the game has these options."""
    env = {
        **option_env(
            {
                "time_limit": options.time_limit,
                "countdown": options.countdown,
                "score_limit": 1000,
            },
            [options.game],
        ),
        "ARENA_TICKET_TTL": "3600",
        "ARENA_RECONNECT_GRACE": f"{options.grace:g}",
        "ARENA_TICK_RATE": str(options.tick_rate),
        "ARENA_LOG_LEVEL": "INFO",
        **options.extra_env,
    }
    if options.database_url:
        env["DATABASE_URL"] = options.database_url
    return env


def _seat_players(
    stack: ChaosStack, options: ChaosOptions, recorder: Recorder, rng: random.Random
) -> list[ChaosPlayer]:
    """Create the matches and a ticket for each player (blocking)."""
    bases = stack.bases
    players = []
    body = {"game": options.game, "mode": mode_name(options), "max_players": options.players}
    for index in range(options.matches):
        base = bases[index % len(bases)]
        status, match = http_json("POST", f"{base}/api/matches/", body)
        if status != 201:
            raise RuntimeError(f"creating a match failed: {status} {match}")
        for seat in range(options.players):
            name = f"m{index}p{seat}"
            url = ticket_url(base, match, name)
            path = "/" + url.split("/", 3)[3]
            home = (index + seat) % len(bases)
            players.append(
                ChaosPlayer(
                    name,
                    match["id"],
                    path,
                    bases,
                    home,
                    options.grace,
                    recorder,
                    rng,
                    options.input_rate,
                )
            )
    return players


async def _wait_seated(players: list[ChaosPlayer]) -> None:
    deadline = time.monotonic() + SEAT_TIMEOUT
    while time.monotonic() < deadline:
        if all(p.player_id is not None or p.done.is_set() for p in players):
            break
        await asyncio.sleep(0.05)
    missing = [p.name for p in players if p.player_id is None]
    if missing:
        raise RuntimeError(f"players never got a WELCOME: {missing}")
    logger.info("%d players seated", len(players))


async def _inject(plan: FaultPlan, options: ChaosOptions, started: float) -> list[Fault]:
    """Each fault at its time (or once the one before it is done)."""
    faults = []
    for index, kind in enumerate(options.faults):
        due = started + options.pause + index * options.spacing
        await asyncio.sleep(max(0.0, due - time.monotonic()))
        if all(p.done.is_set() for p in plan.players):
            logger.warning("every player is done: %s and later faults are skipped", kind)
            break
        try:
            fault = await FAULTS[kind](plan)
        except Exception as exc:
            logger.exception("fault %s failed", kind)
            fault = Fault(kind, time.monotonic(), notes=[f"the fault itself failed: {exc!r}"])
        faults.append(fault)
        logger.info("fault %s done: %s", kind, "; ".join(fault.notes))
    return faults


async def _wait_done(players: list[ChaosPlayer], deadline: float) -> None:
    waiting = [asyncio.create_task(p.done.wait()) for p in players]
    try:
        await asyncio.wait(waiting, timeout=max(0.0, deadline - time.monotonic()))
    finally:
        for task in waiting:
            task.cancel()
    left = [p.name for p in players if not p.done.is_set()]
    if left:
        logger.warning("still playing at the deadline: %s", left)


async def _watch_exits(stack: ChaosStack) -> None:
    while True:
        await asyncio.sleep(EXIT_CHECK_INTERVAL)
        stack.check_exits()


def _stored_matches(stack: ChaosStack, players: list[ChaosPlayer]) -> dict[str, dict[str, Any]]:
    """Each match as the HTTP API tells it at the end (blocking)."""
    stored = {}
    for match_id in {p.match_id for p in players}:
        for base in stack.bases:
            try:
                status, body = http_json("GET", f"{base}/api/matches/{match_id}/")
            except OSError:
                continue
            if status == 200:
                stored[match_id] = body
                break
    return stored


def _report(
    options: ChaosOptions,
    stack: ChaosStack,
    players: list[ChaosPlayer],
    faults: list[Fault],
    stored: dict[str, dict[str, Any]],
    recorder: Recorder,
    ended: float,
    log_dir: Path,
) -> chaos_report.ChaosReport:
    shown = {k: (str(v) if isinstance(v, Path) else v) for k, v in asdict(options).items()}
    report = chaos_report.ChaosReport(
        options=shown,
        matches=chaos_report.match_outcomes(players, stored),
        faults=chaos_report.fault_figures(faults, players, recorder.started, ended),
        takeover=chaos_report.takeover_figures(faults),
        reconnects=chaos_report.reconnect_figures(players, options.grace),
        inputs=chaos_report.input_figures(players),
        timeline=chaos_report.timeline(recorder.per_second, ended - recorder.started),
        exits=[
            {"name": name, "code": code, "at_s": round(when - recorder.started, 1)}
            for name, code, when in stack.exits
        ],
        logs=chaos_report.log_findings(log_dir),
        log_dir=str(log_dir),
    )
    report.goals = chaos_report.goals(report, options.takeover_goal)
    return report


def parse_options(argv: list[str] | None = None) -> tuple[ChaosOptions, Path | None]:
    """The command line's options, and where to write the JSON report."""
    defaults = ChaosOptions()
    parser = argparse.ArgumentParser(
        prog="python -m loadtest.chaos",
        description="Start a stack, play matches with bots, inject faults, report what survived."
        " Needs redis-server on PATH.",
    )
    parser.add_argument("--game", default=defaults.game, help="a registered game's name")
    parser.add_argument("--mode", default="", help="default: the game's first for --players")
    parser.add_argument("--matches", type=int, default=defaults.matches)
    parser.add_argument("--players", type=int, default=defaults.players, help="per match")
    parser.add_argument(
        "--faults",
        default=",".join(defaults.faults),
        help=f"comma-separated, in order, from {','.join(FAULTS)}",
    )
    parser.add_argument("--pause", type=float, default=defaults.pause, help="s before the first")
    parser.add_argument("--spacing", type=float, default=defaults.spacing, help="s between faults")
    parser.add_argument("--time-limit", type=float, default=defaults.time_limit, help="s")
    parser.add_argument("--grace", type=float, default=defaults.grace, help="reconnect grace, s")
    parser.add_argument(
        "--input-rate",
        type=float,
        default=defaults.input_rate,
        help="INPUTs a second per player (a turn-based game's bots think for 1/rate s a move)",
    )
    parser.add_argument("--drop-share", type=float, default=defaults.drop_share)
    parser.add_argument("--redis-down", type=float, default=defaults.redis_down, help="s")
    parser.add_argument("--takeover-goal", type=float, default=defaults.takeover_goal, help="s")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--database-url", default=None, help="default: SQLite in the log dir")
    parser.add_argument("--logs", type=Path, default=None, help="default: a new temporary dir")
    parser.add_argument("--json", type=Path, default=None, help="also write the report here")
    args = parser.parse_args(argv)
    faults = tuple(kind.strip() for kind in args.faults.split(",") if kind.strip())
    unknown = set(faults) - set(FAULTS)
    if unknown:
        parser.error(f"unknown faults: {', '.join(sorted(unknown))}")
    options = ChaosOptions(
        game=args.game,
        mode=args.mode,
        input_rate=args.input_rate,
        matches=args.matches,
        players=args.players,
        faults=faults,
        pause=args.pause,
        spacing=args.spacing,
        time_limit=args.time_limit,
        grace=args.grace,
        drop_share=args.drop_share,
        redis_down=args.redis_down,
        takeover_goal=args.takeover_goal,
        seed=args.seed,
        database_url=args.database_url,
        log_dir=args.logs,
    )
    try:
        mode_name(options)
    except ValueError as exc:
        parser.error(str(exc))
    return options, args.json


def main(argv: list[str] | None = None) -> int:
    """Run the chaos run of the command line; 0 when every goal was met."""
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    options, json_path = parse_options(argv)
    schedule_end = options.pause + options.spacing * max(0, len(options.faults) - 1)
    if schedule_end + 10 > options.countdown + options.time_limit:
        logger.warning("the matches may end before the last fault: raise --time-limit")
    report = run_chaos(options)
    print(chaos_report.format_report(report))
    if json_path is not None:
        json_path.write_text(json.dumps(report.to_dict(), indent=2) + "\n")
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
