"""What a visitor meets around the matches: a styled page for an unknown address, the page's own
"no such match" screen for a link to a match that is not there, titles that say where you are, the
favicon, the mute toggle remembered across visits (and no audio before a gesture) and the hint of
how many players a free-for-all needs. Screenshots go to ``artifacts/browser-<step>.png``."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.static.servers import embedded_web
from tests.static.test_browser import ARTIFACTS, open_page

pytestmark = [pytest.mark.browser, pytest.mark.timeout(90)]

WAIT_MS = 10_000


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The embedded server, as it comes."""
    with embedded_web(tmp_path_factory, "pages") as base:
        yield base


def shot(page: Page, step: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"browser-{step}.png"))


def test_an_unknown_address_is_a_styled_page_that_leads_to_the_lobby(
    server: str, browser: Browser
) -> None:
    errors: list[str] = []
    page = open_page(browser, errors)
    response = page.goto(f"{server}/no/such/page")
    assert response is not None and response.status == 404
    expect(page).to_have_title("Page not found · Arena")
    expect(page.locator("h1")).to_have_text("Page not found")
    expect(page.locator("main.error-page")).to_be_visible()
    assert page.eval_on_selector("body", "b => getComputedStyle(b).backgroundColor") != (
        "rgba(0, 0, 0, 0)"
    ), "styled with the game's stylesheet"
    shot(page, "404")
    page.get_by_role("link", name="Go to the lobby").click()
    expect(page.locator("#lobby")).to_be_visible()
    expect(page).to_have_title("Lobby · Arena")
    errors = [e for e in errors if "404" not in e]  # the console reports the 404 itself
    assert errors == []


def test_a_link_to_no_match_shows_the_no_such_match_screen(server: str, browser: Browser) -> None:
    errors: list[str] = []
    page = open_page(browser, errors)
    page.goto(server)
    page.fill("#name", "Ada")
    page.locator("#name").dispatch_event("change")  # remembered: the link joins at once
    missing = page.locator("#missing")

    page.goto(f"{server}/#match={uuid.uuid4()}")
    expect(missing).to_be_visible(timeout=WAIT_MS)
    expect(page.locator("#missing-title")).to_have_text("No such match")
    expect(page.locator("#missing-text")).to_contain_text("invite link")
    expect(page.locator("#lobby")).to_be_hidden()
    expect(page).to_have_title("No such match · Arena")
    shot(page, "no-such-match")
    page.click("#missing-back")
    expect(page.locator("#lobby")).to_be_visible()
    expect(missing).to_be_hidden()
    assert "#match" not in page.url

    page.goto(f"{server}/#watch/{uuid.uuid4()}")
    expect(missing).to_be_visible(timeout=WAIT_MS)
    expect(page.locator("#missing-text")).to_contain_text("no live match")
    for text in (page.locator("#missing").inner_text(), page.locator("#notice-text").inner_text()):
        assert not re.search(r"\b40\d\d\b", text), "no close code shown to players"
    shot(page, "no-such-match-watch")
    page.click("#missing-back")
    expect(page.locator("#lobby")).to_be_visible()
    errors = [e for e in errors if "404" not in e]  # the refused ticket's request
    assert errors == []


def test_the_page_has_the_arena_icon(server: str, browser: Browser) -> None:
    page = open_page(browser, [])
    page.goto(server)
    expect(page.locator('link[rel="icon"]')).to_have_attribute("href", "/static/favicon.svg")
    icon = page.request.get(f"{server}/static/favicon.svg")
    assert icon.status == 200 and "svg" in icon.headers["content-type"]
    assert page.request.get(f"{server}/favicon.ico").status == 200, "redirected to the icon"


def test_the_mute_toggle_is_remembered_and_nothing_plays_before_a_gesture(
    server: str, browser: Browser
) -> None:
    errors: list[str] = []
    page = open_page(browser, errors)
    page.goto(server)
    toggle = page.locator("#lobby-sound")
    expect(toggle).to_have_attribute("aria-pressed", "false")
    sound = page.evaluate("window.arena.sound()")
    assert (sound["unlocked"], sound["context"]) == (False, None), "no audio before a gesture"

    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "true")
    expect(toggle).to_contain_text("Sound off")
    expect(page.locator("#match-sound")).to_have_attribute("aria-pressed", "true")
    sound = page.evaluate("window.arena.sound()")
    assert sound["muted"] and sound["unlocked"], "the click unlocked audio, muted"
    assert page.evaluate("localStorage.getItem('arena.muted')") == "true"

    page.reload()
    expect(toggle).to_have_attribute("aria-pressed", "true")
    expect(toggle).to_contain_text("Sound off")
    assert page.evaluate("window.arena.sound()")["muted"] is True
    shot(page, "sound-muted")
    toggle.click()
    page.reload()
    expect(toggle).to_have_attribute("aria-pressed", "false")
    expect(toggle).to_contain_text("Sound on")
    assert errors == []


def test_an_unknown_wait_says_how_many_players_a_free_for_all_needs(
    server: str, browser: Browser
) -> None:
    errors: list[str] = []
    page = open_page(browser, errors)
    page.goto(server)
    page.fill("#name", "Cy")
    page.select_option("#game", "shooter")
    page.select_option("#mode", "ffa")
    page.click("#find")
    expect(page).to_have_title("Searching for a match · Arena", timeout=WAIT_MS)
    detail = page.locator("#queue-detail")
    expect(detail).to_contain_text("estimated wait —", timeout=WAIT_MS)
    hint = page.locator("#queue-hint")
    expect(hint).to_be_visible()
    expect(hint).to_have_text(re.compile(r"^Free for all needs \d+ players to start"))
    shot(page, "ffa-hint")
    page.click("#cancel")
    page.wait_for_function("document.body.dataset.lobby === 'idle'", timeout=WAIT_MS)
    expect(hint).to_be_hidden()
    expect(page).to_have_title("Lobby · Arena")
    assert errors == []
