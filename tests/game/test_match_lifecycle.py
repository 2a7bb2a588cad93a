"""A whole match through the consumer: countdown, running, time limit, RESULT, close, record."""

from __future__ import annotations

import pytest

from engine.games.shooter.rules import Rules
from engine.protocol import CloseCode, MessageType, Phase
from engine.worker import EngineWorker
from game.models import MatchRecord
from game.services import create_match, validate_match_request
from tests.conftest import Connect
from tests.helpers import until, wait_for, wait_for_close

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(20)]


@pytest.fixture
def rules() -> Rules:
    return Rules(tick_rate=50, countdown=0.2, time_limit=0.6, ended_linger=0.3, empty_timeout=0.5)


async def test_a_timed_out_duel_reports_results_closes_and_is_recorded(
    engine: EngineWorker, connect: Connect
) -> None:
    match = await create_match(validate_match_request(mode="duel"))
    ada = await connect(str(match.id), "Ada")
    bo = await connect(str(match.id), "Bo")
    for comm in (ada, bo):
        await wait_for(comm, MessageType.WELCOME)
    await wait_for(ada, MessageType.SNAPSHOT, where=lambda s: s[3] == Phase.COUNTDOWN)
    await wait_for(ada, MessageType.SNAPSHOT, where=lambda s: s[3] == Phase.RUNNING)
    results = [await wait_for(comm, MessageType.RESULT) for comm in (ada, bo)]
    assert results[0] == results[1]
    body = results[0][1]
    assert body["reason"] == "time_limit" and body["winner_id"] is None
    assert [row[1] for row in body["standings"]] == ["Ada", "Bo"]
    assert body["duration_ms"] == 600
    assert await wait_for_close(ada) == CloseCode.MATCH_OVER
    assert await wait_for_close(bo) == CloseCode.MATCH_OVER
    row = await MatchRecord.objects.aget(id=match.id)
    assert row.status == MatchRecord.Status.OVER and row.result == body and row.ended_at is not None
    assert str(match.id) not in engine.matches, "closed matches leave the engine"


async def test_a_match_nobody_joins_is_abandoned_and_cleaned_up(engine: EngineWorker) -> None:
    match = await create_match(validate_match_request(mode="ffa"))
    match_id = str(match.id)
    await until(engine, lambda: match_id in engine.matches)

    async def recorded() -> bool:
        row = await MatchRecord.objects.aget(id=match.id)
        return row.status == MatchRecord.Status.OVER

    await until(engine, recorded)
    await until(engine, lambda: match_id not in engine.matches)
    row = await MatchRecord.objects.aget(id=match.id)
    assert row.result is not None and row.result["reason"] == "abandoned"


async def test_a_player_back_after_the_end_gets_the_results_then_the_close(
    engine: EngineWorker, connect: Connect
) -> None:
    match = await create_match(validate_match_request(mode="duel"))
    ada = await connect(str(match.id), "Ada", player_key="guest:ada")
    bo = await connect(str(match.id), "Bo")
    await wait_for(ada, MessageType.WELCOME)
    await wait_for(ada, MessageType.SNAPSHOT, where=lambda s: s[3] == Phase.RUNNING)
    await ada.disconnect()  # away: the ship waits, and the match ends meanwhile
    result = await wait_for(bo, MessageType.RESULT)
    back = await connect(str(match.id), "Ada", player_key="guest:ada")
    assert await wait_for(back, MessageType.RESULT) == result
    assert await wait_for_close(back) == CloseCode.MATCH_OVER
