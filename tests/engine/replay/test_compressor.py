"""The compressor's process: the same bytes as compressing in place, its CPU counted, and gone
with its parent when the parent is killed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from engine.replay.compressor import NICENESS, ProcessCompressor
from engine.replay.format import DELTA, KEYFRAME, compress_segment, read_records

pytestmark = pytest.mark.timeout(60)

RECORDS = [(KEYFRAME, 1, b"\x93\x0b\x01\x00"), (DELTA, 2, b"\x92\x0c\x02")]


def test_a_segment_compressed_in_the_child_is_the_segment_compressed_here() -> None:
    compressor = ProcessCompressor()
    try:
        data = compressor(RECORDS)
    finally:
        compressor.close()
    assert data == compress_segment(RECORDS)
    assert list(read_records(data)) == RECORDS
    assert compressor.cpu_seconds > 0


CHILD_OF_A_KILLED_PARENT = """
import os, sys
from engine.replay.compressor import NICENESS, ProcessCompressor
from engine.replay.format import KEYFRAME
compressor = ProcessCompressor()
compressor([(KEYFRAME, 1, b"\\x90")])
print(*[p.pid for p in compressor._pool._processes.values()], flush=True)
sys.stdin.read()
"""


def test_the_child_ends_when_its_parent_is_killed() -> None:
    parent = subprocess.Popen(
        [sys.executable, "-c", CHILD_OF_A_KILLED_PARENT],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=os.getcwd(),
    )
    assert parent.stdout is not None
    child = int(parent.stdout.readline())
    os.kill(parent.pid, signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    os.kill(child, signal.SIGKILL)
    pytest.fail("the compressor's process outlived its killed parent")


def child_niceness() -> int:
    """The compressor child's niceness (run in the child)."""
    return os.nice(0)


def test_the_child_runs_at_a_lower_priority_than_its_parent() -> None:
    compressor = ProcessCompressor()
    try:
        compressor(RECORDS)
        assert compressor._pool is not None
        child = compressor._pool.submit(child_niceness).result()
    finally:
        compressor.close()
    assert child == min(19, os.nice(0) + NICENESS)
