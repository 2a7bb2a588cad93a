"""Top-down team football as a game of the game API: modes, options, inputs and state."""

from __future__ import annotations

import random
from typing import Any

from engine.game import Game, MatchContext, Mode, Timing
from engine.games.football.bot import FootballBot
from engine.games.football.rules import FootballRules
from engine.games.football.simulation import FootballSimulation
from engine.games.football.wire import AIM_SCALE, ALL_BUTTONS, MAX_AIM_MRAD, POSITION_SCALE
from engine.games.football.wire import EventKind as Kind
from engine.schema import Collection, EventType, Field, InputSchema, StateSchema

MAX_SEQ = 2**32 - 1


def state_schema(rules: FootballRules) -> StateSchema:
    """The score and pause as globals, the players and the ball as entities."""
    width = round(rules.pitch_width * POSITION_SCALE)
    height = round(rules.pitch_height * POSITION_SCALE)
    # in a goal: a touch can push the ball up to its radius over the line, then it rolls a tick
    margin = round((rules.ball_max_speed / rules.tick_rate + rules.ball_radius) * POSITION_SCALE)
    margin += 1
    position = {"scale": POSITION_SCALE, "delta": "diff", "lerp": True}
    return StateSchema(
        globals=(
            Field("score0", 0, 999),
            Field("score1", 0, 999),
            Field("paused", 0, 1, kind="bool"),
            Field("kickoff_team", 0, 1),
        ),
        collections=(
            Collection(
                "players",
                (
                    Field("x", 0, width, **position),  # type: ignore[arg-type]
                    Field("y", 0, height, **position),  # type: ignore[arg-type]
                    Field("aim", -MAX_AIM_MRAD, MAX_AIM_MRAD, AIM_SCALE, "diff", "angle", True),
                    Field("flags", 0, 7, kind="flags"),
                    Field("ack", 0, MAX_SEQ, delta="diff"),
                ),
                avatars=True,
            ),
            Collection(
                "ball",
                (
                    Field("x", -margin, width + margin, **position),  # type: ignore[arg-type]
                    Field("y", 0, height, **position),  # type: ignore[arg-type]
                ),
            ),
        ),
        events=(
            EventType(int(Kind.GOAL), "goal", ("team", "scorer")),
            EventType(int(Kind.KICK), "kick", ("player",)),
            EventType(int(Kind.KICKOFF), "kickoff", ("team",)),
        ),
        roster=(Field("goals", 0, 999),),
    )


class FootballGame(Game):
    """Two teams, one ball: run, aim, kick; the most goals at the final whistle wins."""

    name = "football"
    title = "Football"
    description = "Top-down team football: run, aim and kick; the most goals wins."
    Options = FootballRules
    inputs = InputSchema(
        (
            Field("buttons", 0, ALL_BUTTONS, kind="flags"),
            Field("aim", -MAX_AIM_MRAD, MAX_AIM_MRAD, AIM_SCALE, kind="angle"),
        )
    )
    modes = (
        Mode("1v1", "1 vs 1", 2, 2, teams=2),
        Mode("2v2", "2 vs 2", 2, 4, teams=2, lobby_min=4),
        Mode("3v3", "3 vs 3", 2, 6, teams=2, lobby_min=6),
    )

    def configure(self, options: FootballRules) -> None:
        """The schema's ranges follow the pitch."""
        self.state = state_schema(options)

    def timing(self, mode: Mode) -> Timing:
        """The rules' countdown, match length, linger and empty timeout."""
        rules: FootballRules = self.options
        return Timing(rules.countdown, rules.time_limit, rules.ended_linger, rules.empty_timeout)

    def create(self, ctx: MatchContext) -> FootballSimulation:
        """An empty pitch."""
        return FootballSimulation(ctx)

    def restore(self, ctx: MatchContext, state: dict[str, Any]) -> FootballSimulation:
        """The pitch of a checkpoint."""
        return FootballSimulation.restore(ctx, state)

    def make_bot(self, rng: random.Random) -> FootballBot:
        """A bot that chases the ball and shoots at the other goal."""
        return FootballBot(rng)

    def rules(self, mode: Mode) -> dict[str, Any]:
        """The pitch and the constants prediction needs."""
        rules: FootballRules = self.options
        return rules.to_wire()
