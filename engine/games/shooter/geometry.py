"""Pure 2D helpers for moving circles against rectangles and swept bullets."""

from __future__ import annotations

import math


def clamp(value: float, low: float, high: float) -> float:
    """``value`` limited to ``[low, high]``."""
    if value < low:
        return low
    if value > high:
        return high
    return value


def circle_rect_push(
    cx: float, cy: float, r: float, x0: float, y0: float, x1: float, y1: float
) -> tuple[float, float] | None:
    """Offset that moves a circle out of the rect ``(x0, y0)-(x1, y1)``, or None if apart."""
    nx = clamp(cx, x0, x1)
    ny = clamp(cy, y0, y1)
    dx = cx - nx
    dy = cy - ny
    d2 = dx * dx + dy * dy
    if d2 >= r * r:
        return None
    if d2 > 0.0:
        d = math.sqrt(d2)
        depth = r - d
        return (dx / d * depth, dy / d * depth)
    # The centre is inside the rect: leave through the nearest side.
    left = cx - x0
    right = x1 - cx
    top = cy - y0
    bottom = y1 - cy
    nearest = min(left, right, top, bottom)
    if nearest == left:
        return (-(left + r), 0.0)
    if nearest == right:
        return (right + r, 0.0)
    if nearest == top:
        return (0.0, -(top + r))
    return (0.0, bottom + r)


def segment_circle_hit(
    x0: float, y0: float, x1: float, y1: float, cx: float, cy: float, r: float
) -> float | None:
    """First t in [0, 1] where ``P0 + t (P1 - P0)`` is within ``r`` of the centre, or None."""
    fx = x0 - cx
    fy = y0 - cy
    c = fx * fx + fy * fy - r * r
    if c <= 0.0:
        return 0.0
    dx = x1 - x0
    dy = y1 - y0
    a = dx * dx + dy * dy
    b = fx * dx + fy * dy
    if a == 0.0 or b >= 0.0:
        return None
    disc = b * b - a * c
    if disc < 0.0:
        return None
    t = (-b - math.sqrt(disc)) / a
    return t if t <= 1.0 else None


def segment_rect_hit(
    x0: float, y0: float, x1: float, y1: float, rx0: float, ry0: float, rx1: float, ry1: float
) -> float | None:
    """First t in [0, 1] where the segment ``P0 -> P1`` is inside the rect, or None."""
    t_enter = 0.0
    t_exit = 1.0
    for start, delta, low, high in ((x0, x1 - x0, rx0, rx1), (y0, y1 - y0, ry0, ry1)):
        if delta == 0.0:
            if start < low or start > high:
                return None
            continue
        ta = (low - start) / delta
        tb = (high - start) / delta
        if ta > tb:
            ta, tb = tb, ta
        if ta > t_enter:
            t_enter = ta
        if tb < t_exit:
            t_exit = tb
        if t_enter > t_exit:
            return None
    return t_enter
