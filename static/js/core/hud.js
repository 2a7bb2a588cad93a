/**
 * Heads-up display in the DOM, the same for every game: connection status, phase and timer,
 * the game's status line (the shooter's health), spectator count, the scoreboard and the results
 * from the game's columns (with each player's rating change once the server has it), the feed
 * (kills, notes), a callout for what the player did ("You eliminated Bo"), a hit marker, the
 * disconnect notice and the match's help lines (open at the start, behind a Controls button
 * later); for a spectator also who the camera follows and the stream's delay.
 */

import { playerColor } from "./colors.js";
import { formatRatingChange } from "./rating-change.js";
import {
  describeEndReason,
  formatClock,
  formatDelay,
  formatSpectators,
  rankRoster,
} from "./format.js";
import { PHASE_NAMES, Phase } from "./protocol.js";
import { titleOf } from "./schema.js";

const KILL_FEED_MS = 6000;
const KILL_FEED_MAX = 5;
/** How long a callout ("You eliminated Bo") stays. */
const CALLOUT_MS = 2200;
/** How long the hit marker shows. */
const HIT_MARKER_MS = 260;
const EMPTY = new Set();

/** A team's default name: "Team 1", "Team 2". */
export function defaultTeamName(team) {
  return `Team ${Number(team) + 1}`;
}

/**
 * The title and outcome of a parsed RESULT for `selfId` (null for a spectator) on `selfTeam`:
 * `{title, outcome}` with outcome "win", "loss", "draw" or "watched".
 */
export function resultTitle(result, selfId, { selfTeam = null, teamName = defaultTeamName } = {}) {
  if (result.reason === "abandoned") return { title: "Match abandoned", outcome: "draw" };
  if (result.reason === "lost" || result.reason === "interrupted") {
    return { title: "Match ended early", outcome: "draw" };
  }
  if (result.teams && result.winnerTeam !== null) {
    const title = `${teamName(result.winnerTeam)} wins`;
    if (selfId === null) return { title, outcome: "watched" };
    if (selfTeam === result.winnerTeam) return { title: "Your team wins!", outcome: "win" };
    return { title, outcome: "loss" };
  }
  const winner = result.standings.find((entry) => entry.id === result.winnerId);
  if (result.winnerId === null || !winner) return { title: "It's a draw", outcome: "draw" };
  if (selfId === null) return { title: `${winner.name} wins`, outcome: "watched" };
  if (result.winnerId === selfId) return { title: "You win!", outcome: "win" };
  return { title: `${winner.name} wins`, outcome: "loss" };
}

/**
 * Help lines as DOM nodes: text, with `[X]` shown as a key cap (`<kbd>X</kbd>`); `document` makes
 * the elements.
 */
export function helpLine(document, line) {
  const li = document.createElement("li");
  for (const part of String(line).split(/(\[[^\]]+\])/)) {
    if (!part) continue;
    const key = /^\[([^\]]+)\]$/.exec(part);
    if (key) {
      const kbd = document.createElement("kbd");
      kbd.textContent = key[1];
      li.append(kbd);
    } else {
      li.append(document.createTextNode(part));
    }
  }
  return li;
}

/** Owns the HUD elements of the game view. */
export class Hud {
  /** Look up the HUD elements in `root` (the document). */
  constructor(root = document) {
    const $ = (id) => root.getElementById(id);
    this.root = root;
    /** Called once results are shown (the page offers the match's replay). */
    this.onResultsShown = null;
    this.status = $("status");
    this.phase = $("phase");
    this.gameStatus = $("game-status");
    this.gameStatusFill = $("game-status-fill");
    this.gameStatusText = $("game-status-text");
    this.spectators = $("spectators");
    this.following = $("following");
    this.delay = $("delay");
    this.scoreboard = $("scoreboard");
    this.killFeed = $("killfeed");
    this.notice = $("notice");
    this.noticeText = $("notice-text");
    this.noticeRejoin = $("notice-rejoin");
    this.results = $("results");
    this.resultsTitle = $("results-title");
    this.resultsDetail = $("results-detail");
    this.standingsHead = $("standings-head");
    this.standings = $("standings");
    this.matchControls = $("match-controls");
    this.helpToggle = $("help-toggle");
    this.callout = $("callout");
    this.hitMarkerElement = $("hit-marker");
    this.resultsRating = $("results-rating");
    this.feedEntries = [];
    this.lastScoreboardKey = "";
    this.lastControlsKey = "";
    this.controlLines = [];
    this.helpOpen = true;
    this.helpChosen = false;
    this.calloutUntil = -Infinity;
    this.hitMarkerUntil = -Infinity;
    this.hits = 0;
    this.helpToggle?.addEventListener("click", () => {
      this.helpChosen = true;
      this.setHelpOpen(!this.helpOpen);
      this.helpToggle.blur();
    });
  }

  /** Clear everything for a new connection. */
  reset() {
    this.setStatus("connecting…", "pending");
    setText(this.phase, "");
    this.setGameStatus(null);
    this.setSpectators(0);
    this.setFollowing(null);
    this.setDelay(0);
    this.setControls([]);
    this.helpChosen = false;
    this.setHelpOpen(true);
    this.hideCallout();
    this.hitMarkerUntil = -Infinity;
    this.hitMarkerElement.hidden = true;
    this.scoreboard.replaceChildren();
    this.lastScoreboardKey = "";
    this.killFeed.replaceChildren();
    this.feedEntries = [];
    this.hideNotice();
    this.hideResults();
  }

  /** Connection status text; `kind` is "ok", "pending" or "error" (for colour). */
  setStatus(text, kind = "ok") {
    setText(this.status, text);
    if (this.status.dataset.kind !== kind) this.status.dataset.kind = kind;
  }

  /** Phase name and its timer (ms left in the phase). */
  setPhase(phase, msLeft, timeLimited = true) {
    const name = PHASE_NAMES[phase] ?? "";
    let text = name;
    if (phase === Phase.COUNTDOWN) text = `Starting in ${formatClock(msLeft)}`;
    else if (phase === Phase.RUNNING && timeLimited) text = `${name} · ${formatClock(msLeft)}`;
    else if (phase === Phase.ENDED) text = `${name} · closing in ${formatClock(msLeft)}`;
    setText(this.phase, text);
  }

  /**
   * The game's status line (`statusOf`): a text, or `{text, fraction}` shown with a bar
   * (`fraction` 0–1, coloured by level); null or "" hides it.
   */
  setGameStatus(status) {
    const text = typeof status === "string" ? status : (status?.text ?? "");
    const fraction = typeof status === "object" && status !== null ? status.fraction : undefined;
    const bar = Number.isFinite(fraction);
    this.gameStatus.hidden = text === "" && !bar;
    setText(this.gameStatusText, text);
    this.gameStatus.classList.toggle("with-bar", bar);
    const share = bar ? Math.max(0, Math.min(1, fraction)) : 0;
    const width = `${(share * 100).toFixed(1)}%`;
    if (this.gameStatusFill.style.width !== width) this.gameStatusFill.style.width = width;
    const level = share > 0.5 ? "high" : share > 0.25 ? "mid" : "low";
    if (this.gameStatus.dataset.level !== level) this.gameStatus.dataset.level = level;
  }

  /** How many watch the match ("1 spectator"); hidden for none. */
  setSpectators(count) {
    const text = formatSpectators(count);
    setText(this.spectators, text);
    this.spectators.hidden = text === "";
  }

  /** Who a spectator's camera follows (a name), or null for the whole arena. */
  setFollowing(name) {
    setText(this.following, name === null ? "Whole arena" : `Following ${name}`);
  }

  /** The delay of a spectator's stream ("delayed by 5 s"); hidden when live. */
  setDelay(delayMs) {
    const text = formatDelay(delayMs);
    setText(this.delay, text);
    this.delay.hidden = text === "";
  }

  /** The game's help lines on the match screen (see `helpLine`); none hides them. */
  setControls(lines) {
    const key = JSON.stringify(lines ?? []);
    if (key === this.lastControlsKey) return;
    this.lastControlsKey = key;
    this.controlLines = lines ?? [];
    const items = this.controlLines.map((line) => helpLine(this.root, line));
    this.matchControls.replaceChildren(...items);
    this.showHelp();
  }

  /** Show the help lines (`open`) or only the Controls button that shows them again. */
  setHelpOpen(open) {
    this.helpOpen = Boolean(open);
    this.showHelp();
  }

  /**
   * The match has been running a while: fold the help lines away behind the Controls button,
   * unless the player opened or closed them with it.
   */
  foldHelp() {
    if (!this.helpChosen && this.helpOpen) this.setHelpOpen(false);
  }

  showHelp() {
    const any = this.controlLines.length > 0;
    this.matchControls.hidden = !any || !this.helpOpen;
    if (this.helpToggle) {
      this.helpToggle.hidden = !any;
      this.helpToggle.setAttribute("aria-expanded", String(any && this.helpOpen));
    }
  }

  /**
   * A line over the field about what the player just did ("You eliminated Bo") for CALLOUT_MS
   * from `nowMs`; `kind` styles it ("good", "bad" or "").
   */
  announce(text, nowMs, kind = "") {
    setText(this.callout, text);
    this.callout.dataset.kind = kind;
    this.callout.hidden = false;
    // restart the animation of a callout that is already shown
    this.callout.classList.remove("pop");
    void this.callout.offsetWidth;
    this.callout.classList.add("pop");
    this.calloutUntil = nowMs + CALLOUT_MS;
  }

  hideCallout() {
    this.callout.hidden = true;
    this.calloutUntil = -Infinity;
  }

  /**
   * The hit marker at a point of the stage (CSS pixels from its top left) from `nowMs`: the own
   * shot hit. `data-hits` counts the hits shown (tests).
   */
  showHitMarker(x, y, nowMs) {
    const marker = this.hitMarkerElement;
    marker.style.left = `${x.toFixed(1)}px`;
    marker.style.top = `${y.toFixed(1)}px`;
    marker.hidden = false;
    marker.classList.remove("pop");
    void marker.offsetWidth;
    marker.classList.add("pop");
    this.hits += 1;
    marker.dataset.hits = String(this.hits);
    this.hitMarkerUntil = nowMs + HIT_MARKER_MS;
  }

  /**
   * Render the roster (`[{id, name, team?, connected, ...columns}]`) with the game's `columns`
   * (`[{name, title, short?, order?}]`), highlighting `selfId` and marking the players in
   * `reconnecting` (ids: their connection dropped and their seat waits); each row carries its
   * player id in `data-player-id`. `teamName(team)` names teams in team modes.
   */
  setScoreboard(roster, selfId, reconnecting = EMPTY, options = {}) {
    const { columns = [], teamName = defaultTeamName } = options;
    const ranked = rankRoster(roster, columns);
    const waiting = ranked.filter((e) => reconnecting.has(e.id)).map((e) => e.id);
    const key = JSON.stringify([selfId, ranked, waiting, columns]);
    if (key === this.lastScoreboardKey) return;
    this.lastScoreboardKey = key;
    const header = row("tr", [["th", "Player"], ...columns.map((c) => ["th", c.short ?? c.title])]);
    const rows = ranked.map((entry) => {
      const cells = columns.map((c) => ["td", formatValue(entry[c.name])]);
      const tr = row("tr", [["td", entry.name], ...cells]);
      tr.firstChild.prepend(swatch(entry.id));
      tr.dataset.playerId = String(entry.id);
      if (entry.team !== undefined) {
        tr.dataset.team = String(entry.team);
        tr.firstChild.append(tag(teamName(entry.team), "team"));
      }
      if (entry.id === selfId) tr.classList.add("self");
      if (waiting.includes(entry.id)) {
        tr.classList.add("reconnecting");
        tr.title = "reconnecting…";
        tr.firstChild.append(tag("reconnecting…"));
      } else if (!entry.connected) {
        tr.classList.add("gone");
        tr.title = "left the match";
        tr.firstChild.append(tag("left"));
      }
      return tr;
    });
    const table = document.createElement("table");
    const thead = document.createElement("thead");
    thead.append(header);
    const tbody = document.createElement("tbody");
    tbody.append(...rows);
    table.append(thead, tbody);
    this.scoreboard.replaceChildren(table);
  }

  /**
   * Make the overlays on the field (scoreboard, feed, help lines) see-through while an avatar is
   * under them, so that nothing in play is hidden: `avatars` is `{points, radius}` in page pixels.
   */
  keepClear(avatars) {
    for (const element of [this.scoreboard, this.killFeed, this.matchControls]) {
      const box = element.getBoundingClientRect();
      const r = avatars.radius;
      const covering =
        box.width > 0 &&
        avatars.points.some(
          (p) =>
            p.x + r > box.left && p.x - r < box.right && p.y + r > box.top && p.y - r < box.bottom,
        );
      if (element.classList.contains("see-through") !== covering) {
        element.classList.toggle("see-through", covering);
      }
    }
  }

  /**
   * Add a kill to the feed ("Ada eliminated Bo"; `verb` for other games); `self` marks kills you
   * made or suffered. Players are `{id, name}`.
   */
  addKill(killer, victim, nowMs, self = false, verb = "eliminated") {
    const li = document.createElement("li");
    if (self) li.classList.add("self");
    const text = document.createElement("span");
    text.className = "verb";
    text.textContent = killer.id === victim.id ? ` ${verb} themselves ` : ` ${verb} `;
    li.append(nameSpan(killer), text, nameSpan(victim));
    this.pushFeed(li, nowMs);
  }

  /**
   * Add a line that is not a kill to the feed ("Bo left"); `player` is `{id, name}`, or null for
   * the text alone; `self` highlights it.
   */
  addNote(player, text, nowMs, self = false) {
    const li = document.createElement("li");
    li.classList.add("note");
    if (self) li.classList.add("self");
    const verb = document.createElement("span");
    verb.className = "verb";
    verb.textContent = player ? ` ${text}` : String(text);
    if (player) li.append(nameSpan(player));
    li.append(verb);
    this.pushFeed(li, nowMs);
  }

  pushFeed(li, nowMs) {
    this.killFeed.prepend(li);
    this.feedEntries.unshift({ li, until: nowMs + KILL_FEED_MS });
    while (this.feedEntries.length > KILL_FEED_MAX) this.feedEntries.pop().li.remove();
  }

  /** Remove feed entries older than their display time (and an old callout and hit marker). */
  pruneKillFeed(nowMs) {
    while (this.feedEntries.length && this.feedEntries.at(-1).until <= nowMs) {
      this.feedEntries.pop().li.remove();
    }
    if (!this.callout.hidden && nowMs >= this.calloutUntil) this.hideCallout();
    if (!this.hitMarkerElement.hidden && nowMs >= this.hitMarkerUntil) {
      this.hitMarkerElement.hidden = true;
    }
  }

  /** Show the disconnect notice with a message, offering to rejoin (`label`) if `canRejoin`. */
  showNotice(text, canRejoin = false, label = "Rejoin") {
    setText(this.noticeText, text);
    setText(this.noticeRejoin, label);
    this.noticeRejoin.hidden = !canRejoin;
    this.notice.hidden = false;
  }

  /** Hide the disconnect notice. */
  hideNotice() {
    this.notice.hidden = true;
  }

  /**
   * Show the results overlay for a parsed RESULT; `selfId` null for a spectator. Options:
   * `selfTeam` (team modes), `columns` (the game's `[{name, title}]`: the headers of RESULT's
   * columns), `teamName(team)` and `summary` (extra text, the game's `summaryText`).
   */
  showResults(result, selfId, options = {}) {
    const { selfTeam = null, columns = [], teamName = defaultTeamName, summary = "" } = options;
    const { title, outcome } = resultTitle(result, selfId, { selfTeam, teamName });
    setText(this.resultsTitle, title);
    this.results.dataset.outcome = outcome;
    const parts = [summary, describeEndReason(result.reason)];
    if (result.durationMs > 0) parts.push(`played ${formatClock(result.durationMs)}`);
    setText(this.resultsDetail, parts.filter(Boolean).join(" · "));
    const titles = new Map(columns.map((column) => [column.name, column.title]));
    const teams = Boolean(result.teams);
    const head = [["th", "#"], ["th", "Player"]];
    if (teams) head.push(["th", "Team"]);
    for (const name of result.columns) head.push(["th", titles.get(name) ?? titleOf(name)]);
    this.standingsHead.replaceChildren(row("tr", head));
    const rows = result.standings.map((entry, index) => {
      const cells = [
        ["td", String(entry.place ?? index + 1)],
        ["td", entry.name],
      ];
      if (teams) cells.push(["td", teamName(entry.team)]);
      for (const value of entry.values) cells.push(["td", formatValue(value)]);
      const tr = row("tr", cells);
      tr.children[1].prepend(swatch(entry.id));
      tr.dataset.playerId = String(entry.id);
      if (entry.id === selfId) tr.classList.add("self");
      const winner = teams ? result.winnerTeam : result.winnerId;
      if (winner !== null && (teams ? entry.team : entry.id) === winner) tr.classList.add("winner");
      return tr;
    });
    this.standings.replaceChildren(...rows);
    this.resultsRating.hidden = true;
    this.results.hidden = false;
    this.onResultsShown?.();
  }

  /**
   * Add each player's rating change (`changes`: Map player id → `{before, after, change}`,
   * rating-change.js) to the results shown, as a Rating column, and the own one (`selfId`) as a
   * line under the title. Nothing for no changes.
   */
  showRatingChanges(changes, selfId) {
    if (!changes?.size || this.results.hidden) return;
    const head = this.standingsHead.querySelector("tr");
    if (head && !head.querySelector("th.rating")) {
      const th = document.createElement("th");
      th.className = "rating";
      th.textContent = "Rating";
      head.append(th);
    }
    for (const tr of this.standings.querySelectorAll("tr[data-player-id]")) {
      const change = changes.get(Number(tr.dataset.playerId));
      let cell = tr.querySelector("td.rating");
      if (!cell) {
        cell = document.createElement("td");
        cell.className = "rating";
        tr.append(cell);
      }
      cell.textContent = change ? formatRatingChange(change) : "";
      cell.dataset.trend = !change ? "" : change.change > 0 ? "up" : change.change < 0 ? "down" : "";
    }
    const own = selfId === null || selfId === undefined ? null : changes.get(selfId);
    if (own) {
      setText(this.resultsRating, `Your rating: ${formatRatingChange(own)}`);
      this.resultsRating.dataset.trend = own.change > 0 ? "up" : own.change < 0 ? "down" : "";
      this.resultsRating.hidden = false;
    }
  }

  /** Hide the results overlay. */
  hideResults() {
    this.results.hidden = true;
    this.resultsRating.hidden = true;
  }
}

function formatValue(value) {
  if (value === undefined || value === null) return "";
  if (typeof value === "number" && !Number.isInteger(value)) return value.toFixed(1);
  return String(value);
}

function setText(element, text) {
  if (element.textContent !== text) element.textContent = text;
}

function row(tag, cells) {
  const tr = document.createElement(tag);
  for (const [cellTag, text] of cells) {
    const cell = document.createElement(cellTag);
    cell.textContent = text;
    tr.append(cell);
  }
  return tr;
}

function tag(text, kind = "") {
  const span = document.createElement("span");
  span.className = kind ? `tag ${kind}` : "tag";
  span.textContent = text;
  return span;
}

function swatch(id) {
  const span = document.createElement("span");
  span.className = "swatch";
  span.style.background = playerColor(id, 58);
  return span;
}

function nameSpan({ id, name }) {
  const span = document.createElement("span");
  span.className = "who";
  span.style.color = playerColor(id, 70);
  span.textContent = name;
  return span;
}
