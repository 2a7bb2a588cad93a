"""Chat in the browser: two players chat in the lobby, then in their match (the team channel
stays in the team), and a spectator's chat stays out of the players' view."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.static.servers import embedded_web
from tests.static.test_browser import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]

WAIT_MS = 15_000


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The embedded server (no Redis)."""
    with embedded_web(tmp_path_factory, "browser-chat", ARENA_SECRET_KEY="") as base:
        yield base


@pytest.fixture
def contexts(browser: Browser) -> Iterator[list[BrowserContext]]:
    """Browser contexts (separate guests), closed after the test."""
    opened: list[BrowserContext] = []
    yield opened
    for context in opened:
        context.close()


def guest(contexts: list[BrowserContext], browser: Browser, errors: list[str]) -> Page:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    contexts.append(context)
    page = context.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    return page


def in_lobby(page: Page, server: str, name: str) -> None:
    """The lobby with ``name``, football picked, its chat room joined."""
    page.goto(server)
    page.fill("#name", name)
    page.dispatch_event("#name", "change")  # as when the field loses focus: the lobby connects
    page.select_option("#game", "football")
    page.select_option("#mode", "1v1")
    expect(page.locator("#chat .chat-tab[data-channel='lobby']")).to_be_visible(timeout=WAIT_MS)


def say(page: Page, text: str) -> None:
    page.fill("#chat-input", text)
    page.press("#chat-input", "Enter")


def test_players_chat_in_the_lobby_then_in_their_match_and_spectators_apart(
    server: str, browser: Browser, contexts: list[BrowserContext]
) -> None:
    errors: list[str] = []
    ada, bo = guest(contexts, browser, errors), guest(contexts, browser, errors)
    in_lobby(ada, server, "Ada")
    in_lobby(bo, server, "Bo")

    # the lobby room: text is shown as text, never as HTML
    say(ada, "hi Bo, <b>football</b>?")
    for page in (ada, bo):
        expect(page.locator("#chat-list")).to_contain_text("hi Bo, <b>football</b>?")
        assert page.locator("#chat-list b").count() == 0
    say(bo, "sure")
    expect(ada.locator("#chat-list")).to_contain_text("sure")
    ARTIFACTS.mkdir(exist_ok=True)
    ada.screenshot(path=str(ARTIFACTS / "chat-lobby.png"))

    # into one match together
    for page in (ada, bo):
        page.click("#find")
    for page in (ada, bo):
        expect(page.locator("#ready-dialog")).to_be_visible(timeout=WAIT_MS)
        page.click("#accept")
    for page in (ada, bo):
        expect(page.locator("#status")).to_contain_text("connected", timeout=WAIT_MS)
        expect(page.locator("#chat")).to_have_attribute("data-open", "false")
        expect(page.locator("#chat .chat-tab[data-channel='team']")).to_have_count(1)

    # Enter opens the chat; the team channel stays in the team (1 vs 1: Ada's alone)
    ada.keyboard.press("Enter")
    expect(ada.locator("#chat")).to_have_attribute("data-open", "true")
    expect(ada.locator("#chat-input")).to_be_focused()
    ada.click("#chat .chat-tab[data-channel='team']")
    say(ada, "I take the left wing")
    expect(ada.locator("#chat")).to_have_attribute("data-open", "false")
    ada.keyboard.press("Enter")
    expect(ada.locator("#chat-list")).to_contain_text("I take the left wing")
    ada.screenshot(path=str(ARTIFACTS / "chat-match-team.png"))
    ada.click("#chat .chat-tab[data-channel='all']")
    say(ada, "good luck, have fun")
    expect(bo.locator("#chat-unread")).to_have_text("1", timeout=WAIT_MS)
    bo.keyboard.press("Enter")
    expect(bo.locator("#chat-list")).to_contain_text("good luck, have fun")
    expect(bo.locator("#chat-unread")).to_be_hidden()
    assert "left wing" not in bo.inner_text("#chat"), "Bo's team channel is another"

    # a spectator from the live list chats among spectators only
    cy = guest(contexts, browser, errors)
    in_lobby(cy, server, "Cy")
    row = cy.locator("#live-list li").filter(has_text="Ada").filter(has_text="Bo")
    expect(row).to_have_count(1, timeout=WAIT_MS)
    row.get_by_role("button", name="Watch").click()
    expect(cy.locator("#status")).to_contain_text("watching", timeout=WAIT_MS)
    expect(cy.locator("#chat .chat-tab[data-channel='spectators']")).to_have_count(1)
    cy.keyboard.press("Enter")
    say(cy, "Bo, Ada goes left!")
    cy.keyboard.press("Enter")
    expect(cy.locator("#chat-list")).to_contain_text("Bo, Ada goes left!")
    assert "good luck" not in cy.inner_text("#chat-list"), "spectators do not read the players"
    cy.screenshot(path=str(ARTIFACTS / "chat-spectator.png"))
    say(bo, "anyone watching?")  # a round trip after the spectator's message
    expect(ada.locator("#chat-unread")).to_have_text(re.compile("[1-9]"), timeout=WAIT_MS)
    ada.keyboard.press("Enter")
    expect(ada.locator("#chat-list")).to_contain_text("anyone watching?")
    for page in (ada, bo):
        assert "Ada goes left" not in page.inner_text("#chat"), "spectators' chat stays theirs"
    assert errors == []
