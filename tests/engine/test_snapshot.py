"""Tests of the WELCOME, KEYFRAME, DELTA and RESULT encoders against docs/protocol.md."""

from __future__ import annotations

import math
from typing import Any

import msgpack
import pytest

from engine.protocol import Button, Phase
from engine.rules import Rect, Rules
from engine.simulation import Bullet, Event, Match, MatchResult
from engine.snapshot import (
    ACK_CHANGED,
    AIM_CHANGED,
    FLAGS_CHANGED,
    HEALTH_CHANGED,
    X_CHANGED,
    Y_CHANGED,
    EncodedSnapshot,
    SnapshotEncoder,
    encode_keyframe,
    encode_result,
    encode_spectating,
    encode_welcome,
)
from engine.snapshot_state import apply_frame

UP, DOWN, LEFT, RIGHT, FIRE = (int(b) for b in Button)
SERVER_MS = 1_700_000_000_000
SPOTS = ((800.0, 450.0), (200.0, 450.0), (1400.0, 450.0), (800.0, 150.0))


def decode(frame: bytes) -> Any:
    """Decode a frame the way a client would."""
    return msgpack.unpackb(frame, raw=False)


def make_rules(**overrides: Any) -> Rules:
    """Arena with one small wall and two known spawn points."""
    values: dict[str, Any] = {
        "walls": (Rect(700.0, 100.0, 40.0, 60.0),),
        "spawn_points": ((200.0, 450.0), (1400.0, 450.0)),
        "countdown": 0.5,
    }
    values.update(overrides)
    return Rules(**values)


def keyframe(match: Match, events: list[Event] | None = None, server_ms: int = 0) -> list[Any]:
    """The decoded KEYFRAME of the match's current tick."""
    return decode(encode_keyframe(match, events or [], server_ms))


def place(match: Match, player_id: int, x: float, y: float) -> None:
    """Teleport a player and stop it."""
    player = match.players[player_id]
    player.x, player.y = x, y
    player.vx = player.vy = 0.0


def press(match: Match, player_id: int, buttons: int, aim: float = 0.0) -> None:
    """Send the next input of a player."""
    assert match.apply_input(player_id, match.players[player_id].last_seq + 1, buttons, aim)


def open_match(players: int = 2, **overrides: Any) -> Match:
    """A running match without walls, its players at rest on ``SPOTS`` (tick 1)."""
    values: dict[str, Any] = {
        "walls": (),
        "spawn_points": SPOTS,
        "spawn_protection": 0.0,
        "countdown": 0.0,
    }
    values.update(overrides)
    match = Match(make_rules(**values), seed=1, max_players=8)
    for i in range(players):
        match.add_player(f"p{i}")
    match.step()
    for pid in match.players:
        place(match, pid, *SPOTS[pid])
    return match


def start(match: Match, interval: int = 20) -> SnapshotEncoder:
    """An encoder that has just encoded the match's current tick (a KEYFRAME)."""
    encoder = SnapshotEncoder(interval)
    first = encoder.encode(match, [], SERVER_MS)
    assert (first.delta, first.base_tick) == (None, None)
    return encoder


def advance(match: Match, encoder: SnapshotEncoder, steps: int = 1) -> EncodedSnapshot:
    """Step the match ``steps`` times and encode once, as the worker does."""
    events: list[Event] = []
    for _ in range(steps):
        events += match.step()
    return encoder.encode(match, events, SERVER_MS + match.tick)


def delta_of(encoded: EncodedSnapshot) -> list[Any]:
    """The decoded DELTA of an encoded tick (which must have one)."""
    assert encoded.delta is not None
    return decode(encoded.delta)


# -- KEYFRAME ------------------------------------------------------------------------------


def test_first_keyframe_layout() -> None:
    match = Match(make_rules(), seed=1, max_players=4)
    pid = match.add_player("Ada")
    events = match.step()
    player = match.players[pid]
    frame = keyframe(match, events, server_ms=SERVER_MS)
    assert frame == [
        11,
        1,
        SERVER_MS,
        0,
        0,
        [[0, round(player.x * 10), round(player.y * 10), 0, 100, 3, 0]],
        [],
        [[3, 0]],
        [[0, "Ada", 0, 0, True]],
    ]
    assert frame[5][0][1:3] in ([2000, 4500], [14000, 4500])


def test_encoder_starts_with_a_keyframe() -> None:
    match = Match(make_rules(), seed=1, max_players=4)
    match.add_player("Ada")
    events = match.step()
    encoded = SnapshotEncoder(20).encode(match, events, SERVER_MS)
    assert (encoded.tick, encoded.delta, encoded.base_tick) == (1, None, None)
    assert encoded.keyframe == encode_keyframe(match, events, SERVER_MS)


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
    assert keyframe(match)[5][0][1:4] == wire


def test_flags_and_health() -> None:
    match = Match(make_rules(spawn_protection=1.0), seed=1, max_players=4)
    ids = [match.add_player(name) for name in ("a", "b", "c")]
    match.step()
    a, b, c = (match.players[i] for i in ids)
    a.protected_until = 0
    b.alive = False
    b.health = 0
    frame = keyframe(match)
    assert [(e[0], e[4], e[5]) for e in frame[5]] == [(0, 100, 1), (1, 0, 0), (2, 100, 3)]
    assert c.alive


def test_disconnected_players_only_in_roster() -> None:
    match = Match(make_rules(), seed=1, max_players=4)
    for name in ("a", "b", "c"):
        match.add_player(name)
    match.step()
    match.remove_player(1)
    match.step()
    frame = keyframe(match)
    assert [e[0] for e in frame[5]] == [0, 2]
    assert frame[8] == [[0, "a", 0, 0, True], [1, "b", 0, 0, False], [2, "c", 0, 0, True]]


def test_bullets_and_events() -> None:
    rules = make_rules(min_players=3, spawn_protection=0.0)
    match = Match(rules, seed=1, max_players=4)
    shooter = match.add_player("a")
    victim = match.add_player("b")
    match.step()
    place(match, shooter, 200.0, 450.0)
    target = match.players[victim]
    target.x, target.y, target.health = 800.0, 450.0, 25
    match.bullets.append(Bullet(40, shooter, 7700, 4500, 350, 0, match.tick + 10))
    press(match, shooter, FIRE, math.pi / 2)
    events = match.step()
    frame = keyframe(match, events)
    (bullet,) = match.bullets
    # launched at the shooter's edge (450 + 18) and moved once on its first tick (+35)
    assert frame[6] == [[bullet.id, 2000, 4500 + 180 + 350, 0, 350, shooter]]
    assert frame[7] == [[2, shooter, victim, 25], [1, shooter, victim]]
    assert [e[0] for e in frame[5]] == [shooter, victim]
    assert frame[5][1][4:] == [0, 0, 0]


@pytest.mark.parametrize(
    ("aim", "step"),
    [(0.0, [350, 0]), (math.pi, [-350, 0]), (-math.pi / 2, [0, -350]), (0.5, [307, 168])],
    ids=["right", "left", "up", "aslant"],
)
def test_bullet_steps_are_signed_wire_units(aim: float, step: list[int]) -> None:
    match = open_match(min_players=3)
    press(match, 0, FIRE, aim)
    match.step()
    (entry,) = keyframe(match)[6]
    assert entry[3:] == [*step, 0]
    assert all(type(value) is int for value in entry)


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
    frame = keyframe(match, server_ms=77)
    assert frame[1:5] == [steps, 77, phase, ms_left]


def test_ended_keyframe() -> None:
    match = Match(make_rules(empty_timeout=0.1, ended_linger=1.0), seed=1, max_players=2)
    match.step()
    match.step()
    assert keyframe(match) == [11, 2, 0, 3, 1000, [], [], [], []]


# -- WELCOME and RESULT --------------------------------------------------------------------


def test_welcome() -> None:
    rules = make_rules()
    match = Match(rules, seed=1, max_players=6)
    pid = match.add_player("Ada")
    frame = decode(encode_welcome(match, "5f0c-id", pid, "ffa", spectators=3))
    assert frame[0] == 10
    body = frame[1]
    assert body == {
        "protocol": 1,
        "match_id": "5f0c-id",
        "player_id": pid,
        "ack": 0,
        "spectators": 3,
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
        "reconnect_grace_ms",
    }


def test_spectating_is_welcome_without_a_player_with_the_delay_and_the_count() -> None:
    match = Match(make_rules(), seed=1, max_players=6)
    pid = match.add_player("Ada")
    welcome = decode(encode_welcome(match, "m", pid, "ffa"))[1]
    frame = decode(encode_spectating(match, "m", "ffa", delay_ms=2000, spectators=7))
    assert frame[0] == 17
    shared = {k: v for k, v in welcome.items() if k not in ("player_id", "ack", "spectators")}
    assert frame[1] == {**shared, "delay_ms": 2000, "spectators": 7}


def test_the_last_keyframe_is_the_encoded_tick_whatever_inputs_came_since() -> None:
    match = Match(make_rules(), seed=1, max_players=4)
    ada = match.add_player("Ada")
    encoder = SnapshotEncoder(20)
    encoder.encode(match, match.step(), SERVER_MS)
    match.apply_input(ada, 1, RIGHT, 0.5)
    encoder.encode(match, match.step(), SERVER_MS + 50)
    match.apply_input(ada, 2, LEFT, -1.0)  # between two ticks: not in tick 2
    tick, frame = encoder.last_keyframe(match, SERVER_MS + 60)
    joined = decode(frame)
    assert tick == joined[1] == 2
    assert joined[2] == SERVER_MS + 50, "server_ms is when tick 2 was published, as players got it"
    player = next(p for p in joined[5] if p[0] == ada)
    assert (player[3], player[6]) == (500, 1), "aim and ack as encoded at tick 2"
    # the next DELTA applies to it and gives the match as it is at tick 3
    delta = encoder.encode(match, match.step(), SERVER_MS + 100)
    assert delta.delta is not None and delta.base_tick == 2
    late = apply_frame(apply_frame(None, joined), decode(delta.delta)).to_keyframe()
    assert late[5] == decode(encode_keyframe(match))[5]
    assert next(p for p in late[5] if p[0] == ada)[3] == -1000


def test_the_last_keyframe_before_any_encode_is_the_match_as_it_is() -> None:
    match = Match(make_rules(), seed=1, max_players=4)
    match.add_player("Ada")
    match.step()
    tick, frame = SnapshotEncoder(20).last_keyframe(match, SERVER_MS)
    assert tick == 1 and decode(frame) == decode(encode_keyframe(match, (), SERVER_MS))


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


# -- DELTA ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("buttons", "change"),
    [
        (RIGHT, [X_CHANGED | ACK_CHANGED, 60, 1]),
        (LEFT, [X_CHANGED | ACK_CHANGED, -60, 1]),
        (DOWN, [Y_CHANGED | ACK_CHANGED, 60, 1]),
        (UP | LEFT, [X_CHANGED | Y_CHANGED | ACK_CHANGED, -42, -42, 1]),
        (DOWN | RIGHT, [X_CHANGED | Y_CHANGED | ACK_CHANGED, 42, 42, 1]),
    ],
    ids=["right", "left", "down", "up-left", "down-right"],
)
def test_delta_moving_player(buttons: int, change: list[int]) -> None:
    match = open_match()
    encoder = start(match)
    press(match, 0, buttons)
    encoded = advance(match, encoder)
    assert (encoded.tick, encoded.base_tick) == (2, 1)
    # one tick of acceleration from rest: 120 u/s for 0.05 s is 6 units (60 tenths)
    assert delta_of(encoded) == [
        12,
        2,
        SERVER_MS + 2,
        1,
        2,
        179950,
        [[0, *change]],
        [],
        [],
        [],
        None,
    ]


def test_delta_differences_accumulate_to_keyframe_positions() -> None:
    match = open_match()
    encoder = start(match)
    press(match, 0, RIGHT)
    x = keyframe(match)[5][0][1]
    for step in range(10):
        encoded = advance(match, encoder)
        (change,) = delta_of(encoded)[6]
        # the input is acknowledged once, in the first DELTA after it was applied
        assert change[:2] == [0, X_CHANGED | ACK_CHANGED if step == 0 else X_CHANGED]
        x += change[2]
        assert decode(encoded.keyframe)[5][0][1] == x


@pytest.mark.parametrize(
    ("start_aim", "aim", "change"),
    [
        (0.0, 1.5, [AIM_CHANGED | ACK_CHANGED, 1500, 1]),
        (0.25, -0.25, [AIM_CHANGED | ACK_CHANGED, -500, 1]),
        (3.1, -3.1, [AIM_CHANGED | ACK_CHANGED, -6200, 1]),
    ],
    ids=["turn", "negative", "across-pi"],
)
def test_delta_aim_change(start_aim: float, aim: float, change: list[int]) -> None:
    match = open_match()
    match.players[0].aim = start_aim
    encoder = start(match)
    press(match, 0, 0, aim)
    assert delta_of(advance(match, encoder))[6] == [[0, *change]]


def test_delta_health_and_flags_are_absolute() -> None:
    match = open_match(spawn_protection=0.1)
    encoder = start(match)
    # spawn protection (2 ticks, from the spawn on tick 1) ends: flags 3 -> 1
    assert keyframe(match)[5][1][4:] == [100, 3, 0]
    assert delta_of(advance(match, encoder))[6] == []
    assert delta_of(advance(match, encoder))[6] == [[0, FLAGS_CHANGED, 1], [1, FLAGS_CHANGED, 1]]
    match.players[1].health = 30
    match.bullets.append(Bullet(70, 0, 1700, 4500, 350, 0, match.tick + 10))
    frame = delta_of(advance(match, encoder))
    assert frame[6] == [[1, HEALTH_CHANGED, 5]]
    # the bullet came and went between two encodes: no client ever saw it
    assert frame[7:10] == [[], [], [[2, 0, 1, 25]]]
    match.bullets.append(Bullet(71, 0, 1700, 4500, 350, 0, match.tick + 10))
    frame = delta_of(advance(match, encoder))
    assert frame[6] == [[1, HEALTH_CHANGED | FLAGS_CHANGED, 0, 0]]
    assert frame[9] == [[2, 0, 1, 5], [1, 0, 1]]


def test_delta_unchanged_players_absent() -> None:
    match = open_match(players=3)
    encoder = start(match)
    press(match, 1, DOWN)
    frame = delta_of(advance(match, encoder))
    assert [change[0] for change in frame[6]] == [1]
    match.players[1].buttons = 0
    match.players[1].vx = match.players[1].vy = 0.0
    assert delta_of(advance(match, encoder)) == [
        12,
        3,
        SERVER_MS + 3,
        2,
        2,
        179900,
        [],
        [],
        [],
        [],
        None,
    ]


def test_acks_follow_the_inputs_applied() -> None:
    match = open_match(players=2)
    encoder = start(match)
    for seq in (1, 2, 5):
        assert match.apply_input(0, seq, 0, 0.0)
    assert not match.apply_input(0, 4, RIGHT, 0.0)  # older than the newest: ignored
    frame = delta_of(advance(match, encoder))
    assert frame[6] == [[0, ACK_CHANGED, 5]]
    assert match.apply_input(1, 9, 0, 0.0)
    assert match.apply_input(0, 6, 0, 0.0)
    encoded = advance(match, encoder)
    assert delta_of(encoded)[6] == [[0, ACK_CHANGED, 1], [1, ACK_CHANGED, 9]]
    assert [entry[6] for entry in decode(encoded.keyframe)[5]] == [6, 9]


def test_delta_new_and_gone_bullets() -> None:
    match = open_match(min_players=3, bullet_lifetime=0.15)
    encoder = start(match)
    press(match, 0, FIRE, 0.0)
    encoded = advance(match, encoder)
    frame = delta_of(encoded)
    (bullet,) = match.bullets
    assert frame[7] == [[bullet.id, 8180 + 350, 4500, 350, 0, 0]]
    assert frame[7] == decode(encoded.keyframe)[6]
    assert frame[8] == []
    press(match, 0, 0)
    frame = delta_of(advance(match, encoder))
    assert frame[7:9] == [[], []]  # still flying: the client moves it by itself
    assert match.bullets == [bullet]
    frame = delta_of(advance(match, encoder))
    assert match.bullets == []
    assert frame[7:9] == [[], [bullet.id]]


def test_delta_skips_bullets_born_and_gone_between_encodes() -> None:
    match = open_match(min_players=3, bullet_lifetime=0.1)
    encoder = start(match)
    press(match, 0, FIRE, 0.0)
    match.step()
    press(match, 0, 0)
    assert [b.id for b in match.bullets] == [0]
    frame = delta_of(advance(match, encoder, steps=2))
    assert match.bullets == []
    assert frame[3] == 1
    assert frame[7:9] == [[], []]


def test_delta_roster_only_when_changed() -> None:
    match = open_match()
    encoder = start(match)
    assert delta_of(advance(match, encoder))[10] is None
    match.players[1].health = 25
    match.bullets.append(Bullet(9, 0, 1700, 4500, 350, 0, match.tick + 10))
    frame = delta_of(advance(match, encoder))
    assert frame[10] == [[0, "p0", 1, 0, True], [1, "p1", 0, 1, True]]
    assert frame[9] == [[2, 0, 1, 25], [1, 0, 1]]
    assert delta_of(advance(match, encoder))[10] is None


def test_join_forces_keyframe() -> None:
    match = open_match()
    encoder = start(match)
    match.add_player("late")
    encoded = advance(match, encoder)
    assert (encoded.delta, encoded.base_tick) == (None, None)
    assert [p[0] for p in decode(encoded.keyframe)[5]] == [0, 1, 2]
    assert delta_of(advance(match, encoder))[3] == encoded.tick


def test_leave_forces_keyframe() -> None:
    match = open_match(players=3)
    encoder = start(match)
    match.remove_player(1)
    encoded = advance(match, encoder)
    assert (encoded.delta, encoded.base_tick) == (None, None)
    frame = decode(encoded.keyframe)
    assert [p[0] for p in frame[5]] == [0, 2]
    assert frame[8][1] == [1, "p1", 0, 0, False]
    assert delta_of(advance(match, encoder))[3] == encoded.tick


@pytest.mark.parametrize(
    ("interval", "steps", "keyframe_ticks"),
    [
        (1, 1, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]),
        (5, 1, [1, 6, 11]),
        (20, 1, [1]),
        (5, 2, [1, 7, 13]),
        (4, 3, [1, 7, 13]),
    ],
    ids=["every-tick", "every-5", "long", "jumps-of-2", "jumps-of-3"],
)
def test_keyframe_interval(interval: int, steps: int, keyframe_ticks: list[int]) -> None:
    # no DELTA is ``interval`` or more ticks past the last KEYFRAME; when the worker steps
    # several ticks per encode, the KEYFRAME is the first encoded tick at or past the interval
    match = open_match()
    encoder = SnapshotEncoder(interval)
    encoded = [encoder.encode(match, [], 0)]
    while match.tick < 13:
        encoded.append(advance(match, encoder, steps))
    assert [e.tick for e in encoded if e.delta is None] == keyframe_ticks
    last_keyframe = 0
    for e in encoded:
        if e.delta is None:
            last_keyframe = e.tick
        else:
            assert e.tick - last_keyframe < interval


def test_force_keyframe() -> None:
    match = open_match()
    encoder = start(match)
    assert advance(match, encoder).delta is not None
    encoder.force_keyframe()
    encoded = advance(match, encoder)
    assert (encoded.delta, encoded.base_tick) == (None, None)
    assert delta_of(advance(match, encoder))[3] == encoded.tick


def test_keyframes_off_keyframe_ticks_only_when_wanted() -> None:
    match = open_match()
    encoder = start(match)
    match.step()
    plain = encoder.encode(match, [], SERVER_MS, with_keyframe=False)
    assert plain.delta is not None and plain.keyframe is None
    match.step()
    wanted = encoder.encode(match, [], SERVER_MS, with_keyframe=False)
    match.step()
    both = encoder.encode(match, [], SERVER_MS, with_keyframe=True)
    assert wanted.keyframe is None
    assert both.delta is not None and both.keyframe is not None
    assert decode(both.keyframe)[1] == both.tick
    encoder.force_keyframe()
    match.step()
    keyframe_tick = encoder.encode(match, [], SERVER_MS, with_keyframe=False)
    assert keyframe_tick.delta is None and keyframe_tick.keyframe is not None


def test_same_tick_again_is_a_keyframe() -> None:
    match = open_match()
    encoder = start(match)
    encoded = encoder.encode(match, [], SERVER_MS)
    assert (encoded.tick, encoded.delta, encoded.base_tick) == (1, None, None)


def test_base_tick_after_several_steps() -> None:
    match = open_match(min_players=3)
    encoder = start(match)
    press(match, 0, FIRE | RIGHT, 0.0)
    first = advance(match, encoder)
    press(match, 0, RIGHT, 0.0)
    (bullet,) = match.bullets
    listed = delta_of(first)[7][0]
    encoded = advance(match, encoder, steps=3)
    frame = delta_of(encoded)
    assert (encoded.tick, encoded.base_tick) == (5, 2)
    assert frame[1] == 5 and frame[3] == 2
    assert frame[7:9] == [[], []]
    # the client moves the bullet by itself: 3 ticks of its step
    assert [bullet.wx, bullet.wy] == [listed[1] + 3 * listed[3], listed[2] + 3 * listed[4]]
    assert decode(encoded.keyframe)[6] == [[bullet.id, bullet.wx, bullet.wy, 350, 0, 0]]
    ((pid, mask, dx, dack),) = frame[6]
    assert (pid, mask, dack) == (0, X_CHANGED | ACK_CHANGED, 1)
    assert decode(first.keyframe)[5][0][1] + dx == decode(encoded.keyframe)[5][0][1]


def test_keyframe_interval_must_be_positive() -> None:
    with pytest.raises(ValueError, match="keyframe_interval"):
        SnapshotEncoder(0)


# -- sizes ---------------------------------------------------------------------------------


def _busy_match() -> Match:
    """8 running players, all moving diagonally, and 10 bullets in flight at default speed."""
    match = Match(Rules(), seed=9, max_players=8)
    for i in range(8):
        match.add_player(f"player-{i}")
    for _ in range(70):
        match.step()
    assert match.phase is Phase.RUNNING
    for pid, player in match.players.items():
        # two rows in open floor, clear of the default walls for the ticks measured
        player.x = 120.5 + pid * 190.3
        player.y = 640.7 if pid % 2 else 250.3
        player.aim = -3.0 + pid * 0.8
        player.last_seq = 1200 + pid  # a minute of inputs at 20 Hz
        if pid % 2:
            press(match, pid, DOWN | RIGHT, player.aim)
            player.vx = player.vy = 180.0
        else:
            press(match, pid, UP | LEFT, player.aim)
            player.vx = player.vy = -180.0
    speed = match.rules.bullet_speed
    match.bullets = [
        Bullet.launch(
            300 + i,
            i % 8,
            101.3 + 140.7 * i,
            333.3 + 40.1 * i,
            speed * math.cos(i),
            speed * math.sin(i),
            match.tick + 5,
            match.rules.dt,
        )
        for i in range(10)
    ]
    return match


def test_snapshot_size() -> None:
    match = _busy_match()
    encoder = SnapshotEncoder(20)
    first = encoder.encode(match, [], SERVER_MS)
    frame = decode(first.keyframe)
    assert len(frame[5]) == 8 and len(frame[6]) == 10 and len(frame[8]) == 8
    # measured: 420 bytes (16-byte players, ~17-byte bullets, 15-byte roster rows, 9-byte ms)
    assert len(first.keyframe) <= 425
    for pid, player in match.players.items():  # every player sends an input every tick
        press(match, pid, player.buttons, player.aim)
    encoded = advance(match, encoder)
    delta = delta_of(encoded)
    assert [change[1] for change in delta[6]] == [X_CHANGED | Y_CHANGED | ACK_CHANGED] * 8
    assert delta[7] == [] and len(match.bullets) == 10
    # measured: 80 bytes (6-8 bytes a moving player, 24 for the rest); 88 if every aim turns too
    assert encoded.delta is not None and len(encoded.delta) <= 95
    assert len(encoded.delta) < len(encoded.keyframe) / 4


def test_stagger_brings_only_the_first_periodic_keyframe_forward() -> None:
    match = open_match()
    encoder = SnapshotEncoder(5, stagger=3)
    encoder.encode(match, [], SERVER_MS)  # tick 1: the first KEYFRAME
    keyframe_ticks = [
        e.tick for e in (advance(match, encoder) for _ in range(12)) if e.delta is None
    ]
    assert keyframe_ticks == [3, 8, 13]
