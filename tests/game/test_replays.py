"""Replays in the database and the replay folder: indexed with their match when it closes,
removed by retention (the management command and the periodic pass alike)."""

from __future__ import annotations

import asyncio
import io
import os
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from channels.layers import InMemoryChannelLayer
from django.core.management import call_command
from django.utils import timezone

from engine import messages
from engine.registry import MemoryEngineRegistry
from engine.replay.format import read_header, read_records
from engine.replay.recorder import ReplayRecorder
from engine.worker import EngineWorker
from game import replays
from game.models import MatchRecord, Replay
from tests.helpers import duel_mode, game_with, with_timers

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(30)]

SHOOTER = with_timers(game_with("shooter"), countdown=0.1, time_limit=1.5, ended_linger=0.2)
DAY = 86400.0


@pytest.fixture
def replay_dir(tmp_path: Path, arena_settings: Any) -> Path:
    folder = tmp_path / "replays"
    arena_settings(replay_dir=str(folder), replay_retention_days=30.0, replay_max_mb=0)
    return folder


async def record_a_match(ranked: bool = False, players: tuple[str, ...] = ("ada", "bob")) -> str:
    """A shooter duel played out on a worker that records it; its match id."""
    mode = duel_mode(SHOOTER).name
    match = await MatchRecord.objects.acreate(
        game="shooter", mode=mode, max_players=2, engine_id="e", ranked=ranked
    )
    match_id = str(match.id)
    layer = InMemoryChannelLayer()
    recorder = replays.replay_recorder()
    assert isinstance(recorder, ReplayRecorder)
    from game.store import DjangoMatchStore

    worker = EngineWorker(
        layer,
        MemoryEngineRegistry(),
        {"shooter": SHOOTER},
        store=DjangoMatchStore(),
        recorder=recorder,
    )
    worker.handle_create(match_id, "shooter", mode, 2, seed=3)
    for key in players:
        channel = await layer.new_channel()
        join = {"type": messages.JOIN, "match_id": match_id, "name": key, "player_key": key}
        await worker.handle({**join, "reply_to": channel})
    while match_id in worker.matches:
        await worker.tick()
    await recorder.flush()
    await asyncio.gather(*worker._background)  # the result is stored
    return match_id


async def test_a_closed_match_is_indexed_with_its_segments_and_schema(replay_dir: Path) -> None:
    match_id = await record_a_match()
    replay = await Replay.objects.aget(match_id=match_id)
    files = sorted(p.name for p in (replay_dir / match_id).iterdir())
    assert [s[0] for s in replay.segments] == files
    assert replay.size == sum((replay_dir / match_id / f).stat().st_size for f in files)
    assert replay.tick_rate == SHOOTER.tick_rate and replay.gaps == []
    assert replay.schema == SHOOTER.wire_schema
    assert replay.first_tick <= replay.last_tick
    match = await MatchRecord.objects.aget(id=match_id)
    body = replays.replay_body(replay, match)
    stream = b"".join(body.chunks(0, body.size - 1))
    assert len(stream) == body.size
    header, offset = read_header(stream)
    assert header["match_id"] == match_id and header["game"] == "shooter"
    mode = SHOOTER.mode(match.mode)
    assert header["info"]["rules"] == SHOOTER.rules(mode) and "schema" not in header["info"]
    assert header["info"]["tick_rate"] == SHOOTER.tick_rate
    assert header["result"] == match.result and header["result"]["reason"] == "time_limit"
    first = header["segments"][0]
    assert first[0] == 0 and first[2] == replay.first_tick
    records = list(read_records(stream[offset + first[0] : offset + first[0] + first[1]]))
    assert records[0][:2] == (0, replay.first_tick), "a segment read alone starts on a KEYFRAME"


async def test_with_replays_off_nothing_is_recorded(replay_dir: Path, arena_settings: Any) -> None:
    arena_settings(replays=False)
    assert replays.replay_recorder() is None


def age(match_id: str, days: float) -> None:
    Replay.objects.filter(match_id=match_id).update(
        recorded_at=timezone.now() - timedelta(days=days)
    )
    stamp = time.time() - days * DAY
    folder = Path(replays.replay_storage().root) / match_id
    for path in [folder, *folder.iterdir()]:
        os.utime(path, (stamp, stamp))


async def test_retention_removes_old_replays_then_the_oldest_over_the_size_limit(
    replay_dir: Path, arena_settings: Any
) -> None:
    old, middle, new = [await record_a_match() for _ in range(3)]
    await asyncio.to_thread(age, old, 40)
    await asyncio.to_thread(age, middle, 5)
    from channels.db import database_sync_to_async

    out = io.StringIO()
    await database_sync_to_async(call_command)("cleanreplays", stdout=out)
    assert out.getvalue().startswith("removed 1 replays")
    assert not (replay_dir / old).exists()
    assert {str(r.match_id) async for r in Replay.objects.all()} == {middle, new}
    sizes = {str(r.match_id): r.size async for r in Replay.objects.all()}
    arena_settings(replay_max_mb=1)
    assert sizes[middle] + sizes[new] < 1024 * 1024, "both fit in a megabyte"
    assert await database_sync_to_async(replays.clean_replays)() == (0, 0)
    await Replay.objects.filter(match_id=new).aupdate(size=1024 * 1024)  # as if it were large
    removed, freed = await database_sync_to_async(replays.clean_replays)()
    assert removed == 1 and freed > 0 and not (replay_dir / middle).exists()
    assert (replay_dir / new).exists()


async def test_retention_removes_folders_nothing_indexed_only_once_they_are_a_day_old(
    replay_dir: Path,
) -> None:
    storage = replays.replay_storage()
    recording, debris = str(uuid.uuid4()), str(uuid.uuid4())
    for match_id in (recording, debris):
        storage.write_segment(match_id, 1, 20, b"segment")
    stamp = time.time() - 2 * DAY
    for path in [replay_dir / debris, *(replay_dir / debris).iterdir()]:
        os.utime(path, (stamp, stamp))
    from channels.db import database_sync_to_async

    assert await database_sync_to_async(replays.clean_replays)() == (0, len(b"segment"))
    assert (replay_dir / recording).exists(), "a match being recorded now keeps its folder"
    assert not (replay_dir / debris).exists()


async def test_the_periodic_pass_applies_retention(replay_dir: Path) -> None:
    old = await record_a_match()
    await asyncio.to_thread(age, old, 60)
    task = asyncio.create_task(replays.clean_replays_forever(interval=0.05))
    try:
        while await Replay.objects.filter(match_id=old).aexists():
            await asyncio.sleep(0.02)
    finally:
        task.cancel()
    assert not (replay_dir / old).exists()


async def test_an_unwritable_replay_folder_loses_the_replay_and_the_result_is_stored(
    tmp_path: Path, arena_settings: Any
) -> None:
    blocked = tmp_path / "full"
    blocked.write_text("a file where the folder should be")
    arena_settings(replay_dir=str(blocked))
    match_id = await record_a_match()
    match = await MatchRecord.objects.aget(id=match_id)
    assert match.status == MatchRecord.Status.OVER and match.result["reason"] == "time_limit"
    assert not await Replay.objects.filter(match_id=match_id).aexists()


def test_replay_settings_come_from_the_environment() -> None:
    from game.config import ConfigError, load_config

    config = load_config(
        {
            "ARENA_REPLAYS": "false",
            "ARENA_REPLAY_DIR": "/srv/replays",
            "ARENA_REPLAY_RETENTION_DAYS": "7",
            "ARENA_REPLAY_MAX_MB": "500",
            "ARENA_REPLAY_SEGMENT_SECONDS": "5",
        }
    )
    assert config.replay_segment_seconds == 5.0
    assert (config.replays, config.replay_dir) == (False, "/srv/replays")
    assert (config.replay_retention_days, config.replay_max_mb) == (7.0, 500)
    defaults = load_config({})
    assert (defaults.replays, defaults.replay_dir, defaults.replay_retention_days) == (
        True,
        "replays",
        30.0,
    )
    with pytest.raises(ConfigError, match="ARENA_REPLAY_MAX_MB"):
        load_config({"ARENA_REPLAY_MAX_MB": "-1"})
