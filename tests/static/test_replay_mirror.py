"""The browser reads a replay exactly as the server wrote it: every game's recorded match, its
segments in columns, parsed by static/js/core/replay.js gives the same records, frame for
frame, as Python's engine.replay.format.read_records."""

from __future__ import annotations

import asyncio
import json
import subprocess
from pathlib import Path

import pytest

from engine.protocol import unpack
from engine.replay.format import DELTA, KEYFRAME, compress_segment, header_frame, read_records
from engine.replay.storage import FolderReplayStorage
from loadtest.stack import ROOT
from tests.engine.replay.test_recorder import (
    SHORT,
    LiveSpectator,
    Stack,
    play_out,
    recorder_in,
    seat_two,
)
from tests.helpers import GAME_NAMES

pytestmark = pytest.mark.timeout(60)

# Reads a replay stream (hex) on stdin; prints its header and records, frames decoded.
SCRIPT = """
import { parseReplay } from "./static/js/core/replay.js";
import { decode } from "@msgpack/msgpack";
let input = "";
for await (const chunk of process.stdin) input += chunk;
const { header, records } = parseReplay(new Uint8Array(Buffer.from(input.trim(), "hex")));
const frameOf = (payload) => (payload instanceof Uint8Array ? decode(payload) : payload);
const out = records.map(([kind, tick, payload]) => [
  kind,
  tick,
  kind === 3 ? payload : frameOf(payload),
]);
console.log(JSON.stringify({ header, records: out }));
"""


async def recorded(game_name: str, folder: Path) -> bytes:
    """A replay stream of a short match of ``game_name``, played by its bots."""
    stack = Stack(shared=False)
    worker = await stack.worker("solo", recorder=recorder_in(folder))
    worker.games = SHORT
    await stack.create(worker, game_name)
    await play_out(
        worker, await seat_two(stack, worker, game_name), LiveSpectator(SHORT[game_name].state)
    )
    await worker.recorder.flush()  # type: ignore[union-attr]
    storage = FolderReplayStorage(folder)
    segments = [storage.read_segment("m", s.name) for s in storage.segments("m")]
    return header_frame({"match_id": "m", "game": game_name}) + b"".join(segments)


@pytest.mark.parametrize("game_name", GAME_NAMES)
def test_the_browser_reads_a_recorded_replay_frame_for_frame(
    game_name: str, tmp_path: Path
) -> None:
    stream = asyncio.run(recorded(game_name, tmp_path))
    expected = list(read_records(stream))
    assert any(r[0] == DELTA for r in expected) and expected[0][0] == KEYFRAME
    done = subprocess.run(
        ["node", "--input-type=module", "-e", SCRIPT],
        input=stream.hex(),
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
        timeout=30,
    )
    parsed = json.loads(done.stdout)
    assert parsed["header"]["game"] == game_name
    as_json = json.loads(json.dumps([[k, t, unpack(p) if k != 3 else p] for k, t, p in expected]))
    assert parsed["records"] == as_json


def test_a_segment_that_does_not_fit_columns_is_kept_as_plain_records() -> None:
    odd = [(KEYFRAME, 5, b"\xc0")]  # nil: not a snapshot frame
    assert list(read_records(compress_segment(odd))) == odd
