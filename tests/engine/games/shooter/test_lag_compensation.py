"""Lag compensation: a bullet meets the ships where its shooter saw them, at most
``rewind_limit`` back (docs/games.md "Rewinding", docs/protocol.md 9.1)."""

from __future__ import annotations

import math

import pytest

from engine.games.shooter.game import ShooterGame
from engine.games.shooter.rules import Rules
from engine.games.shooter.wire import Button
from engine.match import Match
from loadtest import hitreg

FIRE = int(Button.FIRE)
UP_MRAD = round(-math.pi / 2 * 1000)


def open_match(rewind_limit: float) -> tuple[Match, int, int]:
    """A duel in an arena without walls: the shooter at (800, 400), the target 60 u above."""
    rules = Rules(
        walls=(),
        spawn_points=((800.0, 400.0), (800.0, 340.0)),
        spawn_protection=0.0,
        countdown=0.0,
        rewind_limit=rewind_limit,
    )
    game = ShooterGame(rules)
    match = Match(game, game.mode("duel"), seed=1, max_players=2)
    shooter, target = match.add_player("shooter"), match.add_player("target")
    match.step()
    ships = match.sim.ships  # type: ignore[attr-defined]
    ships[shooter].x, ships[shooter].y = 800.0, 400.0
    ships[target].x, ships[target].y = 800.0, 340.0
    return match, shooter, target


def shoot_at_what_was_seen(rewind_limit: float) -> list[list[int]]:
    """The target stood above the shooter on the tick its player saw, then moved away; the
    shot, aimed where the player saw it, comes three ticks later. The events of its tick."""
    match, shooter, target = open_match(rewind_limit)
    match.step()
    match.view()
    seen = match.tick
    ships = match.sim.ships  # type: ignore[attr-defined]
    ships[target].x = 1200.0  # it has moved on since
    match.step()
    match.step()
    match.apply_input(shooter, 1, (FIRE, UP_MRAD, seen, 0))
    return match.step()


def test_a_shot_hits_the_target_where_its_shooter_saw_it() -> None:
    events = shoot_at_what_was_seen(rewind_limit=0.3)
    assert [2, 0, 1, 25] in events


def test_without_compensation_the_same_shot_misses() -> None:
    events = shoot_at_what_was_seen(rewind_limit=0.0)
    assert not [e for e in events if e[0] == 2]


@pytest.mark.parametrize(
    ("ticks_back", "delay_ms", "rewind_ms"),
    [(0, 0, 50), (2, 100, 250), (3, 0, 200), (10, 0, 300), (5, 1000, 300), (-4, 0, 0)],
    ids=["newest", "typical", "no-delay", "capped", "capped-delay", "future"],
)
def test_a_bullet_rewinds_by_what_its_input_says_capped_by_the_rules(
    ticks_back: int, delay_ms: int, rewind_ms: int
) -> None:
    match, shooter, _ = open_match(rewind_limit=0.3)
    for _ in range(12):
        match.step()
    match.apply_input(shooter, 1, (FIRE, 0, match.tick - ticks_back, delay_ms))
    match.step()
    (bullet,) = match.sim.bullets  # type: ignore[attr-defined]
    assert bullet.rewind_ms == rewind_ms


def test_an_input_without_a_view_is_not_compensated() -> None:
    match, shooter, _ = open_match(rewind_limit=0.3)
    match.apply_input(shooter, 1, (FIRE, 0))
    match.step()
    assert match.sim.bullets[0].rewind_ms == 0  # type: ignore[attr-defined]


def test_the_bench_hits_a_moving_target_at_150_ms_only_with_compensation() -> None:
    compensated = hitreg.run(150, True, seconds=8)
    uncompensated = hitreg.run(150, False, seconds=8)
    assert compensated.shots >= 10 and uncompensated.shots >= 10
    assert compensated.share >= hitreg.GOAL
    assert uncompensated.share < 0.5


def test_beyond_the_cap_the_bench_misses_again() -> None:
    assert hitreg.run(450, True, seconds=8).share < 0.5
