"""One match's recording: segments cut at KEYFRAMEs, the RESULT kept, memory bounded."""

from __future__ import annotations

from typing import Any

from engine import messages
from engine.replay.format import DELTA, KEYFRAME, RESULT
from engine.replay.recording import MatchRecording, ReplayMeta

META = ReplayMeta("m", "shooter", "duel", 20, {})


def snapshot(tick: int, keyframe: bool, size: int = 10) -> dict[str, Any]:
    return {
        "type": messages.SNAPSHOT,
        "match_id": "m",
        "tick": tick,
        "base_tick": None if keyframe else tick - 1,
        "delta": None if keyframe else b"d" * size,
        "keyframe": b"k" * size if keyframe else None,
    }


def test_segments_are_cut_at_the_first_keyframe_once_they_are_long_enough() -> None:
    recording = MatchRecording(META, segment_ticks=10)
    for tick in range(1, 31):
        recording.add(snapshot(tick, keyframe=tick % 4 == 1))
    segments = recording.take_sealed()
    assert [[r[1] for r in s][:1] for s in segments] == [[1], [13]]
    assert all(s[0][0] == KEYFRAME for s in segments), "every segment starts with a KEYFRAME"
    assert [r[1] for r in segments[0]] == list(range(1, 13))
    assert recording.open_first_tick == 25
    recording.add({"type": messages.RESULT, "match_id": "m", "frame": b"result"})
    recording.end({"reason": "time"})
    (last,) = recording.take_sealed()
    assert last[0][:2] == (KEYFRAME, 25) and last[-1] == (RESULT, 30, b"result")
    assert recording.ended and recording.result == {"reason": "time"}
    recording.add(snapshot(31, keyframe=False))
    assert recording.open_records == [], "nothing after the end"


def test_a_tick_with_both_frames_keeps_its_delta_then_its_keyframe() -> None:
    recording = MatchRecording(META, segment_ticks=100)
    recording.add(snapshot(1, keyframe=True))
    both = {**snapshot(2, keyframe=False), "keyframe": b"k2"}
    recording.add(both)
    assert [(r[0], r[1]) for r in recording.open_records] == [
        (KEYFRAME, 1),
        (DELTA, 2),
        (KEYFRAME, 2),
    ]


def test_a_recording_past_its_memory_bound_gives_up_and_keeps_nothing() -> None:
    recording = MatchRecording(META, segment_ticks=5, max_bytes=100)
    for tick in range(1, 9):
        recording.add(snapshot(tick, keyframe=tick == 1))
    assert not recording.lost, "80 bytes wait"
    recording.take_sealed()
    recording.add(snapshot(9, keyframe=False, size=30))
    assert recording.lost
    assert recording.open_records == [] and recording.sealed == []
    recording.add(snapshot(10, keyframe=True))
    assert recording.open_records == []
