"""Accounts in the browser: a guest signs up from the lobby (playing nothing), sees its profile
and the leaderboard, logs out and in again. Screenshots go to ``artifacts/accounts-<step>.png``."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from loadtest.stack import ROOT, Stack, base_env
from tests.static.test_browser import ARTIFACTS, open_page

pytestmark = [pytest.mark.browser, pytest.mark.timeout(90)]

WAIT_MS = 10_000
PASSWORD = "correct horse battery staple"
# players rated before the test, written into the server's database
RATED = {"Bo": 1620.4, "Cy": 1580.0, "Di": 1580.0}
SEED = """
from lobby.models import PlayerProfile, Rating
for name, rating in {rated!r}.items():
    PlayerProfile.objects.create(key="guest:" + name, name=name)
    Rating.objects.create(player_key="guest:" + name, game="shooter", mode="duel", rating=rating)
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The embedded server, with three players rated in the shooter's duel."""
    tmp = tmp_path_factory.mktemp("accounts")
    stack = Stack(base_env(tmp, None, "accounts"), tmp)
    try:
        [base] = stack.start_all([], ["web"])
        code = SEED.format(rated=RATED)
        subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT, env=stack.env, check=True
        )
        yield base
    finally:
        stack.stop()


def shot(page: Page, step: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"accounts-{step}.png"), full_page=True)


def test_a_guest_signs_up_and_sees_its_profile_and_the_leaderboard(
    server: str, browser: Browser
) -> None:
    errors: list[str] = []
    page = open_page(browser, errors)
    page.goto(server)
    page.fill("#name", "Ada")
    page.locator("#name").dispatch_event("change")
    nav = page.locator("#account-nav")
    expect(nav.get_by_role("link", name="Sign up")).to_be_visible(timeout=WAIT_MS)
    shot(page, "lobby-guest")

    nav.get_by_role("link", name="Sign up").click()
    expect(page).to_have_title("Sign up · Arena")
    page.fill("#id_username", "ada")
    page.fill("#id_password1", "password123")
    page.fill("#id_password2", "password123")
    page.get_by_role("button", name="Create account").click()
    expect(page.locator(".field-errors")).to_contain_text("too common")  # Django's validators
    shot(page, "signup-refused")
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.get_by_role("button", name="Create account").click()

    expect(page.locator("h1")).to_have_text("Ada", timeout=WAIT_MS)  # its profile
    expect(page.locator(".badge")).to_have_text("Account")
    expect(page.locator(".lead")).to_contain_text("signed in as ada")
    expect(page.locator("#ratings-title + .empty")).to_contain_text("No ranked match yet")
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    shot(page, "profile")

    page.get_by_role("link", name="Leaderboard").click()
    expect(page).to_have_url(f"{server}/leaderboard/shooter/duel/")
    rows = page.locator(".leaderboard-table tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text("Bo")
    assert [rows.nth(i).locator("td").first.inner_text() for i in range(3)] == ["1", "2", "2"]
    expect(page.locator("#own-rank")).to_contain_text("You have no rating")
    shot(page, "leaderboard")
    rows.nth(0).get_by_role("link", name="Bo").click()
    expect(page.locator("h1")).to_have_text("Bo")
    expect(page.locator(".ratings")).to_contain_text("1620")
    shot(page, "profile-other")

    page.get_by_role("link", name="Lobby").click()
    expect(nav.get_by_role("link", name="Profile (ada)")).to_be_visible(timeout=WAIT_MS)
    expect(nav.get_by_role("link", name="Sign up")).to_have_count(0)
    shot(page, "lobby-signed-in")
    assert errors == []


def test_log_out_and_log_in_again_on_another_browser(server: str, browser: Browser) -> None:
    errors: list[str] = []
    page = open_page(browser, errors)
    page.goto(f"{server}/accounts/signup/")
    page.fill("#id_username", "eve")
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.locator(".badge")).to_have_text("Account", timeout=WAIT_MS)
    page.get_by_role("button", name="Log out").click()
    expect(page.locator("#account-nav").get_by_role("link", name="Log in")).to_be_visible(
        timeout=WAIT_MS
    )

    other = open_page(browser, errors)  # a new context: another browser
    other.goto(f"{server}/accounts/login/")
    other.fill("#id_username", "eve")
    other.fill("#id_password", "wrong password")
    other.get_by_role("button", name="Log in").click()
    expect(other.locator(".message")).to_contain_text("correct username and password")
    other.fill("#id_password", PASSWORD)
    other.get_by_role("button", name="Log in").click()
    expect(other.locator("#account-nav").get_by_role("link", name="Profile (eve)")).to_be_visible(
        timeout=WAIT_MS
    )
    expect(other.locator("#name")).to_have_value("eve")  # the account's player's name
    expect(other.locator("#lobby-connection")).to_have_attribute("data-kind", "ok")
    shot(other, "lobby-logged-in")
    other.locator("#account-nav").get_by_role("link", name="Profile (eve)").click()
    expect(other.locator(".lead")).to_contain_text("signed in as eve")
    other.get_by_role("link", name="Change password").click()
    expect(other).to_have_title("Change password · Arena")
    shot(other, "password-change")
    assert errors == []
