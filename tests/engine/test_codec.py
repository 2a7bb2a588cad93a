"""Tests of the KEYFRAME and DELTA encoder (engine.codec) against docs/protocol.md: the shooter's
frames through the runtime match, and a synthetic schema with globals and every collection kind."""

from __future__ import annotations

import math
from typing import Any

import msgpack
import pytest

from engine.codec import EncodedSnapshot, SnapshotEncoder
from engine.game import Mode
from engine.games.shooter.game import ShooterGame
from engine.games.shooter.rules import Rect, Rules
from engine.games.shooter.simulation import Bullet, Ship, ShooterSimulation
from engine.games.shooter.wire import Button, quantize_aim
from engine.match import Match
from engine.protocol import Phase
from engine.wirestate import apply_frame
from tests.engine.sparks import Op, act, sparks_match

UP, DOWN, LEFT, RIGHT, FIRE = (int(b) for b in Button)
SERVER_MS = 1_700_000_000_000
SPOTS = ((800.0, 450.0), (200.0, 450.0), (1400.0, 450.0), (800.0, 150.0))
# DELTA masks of the shooter's players: one bit per field of the schema, lowest first
X_CHANGED, Y_CHANGED, AIM_CHANGED, HEALTH_CHANGED, FLAGS_CHANGED, ACK_CHANGED = (
    1 << i for i in range(6)
)


def decode(frame: bytes | None) -> Any:
    """Decode a frame the way a client would."""
    assert frame is not None
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


def new_match(rules: Rules, max_players: int = 4, seed: int = 1, mode: str = "ffa") -> Match:
    """A runtime match of the shooter with ``rules``."""
    game = ShooterGame(rules)
    return Match(game, game.mode(mode), seed, max_players)


def sim(match: Match) -> ShooterSimulation:
    """The shooter's simulation of a match."""
    assert isinstance(match.sim, ShooterSimulation)
    return match.sim


def ship(match: Match, player_id: int) -> Ship:
    """A player's ship."""
    return sim(match).ships[player_id]


def keyframe(match: Match, events: list[Any] | None = None, server_ms: int = 0) -> list[Any]:
    """The decoded KEYFRAME of the match's current tick (a fresh encoder's first frame)."""
    return decode(
        SnapshotEncoder(match.game.state, 1).encode(match, events or [], server_ms).keyframe
    )


def place(match: Match, player_id: int, x: float, y: float) -> None:
    """Teleport a player and stop it."""
    player = ship(match, player_id)
    player.x, player.y = x, y
    player.vx = player.vy = 0.0


def press(match: Match, player_id: int, buttons: int, aim: float = 0.0) -> None:
    """Send the next input of a player (aim in radians)."""
    seq = match.seats[player_id].last_seq + 1
    assert match.apply_input(player_id, seq, (buttons, quantize_aim(aim)))


def open_match(players: int = 2, **overrides: Any) -> Match:
    """A running match without walls, its players at rest on ``SPOTS`` (tick 1)."""
    values: dict[str, Any] = {
        "walls": (),
        "spawn_points": SPOTS,
        "spawn_protection": 0.0,
        "countdown": 0.0,
    }
    values.update(overrides)
    match = new_match(make_rules(**values), max_players=8)
    for i in range(players):
        match.add_player(f"p{i}")
    match.step()
    for pid in match.seats:
        place(match, pid, *SPOTS[pid])
    return match


def start(match: Match, interval: int = 20) -> SnapshotEncoder:
    """An encoder that has just encoded the match's current tick (a KEYFRAME)."""
    encoder = SnapshotEncoder(match.game.state, interval)
    first = encoder.encode(match, [], SERVER_MS)
    assert first is not None and (first.delta, first.base_tick) == (None, None)
    return encoder


def advance(match: Match, encoder: SnapshotEncoder, steps: int = 1) -> EncodedSnapshot:
    """Step the match ``steps`` times and encode once, as the worker does."""
    events: list[Any] = []
    for _ in range(steps):
        events += match.step()
    encoded = encoder.encode(match, events, SERVER_MS + match.tick)
    assert encoded is not None
    return encoded


def delta_of(encoded: EncodedSnapshot | None) -> list[Any]:
    """The decoded DELTA of an encoded tick (which must have one)."""
    assert encoded is not None and encoded.delta is not None
    return decode(encoded.delta)


def test_player_masks_follow_the_schema() -> None:
    players = ShooterGame(Rules()).state.collection("players")
    assert [f.name for f in players.fields] == ["x", "y", "aim", "health", "flags", "ack"]
    assert [f.delta for f in players.fields] == ["diff", "diff", "diff", "value", "value", "diff"]


# -- KEYFRAME ------------------------------------------------------------------------------


def test_first_keyframe_layout() -> None:
    match = new_match(make_rules())
    pid = match.add_player("Ada")
    events = match.step()
    player = ship(match, pid)
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
    match = new_match(make_rules())
    match.add_player("Ada")
    events = match.step()
    encoded = SnapshotEncoder(match.game.state, 20).encode(match, events, SERVER_MS)
    assert encoded is not None
    assert (encoded.tick, encoded.delta, encoded.base_tick) == (1, None, None)
    assert decode(encoded.keyframe) == keyframe(match, events, SERVER_MS)


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
    match = new_match(make_rules())
    pid = match.add_player("Ada")
    match.step()
    player = ship(match, pid)
    player.x, player.y, player.aim = x, y, aim
    assert keyframe(match)[5][0][1:4] == wire


def test_flags_and_health() -> None:
    match = new_match(make_rules(spawn_protection=1.0))
    ids = [match.add_player(name) for name in ("a", "b", "c")]
    match.step()
    a, b, c = (ship(match, i) for i in ids)
    a.protected_until = 0
    b.alive = False
    b.health = 0
    frame = keyframe(match)
    assert [(e[0], e[4], e[5]) for e in frame[5]] == [(0, 100, 1), (1, 0, 0), (2, 100, 3)]
    assert c.alive


def test_away_players_are_reconnecting_and_not_connected_in_the_roster() -> None:
    match = new_match(make_rules(spawn_protection=0.0))
    for name in ("a", "b"):
        match.add_player(name)
    match.step()
    match.player_away(1)
    match.step()
    frame = keyframe(match)
    assert [(e[0], e[5]) for e in frame[5]] == [(0, 1), (1, 1 | 4)]
    assert frame[8] == [[0, "a", 0, 0, True], [1, "b", 0, 0, False]]


def test_disconnected_players_only_in_roster() -> None:
    match = new_match(make_rules())
    for name in ("a", "b", "c"):
        match.add_player(name)
    match.step()
    match.remove_player(1)
    match.step()
    frame = keyframe(match)
    assert [e[0] for e in frame[5]] == [0, 2]
    assert frame[8] == [[0, "a", 0, 0, True], [1, "b", 0, 0, False], [2, "c", 0, 0, True]]


def test_team_modes_put_the_team_in_the_roster() -> None:
    game = ShooterGame(make_rules())
    game.modes = (*game.modes, Mode("teams", "Teams", 2, 4, teams=2))
    match = Match(game, game.mode("teams"), 1, 4)
    for name in ("a", "b", "c"):
        match.add_player(name)
    match.step()
    assert keyframe(match)[8] == [
        [0, "a", 0, 0, 0, True],
        [1, "b", 1, 0, 0, True],
        [2, "c", 0, 0, 0, True],
    ]


def test_bullets_and_events() -> None:
    rules = make_rules(min_players=3, spawn_protection=0.0)
    match = new_match(rules)
    shooter = match.add_player("a")
    victim = match.add_player("b")
    match.step()
    place(match, shooter, 200.0, 450.0)
    target = ship(match, victim)
    target.x, target.y, target.health = 800.0, 450.0, 25
    sim(match).bullets.append(Bullet(40, shooter, 7700, 4500, 350, 0, match.tick + 10))
    press(match, shooter, FIRE, math.pi / 2)
    events = match.step()
    frame = keyframe(match, events)
    (bullet,) = sim(match).bullets
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
    match = new_match(make_rules())
    match.add_player("a")
    match.step()
    match.add_player("b")
    for _ in range(steps - 1):
        match.step()
    frame = keyframe(match, server_ms=77)
    assert frame[1:5] == [steps, 77, phase, ms_left]


def test_ended_keyframe() -> None:
    match = new_match(make_rules(empty_timeout=0.1, ended_linger=1.0), max_players=2)
    match.step()
    match.step()
    assert keyframe(match) == [11, 2, 0, 3, 1000, [], [], [], []]


def test_the_last_keyframe_is_the_encoded_tick_whatever_inputs_came_since() -> None:
    match = new_match(make_rules())
    ada = match.add_player("Ada")
    encoder = SnapshotEncoder(match.game.state, 20)
    encoder.encode(match, match.step(), SERVER_MS)
    match.apply_input(ada, 1, (RIGHT, 500))
    encoder.encode(match, match.step(), SERVER_MS + 50)
    match.apply_input(ada, 2, (LEFT, -1000))  # between two ticks: not in tick 2
    tick, frame = encoder.last_keyframe(match, SERVER_MS + 60)
    joined = decode(frame)
    assert tick == joined[1] == 2
    assert joined[2] == SERVER_MS + 50, "server_ms is when tick 2 was published, as players got it"
    player = next(p for p in joined[5] if p[0] == ada)
    assert (player[3], player[6]) == (500, 1), "aim and ack as encoded at tick 2"
    # the next DELTA applies to it and gives the match as it is at tick 3
    delta = encoder.encode(match, match.step(), SERVER_MS + 100)
    assert delta is not None and delta.delta is not None and delta.base_tick == 2
    schema = match.game.state
    late = apply_frame(schema, apply_frame(schema, None, joined), decode(delta.delta))
    assert late.to_keyframe()[5] == keyframe(match)[5]
    assert next(p for p in late.to_keyframe()[5] if p[0] == ada)[3] == -1000


def test_the_last_keyframe_before_any_encode_is_the_match_as_it_is() -> None:
    match = new_match(make_rules())
    match.add_player("Ada")
    match.step()
    tick, frame = SnapshotEncoder(match.game.state, 20).last_keyframe(match, SERVER_MS)
    assert tick == 1 and decode(frame) == keyframe(match, [], SERVER_MS)


def test_the_last_keyframe_after_force_keyframe_is_the_match_as_it_is() -> None:
    match = open_match()
    encoder = start(match)
    press(match, 0, RIGHT)
    advance(match, encoder)
    encoder.force_keyframe()
    assert encoder.tick is None
    press(match, 0, LEFT, 1.0)
    tick, frame = encoder.last_keyframe(match, SERVER_MS + 99)
    assert tick == 2 and decode(frame) == keyframe(match, [], SERVER_MS + 99)


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
    ship(match, 0).aim = start_aim
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
    ship(match, 1).health = 30
    sim(match).bullets.append(Bullet(70, 0, 1700, 4500, 350, 0, match.tick + 10))
    frame = delta_of(advance(match, encoder))
    assert frame[6] == [[1, HEALTH_CHANGED, 5]]
    # the bullet came and went between two encodes: no client ever saw it
    assert frame[7:10] == [[], [], [[2, 0, 1, 25]]]
    sim(match).bullets.append(Bullet(71, 0, 1700, 4500, 350, 0, match.tick + 10))
    frame = delta_of(advance(match, encoder))
    assert frame[6] == [[1, HEALTH_CHANGED | FLAGS_CHANGED, 0, 0]]
    assert frame[9] == [[2, 0, 1, 5], [1, 0, 1]]


def test_delta_unchanged_players_absent() -> None:
    match = open_match(players=3)
    encoder = start(match)
    press(match, 1, DOWN)
    frame = delta_of(advance(match, encoder))
    assert [change[0] for change in frame[6]] == [1]
    ship(match, 1).buttons = 0
    ship(match, 1).vx = ship(match, 1).vy = 0.0
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
        assert match.apply_input(0, seq, (0, 0))
    assert not match.apply_input(0, 4, (RIGHT, 0))  # older than the newest: ignored
    frame = delta_of(advance(match, encoder))
    assert frame[6] == [[0, ACK_CHANGED, 5]]
    assert match.apply_input(1, 9, (0, 0))
    assert match.apply_input(0, 6, (0, 0))
    encoded = advance(match, encoder)
    assert delta_of(encoded)[6] == [[0, ACK_CHANGED, 1], [1, ACK_CHANGED, 9]]
    assert [entry[6] for entry in decode(encoded.keyframe)[5]] == [6, 9]


def test_delta_new_and_gone_bullets() -> None:
    match = open_match(min_players=3, bullet_lifetime=0.15)
    encoder = start(match)
    press(match, 0, FIRE, 0.0)
    encoded = advance(match, encoder)
    frame = delta_of(encoded)
    (bullet,) = sim(match).bullets
    assert frame[7] == [[bullet.id, 8180 + 350, 4500, 350, 0, 0]]
    assert frame[7] == decode(encoded.keyframe)[6]
    assert frame[8] == []
    press(match, 0, 0)
    frame = delta_of(advance(match, encoder))
    assert frame[7:9] == [[], []]  # still flying: the client moves it by itself
    assert sim(match).bullets == [bullet]
    frame = delta_of(advance(match, encoder))
    assert sim(match).bullets == []
    assert frame[7:9] == [[], [bullet.id]]


def test_delta_skips_bullets_born_and_gone_between_encodes() -> None:
    match = open_match(min_players=3, bullet_lifetime=0.1)
    encoder = start(match)
    press(match, 0, FIRE, 0.0)
    match.step()
    press(match, 0, 0)
    assert [b.id for b in sim(match).bullets] == [0]
    frame = delta_of(advance(match, encoder, steps=2))
    assert sim(match).bullets == []
    assert frame[3] == 1
    assert frame[7:9] == [[], []]


def test_delta_roster_only_when_changed() -> None:
    match = open_match()
    encoder = start(match)
    assert delta_of(advance(match, encoder))[10] is None
    ship(match, 1).health = 25
    sim(match).bullets.append(Bullet(9, 0, 1700, 4500, 350, 0, match.tick + 10))
    frame = delta_of(advance(match, encoder))
    assert frame[10] == [[0, "p0", 1, 0, True], [1, "p1", 0, 1, True]]
    assert frame[9] == [[2, 0, 1, 25], [1, 0, 1]]
    assert delta_of(advance(match, encoder))[10] is None


def _applies(match: Match, before: EncodedSnapshot, after: EncodedSnapshot) -> None:
    """``after``'s DELTA applied to ``before``'s KEYFRAME is ``after``'s KEYFRAME."""
    schema = match.game.state
    state = apply_frame(schema, None, decode(before.keyframe))
    assert apply_frame(schema, state, delta_of(after)).to_keyframe() == decode(after.keyframe)


def test_a_join_travels_in_a_delta_as_a_new_player_against_zeros() -> None:
    match = open_match()
    encoder = SnapshotEncoder(match.game.state, 20)
    first = encoder.encode(match, [], SERVER_MS)
    assert first is not None
    late = match.add_player("late")
    encoded = advance(match, encoder)
    assert encoded.base_tick == first.tick
    frame = delta_of(encoded)
    # the farthest spawn point from the others; aim 0 and ack 0 equal the zero base: absent
    assert frame[6] == [
        [late, X_CHANGED | Y_CHANGED | HEALTH_CHANGED | FLAGS_CHANGED, 14000, 4500, 100, 1]
    ]
    assert frame[9] == [[3, late]]
    assert frame[10] == [[0, "p0", 0, 0, True], [1, "p1", 0, 0, True], [2, "late", 0, 0, True]]
    assert [p[0] for p in decode(encoded.keyframe)[5]] == [0, 1, 2]
    _applies(match, first, encoded)
    assert delta_of(advance(match, encoder))[3] == encoded.tick


def test_a_leave_travels_in_a_delta_as_the_id_alone() -> None:
    match = open_match(players=3, min_players=2)
    encoder = SnapshotEncoder(match.game.state, 20)
    press(match, 1, FIRE, 0.0)
    first = advance(match, encoder)
    (bullet,) = sim(match).bullets
    press(match, 0, RIGHT)
    match.remove_player(1)
    encoded = advance(match, encoder)
    assert encoded.base_tick == first.tick
    frame = delta_of(encoded)
    assert frame[6] == [[0, X_CHANGED | ACK_CHANGED, 60, 1], [1]]
    assert frame[7:9] == [[], [bullet.id]], "its bullets leave with it"
    assert frame[10][1] == [1, "p1", 0, 0, False]
    assert [p[0] for p in decode(encoded.keyframe)[5]] == [0, 2]
    _applies(match, first, encoded)
    assert delta_of(advance(match, encoder))[3] == encoded.tick


def test_a_player_back_after_a_leave_is_new_again() -> None:
    match = open_match(players=3, min_players=2)
    encoder = start(match)
    match.remove_player(1)
    gone = advance(match, encoder)
    assert delta_of(gone)[6] == [[1]]
    match.readmit_player(1)
    back = advance(match, encoder)
    (change,) = delta_of(back)[6]
    row = next(p for p in decode(back.keyframe)[5] if p[0] == 1)
    # against zeros: every non-zero field, with its value
    assert change[0] == 1 and change[2:] == [value for value in row[1:] if value != 0]
    assert change[1] == sum(1 << i for i, value in enumerate(row[1:]) if value != 0)
    _applies(match, gone, back)


def test_a_player_gone_and_back_between_encodes_is_a_change() -> None:
    match = open_match(players=3, min_players=2)
    encoder = start(match)
    place(match, 1, 500.0, 700.0)
    ship(match, 1).health = 40
    before = decode(advance(match, encoder).keyframe)
    match.remove_player(1)
    match.step()
    match.readmit_player(1)
    encoded = advance(match, encoder)
    (change,) = delta_of(encoded)[6]
    assert change[0] == 1 and len(change) > 1
    old = next(p for p in before[5] if p[0] == 1)
    new = next(p for p in decode(encoded.keyframe)[5] if p[0] == 1)
    assert change[1] == sum(1 << i for i in range(6) if old[1 + i] != new[1 + i])
    schema = match.game.state
    state = apply_frame(schema, None, before)
    assert apply_frame(schema, state, delta_of(encoded)).to_keyframe() == decode(encoded.keyframe)


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
    encoder = SnapshotEncoder(match.game.state, interval)
    encoded = [encoder.encode(match, [], 0)]
    while match.tick < 13:
        encoded.append(advance(match, encoder, steps))
    assert all(e is not None for e in encoded)
    assert [e.tick for e in encoded if e is not None and e.delta is None] == keyframe_ticks
    last_keyframe = 0
    for e in encoded:
        assert e is not None
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
    assert plain is not None and plain.delta is not None and plain.keyframe is None
    match.step()
    wanted = encoder.encode(match, [], SERVER_MS, with_keyframe=False)
    match.step()
    both = encoder.encode(match, [], SERVER_MS, with_keyframe=True)
    assert wanted is not None and wanted.keyframe is None
    assert both is not None and both.delta is not None and both.keyframe is not None
    assert decode(both.keyframe)[1] == both.tick
    encoder.force_keyframe()
    match.step()
    keyframe_tick = encoder.encode(match, [], SERVER_MS, with_keyframe=False)
    assert keyframe_tick is not None
    assert keyframe_tick.delta is None and keyframe_tick.keyframe is not None


def test_same_tick_again_is_a_keyframe() -> None:
    match = open_match()
    encoder = start(match)
    encoded = encoder.encode(match, [], SERVER_MS)
    assert encoded is not None
    assert (encoded.tick, encoded.delta, encoded.base_tick) == (1, None, None)


def test_base_tick_after_several_steps() -> None:
    match = open_match(min_players=3)
    encoder = start(match)
    press(match, 0, FIRE | RIGHT, 0.0)
    first = advance(match, encoder)
    press(match, 0, RIGHT, 0.0)
    (bullet,) = sim(match).bullets
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
        SnapshotEncoder(ShooterGame(Rules()).state, 0)


# -- sizes ---------------------------------------------------------------------------------


def _busy_match() -> Match:
    """8 running players, all moving diagonally, and 10 bullets in flight at default speed."""
    rules = Rules()
    match = new_match(rules, max_players=8, seed=9)
    for i in range(8):
        match.add_player(f"player-{i}")
    for _ in range(70):
        match.step()
    assert match.phase is Phase.RUNNING
    for pid, player in sim(match).ships.items():
        # two rows in open floor, clear of the default walls for the ticks measured
        player.x = 120.5 + pid * 190.3
        player.y = 640.7 if pid % 2 else 250.3
        player.aim = -3.0 + pid * 0.8
        match.seats[pid].last_seq = 1200 + pid  # a minute of inputs at 20 Hz
        if pid % 2:
            press(match, pid, DOWN | RIGHT, player.aim)
            player.vx = player.vy = 180.0
        else:
            press(match, pid, UP | LEFT, player.aim)
            player.vx = player.vy = -180.0
    speed = rules.bullet_speed
    sim(match).bullets = [
        Bullet.launch(
            300 + i,
            i % 8,
            101.3 + 140.7 * i,
            333.3 + 40.1 * i,
            speed * math.cos(i),
            speed * math.sin(i),
            match.tick + 5,
            1 / rules.tick_rate,
        )
        for i in range(10)
    ]
    return match


def test_snapshot_size() -> None:
    match = _busy_match()
    encoder = SnapshotEncoder(match.game.state, 20)
    first = encoder.encode(match, [], SERVER_MS)
    assert first is not None and first.keyframe is not None
    frame = decode(first.keyframe)
    assert len(frame[5]) == 8 and len(frame[6]) == 10 and len(frame[8]) == 8
    # measured: 420 bytes (16-byte players, ~17-byte bullets, 15-byte roster rows, 9-byte ms)
    assert len(first.keyframe) <= 425
    for pid, player in sim(match).ships.items():  # every player sends an input every tick
        press(match, pid, player.buttons, player.aim)
    encoded = advance(match, encoder)
    delta = delta_of(encoded)
    assert [change[1] for change in delta[6]] == [X_CHANGED | Y_CHANGED | ACK_CHANGED] * 8
    assert delta[7] == [] and len(sim(match).bullets) == 10
    # measured: 80 bytes (6-8 bytes a moving player, 24 for the rest); 88 if every aim turns too
    assert encoded.delta is not None and encoded.keyframe is not None
    assert len(encoded.delta) <= 95
    assert len(encoded.delta) < len(encoded.keyframe) / 4


def test_stagger_brings_only_the_first_periodic_keyframe_forward() -> None:
    match = open_match()
    encoder = SnapshotEncoder(match.game.state, 5, stagger=3)
    encoder.encode(match, [], SERVER_MS)  # tick 1: the first KEYFRAME
    keyframe_ticks = [
        e.tick for e in (advance(match, encoder) for _ in range(12)) if e.delta is None
    ]
    assert keyframe_ticks == [3, 8, 13]


# -- a synthetic schema: globals, entities that come and go, projectiles --------------------


def sparks_start(
    players: int = 1, interval: int = 20, **options: Any
) -> tuple[Match, SnapshotEncoder]:
    """A Sparks match at tick 1 (in its countdown), its first KEYFRAME encoded."""
    match = sparks_match(players, **options)
    encoder = SnapshotEncoder(match.game.state, interval)
    assert encoder.encode(match, match.step(), SERVER_MS) is not None
    return match, encoder


def test_a_synthetic_keyframe_spreads_globals_and_lists_each_collection() -> None:
    match = sparks_match(2)
    match.step()
    act(match, 0, Op.LEVEL, 7)
    act(match, 1, Op.LIGHT, 4)
    act(match, 0, Op.TOKEN, 9)
    act(match, 1, Op.FIRE, 2)
    act(match, 1, Op.COLOR, 5)
    events = match.step()
    assert keyframe(match, events, SERVER_MS) == [
        11,
        2,
        SERVER_MS,
        int(Phase.COUNTDOWN),
        450,
        7,  # level
        [0, 4, 0],  # lights: a list field is one value of the frame
        [[0, 0, 500, 0], [1, 100, 500, 5]],  # avatars [id, x, y, color]
        [[0, 9, 0]],  # tokens [id, value, weight]
        [[0, 102, 498, 2, -2, 1]],  # sparks [id, x, y, dx, dy, owner]: moved once
        [[2, 1, 5]],  # FLASH
        [[0, "s0", 0, True], [1, "s1", 0, True]],
    ]


def test_synthetic_globals_travel_all_together_or_not_at_all() -> None:
    match, encoder = sparks_start()
    frame = delta_of(advance(match, encoder))
    assert frame[:7] == [12, 2, SERVER_MS + 2, 1, int(Phase.COUNTDOWN), 450, None]
    act(match, 0, Op.LEVEL, 30)
    assert delta_of(advance(match, encoder))[6] == [30, [0, 0, 0]]
    assert delta_of(advance(match, encoder))[6] is None
    act(match, 0, Op.LIGHT, -7)  # lights[-7 % 3] = 7
    assert delta_of(advance(match, encoder))[6] == [30, [0, 0, 7]]
    act(match, 0, Op.LIGHT, 2)
    act(match, 0, Op.LIGHT, -7)  # back as it was: nothing changed
    assert delta_of(advance(match, encoder))[6] is None


def test_synthetic_entities_come_change_and_go_in_one_change_list() -> None:
    match, encoder = sparks_start()
    base = advance(match, encoder)
    act(match, 0, Op.TOKEN, 7)
    act(match, 0, Op.TOKEN, 0)
    act(match, 0, Op.TOKEN, -3)
    encoded = advance(match, encoder)
    # new tokens against zeros: value 7 (bit 0); all zeros (an empty mask); value 3
    assert delta_of(encoded)[8] == [[0, 1, 7], [1, 0], [2, 1, 3]]
    _applies(match, base, encoded)
    act(match, 0, Op.TAKE, 5)  # token 0 goes, the others weigh 5 more
    taken = advance(match, encoder)
    frame = delta_of(taken)
    assert frame[8] == [[1, 2, 5], [2, 2, 5], [0]]
    assert frame[11] == [[1, 0]]  # POP of token 0
    _applies(match, encoded, taken)
    act(match, 0, Op.TAKE, -2)  # token 1 goes; token 2's weight is a difference: -2
    frame = delta_of(advance(match, encoder))
    assert frame[8] == [[2, 2, -2], [1]]
    assert decode(advance(match, encoder).keyframe)[8] == [[2, 3, 3]]


def test_synthetic_avatars_come_and_go_with_their_players() -> None:
    match, encoder = sparks_start()
    base = advance(match, encoder)
    second = match.add_player("s1")
    act(match, 0, Op.MOVE_X, 12)
    joined = advance(match, encoder)
    frame = delta_of(joined)
    # the new avatar at (100, 500), color 0 absent; the other moved by a difference
    assert frame[7] == [[0, 1, 12], [second, 3, 100, 500]]
    assert frame[-1] == [[0, "s0", 0, True], [1, "s1", 0, True]]
    _applies(match, base, joined)
    match.remove_player(0)
    left = advance(match, encoder)
    assert delta_of(left)[7] == [[0]]
    assert delta_of(left)[-1] == [[0, "s0", 0, False], [1, "s1", 0, True]]
    _applies(match, joined, left)


def test_synthetic_projectiles_list_the_new_and_the_gone_only() -> None:
    match, encoder = sparks_start()
    base = advance(match, encoder)
    act(match, 0, Op.FIRE, 3)  # flies (3, -3) a tick for 4 ticks
    fired = advance(match, encoder)
    frame = delta_of(fired)
    assert frame[9:11] == [[[0, 3, 497, 3, -3, 0]], []]
    _applies(match, base, fired)
    for _ in range(3):
        flying = advance(match, encoder)
        assert delta_of(flying)[9:11] == [[], []], "the client moves it by itself"
    assert decode(flying.keyframe)[9] == [[0, 12, 488, 3, -3, 0]]
    last = advance(match, encoder)
    assert delta_of(last)[9:11] == [[], [0]]
    act(match, 0, Op.FIRE, 4)  # lives one tick: born and gone between two encodes
    assert delta_of(advance(match, encoder, steps=2))[9:11] == [[], []]


def test_only_if_changed_skips_a_tick_that_changes_nothing_but_the_time_left() -> None:
    match, encoder = sparks_start()
    assert match.phase is Phase.COUNTDOWN

    def quiet(with_keyframe: bool = False) -> EncodedSnapshot | None:
        events = match.step()
        return encoder.encode(
            match, events, SERVER_MS + match.tick, with_keyframe, only_if_changed=True
        )

    assert quiet() is None
    assert quiet() is None and encoder.tick == 1, "nothing remembered"
    assert match.phase_ms_left() < 450
    act(match, 0, Op.MOVE_Y, -4)
    moved = quiet()
    assert moved is not None and moved.base_tick == 1 and moved.tick == 4
    assert delta_of(moved)[7] == [[0, 2, -4]]
    assert quiet() is None
    wanted = quiet(with_keyframe=True)  # someone needs a KEYFRAME: the tick is encoded
    assert wanted is not None and wanted.keyframe is not None and wanted.delta is not None
    act(match, 0, Op.COLOR, 0)  # the same color: only the FLASH event changes
    flashed = quiet()
    assert flashed is not None and delta_of(flashed)[11] == [[2, 0, 0]]
    act(match, 0, Op.SCORE)  # only the roster changes
    scored = quiet()
    assert scored is not None and delta_of(scored)[12] == [[0, "s0", 1, True]]
    while match.tick < 10:
        assert quiet() is None
    assert match.phase is Phase.COUNTDOWN
    started = quiet()  # the phase changes (and with it the roster: points reset)
    assert started is not None and match.phase is Phase.RUNNING
    assert delta_of(started)[4] == int(Phase.RUNNING)


def test_only_if_changed_still_encodes_keyframe_ticks() -> None:
    match, encoder = sparks_start(interval=4)
    ticks = []
    for _ in range(8):
        events = match.step()
        encoded = encoder.encode(match, events, SERVER_MS, False, only_if_changed=True)
        if encoded is not None:
            assert (encoded.delta, encoded.base_tick) == (None, None)
            ticks.append(encoded.tick)
    assert ticks == [5, 9]


def test_the_last_keyframe_after_skipped_ticks_is_the_tick_encoded_last() -> None:
    match, encoder = sparks_start()
    act(match, 0, Op.TOKEN, 5)
    match.step()
    encoded = encoder.encode(match, [], SERVER_MS + 2, False, only_if_changed=True)
    assert encoded is not None and encoded.tick == 2
    for _ in range(3):
        match.step()
        assert encoder.encode(match, [], SERVER_MS, False, only_if_changed=True) is None
    act(match, 0, Op.TOKEN, 6)  # not stepped yet: not in the tick encoded last
    tick, frame = encoder.last_keyframe(match, SERVER_MS + 9)
    joined = decode(frame)
    assert tick == joined[1] == 2 and joined[2] == SERVER_MS + 2
    assert joined[8] == [[0, 5, 0]]
    match.step()
    following = encoder.encode(match, [], SERVER_MS + 6, False, only_if_changed=True)
    assert following is not None and following.base_tick == 2
    schema = match.game.state
    state = apply_frame(schema, apply_frame(schema, None, joined), delta_of(following))
    assert state.to_keyframe() == keyframe(match, [], SERVER_MS + 6)


def test_the_delta_of_a_schema_without_globals_has_no_globals_slot() -> None:
    match = open_match()
    encoder = start(match)
    assert len(delta_of(advance(match, encoder))) == 11
    sparks, sparks_encoder = sparks_start()
    assert len(delta_of(advance(sparks, sparks_encoder))) == 13
