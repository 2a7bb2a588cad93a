"""The shooter through the runtime's match: movement, combat, phases, seats and determinism.

A player here is seen as one object, its seat (the runtime's) and its ship (the shooter's)
together (``player``); events are the wire arrays the simulation reports.
"""

from __future__ import annotations

import contextlib
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.codec import SnapshotEncoder
from engine.game import SEAT_FIELDS
from engine.games.shooter.game import ShooterGame
from engine.games.shooter.geometry import circle_rect_push
from engine.games.shooter.rules import Rect, Rules
from engine.games.shooter.simulation import Bullet
from engine.games.shooter.wire import Button
from engine.match import Match as RuntimeMatch
from engine.match import MatchFull, MatchOver, SeatRefused, SeatReleased
from engine.protocol import Phase

Event = list[int]


def KillEvent(killer: int, victim: int) -> Event:  # noqa: N802 - reads like the event it is
    """``[1, killer, victim]``."""
    return [1, killer, victim]


def HitEvent(shooter: int, victim: int, damage: int) -> Event:  # noqa: N802
    """``[2, shooter, victim, damage]``."""
    return [2, shooter, victim, damage]


def SpawnEvent(player_id: int) -> Event:  # noqa: N802
    """``[3, player_id]``."""
    return [3, player_id]


def Match(  # noqa: N802 - the shooter's runtime match, as these tests build it
    rules: Rules, seed: int, max_players: int, grace: float = 20.0
) -> RuntimeMatch:
    """A runtime match of the shooter with ``rules``, ffa with ``max_players`` seats."""
    game = ShooterGame(rules)
    return RuntimeMatch(game, game.mode("ffa"), seed, max_players, reconnect_grace=grace)


class Player:
    """One player as these tests see it: its seat's and its ship's attributes, read and set."""

    def __init__(self, match: RuntimeMatch, player_id: int) -> None:
        object.__setattr__(self, "_seat", match.seats[player_id])
        object.__setattr__(self, "_ship", match.sim.ships[player_id])

    def __getattr__(self, name: str) -> Any:
        return getattr(self._seat if name in SEAT_FIELDS else self._ship, name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._seat if name in SEAT_FIELDS else self._ship, name, value)


def who(match: RuntimeMatch, player_id: int) -> Player:
    """The seat and ship of ``player_id``."""
    return Player(match, player_id)


def send(match: RuntimeMatch, player_id: int, seq: int, buttons: int, aim: float) -> bool:
    """An INPUT of buttons and an aim in radians (the wire carries milliradians)."""
    if not math.isfinite(aim):
        return False  # never gets this far: the INPUT's schema refuses it at the edge
    return match.apply_input(player_id, seq, (buttons, round(aim * 1000)))


def encode_keyframe(match: RuntimeMatch, events: list[Event] | None = None) -> bytes:
    """A KEYFRAME of the match's current tick on its own."""
    encoded = SnapshotEncoder(match.game.state, 1).encode(match, events or [], 0)
    assert encoded is not None and encoded.keyframe is not None
    return encoded.keyframe


UP, DOWN, LEFT, RIGHT, FIRE = (int(b) for b in Button)
CENTER = (800.0, 450.0)


def make_rules(**overrides: Any) -> Rules:
    """Open arena, no spawn protection, instant countdown, unless overridden."""
    values: dict[str, Any] = {
        "walls": (),
        "spawn_points": (CENTER, (200.0, 450.0), (1400.0, 450.0)),
        "spawn_protection": 0.0,
        "countdown": 0.0,
        "min_players": 2,
    }
    values.update(overrides)
    return Rules(**values)


def make_match(
    rules: Rules, players: int, seed: int = 1, max_players: int = 8, grace: float = 20.0
) -> RuntimeMatch:
    """A match with ``players`` seated and one tick stepped."""
    match = Match(rules, seed, max_players, grace)
    for i in range(players):
        match.add_player(f"p{i}")
    match.step()
    return match


def place(match: RuntimeMatch, player_id: int, x: float, y: float) -> None:
    """Teleport a player and stop it."""
    player = who(match, player_id)
    player.x, player.y = x, y
    player.vx = player.vy = 0.0


def press(match: RuntimeMatch, player_id: int, buttons: int, aim: float = 0.0) -> None:
    """Send the next input of a player."""
    assert send(match, player_id, match.seats[player_id].last_seq + 1, buttons, aim)


def run(match: RuntimeMatch, ticks: int) -> list[Event]:
    """Step ``ticks`` times and return every event."""
    events: list[Event] = []
    for _ in range(ticks):
        events.extend(match.step())
    return events


def inject_bullet(
    match: RuntimeMatch, owner: int, x: float, y: float, vx: float, vy: float
) -> Bullet:
    """Put a bullet in flight as if ``owner`` had fired it."""
    bullet_id = 10_000 + len(match.sim.bullets)
    bullet = Bullet.launch(bullet_id, owner, x, y, vx, vy, match.tick + 100, match.sim.rules.dt)
    match.sim.bullets.append(bullet)
    return bullet


def shoot_dead(match: RuntimeMatch, killer: int, victim: int) -> list[Event]:
    """Let one bullet of ``killer`` kill ``victim`` on the next tick."""
    target = who(match, victim)
    target.health = match.sim.rules.bullet_damage
    target.protected_until = 0
    inject_bullet(match, killer, target.x - 30.0, target.y, match.sim.rules.bullet_speed, 0.0)
    events = match.step()
    assert KillEvent(killer, victim) in events
    return events


# -- movement ------------------------------------------------------------------------------

DIAGONAL = 260.0 / math.sqrt(2.0)


@pytest.mark.parametrize(
    ("buttons", "ticks", "velocity", "offset"),
    [
        (RIGHT, 1, (120.0, 0.0), (6.0, 0.0)),
        (RIGHT, 2, (240.0, 0.0), (18.0, 0.0)),
        (RIGHT, 3, (260.0, 0.0), (31.0, 0.0)),
        (RIGHT, 20, (260.0, 0.0), None),
        (LEFT, 3, (-260.0, 0.0), (-31.0, 0.0)),
        (DOWN, 2, (0.0, 240.0), (0.0, 18.0)),
        (UP, 1, (0.0, -120.0), (0.0, -6.0)),
        (UP | RIGHT, 1, (120.0 / math.sqrt(2.0), -120.0 / math.sqrt(2.0)), None),
        (UP | RIGHT, 20, (DIAGONAL, -DIAGONAL), None),
        (DOWN | LEFT, 20, (-DIAGONAL, DIAGONAL), None),
        (LEFT | RIGHT, 5, (0.0, 0.0), (0.0, 0.0)),
        (UP | DOWN | LEFT | RIGHT, 5, (0.0, 0.0), (0.0, 0.0)),
        (UP | DOWN | RIGHT, 3, (260.0, 0.0), (31.0, 0.0)),
        (FIRE, 5, (0.0, 0.0), (0.0, 0.0)),
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
        "fire-only",
    ],
)
def test_movement(
    buttons: int,
    ticks: int,
    velocity: tuple[float, float],
    offset: tuple[float, float] | None,
) -> None:
    match = make_match(make_rules(min_players=3), 1)
    pid = 0
    place(match, pid, *CENTER)
    press(match, pid, buttons)
    run(match, ticks)
    player = who(match, pid)
    assert (player.vx, player.vy) == pytest.approx(velocity)
    assert math.hypot(player.vx, player.vy) <= 260.0 + 1e-9
    if offset is not None:
        assert (player.x - CENTER[0], player.y - CENTER[1]) == pytest.approx(offset)


@pytest.mark.parametrize(
    ("buttons", "speeds"),
    [
        (RIGHT, [170.0, 80.0, 0.0, 0.0]),
        (UP | LEFT, [170.0, 80.0, 0.0, 0.0]),
    ],
    ids=["straight", "diagonal"],
)
def test_friction_stops_player(buttons: int, speeds: list[float]) -> None:
    match = make_match(make_rules(min_players=3), 1)
    place(match, 0, *CENTER)
    press(match, 0, buttons)
    run(match, 10)
    press(match, 0, 0)
    player = who(match, 0)
    for expected in speeds:
        match.step()
        assert math.hypot(player.vx, player.vy) == pytest.approx(expected, abs=1e-9)
    position = (player.x, player.y)
    run(match, 5)
    assert (player.x, player.y) == position


@pytest.mark.parametrize(
    ("buttons", "expected"),
    [(LEFT, (18.0, 450.0)), (RIGHT, (1582.0, 450.0)), (UP, (800.0, 18.0)), (DOWN, (800.0, 882.0))],
    ids=["left", "right", "top", "bottom"],
)
def test_arena_bounds(buttons: int, expected: tuple[float, float]) -> None:
    match = make_match(make_rules(min_players=3), 1)
    place(match, 0, *CENTER)
    press(match, 0, buttons)
    run(match, 100)
    player = who(match, 0)
    assert (player.x, player.y) == pytest.approx(expected)
    assert (player.vx, player.vy) == (0.0, 0.0)


BLOCK = Rect(700.0, 350.0, 200.0, 200.0)
SIDES = ((200.0, 450.0), (1400.0, 450.0))


@pytest.mark.parametrize(
    ("start", "buttons", "expected"),
    [
        ((500.0, 450.0), RIGHT, (682.0, 450.0)),
        ((1100.0, 450.0), LEFT, (918.0, 450.0)),
        ((800.0, 150.0), DOWN, (800.0, 332.0)),
        ((800.0, 750.0), UP, (800.0, 568.0)),
    ],
    ids=["from-left", "from-right", "from-top", "from-bottom"],
)
def test_walls_block_players(
    start: tuple[float, float], buttons: int, expected: tuple[float, float]
) -> None:
    match = make_match(make_rules(min_players=3, walls=(BLOCK,), spawn_points=SIDES), 1)
    place(match, 0, *start)
    press(match, 0, buttons)
    player = who(match, 0)
    for _ in range(60):
        match.step()
        assert circle_rect_push(player.x, player.y, 18.0 - 1e-9, *BLOCK.bounds()) is None
    assert (player.x, player.y) == pytest.approx(expected)


def test_player_slides_along_wall() -> None:
    match = make_match(make_rules(min_players=3, walls=(BLOCK,), spawn_points=SIDES), 1)
    place(match, 0, 682.0, 450.0)
    press(match, 0, RIGHT | DOWN)
    run(match, 4)
    player = who(match, 0)
    assert player.x == pytest.approx(682.0)
    assert player.y > 460.0


# -- firing and bullets --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cooldown", "ticks", "shots"),
    [(0.25, 1, 1), (0.25, 5, 1), (0.25, 6, 2), (0.25, 20, 4), (0.05, 10, 10), (0.5, 21, 3)],
    ids=["first-shot", "within-cooldown", "second-shot", "one-second", "every-tick", "slow"],
)
def test_fire_cooldown(cooldown: float, ticks: int, shots: int) -> None:
    rules = make_rules(min_players=3, fire_cooldown=cooldown, bullet_speed=10.0)
    match = make_match(rules, 1)
    place(match, 0, *CENTER)
    press(match, 0, FIRE, aim=0.0)
    run(match, ticks)
    assert len(match.sim.bullets) == shots
    assert [b.owner for b in match.sim.bullets] == [0] * shots
    assert [b.id for b in match.sim.bullets] == list(range(shots))


@pytest.mark.parametrize(
    "aim",
    [0.0, math.pi / 2, -math.pi / 2, 3.0, -2.2],
    ids=["right", "down", "up", "left", "aslant"],
)
def test_bullet_spawns_at_edge_along_aim(aim: float) -> None:
    rules = make_rules(min_players=3)
    match = make_match(rules, 1)
    place(match, 0, *CENTER)
    press(match, 0, FIRE, aim)
    match.step()
    (bullet,) = match.sim.bullets
    travelled = rules.player_radius + rules.bullet_speed * rules.dt
    # positions and steps are snapped to the wire grid (tenths): within 0.05 u each
    assert bullet.x == pytest.approx(CENTER[0] + math.cos(aim) * travelled, abs=0.11)
    assert bullet.y == pytest.approx(CENTER[1] + math.sin(aim) * travelled, abs=0.11)
    step = rules.bullet_speed * rules.dt * 10
    assert (bullet.step_x, bullet.step_y) == (
        round(math.cos(aim) * step),
        round(math.sin(aim) * step),
    )


def test_dead_players_do_not_fire_or_move() -> None:
    match = make_match(make_rules(min_players=3), 2)
    place(match, 0, *CENTER)
    place(match, 1, 200.0, 450.0)
    shoot_dead(match, 1, 0)
    press(match, 0, FIRE | RIGHT)
    run(match, 5)
    assert match.sim.bullets == []
    assert (who(match, 0).x, who(match, 0).y) == CENTER


@pytest.mark.parametrize(
    "speed", [700.0, 3000.0, 15000.0, 60000.0], ids=["default", "fast", "faster", "absurd"]
)
def test_bullets_hit_without_tunnelling(speed: float) -> None:
    rules = make_rules(min_players=3, bullet_speed=speed)
    match = make_match(rules, 2)
    place(match, 0, 200.0, 450.0)
    place(match, 1, 1000.0, 450.0)
    press(match, 0, FIRE, 0.0)
    events = run(match, 1)
    press(match, 0, 0)
    events += run(match, 30)
    assert HitEvent(0, 1, 25) in events
    assert who(match, 1).health == 75
    assert match.sim.bullets == []


@pytest.mark.parametrize(
    "speed", [700.0, 3000.0, 15000.0, 60000.0], ids=["default", "fast", "faster", "absurd"]
)
def test_walls_stop_bullets(speed: float) -> None:
    thin = Rect(600.0, 0.0, 2.0, 900.0)
    match = make_match(make_rules(min_players=3, walls=(thin,), bullet_speed=speed), 2)
    place(match, 0, 200.0, 450.0)
    place(match, 1, 1000.0, 450.0)
    press(match, 0, FIRE, 0.0)
    match.step()
    press(match, 0, 0)
    for _ in range(30):
        events = match.step()
        assert not any(e[0] == HitEvent(0, 0, 0)[0] for e in events)
        assert all(b.x < 600.0 for b in match.sim.bullets)
    assert match.sim.bullets == []
    assert who(match, 1).health == 100


@pytest.mark.parametrize(
    ("owner", "hits_player_0"), [(0, False), (1, True)], ids=["own-bullet", "enemy-bullet"]
)
def test_owner_is_not_hit(owner: int, hits_player_0: bool) -> None:
    match = make_match(make_rules(min_players=3), 2)
    place(match, 0, *CENTER)
    place(match, 1, 200.0, 800.0)
    bullet = inject_bullet(match, owner, CENTER[0] + 100.0, CENTER[1], -700.0, 0.0)
    events = run(match, 10)
    assert (HitEvent(owner, 0, 25) in events) is hits_player_0
    if not hits_player_0:
        assert bullet in match.sim.bullets
        assert bullet.x < CENTER[0] - 100.0


def test_bullets_expire_after_lifetime() -> None:
    rules = make_rules(min_players=3, bullet_lifetime=0.5, bullet_speed=100.0)
    match = make_match(rules, 1)
    place(match, 0, *CENTER)
    press(match, 0, FIRE, 0.0)
    match.step()
    press(match, 0, 0)
    run(match, 8)
    (bullet,) = match.sim.bullets
    assert bullet.x == pytest.approx(CENTER[0] + 18.0 + 9 * 5.0)
    match.step()
    assert match.sim.bullets == []


def test_bullets_leaving_the_arena_are_removed() -> None:
    match = make_match(make_rules(min_players=3), 1)
    place(match, 0, 1560.0, 450.0)
    press(match, 0, FIRE, 0.0)
    match.step()
    assert match.sim.bullets == []


@pytest.mark.parametrize(
    ("protection", "delay", "hit"),
    [(0.0, 0, True), (1.0, 0, False), (1.0, 18, False), (1.0, 19, True)],
    ids=["unprotected", "protected", "last-protected-tick", "protection-over"],
)
def test_spawn_protection(protection: float, delay: int, hit: bool) -> None:
    match = make_match(make_rules(spawn_protection=protection), 2)
    assert match.phase is Phase.RUNNING
    run(match, delay)
    place(match, 1, *CENTER)
    assert match.sim.is_protected(match.sim.ships[1]) is (protection > 0)
    inject_bullet(match, 0, CENTER[0] - 30.0, CENTER[1], 700.0, 0.0)
    events = match.step()
    assert (HitEvent(0, 1, 25) in events) is hit
    if not hit:
        assert len(match.sim.bullets) == 1


@pytest.mark.parametrize(
    ("damage", "health", "hits", "last_damage"),
    [(25, 100, 4, 25), (40, 100, 3, 20), (100, 100, 1, 100), (30, 100, 4, 10), (150, 100, 1, 100)],
    ids=["default", "uneven", "one-shot", "overkill-partial", "overkill"],
)
def test_damage_and_death(damage: int, health: int, hits: int, last_damage: int) -> None:
    match = make_match(make_rules(min_players=3, bullet_damage=damage, max_health=health), 2)
    place(match, 0, 200.0, 450.0)
    place(match, 1, *CENTER)
    victim = who(match, 1)
    for i in range(hits):
        inject_bullet(match, 0, CENTER[0] - 30.0, CENTER[1], 700.0, 0.0)
        events = match.step()
        if i < hits - 1:
            assert events == [HitEvent(0, 1, damage)]
            assert victim.alive
    assert events == [HitEvent(0, 1, last_damage), KillEvent(0, 1)]
    assert victim.health == 0
    assert not victim.alive
    inject_bullet(match, 0, CENTER[0] - 30.0, CENTER[1], 700.0, 0.0)
    assert match.step() == []


def test_one_bullet_hits_the_nearest_player_only() -> None:
    match = make_match(make_rules(min_players=4), 3)
    place(match, 0, 200.0, 450.0)
    place(match, 1, 600.0, 450.0)
    place(match, 2, 560.0, 450.0)
    inject_bullet(match, 0, 300.0, 450.0, 20000.0, 0.0)
    assert match.step() == [HitEvent(0, 2, 25)]
    assert who(match, 1).health == 100


@pytest.mark.parametrize(
    ("delay", "ticks"),
    [(0.0, 1), (0.05, 1), (0.5, 10), (2.0, 40)],
    ids=["instant", "one-tick", "half-second", "default"],
)
def test_respawn_after_delay(delay: float, ticks: int) -> None:
    match = make_match(make_rules(min_players=3, respawn_delay=delay, spawn_protection=1.0), 2)
    place(match, 0, 200.0, 450.0)
    place(match, 1, *CENTER)
    shoot_dead(match, 0, 1)
    victim = who(match, 1)
    for _ in range(ticks - 1):
        assert SpawnEvent(1) not in match.step()
        assert not victim.alive
    assert match.step() == [SpawnEvent(1)]
    assert victim.alive
    assert victim.health == 100
    assert match.sim.is_protected(match.sim.ships[1])
    assert (victim.x, victim.y) in match.sim.rules.spawn_points


def test_spawn_point_is_farthest_from_opponents() -> None:
    match = make_match(make_rules(min_players=3, respawn_delay=0.0), 2)
    place(match, 0, 1350.0, 450.0)
    place(match, 1, *CENTER)
    shoot_dead(match, 0, 1)
    match.step()
    assert (who(match, 1).x, who(match, 1).y) == (200.0, 450.0)


# -- scoring and phases --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "phase", "scores"),
    [
        ({"min_players": 3}, Phase.WAITING, False),
        ({"countdown": 10.0}, Phase.COUNTDOWN, False),
        ({}, Phase.RUNNING, True),
    ],
    ids=["waiting", "countdown", "running"],
)
def test_scoring_only_while_running(overrides: dict[str, Any], phase: Phase, scores: bool) -> None:
    match = make_match(make_rules(**overrides), 2)
    assert match.phase is phase
    place(match, 0, 200.0, 450.0)
    place(match, 1, *CENTER)
    version = match.roster_version
    shoot_dead(match, 0, 1)
    assert who(match, 0).score == int(scores)
    assert who(match, 1).deaths == int(scores)
    assert (match.roster_version != version) is scores


def test_waiting_countdown_running() -> None:
    match = Match(make_rules(countdown=0.5, time_limit=10.0), seed=3, max_players=4)
    a = match.add_player("a")
    match.step()
    assert (match.phase, match.phase_ms_left()) == (Phase.WAITING, 0)
    b = match.add_player("b")
    match.step()
    assert (match.phase, match.phase_ms_left()) == (Phase.COUNTDOWN, 500)
    press(match, a, FIRE)
    run(match, 9)
    assert (match.phase, match.phase_ms_left()) == (Phase.COUNTDOWN, 50)
    earlier = {bullet.id for bullet in match.sim.bullets}
    assert earlier
    events = match.step()
    assert (match.phase, match.phase_ms_left()) == (Phase.RUNNING, 10_000)
    assert events == [SpawnEvent(a), SpawnEvent(b)]
    assert not earlier & {bullet.id for bullet in match.sim.bullets}
    match.step()
    assert match.phase_ms_left() == 9950


def test_running_start_resets_players() -> None:
    match = Match(make_rules(countdown=0.5), seed=3, max_players=4)
    match.add_player("a")
    match.add_player("b")
    match.step()
    who(match, 1).health = 10
    who(match, 0).score = 3
    run(match, 10)
    assert match.phase is Phase.RUNNING
    assert who(match, 1).health == 100
    assert who(match, 0).score == 0


def test_countdown_returns_to_waiting() -> None:
    match = Match(make_rules(countdown=1.0), seed=3, max_players=4)
    match.add_player("a")
    b = match.add_player("b")
    run(match, 5)
    assert match.phase is Phase.COUNTDOWN
    match.remove_player(b)
    match.step()
    assert (match.phase, match.phase_ms_left()) == (Phase.WAITING, 0)
    match.add_player("c")
    match.step()
    assert (match.phase, match.phase_ms_left()) == (Phase.COUNTDOWN, 1000)


def test_score_limit_ends_match() -> None:
    match = make_match(make_rules(score_limit=2, respawn_delay=0.0), 2)
    place(match, 0, 200.0, 450.0)
    place(match, 1, *CENTER)
    shoot_dead(match, 0, 1)
    match.step()
    place(match, 1, *CENTER)
    press(match, 1, FIRE, math.pi)
    shoot_dead(match, 0, 1)
    assert match.phase is Phase.ENDED
    assert match.sim.bullets == []
    result = match.result
    assert result is not None
    assert result.reason == "score_limit"
    assert result.winner_id == 0
    assert result.standings == [[0, "p0", 1, 2, 0], [1, "p1", 2, 0, 2]]  # id, name, place, ...
    assert result.duration_ms == 50 * match.tick  # running since tick 1


def test_score_limit_wins_at_once() -> None:
    match = make_match(make_rules(score_limit=1), 2)
    place(match, 0, 200.0, 450.0)
    place(match, 1, *CENTER)
    who(match, 0).health = who(match, 1).health = 25
    inject_bullet(match, 1, 170.0, 450.0, 700.0, 0.0)
    inject_bullet(match, 0, CENTER[0] - 30.0, CENTER[1], 700.0, 0.0)
    events = match.step()
    assert events == [HitEvent(1, 0, 25), KillEvent(1, 0)]
    assert match.result is not None
    assert match.result.winner_id == 1
    assert who(match, 1).alive


@pytest.mark.parametrize(
    ("players", "kills", "winner"),
    [
        (2, [], None),
        (2, [(0, 1)], 0),
        (2, [(1, 0)], 1),
        (2, [(0, 1), (1, 0)], None),
        (3, [(0, 2), (1, 2), (0, 1)], 0),
        (3, [(0, 2), (1, 2)], None),
    ],
    ids=["no-kills", "first-wins", "second-wins", "tie", "three-players", "three-tie"],
)
def test_time_limit_ends_match(
    players: int, kills: list[tuple[int, int]], winner: int | None
) -> None:
    match = make_match(make_rules(time_limit=1.0, respawn_delay=0.0), players)
    assert match.phase is Phase.RUNNING
    spots = [(200.0, 450.0), CENTER, (1400.0, 450.0)]
    for killer, victim in kills:
        for pid in range(players):
            place(match, pid, *spots[pid])
        shoot_dead(match, killer, victim)
        match.step()
    while match.phase is Phase.RUNNING:
        match.step()
    assert match.tick == 21
    result = match.result
    assert result is not None
    assert (result.reason, result.winner_id, result.duration_ms) == ("time_limit", winner, 1000)
    assert len(result.standings) == players
    ranked = [(row[3], -row[4]) for row in result.standings]  # kills, then fewest deaths
    assert ranked == sorted(ranked, reverse=True)
    places = [row[2] for row in result.standings]
    assert places == sorted(places) and places[0] == 1


def test_standings_order() -> None:
    match = make_match(make_rules(time_limit=1.0, respawn_delay=0.0), 4)
    spots = [(200.0, 200.0), (200.0, 700.0), (1400.0, 200.0), (1400.0, 700.0)]
    for killer, victim in [(2, 0), (1, 3), (1, 0)]:
        for pid, spot in enumerate(spots):
            place(match, pid, *spot)
        shoot_dead(match, killer, victim)
        match.step()
    run(match, 20)
    assert match.result is not None
    standings = [[1, "p1", 1, 2, 0], [2, "p2", 2, 1, 0], [3, "p3", 3, 0, 1], [0, "p0", 3, 0, 2]]
    assert match.result.standings == standings, "no kills: p3 and p0 share the third place"
    assert match.result.to_wire() == {
        "reason": "time_limit",
        "winner_id": 1,
        "winner_team": None,
        "teams": 0,
        "columns": ["score", "deaths"],
        "standings": standings,
        "duration_ms": 1000,
        "summary": {},
    }


def _never_joined(match: RuntimeMatch) -> None:
    pass


def _left_while_waiting(match: RuntimeMatch) -> None:
    match.add_player("a")
    run(match, 5)
    match.remove_player(0)


@pytest.mark.parametrize(
    ("scenario", "standings", "duration_ms"),
    [
        (_never_joined, [], 0),
        (_left_while_waiting, [[0, "a", 1, 0, 0]], 0),
    ],
    ids=["never-joined", "left-while-waiting"],
)
def test_abandonment(scenario: Any, standings: list[Any], duration_ms: int) -> None:
    match = Match(make_rules(empty_timeout=1.0), seed=5, max_players=4)
    scenario(match)
    run(match, 19)
    assert match.phase is not Phase.ENDED
    match.step()
    assert match.phase is Phase.ENDED
    result = match.result
    assert result is not None
    assert (result.reason, result.winner_id) == ("abandoned", None)
    assert result.standings == standings
    assert result.duration_ms == duration_ms


@pytest.mark.parametrize("leave", [False, True], ids=["one-stays", "rejoin-resets-timer"])
def test_no_abandonment_while_someone_is_there(leave: bool) -> None:
    match = Match(make_rules(empty_timeout=1.0), seed=5, max_players=4)
    match.add_player("a")
    if leave:
        match.remove_player(0)
        run(match, 15)
        match.add_player("b")
        run(match, 1)
        match.remove_player(1)
        run(match, 19)
    else:
        run(match, 100)
    assert match.phase is Phase.WAITING
    assert match.result is None


@pytest.mark.parametrize(
    ("linger", "ticks_to_close"),
    [(0.5, 10), (0.0, 0), (5.0, 100)],
    ids=["short", "none", "default"],
)
def test_ended_linger_then_closed(linger: float, ticks_to_close: int) -> None:
    match = Match(make_rules(empty_timeout=0.05, ended_linger=linger), seed=1, max_players=2)
    assert match.step() == []
    assert match.phase is Phase.ENDED
    tick = match.tick
    for i in range(ticks_to_close):
        assert not match.closed
        assert match.phase_ms_left() == (ticks_to_close - i) * 50
        assert match.step() == []
    assert match.closed
    assert match.phase_ms_left() == 0
    assert match.tick == tick + ticks_to_close


def test_ended_match_is_frozen() -> None:
    match = make_match(make_rules(score_limit=1), 2)
    place(match, 0, 200.0, 450.0)
    place(match, 1, *CENTER)
    press(match, 0, RIGHT | FIRE)
    shoot_dead(match, 0, 1)
    position = (who(match, 0).x, who(match, 0).y)
    assert run(match, 10) == []
    assert (who(match, 0).x, who(match, 0).y) == position
    assert match.sim.bullets == []


# -- seats and inputs ----------------------------------------------------------------------


def test_seat_refusal() -> None:
    match = Match(make_rules(), seed=1, max_players=2)
    assert [match.add_player("a"), match.add_player("b")] == [0, 1]
    with pytest.raises(MatchFull):
        match.add_player("c")
    match.remove_player(0)
    assert match.add_player("c") == 2
    with pytest.raises(SeatRefused):
        match.add_player("d")
    assert [p.connected for p in match.seats.values()] == [False, True, True]
    assert match.connected_count == 2


def test_ended_match_refuses_seats() -> None:
    match = Match(make_rules(empty_timeout=0.05), seed=1, max_players=2)
    match.step()
    with pytest.raises(MatchOver):
        match.add_player("late")


@pytest.mark.parametrize("max_players", [0, 1], ids=["no-seats", "below-min-players"])
def test_invalid_max_players(max_players: int) -> None:
    with pytest.raises(ValueError, match="max_players"):
        Match(make_rules(), seed=1, max_players=max_players)


def test_remove_player() -> None:
    match = make_match(make_rules(min_players=3), 2)
    version = match.roster_version
    place(match, 0, 200.0, 450.0)
    place(match, 1, 1400.0, 800.0)
    press(match, 0, FIRE)
    match.step()
    assert match.sim.bullets
    match.remove_player(0)
    assert match.roster_version == version + 1
    assert match.sim.bullets == []
    assert [p.id for p in match.sim.ships_in_play] == [1]
    assert not who(match, 0).connected
    match.remove_player(0)
    match.remove_player(99)
    assert match.roster_version == version + 1


@pytest.mark.parametrize(
    ("inputs", "accepted"),
    [
        ([(1, RIGHT)], [True]),
        ([(0, RIGHT), (1, LEFT)], [False, True]),
        ([(1, RIGHT), (1, LEFT)], [True, False]),
        ([(5, RIGHT), (3, LEFT), (4, UP)], [True, False, False]),
        ([(1, RIGHT), (2, LEFT), (7, UP)], [True, True, True]),
        ([(2**32 - 1, DOWN), (0, UP)], [True, False]),
    ],
    ids=["first", "zero", "repeat", "stale", "increasing", "max-seq"],
)
def test_stale_input_is_ignored(inputs: list[tuple[int, int]], accepted: list[bool]) -> None:
    match = make_match(make_rules(min_players=3), 1)
    results = [send(match, 0, seq, buttons, 0.5) for seq, buttons in inputs]
    assert results == accepted
    last = [b for (_, b), ok in zip(inputs, accepted, strict=True) if ok][-1]
    assert who(match, 0).buttons == last


@pytest.mark.parametrize(
    ("player_id", "aim"),
    [(7, 0.0), (0, math.nan), (0, math.inf)],
    ids=["unknown", "nan-aim", "infinite-aim"],
)
def test_invalid_input_is_ignored(player_id: int, aim: float) -> None:
    match = make_match(make_rules(min_players=3), 1)
    assert not send(match, player_id, 1, RIGHT, aim)
    assert who(match, 0).buttons == 0


def test_input_of_disconnected_player_is_ignored() -> None:
    match = make_match(make_rules(min_players=3), 2)
    match.remove_player(1)
    assert not send(match, 1, 1, RIGHT, 0.0)


def test_join_spawns_on_next_step() -> None:
    match = Match(make_rules(), seed=1, max_players=4)
    version = match.roster_version
    pid = match.add_player("a")
    assert match.roster_version == version + 1
    player = who(match, pid)
    assert player.alive and player.health == 100
    assert match.step() == [SpawnEvent(pid)]
    assert match.step() == []


# -- determinism ---------------------------------------------------------------------------


def _scripted(seed: int) -> list[bytes]:
    rules = Rules(countdown=0.5, time_limit=6.0, score_limit=3, respawn_delay=0.5)
    match = Match(rules, seed, 4)
    frames: list[bytes] = []
    for tick in range(400):
        if tick in (0, 3, 10, 30):
            match.add_player(f"p{tick}")
        if tick == 200:
            match.remove_player(1)
        for pid in list(match.seats):
            buttons = (tick // 7 + pid) % 16 | (FIRE if (tick + pid) % 3 else 0)
            send(match, pid, tick, buttons, (tick * 0.13 + pid * 1.7) % 6.0 - 3.0)
        match.step()
        frames.append(encode_keyframe(match, match.last_events))
    return frames


def test_same_seed_same_snapshots() -> None:
    first = _scripted(42)
    assert first == _scripted(42)
    assert len(set(first)) == len(first)


operation = st.one_of(
    st.tuples(st.just("add"), st.text(min_size=1, max_size=16)),
    st.tuples(st.just("remove"), st.integers(0, 7)),
    st.tuples(
        st.just("input"),
        st.integers(0, 7),
        st.integers(0, 40),
        st.integers(0, 31),
        st.integers(-3142, 3142),
    ),
    st.tuples(st.just("step"), st.integers(1, 30)),
)


def _apply(match: RuntimeMatch, op: tuple[Any, ...]) -> list[bytes]:
    kind = op[0]
    if kind == "add":
        with contextlib.suppress(SeatRefused):
            match.add_player(op[1])
    elif kind == "remove":
        match.remove_player(op[1])
    elif kind == "input":
        send(match, op[1], op[2], op[3], op[4] / 1000)
    else:
        frames = []
        for _ in range(op[1]):
            match.step()
            frames.append(encode_keyframe(match, match.last_events))
        return frames
    return []


def _check_invariants(match: RuntimeMatch) -> None:
    rules = match.sim.rules
    r = rules.player_radius
    for p in match.sim.ships_in_play:
        assert 0 <= p.health <= rules.max_health
        assert r - 1e-9 <= p.x <= rules.arena_width - r + 1e-9
        assert r - 1e-9 <= p.y <= rules.arena_height - r + 1e-9
        assert math.hypot(p.vx, p.vy) <= rules.max_speed + 1e-9
        for wall in rules.walls:
            assert circle_rect_push(p.x, p.y, r - 1e-6, *wall.bounds()) is None
    for b in match.sim.bullets:
        assert 0.0 <= b.x <= rules.arena_width and 0.0 <= b.y <= rules.arena_height


PROPERTY_RULES = Rules(
    countdown=0.2,
    time_limit=4.0,
    score_limit=2,
    empty_timeout=0.5,
    ended_linger=0.5,
    respawn_delay=0.2,
    spawn_protection=0.1,
    bullet_damage=50,
)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32), ops=st.lists(operation, max_size=40))
def test_determinism_property(seed: int, ops: list[tuple[Any, ...]]) -> None:
    first = Match(PROPERTY_RULES, seed, 4)
    second = Match(PROPERTY_RULES, seed, 4)
    for op in ops:
        assert _apply(first, op) == _apply(second, op)
        _check_invariants(first)
    assert first.result == second.result
    assert first.roster_version == second.roster_version


def test_a_readmitted_player_keeps_id_score_and_sequence() -> None:
    match = make_match(make_rules(), 3, max_players=3)
    player = who(match, 1)
    player.score, player.deaths = 4, 2
    assert send(match, 1, 9, RIGHT, 0.0)
    match.remove_player(1)
    match.step()
    version = match.roster_version
    match.readmit_player(1)
    events = match.step()
    assert player.connected and player.alive and player.score == 4 and player.deaths == 2
    assert (player.last_seq, player.buttons) == (9, 0), "inputs go on above the last one"
    assert [p.id for p in match.sim.ships_in_play] == [0, 1, 2], "still in id order"
    assert match.roster_version > version and any(e == SpawnEvent(1) for e in events)
    assert len(match.seats) == 3


def test_readmission_needs_a_free_seat_and_a_live_match() -> None:
    match = make_match(make_rules(), 2, max_players=2)
    match.remove_player(0)
    match.add_player("newcomer")
    with pytest.raises(MatchFull):
        match.readmit_player(0)
    match.remove_player(1)
    match._end("abandoned")
    with pytest.raises(MatchOver):
        match.readmit_player(1)


def test_an_away_player_waits_idle_for_the_grace_period_then_its_seat_is_released() -> None:
    match = make_match(make_rules(), 2, grace=0.5)  # 10 ticks at 20 Hz
    assert send(match, 1, 1, RIGHT | FIRE, 0.0)
    match.player_away(1)
    away = who(match, 1)
    assert away.away and away.connected and away.buttons == 0
    spot = (away.x, away.y)
    for _ in range(9):
        match.step()
    assert away.connected and (away.x, away.y) == spot, "the ship waits where it was"
    match.step()
    assert not away.connected and away.released and not away.away
    with pytest.raises(SeatReleased):
        match.readmit_player(1)


def test_a_player_back_within_the_grace_period_keeps_its_ship() -> None:
    match = make_match(make_rules(), 2, grace=0.5)
    match.player_away(1)
    match.step()
    spot = (who(match, 1).x, who(match, 1).y)
    match.readmit_player(1)
    events = match.step()
    player = who(match, 1)
    assert not player.away and player.connected and (player.x, player.y) == spot
    assert SpawnEvent(1) not in events, "no respawn: the same ship goes on"
    for _ in range(20):
        match.step()
    assert player.connected and not player.released


def test_without_a_grace_period_an_away_player_leaves_at_once() -> None:
    match = make_match(make_rules(), 2, grace=0.0)
    match.player_away(1)
    assert not who(match, 1).connected and not who(match, 1).released


def test_a_running_match_that_every_player_left_ends_at_once_as_abandoned() -> None:
    match = make_match(make_rules(), 2)
    run(match, 5)
    assert match.phase is Phase.RUNNING
    match.remove_player(0)
    match.remove_player(1)
    match.step()
    assert match.result is not None
    assert (match.result.reason, match.result.winner_id) == ("abandoned", None)


def test_a_player_left_alone_in_a_running_match_wins_by_forfeit() -> None:
    match = make_match(make_rules(), 2)
    run(match, 2)
    assert match.phase is Phase.RUNNING
    who(match, 0).score = 3  # the leader leaves: it still ranks below the one who stayed
    match.remove_player(0)
    match.step()
    assert match.result is not None
    assert (match.result.reason, match.result.winner_id) == ("forfeit", 1)
    assert [row[0] for row in match.result.standings] == [1, 0]


def test_a_running_match_goes_on_while_enough_players_stay() -> None:
    match = make_match(make_rules(), 3)
    run(match, 2)
    match.remove_player(2)
    run(match, 5)
    assert match.phase is Phase.RUNNING and match.result is None


def test_a_player_away_within_its_grace_keeps_a_running_match_going() -> None:
    match = make_match(make_rules(), 2, grace=1.0)
    run(match, 2)
    match.player_away(1)
    run(match, 10)
    assert match.phase is Phase.RUNNING and match.result is None
    run(match, 15)  # the grace is over: its seat is released and the match ends by forfeit
    assert match.result is not None and match.result.reason == "forfeit"
    assert match.result.winner_id == 0


def test_an_away_player_does_not_count_towards_starting_the_countdown() -> None:
    match = Match(make_rules(countdown=1.0), seed=1, max_players=2, grace=5.0)
    match.add_player("a")
    match.add_player("b")
    match.player_away(1)
    run(match, 30)
    assert match.phase is Phase.WAITING, "one of two players is present: fewer than min_players"
    match.readmit_player(1)
    match.step()
    assert match.phase is Phase.COUNTDOWN


def test_the_countdown_goes_back_to_waiting_when_a_player_goes_away() -> None:
    match = Match(make_rules(countdown=1.0), seed=1, max_players=2, grace=5.0)
    match.add_player("a")
    match.add_player("b")
    match.step()
    assert match.phase is Phase.COUNTDOWN
    match.player_away(1)
    match.step()
    assert match.phase is Phase.WAITING


def test_a_waiting_ship_is_not_respawned_when_the_match_starts_running() -> None:
    match = Match(make_rules(countdown=0.5), seed=1, max_players=3, grace=5.0)
    for name in ("a", "b", "c"):
        match.add_player(name)
    match.step()
    place(match, 2, 700.0, 300.0)
    match.player_away(2)
    events = run(match, 12)
    assert match.phase is Phase.RUNNING
    assert SpawnEvent(0) in events and SpawnEvent(1) in events
    assert SpawnEvent(2) not in events, "the ship waits for its player: no respawn"
    assert (who(match, 2).x, who(match, 2).y) == (700.0, 300.0)


def test_a_ship_killed_while_its_player_is_away_respawns_only_once_it_is_back() -> None:
    match = make_match(make_rules(respawn_delay=0.1), 2, grace=10.0)
    match.player_away(1)
    shoot_dead(match, 0, 1)
    events = run(match, 10)
    assert SpawnEvent(1) not in events and not who(match, 1).alive
    match.readmit_player(1)
    events = run(match, 2)
    assert SpawnEvent(1) in events and who(match, 1).alive


def test_the_roster_shows_an_away_player_as_not_connected() -> None:
    from engine.protocol import unpack

    match = make_match(make_rules(), 2, grace=5.0)
    version = match.roster_version
    match.player_away(1)
    assert match.roster_version > version
    roster = unpack(encode_keyframe(match))[8]
    assert [entry[4] for entry in roster] == [True, False]
    match.readmit_player(1)
    roster = unpack(encode_keyframe(match))[8]
    assert [entry[4] for entry in roster] == [True, True]
