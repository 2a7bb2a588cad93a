"""Simulated players for load tests and test suites: what a bot sees, and the default bot.

A bot plays from a client's point of view: the WELCOME it got and the state rebuilt from the
snapshots since (``BotView``). Each game may give its own (``Game.make_bot``); the default sends
random values within the game's InputSchema, held for a while, so that any game can be loaded
and fuzzed with valid inputs. Pure: time and randomness are passed in.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any, Protocol

from engine.schema import InputSchema, StateSchema
from engine.wirestate import WireState

HOLD_SECONDS = (0.3, 1.2)  # the random bot keeps its values this long (uniform)


@dataclass
class BotView:
    """What a player's client knows: its WELCOME's schema and rules, its seat, the state."""

    schema: StateSchema
    rules: dict[str, Any]
    player_id: int | None = None
    team: int | None = None
    state: WireState | None = None

    @classmethod
    def from_welcome(cls, welcome: dict[str, Any]) -> BotView:
        """The view of a WELCOME (or SPECTATING) body."""
        return cls(
            StateSchema.from_wire(welcome["schema"]),
            dict(welcome.get("rules") or {}),
            welcome.get("player_id"),
            welcome.get("team"),
        )

    def rows(self, collection: str) -> dict[int, list[int]]:
        """The entities of a collection (empty before the first snapshot)."""
        if self.state is None:
            return {}
        return self.state.rows(self.schema, collection)

    @property
    def avatars(self) -> dict[int, list[int]]:
        """The players' avatars, by player id."""
        for collection in self.schema.collections:
            if collection.avatars:
                return self.rows(collection.name)
        return {}

    def own_ack(self) -> int | None:
        """The ``ack`` of the player's own avatar: the last of its INPUTs applied."""
        for collection in self.schema.collections:
            if collection.avatars and "ack" in [f.name for f in collection.fields]:
                row = self.rows(collection.name).get(self.player_id)  # type: ignore[arg-type]
                return None if row is None else row[collection.index("ack")]
        return None

    def global_value(self, name: str) -> Any:
        """A global by name (None before the first snapshot)."""
        if self.state is None:
            return None
        names = [f.name for f in self.schema.globals]
        return self.state.globals[names.index(name)]


class Bot(Protocol):
    """A simulated player."""

    def decide(self, view: BotView, now: float) -> tuple[int, ...] | None:
        """The INPUT values to send at monotonic time ``now`` (None: send nothing)."""


@dataclass
class RandomBot:
    """Random values within the game's input ranges, each held for a moment."""

    inputs: InputSchema
    rng: random.Random = field(default_factory=random.Random)
    values: tuple[int, ...] = ()
    until: float = 0.0

    def decide(self, view: BotView, now: float) -> tuple[int, ...] | None:
        """The held values; new ones when their time is up."""
        if not self.values or now >= self.until:
            self.values = tuple(self.rng.randint(f.low, f.high) for f in self.inputs.fields)
            self.until = now + self.rng.uniform(*HOLD_SECONDS)
        return self.values
