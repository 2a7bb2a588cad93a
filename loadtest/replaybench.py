"""Replay bench: bytes per recorded minute and recording CPU, per game, with no server.

    python -m loadtest.bench replay [--seconds 60] [--games shooter:8,football:6] [--seed 1]
                                    [--json PATH]

For each ``game:players`` it runs one match on a real ``EngineWorker`` (the in-memory channel
layer, no Redis, no Django) with a ``ReplayRecorder`` writing to a temporary folder, its
players the game's own bots (``Game.make_bot``) deciding from the state the published stream
rebuilds, as fast as the machine steps it, for ``--seconds`` of match time after the countdown.
It reports:

- the uncompressed stream: the bytes of every KEYFRAME, DELTA and RESULT frame the worker
  published (what the recording keeps), and the records as a segment holds them before zstd;
- the replay: the bytes of its segment files, per recorded minute, and their share of the
  uncompressed stream (the goal: at most 40 %);
- CPU per recorded minute and per three-minute match, off the tick path: the engine's writer
  thread (resuming, writing files) and the compressor's process (taking the frames apart into
  columns, checking they read back byte for byte, zstd), as the deployment runs them
  (``ProcessCompressor``); and the tick path's share (the appends the worker makes, timed by
  handing the same messages to a fresh recording), per tick.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import tempfile
import time
from pathlib import Path
from typing import Any

from channels.layers import InMemoryChannelLayer

from engine import messages
from engine.bots import Bot, BotView
from engine.games import configured_games
from engine.protocol import unpack
from engine.registry import MemoryEngineRegistry
from engine.replay.compressor import ProcessCompressor
from engine.replay.format import pack_records
from engine.replay.recorder import ReplayRecorder
from engine.replay.recording import MatchRecording, ReplayMeta
from engine.replay.storage import FolderReplayStorage
from engine.wirestate import apply_frame
from engine.worker import EngineWorker
from loadtest.games import seating_mode

GOAL_SHARE = 0.40
MATCH_MINUTES = 3.0  # what "per match" means: a match of the default time limit
DEFAULT_GAMES = "shooter:8,football:6"
INPUT_SECONDS = 0.1  # a bot decides this often


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``replay`` subcommand's options."""
    parser.add_argument("--seconds", type=float, default=60.0, help="match time recorded")
    parser.add_argument(
        "--games", default=DEFAULT_GAMES, help="game:players pairs, comma-separated"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path, help="also write the report as JSON here")


class BotPlayer:
    """A seated bot following the published stream as its socket would."""

    def __init__(self, bot: Bot, joined: dict[str, Any], match_id: str) -> None:
        self.bot = bot
        self.view = BotView.from_welcome(unpack(joined["welcome"])[1])
        self.player_id = joined["player_id"]
        self.match_id = match_id
        self.seq = 0

    def follow(self, message: dict[str, Any]) -> None:
        state = self.view.state
        if (
            message["delta"] is not None
            and state is not None
            and state.tick == message["base_tick"]
        ):
            frame = message["delta"]
        else:
            frame = message["keyframe"]
            state = None
        if frame is not None:
            self.view.state = apply_frame(self.view.schema, state, unpack(frame))

    def input(self, now: float) -> list[Any] | None:
        values = self.bot.decide(self.view, now)
        if values is None:
            return None
        self.seq += 1
        return [self.match_id, self.player_id, self.seq, *values]


async def record_match(game_name: str, players: int, seconds: float, seed: int) -> dict[str, Any]:
    """One recorded match of ``game_name``; its sizes and costs."""
    games = configured_games({})
    definition = games[game_name]
    mode = seating_mode(definition, players)
    with tempfile.TemporaryDirectory(prefix="arena-replay-bench-") as folder:
        compressor = ProcessCompressor()
        recorder = ReplayRecorder(FolderReplayStorage(folder), compress=compressor)
        layer = InMemoryChannelLayer()
        worker = EngineWorker(layer, MemoryEngineRegistry(), games, recorder=recorder)
        match_id = "bench"
        hosted = worker.handle_create(match_id, game_name, mode.name, players, seed)
        assert hosted is not None
        rng = random.Random(seed)
        bots = []
        for index in range(players):
            channel = await layer.new_channel()
            name = f"bot{index}"
            join = {"type": messages.JOIN, "match_id": match_id, "name": name, "player_key": name}
            await worker.handle({**join, "reply_to": channel})
            joined = await layer.receive(channel)
            assert joined["type"] == messages.JOINED, joined
            bots.append(BotPlayer(definition.make_bot(rng), joined, match_id))
        rate = definition.tick_rate
        period = max(1, round(INPUT_SECONDS * rate))
        published: list[dict[str, Any]] = []
        started_tick: int | None = None
        match = hosted.match
        ticks = 0
        while match_id in worker.matches:
            played = match.tick - (started_tick if started_tick is not None else match.tick)
            if match.result is None and started_tick is not None and played >= seconds * rate:
                break
            if started_tick is None and match.phase_wire != 0:
                started_tick = match.tick
            if ticks % period == 0:
                entries = [e for bot in bots if (e := bot.input(match.tick / rate)) is not None]
                await worker.handle({"type": messages.INPUTS, "inputs": entries})
            await worker.tick()
            ticks += 1
            outbox = worker.publisher._outbox
            while not outbox.empty():
                for _, message in outbox.get_nowait():
                    published.append(message)
                    if message["type"] == messages.SNAPSHOT:
                        for bot in bots:
                            bot.follow(message)
            if ticks % (2 * rate) == 0:
                await recorder.flush()  # as the recorder's task does, every two seconds
        if match.result is None:
            match.interrupt()
            worker._finish(hosted)  # the match ends here: its RESULT is recorded
            worker._close(hosted)
        await recorder.flush()
        recorder.close()
        storage = FolderReplayStorage(folder)
        replay_bytes = sum(s.size for s in storage.segments(match_id))
        segments = len(storage.segments(match_id))

    frames = [m for m in published if m["type"] in (messages.SNAPSHOT, messages.RESULT)]
    stream_bytes = 0
    for message in frames:
        for key in ("keyframe", "delta", "frame"):
            if message.get(key) is not None:
                stream_bytes += len(message[key])
    meta = ReplayMeta(match_id, game_name, mode.name, rate, definition.wire_schema)
    tick_path = MatchRecording(meta, max(1, round(10 * rate)))
    added = time.perf_counter()
    for message in frames:
        tick_path.add(message)
    tick_path_seconds = time.perf_counter() - added
    tick_path.end(None)
    records_bytes = len(pack_records(r for s in tick_path.take_sealed() for r in s))
    snapshots = [m for m in published if m["type"] == messages.SNAPSHOT]
    recorded_ticks = snapshots[-1]["tick"] - snapshots[0]["tick"] + 1 if snapshots else 0
    minutes = recorded_ticks / rate / 60
    return {
        "game": game_name,
        "mode": mode.name,
        "players": players,
        "tick_rate": rate,
        "recorded_seconds": round(recorded_ticks / rate, 1),
        "snapshots": len(snapshots),
        "segments": segments,
        "stream_bytes": stream_bytes,
        "records_bytes": records_bytes,
        "replay_bytes": replay_bytes,
        "replay_bytes_per_minute": round(replay_bytes / minutes) if minutes else 0,
        "stream_bytes_per_minute": round(stream_bytes / minutes) if minutes else 0,
        "share_of_stream": round(replay_bytes / stream_bytes, 4) if stream_bytes else 0.0,
        "writer_cpu_ms_per_minute": round(recorder.cpu_seconds * 1000 / minutes, 2),
        "compressor_cpu_ms_per_minute": round(compressor.cpu_seconds * 1000 / minutes, 2),
        "writer_cpu_ms_per_match": round(recorder.cpu_seconds * 1000 / minutes * MATCH_MINUTES, 1),
        "tick_path_us_per_tick": round(tick_path_seconds * 1e6 / max(1, len(snapshots)), 3),
        "lost": recorder.lost,
    }


def measure(games: str, seconds: float, seed: int) -> dict[str, Any]:
    """Every ``game:players`` case, one after the other."""
    cases = []
    for spec in games.split(","):
        name, _, players = spec.strip().partition(":")
        cases.append(asyncio.run(record_match(name, int(players or 2), seconds, seed)))
    return {"seconds": seconds, "seed": seed, "goal_share": GOAL_SHARE, "cases": cases}


def format_report(report: dict[str, Any]) -> str:
    """The report as a table."""
    lines = [
        f"{report['seconds']:g} s of match time per game, seed {report['seed']}",
        "game       players  recorded  stream/min  replay/min  share  goal   CPU/min (engine"
        " + compressor)  per 3-min match  tick path/tick",
    ]
    for case in report["cases"]:
        ok = "ok" if case["share_of_stream"] <= report["goal_share"] else "OVER"
        lines.append(
            f"{case['game']:<10} {case['players']:>7}  {case['recorded_seconds']:>6.1f} s"
            f"  {case['stream_bytes_per_minute'] / 1024:>7.1f} KiB"
            f"  {case['replay_bytes_per_minute'] / 1024:>7.1f} KiB"
            f"  {case['share_of_stream'] * 100:>4.1f} %  {ok:<5}"
            f"  {case['writer_cpu_ms_per_minute']:>7.1f} ms"
            f" ({case['writer_cpu_ms_per_minute'] - case['compressor_cpu_ms_per_minute']:.1f}"
            f" + {case['compressor_cpu_ms_per_minute']:.1f})"
            f"  {case['writer_cpu_ms_per_match']:>12.1f} ms"
            f"  {case['tick_path_us_per_tick']:>10.2f} µs"
        )
    return "\n".join(lines)


def command(args: argparse.Namespace) -> int:
    """``python -m loadtest.bench replay``: 1 if a game's replay is over the goal."""
    report = measure(args.games, args.seconds, args.seed)
    print(format_report(report))
    if args.json is not None:
        args.json.write_text(json.dumps(report, indent=2))
    lost = any(case["lost"] for case in report["cases"])
    over = any(case["share_of_stream"] > GOAL_SHARE for case in report["cases"])
    return 1 if lost or over else 0
