"""HTTP byte ranges (RFC 9110 section 14): which bytes of a body a ``Range`` header asks for.

One range is served; a header this server does not serve (another unit, several ranges, bad
syntax) may be ignored, as the RFC allows: the whole body is sent. Pure.
"""

from __future__ import annotations


class RangeNotSatisfiable(ValueError):
    """The range starts past the end of the body (answered with 416)."""


def byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """``(first, last)`` byte (inclusive) that ``header`` asks of a body of ``size`` bytes;
    None for the whole body."""
    if not header:
        return None
    unit, _, spec = header.strip().partition("=")
    if unit.strip().lower() != "bytes" or "," in spec:
        return None
    first_text, dash, last_text = spec.strip().partition("-")
    if not dash:
        return None
    first_text, last_text = first_text.strip(), last_text.strip()
    if not (first_text.isdigit() or first_text == "") or not (
        last_text.isdigit() or last_text == ""
    ):
        return None
    if first_text == "":  # the last N bytes
        if last_text == "":
            return None
        length = int(last_text)
        if length == 0:
            raise RangeNotSatisfiable(header)
        return max(0, size - length), size - 1
    first = int(first_text)
    last = size - 1 if last_text == "" else min(int(last_text), size - 1)
    if last_text and int(last_text) < first:
        return None  # invalid: ignored
    if first >= size:
        raise RangeNotSatisfiable(header)
    return first, last
