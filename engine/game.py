"""The game API: what a game on Arena implements, and what the runtime gives it.

A game is a ``Game`` (its name, modes, options, declared inputs and state, registered by name
in ``engine.games``) and a ``Simulation`` per match: pure, deterministic Python that the
runtime (``engine.match``) drives tick by tick. The runtime owns everything else: sockets,
seats, the reconnect grace period, phases and timers, checkpoints and takeover, encoding,
spectators and results. docs/games.md teaches it with a complete example.

Determinism: a simulation may use only its state, its inputs and ``MatchContext.rng`` (seeded
per match, saved with checkpoints), never the clock or another random source, so that a match
taken over from a checkpoint goes on exactly as it would have. This module is pure.
"""

from __future__ import annotations

import random
from abc import ABC, abstractmethod
from collections.abc import Collection, Hashable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from functools import cached_property
from typing import Any, ClassVar, Literal

from engine.bots import Bot, RandomBot
from engine.protocol import Phase
from engine.schema import InputSchema, StateSchema

SnapshotPolicy = Literal["every_tick", "on_change"]


@dataclass(frozen=True, slots=True)
class Mode:
    """A way to play a game: how many players, in how many teams, and how the lobby fills it.

    ``min_players`` present start the countdown, and a match has ``min_players`` to
    ``max_players`` seats. The lobby forms groups of ``lobby_min`` (default: ``min_players``) to
    ``max_players``, waiting up to ``fill_wait`` seconds for a full one. With ``teams`` (2 or
    more) seats are dealt to the teams in turn and results are by team.
    """

    name: str
    title: str
    min_players: int
    max_players: int
    teams: int = 0
    fill_wait: float = 0.0
    lobby_min: int = 0

    def __post_init__(self) -> None:
        if not self.name or len(self.name) > 16:
            raise ValueError(f"a mode's name is 1 to 16 characters, got {self.name!r}")
        if not 1 <= self.min_players <= self.max_players:
            raise ValueError(f"mode {self.name!r}: need 1 <= min_players <= max_players")
        if self.lobby_min == 0:
            object.__setattr__(self, "lobby_min", self.min_players)
        if not self.min_players <= self.lobby_min <= self.max_players:
            raise ValueError(f"mode {self.name!r}: need min_players <= lobby_min <= max_players")
        if self.teams == 1 or self.teams < 0 or (self.teams and self.max_players % self.teams):
            raise ValueError(f"mode {self.name!r}: teams must be 0 or divide max_players")
        if self.fill_wait < 0:
            raise ValueError(f"mode {self.name!r}: fill_wait must be >= 0")

    def to_wire(self) -> dict[str, Any]:
        """The mode as the lobby and the game list describe it."""
        return {
            "title": self.title,
            "min_players": self.min_players,
            "max_players": self.max_players,
            "lobby_min": self.lobby_min,
            "teams": self.teams,
        }


@dataclass(frozen=True, slots=True)
class Timing:
    """The runtime's timers of one match, in seconds: the countdown, the running phase's limit
    (None or 0: the game alone ends it), how long an ended match lingers before it closes, and how
    long a match nobody is seated in waits before it is abandoned."""

    countdown: float = 3.0
    time_limit: float | None = None
    ended_linger: float = 5.0
    empty_timeout: float = 30.0


@dataclass(slots=True, eq=False)
class Seat:
    """One seated player, kept by the runtime (games read it, never change it).

    ``connected`` while the player has its seat (away ones included); ``away`` while its
    connection dropped and its seat waits for it (the reconnect grace period); ``released`` once
    it was away too long. ``last_seq`` is the sequence number of its last applied INPUT.
    """

    id: int
    name: str
    key: str = ""
    team: int | None = None
    connected: bool = True
    away: bool = False
    released: bool = False
    last_seq: int = 0

    @property
    def present(self) -> bool:
        """Seated with its connection up."""
        return self.connected and not self.away


SEAT_FIELDS = tuple(f.name for f in fields(Seat))


class Rewind(ABC):
    """The runtime's record of a match's last ticks (``MatchContext.history``): where the
    entities were a moment ago, as the game's views showed them (``engine.history``)."""

    @property
    @abstractmethod
    def oldest_tick(self) -> int | None:
        """The oldest tick kept (None while nothing is)."""

    @abstractmethod
    def rows_at(self, collection: int, time: float) -> Mapping[int, tuple[float, ...]]:
        """Each entity of the collection numbered ``collection`` (the schema's order) at
        ``time``, a tick, fractional: wire values, ``lerp`` fields interpolated between the two
        ticks kept around it, other fields as on the earlier one; clamped to the ticks kept."""


@dataclass(slots=True, eq=False)
class MatchContext:
    """What the runtime tells a simulation: the match's mode, options and seats, the current
    tick and phase, and its random source (seeded; the only one a simulation may use).
    ``history`` holds the views of the last ticks when the game asks for one
    (``Game.history_seconds``), else None."""

    mode: Mode
    options: Any
    tick_rate: int
    rng: random.Random
    seats: dict[int, Seat] = field(default_factory=dict)
    tick: int = 0
    phase: Phase = Phase.WAITING
    history: Rewind | None = None

    def ticks(self, seconds: float) -> int:
        """A duration in seconds as a whole number of ticks (rounded)."""
        return round(seconds * self.tick_rate)

    def ms(self, ticks: int) -> int:
        """A number of ticks in milliseconds."""
        return round(ticks * 1000 / self.tick_rate)

    @property
    def dt(self) -> float:
        """Seconds per tick."""
        return 1.0 / self.tick_rate

    def seated(self) -> list[Seat]:
        """The seated players (away ones included), in id order."""
        return [seat for seat in self.seats.values() if seat.connected]


class JoinRefused(Exception):
    """The game will not seat this player; the reason is shown to it."""


@dataclass(frozen=True, slots=True)
class GameOver:
    """A simulation ends its match: ``reason`` is a short word for clients ("score_limit")."""

    reason: str


@dataclass(frozen=True, slots=True)
class StateView:
    """One tick of a match as the snapshots carry it: the game's globals (wire values, in the
    schema's order) and, per collection, each entity's id and row of wire integers."""

    globals: tuple[Any, ...] = ()
    collections: tuple[Mapping[int, tuple[int, ...]], ...] = ()


class Simulation(ABC):
    """One match of a game: its state, advanced by the runtime one tick at a time.

    Hooks are called in tick order; ``ctx.tick`` is the tick being stepped (or, between ticks,
    the last one stepped). Events go into the list ``take_events`` hands over once per tick.
    """

    def __init__(self, ctx: MatchContext) -> None:
        self.ctx = ctx

    # -- players ------------------------------------------------------------------------

    def admit(self, seat: Seat) -> None:
        """Raise JoinRefused to refuse a new player, or one who had left and comes back to its
        seat (``seat.id`` is then one the game has seen; the runtime has checked the seats)."""
        return None  # optional hook: nothing to do by default

    @abstractmethod
    def player_joined(self, seat: Seat) -> None:
        """A new player took a seat (give it its entities)."""

    def player_away(self, seat: Seat) -> None:
        """A player's connection dropped; its seat waits for it (keep its entities idle)."""
        return None  # optional hook: nothing to do by default

    def player_back(self, seat: Seat) -> None:
        """An away player is back within its grace period: as it was."""
        return None  # optional hook: nothing to do by default

    @abstractmethod
    def player_left(self, seat: Seat) -> None:
        """A player left for good (it left, or was away too long): remove its entities. It stays
        in the roster and the results."""

    def player_returned(self, seat: Seat) -> None:
        """A player who had left took its seat again (same id and score): as ``player_joined``
        unless the game keeps something for it."""
        self.player_joined(seat)

    # -- play ---------------------------------------------------------------------------

    @abstractmethod
    def apply_input(self, seat: Seat, values: tuple[int, ...]) -> None:
        """A player's INPUT, its values checked against the game's InputSchema, in arrival
        order (the runtime has dropped stale ones)."""

    def start(self) -> None:
        """The running phase starts (after the countdown): reset scores, place everyone."""
        return None  # optional hook: nothing to do by default

    def end(self) -> None:
        """The match ended (for any reason): stop what moves; nothing steps any more."""
        return None  # optional hook: nothing to do by default

    @abstractmethod
    def step(self) -> GameOver | None:
        """Advance one tick (``ctx.tick``, in ``ctx.phase``); GameOver ends the match."""

    @abstractmethod
    def take_events(self) -> list[list[int]]:
        """The events since the last call, as wire arrays ``[kind, *args]``."""

    # -- what is shown ------------------------------------------------------------------

    @abstractmethod
    def view(self) -> StateView:
        """The current state, as the game's StateSchema declares it."""

    def view_group(self, seat: Seat) -> Hashable | None:
        """Which view ``seat``'s player gets (per-player views): players of one group share one
        encoded stream; None (the default) is the whole state, which spectators always get."""
        return None

    def visible_to(self, group: Hashable) -> tuple[Collection[int] | None, ...]:
        """The entity ids a view group may see, one entry per collection of the schema (None:
        all of them). Called once a tick per group that ``view_group`` named."""
        return ()

    def hidden_fields(self, group: Hashable) -> tuple[Mapping[int, Collection[str]] | None, ...]:
        """The fields a view group may not read of entities it sees, one entry per collection
        (None: every field): entity id -> field names. A hidden field is sent as 0 (or the
        value of its range nearest 0), so it costs nothing after the first frame. Called once
        a tick per group, after ``visible_to``."""
        return ()

    @abstractmethod
    def roster_columns(self, seat: Seat) -> tuple[int, ...]:
        """The game's roster columns of a player (the schema's ``roster`` fields)."""

    @property
    def roster_version(self) -> int:
        """A number that changes whenever a roster column of any player changes."""
        return 0

    @abstractmethod
    def ranking(self) -> Sequence[Sequence[int]]:
        """Every player id that ever took a seat, best first, in tiers of equals: for team
        modes, one tier per team."""

    def summary(self) -> dict[str, Any]:
        """A small JSON-able summary of the match, kept with its result (team scores, say)."""
        return {}

    # -- checkpoints --------------------------------------------------------------------

    @abstractmethod
    def export_state(self) -> dict[str, Any]:
        """Everything that decides the match's future, as msgpack-able plain data; ``Game.
        restore`` builds a simulation that steps on exactly as this one would."""


class Game(ABC):
    """A game's definition: one instance per process, registered by name in ``engine.games``.

    ``Options`` is a frozen dataclass of the game's settings with their defaults; the server
    reads each from ``ARENA_<GAME>_<OPTION>`` at start (``game.config``).
    """

    name: ClassVar[str]
    title: ClassVar[str]
    description: ClassVar[str] = ""
    Options: ClassVar[type]
    snapshots: ClassVar[SnapshotPolicy] = "every_tick"
    # class attributes, or set per instance from the options (``configure``)
    modes: tuple[Mode, ...] = ()
    inputs: InputSchema = InputSchema()
    state: StateSchema = StateSchema()
    tick_rate: int = 20

    def __init__(self, options: Any = None) -> None:
        self.options = options if options is not None else self.Options()
        self.tick_rate = getattr(self.options, "tick_rate", type(self).tick_rate)
        self.configure(self.options)

    def configure(self, options: Any) -> None:
        """Set what depends on the options (modes, schema ranges); called by ``__init__``."""
        return None  # optional hook: the class attributes stand

    @cached_property
    def wire_schema(self) -> dict[str, Any]:
        """The state and input schemas as WELCOME carries them (computed once)."""
        return {**self.state.to_wire(), "inputs": self.inputs.to_wire()}

    def mode(self, name: str) -> Mode:
        """The mode called ``name``; KeyError for a mode the game does not have."""
        for mode in self.modes:
            if mode.name == name:
                return mode
        raise KeyError(name)

    def timing(self, mode: Mode) -> Timing:
        """The runtime's timers for a match of ``mode`` (default: 3 s countdown, no limit)."""
        return Timing()

    @abstractmethod
    def create(self, ctx: MatchContext) -> Simulation:
        """A new match's simulation, before anyone is seated."""

    @abstractmethod
    def restore(self, ctx: MatchContext, state: dict[str, Any]) -> Simulation:
        """The simulation ``export_state`` described."""

    def rules(self, mode: Mode) -> dict[str, Any]:
        """The game's constants for clients (WELCOME's ``rules``): JSON-able, msgpack-able."""
        return {}

    def history_seconds(self, mode: Mode) -> float:
        """How much of a match's past the runtime keeps for ``ctx.history`` (0: none)."""
        return 0.0

    def make_bot(self, rng: random.Random) -> Bot:
        """A simulated player for load tests (``engine.bots``): by default random inputs within
        the InputSchema; a game may give one that plays it."""
        return RandomBot(self.inputs, rng)
