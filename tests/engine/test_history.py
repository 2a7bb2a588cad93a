"""The runtime's history of a match's last ticks: bounded, interpolated, checkpointed."""

from __future__ import annotations

import math

import msgpack
import pytest

from engine.game import StateView
from engine.games.shooter.game import ShooterGame
from engine.games.shooter.rules import Rules
from engine.history import StateHistory
from engine.match import Match
from engine.schema import Collection, Field, StateSchema

SCHEMA = StateSchema(
    collections=(
        Collection(
            "things",
            (
                Field("x", 0, 10_000, lerp=True),
                Field("turn", -3142, 3142, 1000, kind="angle", lerp=True),
                Field("hp", 0, 100),
            ),
        ),
    )
)


def view(*rows: tuple[int, int, int, int]) -> StateView:
    return StateView((), ({row[0]: row[1:] for row in rows},))


def test_rows_between_two_ticks_blend_lerp_fields_and_keep_the_earlier_rest() -> None:
    history = StateHistory(SCHEMA, 4)
    history.record(10, view((1, 100, 3000, 50), (2, 7, 0, 9)))
    history.record(11, view((1, 200, -3000, 40), (3, 5, 0, 1)))
    rows = history.rows_at(0, 10.25)
    x, turn, hp = rows[1]
    assert x == 125.0
    assert hp == 50.0, "not interpolated: as on the earlier tick"
    short_way = 3000 + 0.25 * (2 * math.pi * 1000 - 6000)
    assert turn == pytest.approx(short_way), "an angle turns the short way round"
    assert rows[2] == (7.0, 0.0, 9.0), "gone on the later tick: as it was"
    assert rows[3] == (5.0, 0.0, 1.0), "new on the later tick: as it is"


def test_times_outside_the_ticks_kept_are_clamped() -> None:
    history = StateHistory(SCHEMA, 4)
    assert history.rows_at(0, 3.0) == {}
    history.record(10, view((1, 100, 0, 50)))
    history.record(11, view((1, 200, 0, 50)))
    assert history.rows_at(0, 2.0)[1][0] == 100.0
    assert history.rows_at(0, 99.0)[1][0] == 200.0


def test_a_history_keeps_its_capacity_of_ticks_and_round_trips_through_a_checkpoint() -> None:
    history = StateHistory(SCHEMA, 3)
    for tick in range(1, 8):
        history.record(tick, view((1, tick * 10, 0, 1)))
    assert (len(history), history.oldest_tick, history.newest_tick) == (3, 5, 7)
    assert history.view_at(4) is None
    copy = StateHistory(SCHEMA, 3)
    copy.restore(msgpack.unpackb(msgpack.packb(history.export_state()), strict_map_key=False))
    assert [copy.view_at(t) for t in (5, 6, 7)] == [history.view_at(t) for t in (5, 6, 7)]
    assert copy.rows_at(0, 6.5) == history.rows_at(0, 6.5)


def test_a_history_restores_from_a_version_2_checkpoint_whose_rows_are_lists() -> None:
    history = StateHistory(SCHEMA, 3)
    history.restore([[5, [], [[[1, 50, 0, 1]]]], [6, [], [[[1, 60, 0, 1], [2, 7, 0, 1]]]]])
    assert history.view_at(6) == view((1, 60, 0, 1), (2, 7, 0, 1))
    assert history.rows_at(0, 5.5)[1][0] == 55.0


def test_a_match_records_every_tick_it_steps_once_whether_encoded_or_not() -> None:
    game = ShooterGame(Rules(rewind_limit=0.2))
    match = Match(game, game.mode("duel"), seed=3, max_players=2)
    match.add_player("Ada")
    for _ in range(3):
        match.step()
        match.view()  # as the encoder asks after each tick
    match.step()
    match.step()  # two ticks stepped at once (a worker catching up)
    history = match.history
    assert history is not None and history.capacity == 4 + 2
    assert [t for t in range(1, 6) if history.view_at(t) is not None] == [1, 2, 3, 4]
    assert match.export_state()["history"][-1][0] == 5, "a checkpoint takes the last tick too"
    restored = Match.restore(game, game.mode("duel"), match.export_state())
    assert restored.history is not None
    assert restored.history.export_state() == history.export_state()


def test_a_game_that_asks_for_no_history_has_none() -> None:
    game = ShooterGame(Rules(rewind_limit=0.0))
    match = Match(game, game.mode("duel"), seed=3, max_players=2)
    assert match.history is None and match.ctx.history is None
    assert match.export_state()["history"] == []
