"""Sparks: a small synthetic game for the engine's generic tests (it is not a registered game).

Its schema uses every part of a StateSchema: globals (one of them a list), the players' avatars
(an entities collection), tokens that come and go (another entities collection, with a ``diff``
field), sparks that fly (a projectiles collection), two event types and a roster column. Each
INPUT ``(op, arg)`` does one thing (``Op``), so that a test, or a random history, can drive each
part of the state on its own; a tick in which nobody sends anything changes nothing but the
phase's time left. Pure and deterministic, like a real game.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from engine.game import Game, GameOver, MatchContext, Mode, Seat, Simulation, StateView, Timing
from engine.match import Match
from engine.protocol import Phase
from engine.schema import Collection, EventType, Field, InputSchema, StateSchema

LEVEL_MAX = 1000
SIDE = 1000  # avatars move in [0, SIDE] x [0, SIDE]
MAX_ARG = 50
WEIGHT_MAX = 10_000
POP, FLASH = 1, 2  # event kinds


class Op(IntEnum):
    """What an INPUT ``(op, arg)`` does."""

    IDLE = 0  # nothing
    MOVE_X = 1  # the avatar's x += arg (within the board)
    MOVE_Y = 2  # the avatar's y += arg
    COLOR = 3  # the avatar's color = arg % 8, and a FLASH event (even for the same color)
    LEVEL = 4  # level += arg (within 0 and LEVEL_MAX)
    LIGHT = 5  # lights[arg % 3] = abs(arg) % 10
    TOKEN = 6  # a new token worth abs(arg), weight 0
    TAKE = 7  # the oldest token is gone (a POP event); every other one weighs arg more
    FIRE = 8  # a spark from the avatar, flying (arg, -arg) a tick for abs(arg) % 4 + 1 ticks
    #          (not once the match is over: nothing moves any more)
    SCORE = 9  # the player's points += 1


STATE = StateSchema(
    globals=(Field("level", 0, LEVEL_MAX), Field("lights", 0, 9, length=3)),
    collections=(
        Collection(
            "avatars",
            (
                Field("x", 0, SIDE, delta="diff", lerp=True),
                Field("y", 0, SIDE, delta="diff", lerp=True),
                Field("color", 0, 7),
            ),
            avatars=True,
        ),
        Collection(
            "tokens",
            (Field("value", 0, MAX_ARG), Field("weight", -WEIGHT_MAX, WEIGHT_MAX, delta="diff")),
        ),
        Collection(
            "sparks",
            (
                Field("x", -SIDE, 2 * SIDE),
                Field("y", -SIDE, 2 * SIDE),
                Field("dx", -MAX_ARG, MAX_ARG),
                Field("dy", -MAX_ARG, MAX_ARG),
                Field("owner", 0, 255),
            ),
            kind="projectiles",
            motion=("x", "y", "dx", "dy"),
        ),
    ),
    events=(EventType(POP, "pop", ("token",)), EventType(FLASH, "flash", ("player", "color"))),
    roster=(Field("points", 0, 1000),),
)
INPUTS = InputSchema((Field("op", 0, int(max(Op))), Field("arg", -MAX_ARG, MAX_ARG)))


@dataclass(frozen=True, slots=True)
class SparkOptions:
    """The synthetic game's options: quick timers, and a level that ends the match."""

    tick_rate: int = 20
    countdown: float = 0.5
    time_limit: float | None = 3.0
    ended_linger: float = 0.5
    empty_timeout: float = 1.0
    level_limit: int = LEVEL_MAX  # the match ends ("level") when the level reaches it


def _clamp(value: int, low: int, high: int) -> int:
    return max(low, min(high, value))


class SparksSimulation(Simulation):
    """One match of Sparks."""

    def __init__(self, ctx: MatchContext) -> None:
        super().__init__(ctx)
        self.options: SparkOptions = ctx.options
        self.level = 0
        self.lights = [0, 0, 0]
        self.avatars: dict[int, list[int]] = {}  # seated player id -> [x, y, color]
        self.points: dict[int, int] = {}
        self.tokens: dict[int, list[int]] = {}  # id -> [value, weight]
        self.sparks: dict[int, list[int]] = {}  # id -> [x, y, dx, dy, owner, last_tick]
        self.next_token = 0
        self.next_spark = 0
        self.pending: list[list[int]] = []
        self.version = 0

    def player_joined(self, seat: Seat) -> None:
        """An avatar at (100 * id, 500), color 0."""
        self.points.setdefault(seat.id, 0)
        self.avatars[seat.id] = [min(100 * seat.id, SIDE), SIDE // 2, 0]

    def player_left(self, seat: Seat) -> None:
        """The avatar and its sparks go."""
        del self.avatars[seat.id]
        self.sparks = {i: s for i, s in self.sparks.items() if s[4] != seat.id}

    def apply_input(self, seat: Seat, values: tuple[int, ...]) -> None:
        """One ``Op``."""
        op, arg = values
        avatar = self.avatars[seat.id]
        if op == Op.MOVE_X:
            avatar[0] = _clamp(avatar[0] + arg, 0, SIDE)
        elif op == Op.MOVE_Y:
            avatar[1] = _clamp(avatar[1] + arg, 0, SIDE)
        elif op == Op.COLOR:
            avatar[2] = arg % 8
            self.pending.append([FLASH, seat.id, avatar[2]])
        elif op == Op.LEVEL:
            self.level = _clamp(self.level + arg, 0, LEVEL_MAX)
        elif op == Op.LIGHT:
            self.lights[arg % 3] = abs(arg) % 10
        elif op == Op.TOKEN:
            self.tokens[self.next_token] = [abs(arg), 0]
            self.next_token += 1
        elif op == Op.TAKE and self.tokens:
            oldest = next(iter(self.tokens))
            del self.tokens[oldest]
            self.pending.append([POP, oldest])
            for token in self.tokens.values():
                token[1] = _clamp(token[1] + arg, -WEIGHT_MAX, WEIGHT_MAX)
        elif op == Op.FIRE and self.ctx.phase is not Phase.ENDED:  # nothing moves once over
            last_tick = self.ctx.tick + abs(arg) % 4 + 1
            self.sparks[self.next_spark] = [avatar[0], avatar[1], arg, -arg, seat.id, last_tick]
            self.next_spark += 1
        elif op == Op.SCORE:
            self.points[seat.id] += 1
            self.version += 1

    def start(self) -> None:
        """Points reset when the match proper starts."""
        for player_id in self.points:
            self.points[player_id] = 0
        self.version += 1

    def end(self) -> None:
        """Sparks vanish."""
        self.sparks = {}

    def step(self) -> GameOver | None:
        """Sparks past their last tick vanish; the others move by (dx, dy)."""
        tick = self.ctx.tick
        moved: dict[int, list[int]] = {}
        for spark_id, spark in self.sparks.items():
            if spark[5] >= tick:
                moved[spark_id] = [spark[0] + spark[2], spark[1] + spark[3], *spark[2:]]
        self.sparks = moved
        if self.level >= self.options.level_limit:
            return GameOver("level")
        return None

    def take_events(self) -> list[list[int]]:
        """The POP and FLASH events since the last call."""
        events, self.pending = self.pending, []
        return events

    def view(self) -> StateView:
        """Globals ``(level, lights)``; avatars, tokens and sparks in id order."""
        avatars = {i: tuple(self.avatars[i]) for i in sorted(self.avatars)}
        tokens = {i: tuple(token) for i, token in self.tokens.items()}
        sparks = {i: tuple(spark[:5]) for i, spark in self.sparks.items()}
        return StateView((self.level, list(self.lights)), (avatars, tokens, sparks))

    def roster_columns(self, seat: Seat) -> tuple[int, ...]:
        """``(points,)``."""
        return (self.points[seat.id],)

    @property
    def roster_version(self) -> int:
        """Changes with the points."""
        return self.version

    def ranking(self) -> list[list[int]]:
        """Most points first; equal points are equals."""
        tiers: list[list[int]] = []
        for player_id in sorted(self.points, key=lambda i: (-self.points[i], i)):
            if tiers and self.points[tiers[-1][0]] == self.points[player_id]:
                tiers[-1].append(player_id)
            else:
                tiers.append([player_id])
        return tiers

    def export_state(self) -> dict[str, Any]:
        """Everything, as lists (msgpack maps keep string keys only)."""
        return {
            "level": self.level,
            "lights": list(self.lights),
            "avatars": [[i, *row] for i, row in self.avatars.items()],
            "points": [[i, p] for i, p in self.points.items()],
            "tokens": [[i, *row] for i, row in self.tokens.items()],
            "sparks": [[i, *row] for i, row in self.sparks.items()],
            "next_token": self.next_token,
            "next_spark": self.next_spark,
            "pending": [list(event) for event in self.pending],
            "version": self.version,
        }

    @classmethod
    def restore(cls, ctx: MatchContext, state: dict[str, Any]) -> SparksSimulation:
        """The simulation ``export_state`` described."""
        sim = cls(ctx)
        sim.level = state["level"]
        sim.lights = list(state["lights"])
        sim.avatars = {row[0]: list(row[1:]) for row in state["avatars"]}
        sim.points = {i: p for i, p in state["points"]}
        sim.tokens = {row[0]: list(row[1:]) for row in state["tokens"]}
        sim.sparks = {row[0]: list(row[1:]) for row in state["sparks"]}
        sim.next_token = state["next_token"]
        sim.next_spark = state["next_spark"]
        sim.pending = [list(event) for event in state["pending"]]
        sim.version = state["version"]
        return sim


class SparksGame(Game):
    """The synthetic game: ``solo`` (1 to 4 players) and ``pairs`` (two teams of up to 2)."""

    name = "sparks"
    title = "Sparks"
    description = "A synthetic game for the engine's tests."
    Options = SparkOptions
    snapshots = "on_change"
    modes = (Mode("solo", "Solo", 1, 4), Mode("pairs", "Pairs", 2, 4, teams=2))
    inputs = INPUTS
    state = STATE

    def timing(self, mode: Mode) -> Timing:
        """The options' timers."""
        o: SparkOptions = self.options
        return Timing(o.countdown, o.time_limit, o.ended_linger, o.empty_timeout)

    def create(self, ctx: MatchContext) -> SparksSimulation:
        """An empty board."""
        return SparksSimulation(ctx)

    def restore(self, ctx: MatchContext, state: dict[str, Any]) -> SparksSimulation:
        """The board of a checkpoint."""
        return SparksSimulation.restore(ctx, state)

    def rules(self, mode: Mode) -> dict[str, Any]:
        """The level that ends a match."""
        return {"level_limit": self.options.level_limit}


def sparks_match(
    players: int = 1, mode: str = "solo", seed: int = 1, max_players: int = 4, **options: Any
) -> Match:
    """A runtime match of Sparks with ``players`` seated (names s0, s1, ...), before tick 1."""
    game = SparksGame(SparkOptions(**options))
    match = Match(game, game.mode(mode), seed, max_players)
    for i in range(players):
        match.add_player(f"s{i}")
    return match


def act(match: Match, player_id: int, op: Op, arg: int = 0) -> None:
    """The player's next INPUT."""
    assert match.apply_input(player_id, match.seats[player_id].last_seq + 1, (int(op), arg))
