"""The runtime's match: seats, the reconnect grace period, phases and timers, results.

A ``Match`` wraps one game ``Simulation`` (``engine.game``) and is what every game gets for free:
players join, go away and come back within the grace period, or leave; the countdown starts
when enough players are present; the running phase ends when the game says so, at the time
limit, or by forfeit when too many players left; the match lingers ended, then closes; one
nobody is seated in is abandoned. It exports and restores its whole state for checkpoints. Pure
and deterministic: no Django, asyncio or Redis.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from engine.game import (
    SEAT_FIELDS,
    Game,
    JoinRefused,
    MatchContext,
    Mode,
    Seat,
    Simulation,
    StateView,
)
from engine.history import StateHistory
from engine.protocol import Phase

STATE_VERSION = 1


class SeatRefused(Exception):
    """The match cannot seat this player."""


class MatchFull(SeatRefused):
    """Every seat is taken by a connected player."""


class MatchOver(SeatRefused):
    """The match has ended and accepts no more players."""


class SeatReleased(SeatRefused):
    """The player was away longer than the reconnect grace period and lost the seat."""


class GameRefusedSeat(SeatRefused):
    """The game itself refused the player (``JoinRefused``); the message says why."""


@dataclass(frozen=True, slots=True)
class MatchResult:
    """The outcome of a match: standings rows ``[id, name, place, (team,) *columns]`` best
    first, the winner (a player, or a team in team modes; None for a tie or no result)."""

    reason: str
    winner_id: int | None
    standings: list[list[Any]]
    duration_ms: int
    winner_team: int | None = None
    summary: dict[str, Any] = field(default_factory=dict)
    columns: tuple[str, ...] = ()  # the names of the game's columns in each row
    teams: int = 0  # the mode's teams (rows carry the team after the place)

    def to_wire(self) -> dict[str, Any]:
        """The RESULT map of the protocol (also what the database keeps)."""
        return {
            "reason": self.reason,
            "winner_id": self.winner_id,
            "winner_team": self.winner_team,
            "teams": self.teams,
            "columns": list(self.columns),
            "standings": [list(row) for row in self.standings],
            "duration_ms": self.duration_ms,
            "summary": self.summary,
        }

    @classmethod
    def from_wire(cls, wire: dict[str, Any]) -> MatchResult:
        """The result ``to_wire`` described."""
        return cls(
            reason=wire["reason"],
            winner_id=wire["winner_id"],
            standings=[list(row) for row in wire["standings"]],
            duration_ms=wire["duration_ms"],
            winner_team=wire.get("winner_team"),
            summary=dict(wire.get("summary") or {}),
            columns=tuple(wire.get("columns") or ()),
            teams=wire.get("teams") or 0,
        )


def _places(tiers: Sequence[Sequence[int]]) -> dict[int, int]:
    """Competition places of tiers of equals: 1, 1, 3, ..."""
    places: dict[int, int] = {}
    place = 1
    for tier in tiers:
        for player_id in tier:
            places[player_id] = place
        place += len(tier)
    return places


class Match:
    """One match of a game: the simulation with the runtime's seats, phases and timers."""

    def __init__(
        self,
        game: Game,
        mode: Mode,
        seed: int,
        max_players: int,
        reconnect_grace: float = 20.0,
        sim_state: dict[str, Any] | None = None,
    ) -> None:
        """``sim_state`` (from a checkpoint, see ``restore``) restores the game's simulation."""
        if not mode.min_players <= max_players <= mode.max_players:
            raise ValueError(
                f"max_players of a {mode.name} match is {mode.min_players} to "
                f"{mode.max_players}, not {max_players}"
            )
        self.game = game
        self.mode = mode
        self.max_players = max_players
        self.timing = game.timing(mode)
        self.ctx = MatchContext(mode, game.options, game.tick_rate, random.Random(seed))
        self.result: MatchResult | None = None
        self.last_events: list[list[int]] = []
        self._roster_version = 0
        self._next_player_id = 0
        self._phase_end = 0
        self._running_ticks = 0
        self._empty_ticks = 0
        self._away: dict[int, int] = {}  # player id -> the tick its seat is released on
        # the players who took part in the running phase (None: it has not started): seated at
        # its start or during it; one that left before it and never sat in it is not rated
        self._played: set[int] | None = None
        ctx = self.ctx
        self._countdown_ticks = ctx.ticks(self.timing.countdown)
        limit = self.timing.time_limit
        # 0 is no time limit, as WELCOME's time_limit_ms says (a positive one is a tick at least)
        self._time_limit_ticks = None if limit is None or limit <= 0 else max(1, ctx.ticks(limit))
        self._empty_limit_ticks = max(1, ctx.ticks(self.timing.empty_timeout))
        self._linger_ticks = ctx.ticks(self.timing.ended_linger)
        self._grace_ticks = ctx.ticks(reconnect_grace)
        history_ticks = ctx.ticks(game.history_seconds(mode))
        self.history = StateHistory(game.state, history_ticks + 2) if history_ticks > 0 else None
        ctx.history = self.history
        self._unrecorded = False  # the tick stepped last is not in the history yet
        self.sim: Simulation = (
            game.create(ctx) if sim_state is None else game.restore(ctx, sim_state)
        )

    # -- queries ---------------------------------------------------------------------------

    @property
    def tick(self) -> int:
        """The last tick stepped (0 before the first)."""
        return self.ctx.tick

    @property
    def phase(self) -> Phase:
        """The match's phase."""
        return self.ctx.phase

    @property
    def phase_wire(self) -> int:
        """The phase as snapshots carry it."""
        return int(self.ctx.phase)

    @property
    def seats(self) -> dict[int, Seat]:
        """Every seat ever taken, by player id (do not change them)."""
        return self.ctx.seats

    @property
    def connected_count(self) -> int:
        """Seated players, away ones included."""
        return sum(1 for seat in self.ctx.seats.values() if seat.connected)

    @property
    def present_count(self) -> int:
        """Seated players whose connection is up: what ``min_players`` is measured against."""
        return self.connected_count - len(self._away)

    @property
    def closed(self) -> bool:
        """True once an ended match has lingered for its time."""
        return self.ctx.phase is Phase.ENDED and self.ctx.tick >= self._phase_end

    @property
    def running_ms(self) -> int:
        """Time spent in the running phase so far."""
        return self.ctx.ms(self._running_ticks)

    def phase_ms_left(self) -> int:
        """Milliseconds until the phase ends; 0 while waiting or without a time limit."""
        phase = self.ctx.phase
        if phase is Phase.WAITING or (phase is Phase.RUNNING and self._time_limit_ticks is None):
            return 0
        return self.ctx.ms(max(0, self._phase_end - self.ctx.tick))

    def seat_of(self, player_key: str) -> Seat | None:
        """The seat a player (by key) took in this match, if any."""
        if not player_key:
            return None
        return next((s for s in self.ctx.seats.values() if s.key == player_key), None)

    def view(self) -> StateView:
        """The game's state of the current tick (``engine.codec``); with a history, the first
        view of a tick stepped is also the history's (the view the encoder builds anyway)."""
        view = self.sim.view()
        history = self.history
        if self._unrecorded and history is not None:
            self._unrecorded = False
            history.record(self.ctx.tick, view)
        return view

    def _record_unrecorded(self) -> None:
        """Put the tick stepped last into the history if no view of it was built yet."""
        if self._unrecorded:
            self.view()

    @property
    def roster_version(self) -> int:
        """Changes whenever the roster does (seats or the game's columns)."""
        return self._roster_version + self.sim.roster_version  # both only grow

    def roster(self) -> list[list[Any]]:
        """``[id, name, (team,) *columns, connected]`` of every player that took a seat."""
        teams = bool(self.mode.teams)
        return [
            [
                seat.id,
                seat.name,
                *((seat.team,) if teams else ()),
                *self.sim.roster_columns(seat),
                seat.present,
            ]
            for seat in self.ctx.seats.values()
        ]

    # -- seats -----------------------------------------------------------------------------

    def add_player(self, name: str, key: str = "", team: int | None = None) -> int:
        """Seat a new player and return its id (the game may refuse it); in team modes on
        ``team`` (the lobby's, for a party to play together) when that team has room, else on
        the smallest team."""
        self._check_seat_free()
        seat = Seat(self._next_player_id, name, key, self._team_for_new_seat(team))
        try:
            self.sim.admit(seat)
        except JoinRefused as exc:
            raise GameRefusedSeat(str(exc)) from exc
        self._next_player_id += 1
        self.ctx.seats[seat.id] = seat
        if self._played is not None:
            self._played.add(seat.id)
        self._roster_version += 1
        self.sim.player_joined(seat)
        return seat.id

    def readmit_player(self, player_id: int) -> None:
        """Seat again a player who was here: one away within its grace period is back as it
        was (it never gave its seat up); one that had left takes its seat again unless the seat
        was released, and if the game admits it again (``admit``, as for a new player: a seat
        it gave to someone else meanwhile may be gone)."""
        seat = self.ctx.seats[player_id]
        if seat.away:
            seat.away = False
            del self._away[player_id]
            self._roster_version += 1
            self.sim.player_back(seat)
            return
        if seat.connected:
            return
        if seat.released:
            raise SeatReleased("away longer than the reconnect grace period")
        self._check_seat_free()
        try:
            self.sim.admit(seat)
        except JoinRefused as exc:
            raise GameRefusedSeat(str(exc)) from exc
        seat.connected = True
        if self._played is not None:
            self._played.add(seat.id)
        self._roster_version += 1
        self.sim.player_returned(seat)

    def _check_seat_free(self) -> None:
        if self.ctx.phase is Phase.ENDED:
            raise MatchOver("the match is over")
        if self.connected_count >= self.max_players:
            raise MatchFull(f"all {self.max_players} seats are taken")

    def _team_for_new_seat(self, wanted: int | None = None) -> int | None:
        """In team modes, ``wanted`` if it is a team of the mode with a seat left (a team has
        ``max_players / teams`` seats, rounded up), else the team with the fewest seated
        players (the lowest of equals)."""
        teams = self.mode.teams
        if not teams:
            return None
        counts = [0] * teams
        for seat in self.ctx.seats.values():
            if seat.connected and seat.team is not None:
                counts[seat.team] += 1
        if wanted is not None and 0 <= wanted < teams and counts[wanted] * teams < self.max_players:
            return wanted
        return counts.index(min(counts))

    def player_away(self, player_id: int) -> None:
        """A player's connection dropped: its seat waits for it for the reconnect grace period
        (then it leaves as by ``remove_player``); with no grace period it leaves at once."""
        seat = self.ctx.seats.get(player_id)
        if seat is None or not seat.connected or seat.away:
            return
        if self._grace_ticks == 0 or self.ctx.phase is Phase.ENDED:
            self.remove_player(player_id)
            return
        seat.away = True
        self._away[player_id] = self.ctx.tick + self._grace_ticks
        self._roster_version += 1
        self.sim.player_away(seat)

    def everyone_away(self) -> None:
        """Every seated player is away, as if each connection had dropped just now (a match
        taken over by another worker waits for its players' sockets to claim their seats)."""
        for seat in self.ctx.seated():
            self.player_away(seat.id)

    def remove_player(self, player_id: int) -> None:
        """A player leaves for good: it stays in the roster and the results."""
        seat = self.ctx.seats.get(player_id)
        if seat is None or not seat.connected:
            return
        seat.connected = False
        if seat.away:
            seat.away = False
            del self._away[player_id]
        self._roster_version += 1
        self.sim.player_left(seat)

    def apply_input(self, player_id: int, seq: int, values: tuple[int, ...]) -> bool:
        """Hand a player's INPUT to the game; False if stale, unknown, not seated, or the
        match is over."""
        seat = self.ctx.seats.get(player_id)
        if seat is None or not seat.connected or seq <= seat.last_seq:
            return False
        if self.ctx.phase is Phase.ENDED:  # nothing steps any more: results are final
            return False
        seat.last_seq = seq
        self.sim.apply_input(seat, values)
        return True

    # -- ticking ---------------------------------------------------------------------------

    def step(self) -> list[list[int]]:
        """Advance one tick and return the events of this tick."""
        ctx = self.ctx
        self._record_unrecorded()
        ctx.tick += 1
        if ctx.phase is not Phase.ENDED and self._update_phase():
            if self._away:
                self._release_overdue()
            over = self.sim.step()
            if over is not None and ctx.phase is not Phase.ENDED:
                self._end(over.reason)
        events = self.sim.take_events()
        self.last_events = events
        self._unrecorded = self.history is not None
        return events

    def _release_overdue(self) -> None:
        for player_id, release_tick in list(self._away.items()):
            if self.ctx.tick >= release_tick:
                self.remove_player(player_id)
                self.ctx.seats[player_id].released = True

    def _forfeited(self) -> bool:
        """A running match that players left for good, with too few seated to go on: fewer
        than two teams with a seated player (team modes), else fewer than ``min_players``."""
        seated = self.ctx.seated()
        if self.mode.teams:
            return len({seat.team for seat in seated}) < 2
        return len(seated) < self.mode.min_players

    def _update_phase(self) -> bool:
        """Phase bookkeeping at the start of a tick; False when the match has just ended."""
        ctx = self.ctx
        tick = ctx.tick
        seated = self.connected_count
        if ctx.phase is Phase.RUNNING and (seated == 0 or self._forfeited()):
            self._end("abandoned" if seated == 0 else "forfeit", forfeit=seated > 0)
            return False
        if seated == 0:
            self._empty_ticks += 1
            if self._empty_ticks >= self._empty_limit_ticks:
                self._end("abandoned")
                return False
        else:
            self._empty_ticks = 0
        present = seated - len(self._away)
        min_players = self.mode.min_players
        if ctx.phase is Phase.WAITING and present >= min_players:
            ctx.phase = Phase.COUNTDOWN
            self._phase_end = tick + self._countdown_ticks
        if ctx.phase is Phase.COUNTDOWN:
            if present < min_players:
                ctx.phase = Phase.WAITING
                self._phase_end = 0
            elif tick >= self._phase_end:
                ctx.phase = Phase.RUNNING
                self._played = {seat.id for seat in ctx.seated()}
                limit = self._time_limit_ticks
                self._phase_end = 0 if limit is None else tick + limit
                self._roster_version += 1
                self.sim.start()
        elif (
            ctx.phase is Phase.RUNNING
            and self._time_limit_ticks is not None
            and tick >= self._phase_end
        ):
            self._end("time_limit")
            return False
        if ctx.phase is Phase.RUNNING:
            self._running_ticks += 1
        return True

    def interrupt(self) -> None:
        """End the match now with the standings of the moment (its server is stopping and no
        other can take it over)."""
        if self.result is None:
            self._end("interrupted", decided=False)

    def _end(self, reason: str, forfeit: bool = False, decided: bool = True) -> None:
        """The match is over: standings from the game's ranking, of the players who took part
        in the running phase if it started (one that left before it, and was not seated in it,
        is in no standings and no rating); after a forfeit the players still seated rank above
        those who left."""
        ctx = self.ctx
        ctx.phase = Phase.ENDED
        self._phase_end = ctx.tick + self._linger_ticks
        self.sim.end()
        tiers = [list(tier) for tier in self.sim.ranking()]
        known = {player_id for tier in tiers for player_id in tier}
        missing = [seat_id for seat_id in ctx.seats if seat_id not in known]
        if missing:
            tiers.append(missing)
        played = self._played
        if played is not None:
            tiers = [[p for p in tier if p in played] for tier in tiers]
            tiers = [tier for tier in tiers if tier]
        if forfeit:
            seated = {seat.id for seat in ctx.seated()}
            stayed = [[p for p in tier if p in seated] for tier in tiers]
            gone = [[p for p in tier if p not in seated] for tier in tiers]
            tiers = [tier for tier in stayed + gone if tier]
        places = _places(tiers)
        teams = bool(self.mode.teams)
        standings = []
        for tier in tiers:
            for player_id in tier:
                seat = ctx.seats[player_id]
                row: list[Any] = [seat.id, seat.name, places[player_id]]
                if teams:
                    row.append(seat.team)
                row.extend(self.sim.roster_columns(seat))
                standings.append(row)
        winner_id = winner_team = None
        if decided and reason != "abandoned" and tiers:
            first = tiers[0]
            if teams:
                first_teams = {ctx.seats[p].team for p in first}
                if len(first_teams) == 1 and len(tiers) > 1:
                    winner_team = first_teams.pop()
            elif len(first) == 1:
                winner_id = first[0]
        self.result = MatchResult(
            reason=reason,
            winner_id=winner_id,
            standings=standings,
            duration_ms=ctx.ms(self._running_ticks),
            winner_team=winner_team,
            summary=self.sim.summary(),
            columns=tuple(f.name for f in self.game.state.roster),
            teams=self.mode.teams,
        )

    # -- checkpoints -----------------------------------------------------------------------

    def export_state(self) -> dict[str, Any]:
        """Everything that decides the match's future, as plain data (see ``restore``)."""
        self._record_unrecorded()
        version, internal, gauss_next = self.ctx.rng.getstate()
        return {
            "version": STATE_VERSION,
            "max_players": self.max_players,
            "tick": self.ctx.tick,
            "phase": int(self.ctx.phase),
            "seats": [[getattr(s, name) for name in SEAT_FIELDS] for s in self.ctx.seats.values()],
            "result": None if self.result is None else self.result.to_wire(),
            "roster_version": self._roster_version,
            "rng": [version, internal, gauss_next],
            "next_player_id": self._next_player_id,
            "phase_end": self._phase_end,
            "running_ticks": self._running_ticks,
            "empty_ticks": self._empty_ticks,
            "away": [[player_id, tick] for player_id, tick in self._away.items()],
            "played": None if self._played is None else sorted(self._played),
            "sim": self.sim.export_state(),
            "history": [] if self.history is None else self.history.export_state(),
        }

    @classmethod
    def restore(
        cls, game: Game, mode: Mode, state: dict[str, Any], reconnect_grace: float = 20.0
    ) -> Match:
        """The match ``export_state`` described: stepping it goes on exactly as the original."""
        if state.get("version") != STATE_VERSION:
            raise ValueError(f"match state version {state.get('version')!r}")
        # the context (seats, rng, tick) is restored before the game restores its simulation
        match = cls(game, mode, 0, state["max_players"], reconnect_grace)
        ctx = match.ctx
        ctx.tick = state["tick"]
        ctx.phase = Phase(state["phase"])
        for values in state["seats"]:
            seat = Seat(**dict(zip(SEAT_FIELDS, values, strict=True)))
            ctx.seats[seat.id] = seat
        version, internal, gauss_next = state["rng"]
        ctx.rng.setstate((version, tuple(internal), gauss_next))
        if state["result"] is not None:
            match.result = MatchResult.from_wire(state["result"])
        match._roster_version = state["roster_version"]
        match._next_player_id = state["next_player_id"]
        match._phase_end = state["phase_end"]
        match._running_ticks = state["running_ticks"]
        match._empty_ticks = state["empty_ticks"]
        match._away = {player_id: tick for player_id, tick in state["away"]}
        played = state.get("played")
        if played is not None:
            match._played = set(played)
        elif ctx.phase is not Phase.WAITING and ctx.phase is not Phase.COUNTDOWN:
            match._played = set(ctx.seats)  # a checkpoint from before "played": everyone
        if match.history is not None:
            match.history.restore(state.get("history", []))
        match.sim = game.restore(ctx, state["sim"])
        return match
