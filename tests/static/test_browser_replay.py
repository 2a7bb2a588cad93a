"""The replay viewer in a real browser: a finished match's replay opened from the results screen,
played, sought to the middle, sped up, another player followed; the shareable link; a stranger
refused a private match's replay. Screenshots go to artifacts/browser-replay-*.png."""

from __future__ import annotations

import asyncio
import re
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from playwright.sync_api import Browser, Page, expect

from engine.games.shooter.wire import EventKind
from engine.protocol import MessageType
from engine.replay.format import read_header, read_records
from engine.replay.playback import Playback
from engine.schema import StateSchema
from engine.wirestate import is_snapshot
from loadtest.stack import guest_cookie, http_json, ticket_url
from tests.e2e.test_failover import playing, reading
from tests.static.servers import embedded_web
from tests.static.test_browser import (
    ARTIFACTS,
    join_private_match,
    open_page,
    start_private_match,
)

pytestmark = [pytest.mark.browser, pytest.mark.timeout(150)]

WAIT_MS = 20_000  # the match's 8 s, its 5 s of linger, the replay's last segment written
REPLAY_URL = re.compile(r"/api/matches/[0-9a-f-]+/replay")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The embedded server: 8-second shooter matches recorded in 2-second segments."""
    with embedded_web(
        tmp_path_factory,
        "replay",
        ARENA_SHOOTER_TIME_LIMIT="8",
        ARENA_SHOOTER_COUNTDOWN="1",
        ARENA_REPLAY_SEGMENT_SECONDS="2",
        ARENA_SECRET_KEY="",
    ) as base:
        yield base


def replay_state(page: Page) -> dict:
    """The replay view through the debug hook (static/js/core/replay-view.js `debugState`)."""
    return page.evaluate("window.arena.replay()")


def shot(page: Page, step: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"browser-replay-{step}.png"))


def real_errors(errors: list[str]) -> list[str]:
    """The page's errors but the browser's own line for a replay asked for while the server
    was still saving it (a 404 the viewer answers by asking again)."""
    return [e for e in errors if not ("404" in e and "Failed to load resource" in e)]


def test_a_finished_matchs_replay_plays_seeks_speeds_up_and_follows_another_player(
    server: str, browser: Browser
) -> None:
    errors: list[str] = []
    ada = start_private_match(browser, errors, server, "duel")
    match_id = ada.evaluate("new URLSearchParams(location.hash.slice(1)).get('match')")
    bo = join_private_match(browser, errors, server, match_id, "Bo")
    ada.wait_for_function("Number(document.body.dataset.phase) === 2", timeout=15_000)
    ada_id = ada.evaluate("window.arena.state().playerId")
    bo_id = bo.evaluate("window.arena.state().playerId")
    ada.mouse.move(900, 400)
    ada.mouse.down()  # Ada fires towards Bo, Bo walks: there is something to see
    bo.keyboard.down("a")
    expect(ada.locator("#results")).to_be_visible(timeout=WAIT_MS)
    ada.mouse.up()
    bo.keyboard.up("a")

    # the results screen offers the replay
    link = ada.locator("#results-replay")
    expect(link).to_be_visible()
    expect(link).to_have_attribute("href", f"#replay/{match_id}")
    link.click()
    assert ada.url.endswith(f"#replay/{match_id}")
    ada.wait_for_function(
        "() => { const s = window.arena.replay(); return s && !s.loading && s.primed"
        " && s.frames > 0 && s.tick !== null && s.playing; }",
        timeout=WAIT_MS,
    )
    start = replay_state(ada)
    assert start["game"] == "shooter" and start["matchId"] == match_id
    assert start["durationMs"] > 7000, "the whole match: its countdown and eight seconds"
    assert start["gaps"] == []
    expect(ada.locator("#replay-controls")).to_be_visible()
    expect(ada.locator("#status")).to_contain_text("replay")
    expect(ada.locator("#scoreboard tr[data-player-id]")).to_have_count(2)
    ada.wait_for_function(
        "(at) => window.arena.replay().positionMs > at + 300", arg=start["positionMs"]
    )
    shot(ada, "start")

    # seek to the middle: the view starts again from the KEYFRAME before it
    middle = start["durationMs"] / 2
    ada.locator("#replay-seek").fill(str(round(middle)))
    ada.wait_for_function(
        "(mid) => { const s = window.arena.replay(); return s.primed && s.tick !== null"
        " && s.positionMs >= mid && s.positionMs < mid + 1500; }",
        arg=middle,
    )
    sought = replay_state(ada)
    tick_rate = 20
    middle_tick = sought["firstTick"] + int(middle / 1000 * tick_rate)
    assert sought["fedFrom"] <= middle_tick, "fed from a KEYFRAME at or before the tick"
    assert middle_tick - 2 <= sought["tick"] <= middle_tick + 30, "drawn at the tick sought"
    shot(ada, "middle")

    # 4x: the replay moves four times as fast as the clock on the wall
    ada.select_option("#replay-speed", "4")
    expect(ada.locator("#status")).to_contain_text("4×")
    ada.evaluate(
        "() => { window.replayMark = [performance.now(), window.arena.replay().positionMs]; }"
    )
    ada.wait_for_function(
        "() => performance.now() - window.replayMark[0] > 500"
        " || window.arena.replay().positionMs >= window.arena.replay().durationMs"
    )
    rate = ada.evaluate(
        "() => { const s = window.arena.replay(); const [t, p] = window.replayMark;"
        " return (s.positionMs - p) / (performance.now() - t); }"
    )
    assert 2.5 < rate < 4.5 or replay_state(ada)["positionMs"] >= sought["durationMs"]
    shot(ada, "speed-4x")

    # back to the start at a quarter speed, and follow the other player
    ada.select_option("#replay-speed", "0.25")
    ada.locator("#replay-seek").fill("1500")
    ada.wait_for_function("() => window.arena.replay().primed")
    ada.locator(f'#scoreboard tr[data-player-id="{bo_id}"]').click()
    expect(ada.locator("#following")).to_have_text("Following Bo")
    ada.wait_for_function(f"() => window.arena.replay().following === {bo_id}")
    ada.locator(f'#scoreboard tr[data-player-id="{ada_id}"]').click()
    expect(ada.locator("#following")).to_have_text("Following Ada")
    ada.locator(f'#scoreboard tr[data-player-id="{bo_id}"]').click()
    ada.locator("#replay-seek").fill(str(round(middle)))
    ada.wait_for_function(
        f"() => {{ const s = window.arena.replay(); return s.primed && s.following === {bo_id}; }}"
    )
    expect(ada.locator("#following")).to_have_text("Following Bo")  # kept across the seek
    ada.click("#replay-play")
    expect(ada.locator("#replay-play")).to_have_text("Play")
    paused = replay_state(ada)["positionMs"]
    assert not replay_state(ada)["playing"]
    shot(ada, "follow-bo")
    assert replay_state(ada)["positionMs"] == paused, "paused: the clock stands"

    # the shareable link: Bo (a player) opens it; a stranger is refused a private match's
    bo.goto(f"{server}/replay/{match_id}")
    bo.wait_for_function(
        "() => { const s = window.arena.replay(); return s && !s.loading && s.frames > 0; }",
        timeout=WAIT_MS,
    )
    assert bo.url.endswith(f"/#replay/{match_id}")
    stranger = open_page(browser, errors)
    stranger.goto(f"{server}/replay/{match_id}")
    expect(stranger.locator("#notice")).to_contain_text("players only", timeout=WAIT_MS)
    shot(stranger, "refused")
    assert [e for e in real_errors(errors) if "403" not in e] == []


@pytest.fixture(scope="module")
def deciding_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The embedded server: shooter matches that end at the first kill."""
    with embedded_web(
        tmp_path_factory,
        "replay-kill",
        ARENA_SHOOTER_TIME_LIMIT="40",
        ARENA_SHOOTER_SCORE_LIMIT="1",
        ARENA_SHOOTER_COUNTDOWN="1",
        ARENA_REPLAY_SEGMENT_SECONDS="2",
        ARENA_SECRET_KEY="",
    ) as base:
        yield base


async def play_to_the_end(ada_url: str, bo_url: str) -> None:
    """Ada's bot plays until the match ends (Bo stands still, reading)."""
    async with playing(ada_url) as ada, playing(bo_url) as bo, reading(bo):
        async with asyncio.timeout(45):
            while (frame := await ada.frame())[0] != MessageType.RESULT:
                if is_snapshot(frame):
                    await ada.play()


def kill_tick(stream: bytes) -> tuple[int, int, int]:
    """The tick of the replay's first kill, its killer and its victim."""
    header, _ = read_header(stream)
    playback = Playback(StateSchema.from_wire(header["schema"]), read_records(stream))
    for state in playback.states():
        for event in state.events:
            if event[0] == EventKind.KILL:
                return state.tick, event[1], event[2]
    raise AssertionError("no kill in the replay")


def test_the_scoreboard_and_kill_feed_are_as_they_were_at_the_moment_sought(
    deciding_server: str, browser: Browser
) -> None:
    server = deciding_server
    status, match = http_json(
        "POST", f"{server}/api/matches/", {"game": "shooter", "mode": "duel", "max_players": 2}
    )
    assert status == 201, match
    ada_cookie = guest_cookie(server)
    urls = (ticket_url(server, match, "Ada", ada_cookie), ticket_url(server, match, "Bo"))
    with ThreadPoolExecutor(1) as pool:  # Playwright's own loop runs in this thread
        pool.submit(asyncio.run, play_to_the_end(*urls)).result()
    url = f"{server}/api/matches/{match['id']}/replay"
    request = urllib.request.Request(url, headers={"Cookie": ada_cookie})
    deadline = time.monotonic() + 30  # a busy machine: the compressor's process starts, too
    while True:  # the match lingers 5 s after its RESULT, then its last segment is written
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                stream = response.read()
            break
        except urllib.error.HTTPError as exc:
            assert exc.code == 404, exc
            assert time.monotonic() < deadline, "the replay was not indexed in time"
            time.sleep(0.5)
    tick, killer, victim = kill_tick(stream)
    names = {0: "Ada", 1: "Bo"}

    errors: list[str] = []
    page = open_page(browser, errors)
    page.context.add_cookies(
        [
            {"name": name, "value": value, "url": server}
            for name, _, value in (part.partition("=") for part in ada_cookie.split("; "))
        ]
    )
    page.goto(f"{server}/replay/{match['id']}")
    page.wait_for_function(
        "() => { const s = window.arena.replay(); return s && !s.loading && s.primed; }",
        timeout=WAIT_MS,
    )
    page.click("#replay-play")  # paused: the moments sought stay on screen
    first = replay_state(page)["firstTick"]
    kill_ms = (tick - first) * 50
    killer_row = page.locator(f'#scoreboard tr[data-player-id="{killer}"]')

    page.locator("#replay-seek").fill(str(kill_ms + 1000))
    page.wait_for_function("() => window.arena.replay().primed")
    expect(page.locator("#killfeed")).to_contain_text(f"{names[killer]} eliminated {names[victim]}")
    expect(killer_row).to_contain_text("1")
    shot(page, "kill-feed")

    page.locator("#replay-seek").fill(str(max(0, kill_ms - 1500)))
    page.wait_for_function("() => window.arena.replay().primed")
    expect(page.locator("#killfeed")).not_to_contain_text("eliminated")
    expect(killer_row).not_to_contain_text("1")
    assert real_errors(errors) == []
