"""A replay against what a live spectator's socket received, through the real stack in one
process: the engine worker, the relay, the spectator socket's stream, and the recorder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import msgpack
import pytest
from channels.testing import WebsocketCommunicator

from engine.protocol import MessageType
from engine.replay.format import DELTA, KEYFRAME, RESULT, read_records
from engine.replay.playback import Playback
from game import replays
from game.models import Replay
from tests.conftest import Connect, running_engine
from tests.game.test_spectators import Spectate, playing, spectate, spectating  # noqa: F401
from tests.helpers import game_with, with_timers

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(40)]

SHOOTER = with_timers(game_with("shooter"), countdown=0.2, time_limit=2.5, ended_linger=0.3)


async def received(comm: WebsocketCommunicator) -> list[bytes]:
    """Every binary frame the socket sends until it closes."""
    frames = []
    while True:
        output = await comm.receive_output(5)
        if output["type"] == "websocket.close":
            return frames
        frames.append(output["bytes"])


async def test_a_replay_holds_the_frames_a_live_spectator_received_byte_for_byte(
    tmp_path: Path,
    arena_settings: Any,
    connect: Connect,
    spectate: Spectate,  # noqa: F811
) -> None:
    arena_settings(replay_dir=str(tmp_path / "replays"))
    recorder = replays.replay_recorder()
    assert recorder is not None
    async with running_engine(None, games={"shooter": SHOOTER}, recorder=recorder) as worker:  # type: ignore[arg-type]
        from game.services import create_match, validate_match_request

        match = await create_match(validate_match_request("shooter", "duel"))
        match_id = str(match.id)
        watcher, _ = await spectating(spectate, match_id)
        await playing(connect, match_id, "Ada")
        await playing(connect, match_id, "Bo")
        frames = await received(watcher)
        await recorder.flush()
        while worker._background:  # the result is stored, the replay indexed
            await next(iter(worker._background))
    replay = await Replay.objects.aget(match_id=match_id)
    storage = replays.replay_storage()
    stream = b"".join(storage.read_segment(match_id, s[0]) for s in replay.segments)
    records = list(read_records(stream))

    keyframes = {r[1]: r[2] for r in records if r[0] == KEYFRAME}
    deltas = {r[1]: r[2] for r in records if r[0] == DELTA}
    sent = [(msgpack.unpackb(f)[0], msgpack.unpackb(f)[1], f) for f in frames]
    sent_keyframes = [(tick, f) for kind, tick, f in sent if kind == MessageType.SNAPSHOT]
    sent_deltas = [(tick, f) for kind, tick, f in sent if kind == MessageType.DELTA]
    join_tick, _ = sent_keyframes[0]  # made for the spectator as it joined: never published
    periodic = [(tick, f) for tick, f in sent_keyframes if tick != join_tick]
    assert len(periodic) >= 2, "a KEYFRAME every second"
    for tick, frame in periodic:
        assert keyframes[tick] == frame, f"the KEYFRAME of tick {tick}, byte for byte"
    assert sent_deltas and all(deltas[tick] == frame for tick, frame in sent_deltas)
    results = [f for kind, _, f in sent if kind == MessageType.RESULT]
    assert [r[2] for r in records if r[0] == RESULT] == results

    playback = Playback(SHOOTER.state, records)
    for tick, _ in [*periodic, *sent_deltas]:
        state = playback.seek(tick)
        assert state is not None and state.tick == tick
