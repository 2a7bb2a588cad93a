"""Chat's pure rules: text cleaning and the length cap, the word filter, the senders' token
buckets, standings from sanctions, topics and the frames."""

from __future__ import annotations

import msgpack
import pytest

from engine.protocol import (
    MAX_CHAT_FRAME_BYTES,
    MAX_CHAT_TEXT_BYTES,
    ChatDirect,
    ChatErrorCode,
    ChatReport,
    ChatRoom,
    ChatSend,
    CloseCode,
    InputMessage,
    MessageType,
    ProtocolError,
    decode_client_frame,
    decode_lobby_frame,
    decode_spectator_frame,
)
from engine.schema import Field, InputSchema
from lobby.chat import frames, topics
from lobby.chat.limits import ChatLimits
from lobby.chat.lines import ChatLine, Speaker
from lobby.chat.standing import FOREVER, Sanction, SanctionKind, Standing, standing_of
from lobby.chat.text import TextRefused, WordFilter, clean_text

ADA = Speaker("guest:ada", 7, "Ada")
INPUTS = InputSchema((Field("buttons", 0, 31),))


def pack(*frame: object) -> bytes:
    return msgpack.packb(list(frame))


# -- text -----------------------------------------------------------------------------------


def test_text_loses_control_and_invisible_characters_and_extra_spaces() -> None:
    assert clean_text("  hello\n\tthere\u202e \u200bfriend\x00 ", 200) == "hello there friend"


def test_text_of_nothing_but_spaces_or_controls_is_refused_as_empty() -> None:
    for text in ("", "   ", "\n\x07\u200b"):
        with pytest.raises(TextRefused) as refused:
            clean_text(text, 200)
        assert refused.value.code == ChatErrorCode.EMPTY


def test_the_length_cap_counts_characters_and_bytes() -> None:
    assert clean_text("a" * 20, 20) == "a" * 20
    with pytest.raises(TextRefused) as refused:
        clean_text("a" * 21, 20)
    assert refused.value.code == ChatErrorCode.TOO_LONG
    wide = "\U0001f600" * (MAX_CHAT_TEXT_BYTES // 4 + 1)  # 4 bytes each, under 200 characters
    with pytest.raises(TextRefused):
        clean_text(wide, 200)


def test_the_word_filter_masks_whole_words_in_any_case() -> None:
    words = WordFilter(("darn", "bad word"))
    assert words.apply("Darn it, a BAD WORD, darned") == "**** it, a ********, darned"
    assert words.apply("nothing here") == "nothing here"
    assert WordFilter().apply("darn") == "darn"


def test_the_word_filter_takes_words_with_special_characters_literally() -> None:
    assert WordFilter(("a.b",)).apply("a.b axb") == "*** axb"


# -- the senders' buckets -------------------------------------------------------------------


def test_each_sender_has_a_burst_then_the_rate() -> None:
    limits = ChatLimits(rate=1.0, burst=3)
    assert [limits.allow("ada", 0.0) for _ in range(4)] == [True, True, True, False]
    assert limits.allow("bo", 0.0), "another sender has a bucket of its own"
    assert limits.retry_after("ada") == pytest.approx(1.0)
    assert limits.allow("ada", 1.0)
    assert not limits.allow("ada", 1.5)
    assert limits.refused == 2


def test_the_buckets_kept_are_bounded() -> None:
    limits = ChatLimits(rate=1.0, burst=1, max_senders=2)
    for sender in ("a", "b", "c"):
        assert limits.allow(sender, 0.0)
    assert limits.allow("a", 0.0), "a's bucket was the least recently used: dropped, so full"


# -- standings ------------------------------------------------------------------------------


def test_a_standing_is_the_latest_end_of_each_kind_still_running() -> None:
    sanctions = [
        Sanction(SanctionKind.MUTE, 100.0, "spam"),
        Sanction(SanctionKind.MUTE, 50.0, "earlier"),
        Sanction(SanctionKind.BAN, 10.0, "over"),
    ]
    standing = standing_of(sanctions, now=20.0)
    assert (standing.muted_until, standing.banned_until) == (100.0, 0.0)
    assert standing.mute_reason == "spam"
    assert standing.muted(99.0) and not standing.muted(100.0)
    assert not standing.banned(20.0)


def test_a_permanent_ban_mutes_too_and_never_ends() -> None:
    standing = standing_of([Sanction(SanctionKind.BAN, None, "cheating")], now=0.0)
    assert standing.banned(1e12) and standing.muted(1e12)
    assert standing.banned_until == FOREVER
    assert "cheating" in standing.ban_notice() and "for good" in standing.ban_notice()


def test_a_standing_survives_the_channel_layer() -> None:
    standing = Standing(muted_until=FOREVER, banned_until=12.5, mute_reason="m", ban_reason="b")
    body = msgpack.unpackb(msgpack.packb(standing.to_message()))
    assert Standing.from_message(body) == standing


# -- topics and frames ----------------------------------------------------------------------


def test_topics_are_valid_group_names_and_name_their_channel() -> None:
    match_id = "5f0c3a4e-1b2c-4d5e-8f90-a1b2c3d4e5f6"
    for topic, channel in [
        (topics.lobby_room("shooter"), "lobby"),
        (topics.match_all(match_id), "all"),
        (topics.match_team(match_id, 1), "team"),
        (topics.match_spectators(match_id), "spectators"),
        (topics.direct(9, 3), "direct"),
    ]:
        assert len(topic) < 100 and all(c.isalnum() or c in "._-" for c in topic)
        assert topics.channel_of(topic) == channel
    assert topics.direct(3, 9) == topics.direct(9, 3), "one conversation either way"


def test_a_chat_message_frame_carries_who_what_and_when() -> None:
    line = ChatLine.new(topics.lobby_room("shooter"), ADA, "hi", 1795600000.25)
    frame = msgpack.unpackb(frames.chat_message(line))
    assert frame == [
        MessageType.CHAT_MESSAGE,
        {
            "id": line.id,
            "channel": "lobby",
            "from": 7,
            "name": "Ada",
            "text": "hi",
            "at_ms": 1795600000250,
        },
    ]
    bo = Speaker("guest:bo", 8, "Bo")
    direct = ChatLine.new(topics.direct(7, 8), ADA, "psst", 0.0, bo)
    body = msgpack.unpackb(frames.chat_message(direct))[1]
    assert (body["channel"], body["to"], body["to_name"]) == ("direct", 8, "Bo")


def test_a_status_frame_says_muted_until_when() -> None:
    standing = Standing(muted_until=100.0, mute_reason="spam")
    assert msgpack.unpackb(frames.chat_status(standing, 50.0)) == [
        MessageType.CHAT_STATUS,
        {"muted": True, "until_ms": 100_000, "reason": "spam"},
    ]
    permanent = msgpack.unpackb(frames.chat_status(Standing(muted_until=FOREVER), 50.0))[1]
    assert permanent["until_ms"] is None and permanent["muted"]
    lifted = msgpack.unpackb(frames.chat_status(Standing(), 50.0))[1]
    assert lifted == {"muted": False, "until_ms": None, "reason": ""}


# -- decoding -------------------------------------------------------------------------------


def test_chat_requests_decode_on_the_sockets_that_take_them() -> None:
    send = pack(MessageType.CHAT_SEND, "all", "gg")
    direct = pack(MessageType.CHAT_DIRECT, 8, "hi")
    report = pack(MessageType.CHAT_REPORT, "ab" * 16, "spam")
    room = pack(MessageType.CHAT_ROOM, "shooter")
    assert decode_client_frame(send, INPUTS) == ChatSend("all", "gg")
    assert decode_client_frame(direct, INPUTS) == ChatDirect(8, "hi")
    assert decode_client_frame(report, INPUTS) == ChatReport("ab" * 16, "spam")
    assert decode_lobby_frame(room) == ChatRoom("shooter")
    assert decode_spectator_frame(send) == ChatSend("all", "gg")
    with pytest.raises(ProtocolError) as refused:
        decode_spectator_frame(direct)
    assert refused.value.code == CloseCode.READ_ONLY, "spectators send no direct messages"
    with pytest.raises(ProtocolError):
        decode_client_frame(room, INPUTS)  # rooms are the lobby's


def test_chat_frames_may_be_longer_than_other_frames_up_to_their_own_limit() -> None:
    long_text = "x" * 300
    frame = pack(MessageType.CHAT_SEND, "all", long_text)
    assert 64 < len(frame) <= MAX_CHAT_FRAME_BYTES
    assert decode_client_frame(frame, INPUTS) == ChatSend("all", long_text)
    as_array16 = b"\xdc\x00\x03" + frame[1:]  # the same frame, its array's length in 16 bits
    assert decode_client_frame(as_array16, INPUTS) == ChatSend("all", long_text)
    too_long = pack(MessageType.CHAT_SEND, "all", "x" * MAX_CHAT_FRAME_BYTES)
    with pytest.raises(ProtocolError) as refused:
        decode_client_frame(too_long, INPUTS)
    assert refused.value.code == CloseCode.FRAME_TOO_LARGE
    padded_input = pack(MessageType.INPUT, 1, 0, "x" * 80)
    with pytest.raises(ProtocolError) as refused:
        decode_client_frame(padded_input, INPUTS)
    assert refused.value.code == CloseCode.FRAME_TOO_LARGE, "only chat frames may be long"


def test_malformed_chat_requests_are_protocol_errors() -> None:
    for frame in (
        pack(MessageType.CHAT_SEND, "all"),
        pack(MessageType.CHAT_SEND, "", "hi"),
        pack(MessageType.CHAT_SEND, "all", 5),
        pack(MessageType.CHAT_DIRECT, -1, "hi"),
        pack(MessageType.CHAT_REPORT, "id", "r" * 201),
    ):
        with pytest.raises(ProtocolError) as refused:
            decode_client_frame(frame, INPUTS)
        assert refused.value.code == CloseCode.PROTOCOL_ERROR


def test_inputs_decode_as_before() -> None:
    assert decode_client_frame(pack(MessageType.INPUT, 3, 9), INPUTS) == InputMessage(3, (9,))
