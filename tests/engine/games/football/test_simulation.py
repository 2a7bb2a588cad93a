"""Football through the runtime's match: movement, the ball, kicks, goals and kick-offs, phases,
seats and teams, standings.

Numbers follow the default rules at 20 ticks a second: a held direction adds 100 u/s a tick up
to 240 u/s, friction takes 80 u/s a tick, a rolling ball loses 13 u/s a tick; team 0 kicks off
first, defends the left goal (x < 0) and attacks the right one.
"""

from __future__ import annotations

import math
from typing import Any

import pytest

from engine.games.football.game import FootballGame
from engine.games.football.rules import FootballRules
from engine.games.football.simulation import Footballer
from engine.games.football.wire import Button, EventKind, PlayerFlag
from engine.match import Match, MatchFull
from engine.protocol import Phase

pytestmark = pytest.mark.timeout(30)

Event = list[int]
UP, DOWN, LEFT, RIGHT, KICK = (int(b) for b in Button)
GOAL, KICKED, KICKOFF = (int(k) for k in EventKind)
WIDTH, HEIGHT = 1200.0, 700.0
MID_Y = HEIGHT / 2
R = 16.0  # a player's radius
BALL_R = 10.0
EPS = 1e-9


def make_rules(**overrides: Any) -> FootballRules:
    """The default rules with no countdown, unless overridden."""
    values: dict[str, Any] = {"countdown": 0.0}
    values.update(overrides)
    return FootballRules(**values)


def make_match(
    rules: FootballRules | None = None,
    mode: str = "1v1",
    players: int | None = None,
    grace: float = 20.0,
) -> Match:
    """A match of ``mode`` with ``players`` seated (default: every seat), nothing stepped."""
    game = FootballGame(rules or make_rules())
    spec = game.mode(mode)
    match = Match(game, spec, seed=1, max_players=spec.max_players, reconnect_grace=grace)
    for index in range(spec.max_players if players is None else players):
        match.add_player(f"p{index}")
    return match


def running(rules: FootballRules | None = None, mode: str = "1v1", **kw: Any) -> Match:
    """A match that has just started running (one tick stepped: the kick-off)."""
    match = make_match(rules, mode, **kw)
    assert match.step() == [[KICKOFF, 0]]
    assert match.phase is Phase.RUNNING
    return match


def player(match: Match, player_id: int) -> Footballer:
    return match.sim.players[player_id]


def place(match: Match, player_id: int, x: float, y: float, vx: float = 0.0, vy: float = 0.0):
    p = player(match, player_id)
    p.x, p.y, p.vx, p.vy = x, y, vx, vy


def put_ball(match: Match, x: float, y: float, vx: float = 0.0, vy: float = 0.0) -> None:
    ball = match.sim.ball
    ball.x, ball.y, ball.vx, ball.vy = x, y, vx, vy


def press(match: Match, player_id: int, buttons: int, aim: float = 0.0) -> None:
    """The player's next INPUT: buttons and an aim in radians (milliradians on the wire)."""
    seq = match.seats[player_id].last_seq + 1
    assert match.apply_input(player_id, seq, (buttons, round(aim * 1000)))


def run(match: Match, ticks: int) -> list[Event]:
    events: list[Event] = []
    for _ in range(ticks):
        events.extend(match.step())
    return events


def park_others(match: Match, *keep: int) -> None:
    """Everybody but ``keep`` to the bottom corners, out of the way."""
    for index, player_id in enumerate(pid for pid in match.sim.players if pid not in keep):
        place(match, player_id, 40.0 + 40 * index if index % 2 else WIDTH - 40 - 40 * index, 660.0)


def players_view(match: Match) -> dict[int, tuple[int, ...]]:
    return dict(match.view().collections[0])


def ball_view(match: Match) -> tuple[int, ...]:
    return match.view().collections[1][0]


def score_view(match: Match) -> tuple[int, int, int, int]:
    """``(score0, score1, paused, kickoff_team)``."""
    return tuple(match.view().globals)  # type: ignore[return-value]


def shoot(match: Match, player_id: int, goal: str) -> list[Event]:
    """``player_id`` kicks the ball from close range into the ``left`` or ``right`` goal; the
    events up to the goal (or the end of the match)."""
    while match.sim.paused:
        match.step()
    if goal == "right":
        ball_x, kicker_x, aim = WIDTH - 50, WIDTH - 80, 0.0
    else:
        ball_x, kicker_x, aim = 50.0, 80.0, math.pi
    park_others(match, player_id)
    put_ball(match, ball_x, MID_Y)
    place(match, player_id, kicker_x, MID_Y)
    press(match, player_id, KICK, aim)
    events = match.step()
    assert events == [[KICKED, player_id]]
    press(match, player_id, 0, aim)
    for _ in range(10):
        events.extend(match.step())
        if match.result is not None or any(e[0] == GOAL for e in events):
            break
    assert any(e[0] == GOAL for e in events), events
    return events


# -- movement ------------------------------------------------------------------------------

DIAGONAL = 1 / math.sqrt(2.0)


@pytest.mark.parametrize(
    ("buttons", "ticks", "velocity", "offset"),
    [
        (RIGHT, 1, (100.0, 0.0), (5.0, 0.0)),
        (RIGHT, 2, (200.0, 0.0), (15.0, 0.0)),
        (RIGHT, 3, (240.0, 0.0), (27.0, 0.0)),
        (RIGHT, 20, (240.0, 0.0), (15.0 + 12.0 * 18, 0.0)),
        (LEFT, 3, (-240.0, 0.0), (-27.0, 0.0)),
        (DOWN, 2, (0.0, 200.0), (0.0, 15.0)),
        (UP, 1, (0.0, -100.0), (0.0, -5.0)),
        (UP | RIGHT, 1, (100 * DIAGONAL, -100 * DIAGONAL), (5 * DIAGONAL, -5 * DIAGONAL)),
        (UP | RIGHT, 20, (240 * DIAGONAL, -240 * DIAGONAL), None),
        (DOWN | LEFT, 20, (-240 * DIAGONAL, 240 * DIAGONAL), None),
        (LEFT | RIGHT, 5, (0.0, 0.0), (0.0, 0.0)),
        (UP | DOWN | LEFT | RIGHT, 5, (0.0, 0.0), (0.0, 0.0)),
        (UP | DOWN | RIGHT, 3, (240.0, 0.0), (27.0, 0.0)),
        (KICK, 5, (0.0, 0.0), (0.0, 0.0)),
    ],
    ids=[
        "accel-1-tick",
        "accel-2-ticks",
        "capped-3-ticks",
        "capped-long",
        "left",
        "down",
        "up",
        "diagonal-normalized",
        "diagonal-capped",
        "diagonal-capped-down-left",
        "opposites-cancel",
        "all-cancel",
        "vertical-cancels",
        "kick-only",
    ],
)
def test_movement(
    buttons: int,
    ticks: int,
    velocity: tuple[float, float],
    offset: tuple[float, float] | None,
) -> None:
    match = running()
    start = (500.0, 300.0)
    place(match, 0, *start)
    press(match, 0, buttons)
    run(match, ticks)
    p = player(match, 0)
    assert (p.vx, p.vy) == pytest.approx(velocity)
    assert math.hypot(p.vx, p.vy) <= 240.0 + EPS
    if offset is not None:
        assert (p.x - start[0], p.y - start[1]) == pytest.approx(offset)


def test_friction_stops_a_player_that_lets_go() -> None:
    match = running()
    place(match, 0, 400.0, 200.0, vx=240.0)
    press(match, 0, 0)
    speeds = []
    for _ in range(4):
        match.step()
        speeds.append(player(match, 0).vx)
    assert speeds == pytest.approx([160.0, 80.0, 0.0, 0.0])
    assert player(match, 0).x == pytest.approx(400.0 + 8.0 + 4.0)


@pytest.mark.parametrize(
    ("buttons", "expected"),
    [(LEFT, (R, 300.0)), (RIGHT, (WIDTH - R, 300.0)), (UP, (200.0, R)), (DOWN, (200.0, 684.0))],
    ids=["left", "right", "top", "bottom"],
)
def test_players_stay_on_the_pitch(buttons: int, expected: tuple[float, float]) -> None:
    match = running()
    place(match, 0, 1000.0 if buttons == RIGHT else 200.0, 300.0)
    put_ball(match, 600.0, 600.0)
    place(match, 1, 600.0, 100.0)
    press(match, 0, buttons)
    run(match, 80)
    p = player(match, 0)
    assert (p.x, p.y) == pytest.approx(expected)
    assert (p.vx, p.vy) == (0.0, 0.0), "no speed left into the line"


def test_the_aim_follows_the_input_and_shows_in_milliradians() -> None:
    match = running()
    press(match, 0, 0, aim=-1.25)
    match.step()
    assert player(match, 0).aim == pytest.approx(-1.25)
    assert players_view(match)[0][2] == -1250
    press(match, 0, 0, aim=math.pi)  # 3142 mrad: a hair past pi, shown the short way round
    match.step()
    assert abs(players_view(match)[0][2]) in (3141, 3142)


def test_the_view_shows_positions_in_tenths_and_the_last_input_applied() -> None:
    match = running()
    place(match, 0, 123.44, 456.56)
    press(match, 0, 0, aim=0.5)
    assert players_view(match)[0] == (1234, 4566, 500, 0, 1)
    put_ball(match, 600.04, 349.96)
    assert ball_view(match) == (6000, 3500)


# -- players do not overlap ----------------------------------------------------------------


def test_overlapping_players_are_pushed_apart_half_each() -> None:
    match = running()
    place(match, 0, 400.0, 200.0)
    place(match, 1, 410.0, 200.0)
    match.step()
    a, b = player(match, 0), player(match, 1)
    assert b.x - a.x == pytest.approx(2 * R)
    assert (a.x + b.x) / 2 == pytest.approx(405.0), "each moves half the overlap"
    assert a.y == b.y == 200.0


def test_players_on_the_same_spot_are_pushed_apart_sideways() -> None:
    match = running()
    place(match, 0, 400.0, 200.0)
    place(match, 1, 400.0, 200.0)
    match.step()
    assert (player(match, 0).x, player(match, 1).x) == pytest.approx((400.0 - R, 400.0 + R))


@pytest.mark.parametrize(
    ("corner", "buttons"),
    [((R, R), UP | LEFT), ((WIDTH - R, HEIGHT - R), DOWN | RIGHT), ((R, 300.0), LEFT)],
    ids=["top-left", "bottom-right", "left-side"],
)
def test_a_crowd_against_the_boundary_is_not_pushed_off_the_pitch(
    corner: tuple[float, float], buttons: int
) -> None:
    match = running(mode="3v3")
    inward_x = 1.0 if corner[0] < WIDTH / 2 else -1.0
    inward_y = 1.0 if corner[1] < HEIGHT / 2 else -1.0
    for index, player_id in enumerate(match.sim.players):
        x = corner[0] + inward_x * (index % 3) * 3.0
        place(match, player_id, x, corner[1] + inward_y * (index // 3) * 3.0)
        press(match, player_id, buttons)
    put_ball(match, 600.0, 350.0)
    for _ in range(40):
        match.step()
        for p in match.sim.players.values():
            assert R - EPS <= p.x <= WIDTH - R + EPS, f"player {p.id} at x={p.x}"
            assert R - EPS <= p.y <= HEIGHT - R + EPS, f"player {p.id} at y={p.y}"
        for x, y, *_ in players_view(match).values():
            assert 0 <= x <= WIDTH * 10 and 0 <= y <= HEIGHT * 10


# -- the ball ------------------------------------------------------------------------------


def test_a_rolling_ball_slows_down_and_stops() -> None:
    match = running()
    put_ball(match, 600.0, 150.0, vx=100.0)
    speeds, xs = [], []
    for _ in range(9):
        match.step()
        speeds.append(match.sim.ball.vx)
        xs.append(match.sim.ball.x)
    assert speeds == pytest.approx([87.0, 74.0, 61.0, 48.0, 35.0, 22.0, 9.0, 0.0, 0.0])
    assert xs[-1] == xs[-2] == pytest.approx(600.0 + sum(speeds) * 0.05)
    assert match.sim.ball.vy == 0.0


def test_a_ball_at_rest_stays_put() -> None:
    match = running()
    run(match, 10)
    assert (match.sim.ball.x, match.sim.ball.y) == (600.0, 350.0)
    assert ball_view(match) == (6000, 3500)


@pytest.mark.parametrize(
    ("start", "velocity", "after"),
    [
        ((600.0, 15.0), (0.0, -200.0), ((600.0, BALL_R), (0.0, 140.25))),
        ((600.0, 685.0), (0.0, 200.0), ((600.0, HEIGHT - BALL_R), (0.0, -140.25))),
        ((15.0, 100.0), (-200.0, 0.0), ((BALL_R, 100.0), (140.25, 0.0))),
        ((1185.0, 600.0), (200.0, 0.0), ((WIDTH - BALL_R, 600.0), (-140.25, 0.0))),
        ((5.0, 250.0), (-200.0, 0.0), ((BALL_R, 250.0), (140.25, 0.0))),  # over the line
    ],
    ids=["top", "bottom", "left-wall", "right-wall", "beside-the-post"],
)
def test_the_ball_bounces_off_the_walls_losing_a_quarter_of_its_speed(
    start: tuple[float, float],
    velocity: tuple[float, float],
    after: tuple[tuple[float, float], tuple[float, float]],
) -> None:
    match = running()
    put_ball(match, *start, *velocity)
    assert match.step() == []
    ball = match.sim.ball
    assert ((ball.x, ball.y), (ball.vx, ball.vy)) == (
        pytest.approx(after[0]),
        pytest.approx(after[1]),
    )
    assert score_view(match)[:2] == (0, 0)


def test_a_ball_in_the_goal_mouth_short_of_the_line_is_not_a_goal_yet() -> None:
    match = running()
    put_ball(match, 15.0, MID_Y, vx=-200.0)
    assert match.step() == []
    assert match.sim.ball.x == pytest.approx(15.0 - 187.0 * 0.05), "no bounce in the mouth"
    assert match.sim.ball.vx == pytest.approx(-187.0)
    events = match.step()
    assert events[0] == [GOAL, 1, -1], "over the line: team 1's goal"


def test_the_ball_never_goes_faster_than_its_limit() -> None:
    match = running(make_rules(kick_speed=5000.0))
    place(match, 0, 500.0, MID_Y, vx=240.0)
    put_ball(match, 530.0, MID_Y)
    press(match, 0, KICK | RIGHT)
    match.step()
    assert math.hypot(match.sim.ball.vx, match.sim.ball.vy) == pytest.approx(950.0 - 13.0)


# -- kicks ---------------------------------------------------------------------------------


@pytest.mark.parametrize("aim", [0.0, math.pi / 2, -math.pi / 2, 2.5, -3.0])
def test_a_kick_sends_the_ball_along_the_aim(aim: float) -> None:
    match = running()
    park_others(match, 0)
    place(match, 0, 600.0 - 30.0 * math.cos(aim), 350.0 - 30.0 * math.sin(aim))
    put_ball(match, 600.0, 350.0)
    press(match, 0, KICK, aim)
    events = match.step()
    assert events == [[KICKED, 0]]
    ball = match.sim.ball
    assert math.atan2(ball.vy, ball.vx) == pytest.approx(aim, abs=1e-3)
    assert math.hypot(ball.vx, ball.vy) == pytest.approx(720.0 - 13.0, rel=1e-6)
    assert match.sim.last_touch == 0


def test_a_kick_carries_some_of_the_kickers_speed() -> None:
    match = running()
    place(match, 0, 500.0, MID_Y, vx=240.0)
    put_ball(match, 542.0, MID_Y)
    press(match, 0, KICK | RIGHT)  # holds its speed: 240 u/s into the kick
    match.step()
    assert match.sim.ball.vx == pytest.approx(720.0 + 0.3 * 240.0 - 13.0)
    assert match.sim.ball.vy == pytest.approx(0.0)


@pytest.mark.parametrize(("distance", "kicked"), [(39.9, True), (40.1, False)])
def test_a_kick_needs_the_ball_within_reach(distance: float, kicked: bool) -> None:
    match = running()
    place(match, 0, 500.0, 200.0)
    put_ball(match, 500.0 + distance, 200.0)
    press(match, 0, KICK)
    events = match.step()
    assert (events == [[KICKED, 0]]) is kicked
    assert (match.sim.ball.vx > 0) is kicked
    assert match.sim.last_touch == (0 if kicked else None)


@pytest.mark.parametrize(("cooldown", "kicks"), [(0.3, 3), (0.5, 2), (0.0, 13)])
def test_kicks_wait_for_the_cooldown(cooldown: float, kicks: int) -> None:
    match = running(make_rules(kick_cooldown=cooldown))
    place(match, 0, 500.0, 200.0)
    press(match, 0, KICK)
    count = 0
    for _ in range(13):
        put_ball(match, 530.0, 200.0)
        count += match.step().count([KICKED, 0])
    assert count == kicks


def test_without_the_kick_button_a_ball_in_reach_is_not_kicked() -> None:
    match = running()
    place(match, 0, 500.0, 200.0)
    put_ball(match, 530.0, 200.0)
    press(match, 0, 0)
    assert run(match, 5) == []
    assert (match.sim.ball.x, match.sim.ball.vx) == (530.0, 0.0)


def test_running_into_the_ball_dribbles_it_ahead() -> None:
    match = running()
    place(match, 0, 300.0, 200.0, vx=240.0)
    put_ball(match, 330.0, 200.0)
    press(match, 0, RIGHT)
    assert match.step() == [], "a touch is no kick"
    ball = match.sim.ball
    assert ball.vx == pytest.approx(240.0 * 1.15 - 13.0)
    assert ball.x == pytest.approx(312.0 + R + BALL_R + ball.vx * 0.05)
    assert match.sim.last_touch == 0


def test_a_player_standing_on_the_ball_only_pushes_it_out() -> None:
    match = running()
    place(match, 0, 300.0, 200.0)
    put_ball(match, 310.0, 200.0)
    match.step()
    assert (match.sim.ball.x, match.sim.ball.vx) == pytest.approx((300.0 + R + BALL_R, 0.0))
    assert match.sim.last_touch == 0


# -- goals and kick-offs -------------------------------------------------------------------


@pytest.mark.parametrize(("scorer", "goal", "team"), [(0, "right", 0), (1, "left", 1)])
def test_a_goal_scores_for_the_attacking_team_and_its_scorer(
    scorer: int, goal: str, team: int
) -> None:
    match = running()
    version = match.roster_version
    events = shoot(match, scorer, goal)
    assert [GOAL, team, scorer] in events
    assert score_view(match)[team] == 1 and score_view(match)[1 - team] == 0
    assert player(match, scorer).goals == 1
    assert match.roster_version > version
    row = next(r for r in match.roster() if r[0] == scorer)
    assert row == [scorer, f"p{scorer}", team, 1, True]


def test_an_own_goal_counts_for_the_other_team_and_credits_nobody() -> None:
    match = running()
    version = match.roster_version
    events = shoot(match, 0, "left")  # team 0 kicks into the goal it defends
    assert [GOAL, 1, -1] in events, "nobody of team 1 touched the ball last"
    assert score_view(match)[:2] == (0, 1)
    assert player(match, 0).goals == player(match, 1).goals == 0
    assert match.roster_version == version


def test_a_goal_nobody_touched_has_no_scorer() -> None:
    match = running()
    put_ball(match, 1180.0, MID_Y, vx=800.0)
    assert match.step()[0] == [GOAL, 0, -1]
    assert score_view(match)[:2] == (1, 0)


def test_a_goal_by_a_player_who_left_meanwhile_has_no_scorer() -> None:
    match = running(mode="2v2")
    put_ball(match, 1100.0, MID_Y)
    place(match, 2, 1070.0, MID_Y)
    press(match, 2, KICK)
    match.step()
    assert match.sim.last_touch == 2
    match.remove_player(2)
    events = run(match, 5)
    assert [GOAL, 0, -1] in events
    assert player(match, 2).goals == 0


@pytest.mark.parametrize(("scorer", "goal", "kickoff_team"), [(0, "right", 1), (1, "left", 0)])
def test_after_a_goal_the_team_that_conceded_kicks_off_from_the_centre(
    scorer: int, goal: str, kickoff_team: int
) -> None:
    match = running(mode="2v2")
    press(match, 2, RIGHT)
    events = shoot(match, scorer, goal)
    assert events[-1] == [KICKOFF, kickoff_team], "the kick-off follows the goal at once"
    sim = match.sim
    assert sim.kickoff_team == kickoff_team and score_view(match)[3] == kickoff_team
    assert (sim.ball.x, sim.ball.y, sim.ball.vx, sim.ball.vy) == (600.0, 350.0, 0.0, 0.0)
    assert sim.last_touch is None
    taker = min(pid for pid in sim.players if match.seats[pid].team == kickoff_team)
    gap = R + BALL_R + 6.0
    side = -1 if kickoff_team == 0 else 1
    assert (player(match, taker).x, player(match, taker).y) == (600.0 + side * gap, 350.0)
    for p in sim.players.values():
        team = match.seats[p.id].team
        assert (p.vx, p.vy) == (0.0, 0.0)
        assert (p.x < 600.0) is (team == 0), "everyone on its own half"
        assert p.aim == (0.0 if team == 0 else math.pi), "facing the other goal"
        if p.id != taker:
            assert p.x == (600.0 - 264.0 if team == 0 else 600.0 + 264.0)


@pytest.mark.parametrize(("pause", "ticks"), [(2.0, 40), (0.5, 10), (0.0, 0)])
def test_after_a_goal_everyone_stands_still_for_the_pause(pause: float, ticks: int) -> None:
    match = running(make_rules(goal_pause=pause))
    shoot(match, 0, "right")
    sim = match.sim
    spots = {pid: (p.x, p.y) for pid, p in sim.players.items()}
    assert score_view(match)[2] == (1 if ticks else 0)
    press(match, 0, UP | KICK, -math.pi / 2)
    press(match, 1, LEFT | KICK, math.pi)
    for _ in range(ticks - 1):
        assert match.step() == []
        assert score_view(match)[2] == 1, "paused"
        assert {pid: (p.x, p.y) for pid, p in sim.players.items()} == spots
        assert (sim.ball.x, sim.ball.y) == (600.0, 350.0)
    match.step()
    assert score_view(match)[2] == 0
    assert player(match, 0).y < spots[0][1] and player(match, 1).x < spots[1][0]


def test_a_goal_pause_restored_from_a_checkpoint_ends_on_the_same_tick() -> None:
    match = running()
    shoot(match, 0, "right")
    run(match, 15)
    copy = Match.restore(match.game, match.mode, match.export_state())
    press(match, 0, RIGHT)
    press(copy, 0, RIGHT)
    moved = []
    for m in (match, copy):
        x = player(m, 0).x
        for step in range(40):
            m.step()
            if player(m, 0).x != x:
                moved.append(step)
                break
    assert moved == [24, 24]


def test_goals_go_on_without_a_score_limit() -> None:
    match = running()
    for _ in range(3):
        shoot(match, 0, "right")
    shoot(match, 1, "left")
    assert match.phase is Phase.RUNNING and match.result is None
    assert score_view(match)[:2] == (3, 1)
    assert (player(match, 0).goals, player(match, 1).goals) == (3, 1)


@pytest.mark.parametrize(("limit", "other"), [(1, 0), (3, 2)])
def test_the_score_limit_ends_the_match_at_once(limit: int, other: int) -> None:
    match = running(make_rules(score_limit=limit))
    for _ in range(other):
        shoot(match, 1, "left")
    for goal in range(limit):
        events = shoot(match, 0, "right")
        if goal < limit - 1:
            assert match.result is None
    assert match.phase is Phase.ENDED
    assert KICKOFF not in [e[0] for e in events], "no kick-off after the last goal"
    result = match.result
    assert result is not None
    assert (result.reason, result.winner_team, result.winner_id) == ("score_limit", 0, None)
    assert result.summary == {"score": [limit, other]}
    assert result.standings == [[0, "p0", 1, 0, limit], [1, "p1", 2, 1, other]]


# -- phases --------------------------------------------------------------------------------


def test_waiting_is_free_play_and_a_goal_just_puts_the_ball_back() -> None:
    match = make_match(players=1)
    match.step()
    assert match.phase is Phase.WAITING and score_view(match) == (0, 0, 0, 0)
    place(match, 0, 1120.0, MID_Y)
    put_ball(match, 1150.0, MID_Y)
    press(match, 0, KICK)
    events = run(match, 3)
    assert events == [[KICKED, 0]], "kicks, but no goal"
    assert (match.sim.ball.x, match.sim.ball.y, match.sim.ball.vx) == (600.0, 350.0, 0.0)
    assert match.sim.score == [0, 0] and player(match, 0).goals == 0


def test_the_countdown_places_everyone_and_holds_them_still() -> None:
    match = make_match(make_rules(countdown=1.0), mode="2v2")
    for player_id in match.sim.players:
        press(match, player_id, RIGHT | DOWN | KICK)
    assert match.step() == [[KICKOFF, 0]]
    assert match.phase is Phase.COUNTDOWN
    spots = {pid: (p.x, p.y) for pid, p in match.sim.players.items()}
    assert score_view(match) == (0, 0, 1, 0), "paused"
    for _ in range(19):
        assert match.step() == []
        assert match.phase is Phase.COUNTDOWN
        assert {pid: (p.x, p.y) for pid, p in match.sim.players.items()} == spots
    events = match.step()
    assert match.phase is Phase.RUNNING
    assert events[0] == [KICKOFF, 0]
    assert score_view(match)[2] == 0
    assert all(match.sim.players[pid].x > spots[pid][0] for pid in spots), "they run"


def test_the_countdown_places_everyone_again_after_going_back_to_waiting() -> None:
    match = make_match(make_rules(countdown=1.0))
    match.step()
    assert match.phase is Phase.COUNTDOWN
    match.player_away(1)
    match.step()
    assert match.phase is Phase.WAITING and score_view(match)[2] == 0
    place(match, 0, 100.0, 100.0)
    match.readmit_player(1)
    assert match.step() == [[KICKOFF, 0]]
    assert match.phase is Phase.COUNTDOWN
    assert (player(match, 0).x, player(match, 0).y) == (568.0, 350.0)


@pytest.mark.parametrize(("limit", "ticks"), [(1.0, 20), (2.5, 50)])
def test_the_time_limit_ends_the_match(limit: float, ticks: int) -> None:
    match = running(make_rules(time_limit=limit))
    run(match, ticks - 1)
    assert match.phase is Phase.RUNNING
    match.step()
    result = match.result
    assert result is not None and result.reason == "time_limit"
    assert result.duration_ms == round(limit * 1000)
    assert (match.sim.ball.vx, match.sim.ball.vy) == (0.0, 0.0)


def test_a_draw_at_the_final_whistle_has_no_winner_and_one_place() -> None:
    match = running(make_rules(time_limit=10.0), mode="2v2")
    shoot(match, 0, "right")
    shoot(match, 3, "left")
    while match.result is None:
        match.step()
    result = match.result
    assert (result.reason, result.winner_team, result.winner_id) == ("time_limit", None, None)
    assert result.summary == {"score": [1, 1]}
    assert sorted(result.standings) == [
        [0, "p0", 1, 0, 1],
        [1, "p1", 1, 1, 0],
        [2, "p2", 1, 0, 0],
        [3, "p3", 1, 1, 1],
    ]


def test_the_team_ahead_at_the_final_whistle_wins_and_teammates_share_a_place() -> None:
    match = running(make_rules(time_limit=10.0), mode="3v3")
    shoot(match, 1, "left")
    shoot(match, 5, "left")
    shoot(match, 2, "right")
    while match.result is None:
        match.step()
    result = match.result
    assert (result.reason, result.winner_team) == ("time_limit", 1)
    assert result.summary == {"score": [1, 2]}
    assert result.columns == ("goals",) and result.teams == 2
    assert [row[0] for row in result.standings] == [1, 3, 5, 0, 2, 4], "winners first, by id"
    assert {(row[2], row[3]) for row in result.standings} == {(1, 1), (4, 0)}
    goals = {row[0]: row[4] for row in result.standings}
    assert goals == {0: 0, 1: 1, 2: 1, 3: 0, 4: 0, 5: 1}


def test_the_match_after_the_final_whistle_is_frozen() -> None:
    match = running(make_rules(time_limit=1.0))
    press(match, 0, RIGHT)
    while match.result is None:
        match.step()
    spot = (player(match, 0).x, player(match, 0).y)
    assert not match.apply_input(0, 99, (LEFT, 0))
    run(match, 10)
    assert (player(match, 0).x, player(match, 0).y) == spot


# -- seats and teams -----------------------------------------------------------------------


def test_seats_are_dealt_to_the_teams_in_turn_and_join_on_their_half() -> None:
    match = make_match(mode="3v3", players=0)
    for index in range(6):
        player_id = match.add_player(f"p{index}")
        assert match.seats[player_id].team == index % 2
        p = player(match, player_id)
        assert (p.x < WIDTH / 2) is (index % 2 == 0)
        assert R <= p.y <= HEIGHT - R
    spots = {(p.x, p.y) for p in match.sim.players.values()}
    assert len(spots) == 6
    with pytest.raises(MatchFull):
        match.add_player("seventh")


def test_the_kick_off_puts_six_players_on_distinct_spots_around_the_ball() -> None:
    match = running(mode="3v3")
    sim = match.sim
    players = list(sim.players.values())
    for i, a in enumerate(players):
        for b in players[i + 1 :]:
            assert math.hypot(a.x - b.x, a.y - b.y) >= 2 * R
        assert math.hypot(a.x - 600.0, a.y - 350.0) > R + BALL_R, "nobody touches the ball"
    taker = player(match, 0)
    assert math.hypot(taker.x - 600.0, taker.y - 350.0) <= R + BALL_R + sim.rules.kick_reach
    assert [e for e in match.step() if e[0] == KICKED] == []
    press(match, 0, KICK)
    assert [KICKED, 0] in match.step(), "the taker can kick off at once"


def test_an_away_player_stands_still_and_shows_as_reconnecting() -> None:
    match = running(grace=5.0)
    place(match, 0, 300.0, 200.0)
    press(match, 0, RIGHT)
    run(match, 5)
    match.player_away(0)
    assert players_view(match)[0][3] == int(PlayerFlag.RECONNECTING)
    assert player(match, 0).buttons == 0
    run(match, 5)
    p = player(match, 0)
    assert p.vx == 0.0, "friction stopped it"
    spot = (p.x, p.y)
    run(match, 5)
    assert (p.x, p.y) == spot
    match.readmit_player(0)
    assert players_view(match)[0][3] == 0
    assert (p.x, p.y) == spot, "back where it waited"


def test_a_player_who_leaves_goes_off_the_pitch_and_keeps_its_goals() -> None:
    match = running(mode="2v2")
    shoot(match, 2, "right")
    version = match.roster_version
    match.remove_player(2)
    assert match.roster_version > version
    assert 2 not in players_view(match)
    match.step()
    assert match.phase is Phase.RUNNING, "both teams still have a player"
    assert next(r for r in match.roster() if r[0] == 2) == [2, "p2", 0, 1, False]
    match.readmit_player(2)
    p = player(match, 2)
    assert 2 in players_view(match) and p.goals == 1 and p.x < WIDTH / 2
    assert match.seats[2].team == 0


def test_a_newcomer_takes_the_team_that_is_short_of_a_player() -> None:
    match = running(mode="2v2")
    match.remove_player(1)
    newcomer = match.add_player("late")
    assert match.seats[newcomer].team == 1
    assert player(match, newcomer).x > WIDTH / 2
    with pytest.raises(MatchFull):
        match.add_player("one too many")


@pytest.mark.parametrize("mode", ["1v1", "2v2"])
def test_a_team_that_leaves_loses_by_forfeit_even_when_ahead(mode: str) -> None:
    match = running(mode=mode)
    shoot(match, 1, "left")
    for player_id in list(match.sim.players):
        if match.seats[player_id].team == 1:
            match.remove_player(player_id)
    match.step()
    result = match.result
    assert result is not None and result.reason == "forfeit"
    assert result.winner_team == 0
    assert result.summary == {"score": [0, 1]}
    assert [row[3] for row in result.standings] == sorted(row[3] for row in result.standings)
    places = {row[0]: row[2] for row in result.standings}
    assert all(places[pid] == 1 for pid in match.seats if match.seats[pid].team == 0)
