"""A match's replay across an engine killed with SIGKILL, for real: two runengine processes and a
web process on one Redis; the engine that takes the match over appends to the replay the
killed one wrote, after its last recorded tick, with the gap marked."""

from __future__ import annotations

import asyncio
import signal
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.protocol import MessageType
from engine.replay.format import DELTA, GAP, KEYFRAME, RESULT, read_header, read_records
from engine.wirestate import is_snapshot
from loadtest.games import game, option_env, seating_mode
from loadtest.stack import Stack, base_env, guest_cookie, http_json, ticket_url
from tests.e2e.test_failover import (
    RESULT_TIMEOUT,
    SHORT_MATCHES,
    TAKEOVER_LIMIT,
    owner_of,
    playing,
    reading,
)
from tests.helpers import GAME_NAMES

pytestmark = [pytest.mark.e2e, pytest.mark.redis, pytest.mark.timeout(90)]

SEGMENT_SECONDS = 1  # segments written every second or two: some are on disk before the kill
BEFORE_KILL = 3.0  # seconds played on the first engine


@pytest.fixture
def stack(tmp_path: Path, redis_url: str, redis_prefix: str) -> Iterator[tuple[Stack, str]]:
    """Two engine workers and one web process, recording with short segments."""
    env = base_env(
        tmp_path,
        redis_url,
        redis_prefix,
        ARENA_REPLAY_SEGMENT_SECONDS=str(SEGMENT_SECONDS),
        **option_env(SHORT_MATCHES),
    )
    stack = Stack(env, tmp_path)
    try:
        [base] = stack.start_all(["engine-a", "engine-b"], ["web-a"])
        yield stack, base
    finally:
        stack.stop()


def fetch(url: str, cookie: str) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers={"Cookie": cookie})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


@pytest.mark.parametrize("game_name", GAME_NAMES)
async def test_a_match_taken_over_after_kill_9_has_one_replay_with_the_gap_marked(
    stack: tuple[Stack, str], redis_url: str, redis_prefix: str, game_name: str
) -> None:
    stack_, base = stack
    mode = seating_mode(game(game_name), 2).name
    status, match = http_json(
        "POST", f"{base}/api/matches/", {"game": game_name, "mode": mode, "max_players": 2}
    )
    assert status == 201, match
    ada_cookie = guest_cookie(base)
    ada_url = ticket_url(base, match, "Ada", ada_cookie)
    bo_url = ticket_url(base, match, "Bo")
    async with playing(ada_url) as ada, playing(bo_url) as bo, reading(bo):
        owner, _ = owner_of(redis_url, redis_prefix, match["id"])
        await ada.play_for(BEFORE_KILL)
        stack_.send_signal(owner, signal.SIGKILL)
        await ada.next_of(MessageType.WELCOME, timeout=TAKEOVER_LIMIT)
        async with asyncio.timeout(RESULT_TIMEOUT):
            while (frame := await ada.frame())[0] != MessageType.RESULT:
                if is_snapshot(frame):
                    await ada.play()

    url = f"{base}/api/matches/{match['id']}/replay"

    def indexed() -> bool:
        return fetch(url, ada_cookie)[0] == 200

    await asyncio.to_thread(stack_.wait_until, indexed, "the replay to be indexed", 10)
    status, stream = fetch(url, ada_cookie)
    assert status == 200
    assert fetch(url, guest_cookie(base))[0] == 403, "a private match's: its players' only"
    header, _ = read_header(stream)
    records = list(read_records(stream))
    gaps = [r for r in records if r[0] == GAP]
    assert len(gaps) == 1, "one replay, one gap"
    _, last, resumed = gaps[0]
    assert header["gaps"] == [[last, resumed]]
    assert 0 < last < resumed, "what the killed engine wrote, then the rest"
    at = records.index(gaps[0])
    assert records[at + 1][:2] == (KEYFRAME, resumed)
    before = [r[1] for r in records[:at] if r[0] in (KEYFRAME, DELTA)]
    after = [r[1] for r in records[at + 1 :] if r[0] in (KEYFRAME, DELTA)]
    assert before and after and max(before) == last
    assert before == sorted(before) and after == sorted(after)
    assert [r[0] for r in records].count(RESULT) == 1
    assert header["result"]["reason"] == frame[1]["reason"]
