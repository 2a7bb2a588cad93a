"""The browser through an engine failover: the match moves, the page plays on with its ship."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from playwright.sync_api import Browser, expect

from loadtest.stack import Stack, base_env
from tests.static.test_browser import start_private_match

pytestmark = [pytest.mark.browser, pytest.mark.redis, pytest.mark.e2e, pytest.mark.timeout(120)]


@pytest.fixture
def stack(tmp_path: Path, redis_url: str, redis_prefix: str) -> Iterator[tuple[Stack, str]]:
    """Two engine workers and one web process on Redis."""
    env = base_env(
        tmp_path,
        redis_url,
        redis_prefix,
        ARENA_SHOOTER_TIME_LIMIT="60",
        ARENA_SHOOTER_COUNTDOWN="1",
    )
    stack = Stack(env, tmp_path)
    try:
        [base] = stack.start_all(["engine-a", "engine-b"], ["web-a"])
        yield stack, base
    finally:
        stack.stop()


def test_the_page_plays_on_with_its_ship_when_the_engine_is_killed(
    stack: tuple[Stack, str],
    browser: Browser,
    redis_url: str,
    redis_prefix: str,
) -> None:
    stack_, base = stack
    errors: list[str] = []
    page = start_private_match(browser, errors, base, "ffa")
    page.wait_for_function("Number(document.body.dataset.tick) > 30", timeout=10_000)
    match_id = page.evaluate("new URLSearchParams(location.hash.slice(1)).get('match')")
    client = redis.Redis.from_url(redis_url)
    owner = client.hget(f"{redis_prefix}:match-owners", match_id).decode().split(" ")[0]
    client.close()
    me = page.evaluate("window.arena.state().playerId")
    page.keyboard.down("d")  # keep sending INPUTs through the move
    seq_before = page.evaluate("window.arena.state().seq")

    os.kill(stack_.pid(owner), signal.SIGKILL)
    page.wait_for_function("Number(document.body.dataset.welcomes) >= 2", timeout=10_000)
    assert page.evaluate("window.arena.state().playerId") == me, "the same ship"
    tick = int(page.evaluate("document.body.dataset.tick"))
    page.wait_for_function(f"Number(document.body.dataset.tick) > {tick + 10}", timeout=5_000)
    assert page.evaluate("window.arena.state().seq") > seq_before, "INPUT numbers go on"
    page.keyboard.up("d")
    expect(page.locator("#notice")).to_be_hidden()
    assert errors == []
