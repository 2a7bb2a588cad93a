"""The browser client in headless Chromium against a real embedded server."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, expect

from loadtest.stack import ROOT
from tests.static.delay_proxy import DelayProxy
from tests.static.servers import embedded_web

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]

ARTIFACTS = ROOT / "artifacts"
ONE_WAY_DELAY_S = 0.05  # 100 ms round trip


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The embedded server (no Redis) with short matches."""
    with embedded_web(
        tmp_path_factory,
        "browser",
        ARENA_SHOOTER_TIME_LIMIT="8",
        ARENA_SHOOTER_COUNTDOWN="1",
        ARENA_SECRET_KEY="",
    ) as base:
        yield base


@pytest.fixture
def slow_server(server: str) -> Iterator[str]:
    """The embedded server behind a proxy that delays every chunk by 50 ms each way."""
    upstream = urlsplit(server)
    assert upstream.hostname and upstream.port
    with DelayProxy(upstream.hostname, upstream.port, ONE_WAY_DELAY_S) as proxy:
        yield f"http://127.0.0.1:{proxy.port}"


def open_page(browser: Browser, errors: list[str]) -> Page:
    page = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    return page


def start_private_match(browser: Browser, errors: list[str], server: str, mode: str) -> Page:
    """A page where Ada created a private match of ``mode`` and is connected to it."""
    page = open_page(browser, errors)
    page.goto(server)
    page.fill("#name", "Ada")
    page.select_option("#mode", mode)
    page.click("#create")
    expect(page.locator("#status")).to_contain_text("connected", timeout=10_000)
    return page


def join_private_match(
    browser: Browser, errors: list[str], server: str, match_id: str, name: str
) -> Page:
    """A page where ``name`` followed the private match's link and is connected to it."""
    page = open_page(browser, errors)
    page.goto(f"{server}/#match={match_id}")
    page.fill("#name", name)
    page.click("#create")  # "Join match" while the invitation shows
    expect(page.locator("#status")).to_contain_text("connected", timeout=10_000)
    return page


def canvas_pixels(page: Page) -> str:
    return page.eval_on_selector("#canvas", "canvas => canvas.toDataURL('image/png')")


def test_a_match_starts_and_the_canvas_follows_the_snapshots(server: str, browser: Browser) -> None:
    errors: list[str] = []
    page = start_private_match(browser, errors, server, "ffa")
    page.wait_for_function("Number(document.body.dataset.tick) > 5")
    before = canvas_pixels(page)
    tick = int(page.evaluate("document.body.dataset.tick"))

    page.keyboard.down("d")  # move right: the server moves the player, the canvas follows
    page.wait_for_function(f"Number(document.body.dataset.tick) > {tick + 20}")
    page.keyboard.up("d")
    after = canvas_pixels(page)
    assert after != before, "the canvas changes as snapshots arrive"

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "browser-match.png"))
    assert errors == []


def test_two_tabs_play_a_full_match_to_the_results_screen(server: str, browser: Browser) -> None:
    errors: list[str] = []
    ada = start_private_match(browser, errors, server, "duel")
    match_id = ada.evaluate("new URLSearchParams(location.hash.slice(1)).get('match')")
    assert match_id, "the page shows the match in its URL so it can be shared"

    bo = join_private_match(browser, errors, server, match_id, "Bo")

    # both fight: Ada holds fire towards Bo for the whole match
    ada.wait_for_function("Number(document.body.dataset.phase) === 2", timeout=15_000)
    ada.mouse.move(900, 400)
    ada.mouse.down()
    for page in (ada, bo):
        expect(page.locator("#results")).to_be_visible(timeout=30_000)
    ada.mouse.up()
    expect(ada.locator("#results")).to_contain_text("Ada")
    expect(bo.locator("#results")).to_contain_text("Bo")
    ARTIFACTS.mkdir(exist_ok=True)
    ada.screenshot(path=str(ARTIFACTS / "browser-results.png"))
    assert errors == []


def test_two_players_meet_in_the_lobby_play_and_come_back(server: str, browser: Browser) -> None:
    errors: list[str] = []
    pages = []
    for name in ("Ada", "Bo"):
        page = open_page(browser, errors)  # a context each: two separate guests
        page.goto(server)
        page.fill("#name", name)
        page.select_option("#mode", "duel")
        page.click("#find")
        # the second player may be matched at once, before "searching" can be seen
        expect(page.locator("#queue-status")).to_contain_text(
            re.compile("searching|Match found"), timeout=10_000
        )
        pages.append(page)
    for page in pages:
        expect(page.locator("#ready-dialog")).to_be_visible(timeout=10_000)
        page.click("#accept")
    for page in pages:
        page.wait_for_function("document.body.dataset.lobby === 'in-match'", timeout=10_000)
        expect(page.locator("#status")).to_contain_text("connected", timeout=10_000)
    for page in pages:
        expect(page.locator("#results")).to_be_visible(timeout=30_000)
    ARTIFACTS.mkdir(exist_ok=True)
    pages[0].screenshot(path=str(ARTIFACTS / "browser-lobby-results.png"))
    for page in pages:
        page.click("#back-to-lobby")
        page.wait_for_function("document.body.dataset.lobby === 'idle'", timeout=10_000)
        expect(page.locator("#find")).to_be_enabled()
    assert errors == []


def own_state(page: Page) -> dict:
    """The own ship through the client's debug hook (static/js/core/play.js `Player.debugState`)."""
    return page.evaluate("window.arena.state()")


def wait_at_rest(page: Page) -> tuple[dict, str, int]:
    """Wait until the own ship is predicted and at rest: its state, the key and sign inwards."""
    page.wait_for_function(
        """() => {
          const s = window.arena.state();
          return s && s.predicted && s.server && s.server.ack > 0 && s.predicted.vx === 0
            && s.predicted.vy === 0 && s.drawn && s.drawn.predicted;
        }""",
        timeout=10_000,
    )
    page.wait_for_timeout(300)
    start = own_state(page)
    key, sign = ("d", 1) if start["predicted"]["x"] < 800 else ("a", -1)
    return start, key, sign


def hold_key(page: Page, key: str) -> tuple[float, int, list[dict]]:
    """Hold `key` for 400 ms: when it went down, the INPUT sent last before, the ship's draws."""
    page.evaluate("() => { window.keyAt = null; window.seqAtKey = null; window.afterKey = null; }")
    page.keyboard.down(key)
    page.wait_for_timeout(400)
    page.keyboard.up(key)
    return (
        page.evaluate("window.keyAt"),
        page.evaluate("window.seqAtKey"),
        page.evaluate("window.arena.draws()"),
    )


def test_own_movement_is_immediate_at_100_ms_round_trip(slow_server: str, browser: Browser) -> None:
    errors: list[str] = []
    page = start_private_match(browser, errors, slow_server, "ffa")
    expect(page.locator("#status")).to_contain_text(" ms", timeout=10_000)
    shown = re.search(r"(\d+) ms", page.inner_text("#status"))
    assert shown, "the status shows the round trip"
    rtt = int(shown.group(1))
    assert rtt >= 2000 * ONE_WAY_DELAY_S, f"the proxy delays the socket: {rtt} ms round trip"

    # before the app's own key handler (capture) the key's moment and the INPUT sent last; after
    # it (registered later), the own ship's state once the key's INPUT has gone: at once, or a
    # few ms later when the last INPUT left less than the input clock's minimum gap before
    page.evaluate(
        """() => {
          addEventListener("keydown", (e) => {
            window.keyAt ??= e.timeStamp;
            window.seqAtKey ??= window.arena.state().seq;
          }, { capture: true });
          addEventListener("keydown", () => {
            const look = () => {
              const s = window.arena.state();
              if (s.seq > window.seqAtKey) window.afterKey ??= s;
              else setTimeout(look, 2);
            };
            look();
          });
        }"""
    )
    # The window where only the prediction can move the drawn ship: an INPUT sent after the key,
    # none of them acknowledged yet (the first answer takes a round trip, >= 100 ms here).
    # Without prediction the ship moves only once that answer is drawn, an interpolation delay
    # later. A loaded machine can draw no frame at all for that long: then press again.
    for _ in range(3):
        start, key, sign = wait_at_rest(page)
        key_at, seq_at_key, draws = hold_key(page, key)
        before = [d for d in draws if d["at"] <= key_at]
        after = [d for d in draws if d["at"] > key_at]
        assert before and after, "frames were drawn around the key press"
        x0 = before[-1]["x"]
        assert all(abs(d["x"] - x0) < 0.01 for d in before[-10:]), (
            "the ship was still before the key"
        )
        unanswered = [
            d
            for d in after
            if d["seq"] > seq_at_key and d["ack"] is not None and d["ack"] <= seq_at_key
        ]
        if unanswered:
            break
    else:
        pytest.fail("three times the page drew no frame between the key's INPUT and its answer")
    moved = next((d for d in unanswered if (d["x"] - x0) * sign > 0.01), None)
    assert moved, (
        f"the own ship stood still in {len(unanswered)} draws after the key's INPUT"
        f" ({unanswered[0]['at'] - key_at:.1f} to {unanswered[-1]['at'] - key_at:.1f} ms after"
        " the key),"
        " before the server had acknowledged it"
    )
    assert moved["predicted"], "the own ship is drawn where the prediction puts it"
    # and the prediction took the key's INPUT as it left, long before the server could answer
    after_key = page.evaluate("window.afterKey")
    assert after_key["server"]["ack"] <= seq_at_key, after_key
    assert after_key["predicted"]["vx"] * sign > 0, (
        f"the predicted ship did not move when the key's INPUT left: {after_key['predicted']}"
    )

    # after the release the prediction converges to the server's position
    released_seq = own_state(page)["seq"]
    page.wait_for_function(
        f"""() => {{
          const s = window.arena.state();
          return s.server.ack > {released_seq} && s.predicted.vx === 0 && s.predicted.vy === 0
            && s.pending <= 3;
        }}""",
        timeout=10_000,
    )
    page.wait_for_timeout(200)  # the last correction fades out of the drawn position
    end = own_state(page)
    travelled = (end["server"]["x"] - start["server"]["x"]) * sign
    assert travelled > 50, f"the server moved the ship too: {travelled:.1f} units"
    for axis in ("x", "y"):
        assert abs(end["predicted"][axis] - end["server"][axis]) < 1, end
        assert abs(end["drawn"][axis] - end["server"][axis]) < 1, end
    assert errors == []


def watch_state(page: Page) -> dict:
    """The spectator view through the debug hook (static/js/core/spectate.js `debugState`)."""
    return page.evaluate("window.arena.watch()")


def drawn_x(page: Page, player_id: int) -> float:
    return next(p["x"] for p in watch_state(page)["drawn"] if p["id"] == player_id)


def test_a_spectator_watches_from_the_lobby_and_the_player_sees_them(
    server: str, browser: Browser
) -> None:
    errors: list[str] = []
    ada = start_private_match(browser, errors, server, "ffa")
    match_id = ada.evaluate("new URLSearchParams(location.hash.slice(1)).get('match')")
    ada_id = ada.evaluate("window.arena.state().playerId")

    viewer = open_page(browser, errors)  # a guest of its own: no name, no seat
    viewer.goto(server)
    row = viewer.locator(f'#live-list li[data-match-id="{match_id}"]')
    expect(row).to_contain_text("Ada", timeout=10_000)
    row.get_by_role("button", name="Watch").click()
    expect(viewer.locator("#status")).to_contain_text("watching", timeout=10_000)
    assert viewer.url.endswith(f"#watch/{match_id}"), "the view can be shared and reloaded"

    # the camera follows the only player and the canvas draws her
    viewer.wait_for_function(
        f"""() => {{
          const s = window.arena.watch();
          return s && s.following === {ada_id} && s.followSent === {ada_id}
            && s.drawn.some((p) => p.id === {ada_id});
        }}""",
        timeout=10_000,
    )
    expect(viewer.locator("#following")).to_have_text("Following Ada")

    # both HUDs count the spectator
    expect(ada.locator("#spectators")).to_have_text("1 spectator", timeout=5_000)
    expect(viewer.locator("#spectators")).to_have_text("1 spectator")

    # Ada moves; the spectator's canvas shows it
    x0 = drawn_x(viewer, ada_id)
    before = canvas_pixels(viewer)
    key, sign = ("d", 1) if x0 < 800 else ("a", -1)
    ada.keyboard.down(key)
    viewer.wait_for_function(
        f"""() => {{
          const p = window.arena.watch().drawn.find((d) => d.id === {ada_id});
          return p && (p.x - {x0}) * {sign} > 40;
        }}""",
        timeout=10_000,
    )
    ada.keyboard.up(key)
    assert canvas_pixels(viewer) != before, "the canvas changes as the spectator's snapshots arrive"
    ARTIFACTS.mkdir(exist_ok=True)
    viewer.screenshot(path=str(ARTIFACTS / "browser-watch.png"))

    viewer.click("#leave")
    expect(viewer.locator("#lobby")).to_be_visible()
    assert "#watch" not in viewer.url
    expect(ada.locator("#spectators")).to_be_hidden(timeout=5_000)
    assert errors == []


def test_a_spectator_follows_a_duel_to_its_result(server: str, browser: Browser) -> None:
    errors: list[str] = []
    ada = start_private_match(browser, errors, server, "duel")
    match_id = ada.evaluate("new URLSearchParams(location.hash.slice(1)).get('match')")

    viewer = open_page(browser, errors)
    viewer.goto(f"{server}/#watch/{match_id}")  # a shared watch link
    expect(viewer.locator("#status")).to_contain_text("watching", timeout=10_000)

    join_private_match(browser, errors, server, match_id, "Bo")

    viewer.wait_for_function("Number(document.body.dataset.phase) === 2", timeout=15_000)
    viewer.wait_for_function("window.arena.watch().drawn.length === 2", timeout=5_000)
    first = watch_state(viewer)["following"]
    viewer.keyboard.press("Tab")  # the other player
    viewer.wait_for_function(
        f"""() => {{
          const s = window.arena.watch();
          return s.following !== null && s.following !== {first} && s.followSent === s.following;
        }}""",
        timeout=5_000,
    )
    viewer.keyboard.press("0")  # the whole arena
    expect(viewer.locator("#following")).to_have_text("Whole arena")

    expect(viewer.locator("#results")).to_be_visible(timeout=30_000)
    expect(viewer.locator("#standings")).to_contain_text("Ada")
    expect(viewer.locator("#standings")).to_contain_text("Bo")
    expect(viewer.locator("#status")).to_contain_text("match finished", timeout=10_000)
    expect(viewer.locator("#notice")).to_be_hidden()
    viewer.click("#back-to-lobby")
    expect(viewer.locator("#lobby")).to_be_visible()
    assert "#watch" not in viewer.url
    assert errors == []


def test_a_dropped_player_reconnects_by_itself_to_the_same_seat(
    server: str, browser: Browser
) -> None:
    errors: list[str] = []
    ada = start_private_match(browser, errors, server, "ffa")
    match_id = ada.evaluate("new URLSearchParams(location.hash.slice(1)).get('match')")
    bo = join_private_match(browser, errors, server, match_id, "Bo")
    ada.wait_for_function("Number(document.body.dataset.tick) > 0", timeout=10_000)
    ada_id = ada.evaluate("window.arena.state().playerId")
    bo.wait_for_function(
        f"document.querySelector('#scoreboard tr[data-player-id=\"{ada_id}\"]') !== null",
        timeout=10_000,
    )
    # Bo's scoreboard marks Ada while her ship waits for her (protocol flag RECONNECTING)
    bo.evaluate(
        """() => {
          window.sawReconnecting = false;
          const board = document.getElementById("scoreboard");
          new MutationObserver(() => {
            if (board.querySelector("tr.reconnecting")) window.sawReconnecting = true;
          }).observe(board, { childList: true, subtree: true });
        }"""
    )
    seq_before = ada.evaluate("window.arena.state().seq")
    tick_before = int(ada.evaluate("document.body.dataset.tick"))

    ada.evaluate("window.arena.drop()")  # as if the network dropped the socket
    expect(ada.locator("#status")).to_contain_text("reconnecting… (attempt 1)")
    expect(ada.locator("#status")).to_contain_text("connected", timeout=10_000)
    state = own_state(ada)
    assert state["playerId"] == ada_id, "the same seat"
    assert state["reconnecting"] is None
    assert state["seq"] >= seq_before, "INPUTs go on from the acknowledged sequence"
    ada.wait_for_function(f"Number(document.body.dataset.tick) > {tick_before}", timeout=5_000)
    ada.wait_for_function("window.arena.state().server !== null", timeout=5_000)
    assert ada.evaluate("document.body.dataset.playerId") == str(ada_id)
    expect(ada.locator("#notice")).to_be_hidden()
    bo.wait_for_function("window.sawReconnecting === true", timeout=5_000)
    expect(bo.locator("#scoreboard tr.reconnecting")).to_have_count(0, timeout=5_000)
    assert errors == []


def test_a_player_whose_network_goes_away_reconnects_when_it_is_back(
    server: str, browser: Browser
) -> None:
    errors: list[str] = []
    ada = start_private_match(browser, errors, server, "ffa")
    ada.wait_for_function("Number(document.body.dataset.tick) > 0", timeout=10_000)
    ada_id = ada.evaluate("window.arena.state().playerId")

    # offline, Chromium leaves the socket open but silent: the client gives it up after ~10 s
    ada.context.set_offline(True)
    expect(ada.locator("#status")).to_contain_text("reconnecting…", timeout=15_000)
    ada.wait_for_function(  # they fail: the third attempt or a later one is shown
        """() => Number(/\\(attempt (\\d+)\\)/.exec(
          document.querySelector("#status").textContent)?.[1] ?? 0) >= 3""",
        timeout=5_000,
        polling=50,
    )
    ada.context.set_offline(False)
    expect(ada.locator("#status")).to_contain_text("connected", timeout=5_000)
    assert own_state(ada)["playerId"] == ada_id
    tick = int(ada.evaluate("document.body.dataset.tick"))
    ada.wait_for_function(f"Number(document.body.dataset.tick) > {tick}", timeout=5_000)
    expect(ada.locator("#notice")).to_be_hidden()
    unexpected = [e for e in errors if "ERR_INTERNET_DISCONNECTED" not in e]  # failed attempts
    assert unexpected == []
