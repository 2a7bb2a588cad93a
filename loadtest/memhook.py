"""Inside a web process of ``loadtest.memprobe``: its memory figures on a signal.

``loadtest.memprobe`` puts a ``sitecustomize`` on the web processes' path that calls
``install()``. From then on SIGUSR1 writes ``DIR/PID-N.json`` (RSS, Python's traced memory,
glibc's ``mallinfo2``, pymalloc's arenas and the bytes in use in them, live objects by type)
and, when tracemalloc runs, the snapshot ``DIR/PID-N.snap``; SIGUSR2 writes the same figures
around a ``malloc_trim(0)``. Only the standard library: it is imported before Django or the
project's modules.
"""

from __future__ import annotations

import ctypes
import gc
import json
import os
import signal
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from typing import Any

DIR_ENV = "MEMPROBE_DIR"  # where the figures go; the hook installs only where it is set
FRAMES_ENV = "MEMPROBE_TRACEMALLOC"  # tracemalloc's frames per traceback; unset or 0: off
MALLINFO_FIELDS = (
    "arena",  # bytes the main and thread arenas got with brk/mmap
    "ordblks",
    "smblks",
    "hblks",
    "hblkhd",  # bytes in chunks mmapped on their own
    "usmblks",
    "fsmblks",
    "uordblks",  # bytes in use
    "fordblks",  # bytes free, kept by the allocator
    "keepcost",
)


class _Mallinfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in MALLINFO_FIELDS]


def _libc() -> ctypes.CDLL:
    libc = ctypes.CDLL("libc.so.6")
    libc.mallinfo2.restype = _Mallinfo2
    return libc


def rss() -> int:
    """This process's resident set, in bytes."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def mallinfo(libc: ctypes.CDLL) -> dict[str, int]:
    """glibc's figures over all its arenas."""
    info = libc.mallinfo2()
    return {name: int(getattr(info, name)) for name in MALLINFO_FIELDS}


def pymalloc() -> dict[str, int]:
    """pymalloc's arena bytes ("Total") and bytes in use, from ``sys._debugmallocstats``."""
    with tempfile.TemporaryFile("w+") as out:
        saved = os.dup(2)  # it writes to fd 2
        sys.stderr.flush()
        os.dup2(out.fileno(), 2)
        try:
            sys._debugmallocstats()
        finally:
            os.dup2(saved, 2)
            os.close(saved)
        out.seek(0)
        text = out.read()
    found: dict[str, int] = {}
    for line in text.splitlines():  # the first "Total" is the arenas' (then come the others)
        name, equals, value = line.partition("=")
        if equals and name.startswith(("# bytes in allocated blocks", "Total")):
            found.setdefault(name.strip(), int(value.strip().replace(",", "")))
    return found


def figures(libc: ctypes.CDLL) -> dict[str, Any]:
    """Everything at once, after a full collection."""
    gc.collect()
    types = Counter(f"{type(o).__module__}.{type(o).__qualname__}" for o in gc.get_objects())
    return {
        "pid": os.getpid(),
        "at": time.time(),
        "rss": rss(),
        "traced": tracemalloc.get_traced_memory()[0] if tracemalloc.is_tracing() else None,
        "malloc": mallinfo(libc),
        "pymalloc": pymalloc(),
        "objects": sum(types.values()),
        "types": types.most_common(300),
        "garbage": len(gc.garbage),
    }


def install() -> None:
    """Start tracemalloc if asked and answer SIGUSR1 / SIGUSR2 (see the module docstring)."""
    out = os.environ.get(DIR_ENV)
    if not out:
        return
    frames = int(os.environ.get(FRAMES_ENV) or 0)
    if frames:
        tracemalloc.start(frames)
    libc = _libc()
    count = 0

    def dump(trim: bool) -> None:
        nonlocal count
        count += 1
        info = figures(libc)
        if trim:
            libc.malloc_trim(0)
            info["rss_after_trim"] = rss()
            info["malloc_after_trim"] = mallinfo(libc)
        elif tracemalloc.is_tracing():
            tracemalloc.take_snapshot().dump(f"{out}/{os.getpid()}-{count}.snap")
        with open(f"{out}/{os.getpid()}-{count}.json.part", "w") as file:
            json.dump(info, file)
        os.replace(f"{out}/{os.getpid()}-{count}.json.part", f"{out}/{os.getpid()}-{count}.json")

    signal.signal(signal.SIGUSR1, lambda signum, frame: dump(False))
    signal.signal(signal.SIGUSR2, lambda signum, frame: dump(True))
