"""The byte-for-byte examples of docs/protocol.md are what the encoder produces."""

from __future__ import annotations

import re
from pathlib import Path

from engine.protocol import Button
from engine.rules import Rules
from engine.simulation import Match
from engine.snapshot import SnapshotEncoder

DOC = Path(__file__).resolve().parents[2] / "docs" / "protocol.md"
SERVER_MS = 1795600000000
HEX_BYTE = re.compile(r"^[0-9a-f]{2}$")


def documented_examples() -> list[tuple[int, bytes]]:
    """(stated length, bytes) of each hex dump in the "Byte for byte" section."""
    section = DOC.read_text().split("#### Byte for byte", 1)[1].split("\n### ", 1)[0]
    examples = []
    for stated, block in re.findall(r"\((\d+) bytes\):\s*```\n(.*?)```", section, re.S):
        data = bytearray()
        for line in block.splitlines():
            # hex bytes separated by single spaces, then (after a wider gap) a comment
            for token in re.split(r"\s{2,}", line.strip(), maxsplit=1)[0].split(" "):
                if not HEX_BYTE.match(token):
                    break
                data.append(int(token, 16))
        examples.append((int(stated), bytes(data)))
    return examples


def encoded_story() -> list[bytes]:
    """Ada's first three ticks as the documentation tells them."""
    rules = Rules(walls=(), spawn_points=((1500.0, 100.0),))
    match = Match(rules, seed=1, max_players=2)
    ada = match.add_player("Ada")
    encoder = SnapshotEncoder(20)
    events = match.step()
    first = encoder.encode(match, events, SERVER_MS).keyframe
    match.apply_input(ada, 1, Button.RIGHT | Button.FIRE, 0.0)
    second = encoder.encode(match, match.step(), SERVER_MS + 50).delta
    match.apply_input(ada, 2, Button.RIGHT, -1.0)
    third = encoder.encode(match, match.step(), SERVER_MS + 100).delta
    assert first is not None and second is not None and third is not None
    return [first, second, third]


def test_documented_frames_are_the_encoders_frames() -> None:
    examples = documented_examples()
    assert len(examples) == 3
    assert [data for _, data in examples] == encoded_story()


def test_documented_lengths_are_right() -> None:
    for stated, data in documented_examples():
        assert stated == len(data)
