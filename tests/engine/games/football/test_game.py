"""Football as a game of the game API: registration, modes and timing, the declared schema and
real states encoded through it, checkpoints that resume exactly, results as the ratings use them.
"""

from __future__ import annotations

import math
import random
from typing import Any

import pytest

from engine.bots import BotView
from engine.checkpoint import decode_checkpoint, encode_checkpoint, take_checkpoint
from engine.codec import SnapshotEncoder
from engine.frames import encode_welcome, match_info
from engine.games import game_classes, load_games
from engine.games.football import GAME
from engine.games.football.bot import FootballBot
from engine.games.football.game import FootballGame
from engine.games.football.rules import FootballRules
from engine.games.football.wire import Button, EventKind
from engine.match import Match
from engine.protocol import Phase, unpack
from engine.schema import StateSchema
from engine.wirestate import apply_frame
from lobby.rating import update_ratings

pytestmark = pytest.mark.timeout(60)

UP, DOWN, LEFT, RIGHT, KICK = (int(b) for b in Button)
GOAL = int(EventKind.GOAL)


def new_match(game: FootballGame, mode: str = "1v1", players: int | None = None) -> Match:
    spec = game.mode(mode)
    match = Match(game, spec, seed=7, max_players=spec.max_players, reconnect_grace=5.0)
    for index in range(spec.max_players if players is None else players):
        match.add_player(f"p{index}")
    return match


def keyframe(match: Match) -> list[Any]:
    """The current tick as a KEYFRAME, decoded."""
    encoded = SnapshotEncoder(match.game.state, 1).encode(match, match.last_events, 0)
    assert encoded is not None and encoded.keyframe is not None
    return unpack(encoded.keyframe)


def misfits(match: Match) -> list[str]:
    """The values of the match's KEYFRAME outside their schema fields."""
    schema = match.game.state
    frame = keyframe(match)
    wrong = []
    values = frame[5 : 5 + len(schema.globals)]
    for spec, value in zip(schema.globals, values, strict=True):
        if not spec.accepts(value):
            wrong.append(f"{spec.name}={value}")
    collections = frame[5 + len(schema.globals) : -2]
    for collection, rows in zip(schema.collections, collections, strict=True):
        for entity_id, *row in rows:
            for spec, value in zip(collection.fields, row, strict=True):
                if not spec.accepts(value):
                    wrong.append(f"{collection.name}[{entity_id}].{spec.name}={value}")
    for event in frame[-2]:
        kinds = {e.kind: e for e in schema.events}
        if event[0] not in kinds or len(event) != 1 + len(kinds[event[0]].args):
            wrong.append(f"event {event}")
    for entry in frame[-1]:
        player_id, _name, team, *columns, _connected = entry
        if team not in (0, 1):
            wrong.append(f"roster {player_id}.team={team}")
        for spec, value in zip(schema.roster, columns, strict=True):
            if not spec.accepts(value):
                wrong.append(f"roster {player_id}.{spec.name}={value}")
    return wrong


class Bots:
    """A bot per seat of a match, each reading its own client's view."""

    def __init__(self, match: Match, seed: int) -> None:
        self.match = match
        self.rng = random.Random(seed)
        self.encoder = SnapshotEncoder(match.game.state, match.game.tick_rate)
        self.seats = []
        for player_id in match.seats:
            welcome = unpack(encode_welcome(match, "m", player_id, 0, 5000))[1]
            bot = match.game.make_bot(self.rng)
            self.seats.append([player_id, BotView.from_welcome(welcome), bot, 0])

    def tick(self) -> list[list[int]]:
        match = self.match
        for entry in self.seats:
            player_id, view, bot, seq = entry
            values = bot.decide(view, match.tick / match.game.tick_rate)
            if values is not None and match.seats[player_id].connected:
                entry[3] = seq + 1
                match.apply_input(player_id, seq + 1, tuple(values))
        events = match.step()
        encoded = self.encoder.encode(match, events, match.tick)
        assert encoded is not None
        frame = unpack(encoded.delta if encoded.delta is not None else encoded.keyframe)
        for entry in self.seats:
            view = entry[1]
            view.state = apply_frame(view.schema, view.state if encoded.delta else None, frame)
        return events


# -- the game ------------------------------------------------------------------------------


def test_football_is_registered_under_its_name() -> None:
    assert GAME is FootballGame
    assert game_classes()["football"] is FootballGame
    game = load_games()["football"]
    assert isinstance(game, FootballGame) and game.options == FootballRules()
    assert game.tick_rate == 20 and game.snapshots == "every_tick"


def test_the_modes_are_team_modes_that_start_with_two_present() -> None:
    game = FootballGame()
    assert [(m.name, m.min_players, m.max_players, m.teams, m.lobby_min) for m in game.modes] == [
        ("1v1", 2, 2, 2, 2),
        ("2v2", 2, 4, 2, 4),
        ("3v3", 2, 6, 2, 6),
    ]
    with pytest.raises(KeyError):
        game.mode("5v5")


def test_the_timing_and_the_rules_for_clients_come_from_the_options() -> None:
    rules = FootballRules(countdown=1.5, time_limit=90.0, ended_linger=2.0, empty_timeout=9.0)
    game = FootballGame(rules)
    timing = game.timing(game.mode("2v2"))
    assert (timing.countdown, timing.time_limit, timing.ended_linger, timing.empty_timeout) == (
        1.5,
        90.0,
        2.0,
        9.0,
    )
    assert game.rules(game.mode("1v1")) == rules.to_wire()
    assert FootballGame(FootballRules(tick_rate=30)).tick_rate == 30


def test_a_time_limit_of_0_is_no_time_limit() -> None:
    game = FootballGame(FootballRules(countdown=0.0, time_limit=0, score_limit=1))
    match = new_match(game)
    assert match_info(match, "m", 20_000)["time_limit_ms"] == 0
    for _ in range(game.tick_rate * 10):
        match.step()
    assert match.phase is Phase.RUNNING and match.result is None
    assert match.phase_ms_left() == 0


def test_the_inputs_are_buttons_and_an_aim() -> None:
    fields = FootballGame().inputs.fields
    assert [(f.name, f.low, f.high, f.scale, f.kind) for f in fields] == [
        ("buttons", 0, 31, 1, "flags"),
        ("aim", -3142, 3142, 1000, "angle"),
    ]


@pytest.mark.parametrize(
    "rules",
    [FootballRules(), FootballRules(pitch_width=800.0, pitch_height=500.0, goal_width=120.0)],
    ids=["default", "small"],
)
def test_the_schema_ranges_follow_the_pitch(rules: FootballRules) -> None:
    schema = FootballGame(rules).state
    width, height = round(rules.pitch_width * 10), round(rules.pitch_height * 10)
    players, ball = schema.collection("players"), schema.collection("ball")
    assert players.avatars and not ball.avatars
    assert [f.name for f in players.fields] == ["x", "y", "aim", "flags", "ack"]
    assert (players.fields[0].low, players.fields[0].high) == (0, width)
    assert (players.fields[1].low, players.fields[1].high) == (0, height)
    x = ball.fields[0]
    reach = round((rules.ball_max_speed / rules.tick_rate + rules.ball_radius) * 10)
    assert x.low <= -reach and x.high >= width + reach, "a ball may end the match in a goal"
    assert (ball.fields[1].low, ball.fields[1].high) == (0, height)
    assert [f.name for f in schema.globals] == ["score0", "score1", "paused", "kickoff_team"]
    assert [(e.kind, e.name, e.args) for e in schema.events] == [
        (1, "goal", ("team", "scorer")),
        (2, "kick", ("player",)),
        (3, "kickoff", ("team",)),
    ]
    assert [f.name for f in schema.roster] == ["goals"]


def test_the_wire_schema_rebuilds_the_same_schema() -> None:
    game = FootballGame()
    wire = game.wire_schema
    assert StateSchema.from_wire(wire) == game.state
    assert [f["name"] for f in wire["inputs"]] == ["buttons", "aim"]


def test_the_game_makes_its_own_bot() -> None:
    assert isinstance(FootballGame().make_bot(random.Random(1)), FootballBot)


# -- real states through the schema --------------------------------------------------------


@pytest.mark.parametrize(("mode", "seed"), [("1v1", 1), ("2v2", 2), ("3v3", 0), ("3v3", 4)])
def test_every_snapshot_of_a_bot_match_fits_the_schema(mode: str, seed: int) -> None:
    game = FootballGame(FootballRules(countdown=0.5, time_limit=40.0))
    match = new_match(game, mode)
    bots = Bots(match, seed)
    goals = 0
    while match.result is None:
        goals += sum(1 for e in bots.tick() if e[0] == GOAL)
        assert misfits(match) == [], f"tick {match.tick}"
    assert goals > 0, "the bots play: goals were scored"
    assert misfits(match) == []


@pytest.mark.parametrize(("team", "keeper_x"), [(0, 1184.0), (1, 16.0)])
def test_the_winning_goal_fits_the_schema_even_through_a_keeper(team: int, keeper_x: float) -> None:
    game = FootballGame(FootballRules(countdown=0.0, score_limit=1))
    match = new_match(game)
    match.step()
    sim = match.sim
    keeper = 1 - team  # stands on its goal line; the shot goes through it and it pushes on
    direction = 1.0 if team == 0 else -1.0
    keeper_player = sim.players[keeper]
    keeper_player.x, keeper_player.y = keeper_x, 350.0
    ball = sim.ball
    ball.x, ball.y = keeper_x - direction * 34.0, 350.0
    ball.vx, ball.vy = direction * 900.0, 0.0
    while match.result is None:
        match.step()
        assert misfits(match) == []
    assert match.result.reason == "score_limit" and match.result.winner_team == team
    assert (ball.x < 0) if team == 1 else (ball.x > 1200.0), "the ball stays in the goal"


def test_the_bare_state_at_every_phase_fits_the_schema() -> None:
    game = FootballGame(FootballRules(countdown=0.2, time_limit=0.5))
    match = new_match(game, "2v2", players=1)
    assert misfits(match) == []
    match.step()
    assert match.phase is Phase.WAITING and misfits(match) == []
    match.add_player("second")
    seen = set()
    while not match.closed:
        match.step()
        seen.add(match.phase)
        assert misfits(match) == []
    assert seen == {Phase.COUNTDOWN, Phase.RUNNING, Phase.ENDED}


# -- checkpoints ---------------------------------------------------------------------------


def scripted(tick: int, player_id: int) -> tuple[int, int]:
    """An INPUT that changes every few ticks: buttons 0..31, an aim in milliradians."""
    buttons = ((tick // 5 + 3 * player_id) * 7) % 32
    aim = round(math.sin(tick * 0.21 + player_id) * 3141)
    return buttons, aim


def drive(match: Match, ticks: int) -> list[bytes]:
    """Step ``ticks`` times with scripted INPUTs; every tick's KEYFRAME (with its events)."""
    encoder = SnapshotEncoder(match.game.state, 1)
    frames = []
    for _ in range(ticks):
        for player_id, seat in match.seats.items():
            if seat.connected:
                match.apply_input(player_id, match.tick + 1, scripted(match.tick, player_id))
        events = match.step()
        encoded = encoder.encode(match, events, match.tick * 50)
        assert encoded is not None and encoded.keyframe is not None
        frames.append(encoded.keyframe)
    return frames


def restored(match: Match) -> Match:
    """The match as another worker restores it from a checkpoint's bytes."""
    data = encode_checkpoint(take_checkpoint("m1", 0, match))
    checkpoint = decode_checkpoint(data)
    assert (checkpoint.game, checkpoint.mode, checkpoint.tick) == (
        "football",
        match.mode.name,
        match.tick,
    )
    return checkpoint.restore({"football": match.game}, reconnect_grace=5.0)


def a_goal_was_just_scored(match: Match) -> bool:
    return any(e[0] == GOAL for e in match.last_events)


@pytest.mark.parametrize(
    ("mode", "players", "until"),
    [
        ("1v1", 1, lambda m: m.tick >= 30),  # free play, waiting for a second player
        ("2v2", 4, lambda m: m.phase is Phase.COUNTDOWN and m.tick > 5),
        ("3v3", 6, lambda m: m.phase is Phase.RUNNING and m.tick > 80),
        ("1v1", 2, a_goal_was_just_scored),  # in the pause after a goal
        ("2v2", 4, lambda m: m.phase is Phase.ENDED),
    ],
    ids=["waiting", "countdown", "running", "goal-pause", "ended"],
)
def test_a_restored_match_steps_into_exactly_the_same_states(
    mode: str, players: int, until: Any
) -> None:
    game = FootballGame(FootballRules(countdown=1.0, time_limit=30.0, kick_cooldown=0.1))
    match = new_match(game, mode, players)
    bots = Bots(match, seed=3)
    for _ in range(3000):
        if until(match):
            break
        bots.tick()
    else:
        pytest.fail("the match never got there")
    copy = restored(match)
    assert copy.export_state() == match.export_state()
    assert copy.phase is match.phase and copy.tick == match.tick
    assert drive(copy, 150) == drive(match, 150)
    assert copy.export_state() == match.export_state()
    assert copy.result == match.result


def test_a_match_and_its_restored_copy_agree_on_players_joining_and_leaving() -> None:
    game = FootballGame(FootballRules(countdown=0.5, time_limit=20.0))
    match = new_match(game, "3v3", players=3)
    drive(match, 30)
    copy = restored(match)
    for m in (match, copy):
        m.add_player("late")
        m.remove_player(1)
        m.player_away(2)
    assert drive(copy, 40) == drive(match, 40)
    for m in (match, copy):
        m.readmit_player(1)
        m.readmit_player(2)
    assert drive(copy, 40) == drive(match, 40)
    assert copy.export_state() == match.export_state()


def test_the_same_inputs_give_the_same_match() -> None:
    game = FootballGame(FootballRules(countdown=0.5, time_limit=10.0))
    first, second = new_match(game, "2v2"), new_match(game, "2v2")
    frames = drive(first, 260)
    assert frames == drive(second, 260)
    states = {repr(unpack(frame)[5:-2]) for frame in frames}  # globals and entities alone
    assert len(states) > 150, "the state changes as they play"
    assert first.result == second.result and first.result is not None


# -- results as the ratings use them -------------------------------------------------------


def ended_match(goals: tuple[int, int], mode: str = "2v2") -> Match:
    """A match of ``mode`` that ended at the time limit with ``goals`` for the teams."""
    game = FootballGame(FootballRules(countdown=0.0, time_limit=5.0))
    match = new_match(game, mode)
    match.step()
    sim = match.sim
    for team, count in enumerate(goals):
        for _ in range(count):
            scorer = min(p for p in match.seats if match.seats[p].team == team)
            sim.ball.x, sim.ball.y = (1195.0, 350.0) if team == 0 else (5.0, 350.0)
            sim.ball.vx, sim.ball.vy = (600.0 if team == 0 else -600.0), 0.0
            sim.last_touch = scorer
            sim.paused_until = 0
            assert [GOAL, team, scorer] in match.step()
    while match.result is None:
        match.step()
    return match


def ratings_after(match: Match) -> dict[str, float]:
    """The players' new ratings from 1500 each, as the store computes them from the result."""
    result = match.result
    assert result is not None and result.teams == 2
    places = {f"k{row[0]}": row[2] for row in result.standings}
    teams = {f"k{row[0]}": row[3] for row in result.standings}
    return update_ratings(dict.fromkeys(places, 1500.0), places, teams)


def test_the_winning_team_shares_first_place_and_gains_rating() -> None:
    match = ended_match((2, 1))
    result = match.result
    assert result is not None
    assert (result.reason, result.winner_team, result.winner_id) == ("time_limit", 0, None)
    assert result.summary == {"score": [2, 1]}
    assert [(row[0], row[2], row[3]) for row in result.standings] == [
        (0, 1, 0),
        (2, 1, 0),
        (1, 3, 1),
        (3, 3, 1),
    ]
    after = ratings_after(match)
    assert after["k0"] == after["k2"] > 1500.0 > after["k1"] == after["k3"]
    assert sum(after.values()) == pytest.approx(4 * 1500.0)


def test_a_draw_is_one_place_for_everyone_and_changes_no_equal_ratings() -> None:
    match = ended_match((1, 1))
    result = match.result
    assert result is not None and result.winner_team is None and result.winner_id is None
    assert {row[2] for row in result.standings} == {1}
    assert ratings_after(match) == pytest.approx(dict.fromkeys(["k0", "k1", "k2", "k3"], 1500.0))


def test_a_goalless_draw_in_1v1_has_no_winner() -> None:
    match = ended_match((0, 0), mode="1v1")
    result = match.result
    assert result is not None
    assert result.standings == [[0, "p0", 1, 0, 0], [1, "p1", 1, 1, 0]]
    assert result.winner_team is None and result.summary == {"score": [0, 0]}


def test_team_1_ahead_ranks_first() -> None:
    match = ended_match((0, 3), mode="1v1")
    result = match.result
    assert result is not None and result.winner_team == 1
    assert result.standings == [[1, "p1", 1, 1, 3], [0, "p0", 2, 0, 0]]
    after = ratings_after(match)
    assert after["k1"] > 1500.0 > after["k0"]


def test_a_player_who_left_stays_in_its_teams_place() -> None:
    game = FootballGame(FootballRules(countdown=0.0, time_limit=2.0))
    match = new_match(game, "2v2")
    match.step()
    match.remove_player(2)
    while match.result is None:
        match.step()
    rows = {row[0]: row for row in match.result.standings}
    assert set(rows) == {0, 1, 2, 3}
    assert rows[2][2] == rows[0][2] == rows[1][2] == 1 and rows[2][3] == 0, "a 0-0 draw"
