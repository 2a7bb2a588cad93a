"""The kinds of a replay's records (docs/protocol.md section 11): what ``format`` and
``columns`` both speak of. Pure."""

from __future__ import annotations

from typing import Any

KEYFRAME = 0
DELTA = 1
RESULT = 2
GAP = 3

Record = tuple[Any, ...]
