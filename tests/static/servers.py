"""The embedded web server the browser tests drive: one process, no Redis, settings per module."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest

from loadtest.stack import Stack, base_env


@contextlib.contextmanager
def embedded_web(
    tmp_path_factory: pytest.TempPathFactory, name: str, **settings: str
) -> Iterator[str]:
    """A web process of its own for ``name`` with ``settings`` (``ARENA_...``); its base URL."""
    tmp = tmp_path_factory.mktemp(name)
    stack = Stack(base_env(tmp, None, name, **settings), tmp)
    try:
        [base] = stack.start_all([], ["web"])
        yield base
    finally:
        stack.stop()
