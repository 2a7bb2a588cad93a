"""One log line when an operation starts failing and one when it works again, not one per try.

A Redis restart makes every loop that talks to Redis fail many times a second; logging each
failure with its traceback would bury what matters. Pure: the caller says when it failed or
succeeded.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable


class FailureLog:
    """The failures of one repeated operation, logged once per run of failures."""

    def __init__(
        self, logger: logging.Logger, what: str, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.logger = logger
        self.what = what
        self.clock = clock
        self.failures = 0  # in the current run
        self.total = 0  # since the start
        self._since: float | None = None

    @property
    def failing(self) -> bool:
        """True between a failure and the next success."""
        return self._since is not None

    def failed(self, error: BaseException) -> None:
        """The operation failed with ``error``: the first of a run is logged with its traceback."""
        self.failures += 1
        self.total += 1
        if self._since is None:
            self._since = self.clock()
            self.logger.error("%s failed: %r", self.what, error, exc_info=error)

    def succeeded(self) -> None:
        """The operation worked: a run of failures, if any, is over and logged as such."""
        if self._since is None:
            return
        self.logger.warning(
            "%s works again after %d failures in %.1f s",
            self.what,
            self.failures,
            self.clock() - self._since,
        )
        self._since = None
        self.failures = 0
