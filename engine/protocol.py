"""Wire protocol shared by the engine and the consumers: message types, codes and the codec.

Every WebSocket frame is a binary msgpack array whose first element is a ``MessageType``.
``docs/protocol.md`` documents each frame; ``static/js/core/protocol.js`` mirrors these numbers.
What a game puts in its INPUT and snapshots is declared by the game (``engine.schema``); this
module validates INPUT frames against that declaration. It imports nothing from Django, asyncio
or Redis.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import Any

import msgpack

from engine.schema import InputSchema

PROTOCOL_VERSION = 2
MAX_CLIENT_FRAME_BYTES = 64
MAX_LOBBY_FRAME_BYTES = 128
MAX_SEQ = 2**32 - 1
MAX_NONCE = 2**32 - 1
MAX_PLAYER_ID = 2**32 - 1  # FOLLOW takes any uint32; ids of real players are small
# chat frames may be longer than other client frames (but fit the web server's 512 bytes)
MAX_CHAT_FRAME_BYTES = 480
MAX_CHAT_TEXT_BYTES = 400  # a chat text's UTF-8 bytes; longer is refused (CHAT_ERROR)
MAX_CHAT_LENGTH = 200  # a chat text's characters at most (the server may allow fewer)
MAX_CHAT_CHANNEL_LENGTH = 16
MAX_MESSAGE_ID_LENGTH = 64
MAX_REPORT_REASON_LENGTH = 200


class MessageType(IntEnum):
    """First element of every frame."""

    # client -> server, match socket (PING also on the lobby socket; spectators: 2, 3 and 4)
    INPUT = 1
    PING = 2
    RESYNC = 3
    FOLLOW = 4  # a spectator's camera follows a player
    LEAVE = 5  # the player leaves the match for good: its seat is given up at once
    # server -> client, match socket (PONG also on the lobby socket)
    WELCOME = 10
    SNAPSHOT = 11  # a KEYFRAME: the whole state of the match
    DELTA = 12  # what changed since an earlier tick
    RESULT = 13
    PONG = 14
    THROTTLED = 15  # client frames are being dropped by the rate limit
    SPECTATORS = 16  # the number of spectators of the match changed
    SPECTATING = 17  # first frame on a spectator socket
    # client -> server, lobby socket
    QUEUE = 20
    CANCEL = 21
    READY_ANSWER = 22
    PARTY_CREATE = 23  # make a party for a mode of a game
    PARTY_JOIN = 24  # join a party by its id (the invite link's)
    PARTY_LEAVE = 25
    # server -> client, lobby socket
    LOBBY_WELCOME = 30
    QUEUE_STATUS = 31
    READY_CHECK = 32
    READY_UPDATE = 33
    MATCH_FOUND = 34
    READY_FAILED = 35
    QUEUE_LEFT = 36
    LOBBY_ERROR = 37
    PARTY_STATE = 38  # the player's party (its members, its leader) or nil
    # client -> server, chat (lobby, match and spectator sockets; docs/protocol.md section 12)
    CHAT_SEND = 40  # a message to one of the socket's channels
    CHAT_DIRECT = 41  # a direct message to one player
    CHAT_ROOM = 42  # lobby socket: join the chat room of a game
    CHAT_REPORT = 43  # report a message to the operators
    # server -> client, chat
    CHAT_MESSAGE = 50
    CHAT_HISTORY = 51  # the last messages of a channel, on joining it
    CHAT_ERROR = 52  # a refused chat request; the socket stays open
    CHAT_STATUS = 53  # the player's chat standing (muted or not)
    ANNOUNCEMENT = 54  # a message from the operators to everyone
    CHAT_REPORTED = 55  # a report was stored


class CloseCode(IntEnum):
    """WebSocket close codes the server uses; the close reason carries a short text."""

    NORMAL = 1000  # the player left the match (LEAVE)
    GOING_AWAY = 1001  # the match's engine worker is shutting down
    MESSAGE_TOO_BIG = 1009  # sent by the web server for frames over 512 bytes (--ws-max-size)
    SERVICE_RESTART = 1012  # sent by the web server when it shuts down
    PROTOCOL_ERROR = 4000  # frame is not a valid msgpack client message
    BINARY_ONLY = 4001  # a text frame was sent
    FRAME_TOO_LARGE = 4002  # frame longer than MAX_CLIENT_FRAME_BYTES
    MATCH_NOT_FOUND = 4004  # no such match
    MATCH_FULL = 4005  # every seat is taken
    MATCH_OVER = 4006  # the match has ended or is closing
    BAD_NAME = 4007  # display name missing or invalid
    RATE_LIMITED = 4008  # client kept sending faster than the input rate limit
    ALREADY_CONNECTED = 4009  # the player is queued, in a ready check or in another match
    TICKET_INVALID = 4010  # missing, malformed or forged match ticket
    TICKET_EXPIRED = 4011  # the match ticket is too old
    TICKET_WRONG_MATCH = 4012  # the ticket is for another match
    ENGINE_UNAVAILABLE = 4013  # the engine that owns the match did not answer
    NO_SESSION = 4014  # the lobby needs a session cookie (load the page or GET /api/session/)
    TOO_SLOW = 4015  # the client did not read its snapshots for several seconds
    READ_ONLY = 4016  # a spectator sent something other than PING, RESYNC or FOLLOW
    SPECTATORS_FULL = 4017  # the match has as many spectators as it takes
    SEAT_RELEASED = 4018  # the player was away longer than the reconnect grace period
    REPLACED = 4019  # the player connected to this match again from another socket
    JOIN_REFUSED = 4020  # the game refused to seat the player (the reason says why)
    BANNED = 4021  # an operator banned the player (the reason says until when)


class LobbyErrorCode(IntEnum):
    """Codes of LOBBY_ERROR frames: the request was refused, the socket stays open."""

    UNKNOWN_MODE = 1  # QUEUE named a mode the server does not offer
    ALREADY_ACTIVE = 2  # the player is already queued, in a ready check or in a match
    NOT_QUEUED = 3  # CANCEL while not queued
    NO_READY_CHECK = 4  # READY_ANSWER for a check that is over or not the player's
    NO_SUCH_PARTY = 5  # PARTY_JOIN for a party that does not exist (any more)
    PARTY_FULL = 6  # PARTY_JOIN for a party with as many members as a team of its mode
    IN_PARTY = 7  # PARTY_CREATE or PARTY_JOIN by a member of another party
    NOT_LEADER = 8  # QUEUE by a party member who does not lead the party
    NOT_IN_PARTY = 9  # PARTY_LEAVE outside a party


class ChatErrorCode(IntEnum):
    """Codes of CHAT_ERROR frames: a refused chat request, the socket stays open."""

    RATE_LIMITED = 1  # the sender's chat messages come too fast
    TOO_LONG = 2  # the text is over the length cap
    EMPTY = 3  # nothing left of the text once control characters and spaces are removed
    MUTED = 4  # an operator muted the player
    NO_CHANNEL = 5  # the socket is not in that channel (yet)
    NO_PLAYER = 6  # a direct message to a player that does not exist (or to oneself)
    NO_MESSAGE = 7  # a report of a message the server does not keep
    UNKNOWN_ROOM = 8  # CHAT_ROOM named a game the server does not offer
    NO_IDENTITY = 9  # a spectator without a session or a name cannot chat
    UNAVAILABLE = 10  # the server could not store or deliver the message: try again


class Phase(IntEnum):
    """Where a match is in its life; every snapshot carries it (the runtime runs them)."""

    WAITING = 0  # fewer than min_players present; what happens is the game's (free play)
    COUNTDOWN = 1  # enough players; the match starts when the countdown ends
    RUNNING = 2  # the match proper, until the game ends it, the time limit or a forfeit
    ENDED = 3  # results are final; the match closes after a few seconds


class ProtocolError(ValueError):
    """A client frame that is not a valid message; the socket closes with ``code``."""

    def __init__(self, message: str, code: CloseCode = CloseCode.PROTOCOL_ERROR) -> None:
        super().__init__(message)
        self.code = code


@dataclass(slots=True)
class InputMessage:
    """One INPUT frame: sequence number ``seq`` and the game's input values, checked against
    its InputSchema (integers within their ranges, in the schema's order). Read-only by
    convention: not frozen, because compiled a frozen dataclass is built four times slower,
    and one is built for every input of every player."""

    seq: int
    values: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class PingMessage:
    """One PING frame; the server answers with PONG carrying the same nonce."""

    nonce: int


@dataclass(frozen=True, slots=True)
class ResyncRequest:
    """RESYNC: the client lost its snapshot chain and needs a KEYFRAME next."""


@dataclass(frozen=True, slots=True)
class LeaveRequest:
    """LEAVE: the player leaves the match for good (no reconnect grace)."""


@dataclass(frozen=True, slots=True)
class FollowRequest:
    """FOLLOW: the spectator's camera follows ``player_id`` (the server only validates it)."""

    player_id: int


@dataclass(frozen=True, slots=True)
class QueueRequest:
    """QUEUE: look for a match of ``game`` in ``mode``."""

    game: str
    mode: str


@dataclass(frozen=True, slots=True)
class PartyCreate:
    """PARTY_CREATE: make a party to play ``mode`` of ``game`` together."""

    game: str
    mode: str


@dataclass(frozen=True, slots=True)
class PartyJoin:
    """PARTY_JOIN: join the party ``party_id``."""

    party_id: str


@dataclass(frozen=True, slots=True)
class PartyLeave:
    """PARTY_LEAVE: leave the player's party."""


@dataclass(frozen=True, slots=True)
class CancelRequest:
    """CANCEL: leave the queue."""


@dataclass(frozen=True, slots=True)
class ReadyAnswer:
    """READY_ANSWER: accept or decline the ready check ``pending_id``."""

    pending_id: str
    accept: bool


@dataclass(frozen=True, slots=True)
class ChatSend:
    """CHAT_SEND: ``text`` to the socket's ``channel`` (``"lobby"``, ``"all"``, ``"team"``...)."""

    channel: str
    text: str


@dataclass(frozen=True, slots=True)
class ChatDirect:
    """CHAT_DIRECT: ``text`` to the player whose chat id is ``to``."""

    to: int
    text: str


@dataclass(frozen=True, slots=True)
class ChatRoom:
    """CHAT_ROOM: the lobby socket joins the chat room of ``game``."""

    game: str


@dataclass(frozen=True, slots=True)
class ChatReport:
    """CHAT_REPORT: the message ``message_id`` is reported, for ``reason``."""

    message_id: str
    reason: str


ChatRequest = ChatSend | ChatDirect | ChatRoom | ChatReport
ClientMessage = InputMessage | PingMessage | ResyncRequest | LeaveRequest | ChatRequest
SpectatorMessage = FollowRequest | PingMessage | ResyncRequest | ChatSend | ChatReport
LobbyMessage = (
    QueueRequest
    | CancelRequest
    | ReadyAnswer
    | PartyCreate
    | PartyJoin
    | PartyLeave
    | PingMessage
    | ChatRequest
)
CHAT_CLIENT_TYPES = frozenset(
    {MessageType.CHAT_SEND, MessageType.CHAT_DIRECT, MessageType.CHAT_ROOM, MessageType.CHAT_REPORT}
)
MAX_MODE_LENGTH = 16
MAX_GAME_LENGTH = 32
MAX_PENDING_ID_LENGTH = 64


def pack(message: list[Any]) -> bytes:
    """Encode one frame."""
    return msgpack.packb(message, use_bin_type=True)


def unpack(data: bytes) -> Any:
    """Decode one frame, raising ProtocolError for anything that is not valid msgpack."""
    try:
        return msgpack.unpackb(data, raw=False, strict_map_key=True)
    except Exception as exc:  # msgpack raises several unrelated types
        raise ProtocolError(f"frame is not valid msgpack: {exc}") from None


def _int_field(value: Any, name: str, low: int, high: int) -> int:
    if type(value) is not int or not low <= value <= high:
        raise ProtocolError(f"{name} must be an integer in [{low}, {high}]")
    return value


def _str_field(value: Any, name: str, max_length: int) -> str:
    if type(value) is not str or not 0 < len(value) <= max_length:
        raise ProtocolError(f"{name} must be a string of 1 to {max_length} characters")
    return value


def _is_chat_frame(data: bytes) -> bool:
    """Whether a frame starts as a chat request: an array whose first element is a chat type
    (looked at only for frames over the other frames' limit)."""
    if 0x91 <= data[0] <= 0x9F:  # fixarray: the type follows
        return data[1] in CHAT_CLIENT_TYPES
    return data[0] == 0xDC and data[3] in CHAT_CLIENT_TYPES  # array16: after its length


def _frame(data: bytes, max_bytes: int = MAX_CLIENT_FRAME_BYTES) -> tuple[Any, list[Any]]:
    if len(data) > max_bytes and not (len(data) <= MAX_CHAT_FRAME_BYTES and _is_chat_frame(data)):
        raise ProtocolError(
            f"frame of {len(data)} bytes exceeds {max_bytes}", CloseCode.FRAME_TOO_LARGE
        )
    frame = unpack(data)
    if not isinstance(frame, list) or not frame:
        raise ProtocolError("frame must be a non-empty array")
    kind = frame[0]
    if type(kind) is not int:
        raise ProtocolError(f"unknown message type {kind!r}")
    return kind, frame


def _ping(frame: list[Any]) -> PingMessage:
    if len(frame) != 2:
        raise ProtocolError("PING takes [2, nonce]")
    return PingMessage(nonce=_int_field(frame[1], "nonce", 0, MAX_NONCE))


def _resync(frame: list[Any]) -> ResyncRequest:
    if len(frame) != 1:
        raise ProtocolError("RESYNC takes [3]")
    return ResyncRequest()


def _chat_text(value: Any) -> str:
    if type(value) is not str:
        raise ProtocolError("a chat text must be a string")
    return value


def _chat_frame(kind: int, frame: list[Any]) -> ChatRequest:
    """A chat request of any socket (which of them a socket takes is its decoder's choice)."""
    if kind == MessageType.CHAT_SEND:
        if len(frame) != 3:
            raise ProtocolError("CHAT_SEND takes [40, channel, text]")
        channel = _str_field(frame[1], "channel", MAX_CHAT_CHANNEL_LENGTH)
        return ChatSend(channel, _chat_text(frame[2]))
    if kind == MessageType.CHAT_DIRECT:
        if len(frame) != 3:
            raise ProtocolError("CHAT_DIRECT takes [41, player, text]")
        return ChatDirect(_int_field(frame[1], "player", 0, MAX_PLAYER_ID), _chat_text(frame[2]))
    if kind == MessageType.CHAT_ROOM:
        if len(frame) != 2:
            raise ProtocolError("CHAT_ROOM takes [42, game]")
        return ChatRoom(_str_field(frame[1], "game", MAX_GAME_LENGTH))
    if kind == MessageType.CHAT_REPORT:
        if len(frame) != 3 or type(frame[2]) is not str:
            raise ProtocolError("CHAT_REPORT takes [43, message_id, reason]")
        if len(frame[2]) > MAX_REPORT_REASON_LENGTH:
            raise ProtocolError(f"a report's reason is at most {MAX_REPORT_REASON_LENGTH} long")
        return ChatReport(_str_field(frame[1], "message_id", MAX_MESSAGE_ID_LENGTH), frame[2])
    raise ProtocolError(f"unknown message type {kind!r}")


def decode_lobby_frame(data: bytes) -> LobbyMessage:
    """Validate and decode a binary frame from a lobby client."""
    kind, frame = _frame(data, MAX_LOBBY_FRAME_BYTES)
    if kind == MessageType.QUEUE:
        if len(frame) != 3:
            raise ProtocolError("QUEUE takes [20, game, mode]")
        return QueueRequest(
            _str_field(frame[1], "game", MAX_GAME_LENGTH),
            _str_field(frame[2], "mode", MAX_MODE_LENGTH),
        )
    if kind == MessageType.CANCEL:
        if len(frame) != 1:
            raise ProtocolError("CANCEL takes [21]")
        return CancelRequest()
    if kind == MessageType.READY_ANSWER:
        if len(frame) != 3 or type(frame[2]) is not bool:
            raise ProtocolError("READY_ANSWER takes [22, pending_id, accept]")
        return ReadyAnswer(_str_field(frame[1], "pending_id", MAX_PENDING_ID_LENGTH), frame[2])
    if kind == MessageType.PARTY_CREATE:
        if len(frame) != 3:
            raise ProtocolError("PARTY_CREATE takes [23, game, mode]")
        return PartyCreate(
            _str_field(frame[1], "game", MAX_GAME_LENGTH),
            _str_field(frame[2], "mode", MAX_MODE_LENGTH),
        )
    if kind == MessageType.PARTY_JOIN:
        if len(frame) != 2:
            raise ProtocolError("PARTY_JOIN takes [24, party_id]")
        return PartyJoin(_str_field(frame[1], "party_id", MAX_PENDING_ID_LENGTH))
    if kind == MessageType.PARTY_LEAVE:
        if len(frame) != 1:
            raise ProtocolError("PARTY_LEAVE takes [25]")
        return PartyLeave()
    if kind == MessageType.PING:
        return _ping(frame)
    if kind in CHAT_CLIENT_TYPES:
        return _chat_frame(kind, frame)
    raise ProtocolError(f"unknown message type {kind!r}")


def decode_client_frame(data: bytes, inputs: InputSchema) -> ClientMessage:
    """Validate and decode a binary frame from a match client; INPUTs against ``inputs``."""
    kind, frame = _frame(data)
    if kind == MessageType.INPUT:
        bounds = inputs.bounds
        count = len(frame) - 2
        if not inputs.required <= count <= len(bounds):
            names = ", ".join(["seq", *(f.name + "?" * f.optional for f in inputs.fields)])
            raise ProtocolError(f"INPUT takes [1, {names}]")
        seq = _int_field(frame[1], "seq", 1, MAX_SEQ)
        values: list[int] = []
        for index, (low, high) in enumerate(bounds):
            if index < count:
                value = frame[index + 2]
                if type(value) is not int or not low <= value <= high:
                    _int_field(value, inputs.fields[index].name, low, high)  # raises
                values.append(value)
            else:
                values.append(low)
        return InputMessage(seq, tuple(values))
    if kind == MessageType.PING:
        return _ping(frame)
    if kind == MessageType.RESYNC:
        return _resync(frame)
    if kind == MessageType.LEAVE:
        if len(frame) != 1:
            raise ProtocolError("LEAVE takes [5]")
        return LeaveRequest()
    if kind in (MessageType.CHAT_SEND, MessageType.CHAT_DIRECT, MessageType.CHAT_REPORT):
        return _chat_frame(kind, frame)  # type: ignore[return-value]
    raise ProtocolError(f"unknown message type {kind!r}")


def decode_spectator_frame(data: bytes) -> SpectatorMessage:
    """Validate and decode a binary frame from a spectator: PING, RESYNC, FOLLOW or chat.

    Malformed frames raise as on the match socket; a well-formed frame of any other type (an
    INPUT, or a type the server does not know) raises with READ_ONLY.
    """
    kind, frame = _frame(data)
    if kind == MessageType.PING:
        return _ping(frame)
    if kind == MessageType.RESYNC:
        return _resync(frame)
    if kind == MessageType.FOLLOW:
        if len(frame) != 2:
            raise ProtocolError("FOLLOW takes [4, player_id]")
        return FollowRequest(_int_field(frame[1], "player_id", 0, MAX_PLAYER_ID))
    if kind in (MessageType.CHAT_SEND, MessageType.CHAT_REPORT):
        return _chat_frame(kind, frame)  # type: ignore[return-value]
    raise ProtocolError("spectators cannot send inputs", CloseCode.READ_ONLY)


def encode_pong(nonce: int, server_time_ms: int) -> bytes:
    """PONG frame answering a PING."""
    return pack([MessageType.PONG, nonce, server_time_ms])


def encode_throttled(dropped: int, limit: int) -> bytes:
    """THROTTLED frame: ``dropped`` client frames were dropped; ``limit`` frames/s is the rate."""
    return pack([MessageType.THROTTLED, dropped, limit])


def encode_spectators(count: int) -> bytes:
    """SPECTATORS frame: the match now has ``count`` spectators."""
    return pack([MessageType.SPECTATORS, count])
