"""uvicorn's WebSocket protocol with bounded per-socket buffers, for game traffic.

Run uvicorn with ``--ws game.wsprotocol:ArenaWebSocketProtocol`` (the Makefile and Procfile do).

A snapshot is worth something for a fraction of a second, but by default a socket whose client
stops reading keeps accepting them for a long time: asyncio buffers up to 64 KiB in the process
before ``send`` waits, and Linux grows the kernel's send buffer up to megabytes. With 100-byte
snapshots that is minutes of stale game state, and the consumer cannot tell. This protocol
lowers the process's limit (``ARENA_WS_WRITE_BUFFER``, 4 KiB) so a client that does not keep up
makes ``send`` wait soon; the consumer then keeps only the newest snapshot and closes the socket
with 4015 when the client stays behind. The kernel's buffer can be fixed too
(``ARENA_WS_SEND_BUFFER``), but by default Linux's autotuning is kept: a fixed small buffer
made every write measurably dearer, and a client that stops reading stops the autotuning.

Binary frames can skip the ASGI queue: an app that finds ``FRAME_SINK`` in the scope's
extensions may register a function that the protocol then calls with each binary message as it
is parsed. For a game socket that sends 20 inputs a second this saves, per input, a trip through
the queue, a task switch, and the pause and resume of reading that uvicorn does around every
queued message. Text frames, and everything else, still go through ASGI.

Once the sink is registered, the client's frames are also cut out of the byte stream here
(``FrameCutter``): a complete, final, masked binary frame goes to the sink unmasked, without the
websockets library's generator-based parser, its frame object and its event list; any other
complete frame (a text frame, a ping or pong, a close, a compressed frame) is handed to the
library whole, at a frame boundary, so it keeps its own checks and answers. A fragmented message,
or a length beyond the socket's limit, hands the rest of the stream to the library for good.

Binary frames can also skip the ASGI send path (``FRAME_WRITER``): the app may call a function
that writes a binary message straight to the transport when the socket can take it, and
returns False when it cannot (the app then awaits ASGI ``send``, which waits for the buffer).
Both directions go through one compiled object per socket (``DirectPath``) whose flags the
protocol keeps current, so a frame reads no attribute of the protocol or its connection.
The frame's bytes are encoded once per message, not once per socket (``binary_frame``): a
match's snapshot goes to every socket of the match unchanged, and server frames are not masked.
For a socket that gets 20 snapshots a second this saves three coroutines, an ASGI message, a
frame object and its encoding per frame.

It also lets such a close through at once: a close frame normally waits for the buffer to drain
like any frame, which a client that stopped reading never does. Here the close frame is queued
immediately, and if the client has not taken it within ``ABORT_AFTER`` seconds the connection is
aborted.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Callable
from typing import Any

from django.conf import settings
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.frames import Frame, Opcode
from websockets.protocol import State
from websockets.speedups import apply_mask

from game.addresslimits import RATE_CHECKED, rate_checked_upgrades

logger = logging.getLogger(__name__)

ABORT_AFTER = 5.0  # seconds a closing socket may take to drain before it is cut
FRAME_SINK = "arena.frame_sink"  # scope extension: register a callable for binary messages
FRAME_WRITER = "arena.frame_writer"  # scope extension: write a binary message now, if possible
SHUTDOWN_REASON = "server restarting: reconnect"  # the text of the 1012 close at shutdown
ENCODED_FRAMES_CACHED = 2048  # distinct messages whose encoded frame is kept (a few ticks' worth)

FrameSink = Callable[[bytes], None]
FrameWriter = Callable[[bytes], bool]
BinaryFrame = Callable[[bytes, bytes], None]  # (unmasked payload, the frame's raw bytes)

FIN_BINARY = 0x82  # first header byte of a final, uncompressed binary frame
CONTROL_BIT = 0x08  # opcodes 8-15 are control frames (close, ping, pong)
OPCODE_CONTINUATION = 0x00
MASK_BIT = 0x80


class FrameCutter:
    """Cuts a client's byte stream into WebSocket frames (RFC 6455 5.2).

    Complete, final, masked binary frames go to ``binary`` unmasked (with their raw bytes),
    every other complete frame to ``other`` as its raw bytes. ``max_size`` bounds a frame's
    payload: past it, or at the first frame of a fragmented message, ``cut`` returns the
    unparsed rest and the cutter is done (the caller hands it to a full parser).
    """

    def __init__(self, binary: BinaryFrame, other: Callable[[bytes], None], max_size: int) -> None:
        self.binary = binary
        self.other = other
        self.max_size = max_size
        self.pending = b""
        self.done = False

    def cut(self, data: bytes) -> bytes | None:
        """Take ``data``; None while cutting goes on, else the bytes the cutter did not take."""
        buffer = self.pending + data if self.pending else data
        size = len(buffer)
        position = 0
        while size - position >= 2:
            first = buffer[position]
            second = buffer[position + 1]
            length = second & 0x7F
            header = 2
            if length == 126:
                if size - position < 4:
                    break
                length = int.from_bytes(buffer[position + 2 : position + 4], "big")
                header = 4
            elif length == 127:
                if size - position < 10:
                    break
                length = int.from_bytes(buffer[position + 2 : position + 10], "big")
                header = 10
            opcode = first & 0x0F
            if length > self.max_size or (
                not opcode & CONTROL_BIT and (not first & 0x80 or opcode == OPCODE_CONTINUATION)
            ):
                self.done = True
                self.pending = b""
                return buffer[position:]  # fragmented, or too long: the full parser decides
            masked = second & MASK_BIT
            if masked:
                header += 4
            end = position + header + length
            if end > size:
                break
            if first == FIN_BINARY and masked:
                start = end - length
                payload = apply_mask(buffer[start:end], buffer[start - 4 : start])
                try:
                    self.binary(payload, buffer[position:end])
                except Exception:
                    logger.exception("the frame sink failed on a %d-byte frame", length)
            else:
                self.other(buffer[position:end])
                if self.done:
                    return None
            position = end
        self.pending = buffer[position:] if position < size else b""
        return None


_encoded_frames: dict[bytes, bytes] = {}  # payload -> its frame, for the last few ticks


def binary_frame(payload: bytes) -> bytes:
    """The bytes of an unmasked binary WebSocket frame carrying ``payload`` (server frames),
    encoded once per message: a dictionary lookup on the payload (whose hash Python keeps)
    for every other socket of its match, emptied when it holds a few ticks' worth."""
    frame = _encoded_frames.get(payload)
    if frame is None:
        if len(_encoded_frames) >= ENCODED_FRAMES_CACHED:
            _encoded_frames.clear()
        frame = Frame(Opcode.BINARY, payload).serialize(mask=False)
        _encoded_frames[payload] = frame
    return frame


class DirectPath:
    """A socket's binary frames past ASGI, both ways: the client's to the app's sink, the
    app's straight to the transport.

    The protocol keeps its flags current (accepted, writes paused, closing), so that each frame
    in or out reads them here, in one compiled object, and not as attributes of the protocol
    and its connection, which at 20 frames a second each way per socket were a measurable
    share of a web process.
    """

    def __init__(self, transport: asyncio.Transport, whole_frame: Callable[[bytes], None]) -> None:
        self.transport = transport
        self.whole_frame = whole_frame  # the library parses a frame (no sink yet)
        self.sink: FrameSink | None = None
        self.accepted = False  # the handshake's answer went out
        self.paused = False  # the transport's buffer is above its high-water mark
        self.closing = False  # a close was sent or received, or the connection is gone

    def write(self, payload: bytes) -> bool:
        """Write one binary message at once if the socket takes it without waiting; False when
        it cannot (buffer full, closing, closed): send it through ASGI then."""
        if self.paused or self.closing or not self.accepted:
            return False
        transport = self.transport
        if transport.is_closing():
            self.closing = True
            return False
        transport.write(binary_frame(payload))
        return True

    def take(self, payload: bytes, frame: bytes) -> None:
        """A complete binary message from the cutter: to the sink, or (none yet) through ASGI
        as uvicorn does."""
        sink = self.sink
        if sink is None:
            self.whole_frame(frame)
        elif not self.closing:
            sink(payload)


class ArenaWebSocketProtocol(WebSocketsSansIOProtocol):
    """uvicorn's sans-I/O WebSocket protocol with small write buffers and prompt closes."""

    cutter: FrameCutter | None = None  # cuts the client's frames once the socket is accepted
    direct: DirectPath | None = None  # the frames past ASGI (from connection_made on)
    request_seen = False  # the handshake request was parsed
    early_frame_bytes = False  # bytes came after the request before the accept: no cutter

    def handle_connect(self, event: Any) -> None:
        """Offer the app the frame sink with the connection's scope (and say whether the
        HTTP protocol counted the socket's new-connection token, ``game.handshake``)."""
        rate_checked = self.transport in rate_checked_upgrades
        super().handle_connect(event)
        self.request_seen = True
        scope = getattr(self, "scope", None)
        if scope is not None:
            extensions = scope.setdefault("extensions", {})
            extensions[FRAME_SINK] = self._set_frame_sink
            if self.direct is not None:
                extensions[FRAME_WRITER] = self.direct.write
            if rate_checked:
                extensions[RATE_CHECKED] = True

    def _set_frame_sink(self, sink: FrameSink) -> None:
        if self.direct is not None:
            self.direct.sink = sink

    def _sync_direct(self) -> None:
        """Bring the direct path's flags up to date with the protocol's state."""
        direct = self.direct
        if direct is not None:
            direct.accepted = self.handshake_complete and self.initial_response is None
            direct.closing = (
                self.close_sent or self.disconnected or self.conn.state is not State.OPEN
            )

    def pause_writing(self) -> None:
        """The transport's buffer is full: frames go through ASGI, which waits, until it drains."""
        super().pause_writing()
        if self.direct is not None:
            self.direct.paused = True

    def resume_writing(self) -> None:
        """The transport's buffer drained: direct writes again."""
        super().resume_writing()
        if self.direct is not None:
            self.direct.paused = False

    def connection_lost(self, exc: Exception | None) -> None:
        """As uvicorn, and no direct writes from now on."""
        super().connection_lost(exc)
        if self.direct is not None:
            self.direct.closing = True

    def handle_close(self, event: Any) -> None:
        """The client's close frame: as uvicorn, and no direct writes from now on."""
        super().handle_close(event)
        self._sync_direct()

    def _start_cutting(self) -> None:
        """Cut frames here from now on (just after the accept), if the library's parser is
        at a frame boundary: no byte came after the handshake request yet."""
        if not self.early_frame_bytes and not self.conn.reader.buffer:
            limit = self.conn.max_message_size
            direct = self.direct
            assert direct is not None, "a connection has its direct path from connection_made"
            self.cutter = FrameCutter(
                direct.take, self._parse_whole_frame, limit if limit is not None else 2**63
            )

    def _parse_whole_frame(self, frame: bytes) -> None:
        """A complete frame the cutter does not take: the library parses and answers it."""
        super().data_received(frame)
        self._sync_direct()
        if self.conn.state is not State.OPEN and self.cutter is not None:
            self.cutter.done = True  # closing: the library sees everything from here on

    def data_received(self, data: bytes) -> None:
        """Cut the client's frames here once the socket is accepted; before, as uvicorn."""
        cutter = self.cutter
        if cutter is None or cutter.done:
            if self.request_seen and not self.handshake_complete:
                self.early_frame_bytes = True  # sent before the accept: the library parses all
            super().data_received(data)
            self._sync_direct()
            return
        rest = cutter.cut(data)
        if rest is not None:
            self.cutter = None
            if rest:
                super().data_received(rest)
                self._sync_direct()

    def send_receive_event_to_app(self) -> None:
        """Hand a complete binary message to the frame sink if there is one, else to ASGI."""
        sink = self.direct.sink if self.direct is not None else None
        if sink is None or self.curr_msg_data_type != "bytes" or self.close_sent:
            super().send_receive_event_to_app()
            return
        frames = self.frames
        self.frames = []
        data = frames[0] if len(frames) == 1 else b"".join(frames)
        try:
            sink(data)
        except Exception:
            logger.exception("the frame sink failed on a %d-byte frame", len(data))

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Bound the process and kernel buffers of the new connection."""
        super().connection_made(transport)
        self.direct = DirectPath(self.transport, self._parse_whole_frame)
        config = settings.ARENA
        high = config.ws_write_buffer
        self.transport.set_write_buffer_limits(high=high, low=high // 4)
        sock = transport.get_extra_info("socket")
        if config.ws_send_buffer and sock is not None:
            try:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, config.ws_send_buffer)
            except OSError as exc:  # not a TCP socket (a Unix socket in tests, say)
                logger.debug("could not set SO_SNDBUF: %s", exc)

    async def send(self, message: Any) -> None:
        """Send an ASGI message; a close goes out even while the client is not reading."""
        if (
            message["type"] == "websocket.close"
            and self.handshake_complete
            and not self.close_sent
            and not self.writable.is_set()
        ):
            self.writable.set()  # the close frame joins the buffer instead of waiting
            try:
                await super().send(message)
            finally:
                if not self.disconnected:
                    self.writable.clear()
                self._sync_direct()
            self.loop.call_later(ABORT_AFTER, self._abort_if_open)
            return
        accepting = message["type"] == "websocket.accept" and not self.handshake_complete
        try:
            await super().send(message)
        finally:
            self._sync_direct()
        if accepting and self.handshake_complete:
            self._start_cutting()

    def shutdown(self) -> None:
        """As uvicorn's shutdown, with a reason on the 1012 close frame (docs/protocol.md 8)."""
        if self.close_sent or not self.handshake_complete or self.initial_response is not None:
            super().shutdown()
            return
        self.stop_keepalive()
        self.queue.put_nowait({"type": "websocket.disconnect", "code": 1012})
        self.conn.send_close(1012, SHUTDOWN_REASON)
        self.transport.write(b"".join(self.conn.data_to_send()))
        self.transport.close()

    def _abort_if_open(self) -> None:
        if not self.disconnected:
            self.transport.abort()
