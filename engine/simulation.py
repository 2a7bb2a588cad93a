"""Deterministic match simulation: players, bullets, phases and results."""

from __future__ import annotations

import math
import random
from collections.abc import Iterable
from dataclasses import dataclass, fields
from typing import Any

from engine.geometry import circle_rect_push, segment_circle_hit, segment_rect_hit
from engine.protocol import POSITION_SCALE, Button, EventKind, Phase
from engine.rules import Rules

_KILL = int(EventKind.KILL)
_HIT = int(EventKind.HIT)
_SPAWN = int(EventKind.SPAWN)
_FIRE = int(Button.FIRE)
_MOVE_MASK = int(Button.UP | Button.DOWN | Button.LEFT | Button.RIGHT)
_ALL_BUTTONS = _MOVE_MASK | _FIRE


def _direction(buttons: int) -> tuple[float, float] | None:
    """Unit vector of the held direction buttons, or None when they cancel out or none is held."""
    dx = (1 if buttons & Button.RIGHT else 0) - (1 if buttons & Button.LEFT else 0)
    dy = (1 if buttons & Button.DOWN else 0) - (1 if buttons & Button.UP else 0)
    if dx == 0 and dy == 0:
        return None
    norm = math.hypot(dx, dy)
    return (dx / norm, dy / norm)


_DIRECTIONS: tuple[tuple[float, float] | None, ...] = tuple(
    _direction(b) for b in range(_MOVE_MASK + 1)
)


class SeatRefused(Exception):
    """The match cannot seat another player."""


class MatchFull(SeatRefused):
    """Every seat is taken by a connected player."""


class MatchOver(SeatRefused):
    """The match has ended and accepts no more players."""


class SeatReleased(SeatRefused):
    """The player was away longer than the reconnect grace period and lost the seat."""


@dataclass(frozen=True, slots=True)
class KillEvent:
    """``victim_id`` died from a bullet of ``killer_id``."""

    killer_id: int
    victim_id: int

    def to_wire(self) -> list[int]:
        """``[1, killer_id, victim_id]``."""
        return [_KILL, self.killer_id, self.victim_id]


@dataclass(frozen=True, slots=True)
class HitEvent:
    """A bullet of ``shooter_id`` took ``damage`` health from ``victim_id``."""

    shooter_id: int
    victim_id: int
    damage: int

    def to_wire(self) -> list[int]:
        """``[2, shooter_id, victim_id, damage]``."""
        return [_HIT, self.shooter_id, self.victim_id, self.damage]


@dataclass(frozen=True, slots=True)
class SpawnEvent:
    """``player_id`` (re)spawned."""

    player_id: int

    def to_wire(self) -> list[int]:
        """``[3, player_id]``."""
        return [_SPAWN, self.player_id]


Event = KillEvent | HitEvent | SpawnEvent


@dataclass(slots=True, eq=False)
class Player:
    """One seated player; kept after disconnecting so the roster and results can name it."""

    id: int
    name: str
    x: float = 0.0
    y: float = 0.0
    vx: float = 0.0
    vy: float = 0.0
    aim: float = 0.0
    buttons: int = 0
    last_seq: int = 0  # seq of the last INPUT applied; 0 before any
    health: int = 0
    alive: bool = False
    connected: bool = True
    away: bool = False  # the connection dropped; the ship waits, idle, for the grace period
    released: bool = False  # it did not come back in time: the seat was given up
    score: int = 0
    deaths: int = 0
    respawn_tick: int = 0
    protected_until: int = 0
    next_fire_tick: int = 0


@dataclass(slots=True, eq=False)
class Bullet:
    """One bullet in flight; it moves for the last time on tick ``last_tick``.

    Bullets live on the wire grid: their position (``wx``, ``wy``) and their movement per tick
    (``step_x``, ``step_y``) are whole tenths of a unit, so a client that knows where a bullet
    was can compute where it is exactly, and snapshots need not repeat it.
    """

    id: int
    owner: int
    wx: int
    wy: int
    step_x: int
    step_y: int
    last_tick: int

    @classmethod
    def launch(
        cls,
        bullet_id: int,
        owner: int,
        x: float,
        y: float,
        vx: float,
        vy: float,
        last_tick: int,
        dt: float,
    ) -> Bullet:
        """A bullet at (x, y) flying at (vx, vy) units/s, both snapped to the wire grid."""
        return cls(
            bullet_id,
            owner,
            round(x * POSITION_SCALE),
            round(y * POSITION_SCALE),
            round(vx * dt * POSITION_SCALE),
            round(vy * dt * POSITION_SCALE),
            last_tick,
        )

    @property
    def x(self) -> float:
        """X in world units."""
        return self.wx / POSITION_SCALE

    @property
    def y(self) -> float:
        """Y in world units."""
        return self.wy / POSITION_SCALE


@dataclass(frozen=True, slots=True)
class MatchResult:
    """Final outcome of a match."""

    reason: str
    winner_id: int | None
    standings: list[tuple[int, str, int, int]]
    duration_ms: int

    def to_wire(self) -> dict[str, Any]:
        """The RESULT map of the protocol."""
        return {
            "reason": self.reason,
            "winner_id": self.winner_id,
            "standings": [list(row) for row in self.standings],
            "duration_ms": self.duration_ms,
        }


_PLAYER_FIELDS = tuple(f.name for f in fields(Player))
_BULLET_FIELDS = tuple(f.name for f in fields(Bullet))


def _rng_state(rng: random.Random) -> list[Any]:
    version, internal, gauss_next = rng.getstate()
    return [version, list(internal), gauss_next]


def _event_from_wire(wire: list[int]) -> Event:
    kind, *args = wire
    if kind == _KILL:
        return KillEvent(*args)
    if kind == _HIT:
        return HitEvent(*args)
    return SpawnEvent(*args)


def _result_from_wire(wire: dict[str, Any]) -> MatchResult:
    return MatchResult(
        reason=wire["reason"],
        winner_id=wire["winner_id"],
        standings=[tuple(row) for row in wire["standings"]],  # type: ignore[misc]
        duration_ms=wire["duration_ms"],
    )


class Match:
    """One match: a pure state machine advanced by ``step`` once per tick."""

    def __init__(self, rules: Rules, seed: int, max_players: int) -> None:
        if max_players < 1:
            raise ValueError(f"max_players must be at least 1, got {max_players}")
        if max_players < rules.min_players:
            raise ValueError(
                f"max_players ({max_players}) is below rules.min_players ({rules.min_players})"
            )
        self.rules = rules
        self.max_players = max_players
        self.tick = 0
        self.phase = Phase.WAITING
        self.players: dict[int, Player] = {}
        self.bullets: list[Bullet] = []
        self.result: MatchResult | None = None
        self.roster_version = 0
        self.last_events: list[Event] = []

        self._rng = random.Random(seed)
        self._connected: list[Player] = []
        self._pending: list[Event] = []
        self._next_player_id = 0
        self._next_bullet_id = 0
        self._phase_end = 0
        self._running_ticks = 0
        self._empty_ticks = 0

        self._dt = rules.dt
        self._accel_step = rules.acceleration * rules.dt
        self._friction_step = rules.friction * rules.dt
        self._radius = rules.player_radius
        self._hit_radius = rules.player_radius + rules.bullet_radius
        self._walls = [wall.bounds() for wall in rules.walls]
        self._bullet_walls = [wall.bounds(rules.bullet_radius) for wall in rules.walls]
        self._cooldown_ticks = max(1, rules.ticks(rules.fire_cooldown))
        self._lifetime_ticks = max(1, rules.ticks(rules.bullet_lifetime))
        self._respawn_ticks = rules.ticks(rules.respawn_delay)
        self._protection_ticks = rules.ticks(rules.spawn_protection)
        self._countdown_ticks = rules.ticks(rules.countdown)
        self._time_limit_ticks = max(1, rules.ticks(rules.time_limit))
        self._empty_limit_ticks = max(1, rules.ticks(rules.empty_timeout))
        self._grace_ticks = rules.ticks(rules.reconnect_grace)
        self._away: dict[int, int] = {}  # player id -> tick its seat is released on
        self._linger_ticks = rules.ticks(rules.ended_linger)

    # -- queries ---------------------------------------------------------------------------

    @property
    def connected_players(self) -> list[Player]:
        """Seated, connected players in id order (do not mutate)."""
        return self._connected

    @property
    def connected_count(self) -> int:
        """Number of seated, connected players (those away within their grace period too)."""
        return len(self._connected)

    @property
    def present_count(self) -> int:
        """Number of seated players whose connection is up: the count ``min_players`` is
        measured against (a player away within its grace period keeps its seat, not its vote)."""
        return len(self._connected) - len(self._away)

    @property
    def closed(self) -> bool:
        """True once an ended match has lingered for ``rules.ended_linger``."""
        return self.phase is Phase.ENDED and self.tick >= self._phase_end

    def is_protected(self, player: Player) -> bool:
        """Whether ``player`` is alive and still under spawn protection."""
        return player.alive and self.tick < player.protected_until

    @property
    def running_ms(self) -> int:
        """Time spent in the running phase so far (0 before it starts)."""
        return self._ticks_to_ms(self._running_ticks)

    def phase_ms_left(self) -> int:
        """Milliseconds until the current phase ends; 0 while waiting."""
        if self.phase is Phase.WAITING:
            return 0
        return self._ticks_to_ms(max(0, self._phase_end - self.tick))

    # -- checkpoints -----------------------------------------------------------------------

    def export_state(self) -> dict[str, Any]:
        """Everything that decides the match's future, as plain data (see ``restore``)."""
        return {
            "max_players": self.max_players,
            "tick": self.tick,
            "phase": int(self.phase),
            "players": [
                [getattr(p, name) for name in _PLAYER_FIELDS] for p in self.players.values()
            ],
            "bullets": [[getattr(b, name) for name in _BULLET_FIELDS] for b in self.bullets],
            "result": None if self.result is None else self.result.to_wire(),
            "roster_version": self.roster_version,
            "rng": _rng_state(self._rng),
            "pending": [event.to_wire() for event in self._pending],
            "next_player_id": self._next_player_id,
            "next_bullet_id": self._next_bullet_id,
            "phase_end": self._phase_end,
            "running_ticks": self._running_ticks,
            "empty_ticks": self._empty_ticks,
            "away": [[player_id, tick] for player_id, tick in self._away.items()],
        }

    @classmethod
    def restore(cls, rules: Rules, state: dict[str, Any]) -> Match:
        """The match ``export_state`` described: stepping it goes on exactly as the original."""
        match = cls(rules, seed=0, max_players=state["max_players"])
        match.tick = state["tick"]
        match.phase = Phase(state["phase"])
        for values in state["players"]:
            player = Player(**dict(zip(_PLAYER_FIELDS, values, strict=True)))
            match.players[player.id] = player
        match._connected = sorted(
            (p for p in match.players.values() if p.connected), key=lambda p: p.id
        )
        match.bullets = [Bullet(*values) for values in state["bullets"]]
        if state["result"] is not None:
            match.result = _result_from_wire(state["result"])
        match.roster_version = state["roster_version"]
        version, internal, gauss_next = state["rng"]
        match._rng.setstate((version, tuple(internal), gauss_next))
        match._pending = [_event_from_wire(wire) for wire in state["pending"]]
        match._next_player_id = state["next_player_id"]
        match._next_bullet_id = state["next_bullet_id"]
        match._phase_end = state["phase_end"]
        match._running_ticks = state["running_ticks"]
        match._empty_ticks = state["empty_ticks"]
        match._away = {player_id: tick for player_id, tick in state["away"]}
        return match

    def interrupt(self) -> None:
        """End the match now, with the standings of the moment: its server is stopping and
        no other can take it over."""
        if self.result is None:
            self._end("interrupted", None)

    def everyone_away(self) -> None:
        """Every connected player is away, as if each connection had dropped just now (a match
        taken over by another worker waits for its players' sockets to claim their seats)."""
        for player in list(self._connected):
            self.player_away(player.id)

    # -- commands from the worker ----------------------------------------------------------

    def add_player(self, name: str) -> int:
        """Seat a new player, spawn it and return its id."""
        self._check_seat_free()
        player = Player(id=self._next_player_id, name=name)
        self._next_player_id += 1
        self.players[player.id] = player
        self._seat(player)
        return player.id

    def readmit_player(self, player_id: int) -> None:
        """Seat a player who left again: same id, score and input sequence.

        A player back within the grace period finds its ship where it waited; one that had left
        for good respawns, unless its seat was released (``SeatReleased``).
        """
        player = self.players[player_id]
        if player.away:
            player.away = False
            del self._away[player_id]
            self.roster_version += 1
            return
        if player.connected:
            return
        if player.released:
            raise SeatReleased("away longer than the reconnect grace period")
        self._check_seat_free()
        player.connected = True
        self._seat(player)

    def _check_seat_free(self) -> None:
        if self.phase is Phase.ENDED:
            raise MatchOver("the match is over")
        if len(self._connected) >= self.max_players:
            raise MatchFull(f"all {self.max_players} seats are taken")

    def _seat(self, player: Player) -> None:
        self._connected.append(player)
        self._connected.sort(key=lambda p: p.id)
        self._spawn(player, self.tick + 1)
        self._pending.append(SpawnEvent(player.id))
        self.roster_version += 1

    def player_away(self, player_id: int) -> None:
        """A player's connection dropped: its ship stays, idle, for the reconnect grace period
        (then it leaves as by ``remove_player``); with no grace period it leaves at once."""
        player = self.players.get(player_id)
        if player is None or not player.connected or player.away:
            return
        if self._grace_ticks == 0 or self.phase is Phase.ENDED:
            self.remove_player(player_id)
            return
        player.away = True
        player.buttons = 0
        self._away[player_id] = self.tick + self._grace_ticks
        self.roster_version += 1  # the roster shows it as not connected while it is away

    def remove_player(self, player_id: int) -> None:
        """Disconnect a player: it leaves the simulation but stays in the roster."""
        player = self.players.get(player_id)
        if player is None or not player.connected:
            return
        player.connected = False
        player.alive = False
        player.buttons = 0
        if player.away:
            player.away = False
            del self._away[player_id]
        player.vx = player.vy = 0.0
        self._connected.remove(player)
        self.bullets = [b for b in self.bullets if b.owner != player_id]
        self.roster_version += 1

    def apply_input(self, player_id: int, seq: int, buttons: int, aim: float) -> bool:
        """Store a player's latest input; False if stale, unknown or disconnected."""
        player = self.players.get(player_id)
        if player is None or not player.connected or seq <= player.last_seq:
            return False
        if not math.isfinite(aim):
            return False
        player.last_seq = seq
        player.buttons = buttons & _ALL_BUTTONS
        player.aim = float(aim)
        return True

    def step(self) -> list[Event]:
        """Advance one tick and return the events of this tick."""
        self.tick += 1
        tick = self.tick
        events = self._pending
        self._pending = []
        self.last_events = events
        if self.phase is Phase.ENDED or not self._update_phase(tick, events):
            return events
        if self._away:
            self._release_overdue(tick)
        self._respawn(tick, events)
        self._move_players()
        self._fire(tick)
        self._move_bullets(tick, events)
        return events

    def _release_overdue(self, tick: int) -> None:
        """Players away past the grace period leave; their seats are released for good."""
        for player_id, release_tick in list(self._away.items()):
            if tick >= release_tick:
                self.remove_player(player_id)
                self.players[player_id].released = True

    # -- phases ----------------------------------------------------------------------------

    def _update_phase(self, tick: int, events: list[Event]) -> bool:
        """Phase bookkeeping at the start of a tick; False when the match has just ended.

        The countdown starts, and goes on, while at least ``min_players`` players are present
        (seated and connected; a player away within its grace period does not count). A running
        match goes on while at least ``min_players`` players are seated (away ones included):
        once players have left it for good and too few remain, it ends at once, by forfeit.
        """
        seated = len(self._connected)
        min_players = self.rules.min_players
        if self.phase is Phase.RUNNING and seated < min_players:
            if seated == 0:
                self._end("abandoned", None)
            else:
                self._end("forfeit", self._unique_top_scorer(self._connected), forfeit=True)
            return False
        if seated == 0:
            self._empty_ticks += 1
            if self._empty_ticks >= self._empty_limit_ticks:
                self._end("abandoned", None)
                return False
        else:
            self._empty_ticks = 0
        present = seated - len(self._away)
        if self.phase is Phase.WAITING and present >= min_players:
            self.phase = Phase.COUNTDOWN
            self._phase_end = tick + self._countdown_ticks
        if self.phase is Phase.COUNTDOWN:
            if present < min_players:
                self.phase = Phase.WAITING
                self._phase_end = 0
            elif tick >= self._phase_end:
                self._start_running(tick, events)
        elif self.phase is Phase.RUNNING and tick >= self._phase_end:
            self._end("time_limit", self._unique_top_scorer(self.players.values()))
            return False
        if self.phase is Phase.RUNNING:
            self._running_ticks += 1
        return True

    def _start_running(self, tick: int, events: list[Event]) -> None:
        """Scores reset and every present player respawns; a ship that waits for its away
        player stays where it is (it is back as it was, section 3 of docs/protocol.md)."""
        self.phase = Phase.RUNNING
        self._phase_end = tick + self._time_limit_ticks
        self.bullets = []
        for player in self.players.values():
            player.score = 0
            player.deaths = 0
        self.roster_version += 1
        present = [player for player in self._connected if not player.away]
        for player in present:
            player.alive = False
        for player in present:
            self._spawn(player, tick)
            events.append(SpawnEvent(player.id))

    def _end(self, reason: str, winner_id: int | None, forfeit: bool = False) -> None:
        """End the match; after a forfeit the players still seated rank above those who left."""
        self.phase = Phase.ENDED
        self._phase_end = self.tick + self._linger_ticks
        self.bullets = []
        ranked = sorted(
            self.players.values(),
            key=lambda p: (forfeit and not p.connected, -p.score, p.deaths, p.id),
        )
        self.result = MatchResult(
            reason=reason,
            winner_id=winner_id,
            standings=[(p.id, p.name, p.score, p.deaths) for p in ranked],
            duration_ms=self._ticks_to_ms(self._running_ticks),
        )

    @staticmethod
    def _unique_top_scorer(players: Iterable[Player]) -> int | None:
        best: Player | None = None
        tied = False
        for player in players:
            if best is None or player.score > best.score:
                best = player
                tied = False
            elif player.score == best.score:
                tied = True
        return None if best is None or tied else best.id

    def _ticks_to_ms(self, ticks: int) -> int:
        return round(ticks * 1000 / self.rules.tick_rate)

    # -- spawning --------------------------------------------------------------------------

    def _spawn(self, player: Player, tick: int) -> None:
        player.x, player.y = self._choose_spawn_point(player)
        player.vx = player.vy = 0.0
        player.health = self.rules.max_health
        player.alive = True
        player.protected_until = tick + self._protection_ticks

    def _choose_spawn_point(self, player: Player) -> tuple[float, float]:
        """The spawn point farthest from alive opponents; ties go to the match RNG."""
        points = self.rules.spawn_points
        opponents = [(o.x, o.y) for o in self._connected if o.alive and o is not player]
        if not opponents:
            return self._rng.choice(points)
        best_distance = -1.0
        best: list[tuple[float, float]] = []
        for sx, sy in points:
            distance = min((sx - ox) ** 2 + (sy - oy) ** 2 for ox, oy in opponents)
            if distance > best_distance:
                best_distance = distance
                best = [(sx, sy)]
            elif distance == best_distance:
                best.append((sx, sy))
        return best[0] if len(best) == 1 else self._rng.choice(best)

    def _respawn(self, tick: int, events: list[Event]) -> None:
        for player in self._connected:
            if not player.alive and not player.away and player.respawn_tick <= tick:
                self._spawn(player, tick)
                events.append(SpawnEvent(player.id))

    # -- movement and combat ---------------------------------------------------------------

    def _move_players(self) -> None:
        dt = self._dt
        r = self._radius
        accel_step = self._accel_step
        friction_step = self._friction_step
        max_speed = self.rules.max_speed
        max_speed2 = max_speed * max_speed
        min_x = r
        max_x = self.rules.arena_width - r
        min_y = r
        max_y = self.rules.arena_height - r
        walls = self._walls
        for p in self._connected:
            if not p.alive:
                continue
            vx = p.vx
            vy = p.vy
            direction = _DIRECTIONS[p.buttons & _MOVE_MASK]
            if direction is not None:
                vx += direction[0] * accel_step
                vy += direction[1] * accel_step
                speed2 = vx * vx + vy * vy
                if speed2 > max_speed2:
                    scale = max_speed / math.sqrt(speed2)
                    vx *= scale
                    vy *= scale
            elif vx != 0.0 or vy != 0.0:
                speed = math.sqrt(vx * vx + vy * vy)
                if speed <= friction_step:
                    vx = vy = 0.0
                else:
                    scale = (speed - friction_step) / speed
                    vx *= scale
                    vy *= scale
            x = p.x + vx * dt
            y = p.y + vy * dt
            for wx0, wy0, wx1, wy1 in walls:
                if x + r <= wx0 or x - r >= wx1 or y + r <= wy0 or y - r >= wy1:
                    continue
                push = circle_rect_push(x, y, r, wx0, wy0, wx1, wy1)
                if push is None:
                    continue
                px, py = push
                x += px
                y += py
                into = vx * px + vy * py
                if into < 0.0:
                    k = into / (px * px + py * py)
                    vx -= k * px
                    vy -= k * py
            if x < min_x:
                x = min_x
                vx = max(vx, 0.0)
            elif x > max_x:
                x = max_x
                vx = min(vx, 0.0)
            if y < min_y:
                y = min_y
                vy = max(vy, 0.0)
            elif y > max_y:
                y = max_y
                vy = min(vy, 0.0)
            p.x = x
            p.y = y
            p.vx = vx
            p.vy = vy

    def _fire(self, tick: int) -> None:
        r = self._radius
        speed = self.rules.bullet_speed
        last_tick = tick + self._lifetime_ticks - 1
        for p in self._connected:
            if not (p.buttons & _FIRE and p.alive and tick >= p.next_fire_tick):
                continue
            p.next_fire_tick = tick + self._cooldown_ticks
            cos = math.cos(p.aim)
            sin = math.sin(p.aim)
            self.bullets.append(
                Bullet.launch(
                    self._next_bullet_id,
                    p.id,
                    p.x + cos * r,
                    p.y + sin * r,
                    cos * speed,
                    sin * speed,
                    last_tick,
                    self._dt,
                )
            )
            self._next_bullet_id += 1

    def _move_bullets(self, tick: int, events: list[Event]) -> None:
        if not self.bullets:
            return
        scale = POSITION_SCALE
        hit_radius = self._hit_radius
        walls = self._bullet_walls
        width = self.rules.arena_width
        height = self.rules.arena_height
        targets = [p for p in self._connected if p.alive and not self.is_protected(p)]
        survivors: list[Bullet] = []
        for b in self.bullets:
            next_wx = b.wx + b.step_x
            next_wy = b.wy + b.step_y
            x0 = b.wx / scale
            y0 = b.wy / scale
            x1 = next_wx / scale
            y1 = next_wy / scale
            lo_x, hi_x = (x0, x1) if x0 <= x1 else (x1, x0)
            lo_y, hi_y = (y0, y1) if y0 <= y1 else (y1, y0)
            first = 2.0
            for wx0, wy0, wx1, wy1 in walls:
                if hi_x < wx0 or lo_x > wx1 or hi_y < wy0 or lo_y > wy1:
                    continue
                t = segment_rect_hit(x0, y0, x1, y1, wx0, wy0, wx1, wy1)
                if t is not None and t < first:
                    first = t
            victim: Player | None = None
            for p in targets:
                if p.id == b.owner or not p.alive:
                    continue
                px = p.x
                py = p.y
                if (
                    px + hit_radius < lo_x
                    or px - hit_radius > hi_x
                    or py + hit_radius < lo_y
                    or py - hit_radius > hi_y
                ):
                    continue
                t = segment_circle_hit(x0, y0, x1, y1, px, py, hit_radius)
                if t is not None and t < first:
                    first = t
                    victim = p
            if victim is not None:
                if self._hit(b.owner, victim, tick, events):
                    return
                continue
            if first <= 1.0 or tick >= b.last_tick:
                continue
            if x1 < 0.0 or x1 > width or y1 < 0.0 or y1 > height:
                continue
            b.wx = next_wx
            b.wy = next_wy
            survivors.append(b)
        self.bullets = survivors

    def _hit(self, shooter_id: int, victim: Player, tick: int, events: list[Event]) -> bool:
        """Apply one bullet hit; True when it ended the match."""
        damage = min(self.rules.bullet_damage, victim.health)
        victim.health -= damage
        events.append(HitEvent(shooter_id, victim.id, damage))
        if victim.health > 0:
            return False
        victim.alive = False
        victim.vx = victim.vy = 0.0
        victim.respawn_tick = tick + self._respawn_ticks
        events.append(KillEvent(shooter_id, victim.id))
        if self.phase is not Phase.RUNNING:
            return False
        killer = self.players[shooter_id]
        killer.score += 1
        victim.deaths += 1
        self.roster_version += 1
        if killer.score >= self.rules.score_limit:
            self._end("score_limit", killer.id)
            return True
        return False
