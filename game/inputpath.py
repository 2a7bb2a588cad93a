"""A seated player's INPUT frames, from the web server's frame sink to the match, compiled.

Once the engine has granted a player its seat, the player's socket hands the web server an
``InputPath`` as its frame sink (``game.wsprotocol.FRAME_SINK``) in place of its own
``frame_received``. Each binary frame is then rate-limited, decoded and, if it is an INPUT,
submitted to the input batcher (which applies it at once to a match of this process's own
engine worker) without a call into the socket's interpreted code: 20 inputs a second per player
are the bulk of a web process's frames. Every other frame (PING, RESYNC, LEAVE, chat) goes to
the socket's ``frame_decoded``, a refused frame to its ``frame_refused`` and a frame over the
rate limit to its ``frame_limited``, exactly as ``frame_received`` treats them.
"""

from __future__ import annotations

import time
from typing import Protocol

from engine.protocol import (
    ClientMessage,
    CloseCode,
    InputMessage,
    ProtocolError,
    decode_client_frame,
)
from engine.schema import InputSchema
from game.inputs import InputBatcher
from lobby.looplag import LoopLag
from lobby.ratelimit import FrameRateLimiter


class InputOwner(Protocol):
    """The player's socket, as its input path sees it."""

    closing: bool
    engine_channel: str | None
    match_id: str
    player_id: int | None

    def frame_decoded(self, frame: ClientMessage) -> None:
        """A valid frame other than INPUT."""

    def frame_refused(self, code: CloseCode, reason: str) -> None:
        """An invalid frame: the socket closes with ``code``."""

    def frame_limited(self, now: float) -> None:
        """A frame over the rate limit was dropped (the socket tells the client, or closes)."""


class InputPath:
    """Takes one player's binary client frames straight from the web server."""

    def __init__(
        self,
        owner: InputOwner,
        limiter: FrameRateLimiter,
        lag: LoopLag | None,
        inputs: InputSchema,
        batcher: InputBatcher,
    ) -> None:
        self.owner = owner
        self.match_id = owner.match_id  # a socket watches one match for its whole life
        self.limiter = limiter
        self.lag = lag
        self.inputs = inputs
        self.batcher = batcher

    def take(self, data: bytes) -> None:
        """One binary frame from the client, as the socket's ``frame_received`` would take it."""
        owner = self.owner
        if owner.closing:
            return
        now = time.monotonic()
        lag = self.lag
        if not self.limiter.allow(now, lag.lag if lag is not None else 0.0):
            owner.frame_limited(now)
            return
        try:
            frame = decode_client_frame(data, self.inputs)
        except ProtocolError as exc:
            owner.frame_refused(exc.code, str(exc))
            return
        if isinstance(frame, InputMessage):
            channel = owner.engine_channel
            player_id = owner.player_id
            if channel is not None and player_id is not None:
                self.batcher.submit(channel, self.match_id, player_id, frame.seq, frame.values)
        else:
            owner.frame_decoded(frame)
