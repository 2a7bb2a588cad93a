"""What a new player meets in the browser: late reconnects, reloads, stalls, private matches,
the scoreboard over the arena and players who leave (each of these was broken once)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.static.servers import embedded_web
from tests.static.test_browser import ARTIFACTS, open_page, start_private_match

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The embedded server with 5 s tickets (so that they expire within a test) and long
    matches."""
    with embedded_web(
        tmp_path_factory,
        "player",
        ARENA_SHOOTER_TIME_LIMIT="60",
        ARENA_SHOOTER_COUNTDOWN="1",
        ARENA_TICKET_TTL="5",
        ARENA_ACCEPT_TIMEOUT="5",
    ) as base:
        yield base


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


def lobby_duel(browser: Browser, errors: list[str], server: str) -> list[Page]:
    """Ada and Bo (two guests) matched through the lobby, both playing the match."""
    pages = []
    for name in ("Ada", "Bo"):
        page = open_page(browser, errors)
        page.goto(server)
        page.fill("#name", name)
        page.select_option("#mode", "duel")
        page.click("#find")
        pages.append(page)
    for page in pages:
        expect(page.locator("#ready-dialog")).to_be_visible(timeout=10_000)
        page.click("#accept")
    for page in pages:
        page.wait_for_function("Number(document.body.dataset.tick) > 0", timeout=10_000)
    return pages


def tick_of(page: Page) -> int:
    return int(page.evaluate("document.body.dataset.tick"))


def test_a_lobby_player_reconnects_after_its_ticket_has_expired(
    server: str, browser: Browser
) -> None:
    errors: list[str] = []
    ada, bo = lobby_duel(browser, errors, server)
    ada_id = ada.evaluate("window.arena.state().playerId")
    tick = tick_of(ada)
    ada.wait_for_function(f"Number(document.body.dataset.tick) > {tick + 120}")  # 6 s: expired
    ada.evaluate("window.arena.drop()")
    ada.wait_for_function("Number(document.body.dataset.welcomes) >= 2", timeout=10_000)
    assert ada.evaluate("window.arena.state().playerId") == ada_id, "the same seat"
    expect(ada.locator("#notice")).to_be_hidden()
    shot(ada, "player-late-reconnect")
    unexpected = [e for e in errors if "4011" not in e and "403" not in e]
    assert unexpected == []


def test_a_reloaded_page_goes_back_to_its_lobby_match(server: str, browser: Browser) -> None:
    errors: list[str] = []
    ada, bo = lobby_duel(browser, errors, server)
    ada_id = ada.evaluate("window.arena.state().playerId")
    ada.reload()
    ada.wait_for_function("document.body.dataset.lobby === 'in-match'", timeout=10_000)
    ada.wait_for_function("Number(document.body.dataset.tick) > 0", timeout=10_000)
    assert ada.evaluate("window.arena.state().playerId") == ada_id, "back in its own seat"
    expect(ada.locator("#game-view")).to_be_visible()
    shot(ada, "player-reload")
    assert errors == []


def test_a_stalled_connection_is_shown_at_once_and_the_clock_stops(
    server: str, browser: Browser
) -> None:
    errors: list[str] = []
    ada = start_private_match(browser, errors, server, "ffa")
    ada.wait_for_function("Number(document.body.dataset.tick) > 5", timeout=10_000)
    ada.context.set_offline(True)
    ada.wait_for_function("document.body.dataset.stalled === 'true'", timeout=1_500)
    expect(ada.locator("#status")).to_contain_text("stalled")
    clock = ada.locator("#phase").text_content()
    ada.wait_for_timeout(1_200)  # the page's own clock: time passes, nothing arrives
    assert ada.locator("#phase").text_content() == clock, "no match clock without snapshots"
    shot(ada, "player-stalled")
    ada.context.set_offline(False)
    expect(ada.locator("#status")).to_contain_text(re.compile("connected"), timeout=15_000)
    unexpected = [e for e in errors if "ERR_INTERNET_DISCONNECTED" not in e]
    assert unexpected == []


def test_private_matches_stay_off_the_open_list_and_a_full_one_is_said_plainly(
    server: str, browser: Browser
) -> None:
    errors: list[str] = []
    ada = start_private_match(browser, errors, server, "duel")
    private_id = ada.evaluate("new URLSearchParams(location.hash.slice(1)).get('match')")
    cy = open_page(browser, errors)
    cy.goto(server)
    cy.fill("#name", "Cy")
    cy.check("#listed")
    cy.select_option("#mode", "duel")
    cy.click("#create")
    cy.wait_for_function("Number(document.body.dataset.tick) > 0", timeout=10_000)
    listed_id = cy.evaluate("new URLSearchParams(location.hash.slice(1)).get('match')")
    dee = open_page(browser, errors)
    dee.goto(server)
    row = dee.locator("#match-list li", has_text=listed_id[:8])
    expect(row).to_contain_text("1 of 2 players", timeout=10_000)
    expect(dee.locator("#match-list")).not_to_contain_text(private_id[:8])
    bo = open_page(browser, errors)
    bo.goto(f"{server}/#match={private_id}")
    bo.fill("#name", "Bo")
    bo.click("#create")
    bo.wait_for_function("Number(document.body.dataset.tick) > 0", timeout=10_000)
    eve = open_page(browser, errors)  # someone else with the link of the full match
    eve.goto(f"{server}/#match={private_id}")
    eve.fill("#name", "Eve")
    eve.click("#create")
    expect(eve.locator("#notice")).to_contain_text("That match is full.", timeout=10_000)
    expect(eve.locator("#status")).to_have_text("offline")
    assert "4005" not in eve.locator("body").inner_text(), "no raw close code for players"
    shot(eve, "player-match-full")
    assert [e for e in errors if "4005" not in e] == []


def test_a_ship_under_the_scoreboard_shows_through_it(server: str, browser: Browser) -> None:
    errors: list[str] = []
    ada = start_private_match(browser, errors, server, "ffa")
    ada.wait_for_function("Number(document.body.dataset.tick) > 0", timeout=10_000)
    expect(ada.locator("#scoreboard tr")).not_to_have_count(0)
    ada.keyboard.down("d")
    ada.keyboard.down("w")  # to the top-right corner, under the scoreboard
    expect(ada.locator("#scoreboard")).to_have_class(re.compile("see-through"), timeout=15_000)
    shot(ada, "player-under-scoreboard")
    ada.keyboard.up("w")
    ada.keyboard.up("d")
    ada.keyboard.down("s")
    ada.keyboard.down("a")
    expect(ada.locator("#scoreboard")).not_to_have_class(re.compile("see-through"), timeout=15_000)
    assert errors == []


def test_a_player_who_leaves_is_shown_as_left_and_the_other_wins(
    server: str, browser: Browser
) -> None:
    errors: list[str] = []
    ada = start_private_match(browser, errors, server, "duel")
    match_id = ada.evaluate("new URLSearchParams(location.hash.slice(1)).get('match')")
    bo = open_page(browser, errors)
    bo.goto(f"{server}/#match={match_id}")
    bo.fill("#name", "Bo")
    bo.click("#create")
    bo.wait_for_function("Number(document.body.dataset.phase) === 2", timeout=15_000)
    # Leave asks first: the seat is given up for good
    ada.click("#leave")
    expect(ada.locator("#leave-dialog")).to_be_visible()
    expect(ada.locator("#leave-text")).to_contain_text("for good")
    shot(ada, "player-leave-confirm")
    ada.click("#leave-stay")
    expect(ada.locator("#leave-dialog")).to_be_hidden()
    expect(ada.locator("#game-view")).to_be_visible()
    ada.click("#leave")
    ada.keyboard.press("Escape")
    expect(ada.locator("#leave-dialog")).to_be_hidden()
    expect(bo.locator("#killfeed")).not_to_contain_text("Ada left")
    ada.click("#leave")
    ada.click("#leave-confirm")
    expect(ada.locator("#lobby")).to_be_visible()
    expect(bo.locator("#killfeed")).to_contain_text("Ada left", timeout=5_000)
    expect(bo.locator("#results")).to_be_visible(timeout=5_000)
    expect(bo.locator("#results-title")).to_have_text("You win!")
    expect(bo.locator("#results")).to_contain_text("forfeit")
    expect(bo.locator("#status")).not_to_contain_text("reconnecting")
    shot(bo, "player-opponent-left")
    assert errors == []
