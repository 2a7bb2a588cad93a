"""Display names players choose: what is allowed and how it is normalised."""

from __future__ import annotations

import re

MAX_NAME_LENGTH = 16
_ALLOWED = re.compile(r"[\w .\-]+")


class InvalidName(ValueError):
    """A display name that is empty, too long or has characters that are not allowed."""


def clean_display_name(raw: str | None) -> str:
    """Strip and validate a display name; raises InvalidName with a reason."""
    name = (raw or "").strip()
    if not name:
        raise InvalidName("a display name is required")
    if len(name) > MAX_NAME_LENGTH:
        raise InvalidName(f"a display name has at most {MAX_NAME_LENGTH} characters")
    if not _ALLOWED.fullmatch(name):
        raise InvalidName("a display name may hold letters, digits, spaces, _ - and .")
    return name
