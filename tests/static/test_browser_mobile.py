"""Phones: the lobby and the match at 390×844 (and turned, 844×390) with touch emulation, a
player who moves and fires with the shooter's virtual sticks, and one who drops a Connect Four
disc by tapping a column; the other player plays on a desktop. Screenshots go to
``artifacts/browser-mobile-<step>.png``.

Touches are sent as Chromium's own touch events (the DevTools protocol's
``Input.dispatchTouchEvent``): the page sees them as ``pointerType`` "touch" pointer events, as
on a phone.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, CDPSession, Page, expect

from engine.games import load_games
from tests.static.servers import embedded_web
from tests.static.test_browser import ARTIFACTS
from tests.static.test_browser_games import (
    PLAY_MS,
    WAIT_MS,
    click_column,
    hold_until,
    own_avatar,
    wait_at_rest,
    wait_own,
)

pytestmark = [pytest.mark.browser, pytest.mark.timeout(150)]

PHONE = {"width": 390, "height": 844}
PHONE_TURNED = {"width": 844, "height": 390}
STICK_REACH = 60  # CSS pixels a thumb moves from where it landed: a stick pushed all the way


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The embedded server with a short countdown and long matches."""
    with embedded_web(
        tmp_path_factory,
        "mobile",
        ARENA_SHOOTER_COUNTDOWN="1",
        ARENA_SHOOTER_TIME_LIMIT="90",
        ARENA_CONNECT4_COUNTDOWN="1",
    ) as base:
        yield base


@pytest.fixture
def contexts(browser: Browser) -> Iterator[list[BrowserContext]]:
    opened: list[BrowserContext] = []
    yield opened
    for context in opened:
        context.close()


def watch_errors(page: Page, errors: list[str]) -> Page:
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    return page


def phone(browser: Browser, contexts: list[BrowserContext], errors: list[str]) -> Page:
    """A page on a phone: 390×844, touch, a mobile viewport, a 2× screen."""
    context = browser.new_context(
        viewport=PHONE, has_touch=True, is_mobile=True, device_scale_factor=2
    )
    contexts.append(context)
    return watch_errors(context.new_page(), errors)


def desktop(browser: Browser, contexts: list[BrowserContext], errors: list[str]) -> Page:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    contexts.append(context)
    return watch_errors(context.new_page(), errors)


def shot(page: Page, step: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"browser-mobile-{step}.png"))


class Thumb:
    """One finger on the page's touch screen (Chromium's touch events)."""

    def __init__(self, page: Page) -> None:
        self.cdp: CDPSession = page.context.new_cdp_session(page)
        self.at: tuple[float, float] | None = None

    def down(self, x: float, y: float) -> None:
        self.send("touchStart", [(x, y)])
        self.at = (x, y)

    def move(self, x: float, y: float) -> None:
        self.send("touchMove", [(x, y)])
        self.at = (x, y)

    def up(self) -> None:
        self.send("touchEnd", [])
        self.at = None

    def send(self, kind: str, points: list[tuple[float, float]]) -> None:
        touch_points = [{"x": x, "y": y, "id": 1} for x, y in points]
        self.cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": touch_points})


def stick_origin(page: Page, side: str) -> tuple[float, float]:
    """Where a thumb lands in the stick zone of ``side``: its lower part, clear of the edge."""
    box = page.locator(f'.touch-zone[data-side="{side}"]').bounding_box()
    assert box is not None, f"a {side} stick zone"
    x = box["x"] + (90 if side == "left" else box["width"] - 90)
    return x, box["y"] + box["height"] - 120


def push_stick(page: Page, thumb: Thumb, side: str, angle: float) -> None:
    """Put a thumb on the stick of ``side`` and push it all the way towards ``angle`` (radians,
    0 right, π/2 down)."""
    x, y = stick_origin(page, side)
    thumb.down(x, y)
    thumb.move(x + math.cos(angle) * STICK_REACH / 2, y + math.sin(angle) * STICK_REACH / 2)
    thumb.move(x + math.cos(angle) * STICK_REACH, y + math.sin(angle) * STICK_REACH)


def steer_until(page: Page, thumb: Thumb, angle: float, condition: str, arg: object) -> None:
    """Hold the move stick towards ``angle`` until the own ship satisfies ``condition``."""
    push_stick(page, thumb, "left", angle)
    try:
        wait_own(page, condition, arg)
    finally:
        thumb.up()


def join_by_link(page: Page, server: str, match_id: str, name: str) -> None:
    page.goto(f"{server}/#match={match_id}")
    page.fill("#name", name)
    page.click("#create")  # "Join match" while the invitation shows
    expect(page.locator("#status")).to_contain_text("connected", timeout=WAIT_MS)


def create_on_phone(page: Page, server: str, game: str, mode: str) -> str:
    """Ada creates a private match on her phone; its id."""
    page.goto(server)
    page.fill("#name", "Ada")
    page.select_option("#game", game)
    page.select_option("#mode", mode)
    page.tap("#create")
    expect(page.locator("#status")).to_contain_text("connected", timeout=WAIT_MS)
    return page.evaluate("new URLSearchParams(location.hash.slice(1)).get('match')")


def test_the_lobby_fits_a_phone_and_knows_it_is_one(
    server: str, browser: Browser, contexts: list[BrowserContext]
) -> None:
    errors: list[str] = []
    page = phone(browser, contexts, errors)
    page.goto(server)
    expect(page.locator("body")).to_have_attribute("data-touch", "true")
    expect(page.locator("#game option")).not_to_have_count(1, timeout=WAIT_MS)  # the games came
    # the form stays put when the name typed is taken (on blur): a tap would miss its button
    page.fill("#name", "Ada")
    top = page.locator("#create").bounding_box()
    page.evaluate("document.activeElement.blur()")
    expect(page.locator("#lobby-connection")).to_have_text("Lobby online", timeout=WAIT_MS)
    assert page.locator("#create").bounding_box() == top
    for viewport, step in ((PHONE, "lobby"), (PHONE_TURNED, "lobby-turned")):
        page.set_viewport_size(viewport)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"no sideways scrolling at {viewport}"
        for control in ("#name", "#game", "#mode", "#find", "#create"):
            box = page.locator(control).bounding_box()
            assert box is not None, control
            assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"], control
            assert box["height"] >= 36, f"{control} is big enough to tap"
        shot(page, step)
    page.set_viewport_size(PHONE)
    page.select_option("#game", "connect4")
    expect(page.locator("#help-controls")).to_contain_text("Tap a column")
    assert errors == []


def test_a_phone_player_moves_and_fires_with_the_sticks(
    server: str, browser: Browser, contexts: list[BrowserContext]
) -> None:
    """Ada (phone) and Bo (desktop) meet on the open lane along the top of the arena as in
    test_browser_games, Ada with the move stick; then she aims at Bo with the right stick, which
    fires while pushed, until her shots hit."""
    errors: list[str] = []
    ada = phone(browser, contexts, errors)
    match_id = create_on_phone(ada, server, "shooter", "duel")
    bo = desktop(browser, contexts, errors)
    join_by_link(bo, server, match_id, "Bo")
    for page in (ada, bo):
        page.wait_for_function("Number(document.body.dataset.phase) === 2", timeout=WAIT_MS)

    # the sticks show on the phone only; the help says how to use them
    expect(ada.locator("#touch-controls")).to_be_visible()
    expect(ada.locator(".touch-zone")).to_have_count(2)
    expect(bo.locator("#touch-controls")).to_be_hidden()
    expect(ada.locator("#match-controls")).to_contain_text("Left thumb")
    expect(bo.locator("#match-controls")).to_contain_text("Mouse to aim")
    canvas = ada.locator("#canvas").bounding_box()
    assert canvas is not None
    assert canvas["width"] >= PHONE["width"] - 12, "the arena fills the width"

    game = load_games()["shooter"]
    rules = game.options
    radius = rules.player_radius
    lane = radius + 4
    thumb = Thumb(ada)
    start = own_avatar(ada)
    above = [
        wall
        for wall in rules.walls
        if wall.x - radius < start["x"] < wall.right + radius and wall.bottom < start["y"]
    ]
    if above:  # step aside of the wall above first
        wall = max(above, key=lambda w: w.bottom)
        if start["x"] < wall.x + wall.w / 2:
            steer_until(ada, thumb, math.pi, "a.x < arg", wall.x - radius - 30)
        else:
            steer_until(ada, thumb, 0, "a.x > arg", wall.right + radius + 30)
    push_stick(ada, thumb, "left", -math.pi / 2)  # up to the lane
    shot(ada, "shooter-stick")
    try:
        wait_own(ada, "a.y < arg", lane)
    finally:
        thumb.up()
    assert own_avatar(ada)["y"] < start["y"] - 40, "the stick moved the ship"

    # Bo comes along the lane towards Ada and stops
    start = own_avatar(bo)
    above = [
        wall
        for wall in rules.walls
        if wall.x - radius < start["x"] < wall.right + radius and wall.bottom < start["y"]
    ]
    if above:
        wall = max(above, key=lambda w: w.bottom)
        if start["x"] < wall.x + wall.w / 2:
            hold_until(bo, "a", "a.x < arg", wall.x - radius - 30)
        else:
            hold_until(bo, "d", "a.x > arg", wall.right + radius + 30)
    hold_until(bo, "w", "a.y < arg", lane)
    ada_x = own_avatar(ada)["x"]
    if own_avatar(bo)["x"] > ada_x:
        hold_until(bo, "a", "a.x < arg", ada_x + 380)
    else:
        hold_until(bo, "d", "a.x > arg", ada_x - 380)
    wait_at_rest(bo)
    wait_at_rest(ada)

    # Ada aims at Bo with the right stick: pushed, it fires
    me, target = own_avatar(ada), own_avatar(bo)
    angle = math.atan2(target["y"] - me["y"], target["x"] - me["x"])
    push_stick(ada, thumb, "right", angle)
    try:
        wait_own(bo, "a.health < arg", rules.max_health, timeout=PLAY_MS)
        expect(ada.locator("#hit-marker")).to_have_attribute(
            "data-hits", re.compile(r"^[1-9]"), timeout=WAIT_MS
        )
        shot(ada, "shooter-fire")
    finally:
        thumb.up()
    expect(ada.locator('.touch-zone[data-side="right"]')).not_to_have_class(re.compile("active"))

    # turned sideways the arena takes the height, the HUD and the scoreboard stay on screen
    ada.set_viewport_size(PHONE_TURNED)
    ada.wait_for_timeout(300)
    canvas = ada.locator("#canvas").bounding_box()
    stage = ada.locator("#stage").bounding_box()
    assert canvas is not None and stage is not None
    assert canvas["height"] >= stage["height"] - 2 or canvas["width"] >= stage["width"] - 2
    assert canvas["width"] >= 500, "the arena is big on a turned phone"
    for element in ("#scoreboard", "#phase", "#leave"):
        box = ada.locator(element).bounding_box()
        assert box is not None, element
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE_TURNED["width"], element
        assert box["y"] >= 0 and box["y"] + box["height"] <= PHONE_TURNED["height"], element
    font = ada.eval_on_selector("#scoreboard td", "td => parseFloat(getComputedStyle(td).fontSize)")
    assert font >= 11, "the scoreboard stays readable"
    shot(ada, "shooter-turned")
    assert errors == []


def test_a_phone_player_drops_a_disc_by_tapping_a_column(
    server: str, browser: Browser, contexts: list[BrowserContext]
) -> None:
    errors: list[str] = []
    ada = phone(browser, contexts, errors)
    match_id = create_on_phone(ada, server, "connect4", "classic")
    bo = desktop(browser, contexts, errors)
    join_by_link(bo, server, match_id, "Bo")
    status = ada.locator("#game-status-text")
    expect(status).to_contain_text(re.compile("Your move|Their move"), timeout=WAIT_MS)
    expect(ada.locator("#touch-controls")).to_be_hidden()  # no sticks: the grid takes taps
    expect(ada.locator("#match-controls")).to_contain_text("Tap a column")
    game = load_games()["connect4"]
    rules = game.rules(game.modes[0])
    grid = [rules["columns"], rules["rows"]]
    if "Their move" in (status.text_content() or ""):
        click_column(bo, 0, grid[0])
        expect(status).to_contain_text("Your move", timeout=WAIT_MS)
    column = 3
    assert ada.evaluate(DISC_AT_BOTTOM, [column, *grid]) is False
    box = ada.locator("#canvas").bounding_box()
    assert box is not None
    assert box["width"] >= PHONE["width"] - 12, "the grid fills the width"
    cell = (box["width"] - 48) / grid[0]
    ada.touchscreen.tap(box["x"] + 24 + (column + 0.5) * cell, box["y"] + box["height"] / 2)
    expect(status).to_contain_text("Their move", timeout=WAIT_MS)
    # the disc is in the tapped column, for both
    for page in (ada, bo):
        page.wait_for_function(DISC_AT_BOTTOM, arg=[column, *grid], timeout=WAIT_MS)
    shot(ada, "connect4-tap")
    ada.set_viewport_size(PHONE_TURNED)
    ada.wait_for_timeout(300)
    canvas = ada.locator("#canvas").bounding_box()
    stage = ada.locator("#stage").bounding_box()
    assert canvas is not None and stage is not None
    assert canvas["height"] >= stage["height"] - 2, "the grid takes the height when turned"
    shot(ada, "connect4-turned")
    assert errors == []


# Whether the bottom cell of a column shows a disc ([column, columns, rows]): the grid of
# static/js/games/connect4 (a 24 px margin, a row of a cell's height above the grid for the disc
# to drop, the empty hole's colour #1b2333).
DISC_AT_BOTTOM = """([column, columns, rows]) => {
  const canvas = document.getElementById("canvas");
  const css = canvas.getBoundingClientRect();
  const scale = canvas.width / css.width;
  const cell = (css.width - 48) / columns;
  const x = (24 + (column + 0.5) * cell) * scale;
  const y = (24 + cell + (rows - 0.5) * cell) * scale;
  const context = canvas.getContext("2d");
  const [r, g, b] = context.getImageData(Math.round(x), Math.round(y), 1, 1).data;
  return !(Math.abs(r - 0x1b) < 12 && Math.abs(g - 0x23) < 12 && Math.abs(b - 0x33) < 12);
}"""
