"""The Node fan-out load client (fanout-client.mjs) as a subprocess driven by its JSON events."""

from __future__ import annotations

import contextlib
import json
import logging
import queue
import shutil
import subprocess
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any

from loadtest.stack import ROOT

logger = logging.getLogger(__name__)

CLIENT_SCRIPT = Path(__file__).with_name("fanout-client.mjs")


class LoadClientError(RuntimeError):
    """The load client exited, or did not report in time."""


PLAYER, SPECTATOR = "player", "spectator"


@dataclass
class SocketSpec:
    """One client socket: its URL (query string included), its own headers, and what it is.

    ``role`` is ``"player"`` or ``"spectator"`` (a spectator sends nothing and is reported
    apart); ``watched`` marks a player of the match the spectators watch (reported apart too).
    """

    url: str
    headers: dict[str, str] = field(default_factory=dict)
    role: str = PLAYER
    watched: bool = False


@dataclass
class LoadJob:
    """What the load client does; see fanout-client.mjs for each field."""

    sockets: list[SocketSpec]
    ramp: float = 200.0
    connect_timeout_s: float = 30.0
    warmup_s: float = 5.0
    duration_s: float = 20.0
    input_rate: float = 0.0
    tick_ms: float = 50.0
    measure_on_command: bool = False  # wait for ``LoadClient.measure_now`` after the warm-up

    def to_json(self) -> str:
        """The job as one line of JSON."""
        return json.dumps(asdict(self), separators=(",", ":"))


def node_binary() -> str:
    """The ``node`` executable; fails with a hint when Node or the ``ws`` package is missing."""
    node = shutil.which("node")
    if node is None:
        raise LoadClientError("the fan-out client needs Node.js (node) on PATH")
    if not (ROOT / "node_modules" / "ws").is_dir():
        raise LoadClientError("the fan-out client needs the npm packages: run `npm ci`")
    return node


class LoadClient:
    """A running fanout-client.mjs: closing its stdin (``stop``) makes it report and exit."""

    def __init__(self, job: LoadJob, log: Path) -> None:
        self.job = job
        self.log_path = log
        self.process: subprocess.Popen[str] | None = None
        self.events: queue.Queue[dict[str, Any] | None] = queue.Queue()

    @property
    def pid(self) -> int:
        """The Node process id."""
        assert self.process is not None
        return self.process.pid

    def start(self) -> None:
        """Start Node and hand it the job on stdin (which stays open)."""
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                [node_binary(), str(CLIENT_SCRIPT), "-"],
                cwd=ROOT,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
                text=True,
            )
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(self.job.to_json() + "\n")
        self.process.stdin.flush()
        threading.Thread(
            target=self._read, args=(self.process.stdout,), name="load-client", daemon=True
        ).start()

    def _read(self, stdout: IO[str]) -> None:
        for line in stdout:
            line = line.strip()
            if not line:
                continue
            try:
                self.events.put(json.loads(line))
            except ValueError:
                logger.warning("load client: %s", line)
        self.events.put(None)

    def wait_for(self, event: str, timeout: float) -> dict[str, Any]:
        """The next event named ``event`` (a result ends the wait early: it is returned)."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise LoadClientError(f"no {event!r} from the load client in {timeout:.0f} s")
            try:
                message = self.events.get(timeout=left)
            except queue.Empty:
                continue
            if message is None:
                raise LoadClientError(f"the load client exited before {event!r}\n{self.stderr()}")
            if message.get("event") in (event, "result"):
                return message

    def measure_now(self) -> None:
        """Start the measurement window now (a job with ``measure_on_command``)."""
        assert self.process is not None and self.process.stdin is not None
        self.process.stdin.write(json.dumps({"command": "measure"}) + "\n")
        self.process.stdin.flush()

    def stop(self, timeout: float = 10.0) -> dict[str, Any] | None:
        """Ask for the result (close stdin), wait for the exit; the result if one came."""
        if self.process is None:
            return None
        result = None
        if self.process.poll() is None and self.process.stdin is not None:
            with contextlib.suppress(OSError):
                self.process.stdin.close()
            try:
                result = self.wait_for("result", timeout)
            except LoadClientError:
                result = None
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        return result

    def stderr(self) -> str:
        """The end of the client's stderr, for error messages."""
        try:
            return self.log_path.read_text(errors="replace")[-2000:]
        except OSError:
            return ""
