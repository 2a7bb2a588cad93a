"""The arena shooter as a game of the game API: its modes, options, inputs and state schema."""

from __future__ import annotations

import random
from typing import Any

from engine.game import Game, MatchContext, Mode, Timing
from engine.games.shooter.bot import ShooterBot
from engine.games.shooter.rules import Rules
from engine.games.shooter.simulation import ShooterSimulation
from engine.games.shooter.wire import AIM_SCALE, ALL_BUTTONS, MAX_AIM_MRAD, POSITION_SCALE
from engine.games.shooter.wire import EventKind as Kind
from engine.schema import Collection, EventType, Field, InputSchema, StateSchema

MAX_SEQ = 2**32 - 1
MAX_TICK = 2**31 - 1
MAX_VIEW_DELAY_MS = 1000


def state_schema(rules: Rules) -> StateSchema:
    """Ships and bullets as the snapshots carry them (docs/protocol.md, section 9)."""
    width = round(rules.arena_width * POSITION_SCALE)
    height = round(rules.arena_height * POSITION_SCALE)
    step = round(rules.bullet_speed / rules.tick_rate * POSITION_SCALE) + 1
    position = {"scale": POSITION_SCALE, "delta": "diff", "lerp": True}
    return StateSchema(
        collections=(
            Collection(
                "players",
                (
                    Field("x", 0, width, **position),  # type: ignore[arg-type]
                    Field("y", 0, height, **position),  # type: ignore[arg-type]
                    Field(
                        "aim",
                        -MAX_AIM_MRAD,
                        MAX_AIM_MRAD,
                        AIM_SCALE,
                        "diff",
                        "angle",
                        lerp=True,
                    ),
                    Field("health", 0, rules.max_health),
                    Field("flags", 0, 7, kind="flags"),
                    Field("ack", 0, MAX_SEQ, delta="diff"),
                ),
                avatars=True,
            ),
            Collection(
                "bullets",
                (
                    Field("x", -step, width + step, POSITION_SCALE),
                    Field("y", -step, height + step, POSITION_SCALE),
                    Field("dx", -step, step, POSITION_SCALE),
                    Field("dy", -step, step, POSITION_SCALE),
                    Field("owner", 0, 255),
                ),
                kind="projectiles",
                motion=("x", "y", "dx", "dy"),
            ),
        ),
        events=(
            EventType(int(Kind.KILL), "kill", ("killer", "victim")),
            EventType(int(Kind.HIT), "hit", ("shooter", "victim", "damage")),
            EventType(int(Kind.SPAWN), "spawn", ("player",)),
        ),
        roster=(Field("score", 0, 10_000), Field("deaths", 0, 10_000)),
    )


class ShooterGame(Game):
    """Top-down arena shooter: move, aim, fire; kills score while the match runs."""

    name = "shooter"
    title = "Arena shooter"
    description = "Fast top-down shooter: move, aim and fire; the most kills wins."
    Options = Rules
    inputs = InputSchema(
        (
            Field("buttons", 0, ALL_BUTTONS, kind="flags"),
            Field("aim", -MAX_AIM_MRAD, MAX_AIM_MRAD, AIM_SCALE, kind="angle"),
            # what the player saw (lag compensation): the newest tick it held, and how far
            # (ms) behind that tick it drew the match; 0 and 0 when it does not say
            Field("view_tick", 0, MAX_TICK, optional=True),
            Field("view_delay", 0, MAX_VIEW_DELAY_MS, optional=True),
        )
    )

    def configure(self, options: Rules) -> None:
        """Modes and the schema's ranges follow the rules."""
        self.modes = (
            Mode("duel", "Duel · 1 vs 1", 2, 2),
            Mode(
                "ffa",
                f"Free for all · up to {options.ffa_max_players}",
                options.min_players,
                options.ffa_max_players,
                fill_wait=options.ffa_fill_wait,
                lobby_min=options.ffa_lobby_min,
            ),
        )
        self.state = state_schema(options)

    def timing(self, mode: Mode) -> Timing:
        """The rules' countdown, time limit, linger and empty timeout."""
        rules: Rules = self.options
        return Timing(rules.countdown, rules.time_limit, rules.ended_linger, rules.empty_timeout)

    def create(self, ctx: MatchContext) -> ShooterSimulation:
        """An empty arena."""
        return ShooterSimulation(ctx)

    def restore(self, ctx: MatchContext, state: dict[str, Any]) -> ShooterSimulation:
        """The arena of a checkpoint."""
        return ShooterSimulation.restore(ctx, state)

    def history_seconds(self, mode: Mode) -> float:
        """The ticks lag compensation may rewind to (the rules' ``rewind_limit``)."""
        rules: Rules = self.options
        return rules.rewind_limit

    def make_bot(self, rng: random.Random) -> ShooterBot:
        """A bot that wanders, aims at the nearest opponent and fires in bursts."""
        return ShooterBot(rng=rng)

    def rules(self, mode: Mode) -> dict[str, Any]:
        """Ship, bullet and arena constants (WELCOME's ``rules``)."""
        rules: Rules = self.options
        return rules.to_wire()
