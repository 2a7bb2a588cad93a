"""The shooter's prediction in the browser (static/js/games/shooter/prediction.js) moves a ship
exactly as the engine does, double for double, from the rules of the WELCOME the server sends."""

from __future__ import annotations

import json
import random
import subprocess

import pytest

from engine.frames import encode_welcome
from engine.games.shooter.game import ShooterGame
from engine.games.shooter.rules import Rect, Rules
from engine.games.shooter.wire import Button
from engine.match import Match
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

# Reads {welcome: hex, runs: [{start: [x, y], buttons: [...]}]} on stdin; steps each run with
# prediction.js from the WELCOME's rules and prints every state.
SCRIPT = """
import { decode } from "@msgpack/msgpack";
import { parseWelcome } from "./static/js/core/protocol.js";
import { movementRules, stepMovement } from "./static/js/games/shooter/prediction.js";
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


def client_states(welcome: bytes, runs: list[dict]) -> list[list[list[float]]]:
    walks = [{"start": run["start"], "buttons": run["buttons"]} for run in runs]
    payload = json.dumps({"welcome": welcome.hex(), "runs": walks})
    result = subprocess.run(
        ["node", "--input-type=module", "-e", SCRIPT],
        cwd=ROOT,
        input=payload,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(result.stdout)


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
