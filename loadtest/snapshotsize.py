"""Snapshot size bench: the bytes a client receives per tick, against naive keyed JSON.

    python -m loadtest.bench snapshot-size [--seconds 60] [--players 8] [--seed 1]
        [--workload default|reference] [--fog-radius U] [--json PATH]

A pure simulation, no server and no Django: one shooter ``engine.match.Match`` of ``--players``
scripted bots (rules: the defaults, with a time and score limit nobody reaches, so the match
keeps running), encoded tick after tick by ``engine.codec.SnapshotEncoder`` with a KEYFRAME
every second (``keyframe_interval = tick_rate``), as the engine worker does. Every bot joins
before the first tick, so the player set never changes; every ~0.5 s (0.3 to 0.7 s at random)
it picks a new direction (one of the 8, or none) and aim at random, and holds fire about half
of the time, which keeps some ten bullets in flight with 8 players. Like the browser client it
sends an INPUT every tick (so every player's ``ack`` moves on every tick).

Per tick it counts what ``game.stream.SnapshotStream`` sends a client that keeps up: the DELTA
when the tick has one, else the KEYFRAME. A snapshot is shared by the match, so every player
receives exactly one such frame per tick: "bytes per player per tick" is that frame. Sizes are
on the wire: the msgpack payload plus the server's WebSocket frame header (2 bytes below 126
payload bytes, 4 below 65536, else 10; server frames are not masked).

The comparison is the same state sent naively, as "full keyed JSON every tick": one text frame
per tick ``{"type": "snapshot", "tick", "time" (server ms), "phase", "phase_ms_left",
"players": [{"id", "name", "x", "y", "aim", "health", "alive", "protected", "score",
"deaths", "ack"}], "bullets": [{"id", "owner", "x", "y", "vx", "vy"}], "events": [{"type", …}]}``
with ``json.dumps``' default separators and the simulation's own floats (not quantized; bullet
velocities in units per second), plus its frame header. The report gives both means per tick
and their ratio (the goal: at most 15 %), the KEYFRAME and DELTA sizes apart (mean, p50, p99,
max), and the mean number of bullets in flight and of players that moved during the tick.

With ``--fog-radius`` above 0 the match plays with the shooter's fog of war, and the report adds
what each player is sent of its own view (``engine.views``: the ships and bullets it sees, the
others' ``ack`` hidden), DELTA or KEYFRAME as the worker encodes them, per player per tick.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.codec import SnapshotEncoder
from engine.games.shooter.game import ShooterGame
from engine.games.shooter.rules import Rules
from engine.games.shooter.wire import POSITION_SCALE, Button, EventKind
from engine.match import Match
from engine.views import ViewEncoders, view_groups

SERVER_MS_START = 1_760_000_000_000  # a realistic Unix time in ms: the wire int is as wide
GOAL_RATIO = 0.15
DIRECTIONS = (
    0,
    Button.UP,
    Button.DOWN,
    Button.LEFT,
    Button.RIGHT,
    Button.UP | Button.LEFT,
    Button.UP | Button.RIGHT,
    Button.DOWN | Button.LEFT,
    Button.DOWN | Button.RIGHT,
)
FIRE_SHARE = 0.5
CHANGE_EVERY_S = (0.3, 0.7)  # a bot's next decision comes after this many seconds (uniform)


def ws_header_bytes(payload: int) -> int:
    """The length of an unmasked (server to client) WebSocket frame header."""
    if payload < 126:
        return 2
    if payload < 65536:
        return 4
    return 10


REFERENCE_FIRE_SHARE = 0.6  # keeps some ten bullets in flight with 8 players
REFERENCE_TURN_MRAD = 60  # the fastest a reference bot's aim turns in a tick (a mouse moving)
REFERENCE_TURN_CHANGE = 10  # how much its turn rate changes in a tick, at most


@dataclass
class Bot:
    """One scripted player: the buttons and aim it holds until its next decision.

    A ``reference`` bot (the reference workload) always moves, holds fire more often and turns
    its aim every tick, at a rate that drifts a little from tick to tick, as a player's mouse
    does.
    """

    player_id: int
    seq: int = 0
    next_change: int = 0  # tick
    reference: bool = False
    turn_mrad: int = 0  # a reference bot's aim turns this much a tick (smoothly changing)

    buttons: int = 0
    aim_mrad: int = 0

    def decide(self, match: Match, rng: random.Random) -> None:
        """Send this tick's INPUT, with new buttons and aim when it is time to pick them."""
        if match.tick >= self.next_change:
            self.buttons = int(rng.choice(DIRECTIONS[1:] if self.reference else DIRECTIONS))
            if rng.random() < (REFERENCE_FIRE_SHARE if self.reference else FIRE_SHARE):
                self.buttons |= int(Button.FIRE)
            self.aim_mrad = rng.randint(-3142, 3142)  # as the client sends it
            low, high = CHANGE_EVERY_S
            rate = match.game.tick_rate
            self.next_change = match.tick + max(1, round(rng.uniform(low, high) * rate))
        elif self.reference:
            change = rng.randint(-REFERENCE_TURN_CHANGE, REFERENCE_TURN_CHANGE)
            limit = REFERENCE_TURN_MRAD
            self.turn_mrad = max(-limit, min(limit, self.turn_mrad + change))
            self.aim_mrad = (self.aim_mrad + self.turn_mrad + 3142) % 6284 - 3142
        self.seq += 1
        match.apply_input(self.player_id, self.seq, (self.buttons, self.aim_mrad))


def _event_json(event: list[int]) -> dict[str, Any]:
    kind, *args = event
    if kind == EventKind.KILL:
        return {"type": "kill", "killer": args[0], "victim": args[1]}
    if kind == EventKind.HIT:
        return {"type": "hit", "shooter": args[0], "victim": args[1], "damage": args[2]}
    if kind == EventKind.SPAWN:
        return {"type": "spawn", "player": args[0]}
    raise TypeError(f"unknown event {event!r}")


def naive_json(match: Match, events: list[list[int]], server_ms: int) -> str:
    """The tick as one full keyed JSON object, floats as the simulation holds them."""
    per_second = match.game.tick_rate / POSITION_SCALE
    sim = match.sim
    return json.dumps(
        {
            "type": "snapshot",
            "tick": match.tick,
            "time": server_ms,
            "phase": match.phase.name.lower(),
            "phase_ms_left": match.phase_ms_left(),
            "players": [
                {
                    "id": p.id,
                    "name": match.seats[p.id].name,
                    "x": p.x,
                    "y": p.y,
                    "aim": p.aim,
                    "health": p.health,
                    "alive": p.alive,
                    "protected": sim.is_protected(p),
                    "score": p.score,
                    "deaths": p.deaths,
                    "ack": match.seats[p.id].last_seq,
                }
                for p in sim.ships_in_play
            ],
            "bullets": [
                {
                    "id": b.id,
                    "owner": b.owner,
                    "x": b.x,
                    "y": b.y,
                    "vx": b.step_x * per_second,
                    "vy": b.step_y * per_second,
                }
                for b in sim.bullets
            ],
            "events": [_event_json(event) for event in events],
        }
    )


def _percentile(ordered: list[int], fraction: float) -> int:
    rank = math.ceil(fraction * len(ordered))
    return ordered[min(len(ordered), max(1, rank)) - 1]


def size_stats(sizes: list[int]) -> dict[str, Any]:
    """Count, mean, p50, p99 and max of frame sizes in bytes."""
    if not sizes:
        return {"count": 0, "mean": None, "p50": None, "p99": None, "max": None}
    ordered = sorted(sizes)
    return {
        "count": len(sizes),
        "mean": round(statistics.fmean(sizes), 1),
        "p50": _percentile(ordered, 0.50),
        "p99": _percentile(ordered, 0.99),
        "max": ordered[-1],
    }


def measure_snapshot_sizes(
    seconds: float = 60.0,
    players: int = 8,
    seed: int = 1,
    reference: bool = False,
    fog_radius: float = 0.0,
) -> dict:
    """Run the scripted match for ``seconds`` of simulated time; the size report
    (``reference``: the reference workload's bots, ``Bot``; ``fog_radius``: also each
    player's own view with the shooter's fog of war, engine.views)."""
    # the match keeps running
    rules = Rules(time_limit=3600, score_limit=10**6, fog_radius=fog_radius)
    if players < rules.min_players:
        raise ValueError(f"a match needs at least {rules.min_players} players")
    game = ShooterGame(rules)
    rate = game.tick_rate
    ticks = max(1, round(seconds * rate))
    rng = random.Random(seed)
    match = Match(game, game.mode("ffa"), seed, players)
    bots = [Bot(match.add_player(f"bot{i}"), reference=reference) for i in range(players)]
    encoder = SnapshotEncoder(game.state, keyframe_interval=rate)
    views = ViewEncoders(game.state, keyframe_interval=rate)
    view_frames: list[int] = []  # wire bytes of each player's own view, either kind

    keyframes: list[int] = []  # wire bytes of the KEYFRAMEs a client that keeps up gets
    deltas: list[int] = []
    any_keyframe: list[int] = []  # the KEYFRAME of every tick: what a resync costs
    received: list[int] = []  # wire bytes per tick, either kind
    payloads: list[int] = []
    naive: list[int] = []
    bullets = 0
    moving = 0
    phases: dict[str, int] = {}
    for _ in range(ticks):
        for bot in bots:
            bot.decide(match, rng)
        before = {p.id: (p.x, p.y) for p in match.sim.ships_in_play}
        events = match.step()
        server_ms = SERVER_MS_START + round(match.tick * 1000 / rate)
        encoded = encoder.encode(match, events, server_ms)
        assert encoded is not None and encoded.keyframe is not None
        of_player, groups = view_groups(match.sim, match.ctx.seated())
        if groups:
            own = views.encode_groups(match, groups, events, server_ms, with_keyframe=False)
            for group in of_player.values():
                sent = own[group].delta or own[group].keyframe
                assert sent is not None
                view_frames.append(len(sent) + ws_header_bytes(len(sent)))
        frame = encoded.delta if encoded.delta is not None else encoded.keyframe
        wire = len(frame) + ws_header_bytes(len(frame))
        (deltas if encoded.delta is not None else keyframes).append(wire)
        any_keyframe.append(len(encoded.keyframe) + ws_header_bytes(len(encoded.keyframe)))
        received.append(wire)
        payloads.append(len(frame))
        text = naive_json(match, events, server_ms).encode()
        naive.append(len(text) + ws_header_bytes(len(text)))
        bullets += len(match.sim.bullets)
        moving += sum(
            1 for p in match.sim.ships_in_play if p.alive and (p.x, p.y) != before.get(p.id)
        )
        phase = match.phase.name.lower()
        phases[phase] = phases.get(phase, 0) + 1

    mean_received = statistics.fmean(received)
    mean_naive = statistics.fmean(naive)
    return {
        "seconds": ticks / rate,
        "ticks": ticks,
        "tick_rate": rate,
        "players": players,
        "seed": seed,
        "workload": "reference" if reference else "default",
        "keyframe_interval_ticks": rate,
        "phases": phases,
        "bytes_per_tick": round(mean_received, 1),  # what one client receives, WS header incl.
        "bytes_per_player_per_tick": round(mean_received, 1),  # one shared frame per player
        "bytes_per_client_per_s": round(mean_received * rate, 1),
        "payload_bytes_per_tick": round(statistics.fmean(payloads), 1),
        "keyframe": size_stats(keyframes),
        "delta": size_stats(deltas),
        "keyframe_every_tick": size_stats(any_keyframe),
        "naive_json": size_stats(naive),
        "naive_json_bytes_per_tick": round(mean_naive, 1),
        "ratio": round(mean_received / mean_naive, 4),
        "goal_ratio": GOAL_RATIO,
        "mean_bullets": round(bullets / ticks, 2),
        "mean_moving_players": round(moving / ticks, 2),
        "fog_radius": fog_radius,
        "view_bytes_per_player_per_tick": (
            round(statistics.fmean(view_frames), 1) if view_frames else None
        ),
    }


def format_report(report: dict[str, Any]) -> str:
    """The report as text."""

    def sizes(stats: dict[str, Any]) -> str:
        if not stats["count"]:
            return "none"
        return (
            f"{stats['count']:>5} frames, mean {stats['mean']:.1f}, p50 {stats['p50']}, "
            f"p99 {stats['p99']}, max {stats['max']}"
        )

    verdict = "meets" if report["ratio"] <= report["goal_ratio"] else "MISSES"
    phases = ", ".join(f"{name} {n}" for name, n in report["phases"].items())
    return "\n".join(
        [
            f"snapshot size ({report['workload']} workload): {report['players']} players, "
            f"{report['seconds']:g} s at "
            f"{report['tick_rate']} Hz ({report['ticks']} ticks: {phases}), seed "
            f"{report['seed']}, KEYFRAME every {report['keyframe_interval_ticks']} ticks",
            "bytes are on the wire: payload + WebSocket frame header",
            f"mean bullets in flight {report['mean_bullets']:.1f}, "
            f"mean moving players {report['mean_moving_players']:.1f}",
            "",
            f"binary, per tick per client   {report['bytes_per_tick']:8.1f} B "
            f"({report['bytes_per_client_per_s'] / 1000:.2f} kB/s per client)",
            f"  KEYFRAME (sent)            {sizes(report['keyframe'])}",
            f"  DELTA                      {sizes(report['delta'])}",
            f"  KEYFRAME (any tick)        {sizes(report['keyframe_every_tick'])}",
            f"naive keyed JSON, per tick    {report['naive_json_bytes_per_tick']:8.1f} B",
            f"  JSON                       {sizes(report['naive_json'])}",
            f"ratio binary / JSON           {100 * report['ratio']:8.1f} % "
            f"({verdict} the goal of {100 * report['goal_ratio']:.0f} %)",
            f"bytes per player per tick     {report['bytes_per_player_per_tick']:8.1f} B "
            "(a snapshot is shared: each player receives one frame per tick)",
        ]
        + (
            [
                f"own view bytes per player/tick {report['view_bytes_per_player_per_tick']:8.1f} B "
                f"(fog of war, radius {report['fog_radius']:g} u: each player its own frame)"
            ]
            if report.get("view_bytes_per_player_per_tick") is not None
            else []
        )
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``snapshot-size`` command's options."""
    parser.add_argument("--seconds", type=float, default=60.0, help="simulated seconds")
    parser.add_argument("--players", type=int, default=8)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--workload",
        choices=("default", "reference"),
        default="default",
        help="reference: every player always moves, turns its aim every tick, fires more",
    )
    parser.add_argument(
        "--fog-radius",
        type=float,
        default=0.0,
        help="also measure each player's own view with the shooter's fog of war (u; 0: off)",
    )
    parser.add_argument("--json", type=Path, help="also write the report here")


def command(args: argparse.Namespace) -> int:
    """Run the snapshot size bench from parsed arguments; an exit status."""
    if args.seconds <= 0 or args.players < 2:
        raise SystemExit("--seconds must be positive and --players at least 2")
    report = measure_snapshot_sizes(
        args.seconds, args.players, args.seed, args.workload == "reference", args.fog_radius
    )
    print(format_report(report))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))
    return 0
