"""Recording every match of an engine worker: the replay holds what was published, byte for
byte, plays back and seeks to the right tick, survives a takeover with its gap marked, and a
storage that cannot be written loses the replay and nothing else."""

from __future__ import annotations

import asyncio
import logging
import random
from pathlib import Path
from typing import Any

import pytest

from engine import messages
from engine.protocol import unpack
from engine.replay.format import DELTA, GAP, KEYFRAME, RESULT, read_records
from engine.replay.playback import Playback
from engine.replay.recorder import ReplayRecorder, ReplaySummary
from engine.replay.storage import FolderReplayStorage
from engine.wirestate import WireState, apply_frame
from engine.worker import EngineWorker
from tests.engine.test_worker_failover import GAMES, TTL, BotPlayer, Stack, match_of, play, taken
from tests.helpers import GAME_NAMES, with_timers

pytestmark = pytest.mark.timeout(30)

SHORT = {name: with_timers(game, countdown=0.2, time_limit=3.0) for name, game in GAMES.items()}


class Index:
    """The replays a recorder indexed."""

    def __init__(self) -> None:
        self.summaries: list[ReplaySummary] = []

    async def replay_recorded(self, summary: ReplaySummary) -> None:
        self.summaries.append(summary)


def recorder_in(root: Path, index: Index | None = None) -> ReplayRecorder:
    return ReplayRecorder(FolderReplayStorage(root), index, segment_seconds=1.0)


def stored(root: Path, match_id: str = "m") -> list[tuple[Any, ...]]:
    storage = FolderReplayStorage(root)
    data = b"".join(storage.read_segment(match_id, s.name) for s in storage.segments(match_id))
    return list(read_records(data))


class LiveSpectator:
    """What a live spectator's socket sends its client: the DELTA when the client holds its
    base tick, else the KEYFRAME (docs/protocol.md 5.2); the states the client rebuilds."""

    def __init__(self, schema: Any) -> None:
        self.schema = schema
        self.state: WireState | None = None
        self.keyframes: dict[int, bytes] = {}
        self.states: dict[int, WireState] = {}

    def follow(self, published: list[dict[str, Any]]) -> None:
        for message in published:
            if message["type"] != messages.SNAPSHOT:
                continue
            state = self.state
            if message["delta"] is not None and state and state.tick == message["base_tick"]:
                self.state = apply_frame(self.schema, state, unpack(message["delta"]))
                self.states[self.state.tick] = self.state
                continue
            self.keyframes[message["tick"]] = message["keyframe"]
            self.state = apply_frame(self.schema, None, unpack(message["keyframe"]))
            self.states[self.state.tick] = self.state


async def seat_two(stack: Stack, worker: EngineWorker, game_name: str) -> list[BotPlayer]:
    """Both seats of a duel taken, each by the game's bot."""
    players = []
    for seed, key in enumerate(("ada", "bob")):
        _, joined = await stack.join(worker, key)
        players.append(BotPlayer(SHORT[game_name], joined, seed))
    return players


async def play_out(
    worker: EngineWorker, players: list[BotPlayer], spectator: LiveSpectator
) -> list[dict[str, Any]]:
    """Tick until the match closes; what was published."""
    published: list[dict[str, Any]] = []
    while "m" in worker.matches:
        now = (await play([worker], players, 1))[0]
        spectator.follow(now)
        published += now
    return published


@pytest.mark.parametrize("game_name", GAME_NAMES)
async def test_a_replay_plays_back_what_a_live_spectator_received_frame_for_frame(
    game_name: str, tmp_path: Path
) -> None:
    index = Index()
    stack = Stack(shared=False)
    worker = await stack.worker("solo", recorder=recorder_in(tmp_path, index))
    worker.games = SHORT
    await stack.create(worker, game_name)
    players = await seat_two(stack, worker, game_name)
    spectator = LiveSpectator(SHORT[game_name].state)
    published = await play_out(worker, players, spectator)
    await worker.recorder.flush()  # type: ignore[union-attr]

    records = stored(tmp_path)
    snapshots = [m for m in published if m["type"] == messages.SNAPSHOT]
    recorded = [r for r in records if r[0] in (KEYFRAME, DELTA)]
    expected: list[tuple[Any, ...]] = []
    for message in published:
        if message["type"] == messages.RESULT:
            expected.append((RESULT, expected[-1][1], message["frame"]))
        if message["type"] != messages.SNAPSHOT:
            continue
        if message["delta"] is not None:
            expected.append((DELTA, message["tick"], message["delta"]))
        if message["keyframe"] is not None:
            expected.append((KEYFRAME, message["tick"], message["keyframe"]))
    assert records == expected, "every frame as published, and the RESULT, in order"
    assert len(recorded) == len(snapshots) + sum(
        1 for m in snapshots if m["delta"] is not None and m["keyframe"] is not None
    )
    keyframes = {r[1]: r[2] for r in records if r[0] == KEYFRAME}
    assert spectator.keyframes and all(
        keyframes[tick] == frame for tick, frame in spectator.keyframes.items()
    ), "byte-identical KEYFRAMEs at the ticks the spectator got them"
    playback = Playback(SHORT[game_name].state, records)
    assert {s.tick: s for s in playback.states()} == spectator.states
    (result,) = [m for m in published if m["type"] == messages.RESULT]

    (summary,) = index.summaries
    assert summary.meta.game == game_name and summary.gaps == []
    assert summary.result == unpack(result["frame"])[1]
    assert len(summary.segments) >= 2, "segments of a second"
    assert summary.size == sum(p.stat().st_size for p in (tmp_path / "m").iterdir())


async def test_seek_lands_on_the_last_recorded_tick_at_or_before_from_the_nearest_keyframe(
    tmp_path: Path,
) -> None:
    stack = Stack(shared=False)
    worker = await stack.worker("solo", recorder=recorder_in(tmp_path))
    worker.games = SHORT
    await stack.create(worker, "shooter")
    players = await seat_two(stack, worker, "shooter")
    spectator = LiveSpectator(SHORT["shooter"].state)
    await play_out(worker, players, spectator)
    await worker.recorder.flush()  # type: ignore[union-attr]
    playback = Playback(SHORT["shooter"].state, stored(tmp_path))
    assert playback.first_tick is not None and playback.last_tick is not None
    keyframe_ticks = sorted(t for kind, t, _ in playback.snapshots if kind == KEYFRAME)
    for tick in random.Random(5).sample(range(playback.first_tick, playback.last_tick + 1), 25):
        state = playback.seek(tick)
        assert state is not None
        assert state.tick == max(t for t in spectator.states if t <= tick)
        assert state == spectator.states[state.tick]
        assert playback.keyframe_at_or_before(tick) == max(t for t in keyframe_ticks if t <= tick)
    assert playback.seek(playback.first_tick - 1) is None


@pytest.mark.parametrize("game_name", GAME_NAMES)
async def test_a_match_taken_over_after_a_crash_has_one_replay_with_the_gap_marked(
    game_name: str, tmp_path: Path
) -> None:
    """Worker a records, then dies without a word (what it had not written is lost with it);
    b takes the match over from its checkpoint and appends after a's last recorded tick."""
    index = Index()
    stack = Stack()
    a = await stack.worker("a", recorder=recorder_in(tmp_path, index))
    b = await stack.worker("b", recorder=recorder_in(tmp_path, index))
    for worker in (a, b):
        worker.games = SHORT
    await stack.create(a, game_name)
    players = await seat_two(stack, a, game_name)
    rate = SHORT[game_name].tick_rate
    await play([a], players, 2 * rate, heartbeat=True)
    await a.recorder.flush()  # type: ignore[union-attr]
    last_written = FolderReplayStorage(tmp_path).last_tick("m")
    assert last_written is not None
    await play([a], players, rate // 2)  # a's last half second: neither checkpointed nor written
    await asyncio.sleep(TTL + 0.1)
    await b.keep_matches()
    assert "m" in b.matches and match_of(b).tick < match_of(a).tick
    taken(b)
    for key in ("ada", "bob"):
        await stack.join(b, key)
    spectator = LiveSpectator(SHORT[game_name].state)
    await play_out(b, players, spectator)
    await b.recorder.flush()  # type: ignore[union-attr]

    records = stored(tmp_path)
    gaps = [r for r in records if r[0] == GAP]
    assert len(gaps) == 1
    _, before, resumed = gaps[0]
    assert before == last_written and resumed > last_written
    at = records.index(gaps[0])
    assert records[at + 1][:2] == (KEYFRAME, resumed), "the new owner starts with a KEYFRAME"
    ticks = [r[1] for r in records if r[0] in (KEYFRAME, DELTA)]
    assert ticks == sorted(ticks), "one replay in tick order"
    assert max(r[1] for r in records[:at]) == last_written
    playback = Playback(SHORT[game_name].state, records)
    assert playback.gaps == [(last_written, resumed)]
    assert [s.tick for s in playback.states()][-1] == ticks[-1]
    (summary,) = index.summaries
    assert summary.gaps == [(last_written, resumed)]
    assert [r[0] for r in records].count(RESULT) == 1


async def test_a_storage_that_cannot_be_written_loses_the_replay_and_nothing_else(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the replays' folder should be")
    index = Index()
    stack = Stack(shared=False)
    recorder = recorder_in(blocked, index)
    worker = await stack.worker("solo", recorder=recorder)
    worker.games = SHORT
    await stack.create(worker, "shooter")
    players = await seat_two(stack, worker, "shooter")
    spectator = LiveSpectator(SHORT["shooter"].state)
    caplog.set_level(logging.ERROR, "engine.replay.recorder")
    published: list[dict[str, Any]] = []
    while "m" in worker.matches:
        now = (await play([worker], players, 1))[0]
        spectator.follow(now)
        published += now
        if "m" in worker.matches and match_of(worker).tick % 10 == 0:
            await recorder.flush()  # writes fail from the first segment on
    await recorder.flush()
    assert recorder.lost == 1 and recorder.recorded == 0 and index.summaries == []
    assert len([r for r in caplog.records if "replay of match m is lost" in r.message]) == 1
    assert recorder.recordings == {}, "nothing kept for it"
    kinds = [m["type"] for m in published]
    assert kinds.count(messages.RESULT) == 1 and kinds[-1] == messages.CLOSED, "the match ended"
    assert spectator.states, "and was watched all along"
    assert worker.stats()["replays_lost"] == 1


async def test_a_match_handed_over_on_stop_goes_on_in_the_same_replay(tmp_path: Path) -> None:
    """Worker a stops (SIGTERM): it writes what it recorded and hands the match over; b adopts
    it from the checkpoint a saved on the way out and appends after a's last tick, the change of
    engines marked."""
    index = Index()
    stack = Stack()
    a = await stack.worker("a", recorder=recorder_in(tmp_path, index))
    b = await stack.worker("b", recorder=recorder_in(tmp_path, index))
    for worker in (a, b):
        worker.games = SHORT
    await stack.create(a, "shooter")
    players = await seat_two(stack, a, "shooter")
    await play([a], players, 30)
    taken(a)
    await a.stop()
    last = FolderReplayStorage(tmp_path).last_tick("m")
    assert last == 30, "everything a recorded is written"
    assert index.summaries == [], "not indexed by a: the match goes on"
    adopt = await stack.layer.receive(b.channel)  # type: ignore[arg-type]
    await b.handle(adopt)
    for key in ("ada", "bob"):
        await stack.join(b, key)
    await play_out(b, players, LiveSpectator(SHORT["shooter"].state))
    await b.recorder.flush()  # type: ignore[union-attr]
    records = stored(tmp_path)
    gaps = [r for r in records if r[0] == GAP]
    assert len(gaps) == 1 and gaps[0][1] == 30 and gaps[0][2] > 30
    at = records.index(gaps[0])
    before = [r[1] for r in records[:at] if r[0] in (KEYFRAME, DELTA)]
    after = [r[1] for r in records[at:] if r[0] in (KEYFRAME, DELTA)]
    assert max(before) == 30 < min(after) == gaps[0][2], "no tick recorded twice, none lost"
    assert after == sorted(after)
    (summary,) = index.summaries
    assert summary.gaps == [(30, gaps[0][2])]
