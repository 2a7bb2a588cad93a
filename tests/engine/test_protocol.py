"""Decoding client frames: valid messages, every rejection, and no crash on arbitrary bytes."""

from __future__ import annotations

import contextlib
import math

import msgpack
import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.games.shooter.game import ShooterGame
from engine.games.shooter.rules import Rules
from engine.games.shooter.wire import quantize_aim, quantize_position
from engine.protocol import (
    MAX_CLIENT_FRAME_BYTES,
    MAX_LOBBY_FRAME_BYTES,
    CancelRequest,
    CloseCode,
    FollowRequest,
    InputMessage,
    LeaveRequest,
    PingMessage,
    ProtocolError,
    QueueRequest,
    ReadyAnswer,
    ResyncRequest,
    decode_client_frame,
    decode_lobby_frame,
    decode_spectator_frame,
)
from engine.schema import Field, InputSchema
from tests.engine.sparks import INPUTS as SPARKS_INPUTS

SHOOTER_INPUTS = ShooterGame(Rules()).inputs  # [1, seq, buttons 0..31, aim -3142..3142]
# a game with three inputs of other ranges, and one with none at all
THREE = InputSchema((Field("a", -1, 1), Field("b", 0, 1000), Field("c", 5, 5)))
NONE = InputSchema()
TAIL = InputSchema((Field("a", 0, 1), Field("b", 7, 9, optional=True)))


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        ([1, 1, 0, 0], InputMessage(1, (0, 0, 0, 0))),
        ([1, 7, 31, -3142], InputMessage(7, (31, -3142, 0, 0))),
        ([1, 2**32 - 1, 16, 1571], InputMessage(2**32 - 1, (16, 1571, 0, 0))),
        ([1, 8, 16, 0, 40], InputMessage(8, (16, 0, 40, 0))),
        ([1, 9, 16, 0, 2**31 - 1, 1000], InputMessage(9, (16, 0, 2**31 - 1, 1000))),
        ([2, 0], PingMessage(0)),
        ([2, 2**32 - 1], PingMessage(2**32 - 1)),
        ([3], ResyncRequest()),
        ([5], LeaveRequest()),
    ],
)
def test_valid_frames_decode(frame: list[int], message: object) -> None:
    assert decode_client_frame(msgpack.packb(frame), SHOOTER_INPUTS) == message


@pytest.mark.parametrize(
    ("inputs", "frame", "values"),
    [
        (THREE, [1, 3, -1, 1000, 5], (-1, 1000, 5)),
        (THREE, [1, 3, 1, 0, 5], (1, 0, 5)),
        (NONE, [1, 9], ()),
        (SPARKS_INPUTS, [1, 2, 9, -50], (9, -50)),
        (TAIL, [1, 4, 1], (1, 7)),
        (TAIL, [1, 4, 1, 9], (1, 9)),
    ],
    ids=["three-low", "three-high", "none", "synthetic", "optional-left-out", "optional-sent"],
)
def test_inputs_follow_the_games_input_schema(
    inputs: InputSchema, frame: list[int], values: tuple[int, ...]
) -> None:
    assert decode_client_frame(msgpack.packb(frame), inputs) == InputMessage(frame[1], values)


@pytest.mark.parametrize(
    ("inputs", "frame", "message"),
    [
        (THREE, [1, 3, -1, 1000], "INPUT takes \\[1, seq, a, b, c\\]"),
        (THREE, [1, 3, -1, 1000, 5, 0], "INPUT takes"),
        (THREE, [1, 3, -2, 0, 5], "a must be an integer in \\[-1, 1\\]"),
        (THREE, [1, 3, 0, 1001, 5], "b must be"),
        (THREE, [1, 3, 0, 0, 4], "c must be"),
        (THREE, [1, 3, 0, False, 5], "b must be"),
        (NONE, [1, 9, 0], "INPUT takes \\[1, seq\\]"),
        (NONE, [1, 0], "seq must be"),
        (SPARKS_INPUTS, [1, 2, 10, 0], "op must be"),
        (SPARKS_INPUTS, [1, 2, 0, 51], "arg must be"),
        (TAIL, [1, 4], "INPUT takes \\[1, seq, a, b\\?\\]"),
        (TAIL, [1, 4, 1, 6], "b must be"),
    ],
)
def test_inputs_outside_the_games_input_schema_are_refused(
    inputs: InputSchema, frame: list[int], message: str
) -> None:
    with pytest.raises(ProtocolError, match=message) as error:
        decode_client_frame(msgpack.packb(frame), inputs)
    assert error.value.code == CloseCode.PROTOCOL_ERROR


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", CloseCode.PROTOCOL_ERROR),
        (b"\xc1", CloseCode.PROTOCOL_ERROR),
        (msgpack.packb([]), CloseCode.PROTOCOL_ERROR),
        (msgpack.packb("hello"), CloseCode.PROTOCOL_ERROR),
        (msgpack.packb([1, 0, 0]), CloseCode.PROTOCOL_ERROR),
        (msgpack.packb([1, 0, 0, 0]), CloseCode.PROTOCOL_ERROR),  # seq starts at 1
        (msgpack.packb([1, 1, 0, 0, 0, 0, 0]), CloseCode.PROTOCOL_ERROR),
        (msgpack.packb([1, 1, 0, 0, 0, 1001]), CloseCode.PROTOCOL_ERROR),
        (msgpack.packb([1, 1, 0, 0, -1]), CloseCode.PROTOCOL_ERROR),
        (msgpack.packb([1, 1, 32, 0]), CloseCode.PROTOCOL_ERROR),
        (msgpack.packb([1, 1, 0, 3143]), CloseCode.PROTOCOL_ERROR),
        (msgpack.packb([1, 1, 0, 0.5]), CloseCode.PROTOCOL_ERROR),
        (msgpack.packb([1, 2**32, 0, 0]), CloseCode.PROTOCOL_ERROR),
        (msgpack.packb([1.0, 0, 0, 0]), CloseCode.PROTOCOL_ERROR),
        (msgpack.packb([True, 0]), CloseCode.PROTOCOL_ERROR),
        (msgpack.packb([10, 0]), CloseCode.PROTOCOL_ERROR),
        (msgpack.packb([2, None]), CloseCode.PROTOCOL_ERROR),
        (msgpack.packb([1, 1, 0, 0]) + b"\x00", CloseCode.PROTOCOL_ERROR),
        (msgpack.packb([5, 0]), CloseCode.PROTOCOL_ERROR),  # LEAVE takes nothing
        (msgpack.packb([3, 0]), CloseCode.PROTOCOL_ERROR),
        (msgpack.packb([20, "shooter", "duel"]), CloseCode.PROTOCOL_ERROR),  # a lobby frame
        (bytes(65), CloseCode.FRAME_TOO_LARGE),
    ],
)
def test_invalid_frames_are_rejected_with_their_code(data: bytes, code: CloseCode) -> None:
    with pytest.raises(ProtocolError) as error:
        decode_client_frame(data, SHOOTER_INPUTS)
    assert error.value.code == code


def test_a_frame_of_the_largest_size_is_read() -> None:
    frame = msgpack.packb([2, 7])
    padded = frame + b"\x00" * (MAX_CLIENT_FRAME_BYTES - len(frame))  # trailing bytes: refused
    with pytest.raises(ProtocolError) as error:
        decode_client_frame(padded, SHOOTER_INPUTS)
    assert error.value.code == CloseCode.PROTOCOL_ERROR
    with pytest.raises(ProtocolError) as error:
        decode_client_frame(padded + b"\x00", SHOOTER_INPUTS)
    assert error.value.code == CloseCode.FRAME_TOO_LARGE


@given(st.binary(max_size=80), st.sampled_from([SHOOTER_INPUTS, THREE, NONE]))
def test_arbitrary_bytes_never_raise_anything_but_protocol_error(
    data: bytes, inputs: InputSchema
) -> None:
    with contextlib.suppress(ProtocolError):
        decode_client_frame(data, inputs)


@given(
    st.lists(
        st.one_of(st.integers(-(2**40), 2**40), st.booleans(), st.none(), st.floats(), st.text()),
        max_size=6,
    ),
    st.sampled_from([SHOOTER_INPUTS, THREE, NONE]),
)
def test_arbitrary_arrays_never_raise_anything_but_protocol_error(
    frame: list[object], inputs: InputSchema
) -> None:
    data = msgpack.packb([1, *frame])
    with contextlib.suppress(ProtocolError):
        message = decode_client_frame(data, inputs)
        assert isinstance(message, InputMessage)
        assert all(f.accepts(v) for f, v in zip(inputs.fields, message.values, strict=True))


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        ([2, 7], PingMessage(7)),
        ([3], ResyncRequest()),
        ([4, 0], FollowRequest(0)),
        ([4, 2**32 - 1], FollowRequest(2**32 - 1)),
    ],
)
def test_spectators_send_ping_resync_and_follow(frame: list[int], message: object) -> None:
    assert decode_spectator_frame(msgpack.packb(frame)) == message


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (msgpack.packb([1, 1, 0, 0]), CloseCode.READ_ONLY),  # an INPUT, however well formed
        (msgpack.packb([1]), CloseCode.READ_ONLY),
        (msgpack.packb([99]), CloseCode.READ_ONLY),
        (msgpack.packb([20, "shooter", "duel"]), CloseCode.READ_ONLY),
        (msgpack.packb([5]), CloseCode.READ_ONLY),  # a LEAVE: spectators have no seat
        (msgpack.packb([4]), CloseCode.PROTOCOL_ERROR),
        (msgpack.packb([4, 1, 2]), CloseCode.PROTOCOL_ERROR),
        (msgpack.packb([4, -1]), CloseCode.PROTOCOL_ERROR),
        (msgpack.packb([4, 2**32]), CloseCode.PROTOCOL_ERROR),
        (msgpack.packb([4, True]), CloseCode.PROTOCOL_ERROR),
        (msgpack.packb([4, 1.0]), CloseCode.PROTOCOL_ERROR),
        (msgpack.packb([3, 0]), CloseCode.PROTOCOL_ERROR),
        (msgpack.packb(["4", 1]), CloseCode.PROTOCOL_ERROR),
        (msgpack.packb({"type": 4}), CloseCode.PROTOCOL_ERROR),
        (b"\xc1", CloseCode.PROTOCOL_ERROR),
        (bytes(65), CloseCode.FRAME_TOO_LARGE),
    ],
)
def test_spectator_frames_outside_the_control_set_are_refused(data: bytes, code: CloseCode) -> None:
    with pytest.raises(ProtocolError) as error:
        decode_spectator_frame(data)
    assert error.value.code == code


def test_players_cannot_follow() -> None:
    with pytest.raises(ProtocolError) as error:
        decode_client_frame(msgpack.packb([4, 0]), SHOOTER_INPUTS)
    assert error.value.code == CloseCode.PROTOCOL_ERROR


@given(st.binary(max_size=80))
def test_arbitrary_spectator_bytes_never_raise_anything_but_protocol_error(data: bytes) -> None:
    with contextlib.suppress(ProtocolError):
        decode_spectator_frame(data)


@pytest.mark.parametrize(
    ("angle", "mrad"),
    [(0.0, 0), (math.pi, 3142), (-math.pi / 2, -1571), (2 * math.pi + 0.5, 500)],
)
def test_aim_quantization_wraps_into_range(angle: float, mrad: int) -> None:
    assert quantize_aim(angle) == mrad


def test_positions_travel_in_tenths() -> None:
    assert quantize_position(123.46) == 1235


# -- lobby frames ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        ([20, "shooter", "duel"], QueueRequest("shooter", "duel")),
        ([20, "g" * 32, "m" * 16], QueueRequest("g" * 32, "m" * 16)),
        ([21], CancelRequest()),
        ([22, "pending-1", True], ReadyAnswer("pending-1", True)),
        ([22, "p" * 64, False], ReadyAnswer("p" * 64, False)),
        ([2, 5], PingMessage(5)),
    ],
)
def test_lobby_frames_decode(frame: list[object], message: object) -> None:
    assert decode_lobby_frame(msgpack.packb(frame)) == message


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (msgpack.packb([20, "duel"]), CloseCode.PROTOCOL_ERROR),  # QUEUE names the game too
        (msgpack.packb([20, "shooter", "duel", 1]), CloseCode.PROTOCOL_ERROR),
        (msgpack.packb([20, "", "duel"]), CloseCode.PROTOCOL_ERROR),
        (msgpack.packb([20, "shooter", ""]), CloseCode.PROTOCOL_ERROR),
        (msgpack.packb([20, "g" * 33, "duel"]), CloseCode.PROTOCOL_ERROR),
        (msgpack.packb([20, "shooter", "m" * 17]), CloseCode.PROTOCOL_ERROR),
        (msgpack.packb([20, 1, "duel"]), CloseCode.PROTOCOL_ERROR),
        (msgpack.packb([20, "shooter", None]), CloseCode.PROTOCOL_ERROR),
        (msgpack.packb([21, 0]), CloseCode.PROTOCOL_ERROR),
        (msgpack.packb([22, "p", 1]), CloseCode.PROTOCOL_ERROR),
        (msgpack.packb([22, "p" * 65, True]), CloseCode.PROTOCOL_ERROR),
        (msgpack.packb([1, 1, 0, 0]), CloseCode.PROTOCOL_ERROR),
        (msgpack.packb([5]), CloseCode.PROTOCOL_ERROR),
        (bytes(MAX_LOBBY_FRAME_BYTES + 1), CloseCode.FRAME_TOO_LARGE),
    ],
)
def test_invalid_lobby_frames_are_rejected_with_their_code(data: bytes, code: CloseCode) -> None:
    with pytest.raises(ProtocolError) as error:
        decode_lobby_frame(data)
    assert error.value.code == code


@given(st.binary(max_size=140))
def test_arbitrary_lobby_bytes_never_raise_anything_but_protocol_error(data: bytes) -> None:
    with contextlib.suppress(ProtocolError):
        decode_lobby_frame(data)
