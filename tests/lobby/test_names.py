"""Display name validation."""

from __future__ import annotations

import pytest

from lobby.names import InvalidName, clean_display_name


@pytest.mark.parametrize(
    ("raw", "clean"),
    [("Ada", "Ada"), ("  Bo Li  ", "Bo Li"), ("zoë_2.0-x", "zoë_2.0-x"), ("a" * 16, "a" * 16)],
)
def test_valid_names(raw: str, clean: str) -> None:
    assert clean_display_name(raw) == clean


@pytest.mark.parametrize("raw", [None, "", "   ", "a" * 17, "<script>", "tab\there", "new\nline"])
def test_invalid_names(raw: str | None) -> None:
    with pytest.raises(InvalidName):
        clean_display_name(raw)
