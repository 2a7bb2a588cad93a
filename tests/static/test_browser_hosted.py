"""The browser in the hosted shape: it plays on the web process that hosts its match, wherever
the page came from, and follows the match when that process dies."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from loadtest.stack import Stack, base_env, http_json

pytestmark = [pytest.mark.e2e, pytest.mark.redis, pytest.mark.timeout(120)]

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"


@pytest.fixture
def hosted(tmp_path: Path, redis_url: str, redis_prefix: str) -> Iterator[tuple[Stack, dict]]:
    """Two hosted web processes on one Redis; their base URLs by name."""
    stack = Stack(base_env(tmp_path, redis_url, redis_prefix), tmp_path)
    try:
        stack.migrate()
        bases = {name: stack.start_web(name, hosted=True) for name in ("web-a", "web-b")}
        stack.wait_for_engines(bases["web-a"], 2)
        yield stack, bases
    finally:
        stack.stop()


def match_sockets(page: Page) -> list[str]:
    """The URLs of the match sockets the page opened, in order (recorded by ``watch_sockets``)."""
    return page.evaluate("window.__matchSockets")


def watch_sockets(page: Page) -> None:
    page.add_init_script(
        """
        window.__matchSockets = [];
        const Native = window.WebSocket;
        window.WebSocket = class extends Native {
          constructor(url, ...rest) {
            super(url, ...rest);
            if (String(url).includes("/ws/match/")) window.__matchSockets.push(String(url));
          }
        };
        """
    )


def test_the_page_plays_on_the_hosting_process_and_follows_its_match_after_a_crash(
    hosted: tuple[Stack, dict[str, str]], browser: Browser
) -> None:
    stack, bases = hosted
    status, match = http_json("POST", f"{bases['web-a']}/api/matches/", {"mode": "ffa"})
    assert status == 201, match
    home = next(n for n, b in bases.items() if match["ws_url"].startswith(b.replace("http", "ws")))
    away = next(name for name in bases if name != home)
    errors: list[str] = []
    page = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    watch_sockets(page)
    page.goto(f"{bases[away]}/#match={match['id']}")  # the page from the other process
    page.fill("#name", "Ada")
    page.click("#create")
    expect(page.locator("#status")).to_contain_text("connected", timeout=15_000)
    [first] = match_sockets(page)
    assert first.startswith(bases[home].replace("http://", "ws://")), first
    page.wait_for_function("Number(document.body.dataset.tick) > 10")

    stack.send_signal(home, signal.SIGKILL)
    page.wait_for_function("document.body.dataset.reconnecting", timeout=10_000)
    expect(page.locator("#status")).to_contain_text("connected", timeout=30_000)
    last = match_sockets(page)[-1]
    assert last.startswith(bases[away].replace("http://", "ws://")), last
    tick = int(page.evaluate("document.body.dataset.tick"))
    page.wait_for_function(f"Number(document.body.dataset.tick) > {tick + 10}")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "browser-hosted-after-crash.png"))
    assert errors == []
