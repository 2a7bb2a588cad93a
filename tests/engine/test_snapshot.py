"""Tests of the WELCOME, SNAPSHOT and RESULT encoders against docs/protocol.md."""

from __future__ import annotations

import math
from typing import Any

import msgpack
import pytest

from engine.protocol import Button, Phase
from engine.rules import Rect, Rules
from engine.simulation import Bullet, Match, MatchResult
from engine.snapshot import encode_result, encode_snapshot, encode_welcome

FIRE = int(Button.FIRE)


def decode(frame: bytes) -> Any:
    """Decode a frame the way a client would."""
    return msgpack.unpackb(frame, raw=False)


def make_rules(**overrides: Any) -> Rules:
    """Open arena with a single known spawn point."""
    values: dict[str, Any] = {
        "walls": (Rect(700.0, 100.0, 40.0, 60.0),),
        "spawn_points": ((200.0, 450.0), (1400.0, 450.0)),
        "countdown": 0.5,
    }
    values.update(overrides)
    return Rules(**values)


def test_first_snapshot_layout() -> None:
    match = Match(make_rules(), seed=1, max_players=4)
    pid = match.add_player("Ada")
    match.step()
    player = match.players[pid]
    frame = decode(encode_snapshot(match, include_roster=True))
    assert frame == [
        11,
        1,
        0,
        0,
        [[0, round(player.x * 10), round(player.y * 10), 0, 100, 3]],
        [],
        [[3, 0]],
        [[0, "Ada", 0, 0, True]],
    ]
    assert frame[4][0][1:3] in ([2000, 4500], [14000, 4500])


def test_snapshot_without_roster_has_nil() -> None:
    match = Match(make_rules(), seed=1, max_players=4)
    match.add_player("Ada")
    match.step()
    frame = decode(encode_snapshot(match, include_roster=False))
    assert len(frame) == 8
    assert frame[7] is None


@pytest.mark.parametrize(
    ("x", "y", "aim", "wire"),
    [
        (123.44, 456.78, 1.5, [1234, 4568, 1500]),
        (18.0, 882.0, -1.5, [180, 8820, -1500]),
        (800.05, 450.0, math.pi, [8000, 4500, 3142]),
        (800.0, 450.0, -math.pi / 2, [8000, 4500, -1571]),
        (800.0, 450.0, 2 * math.pi + 0.25, [8000, 4500, 250]),
    ],
    ids=["tenths", "edges", "pi", "negative", "wrapped"],
)
def test_player_units(x: float, y: float, aim: float, wire: list[int]) -> None:
    match = Match(make_rules(), seed=1, max_players=4)
    pid = match.add_player("Ada")
    match.step()
    player = match.players[pid]
    player.x, player.y, player.aim = x, y, aim
    entry = decode(encode_snapshot(match, False))[4][0]
    assert entry[1:4] == wire


def test_flags_and_health() -> None:
    match = Match(make_rules(spawn_protection=1.0), seed=1, max_players=4)
    ids = [match.add_player(name) for name in ("a", "b", "c")]
    match.step()
    a, b, c = (match.players[i] for i in ids)
    a.protected_until = 0
    b.alive = False
    b.health = 0
    frame = decode(encode_snapshot(match, False))
    assert [(e[0], e[4], e[5]) for e in frame[4]] == [(0, 100, 1), (1, 0, 0), (2, 100, 3)]
    assert c.alive


def test_disconnected_players_only_in_roster() -> None:
    match = Match(make_rules(), seed=1, max_players=4)
    for name in ("a", "b", "c"):
        match.add_player(name)
    match.step()
    match.remove_player(1)
    match.step()
    frame = decode(encode_snapshot(match, True))
    assert [e[0] for e in frame[4]] == [0, 2]
    assert frame[7] == [[0, "a", 0, 0, True], [1, "b", 0, 0, False], [2, "c", 0, 0, True]]


def test_bullets_and_events() -> None:
    rules = make_rules(min_players=3, spawn_protection=0.0)
    match = Match(rules, seed=1, max_players=4)
    shooter = match.add_player("a")
    victim = match.add_player("b")
    match.step()
    match.players[shooter].x, match.players[shooter].y = 200.0, 450.0
    target = match.players[victim]
    target.x, target.y, target.health = 800.0, 450.0, 25
    match.bullets.append(Bullet(40, shooter, 770.0, 450.0, 700.0, 0.0, match.tick + 10))
    match.apply_input(shooter, 1, FIRE, math.pi / 2)
    match.step()
    frame = decode(encode_snapshot(match, True))
    (bullet,) = match.bullets
    assert frame[5] == [[bullet.id, round(bullet.x * 10), round(bullet.y * 10), shooter]]
    assert frame[5][0][1:3] == [2000, 4500 + 180 + 350]
    assert frame[6] == [[2, shooter, victim, 25], [1, shooter, victim]]
    assert [e[0] for e in frame[4]] == [shooter, victim]
    assert frame[4][1][4:] == [0, 0]


@pytest.mark.parametrize(
    ("steps", "phase", "ms_left"),
    [(1, Phase.WAITING, 0), (2, Phase.COUNTDOWN, 500), (11, Phase.COUNTDOWN, 50), (12, 2, 180000)],
    ids=["waiting", "countdown-start", "countdown-end", "running"],
)
def test_phase_fields(steps: int, phase: int, ms_left: int) -> None:
    match = Match(make_rules(), seed=1, max_players=4)
    match.add_player("a")
    match.step()
    match.add_player("b")
    for _ in range(steps - 1):
        match.step()
    frame = decode(encode_snapshot(match, False))
    assert frame[1:4] == [steps, phase, ms_left]


def test_ended_snapshot() -> None:
    match = Match(make_rules(empty_timeout=0.1, ended_linger=1.0), seed=1, max_players=2)
    match.step()
    match.step()
    frame = decode(encode_snapshot(match, True))
    assert frame == [11, 2, 3, 1000, [], [], [], []]


def test_welcome() -> None:
    rules = make_rules()
    match = Match(rules, seed=1, max_players=6)
    pid = match.add_player("Ada")
    frame = decode(encode_welcome(match, "5f0c-id", pid, "ffa"))
    assert frame[0] == 10
    body = frame[1]
    assert body == {
        "protocol": 1,
        "match_id": "5f0c-id",
        "player_id": pid,
        "mode": "ffa",
        "max_players": 6,
        "tick_rate": 20,
        "arena": {"width": 1600.0, "height": 900.0, "walls": [[700.0, 100.0, 40.0, 60.0]]},
        "rules": rules.to_wire(),
    }
    assert set(body["rules"]) == {
        "player_radius",
        "bullet_radius",
        "max_health",
        "max_speed",
        "acceleration",
        "friction",
        "bullet_speed",
        "fire_cooldown_ms",
        "respawn_delay_ms",
        "spawn_protection_ms",
        "min_players",
        "countdown_ms",
        "time_limit_ms",
        "score_limit",
    }


@pytest.mark.parametrize(
    ("result", "wire"),
    [
        (
            MatchResult("score_limit", 0, [(0, "Ada", 10, 2), (1, "Bo", 2, 10)], 61250),
            {
                "reason": "score_limit",
                "winner_id": 0,
                "standings": [[0, "Ada", 10, 2], [1, "Bo", 2, 10]],
                "duration_ms": 61250,
            },
        ),
        (
            MatchResult("abandoned", None, [], 0),
            {"reason": "abandoned", "winner_id": None, "standings": [], "duration_ms": 0},
        ),
    ],
    ids=["score-limit", "abandoned"],
)
def test_result(result: MatchResult, wire: dict[str, Any]) -> None:
    assert decode(encode_result(result)) == [13, wire]


def _busy_match() -> Match:
    match = Match(Rules(), seed=9, max_players=8)
    for i in range(8):
        match.add_player(f"player-{i}")
    for _ in range(70):
        match.step()
    for pid, player in match.players.items():
        player.x = 120.5 + pid * 170.3
        player.y = 230.7 + pid * 60.1
        player.aim = -3.0 + pid * 0.8
    match.bullets = [
        Bullet(300 + i, i % 8, 101.3 + 140.7 * i, 333.3 + 40.1 * i, 0.0, 0.0, match.tick + 5)
        for i in range(10)
    ]
    return match


@pytest.mark.parametrize(
    ("include_roster", "limit"), [(False, 260), (True, 380)], ids=["plain", "with-roster"]
)
def test_snapshot_size(include_roster: bool, limit: int) -> None:
    frame = encode_snapshot(_busy_match(), include_roster)
    decoded = decode(frame)
    assert len(decoded[4]) == 8 and len(decoded[5]) == 10
    assert len(frame) <= limit
