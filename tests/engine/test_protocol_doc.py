"""The byte-for-byte examples of docs/protocol.md are what the encoder produces."""

from __future__ import annotations

import re
from pathlib import Path

from engine.codec import SnapshotEncoder
from engine.games.shooter.game import ShooterGame
from engine.games.shooter.rules import Rules
from engine.games.shooter.wire import Button
from engine.match import Match

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
    game = ShooterGame(Rules(walls=(), spawn_points=((1500.0, 100.0),)))
    match = Match(game, game.mode("ffa"), seed=1, max_players=2)
    ada = match.add_player("Ada")
    encoder = SnapshotEncoder(game.state, 20)
    frames = []
    events = match.step()
    frames.append(encoder.encode(match, events, SERVER_MS))
    assert match.apply_input(ada, 1, (Button.RIGHT | Button.FIRE, 0))
    frames.append(encoder.encode(match, match.step(), SERVER_MS + 50))
    assert match.apply_input(ada, 2, (int(Button.RIGHT), -1000))  # aim -1.000 rad
    frames.append(encoder.encode(match, match.step(), SERVER_MS + 100))
    first, second, third = frames
    assert first is not None and second is not None and third is not None
    assert first.keyframe is not None and second.delta is not None and third.delta is not None
    return [first.keyframe, second.delta, third.delta]


def test_documented_frames_are_the_encoders_frames() -> None:
    examples = documented_examples()
    assert len(examples) == 3
    assert [data for _, data in examples] == encoded_story()


def test_documented_lengths_are_right() -> None:
    for stated, data in documented_examples():
        assert stated == len(data)
