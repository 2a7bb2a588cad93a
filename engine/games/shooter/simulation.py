"""The shooter's rules: ships that move, aim and fire, bullets, hits, kills and respawns.

A ``ShooterSimulation`` is one match's state under the game API (``engine.game``): the runtime
seats the players, runs the phases and ends the match at the time limit; this module moves the
ships, flies the bullets, scores kills while the match runs and ends it at the score limit.
Pure and deterministic: its randomness is the match's ``ctx.rng``.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Hashable, Mapping
from dataclasses import dataclass, fields
from typing import Any

from engine.game import GameOver, MatchContext, Seat, Simulation, StateView
from engine.games.shooter.geometry import circle_rect_push, segment_circle_hit, segment_rect_hit
from engine.games.shooter.rules import Rules
from engine.games.shooter.wire import (
    AIM_SCALE,
    ALL_BUTTONS,
    POSITION_SCALE,
    Button,
    EventKind,
    PlayerFlag,
    quantize_aim,
)
from engine.protocol import Phase

_KILL = int(EventKind.KILL)
_HIT = int(EventKind.HIT)
_SPAWN = int(EventKind.SPAWN)
_FIRE = int(Button.FIRE)
_MOVE_MASK = int(Button.UP | Button.DOWN | Button.LEFT | Button.RIGHT)
_ALIVE = int(PlayerFlag.ALIVE)
_PROTECTED = int(PlayerFlag.PROTECTED)
_RECONNECTING = int(PlayerFlag.RECONNECTING)
_OWN_ONLY = ("ack",)  # ship fields a fogged player reads of its own ship only


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


@dataclass(slots=True, eq=False)
class Ship:
    """One player's ship; kept after its player left, so the roster and results can count it."""

    id: int
    x: float = 0.0
    y: float = 0.0
    vx: float = 0.0
    vy: float = 0.0
    aim: float = 0.0
    buttons: int = 0
    health: int = 0
    alive: bool = False
    in_play: bool = True  # its player is seated (away ones too): it is in the arena
    score: int = 0
    deaths: int = 0
    respawn_tick: int = 0
    protected_until: int = 0
    next_fire_tick: int = 0
    view_lag_ms: int = 0  # how far behind the tick its INPUT acts on its player saw (capped)


@dataclass(slots=True, eq=False)
class Bullet:
    """One bullet in flight; it moves for the last time on tick ``last_tick``.

    Bullets live on the wire grid: their position (``wx``, ``wy``) and their movement per tick
    (``step_x``, ``step_y``) are whole tenths of a unit, so a client that knows where a bullet
    was can compute where it is exactly, and snapshots need not repeat it. A bullet meets the
    ships where they were ``rewind_ms`` before each tick: where its shooter saw them.
    """

    id: int
    owner: int
    wx: int
    wy: int
    step_x: int
    step_y: int
    last_tick: int
    rewind_ms: int = 0

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
        rewind_ms: int = 0,
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
            rewind_ms,
        )

    @property
    def x(self) -> float:
        """X in world units."""
        return self.wx / POSITION_SCALE

    @property
    def y(self) -> float:
        """Y in world units."""
        return self.wy / POSITION_SCALE


_SHIP_FIELDS = tuple(f.name for f in fields(Ship))
_BULLET_FIELDS = tuple(f.name for f in fields(Bullet))


class ShooterSimulation(Simulation):
    """One shooter match: ships, bullets and scores, stepped by the runtime."""

    def __init__(self, ctx: MatchContext) -> None:
        super().__init__(ctx)
        rules: Rules = ctx.options
        self.rules = rules
        self.ships: dict[int, Ship] = {}
        self.bullets: list[Bullet] = []
        self._in_play: list[Ship] = []  # ships in the arena, in id order
        self._pending: list[list[int]] = []
        self._next_bullet_id = 0
        self._roster_version = 0
        self._dt = ctx.dt
        self._accel_step = rules.acceleration * ctx.dt
        self._friction_step = rules.friction * ctx.dt
        self._radius = rules.player_radius
        self._hit_radius = rules.player_radius + rules.bullet_radius
        self._walls = [wall.bounds() for wall in rules.walls]
        self._bullet_walls = [wall.bounds(rules.bullet_radius) for wall in rules.walls]
        self._cooldown_ticks = max(1, ctx.ticks(rules.fire_cooldown))
        self._lifetime_ticks = max(1, ctx.ticks(rules.bullet_lifetime))
        self._respawn_ticks = ctx.ticks(rules.respawn_delay)
        self._protection_ticks = ctx.ticks(rules.spawn_protection)
        self._rewind_limit_ms = round(rules.rewind_limit * 1000) if ctx.history is not None else 0

    # -- queries ---------------------------------------------------------------------------

    @property
    def ships_in_play(self) -> list[Ship]:
        """The ships in the arena (their players seated), in id order (do not change it)."""
        return self._in_play

    def is_protected(self, ship: Ship) -> bool:
        """Whether ``ship`` is alive and still under spawn protection."""
        return ship.alive and self.ctx.tick < ship.protected_until

    @property
    def roster_version(self) -> int:
        """Changes whenever a score or a death count does."""
        return self._roster_version

    def roster_columns(self, seat: Seat) -> tuple[int, ...]:
        """``(score, deaths)``."""
        ship = self.ships[seat.id]
        return (ship.score, ship.deaths)

    def ranking(self) -> list[list[int]]:
        """Most kills first; equal kills are equals (a tie has no winner), listed by fewest
        deaths, then earliest join."""
        ordered = sorted(self.ships.values(), key=lambda s: (-s.score, s.deaths, s.id))
        tiers: list[list[int]] = []
        for ship in ordered:
            if tiers and self.ships[tiers[-1][0]].score == ship.score:
                tiers[-1].append(ship.id)
            else:
                tiers.append([ship.id])
        return tiers

    def view(self) -> StateView:
        """Ships ``(x, y, aim, health, flags, ack)`` and bullets ``(x, y, dx, dy, owner)``."""
        scale = POSITION_SCALE
        tick = self.ctx.tick
        seats = self.ctx.seats
        players: dict[int, tuple[int, ...]] = {}
        for ship in self._in_play:
            seat = seats[ship.id]
            flags = 0
            if ship.alive:
                flags = _ALIVE | _PROTECTED if tick < ship.protected_until else _ALIVE
            if seat.away:
                flags |= _RECONNECTING
            players[ship.id] = (
                round(ship.x * scale),
                round(ship.y * scale),
                quantize_aim(ship.aim),
                ship.health,
                flags,
                seat.last_seq,
            )
        bullets = {b.id: (b.wx, b.wy, b.step_x, b.step_y, b.owner) for b in self.bullets}
        return StateView((), (players, bullets))

    # -- fog of war ------------------------------------------------------------------------

    def view_group(self, seat: Seat) -> Hashable | None:
        """With fog of war (``fog_radius``) every player has a view of its own."""
        return seat.id if self.rules.fog_radius > 0 else None

    def visible_to(self, group: Hashable) -> tuple[Collection[int] | None, ...]:
        """Player ``group``'s view: its own ship and bullets, and the ships and bullets within
        ``fog_radius`` of its ship that no wall hides from it (centre to centre)."""
        viewer = self.ships.get(group)  # type: ignore[call-overload]
        if viewer is None or not viewer.in_play:
            return (frozenset(), frozenset())
        ships = {viewer.id}
        for ship in self._in_play:
            if ship is not viewer and self._in_sight(viewer, ship.x, ship.y):
                ships.add(ship.id)
        bullets = {
            b.id for b in self.bullets if b.owner == viewer.id or self._in_sight(viewer, b.x, b.y)
        }
        return (ships, bullets)

    def hidden_fields(self, group: Hashable) -> tuple[Mapping[int, Collection[str]] | None, ...]:
        """With fog of war a player reads the ``ack`` of its own ship only: the others' change
        every tick and tell it nothing."""
        others = {ship.id: _OWN_ONLY for ship in self._in_play if ship.id != group}
        return (others, None)

    def _in_sight(self, viewer: Ship, x: float, y: float) -> bool:
        """Whether (x, y) is within the fog radius of ``viewer`` with no wall in between."""
        vx = viewer.x
        vy = viewer.y
        dx = x - vx
        dy = y - vy
        radius = self.rules.fog_radius
        if dx * dx + dy * dy > radius * radius:
            return False
        lo_x, hi_x = (vx, x) if vx <= x else (x, vx)
        lo_y, hi_y = (vy, y) if vy <= y else (y, vy)
        for x0, y0, x1, y1 in self._walls:
            if hi_x < x0 or lo_x > x1 or hi_y < y0 or lo_y > y1:
                continue  # the wall is off the line's box
            if segment_rect_hit(vx, vy, x, y, x0, y0, x1, y1) is not None:
                return False
        return True

    def take_events(self) -> list[list[int]]:
        """The kills, hits and spawns since the last call."""
        events = self._pending
        self._pending = []
        return events

    # -- players ---------------------------------------------------------------------------

    def player_joined(self, seat: Seat) -> None:
        """A new ship, spawned for the next tick."""
        ship = self.ships.get(seat.id)
        if ship is None:
            ship = self.ships[seat.id] = Ship(seat.id)
        ship.in_play = True
        self._in_play.append(ship)
        self._in_play.sort(key=lambda s: s.id)
        self._spawn(ship, self.ctx.tick + 1)
        self._pending.append([_SPAWN, ship.id])

    def player_away(self, seat: Seat) -> None:
        """The ship waits, idle and still hittable."""
        self.ships[seat.id].buttons = 0

    def player_left(self, seat: Seat) -> None:
        """The ship leaves the arena with its bullets; its score stays in the roster."""
        ship = self.ships[seat.id]
        ship.in_play = False
        ship.alive = False
        ship.buttons = 0
        ship.vx = ship.vy = 0.0
        self._in_play.remove(ship)
        self.bullets = [b for b in self.bullets if b.owner != seat.id]

    def apply_input(self, seat: Seat, values: tuple[int, ...]) -> None:
        """``(buttons, aim_mrad, view_tick, view_delay_ms)``: held until the next INPUT; the
        view (optional) says what its player saw, for lag compensation."""
        ship = self.ships[seat.id]
        ship.buttons = values[0] & ALL_BUTTONS
        ship.aim = values[1] / AIM_SCALE
        view_tick = values[2] if len(values) > 2 else 0
        ship.view_lag_ms = self._view_lag_ms(view_tick, values[3] if len(values) > 3 else 0)

    def _view_lag_ms(self, view_tick: int, view_delay_ms: int) -> int:
        """How far behind the next tick (the one this INPUT acts on) its player saw the match,
        capped at the rules' ``rewind_limit``; 0 without a view (no compensation)."""
        if view_tick <= 0 or not self._rewind_limit_ms:
            return 0
        lag = (self.ctx.tick + 1 - view_tick) * 1000 / self.rules.tick_rate + view_delay_ms
        return min(self._rewind_limit_ms, max(0, round(lag)))

    # -- phases ----------------------------------------------------------------------------

    def start(self) -> None:
        """Scores and deaths reset, bullets vanish and every present ship respawns; a ship
        that waits for its away player stays where it is."""
        tick = self.ctx.tick
        self.bullets = []
        for ship in self.ships.values():
            ship.score = 0
            ship.deaths = 0
        self._roster_version += 1
        seats = self.ctx.seats
        present = [ship for ship in self._in_play if not seats[ship.id].away]
        for ship in present:
            ship.alive = False
        for ship in present:
            self._spawn(ship, tick)
            self._pending.append([_SPAWN, ship.id])

    def end(self) -> None:
        """The match ended: bullets vanish, ships stay where they are."""
        self.bullets = []

    def step(self) -> GameOver | None:
        """Respawns, movement, fire and bullets of one tick; GameOver at the score limit."""
        tick = self.ctx.tick
        self._respawn(tick)
        self._move_ships()
        self._fire(tick)
        return self._move_bullets(tick)

    # -- spawning --------------------------------------------------------------------------

    def _spawn(self, ship: Ship, tick: int) -> None:
        ship.x, ship.y = self._choose_spawn_point(ship)
        ship.vx = ship.vy = 0.0
        ship.health = self.rules.max_health
        ship.alive = True
        ship.protected_until = tick + self._protection_ticks

    def _choose_spawn_point(self, ship: Ship) -> tuple[float, float]:
        """The spawn point farthest from alive opponents; ties go to the match RNG."""
        points = self.rules.spawn_points
        opponents = [(o.x, o.y) for o in self._in_play if o.alive and o is not ship]
        rng = self.ctx.rng
        if not opponents:
            return rng.choice(points)
        best_distance = -1.0
        best: list[tuple[float, float]] = []
        for sx, sy in points:
            distance = min((sx - ox) ** 2 + (sy - oy) ** 2 for ox, oy in opponents)
            if distance > best_distance:
                best_distance = distance
                best = [(sx, sy)]
            elif distance == best_distance:
                best.append((sx, sy))
        return best[0] if len(best) == 1 else rng.choice(best)

    def _respawn(self, tick: int) -> None:
        seats = self.ctx.seats
        for ship in self._in_play:
            if not ship.alive and not seats[ship.id].away and ship.respawn_tick <= tick:
                self._spawn(ship, tick)
                self._pending.append([_SPAWN, ship.id])

    # -- movement and combat ---------------------------------------------------------------

    def _move_ships(self) -> None:
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
        for p in self._in_play:
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
        for p in self._in_play:
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
                    p.view_lag_ms,
                )
            )
            self._next_bullet_id += 1

    def _move_bullets(self, tick: int) -> GameOver | None:
        if not self.bullets:
            return None
        scale = POSITION_SCALE
        hit_radius = self._hit_radius
        walls = self._bullet_walls
        width = self.rules.arena_width
        height = self.rules.arena_height
        targets = [(p, p.x, p.y) for p in self._in_play if p.alive and not self.is_protected(p)]
        rewound: dict[int, list[tuple[Ship, float, float]]] = {}
        survivors: list[Bullet] = []
        for b in self.bullets:
            seen = targets
            if b.rewind_ms:
                past = rewound.get(b.rewind_ms)
                if past is None:
                    past = rewound[b.rewind_ms] = self._targets_seen(targets, b.rewind_ms)
                seen = past
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
            victim: Ship | None = None
            for p, px, py in seen:
                if p.id == b.owner or not p.alive:
                    continue
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
                if self._hit(b.owner, victim, tick):
                    self.bullets = []
                    return GameOver("score_limit")
                continue
            if first <= 1.0 or tick >= b.last_tick:
                continue
            if x1 < 0.0 or x1 > width or y1 < 0.0 or y1 > height:
                continue
            b.wx = next_wx
            b.wy = next_wy
            survivors.append(b)
        self.bullets = survivors
        return None

    def _targets_seen(
        self, targets: list[tuple[Ship, float, float]], rewind_ms: int
    ) -> list[tuple[Ship, float, float]]:
        """The hittable ships where they were ``rewind_ms`` before this tick (the history's
        views); one that was not alive then cannot be hit by a shot that saw it so."""
        history = self.ctx.history
        if history is None:
            return targets
        rows = history.rows_at(0, self.ctx.tick - rewind_ms * self.rules.tick_rate / 1000)
        scale = POSITION_SCALE
        seen = []
        for ship, _x, _y in targets:
            row = rows.get(ship.id)
            if row is None:
                continue
            if int(row[4]) & _ALIVE:
                seen.append((ship, row[0] / scale, row[1] / scale))
        return seen

    def _hit(self, shooter_id: int, victim: Ship, tick: int) -> bool:
        """Apply one bullet hit; True when it reached the score limit."""
        damage = min(self.rules.bullet_damage, victim.health)
        victim.health -= damage
        self._pending.append([_HIT, shooter_id, victim.id, damage])
        if victim.health > 0:
            return False
        victim.alive = False
        victim.vx = victim.vy = 0.0
        victim.respawn_tick = tick + self._respawn_ticks
        self._pending.append([_KILL, shooter_id, victim.id])
        if self.ctx.phase is not Phase.RUNNING:
            return False
        killer = self.ships[shooter_id]
        killer.score += 1
        victim.deaths += 1
        self._roster_version += 1
        return killer.score >= self.rules.score_limit

    # -- checkpoints -----------------------------------------------------------------------

    def export_state(self) -> dict[str, Any]:
        """Ships, bullets, pending events and counters (``restore`` reads them back)."""
        return {
            "ships": [[getattr(s, name) for name in _SHIP_FIELDS] for s in self.ships.values()],
            "bullets": [[getattr(b, name) for name in _BULLET_FIELDS] for b in self.bullets],
            "pending": [list(event) for event in self._pending],
            "next_bullet_id": self._next_bullet_id,
            "roster_version": self._roster_version,
        }

    @classmethod
    def restore(cls, ctx: MatchContext, state: dict[str, Any]) -> ShooterSimulation:
        """The simulation ``export_state`` described (the context is restored already)."""
        sim = cls(ctx)
        for values in state["ships"]:
            ship = Ship(**dict(zip(_SHIP_FIELDS, values, strict=False)))  # older: fewer
            sim.ships[ship.id] = ship
        sim._in_play = sorted((s for s in sim.ships.values() if s.in_play), key=lambda s: s.id)
        sim.bullets = [Bullet(*values) for values in state["bullets"]]
        sim._pending = [list(event) for event in state["pending"]]
        sim._next_bullet_id = state["next_bullet_id"]
        sim._roster_version = state["roster_version"]
        return sim
