"""Football's bot: it runs to the ball from behind, kicks it in range, aims at the other goal,
and, put on a pitch, scores into the goal its team attacks."""

from __future__ import annotations

import math
import random

import pytest

from engine.bots import BotView
from engine.codec import SnapshotEncoder
from engine.frames import encode_welcome
from engine.games.football.bot import FootballBot
from engine.games.football.game import FootballGame
from engine.games.football.rules import FootballRules
from engine.games.football.wire import Button, EventKind
from engine.match import Match
from engine.protocol import unpack
from engine.wirestate import WireState, apply_frame

pytestmark = pytest.mark.timeout(30)

UP, DOWN, LEFT, RIGHT, KICK = (int(b) for b in Button)
MOVES = UP | DOWN | LEFT | RIGHT


def view_of(
    me: tuple[float, float] | None,
    ball: tuple[float, float] | None,
    team: int = 0,
    player_id: int | None = 0,
    rules: dict | None = None,
) -> BotView:
    """A player's view with its avatar at ``me`` and the ball at ``ball`` (units)."""
    game = FootballGame()
    players = {} if me is None else {0: [round(me[0] * 10), round(me[1] * 10), 0, 0, 0]}
    balls = {} if ball is None else {0: [round(ball[0] * 10), round(ball[1] * 10)]}
    state = WireState(1, 0, 2, 0, [0, 0, 0, team], [players, balls])
    wire_rules = game.rules(game.mode("1v1")) if rules is None else rules
    return BotView(game.state, wire_rules, player_id, team, state)


def steady(noise: float = 0.0) -> FootballBot:
    return FootballBot(rng=random.Random(5), noise=noise)


@pytest.mark.parametrize(
    ("me", "ball", "team", "moves"),
    [
        ((300.0, 350.0), (600.0, 350.0), 0, RIGHT),  # behind the ball already: straight on
        ((900.0, 350.0), (600.0, 350.0), 0, LEFT),  # on the wrong side: back to 574
        ((900.0, 350.0), (600.0, 350.0), 1, LEFT),  # team 1 heads for 626, right of it
        ((300.0, 350.0), (600.0, 350.0), 1, RIGHT),
        ((574.0, 600.0), (600.0, 350.0), 0, UP),
        ((574.0, 100.0), (600.0, 350.0), 0, DOWN),
        ((100.0, 600.0), (600.0, 350.0), 0, RIGHT | UP),
        ((578.0, 352.0), (600.0, 350.0), 0, 0),  # within the dead zone of its spot
    ],
)
def test_the_bot_runs_to_its_spot_behind_the_ball(
    me: tuple[float, float], ball: tuple[float, float], team: int, moves: int
) -> None:
    buttons, _aim = steady().decide(view_of(me, ball, team), now=0.0)
    assert buttons & MOVES == moves


@pytest.mark.parametrize(("team", "aim"), [(0, 0), (1, 3142)])
def test_the_bot_aims_at_the_goal_its_team_attacks(team: int, aim: int) -> None:
    _buttons, got = steady().decide(view_of((300.0, 350.0), (600.0, 350.0), team), now=0.0)
    assert abs(got) == aim
    _buttons, got = steady().decide(view_of((300.0, 100.0), (600.0, 200.0), team), now=0.0)
    goal_x = 1200.0 if team == 0 else 0.0
    assert got == round(math.atan2(350.0 - 200.0, goal_x - 600.0) * 1000)


@pytest.mark.parametrize(("distance", "kicks"), [(20.0, True), (41.0, True), (43.0, False)])
def test_the_bot_kicks_when_the_ball_is_in_range(distance: float, kicks: bool) -> None:
    buttons, _ = steady().decide(view_of((600.0 - distance, 350.0), (600.0, 350.0)), now=0.0)
    assert bool(buttons & KICK) is kicks


def test_the_aim_stays_within_the_input_range_with_noise() -> None:
    bot = FootballBot(rng=random.Random(2), noise=2.0)
    for index in range(300):
        view = view_of((100.0 + index, 50.0), (1190.0 - index, 690.0 - index), team=index % 2)
        buttons, aim = bot.decide(view, now=index / 20)
        assert -3142 <= aim <= 3142 and 0 <= buttons <= 31


def test_noise_makes_aims_differ_only_a_little() -> None:
    bot = FootballBot(rng=random.Random(9))
    aims = [bot.decide(view_of((300.0, 350.0), (600.0, 350.0)), now=0.0)[1] for _ in range(200)]
    assert len(set(aims)) > 50
    assert sum(aims) / len(aims) == pytest.approx(0, abs=40)
    assert max(abs(a) for a in aims) < 1000


@pytest.mark.parametrize(
    ("me", "ball", "player_id"),
    [(None, (600.0, 350.0), 0), ((300.0, 350.0), None, 0), ((300.0, 350.0), (600.0, 350.0), None)],
    ids=["no-avatar", "no-ball", "no-seat"],
)
def test_without_its_avatar_or_the_ball_the_bot_holds_nothing(
    me: tuple[float, float] | None, ball: tuple[float, float] | None, player_id: int | None
) -> None:
    assert steady().decide(view_of(me, ball, player_id=player_id), now=0.0) == (0, 0)


def test_before_the_first_snapshot_the_bot_holds_nothing() -> None:
    game = FootballGame()
    view = BotView(game.state, game.rules(game.mode("1v1")), 0, 0, None)
    assert steady().decide(view, now=0.0) == (0, 0)


def test_the_bot_reads_the_pitch_from_the_rules() -> None:
    rules = FootballGame(FootballRules(pitch_width=800.0, pitch_height=400.0, goal_width=100.0))
    wire = rules.rules(rules.mode("1v1"))
    _, aim = steady().decide(view_of((100.0, 100.0), (400.0, 100.0), rules=wire), now=0.0)
    assert aim == round(math.atan2(200.0 - 100.0, 800.0 - 400.0) * 1000)
    _, aim = steady().decide(view_of((100.0, 100.0), (400.0, 100.0), rules={}), now=0.0)
    assert aim == round(math.atan2(350.0 - 100.0, 1200.0 - 400.0) * 1000), "defaults"


@pytest.mark.parametrize("team", [0, 1])
def test_a_bot_against_an_idle_player_scores_into_the_goal_its_team_attacks(team: int) -> None:
    game = FootballGame(FootballRules(countdown=0.0, time_limit=60.0))
    match = Match(game, game.mode("1v1"), seed=1, max_players=2)
    ids = [match.add_player("a"), match.add_player("b")]
    bot_id = ids[team]
    idle = ids[1 - team]
    assert match.seats[bot_id].team == team
    welcome = unpack(encode_welcome(match, "m", bot_id, 0, 5000))[1]
    view = BotView.from_welcome(welcome)
    bot = game.make_bot(random.Random(4))
    encoder = SnapshotEncoder(game.state, 1)
    assert match.step() == [[int(EventKind.KICKOFF), 0]]
    sim = match.sim
    sim.players[idle].x, sim.players[idle].y = (600.0, 40.0)  # out of the way
    goals = []
    seq = 0
    while not goals and match.result is None:
        encoded = encoder.encode(match, match.last_events, match.tick)
        assert encoded is not None and encoded.keyframe is not None
        view.state = apply_frame(view.schema, None, unpack(encoded.keyframe))
        seq += 1
        match.apply_input(bot_id, seq, bot.decide(view, now=match.tick / 20))
        goals = [e for e in match.step() if e[0] == int(EventKind.GOAL)]
    assert goals == [[int(EventKind.GOAL), team, bot_id]], "its own goal, for its team"
    assert match.tick < 20 * 30, "well within half a minute"
