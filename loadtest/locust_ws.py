"""WebSocket connections for the locust users, each frame a locust request event.

websocket-client is a blocking client; locust monkey-patches the standard library with gevent
before a locustfile is imported, so its sockets cooperate with the other users' greenlets.
Frames are binary msgpack arrays (docs/protocol.md). A socket reports to locust's statistics
with ``report``: ``request_type`` is the socket's kind ("LOBBY", "WS" for a match, "WATCH"),
``name`` the message ("KEYFRAME", "send INPUT", "connect", "close"...).
"""

from __future__ import annotations

import contextlib
import struct
import time
from typing import Any
from urllib.parse import urlsplit

import msgpack
import websocket
from websocket import ABNF

from engine.protocol import MessageType

# Frame names as docs/protocol.md spells them; 4, 16 and 17 belong to the spectator protocol.
NAMES: dict[int, str] = {int(t): t.name for t in MessageType}
NAMES.update(
    {int(MessageType.SNAPSHOT): "KEYFRAME", 4: "FOLLOW", 16: "SPECTATORS", 17: "SPECTATING"}
)


def frame_name(kind: Any) -> str:
    """The name of a frame type, for the statistics."""
    return NAMES.get(kind, f"type {kind!r}") if isinstance(kind, int) else "malformed"


def ws_base(host: str) -> str:
    """``ws://host:port`` (or ``wss://``) for locust's ``--host`` (``http://`` or ``https://``)."""
    parts = urlsplit(host.rstrip("/"))
    scheme = "wss" if parts.scheme == "https" else "ws"
    return f"{scheme}://{parts.netloc}"


def mark_reported(exc: BaseException) -> None:
    """Note that ``exc`` is in locust's statistics already (see ``reported``)."""
    with contextlib.suppress(AttributeError):
        exc.arena_reported = True  # type: ignore[attr-defined]


def reported(exc: BaseException) -> bool:
    """Whether ``exc`` was reported as a failure where it happened."""
    return bool(getattr(exc, "arena_reported", False))


class Closed(Exception):
    """The socket closed: ``code`` is the close code, None when the connection was just lost."""

    def __init__(self, code: int | None, reason: str = "") -> None:
        super().__init__(f"closed {code if code is not None else '(connection lost)'} {reason}")
        self.code = code
        self.reason = reason


class Unexpected(Exception):
    """A failure the client noticed (a close it did not expect, a missing frame...)."""


class ArenaSocket:
    """One WebSocket of one user; ``kind`` is its request type in locust's statistics."""

    def __init__(
        self, events: Any, kind: str, url: str, cookie: str | None = None, timeout: float = 10.0
    ) -> None:
        self.events = events
        self.kind = kind
        self.url = url
        self.cookie = cookie
        self.timeout = timeout
        self.ws: websocket.WebSocket | None = None
        self.closing = False  # the client closes it: whatever happens next is expected
        self.opened_at = 0.0

    def report(
        self,
        name: str,
        response_time: float,
        length: int = 0,
        exception: BaseException | None = None,
    ) -> None:
        """One request event for locust's statistics (an exception: a failure, marked reported)."""
        if exception is not None:
            mark_reported(exception)
        self.events.request.fire(
            request_type=self.kind,
            name=name,
            response_time=response_time,
            response_length=length,
            exception=exception,
            context={},
            url=self.url.split("?", 1)[0],
        )

    def connect(self) -> None:
        """Open the socket (reported as ``connect``, its time the handshake's); raises on failure.

        ``timeout`` bounds the handshake and later every wait for a frame, unless changed with
        ``set_timeout``.
        """
        start = time.perf_counter()
        try:
            self.ws = websocket.create_connection(
                self.url,
                timeout=self.timeout,
                header=[f"Cookie: {self.cookie}"] if self.cookie else None,
                suppress_origin=True,  # not a browser (game/origin.py lets such clients in)
                enable_multithread=True,  # one greenlet reads while another sends
                skip_utf8_validation=True,
            )
        except Exception as exc:
            self.report("connect", (time.perf_counter() - start) * 1000, 0, exc)
            raise
        self.opened_at = time.perf_counter()
        self.report("connect", (self.opened_at - start) * 1000)

    def set_timeout(self, timeout: float | None) -> None:
        """How long ``recv`` waits for a frame (None: for ever)."""
        assert self.ws is not None
        self.ws.settimeout(timeout)

    def send(self, frame: list[Any], name: str | None = None) -> int:
        """Send one frame, reported as ``send <name>``; raises on failure (not reported)."""
        assert self.ws is not None
        data = msgpack.packb(frame)
        start = time.perf_counter()
        self.ws.send_bytes(data)
        self.report(
            f"send {name or frame_name(frame[0])}", (time.perf_counter() - start) * 1000, len(data)
        )
        return len(data)

    def recv(self) -> tuple[list[Any], int, float]:
        """The next frame, its size in bytes and its arrival time (Unix seconds).

        Raises ``Closed`` when the socket closes, and websocket-client's
        ``WebSocketTimeoutException`` after ``timeout`` seconds without a frame.
        """
        ws = self.ws
        assert ws is not None
        try:
            while True:  # websocket-client's recv_data_frame, minus its failing close reply
                frame = ws.recv_frame()
                opcode = frame.opcode
                if opcode in (ABNF.OPCODE_TEXT, ABNF.OPCODE_BINARY, ABNF.OPCODE_CONT):
                    ws.cont_frame.validate(frame)
                    ws.cont_frame.add(frame)
                    if ws.cont_frame.is_fire(frame):
                        opcode, frame = ws.cont_frame.extract(frame)
                        break
                elif opcode == ABNF.OPCODE_CLOSE:
                    data = frame.data or b""
                    code = struct.unpack("!H", data[:2])[0] if len(data) >= 2 else None
                    with contextlib.suppress(Exception):  # the peer may be gone already
                        ws.send_close()
                    raise Closed(code, data[2:].decode("utf-8", "replace"))
                elif opcode == ABNF.OPCODE_PING:
                    with contextlib.suppress(Exception):
                        ws.pong(frame.data)
        except (websocket.WebSocketConnectionClosedException, ConnectionError) as exc:
            raise Closed(None, str(exc) or type(exc).__name__) from exc
        except OSError as exc:
            if self.closing:
                raise Closed(None, "closed by the client") from exc
            raise
        arrived = time.time()
        data = frame.data
        if opcode != ABNF.OPCODE_BINARY:
            raise Unexpected(f"a text frame: {data[:80]!r}")
        decoded = msgpack.unpackb(data)
        if not isinstance(decoded, list) or not decoded:
            raise Unexpected(f"a frame that is not a msgpack array: {decoded!r:.80}")
        return decoded, len(data), arrived

    def close(self, code: int = 1000) -> None:
        """Close from the client's side, quietly: whatever the socket does next is expected.

        The close frame is sent and the TCP connection shut down at once: another greenlet may
        be blocked reading this socket, and it then sees ``Closed``.
        """
        self.closing = True
        ws = self.ws
        if ws is None:
            return
        with contextlib.suppress(Exception):  # the connection may be gone already
            if ws.connected:
                ws.send_close(code, b"")
        with contextlib.suppress(Exception):
            ws.shutdown()
