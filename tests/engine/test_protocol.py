"""Decoding client frames: valid messages, every rejection, and no crash on arbitrary bytes."""

from __future__ import annotations

import contextlib
import math

import msgpack
import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.protocol import (
    CloseCode,
    FollowRequest,
    InputMessage,
    PingMessage,
    ProtocolError,
    ResyncRequest,
    decode_client_frame,
    decode_spectator_frame,
    quantize_aim,
    quantize_position,
)


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        ([1, 1, 0, 0], InputMessage(1, 0, 0.0)),
        ([1, 7, 31, -3142], InputMessage(7, 31, -3.142)),
        ([1, 2**32 - 1, 16, 1571], InputMessage(2**32 - 1, 16, 1.571)),
        ([2, 0], PingMessage(0)),
        ([2, 2**32 - 1], PingMessage(2**32 - 1)),
    ],
)
def test_valid_frames_decode(frame: list[int], message: object) -> None:
    assert decode_client_frame(msgpack.packb(frame)) == message


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", CloseCode.PROTOCOL_ERROR),
        (b"\xc1", CloseCode.PROTOCOL_ERROR),
        (msgpack.packb([]), CloseCode.PROTOCOL_ERROR),
        (msgpack.packb("hello"), CloseCode.PROTOCOL_ERROR),
        (msgpack.packb([1, 0, 0]), CloseCode.PROTOCOL_ERROR),
        (msgpack.packb([1, 0, 0, 0]), CloseCode.PROTOCOL_ERROR),  # seq starts at 1
        (msgpack.packb([1, 1, 0, 0, 0]), CloseCode.PROTOCOL_ERROR),
        (msgpack.packb([1, 1, 32, 0]), CloseCode.PROTOCOL_ERROR),
        (msgpack.packb([1, 1, 0, 3143]), CloseCode.PROTOCOL_ERROR),
        (msgpack.packb([1, 1, 0, 0.5]), CloseCode.PROTOCOL_ERROR),
        (msgpack.packb([1, 2**32, 0, 0]), CloseCode.PROTOCOL_ERROR),
        (msgpack.packb([1.0, 0, 0, 0]), CloseCode.PROTOCOL_ERROR),
        (msgpack.packb([True, 0]), CloseCode.PROTOCOL_ERROR),
        (msgpack.packb([10, 0]), CloseCode.PROTOCOL_ERROR),
        (msgpack.packb([2, None]), CloseCode.PROTOCOL_ERROR),
        (msgpack.packb([1, 1, 0, 0]) + b"\x00", CloseCode.PROTOCOL_ERROR),
        (bytes(65), CloseCode.FRAME_TOO_LARGE),
    ],
)
def test_invalid_frames_are_rejected_with_their_code(data: bytes, code: CloseCode) -> None:
    with pytest.raises(ProtocolError) as error:
        decode_client_frame(data)
    assert error.value.code == code


@given(st.binary(max_size=80))
def test_arbitrary_bytes_never_raise_anything_but_protocol_error(data: bytes) -> None:
    with contextlib.suppress(ProtocolError):
        decode_client_frame(data)


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
        (msgpack.packb([20, "duel"]), CloseCode.READ_ONLY),
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
        decode_client_frame(msgpack.packb([4, 0]))
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
