"""The matchmaking rules: table-driven cases and properties over random queues."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lobby.matchmaker import (
    ModeSpec,
    RatingWindow,
    WaitEstimator,
    form_groups,
    queue_order,
)
from lobby.store import QueueEntry

DUEL = ModeSpec("duel", 2, 2, 0.0)
FFA = ModeSpec("ffa", 4, 8, 10.0)
WINDOW = RatingWindow(100.0, 30.0, 30.0)  # the table below is written for these numbers
NOW = 1000.0


def entry(key: str, rating: float, waited: float, mode: str = "duel") -> QueueEntry:
    """A queue entry of a player who has waited ``waited`` seconds at NOW."""
    return QueueEntry(key, key.upper(), rating, mode, NOW - waited, f"chan-{key}")


def order(entry: QueueEntry) -> tuple[int, float, str]:
    """Queue order at NOW."""
    return queue_order(entry, NOW)


def keys(groups: list[tuple[QueueEntry, ...]]) -> list[list[str]]:
    """The player keys of each group."""
    return [[member.player_key for member in group] for group in groups]


# -- table-driven cases ---------------------------------------------------------------------

CASES = [
    pytest.param(DUEL, [entry("a", 1500, 1), entry("b", 1550, 0)], [["a", "b"]], id="duel-pair"),
    pytest.param(
        DUEL,
        [entry("a", 1500, 2), entry("b", 1510, 1), entry("c", 1520, 0), entry("d", 1530, 0)],
        [["a", "b"], ["c", "d"]],
        id="duel-two-pairs-in-queue-order",
    ),
    pytest.param(DUEL, [entry("a", 1500, 0), entry("b", 1700, 0)], [], id="window-excludes-far"),
    pytest.param(DUEL, [entry("a", 1500, 0), entry("b", 1600, 0)], [["a", "b"]], id="edge-in"),
    pytest.param(
        DUEL, [entry("a", 1500, 5), entry("b", 1750, 0)], [["a", "b"]], id="window-widens"
    ),
    pytest.param(DUEL, [entry("a", 1500, 4), entry("b", 1750, 0)], [], id="not-wide-enough-yet"),
    pytest.param(
        DUEL, [entry("a", 1500, 30), entry("b", 3000, 0)], [["a", "b"]], id="unlimited-after-30s"
    ),
    pytest.param(
        DUEL,
        [entry("c", 1500, 1), entry("a", 1500, 3), entry("b", 1500, 2)],
        [["a", "b"]],
        id="longest-waiting-first",
    ),
    pytest.param(
        DUEL,
        [entry("a", 1600, 0), entry("b", 1510, 0), entry("c", 1690, 0), entry("d", 1420, 0)],
        [["d", "b"], ["a", "c"]],
        id="same-second-burst-pairs-along-the-rating-ladder",
    ),
    pytest.param(
        DUEL,
        [entry("a", 1500, 3), entry("b", 1590, 2), entry("c", 1505, 1)],
        [["a", "c"]],
        id="closest-rating-in-window",
    ),
    pytest.param(
        DUEL,
        [entry("a", 1500, 5), entry("b", 2000, 4), entry("c", 2010, 0)],
        [["b", "c"]],
        id="anchor-without-partner-stays",
    ),
    pytest.param(
        DUEL,
        [entry("b", 1500, 2), entry("a", 1500, 2), entry("c", 1500, 2)],
        [["a", "b"]],
        id="ties-by-player-key",
    ),
    pytest.param(
        FFA,
        [entry(f"p{i}", 1500 + i, 0, "ffa") for i in range(9)],
        [[f"p{i}" for i in range(8)]],
        id="ffa-starts-at-eight-at-once",
    ),
    pytest.param(
        FFA, [entry(f"p{i}", 1500, 9.9, "ffa") for i in range(7)], [], id="ffa-seven-before-wait"
    ),
    pytest.param(
        FFA,
        [entry(f"p{i}", 1500, 10, "ffa") for i in range(5)],
        [[f"p{i}" for i in range(5)]],
        id="ffa-five-after-fill-wait",
    ),
    pytest.param(
        FFA, [entry(f"p{i}", 1500, 20, "ffa") for i in range(3)], [], id="ffa-three-never"
    ),
    pytest.param(
        FFA,
        [entry("old", 1500, 10, "ffa"), *(entry(f"p{i}", 1500, 1, "ffa") for i in range(3))],
        [["old", "p0", "p1", "p2"]],
        id="ffa-fill-wait-counts-the-anchor",
    ),
    pytest.param(
        DUEL,
        [entry("a", 1500, 1), entry("b", 1500, 1, "ffa"), entry("c", 1500, 0)],
        [["a", "c"]],
        id="other-modes-ignored",
    ),
    pytest.param(DUEL, [], [], id="empty"),
]


@pytest.mark.parametrize(("spec", "entries", "expected"), CASES)
def test_form_groups(spec: ModeSpec, entries: list[QueueEntry], expected: list[list[str]]) -> None:
    assert keys(form_groups(entries, NOW, spec, WINDOW)) == expected


def test_a_player_listed_twice_is_grouped_once() -> None:
    twice = [entry("a", 1500, 2), entry("a", 1500, 1), entry("b", 1500, 0)]
    assert keys(form_groups(twice, NOW, DUEL, WINDOW)) == [["a", "b"]]


@pytest.mark.parametrize(
    ("waited", "width"),
    [(0.0, 100.0), (1.0, 130.0), (10.0, 400.0), (29.9, 997.0), (30.0, math.inf), (-5.0, 100.0)],
)
def test_rating_window_width(waited: float, width: float) -> None:
    assert WINDOW.width(waited) == pytest.approx(width)


@pytest.mark.parametrize(
    "args",
    [("x", 1, 2, 0.0), ("x", 3, 2, 0.0), ("x", 2, 9, 0.0), ("x", 2, 2, -1.0), ("", 2, 2, 0.0)],
)
def test_invalid_mode_specs_are_refused(args: tuple[str, int, int, float]) -> None:
    with pytest.raises(ValueError):
        ModeSpec(*args)


def test_the_default_window_widens_to_unlimited_in_four_seconds() -> None:
    assert [RatingWindow().width(t) for t in (0, 1, 3.9)] == [100, 150, pytest.approx(295)]
    assert RatingWindow().width(4) == math.inf


def test_invalid_rating_window_is_refused() -> None:
    with pytest.raises(ValueError):
        RatingWindow(initial=-1.0)


# -- properties -----------------------------------------------------------------------------


@st.composite
def queues(draw: st.DrawFn) -> tuple[list[QueueEntry], ModeSpec]:
    """A random queue (some players of another mode) and a random mode spec."""
    low = draw(st.integers(2, 8))
    high = draw(st.integers(low, 8))
    spec = ModeSpec("m", low, high, draw(st.sampled_from([0.0, 5.0, 10.0, 40.0])))
    rows = draw(
        st.lists(
            st.tuples(
                st.integers(800, 2600),
                st.integers(0, 600).map(lambda tenths: tenths / 10),
                st.sampled_from(["m", "m", "m", "other"]),
            ),
            max_size=40,
        )
    )
    entries = [
        entry(f"p{i:02d}", rating, waited, mode) for i, (rating, waited, mode) in enumerate(rows)
    ]
    return entries, spec


WINDOWS = st.sampled_from(
    [RatingWindow(), WINDOW, RatingWindow(50.0, 10.0, 45.0), RatingWindow(0, 0, 60)]
)


def leftovers(
    entries: list[QueueEntry], spec: ModeSpec, groups: list[tuple[QueueEntry, ...]]
) -> list[QueueEntry]:
    """The players of the mode that no group took, in queue order."""
    taken = {member.player_key for group in groups for member in group}
    return sorted(
        (e for e in entries if e.mode == spec.name and e.player_key not in taken), key=order
    )


@settings(max_examples=200, deadline=None)
@given(queues(), WINDOWS)
def test_groups_respect_the_rule(
    case: tuple[list[QueueEntry], ModeSpec], window: RatingWindow
) -> None:
    entries, spec = case
    groups = form_groups(entries, NOW, spec, window)
    members = [member.player_key for group in groups for member in group]
    assert len(members) == len(set(members)), "a player is in two groups"
    for group in groups:
        anchor = group[0]
        waited = NOW - anchor.joined_at
        assert spec.min_players <= len(group) <= spec.max_players
        assert len(group) == spec.max_players or waited >= spec.fill_wait
        assert all(member.mode == spec.name for member in group)
        assert list(group) == sorted(group, key=order)
        assert all(abs(m.rating - anchor.rating) <= window.width(waited) for m in group)
    anchors = [order(group[0]) for group in groups]
    assert anchors == sorted(anchors)


@settings(max_examples=200, deadline=None)
@given(queues(), WINDOWS)
def test_no_left_out_player_could_have_been_added(
    case: tuple[list[QueueEntry], ModeSpec], window: RatingWindow
) -> None:
    entries, spec = case
    groups = form_groups(entries, NOW, spec, window)
    left = leftovers(entries, spec, groups)
    for group in groups:
        anchor = group[0]
        width = window.width(NOW - anchor.joined_at)
        fits = [x for x in left if order(x) > order(anchor)]
        if any(abs(x.rating - anchor.rating) <= width for x in fits):
            assert len(group) == spec.max_players
    for index, anchor in enumerate(left):
        waited = NOW - anchor.joined_at
        width = window.width(waited)
        size = 1 + sum(abs(x.rating - anchor.rating) <= width for x in left[index + 1 :])
        assert size < spec.max_players
        assert size < spec.min_players or waited < spec.fill_wait


@settings(max_examples=200, deadline=None)
@given(queues(), WINDOWS)
def test_duel_leftovers_are_mutually_out_of_reach(
    case: tuple[list[QueueEntry], ModeSpec], window: RatingWindow
) -> None:
    entries, _ = case
    duel = ModeSpec("m", 2, 2, 0.0)
    left = leftovers(entries, duel, form_groups(entries, NOW, duel, window))
    for index, older in enumerate(left):
        width = window.width(NOW - older.joined_at)
        assert all(abs(younger.rating - older.rating) > width for younger in left[index + 1 :])


# -- wait estimates and queue positions -----------------------------------------------------


def test_wait_estimator_is_an_ewma_per_mode() -> None:
    estimator = WaitEstimator()
    assert estimator.estimate("duel") is None
    estimator.record("duel", 10.0)
    assert estimator.estimate("duel") == 10.0
    estimator.record("duel", 20.0)
    assert estimator.estimate("duel") == pytest.approx(12.0)
    estimator.record("duel", 0.0)
    assert estimator.estimate("duel") == pytest.approx(9.6)
    assert estimator.estimate("ffa") is None


def test_wait_estimator_refuses_a_bad_alpha() -> None:
    with pytest.raises(ValueError):
        WaitEstimator(alpha=0.0)
