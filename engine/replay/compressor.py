"""Compressing segments in a process of its own, so that an engine's recordings never hold its
event loop's interpreter (taking frames apart into columns is Python work: ``columns``).

``ProcessCompressor`` is what the recorder's writer thread calls: it hands a segment's records
to a one-process pool (started with ``spawn``, on first use) and waits for the bytes; the CPU
the child spent is added up in ``cpu_seconds``. A pool that broke is started again next time.
The child ends itself once its parent is gone (an engine killed with SIGKILL leaves nothing),
and runs at a lower priority than its parent: where the cores are busy, the event loops that
write the match frames come first, and segments, which may wait, are compressed in what is
left.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from engine.replay.format import Record, compress_segment

logger = logging.getLogger(__name__)


PARENT_CHECK_INTERVAL = 1.0  # seconds between two looks at whether the parent still runs
NICENESS = 10  # added to the child's: a tenth of a busy core's share against its parent


def _start_child(parent: int) -> None:
    """In the child: lower its priority, and end it once ``parent`` is gone."""
    try:
        os.nice(NICENESS)
    except OSError:
        logger.warning("the replay compressor runs at its parent's priority", exc_info=True)
    _watch_parent(parent)


def _watch_parent(parent: int) -> None:
    """In the child: a thread that ends the process once ``parent`` is no longer its parent."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_CHECK_INTERVAL)
        os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def compress_timed(records: Sequence[Record]) -> tuple[bytes, float]:
    """A compressed segment and the CPU seconds it took (run in the child)."""
    started = time.process_time()
    data = compress_segment(records)
    return data, time.process_time() - started


class ProcessCompressor:
    """``compress_segment`` run in a child process."""

    def __init__(self) -> None:
        self._pool: ProcessPoolExecutor | None = None
        self.cpu_seconds = 0.0  # spent in the child

    def __call__(self, records: Sequence[Record]) -> bytes:
        """The compressed segment (blocking: call it from a thread)."""
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                1,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_child,
                initargs=(os.getpid(),),
            )
        try:
            data, cpu = self._pool.submit(compress_timed, list(records)).result()
        except BrokenProcessPool:
            logger.error("the replay compressor's process died; starting another")
            self._pool = None
            raise
        self.cpu_seconds += cpu
        return data

    def close(self) -> None:
        """Stop the child process."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
