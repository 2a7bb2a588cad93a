"""Tests of the pure geometry helpers."""

from __future__ import annotations

import pytest

from engine.games.shooter.geometry import (
    circle_rect_push,
    clamp,
    segment_circle_hit,
    segment_rect_hit,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(-5.0, 0.0), (0.0, 0.0), (3.5, 3.5), (10.0, 10.0), (12.0, 10.0)],
    ids=["below", "low-edge", "inside", "high-edge", "above"],
)
def test_clamp(value: float, expected: float) -> None:
    assert clamp(value, 0.0, 10.0) == expected


RECT = (100.0, 100.0, 200.0, 200.0)


@pytest.mark.parametrize(
    ("center", "push"),
    [
        ((50.0, 150.0), None),
        ((90.0, 150.0), None),
        ((95.0, 150.0), (-5.0, 0.0)),
        ((205.0, 150.0), (5.0, 0.0)),
        ((150.0, 92.0), (0.0, -2.0)),
        ((150.0, 208.0), (0.0, 2.0)),
        ((104.0, 150.0), (-14.0, 0.0)),
        ((196.0, 150.0), (14.0, 0.0)),
        ((150.0, 103.0), (0.0, -13.0)),
        ((150.0, 199.0), (0.0, 11.0)),
        ((96.0, 97.0), (-4.0, -3.0)),
        ((92.0, 92.0), None),
    ],
    ids=[
        "far",
        "touching",
        "left-side",
        "right-side",
        "top-side",
        "bottom-side",
        "inside-near-left",
        "inside-near-right",
        "inside-near-top",
        "inside-near-bottom",
        "corner",
        "corner-clear",
    ],
)
def test_circle_rect_push(center: tuple[float, float], push: tuple[float, float] | None) -> None:
    result = circle_rect_push(center[0], center[1], 10.0, *RECT)
    if push is None:
        assert result is None
    else:
        assert result == pytest.approx(push)
        cx = center[0] + result[0]
        cy = center[1] + result[1]
        again = circle_rect_push(cx, cy, 10.0, *RECT)
        assert again is None or again == pytest.approx((0.0, 0.0), abs=1e-9)


@pytest.mark.parametrize(
    ("segment", "t"),
    [
        ((0.0, 0.0, 100.0, 0.0), 0.4),
        ((0.0, 0.0, 10.0, 0.0), None),
        ((45.0, 0.0, 100.0, 0.0), 0.0),
        ((0.0, 20.0, 100.0, 20.0), None),
        ((0.0, 10.0, 100.0, 10.0), 0.5),
        ((100.0, 0.0, 0.0, 0.0), 0.4),
        ((70.0, 0.0, 100.0, 0.0), None),
        ((0.0, 0.0, 0.0, 0.0), None),
        ((50.0, 5.0, 50.0, 5.0), 0.0),
        ((-1000.0, 0.0, 1000.0, 0.0), 1040.0 / 2000.0),
    ],
    ids=[
        "head-on",
        "falls-short",
        "starts-inside",
        "passes-by",
        "grazes",
        "from-the-other-side",
        "moving-away",
        "zero-length-outside",
        "zero-length-inside",
        "fast-tunnel",
    ],
)
def test_segment_circle_hit(segment: tuple[float, float, float, float], t: float | None) -> None:
    result = segment_circle_hit(*segment, 50.0, 0.0, 10.0)
    if t is None:
        assert result is None
    else:
        assert result == pytest.approx(t)


@pytest.mark.parametrize(
    ("segment", "t"),
    [
        ((0.0, 150.0, 400.0, 150.0), 0.25),
        ((0.0, 150.0, 50.0, 150.0), None),
        ((150.0, 150.0, 400.0, 150.0), 0.0),
        ((0.0, 50.0, 400.0, 50.0), None),
        ((150.0, 0.0, 150.0, 400.0), 0.25),
        ((150.0, 50.0, 150.0, 90.0), None),
        ((0.0, 0.0, 300.0, 300.0), 1.0 / 3.0),
        ((0.0, 150.0, 150.0, 0.0), None),
        ((400.0, 150.0, 0.0, 150.0), 0.5),
        ((-10000.0, 150.0, 10000.0, 150.0), 10100.0 / 20000.0),
        ((300.0, 150.0, 500.0, 150.0), None),
    ],
    ids=[
        "enters-left",
        "falls-short",
        "starts-inside",
        "parallel-outside",
        "vertical",
        "vertical-short",
        "diagonal",
        "misses-corner",
        "from-the-right",
        "fast-tunnel",
        "moving-away",
    ],
)
def test_segment_rect_hit(segment: tuple[float, float, float, float], t: float | None) -> None:
    result = segment_rect_hit(*segment, *RECT)
    if t is None:
        assert result is None
    else:
        assert result == pytest.approx(t)
