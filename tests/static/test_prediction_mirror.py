"""The browser's prediction moves the own avatar exactly as the engine does, double for double,
from the rules of the WELCOME the server sends: the shooter's ship
(static/js/games/shooter/prediction.js) and football's player (static/js/games/football/), whose
prediction also stands still through the countdown and the pause after each goal, as the engine's
players do, fed with the frames the server sends."""

from __future__ import annotations

import json
import math
import random
import subprocess
from dataclasses import replace
from typing import Any

import pytest

from engine.codec import SnapshotEncoder
from engine.frames import encode_welcome
from engine.games.football.game import FootballGame
from engine.games.football.rules import FootballRules
from engine.games.football.simulation import Ball
from engine.games.football.wire import Button as FootballButton
from engine.games.shooter.game import ShooterGame
from engine.games.shooter.rules import Rect, Rules
from engine.games.shooter.wire import Button
from engine.match import Match
from engine.protocol import Phase
from loadtest.stack import ROOT

MOVES = [
    0,
    Button.UP,
    Button.DOWN,
    Button.LEFT,
    Button.RIGHT,
    Button.UP | Button.RIGHT,
    Button.UP | Button.LEFT,
    Button.DOWN | Button.RIGHT,
    Button.DOWN | Button.LEFT,
    Button.LEFT | Button.RIGHT,
    Button.UP | Button.DOWN | Button.LEFT,
    Button.FIRE | Button.RIGHT,
]

# Reads {welcome: hex, runs: [{start: [x, y], buttons: [...]}]} on stdin; steps each run with the
# game's movement (MODULE) from the WELCOME's rules and prints every state.
SCRIPT = """
import { decode } from "@msgpack/msgpack";
import { parseWelcome } from "./static/js/core/protocol.js";
import { movementRules, stepMovement } from "MODULE";
let input = "";
for await (const chunk of process.stdin) input += chunk;
const { welcome, runs } = JSON.parse(input);
const movement = movementRules(parseWelcome(decode(Buffer.from(welcome, "hex"))));
const out = runs.map(({ start, buttons }) => {
  let state = { x: start[0], y: start[1], vx: 0, vy: 0 };
  return buttons.map((b) => {
    state = stepMovement(state, b, movement);
    return [state.x, state.y, state.vx, state.vy];
  });
});
console.log(JSON.stringify(out));
"""


def engine_runs(rules: Rules, seed: int, runs: int, ticks: int) -> tuple[bytes, list[dict]]:
    """Random walks of one player through the engine: its WELCOME and every tick's state."""
    rng = random.Random(seed)
    game = ShooterGame(rules)
    match = Match(game, game.mode("ffa"), seed=seed, max_players=max(2, rules.min_players))
    player_id = match.add_player("Ada")
    player = match.sim.ships[player_id]
    welcome = encode_welcome(match, "m", player_id, spectators=0, reconnect_grace_ms=20_000)
    seq = 0
    out = []
    for _ in range(runs):
        if rng.random() < 0.5:  # start somewhere next to a wall or in a corner
            wall = rng.choice(rules.walls)
            x = rng.choice([wall.x - rules.player_radius - 1, wall.right + rules.player_radius + 1])
            y = rng.uniform(wall.y, wall.bottom)
            x = min(max(x, rules.player_radius), rules.arena_width - rules.player_radius)
        else:
            x = rng.choice([rules.player_radius, rules.arena_width - rules.player_radius])
            y = rng.uniform(rules.player_radius, rules.arena_height - rules.player_radius)
        player.x, player.y, player.vx, player.vy = x, y, 0.0, 0.0
        buttons: list[int] = []
        states: list[list[float]] = []
        held = 0
        for _ in range(ticks):
            if rng.random() < 0.2:
                held = int(rng.choice(MOVES))
            seq += 1
            assert match.apply_input(player_id, seq, (held, 0))
            match.step()
            assert player.alive and match.sim.ships[player_id] is player
            buttons.append(held)
            states.append([player.x, player.y, player.vx, player.vy])
        out.append({"start": [x, y], "buttons": buttons, "states": states})
    return welcome, out


SHOOTER_MOVEMENT = "./static/js/games/shooter/prediction.js"
FOOTBALL_MOVEMENT = "./static/js/games/football/movement.js"


def node(script: str, payload: dict[str, Any]) -> Any:
    """Run an ES module script with node from the repository root on a JSON payload."""
    result = subprocess.run(
        ["node", "--input-type=module", "-e", script],
        cwd=ROOT,
        input=json.dumps(payload),
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(result.stdout)


def client_states(
    welcome: bytes, runs: list[dict], module: str = SHOOTER_MOVEMENT
) -> list[list[list[float]]]:
    walks = [{"start": run["start"], "buttons": run["buttons"]} for run in runs]
    script = SCRIPT.replace("MODULE", module)
    return node(script, {"welcome": welcome.hex(), "runs": walks})


@pytest.mark.parametrize(
    "rules",
    [
        Rules(),
        Rules(
            tick_rate=30,
            arena_width=900.0,
            arena_height=700.0,
            walls=(Rect(100.0, 100.0, 25.0, 400.0), Rect(400.0, 300.0, 200.0, 30.0)),
            spawn_points=((50.0, 50.0),),
            player_radius=15.0,
            acceleration=3100.0,
            max_speed=333.0,
            friction=2500.0,
        ),
    ],
    ids=["default", "custom"],
)
def test_client_prediction_steps_like_the_engine(rules: Rules) -> None:
    welcome, runs = engine_runs(rules, seed=7, runs=12, ticks=400)
    predicted = client_states(welcome, runs)
    touched_wall = False
    for run, states in zip(runs, predicted, strict=True):
        pairs = zip(run["states"], states, strict=True)
        for tick, (engine_state, client_state) in enumerate(pairs):
            assert client_state == engine_state, f"tick {tick} from {run['start']}"
            x, y = engine_state[0], engine_state[1]
            r = rules.player_radius
            for wall in rules.walls:
                nx = min(max(x, wall.x), wall.right)
                ny = min(max(y, wall.y), wall.bottom)
                if abs((x - nx) ** 2 + (y - ny) ** 2 - r * r) < 1e-6:
                    touched_wall = True
    assert touched_wall, "the walks should push the player against walls"


FOOTBALL_MOVES = [
    0,
    FootballButton.UP,
    FootballButton.DOWN,
    FootballButton.LEFT,
    FootballButton.RIGHT,
    FootballButton.UP | FootballButton.RIGHT,
    FootballButton.DOWN | FootballButton.LEFT,
    FootballButton.LEFT | FootballButton.RIGHT,
    FootballButton.KICK | FootballButton.LEFT,
]
CUSTOM_FOOTBALL = FootballRules(
    tick_rate=30,
    pitch_width=900.0,
    pitch_height=520.0,
    goal_width=150.0,
    player_radius=14.0,
    acceleration=2700.0,
    max_speed=300.0,
    friction=1900.0,
    goal_pause=1.5,
)


def football_runs(rules: FootballRules, seed: int, runs: int, ticks: int) -> tuple[bytes, list]:
    """Random walks of a player alone on the pitch (warming up: it runs as in play), from its
    edges and corners: its WELCOME and every tick's state."""
    rng = random.Random(seed)
    game = FootballGame(rules)
    match = Match(game, game.mode("1v1"), seed=seed, max_players=2)
    player_id = match.add_player("Ada")
    player = match.sim.players[player_id]
    welcome = encode_welcome(match, "m", player_id, spectators=0, reconnect_grace_ms=20_000)
    r = rules.player_radius
    seq = 0
    out = []
    for _ in range(runs):
        x = rng.choice([r, rules.pitch_width - r, rng.uniform(r, rules.pitch_width - r)])
        y = rng.choice([r, rules.pitch_height - r, rng.uniform(r, rules.pitch_height - r)])
        player.x, player.y, player.vx, player.vy = x, y, 0.0, 0.0
        buttons: list[int] = []
        states: list[list[float]] = []
        held = 0
        for _ in range(ticks):
            if rng.random() < 0.2:
                held = int(rng.choice(FOOTBALL_MOVES))
            seq += 1
            assert match.apply_input(player_id, seq, (held, 0))
            match.step()
            assert match.phase is Phase.WAITING
            buttons.append(held)
            states.append([player.x, player.y, player.vx, player.vy])
        out.append({"start": [x, y], "buttons": buttons, "states": states})
    return welcome, out


@pytest.mark.parametrize("rules", [FootballRules(), CUSTOM_FOOTBALL], ids=["default", "custom"])
def test_football_prediction_steps_like_the_engine(rules: FootballRules) -> None:
    welcome, runs = football_runs(rules, seed=11, runs=12, ticks=300)
    predicted = client_states(welcome, runs, FOOTBALL_MOVEMENT)
    at_edge = False
    for run, states in zip(runs, predicted, strict=True):
        for tick, (engine_state, client_state) in enumerate(
            zip(run["states"], states, strict=True)
        ):
            assert client_state == engine_state, f"tick {tick} from {run['start']}"
            x, y = engine_state[0], engine_state[1]
            r = rules.player_radius
            at_edge |= x in (r, rules.pitch_width - r) or y in (r, rules.pitch_height - r)
    assert at_edge, "the walks should run into the pitch's edges"


# Reads {welcome, frames, buttons, lag} on stdin: a client `lag` ticks away from the server each
# way. On each client tick c it takes the frame of server tick c - lag (decoded by wire-state.js
# as the browser does, reconciled as core/play.js does), then sends INPUT c; it prints the
# predicted state after each INPUT.
MATCH_SCRIPT = """
import { decode } from "@msgpack/msgpack";
import { parseWelcome } from "./static/js/core/protocol.js";
import { SnapshotChain } from "./static/js/core/wire-state.js";
import { FootballPredictor } from "./static/js/games/football/prediction.js";
let input = "";
for await (const chunk of process.stdin) input += chunk;
const { welcome, frames, buttons, lag } = JSON.parse(input);
const info = parseWelcome(decode(Buffer.from(welcome, "hex")));
const chain = new SnapshotChain();
chain.start(info.schema, info.teams);
const predictor = new FootballPredictor();
predictor.reset(info);
const tickMs = 1000 / info.tickRate;
let seen = false;
const out = buttons.map((held, index) => {
  const c = index + 1;
  if (c - lag >= 1) {
    const { snapshot } = chain.receive(decode(Buffer.from(frames[c - lag - 1], "hex")), c * tickMs);
    const self = snapshot.collections.players.get(info.playerId) ?? null;
    const context = { respawned: self !== null && !seen, phase: snapshot.phase, snapshot };
    seen = self !== null;
    predictor.reconcile(self, self ? self.ack : null, c * tickMs, context);
  }
  predictor.input(c, [held, 0], c * tickMs + 1);
  const state = predictor.state;
  return state && predictor.predicting ? [state.x, state.y, state.vx, state.vy] : null;
});
console.log(JSON.stringify(out));
"""


def football_match(rules: FootballRules, lag: int, seed: int, ticks: int, goals: list[int]):
    """A 1 vs 1 match through the engine: Ada runs about, Bo stands; each INPUT of Ada's reaches
    the engine `lag` ticks after it was sent, and the ball is put in front of the right goal on
    each tick of `goals` (a goal, the pause, the kick-off). Ada's WELCOME, a frame per tick, her
    buttons, her state after each tick, the ticks she touched Bo on, and the goals' ticks."""
    rng = random.Random(seed)
    game = FootballGame(rules)
    match = Match(game, game.mode("1v1"), seed=seed, max_players=2)
    ada = match.add_player("Ada")
    match.add_player("Bo")
    welcome = encode_welcome(match, "m", ada, spectators=0, reconnect_grace_ms=20_000)
    encoder = SnapshotEncoder(game.state, game.tick_rate)
    sim = match.sim
    buttons: list[int] = []
    held = 0
    for _ in range(ticks):
        if rng.random() < 0.15:
            held = int(rng.choice(FOOTBALL_MOVES[:-1]))  # no kicks: the ball stays out of it
        buttons.append(held)
    frames: list[str] = []
    states: list[list[float]] = []
    contacts: set[int] = set()
    scored: list[int] = []
    for tick in range(1, ticks + 1):
        seq = tick - lag
        if seq >= 1:
            assert match.apply_input(ada, seq, (buttons[seq - 1], 0))
        if tick in goals and match.phase is Phase.RUNNING and not sim.paused:
            sim.ball = Ball(rules.pitch_width - 3, rules.pitch_height / 2, rules.ball_max_speed, 0)
        events = match.step()
        assert match.tick == tick and match.phase is not Phase.ENDED
        scored += [tick for event in events if event[0] == 1]
        encoded = encoder.encode(match, events, 1_795_600_000_000 + tick * 50, False)
        assert encoded is not None
        frame = encoded.delta if encoded.delta is not None else encoded.keyframe
        frames.append(frame.hex())
        a, b = sim.players[0], sim.players[1]
        states.append([a.x, a.y, a.vx, a.vy])
        if math.hypot(a.x - b.x, a.y - b.y) < 2 * rules.player_radius + 1:
            contacts.add(tick)
    return welcome, frames, buttons, states, contacts, scored


@pytest.mark.parametrize(
    ("rules", "lag"),
    [(FootballRules(countdown=1.0), 2), (replace(CUSTOM_FOOTBALL, countdown=1.5), 3)],
    ids=["default-100ms", "custom-150ms"],
)
def test_football_prediction_holds_still_when_the_engine_does(
    rules: FootballRules, lag: int
) -> None:
    """The predicted player after INPUT c is where the engine has it once it applied INPUT c
    (`lag` ticks later), through the countdown, the goals' pauses and their kick-offs; only
    what the client cannot know yet differs: a goal it has not seen (INPUTs sent within `lag`
    ticks before it) and pushes by the other player."""
    pause = round(rules.goal_pause * rules.tick_rate)
    start = 1 + round(rules.countdown * rules.tick_rate)
    goals = [start + 40, start + 60 + pause]
    ticks = goals[-1] + pause + 80
    welcome, frames, buttons, states, contacts, scored = football_match(
        rules, lag, seed=5, ticks=ticks, goals=goals
    )
    assert scored == goals, "a goal on each of those ticks"
    payload = {"welcome": welcome.hex(), "frames": frames, "buttons": buttons, "lag": lag}
    predicted = node(MATCH_SCRIPT, payload)
    compared = {"countdown": 0, "pause": 0, "resume": 0, "play": 0}
    for c, state in enumerate(predicted, start=1):
        applied = c + lag  # the tick the engine applies INPUT c on
        if applied > ticks:
            break
        unforeseen = any(goal - lag <= c < goal + lag for goal in goals)
        pushed = any(abs(tick - c) <= lag + 1 for tick in contacts)
        if c <= lag or unforeseen or pushed:
            continue
        assert state is not None, f"INPUT {c} is predicted"
        engine = states[applied - 1]
        for axis in range(2):
            assert abs(state[axis] - engine[axis]) < 0.06, f"INPUT {c}: {state} vs {engine}"
        assert state[2:] == engine[2:], f"INPUT {c}: velocity {state} vs {engine}"
        in_pause = any(goal <= applied < goal + pause for goal in goals)
        resumed = any(goal + pause <= applied < goal + pause + 5 for goal in goals)
        kind = (
            "countdown"
            if applied < start
            else "pause"
            if in_pause
            else "resume"
            if resumed
            else "play"
        )
        compared[kind] += 1
    assert compared["countdown"] > 5 and compared["pause"] >= pause, compared
    assert compared["resume"] >= 8 and compared["play"] > 100, compared
