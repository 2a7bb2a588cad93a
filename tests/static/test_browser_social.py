"""The social flow in the browser, end to end: two players sign up, make a party by its invite
link, chat in the lobby, queue together for a 2 vs 2 football match against two guests, talk on
their team channel while a spectator's chat stays out of their view, and after the match the
leaderboard lists both. Screenshots go to ``artifacts/social-<step>.png``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.static.servers import embedded_web
from tests.static.test_browser import ARTIFACTS
from tests.static.test_browser_accounts import PASSWORD
from tests.static.test_browser_chat import (  # noqa: F401 (fixture)
    WAIT_MS,
    contexts,
    guest,
    in_lobby,
    say,
)

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]

MATCH_S = 40  # seconds of play: long enough to chat and watch, short enough to wait for


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The embedded server (no Redis) with short football matches."""
    with embedded_web(
        tmp_path_factory,
        "browser-social",
        ARENA_FOOTBALL_TIME_LIMIT=str(MATCH_S),
        ARENA_FOOTBALL_COUNTDOWN="1",
    ) as base:
        yield base


def shot(page: Page, step: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"social-{step}.png"))


def sign_up(page: Page, server: str, name: str, username: str) -> None:
    """A guest named ``name`` creates the account ``username`` on the sign-up page."""
    page.goto(server)
    page.fill("#name", name)
    page.dispatch_event("#name", "change")
    page.locator("#account-nav").get_by_role("link", name="Sign up").click(timeout=WAIT_MS)
    expect(page).to_have_title("Sign up · Arena")
    page.fill("#id_username", username)
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.locator("h1")).to_have_text(name, timeout=WAIT_MS)  # the account's profile
    expect(page.locator(".lead")).to_contain_text(f"signed in as {username}")


def chat_text(page: Page) -> str:
    """The text of every channel of the page's chat (each tab in turn)."""
    tabs = page.locator("#chat .chat-tab")
    texts = []
    for index in range(tabs.count()):
        tabs.nth(index).click()
        texts.append(page.inner_text("#chat-list"))
    return "\n".join(texts)


def open_chat_on(page: Page, channel: str) -> None:
    """Open the match's chat panel (Enter) on ``channel``."""
    if page.get_attribute("#chat", "data-open") != "true":
        page.keyboard.press("Enter")
    expect(page.locator("#chat")).to_have_attribute("data-open", "true")
    page.click(f"#chat .chat-tab[data-channel='{channel}']")


def test_accounts_party_up_chat_play_as_a_team_and_reach_the_leaderboard(
    server: str,
    browser: Browser,
    contexts: list[BrowserContext],  # noqa: F811
) -> None:
    errors: list[str] = []
    ada, bo = guest(contexts, browser, errors), guest(contexts, browser, errors)
    sign_up(ada, server, "Ada", "ada")
    sign_up(bo, server, "Bo", "bo")
    shot(bo, "profile")

    # Ada makes a party for football 2 vs 2, Bo joins it by its invite link
    in_lobby(ada, server, "Ada")
    ada.select_option("#mode", "2v2")
    expect(ada.locator("#account-nav").get_by_role("link", name="Profile (ada)")).to_be_visible()
    ada.click("#party-create")
    expect(ada.locator("#party-members")).to_have_text("Ada", timeout=WAIT_MS)
    invite = ada.input_value("#party-invite")
    assert "?party=" in invite
    bo.goto(invite)
    expect(bo.locator("#account-nav").get_by_role("link", name="Profile (bo)")).to_be_visible(
        timeout=WAIT_MS
    )
    expect(bo.locator("#name")).to_have_value("Bo")  # the account's player's name
    for page in (ada, bo):
        expect(page.locator("#party-members")).to_have_text("Ada, Bo", timeout=WAIT_MS)
    # Bo's lobby follows the party's game and mode, and with them the game's chat room
    expect(bo.locator("#game")).to_have_value("football")
    expect(bo.locator("#mode")).to_have_value("2v2")

    # they chat in the lobby room, then on the party channel
    say(ada, "Bo, football?")
    expect(bo.locator("#chat-list")).to_contain_text("Bo, football?", timeout=WAIT_MS)
    bo.click("#chat .chat-tab[data-channel='party']")
    say(bo, "yes, you lead")
    ada.click("#chat .chat-tab[data-channel='party']")
    expect(ada.locator("#chat-list")).to_contain_text("yes, you lead", timeout=WAIT_MS)
    shot(ada, "lobby")

    # two guests queue for 2 vs 2 on their own; the leader's Find match queues the party
    cy, di = guest(contexts, browser, errors), guest(contexts, browser, errors)
    for page, name in ((cy, "Cy"), (di, "Di")):
        in_lobby(page, server, name)
        page.select_option("#mode", "2v2")
        page.click("#find")
    ada.click("#find")
    players = (ada, bo, cy, di)
    for page in players:
        expect(page.locator("#ready-dialog")).to_be_visible(timeout=WAIT_MS)
        page.click("#accept")
    for page in players:
        expect(page.locator("#status")).to_contain_text("connected", timeout=WAIT_MS)
        expect(page.locator("#chat .chat-tab[data-channel='team']")).to_have_count(1)

    # the team channel reaches the teammate and no opponent; the all channel reaches everyone
    open_chat_on(ada, "team")
    say(ada, "Bo, take the left wing")
    open_chat_on(bo, "team")
    expect(bo.locator("#chat-list")).to_contain_text("Bo, take the left wing", timeout=WAIT_MS)
    shot(bo, "match-team")
    open_chat_on(ada, "all")
    say(ada, "good luck, have fun")
    for page in (cy, di):
        open_chat_on(page, "all")
        expect(page.locator("#chat-list")).to_contain_text("good luck, have fun", timeout=WAIT_MS)
        assert "left wing" not in chat_text(page), "the team channel stays in the team"

    # a spectator from the live list chats among spectators only
    eve = guest(contexts, browser, errors)
    in_lobby(eve, server, "Eve")
    row = eve.locator("#live-list li").filter(has_text="Ada").filter(has_text="Cy")
    expect(row).to_have_count(1, timeout=WAIT_MS)
    row.get_by_role("button", name="Watch").click()
    expect(eve.locator("#status")).to_contain_text("watching", timeout=WAIT_MS)
    open_chat_on(eve, "spectators")
    say(eve, "Cy, they plan the left wing!")
    open_chat_on(eve, "spectators")
    expect(eve.locator("#chat-list")).to_contain_text("Cy, they plan the left wing!")
    shot(eve, "spectator")
    open_chat_on(bo, "all")
    say(bo, "anyone watching?")  # sent after the spectator's message: a round trip later
    for page in players:
        open_chat_on(page, "all")
        expect(page.locator("#chat-list")).to_contain_text("anyone watching?", timeout=WAIT_MS)
    for page in players:
        assert "they plan" not in chat_text(page), "the spectators' chat stays theirs"
    assert "good luck" not in chat_text(eve), "spectators do not read the players"

    # the match ends; the ratings are recorded, and the leaderboard lists both accounts
    for page in (*players, eve):
        expect(page.locator("#results")).to_be_visible(timeout=(MATCH_S + 20) * 1000)
    for page in (ada, bo):
        expect(page.locator("#results-rating")).to_contain_text("Your rating", timeout=WAIT_MS)
    teams = {
        name: ada.locator("#standings tr").filter(has_text=name).locator("td").nth(2).inner_text()
        for name in ("Ada", "Bo", "Cy", "Di")
    }
    assert teams["Ada"] == teams["Bo"] != teams["Cy"] == teams["Di"], teams  # the party's team
    shot(ada, "results")
    ada.goto(f"{server}/leaderboard/football/2v2/")
    rows = ada.locator(".leaderboard-table tbody tr")
    expect(rows).to_have_count(4)
    for name in ("Ada", "Bo", "Cy", "Di"):
        expect(rows.filter(has=ada.get_by_role("link", name=name, exact=True))).to_have_count(1)
    expect(ada.locator("#own-rank")).to_contain_text("Your rank")
    shot(ada, "leaderboard")
    rows.get_by_role("link", name="Bo", exact=True).click()
    expect(ada.locator("h1")).to_have_text("Bo")
    expect(ada.locator(".badge")).to_have_text("Account")
    assert errors == []
