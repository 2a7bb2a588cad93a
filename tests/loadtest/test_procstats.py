"""The bench's CPU figures count a server process's descendants too."""

from __future__ import annotations

import subprocess
import sys
import time

import psutil
import pytest

from loadtest.procstats import UsageSampler

pytestmark = pytest.mark.timeout(30)

# a parent that only waits on a child that spins (as a web process and its replay compressor)
PARENT = (
    "import subprocess, sys; "
    "subprocess.run([sys.executable, '-c', 'import sys; sys.stdout.write(\"go\\\\n\"); "
    "sys.stdout.flush()\\nwhile True: pass'])"
)


def test_a_process_is_charged_for_the_cpu_of_its_children() -> None:
    parent = subprocess.Popen([sys.executable, "-c", PARENT], stdout=subprocess.PIPE)
    try:
        assert parent.stdout is not None
        assert parent.stdout.readline() == b"go\n"  # the child spins from here on
        sampler = UsageSampler({"parent": parent.pid})
        sampler.start()
        spun = psutil.Process(parent.pid).children()[0]
        before = sum(spun.cpu_times()[:2])
        while sum(spun.cpu_times()[:2]) - before < 0.3:
            time.sleep(0.05)
        usage = sampler.stop()["parent"]
        assert usage.cpu_seconds is not None and usage.cpu_seconds >= 0.3
    finally:
        for child in psutil.Process(parent.pid).children(recursive=True):
            child.kill()
        parent.kill()
        parent.wait()
