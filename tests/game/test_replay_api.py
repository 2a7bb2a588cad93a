"""GET /api/matches/<id>/replay: the replay stream, byte ranges for seeking, and who may see a
private match's replay."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import AsyncClient

from engine.replay.format import read_header, read_records
from game.models import MatchPlayer, MatchRecord
from game.ranges import RangeNotSatisfiable, byte_range
from lobby.identity import GUEST_KEY
from tests.game.test_replays import record_a_match

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(30)]


@pytest.fixture
def replay_dir(tmp_path: Path, arena_settings: Any) -> Path:
    folder = tmp_path / "replays"
    arena_settings(replay_dir=str(folder))
    return folder


async def body_of(response: Any) -> bytes:
    return b"".join([chunk async for chunk in response.streaming_content])


async def guest(guest_id: str | None = None) -> AsyncClient:
    """A client with a guest session (player key ``guest:<guest_id>``, if given)."""
    client = AsyncClient()
    await client.get("/api/session/")
    if guest_id is not None:
        session = await client.asession()
        await session.aset(GUEST_KEY, guest_id)
        await session.asave()
    return client


async def test_a_lobby_matchs_replay_streams_whole_and_in_ranges(replay_dir: Path) -> None:
    match_id = await record_a_match(ranked=True)
    client = await guest()
    response = await client.get(f"/api/matches/{match_id}/replay")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.arena.replay"
    assert response["Accept-Ranges"] == "bytes"
    whole = await body_of(response)
    assert int(response["Content-Length"]) == len(whole)
    header, offset = read_header(whole)
    assert header["match_id"] == match_id and header["ranked"] is True
    records = list(read_records(whole))
    assert records[0][0] == 0 and records[-1][0] in (0, 1)

    # seeking: the header's byte ranges fetch one segment alone
    segment = header["segments"][-1]
    first, last = offset + segment[0], offset + segment[0] + segment[1] - 1
    response = await client.get(
        f"/api/matches/{match_id}/replay", headers={"range": f"bytes={first}-{last}"}
    )
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes {first}-{last}/{len(whole)}"
    part = await body_of(response)
    assert part == whole[first : last + 1]
    alone = list(read_records(part))
    assert alone[0][:2] == (0, segment[2]), "it starts on a KEYFRAME of its first tick"
    response = await client.get(f"/api/matches/{match_id}/replay", headers={"range": "bytes=0-7"})
    assert await body_of(response) == whole[:8]
    response = await client.get(f"/api/matches/{match_id}/replay", headers={"range": "bytes=-5"})
    assert await body_of(response) == whole[-5:]
    response = await client.get(
        f"/api/matches/{match_id}/replay", headers={"range": f"bytes={len(whole)}-"}
    )
    assert response.status_code == 416 and response["Content-Range"] == f"bytes */{len(whole)}"
    response = await client.head(f"/api/matches/{match_id}/replay")
    assert response.status_code == 200 and int(response["Content-Length"]) == len(whole)


async def test_a_private_matchs_replay_is_for_its_players_only(replay_dir: Path) -> None:
    match_id = await record_a_match(ranked=False, players=("guest:ada", "guest:bob"))
    keys = {p.player_key async for p in MatchPlayer.objects.filter(match_id=match_id)}
    assert keys == {"guest:ada", "guest:bob"}
    stranger = await guest("someone-else")
    response = await stranger.get(f"/api/matches/{match_id}/replay")
    assert response.status_code == 403
    assert "players only" in response.json()["error"]
    player = await guest("ada")
    response = await player.get(f"/api/matches/{match_id}/replay")
    assert response.status_code == 200 and await body_of(response)


async def test_no_match_or_no_replay_is_a_404_with_a_reason(replay_dir: Path) -> None:
    client = await guest()
    response = await client.get("/api/matches/00000000-0000-0000-0000-000000000000/replay")
    assert response.status_code == 404 and response.json()["error"] == "no such match"
    match = await MatchRecord.objects.acreate(mode="duel", max_players=2, ranked=True)
    response = await client.get(f"/api/matches/{match.id}/replay")
    assert response.status_code == 404 and "no replay" in response.json()["error"]
    response = await client.post(f"/api/matches/{match.id}/replay")
    assert response.status_code in (403, 405)


def test_ranges_follow_the_rfc_and_what_is_not_served_is_ignored() -> None:
    assert byte_range(None, 100) is None
    assert byte_range("bytes=0-9", 100) == (0, 9)
    assert byte_range("bytes=90-", 100) == (90, 99)
    assert byte_range("bytes=90-500", 100) == (90, 99)
    assert byte_range("bytes=-10", 100) == (90, 99)
    assert byte_range("bytes=-500", 100) == (0, 99)
    assert byte_range("bytes=0-1,5-6", 100) is None, "several ranges: the whole body"
    assert byte_range("items=0-1", 100) is None
    assert byte_range("bytes=9-3", 100) is None
    assert byte_range("bytes=x-3", 100) is None
    with pytest.raises(RangeNotSatisfiable):
        byte_range("bytes=100-", 100)
    with pytest.raises(RangeNotSatisfiable):
        byte_range("bytes=-0", 100)


async def test_a_match_page_links_to_its_replay_for_those_who_may_watch_it(
    replay_dir: Path,
) -> None:
    ranked = await record_a_match(ranked=True)
    page = await (await guest()).get(f"/matches/{ranked}/")
    assert f'href="/replay/{ranked}"' in page.content.decode()
    private = await record_a_match(ranked=False, players=("guest:ada", "guest:bob"))
    assert (
        f"/replay/{private}"
        in (await (await guest("ada")).get(f"/matches/{private}/")).content.decode()
    )
    stranger = (await (await guest("eve")).get(f"/matches/{private}/")).content.decode()
    assert f"/replay/{private}" not in stranger
    unrecorded = await MatchRecord.objects.acreate(mode="duel", max_players=2, ranked=True)
    assert (
        "/replay/" not in (await (await guest()).get(f"/matches/{unrecorded.id}/")).content.decode()
    )
    response = await (await guest()).get(f"/replay/{ranked}")
    assert response.status_code == 302 and response["Location"] == f"/#replay/{ranked}"
