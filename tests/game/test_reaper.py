"""The lost-match reaper: open matches no engine holds are ended as lost, and only those."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from engine.leases import MemoryMatchLeases
from engine.registry import MemoryEngineRegistry
from game.models import MatchRecord
from game.reaper import MatchReaper
from game.store import record_result

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(20)]


async def old_match(**fields: object) -> str:
    """An open match created a minute ago."""
    match = await MatchRecord.objects.acreate(mode="duel", max_players=2, engine_id="e", **fields)
    created = timezone.now() - timedelta(minutes=1)
    await MatchRecord.objects.filter(id=match.id).aupdate(created_at=created)
    return str(match.id)


async def status_of(match_id: str) -> tuple[str, str | None]:
    match = await MatchRecord.objects.aget(id=match_id)
    return match.status, (match.result or {}).get("reason")


async def test_a_match_no_engine_holds_twice_in_a_row_is_lost() -> None:
    registry = MemoryEngineRegistry()
    leases = MemoryMatchLeases()
    running, adoptable, lost = await old_match(), await old_match(), await old_match()
    young = str((await MatchRecord.objects.acreate(mode="duel", max_players=2, engine_id="e")).id)
    await registry.announce("e", "chan", 1, {}, [{"id": running, "players": []}])
    await leases.claim(adoptable, "dead-engine", "chan-x", b"checkpoint")
    reaper = MatchReaper(registry, leases)
    assert await reaper.sweep() == [], "the first sighting only makes it a suspect"
    assert await reaper.sweep() == [lost]
    assert await status_of(lost) == ("over", "lost")
    for match_id in (running, adoptable, young):
        assert await status_of(match_id) == ("open", None)


async def test_a_match_seen_again_is_no_longer_a_suspect() -> None:
    registry = MemoryEngineRegistry()
    match_id = await old_match()
    reaper = MatchReaper(registry, None, clock=time.time)
    await reaper.sweep()
    await registry.announce("e", "chan", 1, {}, [{"id": match_id, "players": []}])
    await reaper.sweep()
    await registry.announce("e", "chan", 0, {}, [])
    assert await reaper.sweep() == [], "missing once since it was seen"
    assert await status_of(match_id) == ("open", None)


async def test_the_real_result_replaces_a_lost_guess() -> None:
    registry = MemoryEngineRegistry()
    match_id = await old_match()
    reaper = MatchReaper(registry, None)
    await reaper.sweep()
    await reaper.sweep()
    assert await status_of(match_id) == ("over", "lost")
    result = {
        "reason": "time_limit",
        "winner_id": 0,
        "standings": [[0, "a", 1, 0]],
        "duration_ms": 9,
    }
    await record_result_async(match_id, result, {0: "guest:a"})
    assert await status_of(match_id) == ("over", "time_limit")


async def record_result_async(match_id: str, result: dict, keys: dict[int, str]) -> None:
    from channels.db import database_sync_to_async

    await database_sync_to_async(record_result)(match_id, result, keys)
