"""Per-player views (engine.views) with the shooter's fog of war: a player's stream never holds
an entity it may not see, in KEYFRAMEs or DELTAs, whatever frames it lost or resynced from;
the whole state's stream is the plain encoder's; players of one group share one stream."""

from __future__ import annotations

import contextlib
import math
import random
from typing import Any

import msgpack
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.codec import EncodedSnapshot, SnapshotEncoder
from engine.game import StateView
from engine.games.shooter.game import ShooterGame
from engine.games.shooter.rules import Rect, Rules
from engine.match import Match, SeatRefused
from engine.schema import Collection, Field, StateSchema
from engine.views import FULL, GroupView, ViewEncoders, ViewError, ViewFilter, view_groups
from tests.engine.test_wirestate import DELIVER, DROP, RESYNC, follow

BASE_MS = 1_700_000_000_000
FOG = Rules(
    arena_width=900.0,
    arena_height=600.0,
    walls=(Rect(430.0, 150.0, 40.0, 300.0),),
    spawn_points=((100.0, 100.0), (800.0, 500.0), (100.0, 500.0), (800.0, 100.0)),
    spawn_protection=0.0,
    countdown=0.0,
    fog_radius=350.0,
)
PLAYERS, BULLETS = 0, 1
ACK = 1 + [f.name for f in ShooterGame(FOG).state.collections[PLAYERS].fields].index("ack")

ops = st.lists(
    st.one_of(
        st.tuples(st.just("add")),
        st.tuples(st.just("remove"), st.integers(0, 3)),
        st.tuples(
            st.just("input"),
            st.integers(0, 3),
            st.integers(0, 31),
            st.integers(-3142, 3142),
        ),
        st.tuples(st.just("step"), st.integers(1, 6)),
    ),
    min_size=5,
    max_size=40,
)


def decode(frame: bytes | None) -> Any:
    assert frame is not None
    return msgpack.unpackb(frame, raw=False)


def play(
    history: list[tuple[Any, ...]], interval: int
) -> tuple[dict[int, list[EncodedSnapshot]], dict[int, dict[int, tuple[set[int], set[int]]]]]:
    """Each player's stream (the frames of its view group, tick by tick, from its first tick
    seated) and what it could see on each tick, for a random fogged match."""
    game = ShooterGame(FOG)
    match = Match(game, game.mode("ffa"), 7, 4, reconnect_grace=0.0)
    encoders = ViewEncoders(game.state, interval)
    streams: dict[int, list[EncodedSnapshot]] = {}
    seen: dict[int, dict[int, tuple[set[int], set[int]]]] = {}
    names = iter(f"p{i}" for i in range(100))
    for op in [("add",), ("add",), *history]:
        if op[0] == "add":
            with contextlib.suppress(SeatRefused):
                match.add_player(next(names))
        elif op[0] == "remove":
            match.remove_player(op[1])
        elif op[0] == "input":
            seat = match.seats.get(op[1])
            if seat is not None:
                match.apply_input(op[1], seat.last_seq + 1, (op[2], op[3]))
        else:
            for _ in range(op[1]):
                events = match.step()
                of_player, groups = view_groups(match.sim, match.ctx.seated())
                frames = encoders.encode(match, groups, events, BASE_MS + 50 * match.tick)
                for player, group in of_player.items():
                    streams.setdefault(player, []).append(frames[group])
                    ships, bullets = groups[group].visible
                    seen.setdefault(player, {})[match.tick] = (set(ships), set(bullets))
    return streams, seen


def ids_sent(frame: list[Any]) -> tuple[set[int], set[int]]:
    """The ships and bullets a decoded frame tells of (gone ones aside)."""
    if frame[0] == 11:
        return {row[0] for row in frame[5]}, {row[0] for row in frame[6]}
    return {change[0] for change in frame[6] if len(change) > 1}, {row[0] for row in frame[7]}


def check_streams(
    streams: dict[int, list[EncodedSnapshot]],
    seen: dict[int, dict[int, tuple[set[int], set[int]]]],
    fates_of: Any,
) -> int:
    """Deliver each player's stream with ``fates_of(length)``'s losses and resyncs, checking
    every frame it gets against what it could see then; the number of frames delivered."""
    schema = ShooterGame(FOG).state
    count = 0
    for player, snapshots in streams.items():
        fates = fates_of(len(snapshots))
        delivered = [s for s, fate in zip(snapshots, fates, strict=True) if fate != DROP]
        # follow() applies each frame as a client does and checks the state it rebuilds is the
        # group's KEYFRAME of that tick
        for (_, frame), snapshot in zip(follow(schema, snapshots, fates), delivered, strict=True):
            ships, bullets = ids_sent(frame)
            visible_ships, visible_bullets = seen[player][snapshot.tick]
            assert ships <= visible_ships, (player, snapshot.tick, ships - visible_ships)
            assert bullets <= visible_bullets, (player, snapshot.tick)
            held = decode(snapshot.keyframe)
            assert {row[0] for row in held[5]} == visible_ships
            assert {row[0] for row in held[6]} == visible_bullets
            others_acks = [row[ACK] for row in held[5] if row[0] != player]
            assert others_acks == [0] * len(others_acks), "it reads its own ship's ack only"
            count += 1
    return count


@settings(max_examples=60, deadline=None)
@given(history=ops, interval=st.sampled_from([1, 3, 20]), data=st.data())
def test_a_player_never_receives_an_entity_it_may_not_see(
    history: list[tuple[Any, ...]], interval: int, data: st.DataObject
) -> None:
    streams, seen = play(history, interval)

    def fates_of(length: int) -> list[str]:
        choices = st.sampled_from([DELIVER, DROP, RESYNC])
        return data.draw(st.lists(choices, min_size=length, max_size=length))

    check_streams(streams, seen, fates_of)


def test_a_long_fogged_match_with_losses_keeps_every_view_to_what_it_may_see() -> None:
    rng = random.Random(11)
    history: list[tuple[Any, ...]] = [("add",), ("add",)]
    for _ in range(150):
        for player in range(4):
            history.append(("input", player, rng.randint(0, 31), rng.randint(-3142, 3142)))
        history.append(("step", rng.randint(1, 3)))
    streams, seen = play(history, 20)
    changes = sum(len({frozenset(v[0]) for v in ticks.values()}) > 1 for ticks in seen.values())
    assert len(streams) == 4 and changes == 4, "every player's view changed during the match"
    fates = [DELIVER, DELIVER, DROP, DELIVER, RESYNC, DELIVER, DROP, DROP, DELIVER]
    delivered = check_streams(streams, seen, lambda n: [fates[i % len(fates)] for i in range(n)])
    assert delivered > 4 * 150


def test_fog_hides_the_far_and_the_walled_and_shows_the_near() -> None:
    game = ShooterGame(FOG)
    match = Match(game, game.mode("ffa"), 1, 4)
    ids = [match.add_player(name) for name in ("a", "b", "c")]
    match.step()
    ships = match.sim.ships  # type: ignore[attr-defined]
    ships[ids[0]].x, ships[ids[0]].y = 300.0, 300.0
    ships[ids[1]].x, ships[ids[1]].y = 600.0, 300.0  # behind the wall at x 430-470
    ships[ids[2]].x, ships[ids[2]].y = 300.0, 500.0  # 200 u away, in sight
    assert match.sim.visible_to(ids[0])[PLAYERS] == {ids[0], ids[2]}
    ships[ids[1]].x, ships[ids[1]].y = 450.0, 100.0  # 250 u away, over the wall's top: seen
    assert match.sim.visible_to(ids[0])[PLAYERS] == {ids[0], ids[1], ids[2]}
    ships[ids[2]].x = 300.0 + 400.0 * math.cos(2.0)  # 400 u: beyond the radius
    ships[ids[2]].y = 300.0 + 400.0 * math.sin(2.0)
    assert ids[2] not in match.sim.visible_to(ids[0])[PLAYERS]


def test_spectators_and_games_without_views_get_the_whole_state() -> None:
    for rules in (FOG, Rules(spawn_protection=0.0)):
        game = ShooterGame(rules)
        match = Match(game, game.mode("ffa"), 3, 4)
        for name in ("a", "b", "c"):
            match.add_player(name)
        encoders = ViewEncoders(game.state, 20)
        plain = SnapshotEncoder(game.state, 20)
        for tick in range(30):
            match.apply_input(tick % 3, tick + 1, (16 | (1 << (tick % 4)), 500 * (tick % 6)))
            events = match.step()
            of_player, groups = view_groups(match.sim, match.ctx.seated())
            frames = encoders.encode(match, groups, events, BASE_MS + tick)
            expected = plain.encode(match, events, BASE_MS + tick)
            assert expected is not None
            assert frames[FULL] == expected, "the whole state's stream is the plain one"
            assert set(frames) == {FULL, *of_player.values()}
            if rules.fog_radius == 0:
                assert of_player == {} and groups == {}


def test_players_of_one_group_share_its_frames() -> None:
    class TeamFog(ShooterGame):
        def create(self, ctx: Any) -> Any:
            sim = super().create(ctx)
            sim.view_group = lambda seat: seat.id % 2  # type: ignore[method-assign]
            return sim

    game = TeamFog(FOG)
    match = Match(game, game.mode("ffa"), 5, 4)
    for name in ("a", "b", "c", "d"):
        match.add_player(name)
    match.step()
    of_player, groups = view_groups(match.sim, match.ctx.seated())
    assert of_player == {0: 0, 1: 1, 2: 0, 3: 1}
    frames = ViewEncoders(game.state, 20).encode(match, groups, [], BASE_MS)
    assert len(frames) == 3, "two groups and the whole state: three encodes for four players"


def test_a_group_is_shown_the_globals_and_the_named_entities() -> None:
    schema = StateSchema(
        globals=(Field("g", 0, 9),),
        collections=(Collection("a", (Field("v", 0, 9),)), Collection("b", (Field("w", 0, 9),))),
    )
    view = StateView((7,), ({1: (1,), 2: (2,)}, {5: (5,)}))
    shown = ViewFilter(schema).shown
    assert shown(view, GroupView(({2}, None))) == StateView((7,), ({2: (2,)}, {5: (5,)}))
    assert shown(view, GroupView(())) == view


def test_hidden_fields_read_as_their_hidden_value_and_unknown_ones_are_refused() -> None:
    schema = StateSchema(
        collections=(
            Collection("units", (Field("x", -50, 50), Field("hp", 1, 9), Field("ack", 0, 99))),
        )
    )
    shown = ViewFilter(schema).shown
    view = StateView((), ({1: (10, 5, 40), 2: (-20, 7, 41)},))
    hidden = shown(view, GroupView((), ({2: ("hp", "ack"), 3: ("ack",)},)))
    # 0 where the range holds it, else its nearest value (hp: 1); an entity not seen: nothing
    assert hidden == StateView((), ({1: (10, 5, 40), 2: (-20, 1, 0)},))
    assert view == StateView((), ({1: (10, 5, 40), 2: (-20, 7, 41)},)), "the match's view stays"
    seen_and_hidden = shown(view, GroupView(({2},), ({1: ("hp",), 2: ("hp",)},)))
    assert seen_and_hidden == StateView((), ({2: (-20, 1, 41)},))
    with pytest.raises(ViewError, match="'mana'"):
        shown(view, GroupView((), ({1: ("mana",)},)))


def test_a_fogged_player_reads_the_ack_of_its_own_ship_only() -> None:
    game = ShooterGame(FOG)
    match = Match(game, game.mode("ffa"), 2, 4)
    ids = [match.add_player(name) for name in ("a", "b")]
    encoders = ViewEncoders(game.state, 20)
    for tick in range(1, 6):
        for player in ids:
            match.apply_input(player, tick, (0, 0))
        events = match.step()
        of_player, groups = view_groups(match.sim, match.ctx.seated())
        frames = encoders.encode(match, groups, events, BASE_MS + tick)
    ships = match.sim.ships  # type: ignore[attr-defined]
    ships[ids[1]].x, ships[ids[1]].y = ships[ids[0]].x + 50.0, ships[ids[0]].y
    match.step()
    of_player, groups = view_groups(match.sim, match.ctx.seated())
    frames = encoders.encode(match, groups, [], BASE_MS + 9, with_keyframe=True)
    rows = {row[0]: row for row in decode(frames[of_player[ids[0]]].keyframe)[5]}
    assert set(rows) == set(ids), "each sees the other"
    assert rows[ids[0]][ACK] == 5 and rows[ids[1]][ACK] == 0
    whole = {row[0]: row for row in decode(frames[FULL].keyframe)[5]}
    assert whole[ids[1]][ACK] == 5, "spectators read every ack"
