"""The browser rebuilds every game's snapshots exactly as engine/wirestate.py does.

Each registered game is played by its bots through the runtime's ``Match``, with players leaving
and joining on the way; ``engine.codec`` encodes every tick (on change for the games that send
snapshots on change), and static/js/core/wire-state.js applies the same frames from the schema
of the WELCOME: its state after each frame is the KEYFRAME Python's ``apply_frame`` rebuilds,
and its decoded values are the wire values divided by their fields' scales.
"""

from __future__ import annotations

import json
import random
import subprocess
from typing import Any

import pytest

from engine.bots import BotView
from engine.codec import SnapshotEncoder
from engine.frames import encode_welcome
from engine.game import Game
from engine.games import game_classes
from engine.match import Match
from engine.protocol import unpack
from engine.schema import StateSchema
from engine.wirestate import WireState, apply_frame
from loadtest.stack import ROOT

pytestmark = pytest.mark.timeout(120)
TICKS = 600

# Reads {welcome: hex, frames: [hex]} on stdin; applies the frames with wire-state.js and prints,
# for each, the KEYFRAME of the state held and its decoded collections and globals.
SCRIPT = """
import { decode } from "@msgpack/msgpack";
import { parseWelcome } from "./static/js/core/protocol.js";
import { SnapshotChain, toKeyframe } from "./static/js/core/wire-state.js";
let input = "";
for await (const chunk of process.stdin) input += chunk;
const { welcome, frames } = JSON.parse(input);
const info = parseWelcome(decode(Buffer.from(welcome, "hex")));
const chain = new SnapshotChain();
chain.start(info.schema, info.teams);
const out = frames.map((hex) => {
  const { snapshot, resync } = chain.receive(decode(Buffer.from(hex, "hex")), 0);
  if (!snapshot || resync) return null;
  const collections = Object.fromEntries(
    Object.entries(snapshot.collections).map(([name, rows]) => [name, [...rows.values()]]),
  );
  return {
    keyframe: toKeyframe(chain.state),
    collections,
    globals: snapshot.globals,
    events: snapshot.events,
    roster: snapshot.roster,
  };
});
console.log(JSON.stringify(out));
"""


def play(game: Game, seed: int) -> tuple[bytes, list[bytes]]:
    """A match of ``game`` played by bots for TICKS ticks: the first player's WELCOME and the
    frames one socket gets (a KEYFRAME first, then DELTAs and the periodic KEYFRAMEs)."""
    rng = random.Random(seed)
    mode = max(game.modes, key=lambda m: m.max_players)
    match = Match(game, mode, seed, mode.max_players, reconnect_grace=5.0)
    encoder = SnapshotEncoder(game.state, game.tick_rate)
    players = {match.add_player(f"bot{i}"): [game.make_bot(rng), 0] for i in range(2)}
    welcome = encode_welcome(match, "m", next(iter(players)), 0, 5000)
    views = {pid: _view(match, pid) for pid in players}
    on_change = game.snapshots == "on_change"
    frames: list[bytes] = []
    for _ in range(TICKS):
        if rng.random() < 0.01 and len(players) < mode.max_players:  # someone joins
            try:
                pid = match.add_player(f"late{len(views)}")
            except Exception:  # the game may refuse a seat (Connect Four's third player)
                pid = None
            if pid is not None:
                players[pid] = [game.make_bot(rng), 0]
                views[pid] = _view(match, pid)
                if encoder.tick is not None:  # its socket starts from the tick encoded last
                    keyframe = encoder.last_keyframe(match, 0)[1]
                    views[pid].state = apply_frame(views[pid].schema, None, unpack(keyframe))
        if rng.random() < 0.005 and len(players) > 1:  # someone leaves for good
            pid = rng.choice(sorted(players)[1:])
            match.remove_player(pid)
            del players[pid]
        for pid, entry in players.items():
            bot, seq = entry
            values = bot.decide(views[pid], match.tick / game.tick_rate)
            if values is not None:
                entry[1] = seq + 1
                match.apply_input(pid, seq + 1, tuple(values))
        events = match.step()
        encoded = encoder.encode(
            match, events, 1_795_600_000_000 + match.tick * 50, False, only_if_changed=on_change
        )
        if encoded is None:
            continue
        frame = encoded.delta if encoded.delta is not None else encoded.keyframe
        assert frame is not None
        frames.append(frame)
        for view in views.values():
            base = view.state if encoded.delta else None
            view.state = apply_frame(view.schema, base, unpack(frame))
        if match.closed:
            break
    return welcome, frames


def _view(match: Match, player_id: int) -> BotView:
    return BotView.from_welcome(unpack(encode_welcome(match, "m", player_id, 0, 5000))[1])


def client(welcome: bytes, frames: list[bytes]) -> list[dict[str, Any] | None]:
    payload = json.dumps({"welcome": welcome.hex(), "frames": [f.hex() for f in frames]})
    result = subprocess.run(
        ["node", "--input-type=module", "-e", SCRIPT],
        cwd=ROOT,
        input=payload,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(result.stdout)


def decoded(schema: StateSchema, state: WireState, teams: int) -> dict[str, Any]:
    """What the browser should decode of ``state``: values divided by their scales."""
    collections = {}
    for index, collection in enumerate(schema.collections):
        rows = state.collections[index]
        collections[collection.name] = [
            {"id": entity_id, **_values(collection.fields, rows[entity_id])}
            for entity_id in sorted(rows)
        ]
    globals_ = {
        f.name: ([v / f.scale for v in value] if isinstance(value, list) else value / f.scale)
        for f, value in zip(schema.globals, state.globals, strict=True)
    }
    kinds = {e.kind: e for e in schema.events}
    events = [
        {"kind": kinds[e[0]].name, **dict(zip(kinds[e[0]].args, e[1:], strict=True))}
        for e in state.events
        if e[0] in kinds
    ]
    return {"collections": collections, "globals": globals_, "events": events}


def _values(fields: Any, row: list[int]) -> dict[str, float]:
    return {f.name: v / f.scale for f, v in zip(fields, row, strict=True)}


def roster(schema: StateSchema, state: WireState, teams: int) -> list[dict[str, Any]]:
    out = []
    for entry in state.roster:
        row: dict[str, Any] = {"id": entry[0], "name": entry[1]}
        at = 2
        if teams:
            row["team"] = entry[at]
            at += 1
        for f in schema.roster:
            row[f.name] = entry[at] / f.scale
            at += 1
        row["connected"] = bool(entry[at])
        out.append(row)
    return out


@pytest.mark.parametrize("name", sorted(game_classes()))
def test_the_browser_rebuilds_every_snapshot_like_the_engine(name: str) -> None:
    game = game_classes()[name]()
    welcome, frames = play(game, seed=3)
    assert len(frames) > 10
    schema = StateSchema.from_wire(unpack(welcome)[1]["schema"])
    teams = unpack(welcome)[1]["teams"]
    results = client(welcome, frames)
    state: WireState | None = None
    deltas = 0
    for index, (frame, seen) in enumerate(zip(frames, results, strict=True)):
        message = unpack(frame)
        deltas += message[0] == 12
        state = apply_frame(schema, state, message)
        assert seen is not None, f"frame {index} did not apply"
        assert seen["keyframe"] == state.to_keyframe(), f"frame {index}"
        expected = decoded(schema, state, teams)
        assert seen["collections"] == expected["collections"], f"frame {index}"
        assert seen["globals"] == expected["globals"], f"frame {index}"
        assert seen["events"] == expected["events"], f"frame {index}"
        if message[-1] is not None:
            assert seen["roster"] == roster(schema, state, teams), f"frame {index}"
        else:
            assert seen["roster"] is None
    assert deltas > len(frames) / 2, "mostly DELTAs"
