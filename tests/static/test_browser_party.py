"""Parties in the browser: one player makes a party, another joins it by its invite link, they
chat on the party channel, and the leader's Find match puts both in one ready check and match."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, BrowserContext, expect

from tests.static.test_browser import ARTIFACTS
from tests.static.test_browser_chat import (  # noqa: F401 (fixtures)
    WAIT_MS,
    contexts,
    guest,
    in_lobby,
    say,
    server,
)

pytestmark = [pytest.mark.browser, pytest.mark.timeout(60)]


def test_a_party_made_by_invite_link_chats_and_queues_together(
    server: str,  # noqa: F811
    browser: Browser,
    contexts: list[BrowserContext],  # noqa: F811
) -> None:
    errors: list[str] = []
    ada, bo = guest(contexts, browser, errors), guest(contexts, browser, errors)
    in_lobby(ada, server, "Ada")
    ada.select_option("#game", "shooter")
    ada.select_option("#mode", "duel")
    ada.click("#party-create")
    expect(ada.locator("#party-members")).to_have_text("Ada", timeout=WAIT_MS)
    invite = ada.input_value("#party-invite")
    assert "?party=" in invite

    bo.goto(invite)
    bo.fill("#name", "Bo")
    bo.dispatch_event("#name", "change")
    for page in (ada, bo):
        expect(page.locator("#party-members")).to_have_text("Ada, Bo", timeout=WAIT_MS)
        expect(page.locator("#chat .chat-tab[data-channel='party']")).to_have_count(1)

    ada.click("#chat .chat-tab[data-channel='party']")
    say(ada, "duel me, Bo")
    bo.click("#chat .chat-tab[data-channel='party']")
    expect(bo.locator("#chat-list")).to_contain_text("duel me, Bo", timeout=WAIT_MS)
    ARTIFACTS.mkdir(exist_ok=True)
    bo.screenshot(path=str(ARTIFACTS / "party-lobby.png"))

    ada.click("#find")  # the leader queues the party: Bo searches with her
    for page in (ada, bo):
        expect(page.locator("#ready-dialog")).to_be_visible(timeout=WAIT_MS)
        page.click("#accept")
    for page in (ada, bo):
        expect(page.locator("#status")).to_contain_text("connected", timeout=WAIT_MS)
    ada.screenshot(path=str(ARTIFACTS / "party-match.png"))
    assert errors == []
