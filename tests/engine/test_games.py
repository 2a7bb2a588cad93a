"""Every registered game, through the runtime, played by its own bots as a client sees it.

Parametrized over ``engine.games``: a new game gets these checks without a line of its own. Each
game's bots read the snapshots (encoded by ``engine.codec``, decoded by ``engine.wirestate`` from
the schema WELCOME carries) and send INPUTs, until the match ends; a checkpoint taken on the way
resumes into exactly the same bytes; every value stays within its schema field.
"""

from __future__ import annotations

import dataclasses
import random
from typing import Any

import pytest

from engine.bots import BotView
from engine.codec import SnapshotEncoder
from engine.frames import encode_welcome
from engine.game import Game
from engine.games import game_classes
from engine.match import Match
from engine.protocol import Phase, unpack
from engine.wirestate import apply_frame

pytestmark = pytest.mark.timeout(60)
GAMES = sorted(game_classes())
MAX_TICKS = 20_000


def quick(name: str) -> Game:
    """The game with a short countdown, match and turn, so that bots finish within a test."""
    cls = game_classes()[name]
    defaults = cls.Options()
    changes: dict[str, Any] = {}
    for option, value in (("countdown", 0.2), ("time_limit", 20.0), ("turn_time", 0.3)):
        if hasattr(defaults, option):
            changes[option] = value
    return cls(dataclasses.replace(defaults, **changes))


class Table:
    """A match of ``game`` with a bot per seat, each with its client's view."""

    def __init__(self, game: Game, seed: int) -> None:
        mode = max(game.modes, key=lambda m: m.max_players)
        self.game = game
        self.match = Match(game, mode, seed, mode.max_players, reconnect_grace=5.0)
        self.encoder = SnapshotEncoder(game.state, game.tick_rate)
        self.rng = random.Random(seed)
        self.players: list[tuple[int, BotView, Any, int]] = []
        for index in range(mode.max_players):
            player_id = self.match.add_player(f"bot{index}")
            welcome = unpack(encode_welcome(self.match, "m", player_id, 0, 5000))[1]
            self.players.append(
                [player_id, BotView.from_welcome(welcome), game.make_bot(self.rng), 0]
            )  # type: ignore[list-item]
        self.frames: list[bytes] = []

    def tick(self) -> None:
        now = self.match.tick / self.game.tick_rate
        for entry in self.players:
            player_id, view, bot, seq = entry
            values = bot.decide(view, now)
            if values is not None:
                entry[3] = seq + 1
                self.match.apply_input(player_id, seq + 1, tuple(values))
        events = self.match.step()
        encoded = self.encoder.encode(self.match, events, 1_000 + self.match.tick)
        assert encoded is not None
        frame = encoded.delta if encoded.delta is not None else encoded.keyframe
        assert frame is not None
        self.frames.append(frame)
        for entry in self.players:
            view = entry[1]
            state = view.state if encoded.delta is not None else None
            view.state = apply_frame(view.schema, state, unpack(frame))


def fits(game: Game, keyframe: list[Any]) -> list[str]:
    """The values of a KEYFRAME outside their schema fields."""
    schema = game.state
    wrong = []
    values = keyframe[5 : 5 + len(schema.globals)]
    for spec, value in zip(schema.globals, values, strict=True):
        if not spec.accepts(value):
            wrong.append(f"global {spec.name}={value}")
    collections = keyframe[5 + len(schema.globals) : -2]
    for collection, rows in zip(schema.collections, collections, strict=True):
        for entity_id, *row in rows:
            for spec, value in zip(collection.fields, row, strict=True):
                if not spec.accepts(value):
                    wrong.append(f"{collection.name}[{entity_id}].{spec.name}={value}")
    for entry in keyframe[-1]:
        columns = entry[2:-1]
        if game.mode(max(game.modes, key=lambda m: m.max_players).name).teams:
            columns = columns[1:]
        for spec, value in zip(schema.roster, columns, strict=True):
            if not spec.accepts(value):
                wrong.append(f"roster {entry[0]}.{spec.name}={value}")
    return wrong


@pytest.mark.parametrize("name", GAMES)
def test_bots_play_a_match_to_its_end(name: str) -> None:
    table = Table(quick(name), seed=3)
    match = table.match
    ran = False
    for _ in range(MAX_TICKS):
        table.tick()
        ran = ran or match.phase is Phase.RUNNING
        if match.closed:
            break
    assert ran and match.result is not None, f"{name}: the match did not end"
    assert {row[0] for row in match.result.standings} == set(match.seats)
    assert match.result.standings[0][2] == 1, "the best place is 1"


@pytest.mark.parametrize("name", GAMES)
def test_every_snapshot_fits_the_schema(name: str) -> None:
    game = quick(name)
    table = Table(game, seed=5)
    for _ in range(400):
        table.tick()
        if table.match.result is not None:
            break
        tick, keyframe = table.encoder.last_keyframe(table.match, 0)
        assert fits(game, unpack(keyframe)) == []


@pytest.mark.parametrize("name", GAMES)
def test_a_checkpoint_resumes_into_the_same_bytes(name: str) -> None:
    game = quick(name)
    table = Table(game, seed=11)
    for _ in range(60):
        table.tick()
    state = table.match.export_state()
    copy = Match.restore(game, table.match.mode, state, reconnect_grace=5.0)
    assert copy.export_state() == state
    original, resumed = (SnapshotEncoder(game.state, game.tick_rate) for _ in range(2))
    for step in range(120):
        seq = 10_000 + step
        for player_id, *_ in table.players:
            values = tuple(
                field.low + (seq + player_id) % (field.high - field.low + 1)
                for field in game.inputs.fields
            )
            table.match.apply_input(player_id, seq, values)
            copy.apply_input(player_id, seq, values)
        a = original.encode(table.match, table.match.step(), 5_000 + step)
        b = resumed.encode(copy, copy.step(), 5_000 + step)
        assert a == b, f"{name}: tick {table.match.tick} differs after the checkpoint"
    assert copy.export_state() == table.match.export_state()
