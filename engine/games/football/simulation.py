"""Football's rules: players who run and kick, a ball that rolls and bounces, goals, kick-offs.

Team 0 defends the left goal, team 1 the right one. The runtime runs the phases and the clock;
this module moves the players and the ball, scores goals while the match runs (each followed by
a pause and a kick-off by the team that conceded), and ends the match at the score limit if
there is one. Pure and deterministic.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import Any

from engine.game import GameOver, MatchContext, Seat, Simulation, StateView
from engine.games.football.rules import FootballRules
from engine.games.football.wire import (
    AIM_SCALE,
    POSITION_SCALE,
    Button,
    EventKind,
    PlayerFlag,
    quantize_aim,
)
from engine.protocol import Phase

_MOVE_MASK = int(Button.UP | Button.DOWN | Button.LEFT | Button.RIGHT)
_KICK = int(Button.KICK)
_RECONNECTING = int(PlayerFlag.RECONNECTING)
BALL_ID = 0
KICK_CARRY = 0.3  # the share of the kicker's own velocity the ball takes


def _direction(buttons: int) -> tuple[float, float] | None:
    dx = (1 if buttons & Button.RIGHT else 0) - (1 if buttons & Button.LEFT else 0)
    dy = (1 if buttons & Button.DOWN else 0) - (1 if buttons & Button.UP else 0)
    if dx == 0 and dy == 0:
        return None
    norm = math.hypot(dx, dy)
    return (dx / norm, dy / norm)


_DIRECTIONS = tuple(_direction(b) for b in range(_MOVE_MASK + 1))


@dataclass(slots=True, eq=False)
class Footballer:
    """One player on the pitch (kept after its player left, for the results)."""

    id: int
    x: float = 0.0
    y: float = 0.0
    vx: float = 0.0
    vy: float = 0.0
    aim: float = 0.0
    buttons: int = 0
    in_play: bool = True
    goals: int = 0
    next_kick_tick: int = 0


_PLAYER_FIELDS = tuple(f.name for f in fields(Footballer))


@dataclass(slots=True)
class Ball:
    """The ball: where it is and how it rolls."""

    x: float = 0.0
    y: float = 0.0
    vx: float = 0.0
    vy: float = 0.0


class FootballSimulation(Simulation):
    """One football match: the players, the ball, the score and the kick-offs."""

    def __init__(self, ctx: MatchContext) -> None:
        super().__init__(ctx)
        rules: FootballRules = ctx.options
        self.rules = rules
        self.players: dict[int, Footballer] = {}
        self.ball = Ball(rules.pitch_width / 2, rules.pitch_height / 2)
        self.score = [0, 0]
        self.kickoff_team = 0
        self.paused_until = 0  # tick: everyone stands still until then (after a goal)
        self.last_touch: int | None = None
        self._placed = False  # the kick-off positions are taken (countdown)
        self._pending: list[list[int]] = []
        self._roster_version = 0
        dt = ctx.dt
        self._dt = dt
        self._accel_step = rules.acceleration * dt
        self._friction_step = rules.friction * dt
        self._ball_friction_step = rules.ball_friction * dt
        self._cooldown_ticks = max(1, ctx.ticks(rules.kick_cooldown))
        self._pause_ticks = ctx.ticks(rules.goal_pause)

    # -- what is shown ---------------------------------------------------------------------

    @property
    def paused(self) -> bool:
        """Everyone stands still: the countdown, or the pause after a goal."""
        phase = self.ctx.phase
        return phase is Phase.COUNTDOWN or self.ctx.tick < self.paused_until

    def view(self) -> StateView:
        """Globals ``(score0, score1, paused, kickoff_team)``, players, the ball."""
        scale = POSITION_SCALE
        seats = self.ctx.seats
        players: dict[int, tuple[int, ...]] = {}
        for p in sorted(self.players.values(), key=lambda p: p.id):
            if not p.in_play:
                continue
            seat = seats[p.id]
            players[p.id] = (
                round(p.x * scale),
                round(p.y * scale),
                quantize_aim(p.aim),
                _RECONNECTING if seat.away else 0,
                seat.last_seq,
            )
        ball = {BALL_ID: (round(self.ball.x * scale), round(self.ball.y * scale))}
        values = (self.score[0], self.score[1], int(self.paused), self.kickoff_team)
        return StateView(values, (players, ball))

    def take_events(self) -> list[list[int]]:
        """Goals, kicks and kick-offs since the last call."""
        events = self._pending
        self._pending = []
        return events

    @property
    def roster_version(self) -> int:
        """Changes whenever a player's goals do."""
        return self._roster_version

    def roster_columns(self, seat: Seat) -> tuple[int, ...]:
        """``(goals,)``."""
        return (self.players[seat.id].goals,)

    def ranking(self) -> list[list[int]]:
        """The team with more goals first; a draw is one tier."""
        by_team: dict[int, list[int]] = {0: [], 1: []}
        for seat in self.ctx.seats.values():
            by_team[seat.team or 0].append(seat.id)
        first, second = (0, 1) if self.score[0] >= self.score[1] else (1, 0)
        if self.score[0] == self.score[1]:
            return [by_team[0] + by_team[1]]
        return [tier for tier in (by_team[first], by_team[second]) if tier]

    def summary(self) -> dict[str, Any]:
        """The score, team 0's goals first."""
        return {"score": list(self.score)}

    # -- players ---------------------------------------------------------------------------

    def player_joined(self, seat: Seat) -> None:
        """A new player comes onto its team's half."""
        player = self.players.get(seat.id)
        if player is None:
            player = self.players[seat.id] = Footballer(seat.id)
        player.in_play = True
        player.x, player.y = self._bench_spot(seat)
        player.vx = player.vy = 0.0

    def player_away(self, seat: Seat) -> None:
        """The player stands still until it is back."""
        self.players[seat.id].buttons = 0

    def player_left(self, seat: Seat) -> None:
        """The player leaves the pitch; its goals stay in the results."""
        player = self.players[seat.id]
        player.in_play = False
        player.buttons = 0
        player.vx = player.vy = 0.0
        if self.last_touch == seat.id:
            self.last_touch = None

    def apply_input(self, seat: Seat, values: tuple[int, ...]) -> None:
        """``(buttons, aim_mrad)``, held until the next INPUT."""
        buttons, aim_mrad = values
        player = self.players[seat.id]
        player.buttons = buttons
        player.aim = aim_mrad / AIM_SCALE

    # -- phases ----------------------------------------------------------------------------

    def start(self) -> None:
        """The match proper: no goals yet, team 0 kicks off."""
        self.score = [0, 0]
        for player in self.players.values():
            player.goals = 0
        self._roster_version += 1
        self.kickoff_team = 0
        self.paused_until = 0
        self._kick_off()

    def end(self) -> None:
        """The final whistle: everything stops where it is."""
        self.ball.vx = self.ball.vy = 0.0
        for player in self.players.values():
            player.vx = player.vy = 0.0

    def step(self) -> GameOver | None:
        """One tick: players run and kick, the ball rolls; a goal may end the match."""
        if self.ctx.phase is Phase.COUNTDOWN:
            if not self._placed:
                self._kick_off()
            return None
        self._placed = False
        if self.ctx.tick < self.paused_until:
            return None
        in_play = [p for p in self.players.values() if p.in_play]
        in_play.sort(key=lambda p: p.id)
        self._run(in_play)
        self._separate(in_play)
        self._kick(in_play)
        self._touch(in_play)
        return self._roll()

    # -- positions -------------------------------------------------------------------------

    def _team_of(self, player_id: int) -> int:
        return self.ctx.seats[player_id].team or 0

    def _bench_spot(self, seat: Seat) -> tuple[float, float]:
        """Where a player who joins stands: its team's kick-off spot for its place in the team."""
        team = seat.team or 0
        mates = sorted(s.id for s in self.ctx.seated() if (s.team or 0) == team)
        index = mates.index(seat.id) if seat.id in mates else len(mates)
        return self._spot(team, index, max(len(mates), index + 1), taker=False)

    def _spot(self, team: int, index: int, count: int, taker: bool) -> tuple[float, float]:
        rules = self.rules
        width, height = rules.pitch_width, rules.pitch_height
        side = -1.0 if team == 0 else 1.0
        if taker:
            gap = rules.player_radius + rules.ball_radius + 6.0
            return (width / 2 + side * gap, height / 2)
        spacing = min(140.0, height / (count + 1))
        y = height / 2 + (index - (count - 1) / 2) * spacing
        return (width / 2 + side * width * 0.22, y)

    def _kick_off(self) -> None:
        """Everyone to their kick-off spots, the ball on the centre spot."""
        rules = self.rules
        self.ball = Ball(rules.pitch_width / 2, rules.pitch_height / 2)
        self.last_touch = None
        for team in (0, 1):
            mates = sorted(
                (p for p in self.players.values() if p.in_play and self._team_of(p.id) == team),
                key=lambda p: p.id,
            )
            for index, player in enumerate(mates):
                taker = team == self.kickoff_team and index == 0
                player.x, player.y = self._spot(team, index, len(mates), taker)
                player.vx = player.vy = 0.0
                player.aim = 0.0 if team == 0 else math.pi
        self._placed = True
        self._pending.append([int(EventKind.KICKOFF), self.kickoff_team])

    # -- movement --------------------------------------------------------------------------

    def _run(self, players: list[Footballer]) -> None:
        rules = self.rules
        dt = self._dt
        r = rules.player_radius
        max_speed = rules.max_speed
        max_speed2 = max_speed * max_speed
        for p in players:
            vx, vy = p.vx, p.vy
            direction = _DIRECTIONS[p.buttons & _MOVE_MASK]
            if direction is not None:
                vx += direction[0] * self._accel_step
                vy += direction[1] * self._accel_step
                speed2 = vx * vx + vy * vy
                if speed2 > max_speed2:
                    scale = max_speed / math.sqrt(speed2)
                    vx *= scale
                    vy *= scale
            elif vx != 0.0 or vy != 0.0:
                speed = math.sqrt(vx * vx + vy * vy)
                if speed <= self._friction_step:
                    vx = vy = 0.0
                else:
                    scale = (speed - self._friction_step) / speed
                    vx *= scale
                    vy *= scale
            # the shooter's movement without walls: the browser predicts both the same way
            x = p.x + vx * dt
            y = p.y + vy * dt
            if x < r:
                x, vx = r, max(vx, 0.0)
            elif x > rules.pitch_width - r:
                x, vx = rules.pitch_width - r, min(vx, 0.0)
            if y < r:
                y, vy = r, max(vy, 0.0)
            elif y > rules.pitch_height - r:
                y, vy = rules.pitch_height - r, min(vy, 0.0)
            p.x, p.y, p.vx, p.vy = x, y, vx, vy

    def _separate(self, players: list[Footballer]) -> None:
        """Players do not overlap: each overlapping pair is pushed apart, half each, but nobody
        off the pitch."""
        rules = self.rules
        r = rules.player_radius
        reach = 2 * r
        for i, a in enumerate(players):
            for b in players[i + 1 :]:
                dx, dy = b.x - a.x, b.y - a.y
                distance = math.hypot(dx, dy)
                if distance >= reach:
                    continue
                nx, ny = (dx / distance, dy / distance) if distance > 0 else (1.0, 0.0)
                push = (reach - distance) / 2
                a.x -= nx * push
                a.y -= ny * push
                b.x += nx * push
                b.y += ny * push
        for p in players:
            p.x = min(max(p.x, r), rules.pitch_width - r)
            p.y = min(max(p.y, r), rules.pitch_height - r)

    def _kick(self, players: list[Footballer]) -> None:
        rules = self.rules
        ball = self.ball
        tick = self.ctx.tick
        reach = rules.player_radius + rules.ball_radius + rules.kick_reach
        for p in players:
            if not p.buttons & _KICK or tick < p.next_kick_tick:
                continue
            if math.hypot(ball.x - p.x, ball.y - p.y) > reach:
                continue
            p.next_kick_tick = tick + self._cooldown_ticks
            ball.vx = math.cos(p.aim) * rules.kick_speed + p.vx * KICK_CARRY
            ball.vy = math.sin(p.aim) * rules.kick_speed + p.vy * KICK_CARRY
            self._cap_ball()
            self.last_touch = p.id
            self._pending.append([int(EventKind.KICK), p.id])

    def _touch(self, players: list[Footballer]) -> None:
        """A player running into the ball pushes it and passes some of its speed on."""
        rules = self.rules
        ball = self.ball
        touching = rules.player_radius + rules.ball_radius
        for p in players:
            dx, dy = ball.x - p.x, ball.y - p.y
            distance = math.hypot(dx, dy)
            if distance >= touching:
                continue
            nx, ny = (dx / distance, dy / distance) if distance > 0 else (1.0, 0.0)
            ball.x = p.x + nx * touching
            ball.y = p.y + ny * touching
            closing = (p.vx - ball.vx) * nx + (p.vy - ball.vy) * ny
            if closing > 0:
                ball.vx += nx * closing * rules.dribble
                ball.vy += ny * closing * rules.dribble
                self._cap_ball()
            self.last_touch = p.id

    def _cap_ball(self) -> None:
        ball = self.ball
        speed = math.hypot(ball.vx, ball.vy)
        limit = self.rules.ball_max_speed
        if speed > limit:
            ball.vx *= limit / speed
            ball.vy *= limit / speed

    def _roll(self) -> GameOver | None:
        """The ball rolls, slows, bounces off the walls, or goes in."""
        rules = self.rules
        ball = self.ball
        speed = math.hypot(ball.vx, ball.vy)
        if speed > 0:
            slower = max(0.0, speed - self._ball_friction_step)
            ball.vx *= slower / speed
            ball.vy *= slower / speed
        ball.x += ball.vx * self._dt
        ball.y += ball.vy * self._dt
        r = rules.ball_radius
        if ball.y < r:
            ball.y, ball.vy = r, -ball.vy * rules.bounce
        elif ball.y > rules.pitch_height - r:
            ball.y, ball.vy = rules.pitch_height - r, -ball.vy * rules.bounce
        in_mouth = rules.goal_top < ball.y < rules.goal_bottom
        if ball.x < 0 and in_mouth:
            return self._goal(1)
        if ball.x > rules.pitch_width and in_mouth:
            return self._goal(0)
        if ball.x < r and not in_mouth:
            ball.x, ball.vx = r, -ball.vx * rules.bounce
        elif ball.x > rules.pitch_width - r and not in_mouth:
            ball.x, ball.vx = rules.pitch_width - r, -ball.vx * rules.bounce
        return None

    def _goal(self, team: int) -> GameOver | None:
        """``team`` scored: counted while the match runs; then a pause and a kick-off."""
        scorer = self.last_touch
        if self.ctx.phase is not Phase.RUNNING:
            self.ball = Ball(self.rules.pitch_width / 2, self.rules.pitch_height / 2)
            return None
        self.score[team] += 1
        if scorer is not None and self._team_of(scorer) != team:
            scorer = None  # an own goal: nobody of the scoring team touched it last
        if scorer is not None:
            self.players[scorer].goals += 1
            self._roster_version += 1
        self._pending.append([int(EventKind.GOAL), team, -1 if scorer is None else scorer])
        limit = self.rules.score_limit
        if limit and self.score[team] >= limit:
            return GameOver("score_limit")
        self.kickoff_team = 1 - team
        self.paused_until = self.ctx.tick + self._pause_ticks
        self._kick_off()
        return None

    # -- checkpoints -----------------------------------------------------------------------

    def export_state(self) -> dict[str, Any]:
        """Players, ball, score, kick-off and pause."""
        return {
            "players": [[getattr(p, n) for n in _PLAYER_FIELDS] for p in self.players.values()],
            "ball": [self.ball.x, self.ball.y, self.ball.vx, self.ball.vy],
            "score": list(self.score),
            "kickoff_team": self.kickoff_team,
            "paused_until": self.paused_until,
            "last_touch": self.last_touch,
            "placed": self._placed,
            "pending": [list(e) for e in self._pending],
            "roster_version": self._roster_version,
        }

    @classmethod
    def restore(cls, ctx: MatchContext, state: dict[str, Any]) -> FootballSimulation:
        """The match ``export_state`` described."""
        sim = cls(ctx)
        for values in state["players"]:
            player = Footballer(**dict(zip(_PLAYER_FIELDS, values, strict=True)))
            sim.players[player.id] = player
        sim.ball = Ball(*state["ball"])
        sim.score = list(state["score"])
        sim.kickoff_team = state["kickoff_team"]
        sim.paused_until = state["paused_until"]
        sim.last_touch = state["last_touch"]
        sim._placed = state["placed"]
        sim._pending = [list(e) for e in state["pending"]]
        sim._roster_version = state["roster_version"]
        return sim
