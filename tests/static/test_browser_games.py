"""Every registered game played end to end in the browser: two guests pick the game in the lobby,
find a match, accept the ready check and play it with real input until one of them wins; a third
guest watches it from the lobby's live list and follows a player; all three see the results, with
each player's rating change; back in the lobby, and in the next ready check, the players have
their new ratings.

The games come from the registry (``engine.games``); each has a way to be played here
(``PLAYS``), and a newly registered game fails this test until it gets one. Screenshots of every
step go to ``artifacts/browser-<game>-<step>.png``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from engine.game import Game, Mode
from engine.games import load_games
from tests.static.servers import embedded_web
from tests.static.test_browser import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.timeout(150)]

GAMES: dict[str, Game] = load_games()

# Short, decisive matches: a short countdown, the first kill or goal ends the match, and a time
# limit well beyond what a test needs (the turn-based Connect Four has no time limit).
SHORT_MATCHES: dict[str, dict[str, str]] = {
    "shooter": {"COUNTDOWN": "1", "TIME_LIMIT": "90", "SCORE_LIMIT": "1"},
    "football": {"COUNTDOWN": "1", "TIME_LIMIT": "90", "SCORE_LIMIT": "1"},
    "connect4": {"COUNTDOWN": "1", "TURN_TIME": "30"},
}

WAIT_MS = 15_000  # for anything the server or the lobby does (a match found, a snapshot, ...)
PLAY_MS = 20_000  # for what the players' input brings about (a kill, a goal, a win)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The embedded server with short matches of every game."""
    options = {
        f"ARENA_{game.upper()}_{name}": value
        for game, values in SHORT_MATCHES.items()
        if game in GAMES
        for name, value in values.items()
    }
    with embedded_web(tmp_path_factory, "games", **options) as base:
        yield base


@pytest.fixture
def contexts(browser: Browser) -> Iterator[list[BrowserContext]]:
    """Browser contexts (separate guests) the test opens; closed after it."""
    opened: list[BrowserContext] = []
    yield opened
    for context in opened:
        context.close()


@dataclass
class Match:
    """A match in progress: the players' pages (in seat order as the test found them), their
    names and ids, and the spectator's page."""

    game: Game
    mode: Mode
    pages: list[Page]
    names: list[str]
    ids: list[int]
    viewer: Page

    def shot(self, page: Page, step: str) -> None:
        shot(self.game.name, page, step)


def shot(game: str, page: Page, step: str) -> None:
    """A screenshot of ``page`` at ``step``: ``artifacts/browser-<game>-<step>.png``."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"browser-{game}-{step}.png"))


@dataclass(frozen=True)
class Outcome:
    """How a played match ended: the index of the winner in ``Match.pages`` and what the results
    screen's detail line must say (the end reason, football's score)."""

    winner: int
    detail: re.Pattern[str]


def lobby_mode(game: Game) -> Mode:
    """The game's mode for two players from the lobby (the lobby forms groups of two)."""
    for mode in game.modes:
        if mode.lobby_min == 2:
            return mode
    raise AssertionError(f"{game.name} has no mode the lobby starts with two players")


def open_page(contexts: list[BrowserContext], browser: Browser, errors: list[str]) -> Page:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    contexts.append(context)
    page = context.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    return page


def own(page: Page) -> dict:
    """The player's own view through the debug hook (static/js/core/play.js `debugState`)."""
    return page.evaluate("window.arena.state()")


def own_avatar(page: Page) -> dict:
    """The player's own avatar in the newest snapshot (world units)."""
    avatar = own(page)["server"]
    assert avatar is not None, "the player has an avatar"
    return avatar


def wait_own(page: Page, condition: str, arg: object = None, timeout: float = PLAY_MS) -> None:
    """Wait until ``condition`` (a JS expression of the own avatar ``a`` and ``arg``) holds."""
    page.wait_for_function(
        f"""(arg) => {{
          const a = window.arena.state()?.server;
          return Boolean(a) && ({condition});
        }}""",
        arg=arg,
        timeout=timeout,
    )


def hold_until(page: Page, key: str, condition: str, arg: object = None) -> None:
    """Hold ``key`` on ``page`` until the own avatar satisfies ``condition`` (see wait_own)."""
    page.keyboard.down(key)
    try:
        wait_own(page, condition, arg)
    finally:
        page.keyboard.up(key)


def wait_at_rest(page: Page) -> None:
    """Wait until the own avatar stands still where the server has it (prediction settled)."""
    page.wait_for_function(
        """() => {
          const s = window.arena.state();
          return Boolean(s && s.server && s.predicted) && s.predicted.vx === 0
            && s.predicted.vy === 0 && Math.abs(s.predicted.x - s.server.x) < 1
            && Math.abs(s.predicted.y - s.server.y) < 1;
        }""",
        timeout=WAIT_MS,
    )


def aim_at(page: Page, x: float, y: float, field_width: float) -> None:
    """Move the mouse over the world point (x, y) of a field ``field_width`` wide drawn across
    the whole canvas (the shooter: the canvas keeps the arena's aspect ratio)."""
    box = page.locator("#canvas").bounding_box()
    assert box is not None
    scale = box["width"] / field_width
    page.mouse.move(box["x"] + x * scale, box["y"] + y * scale)


def canvas_pixels(page: Page) -> str:
    return page.eval_on_selector("#canvas", "canvas => canvas.toDataURL('image/png')")


def wait_canvas_changes(page: Page, before: str) -> None:
    page.wait_for_function(
        "(before) => document.getElementById('canvas').toDataURL('image/png') !== before",
        arg=before,
        polling=100,
        timeout=WAIT_MS,
    )


# -- the games ---------------------------------------------------------------------------------


def play_shooter(match: Match) -> Outcome:
    """Both ships fly to the open lane along the top edge (no walls there); Bo comes along it
    towards Ada and stops; Ada aims at Bo and fires until the kill (the score limit is 1)."""
    rules = match.game.options
    ada, bo = match.pages
    radius = rules.player_radius
    lane = radius + 4  # the top edge clamps a ship at y = radius
    for page in (ada, bo):
        # a wall above the ship (the bar over the bottom spawn point): step aside first
        start = own_avatar(page)
        above = [
            wall
            for wall in rules.walls
            if wall.x - radius < start["x"] < wall.right + radius and wall.bottom < start["y"]
        ]
        if above:
            wall = max(above, key=lambda w: w.bottom)
            if start["x"] < wall.x + wall.w / 2:
                hold_until(page, "a", "a.x < arg", wall.x - radius - 30)
            else:
                hold_until(page, "d", "a.x > arg", wall.right + radius + 30)
    for page in (ada, bo):
        page.keyboard.down("w")
    for page in (ada, bo):
        wait_own(page, "a.y < arg", lane)
        page.keyboard.up("w")
    ada_x = own_avatar(ada)["x"]
    if own_avatar(bo)["x"] > ada_x:
        hold_until(bo, "a", "a.x < arg", ada_x + 380)
    else:
        hold_until(bo, "d", "a.x > arg", ada_x - 380)
    wait_at_rest(bo)
    target = own_avatar(bo)
    aim_at(ada, target["x"], target["y"], rules.arena_width)
    ada.keyboard.down("Space")  # fire
    try:
        wait_own(bo, "a.health < arg", rules.max_health)  # hit
        # the shooter sees its hit: the hit marker over the ship hit
        expect(ada.locator("#hit-marker")).to_have_attribute(
            "data-hits", re.compile(r"^[1-9]"), timeout=WAIT_MS
        )
        match.shot(ada, "match")
        match.shot(match.viewer, "spectator")
        expect(ada.locator("#results")).to_be_visible(timeout=PLAY_MS)
    finally:
        ada.keyboard.up("Space")
    expect(ada.locator("#killfeed")).to_contain_text(f"{match.names[0]} eliminated")
    expect(ada.locator("#callout")).to_have_text(f"You eliminated {match.names[1]}")
    expect(bo.locator("#callout")).not_to_have_text(re.compile("You eliminated"))
    return Outcome(0, re.compile("Score limit reached"))


def play_connect4(match: Match) -> Outcome:
    """The first to move drops four discs into the leftmost column, the other three into the
    next: four in a row, upright."""
    status = match.pages[0].locator("#game-status-text")
    expect(status).to_contain_text(re.compile("Your move|Their move"), timeout=WAIT_MS)
    first = 0 if "Your move" in (status.text_content() or "") else 1
    second = 1 - first
    columns = match.game.rules(match.mode)["columns"]
    viewer_before = canvas_pixels(match.viewer)
    moves = [(first, 0), (second, 1)] * 3 + [(first, 0)]
    for number, (who, column) in enumerate(moves, start=1):
        page = match.pages[who]
        status = page.locator("#game-status-text")
        expect(status).to_contain_text("Your move", timeout=WAIT_MS)
        click_column(page, column, columns)
        if number < len(moves):
            expect(status).to_contain_text("Their move", timeout=WAIT_MS)
        if number == 1:
            wait_canvas_changes(match.viewer, viewer_before)  # the spectator sees the disc
        if number == len(moves) - 1:
            match.shot(match.pages[first], "match")
            match.shot(match.viewer, "spectator")
    winner = match.names[first]
    for page in (*match.pages, match.viewer):
        expect(page.locator("#killfeed")).to_contain_text(f"{winner} connects four!")
    return Outcome(first, re.compile("Four in a row"))


def click_column(page: Page, column: int, columns: int) -> None:
    """Click the middle of ``column`` of the grid (static/js/games/connect4: a 24 px margin)."""
    box = page.locator("#canvas").bounding_box()
    assert box is not None
    margin = 24
    cell = (box["width"] - 2 * margin) / columns
    page.mouse.click(box["x"] + margin + (column + 0.5) * cell, box["y"] + box["height"] / 2)


def play_football(match: Match) -> Outcome:
    """Kick-off: the team-0 player stands left of the ball; the other player steps out of the
    way (up), then the kicker aims straight at the right goal and kicks (the score limit is 1)."""
    rules = match.game.options
    centre = rules.pitch_width / 2
    kicker = next(i for i, page in enumerate(match.pages) if own_avatar(page)["x"] < centre)
    other = 1 - kicker
    kick, keeper = match.pages[kicker], match.pages[other]
    hold_until(keeper, "w", "a.y < arg", rules.goal_top - 3 * rules.player_radius)
    assert abs(own_avatar(kick)["y"] - rules.pitch_height / 2) < 1, "the kicker is on the centre"
    box = kick.locator("#canvas").bounding_box()
    assert box is not None
    # aim along the centre line towards the right goal (the pitch is drawn centred)
    kick.mouse.move(box["x"] + box["width"] - 2, box["y"] + box["height"] / 2)
    match.shot(kick, "match")
    match.shot(match.viewer, "spectator")
    kick.keyboard.down("Space")
    try:
        expect(kick.locator("#results")).to_be_visible(timeout=PLAY_MS)
    finally:
        kick.keyboard.up("Space")
    for page in (*match.pages, match.viewer):
        expect(page.locator("#killfeed")).to_contain_text(f"{match.names[kicker]} scored")
    # team 0 kicks off and scores: its goals first
    return Outcome(kicker, re.compile(r"\b1 – 0\b.* · Score limit reached"))


PLAYS: dict[str, Callable[[Match], Outcome]] = {
    "shooter": play_shooter,
    "football": play_football,
    "connect4": play_connect4,
}


# -- the test ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(GAMES))
def test_a_game_is_picked_found_played_watched_and_won(
    name: str, server: str, browser: Browser, contexts: list[BrowserContext]
) -> None:
    game = GAMES[name]
    play = PLAYS.get(name)
    if play is None:
        pytest.fail(f"no way to play {name} in the browser yet: add it to PLAYS")
    mode = lobby_mode(game)
    errors: list[str] = []
    names = [f"Ada {name}"[:16], f"Bo {name}"[:16]]

    # both pick the game and the mode in the lobby and find a match
    pages = []
    for player in names:
        page = open_page(contexts, browser, errors)
        page.goto(server)
        page.fill("#name", player)
        page.select_option("#game", name)  # waits for the option (the lobby lists the games)
        page.select_option("#mode", mode.name)
        expect(page.locator("#game")).to_have_value(name)
        expect(page.locator("#mode")).to_have_value(mode.name)
        if not pages:
            shot(name, page, "lobby")
        page.click("#find")
        expect(page.locator("#queue-status")).to_contain_text(
            re.compile("searching|Match found"), timeout=WAIT_MS
        )
        pages.append(page)
    match = Match(game, mode, pages, names, [], pages[0])

    # the ready check: both accept
    for page in pages:
        expect(page.locator("#ready-dialog")).to_be_visible(timeout=WAIT_MS)
        expect(page.locator("#ready-players")).to_contain_text(names[0])
        expect(page.locator("#ready-players")).to_contain_text(names[1])
    match.shot(pages[1], "ready")
    for page in pages:
        page.click("#accept")
    for page in pages:
        page.wait_for_function("document.body.dataset.lobby === 'in-match'", timeout=WAIT_MS)
        expect(page.locator("#status")).to_contain_text("connected", timeout=WAIT_MS)
        page.wait_for_function("Number(document.body.dataset.tick) > 0", timeout=WAIT_MS)
        assert own(page)["game"] == name
    match.ids = [own(page)["playerId"] for page in pages]

    # a third guest watches from the lobby's live list and follows Bo
    viewer = open_page(contexts, browser, errors)
    viewer.goto(server)
    row = viewer.locator("#live-list li").filter(has_text=names[0]).filter(has_text=names[1])
    expect(row).to_have_count(1, timeout=WAIT_MS)
    match_id = row.get_attribute("data-match-id")
    expect(row).to_contain_text(game.title)
    row.get_by_role("button", name="Watch").click()
    expect(viewer.locator("#status")).to_contain_text("watching", timeout=WAIT_MS)
    assert viewer.url.endswith(f"#watch/{match_id}")
    match.viewer = viewer
    viewer.wait_for_function(
        "(game) => { const s = window.arena.watch(); return s && s.game === game && s.frames > 0"
        " && s.tick !== null; }",
        arg=name,
        timeout=WAIT_MS,
    )
    follow(match, 1)
    for page in pages:
        expect(page.locator("#spectators")).to_have_text("1 spectator", timeout=WAIT_MS)

    # play it: everyone in the running phase, then the game's own way to a win
    for page in (*pages, viewer):
        page.wait_for_function("Number(document.body.dataset.phase) === 2", timeout=WAIT_MS)
    # the title says where each one is; the help lines say how to play (or how to follow):
    # shown at the start, behind the Controls button once the match has been running a while
    for page in pages:
        expect(page).to_have_title(f"Playing {game.title} · Arena")
        help_lines = page.locator("#match-controls")
        expect(help_lines.locator("li")).not_to_have_count(0)
        if help_lines.is_hidden():
            page.click("#help-toggle")
        expect(help_lines).to_be_visible()
        expect(page.locator("#help-toggle")).to_have_attribute("aria-expanded", "true")
    expect(viewer).to_have_title(f"Watching {game.title} · Arena")
    expect(viewer.locator("#match-controls")).to_contain_text("to follow them")
    outcome = play(match)

    # the results, for the players and the spectator
    winner, loser = names[outcome.winner], names[1 - outcome.winner]
    teams = mode.teams > 0
    for page in (*pages, viewer):
        results = page.locator("#results")
        expect(results).to_be_visible(timeout=PLAY_MS)
        expect(page.locator("#results-detail")).to_contain_text(outcome.detail)
        standings = page.locator("#standings")
        expect(standings.locator("tr")).to_have_count(2)
        expect(standings).to_contain_text(winner)
        expect(standings).to_contain_text(loser)
        expect(standings.locator("tr.winner")).to_have_count(1)
        expect(standings.locator("tr.winner")).to_contain_text(winner)
    title = re.compile(r".+ wins$") if teams else re.compile(f"^{re.escape(winner)} wins$")
    won = "Your team wins!" if teams else "You win!"
    expect(pages[outcome.winner].locator("#results-title")).to_have_text(won)
    expect(pages[1 - outcome.winner].locator("#results-title")).to_have_text(title)
    expect(viewer.locator("#results-title")).to_have_text(title)
    expect(pages[outcome.winner].locator("#results")).to_have_attribute("data-outcome", "win")
    expect(pages[1 - outcome.winner].locator("#results")).to_have_attribute("data-outcome", "loss")
    expect(viewer.locator("#results")).to_have_attribute("data-outcome", "watched")
    # each player's rating change, once the server has recorded the match (new guests: 1500)
    won_text, lost_text = "1500 → 1516 (+16)", "1500 → 1484 (−16)"
    expect(pages[outcome.winner].locator("#results-rating")).to_have_text(
        f"Your rating: {won_text}", timeout=WAIT_MS
    )
    expect(pages[1 - outcome.winner].locator("#results-rating")).to_have_text(
        f"Your rating: {lost_text}", timeout=WAIT_MS
    )
    for page in (*pages, viewer):
        rating_cells = page.locator("#standings td.rating")
        expect(rating_cells).to_have_count(2, timeout=WAIT_MS)
        expect(page.locator("#standings tr.winner td.rating")).to_have_text(won_text)
    expect(viewer.locator("#results-rating")).to_be_hidden()
    match.shot(pages[outcome.winner], "results")
    match.shot(viewer, "spectator-results")
    expect(viewer.locator("#status")).to_contain_text("match finished", timeout=WAIT_MS)

    # back to the lobby, which shows the new ratings; so does the next ready check
    new_ratings = {outcome.winner: "1516", 1 - outcome.winner: "1484"}
    for index, page in enumerate(pages):
        page.click("#back-to-lobby")
        page.wait_for_function("document.body.dataset.lobby === 'idle'", timeout=WAIT_MS)
        expect(page).to_have_title("Lobby · Arena")
        expect(page.locator("#rating")).to_have_text(new_ratings[index], timeout=WAIT_MS)
    for page in pages:
        page.click("#find")
    for page in pages:
        expect(page.locator("#ready-dialog")).to_be_visible(timeout=WAIT_MS)
        for index, player in enumerate(names):
            entry = page.locator("#ready-players li").filter(has_text=player)
            expect(entry.locator(".rating")).to_have_text(new_ratings[index])
    match.shot(pages[0], "ready-after")
    pages[0].click("#decline")
    for page in pages:
        expect(page.locator("#ready-dialog")).to_be_hidden(timeout=WAIT_MS)
    if pages[1].locator("#cancel").is_visible():
        pages[1].click("#cancel")  # requeued after the other declined
    for page in pages:
        page.wait_for_function("document.body.dataset.lobby === 'idle'", timeout=WAIT_MS)
    assert errors == []


def follow(match: Match, index: int) -> None:
    """The spectator follows player ``index`` (its scoreboard row clicked): the server is told,
    the HUD says so and the camera (for a game with avatars on a field) zooms in on it."""
    viewer, player_id = match.viewer, match.ids[index]
    viewer.locator(f'#scoreboard tr[data-player-id="{player_id}"]').click()
    expect(viewer.locator("#following")).to_have_text(f"Following {match.names[index]}")
    field = field_size(match.game)
    viewer.wait_for_function(
        """([id, field]) => {
          const s = window.arena.watch();
          if (!s || s.following !== id || s.followSent !== id) return false;
          if (field === null) return s.camera === null;
          // zoomed in, with the player in view (a game may look a little past it: football
          // towards the ball), and every player drawn
          const p = s.drawn.find((d) => d.id === id);
          const c = s.camera;
          if (!p || !c || !(c.zoom > 1) || s.drawn.length < 2) return false;
          const [width, height] = field;
          return Math.abs(c.x - p.x) < width / (2 * c.zoom)
            && Math.abs(c.y - p.y) < height / (2 * c.zoom);
        }""",
        arg=[player_id, field],
        timeout=WAIT_MS,
    )


def field_size(game: Game) -> list[float] | None:
    """The field the avatars move on (world units: the ranges of their ``x`` and ``y``, what the
    spectator camera moves within), or None for a game without one."""
    for collection in game.state.collections:
        if collection.avatars:
            fields = {field.name: field for field in collection.fields}
            if "x" in fields and "y" in fields:
                return [fields[n].high / fields[n].scale for n in ("x", "y")]
    return None
