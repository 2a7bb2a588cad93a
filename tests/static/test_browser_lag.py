"""Lag compensation in the browser: behind a 150 ms round trip, a player who aims at a target
moving across its screen, where its screen draws it, hits it (docs/protocol.md 9.1)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.static.delay_proxy import DelayProxy
from tests.static.servers import embedded_web
from tests.static.test_browser import ARTIFACTS, open_page, start_private_match

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]

ONE_WAY_DELAY_S = 0.075  # 150 ms round trip for the shooter; its target plays without delay
HIGHWAY_Y = 250  # a row of the default arena with no wall across it (docs/protocol.md 9.1)
SHOOTER_SPOT = (800, 360)  # below the highway, above the centre block: a clear shot at the row
RUN = (500, 1100)  # the target runs along the highway between these

# Steers the own ship through waypoints with synthetic key events, from where the page draws
# it, braking ahead of each waypoint by the ship's stopping distance (v^2 / 2 friction) so it
# does not overshoot; the last waypoint pair, with `patrol`, is run between for ever. Its
# progress is kept in `window.__driver` for a failure message; a newer driver (a route planned
# again from where the ship is) stops the older one.
DRIVER = """
([waypoints, patrol, friction]) => {
  const generation = (window.__driverGeneration ?? 0) + 1;
  window.__driverGeneration = generation;
  const keys = { KeyW: false, KeyS: false, KeyA: false, KeyD: false };
  const press = (code, down) => {
    if (keys[code] === down) return;
    keys[code] = down;
    window.dispatchEvent(new KeyboardEvent(down ? "keydown" : "keyup", { code }));
  };
  const driver = { index: 0, waypoints, drawn: null, velocity: null };
  window.__driver = driver;
  window.__arrived = false;
  const ahead = (v) => (v * Math.abs(v)) / (2 * friction);
  const steer = () => {
    if (window.__driverGeneration !== generation) return;
    const state = window.arena.state();
    const drawn = state?.drawn;
    if (drawn) {
      const moving = state.predicted ?? { vx: 0, vy: 0 };
      driver.drawn = { x: drawn.x, y: drawn.y };
      driver.velocity = { vx: moving.vx, vy: moving.vy };
      const [x, y] = waypoints[driver.index];
      const dx = x - drawn.x;
      const dy = y - drawn.y;
      if (Math.abs(dx) < 12 && Math.abs(dy) < 12) {
        if (driver.index < waypoints.length - 1) driver.index += 1;
        else if (patrol) driver.index -= 1;
        if (driver.index === waypoints.length - 1 && !patrol) window.__arrived = true;
        if (patrol && driver.index >= waypoints.length - 2) window.__arrived = true;
      }
      const bx = dx - ahead(moving.vx);
      const by = dy - ahead(moving.vy);
      press("KeyD", bx > 6);
      press("KeyA", bx < -6);
      press("KeyS", by > 6);
      press("KeyW", by < -6);
    }
    requestAnimationFrame(steer);
  };
  steer();
}
"""

# Aims at the first other ship where this page draws it, leading it by its drawn velocity so
# that a bullet meets it there, and holds fire; counts frames aimed at a fast-moving target.
AIMER = """
([bulletSpeed, head]) => {
  let previous = null;
  window.__aimedAtMoving = 0;
  window.dispatchEvent(new KeyboardEvent("keydown", { code: "Space" }));
  const canvas = document.querySelector("#canvas");
  const aim = () => {
    const state = window.arena.state();
    const target = state?.others?.[0];
    const own = state?.drawn;
    if (target && own && state.renderTime !== null) {
      let vx = 0;
      let vy = 0;
      if (previous && state.renderTime > previous.t) {
        const seconds = (state.renderTime - previous.t) / 1000;
        vx = (target.x - previous.x) / seconds;
        vy = (target.y - previous.y) / seconds;
      }
      if (!previous || state.renderTime > previous.t) {
        previous = { t: state.renderTime, x: target.x, y: target.y };
      }
      const px = target.x - own.x;
      const py = target.y - own.y;
      const a = vx * vx + vy * vy - bulletSpeed * bulletSpeed;
      const b = 2 * (px * vx + py * vy) - 2 * head * bulletSpeed;
      const c = px * px + py * py - head * head;
      const disc = b * b - 4 * a * c;
      const t = disc >= 0 ? Math.max(0, (-b - Math.sqrt(disc)) / (2 * a)) : 0;
      const screen = state.toScreen(target.x + vx * t, target.y + vy * t);
      if (screen) {
        const box = canvas.getBoundingClientRect();
        window.dispatchEvent(
          new PointerEvent("pointermove", {
            clientX: box.left + screen.x,
            clientY: box.top + screen.y,
          })
        );
      }
      if (Math.hypot(vx, vy) > 200) window.__aimedAtMoving += 1;
    }
    requestAnimationFrame(aim);
  };
  aim();
}
"""


# Records, on the target's page, how fast its ship ran (its own prediction) whenever its health
# dropped: a hit.
HIT_WATCH = """
() => {
  window.__hitSpeeds = [];
  let health = null;
  const watch = () => {
    const state = window.arena.state();
    const now = state?.server?.health ?? null;
    if (health !== null && now !== null && now < health) {
      const moving = state.predicted;
      window.__hitSpeeds.push(moving ? Math.hypot(moving.vx, moving.vy) : 0);
    }
    health = now;
    requestAnimationFrame(watch);
  };
  watch();
}
"""
FAST = 200  # u/s: running, not turning (max_speed is 260)
FRICTION = 1800.0  # u/s^2, the default rules' (engine/games/shooter/rules.py)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The embedded server with a match long enough to take positions and shoot."""
    with embedded_web(
        tmp_path_factory,
        "browser-lag",
        ARENA_SHOOTER_TIME_LIMIT="90",
        ARENA_SHOOTER_COUNTDOWN="1",
        ARENA_SECRET_KEY="",
    ) as base:
        yield base


def join(page: Page, url: str, name: str) -> None:
    """``name`` takes a seat in the match of the link ``url``."""
    page.goto(url)
    page.fill("#name", name)
    page.click("#create")
    expect(page.locator("#status")).to_contain_text("connected", timeout=10_000)


def waypoints_to(page: Page, x: float, y: float) -> list[tuple[float, float]]:
    """From where the ship is: onto the highway (round the top and bottom bars' columns), along
    it, then to (x, y)."""
    drawn = page.evaluate("window.arena.state().drawn")
    points = []
    if 600 < drawn["x"] < 1000:
        points.append((500.0, drawn["y"]))
        drawn = {"x": 500.0}
    points += [(drawn["x"], HIGHWAY_Y), (x, HIGHWAY_Y), (x, y)]
    return points


def drive(page: Page, plan: Callable[[Page], list[tuple[float, float]]], patrol: bool) -> None:
    """Starts ``page``'s driver on the route ``plan`` draws from where its ship is now."""
    page.evaluate(DRIVER, [plan(page), patrol, FRICTION])


def wait_for_arrival(
    page: Page, name: str, plan: Callable[[Page], list[tuple[float, float]]], patrol: bool
) -> None:
    """Waits until ``page``'s driver reached its waypoint, planning the route again from where
    the ship is if it did not in 15 s (a ship placed anew at the start, or bumped off its
    route); a second timeout says where it got stuck."""
    for attempt in range(2):
        try:
            page.wait_for_function("window.__arrived", timeout=15_000)
            return
        except PlaywrightTimeoutError:
            if attempt == 0:
                drive(page, plan, patrol)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"browser-lag-stuck-{name.lower()}.png"))
    progress = page.evaluate(
        "({driver: window.__driver, status: document.querySelector('#status')?.textContent})"
    )
    pytest.fail(f"{name} did not reach its waypoint in 30 s, planned twice: {progress}")


def shooter_route(page: Page) -> list[tuple[float, float]]:
    """The shooter's route to its spot below the highway."""
    return waypoints_to(page, *SHOOTER_SPOT)


def target_route(page: Page) -> list[tuple[float, float]]:
    """The target's route onto the highway, then run along it."""
    return waypoints_to(page, RUN[0], HIGHWAY_Y)[:-1] + [(RUN[1], HIGHWAY_Y)]


def test_a_shot_at_a_target_moving_across_the_screen_hits_at_150_ms(
    server: str, browser: Browser
) -> None:
    errors: list[str] = []
    upstream = urlsplit(server)
    assert upstream.hostname and upstream.port
    with DelayProxy(upstream.hostname, upstream.port, ONE_WAY_DELAY_S) as proxy:
        ada = start_private_match(browser, errors, f"http://127.0.0.1:{proxy.port}", "duel")
        match_id = ada.evaluate("new URLSearchParams(location.hash.slice(1)).get('match')")
        bo = open_page(browser, errors)
        join(bo, f"{server}/#match={match_id}", "Bo")
        for page in (ada, bo):
            page.wait_for_function("window.arena.state()?.drawn", timeout=10_000)
        drive(ada, shooter_route, False)
        drive(bo, target_route, True)
        wait_for_arrival(ada, "Ada", shooter_route, False)
        wait_for_arrival(bo, "Bo", target_route, True)
        bo.evaluate(HIT_WATCH)
        ada.evaluate(AIMER, [700.0, 18.0 + 700.0 / 20 / 2])
        bo.wait_for_function(
            f"window.__hitSpeeds.some((speed) => speed > {FAST})", timeout=20_000, polling=50
        )
        moving = ada.evaluate("window.__aimedAtMoving")
        ARTIFACTS.mkdir(exist_ok=True)
        ada.screenshot(path=str(ARTIFACTS / "browser-lag-compensated-hit.png"))
    # a few frames (some 50 ms): the first shot can hit, a bullet's flight of some ten frames
    # after the shooter's screen first drew the target running
    assert moving >= 3, "the target ran across the shooter's screen while it aimed"
    # without compensation (ARENA_SHOOTER_REWIND_LIMIT=0) this test fails: aimed where the
    # shooter's screen draws it, a shot lands some 70 u behind a running ship at this round
    # trip, so it hits only where the target turns
    assert errors == []
