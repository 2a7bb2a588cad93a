/**
 * Heads-up display in the DOM: connection status, phase and timer, health, spectator count,
 * scoreboard, kill feed, the disconnect notice and the results overlay; for a spectator also
 * who the camera follows and the stream's delay.
 */

import { playerColor } from "./colors.js";
import {
  describeEndReason,
  formatClock,
  formatDelay,
  formatSpectators,
  rankRoster,
} from "./format.js";
import { PHASE_NAMES, Phase } from "./protocol.js";

const KILL_FEED_MS = 6000;
const KILL_FEED_MAX = 5;
const EMPTY = new Set();

/** Owns the HUD elements of the game view. */
export class Hud {
  /** Look up the HUD elements in `root` (the document). */
  constructor(root = document) {
    const $ = (id) => root.getElementById(id);
    this.status = $("status");
    this.phase = $("phase");
    this.health = $("health");
    this.healthFill = $("health-fill");
    this.healthText = $("health-text");
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
    this.standings = $("standings");
    this.feedEntries = [];
    this.lastScoreboardKey = "";
  }

  /** Clear everything for a new connection. */
  reset() {
    this.setStatus("connecting…", "pending");
    setText(this.phase, "");
    this.setHealth(null, 100);
    this.setSpectators(0);
    this.setFollowing(null);
    this.setDelay(0);
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
  setPhase(phase, msLeft) {
    const name = PHASE_NAMES[phase] ?? "";
    let text = name;
    if (phase === Phase.COUNTDOWN) text = `Starting in ${formatClock(msLeft)}`;
    else if (phase === Phase.RUNNING) text = `${name} · ${formatClock(msLeft)}`;
    else if (phase === Phase.ENDED) text = `${name} · closing in ${formatClock(msLeft)}`;
    setText(this.phase, text);
  }

  /** Your health; null hides the bar (not in the match or dead). */
  setHealth(health, maxHealth) {
    const alive = health !== null && health > 0;
    const fraction = alive ? Math.max(0, Math.min(1, health / (maxHealth || 100))) : 0;
    const width = `${(fraction * 100).toFixed(1)}%`;
    if (this.healthFill.style.width !== width) this.healthFill.style.width = width;
    setText(this.healthText, health === null ? "–" : alive ? `${health} HP` : "Respawning…");
    const level = fraction > 0.5 ? "high" : fraction > 0.25 ? "mid" : "low";
    if (this.health.dataset.level !== level) this.health.dataset.level = level;
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

  /**
   * Render the roster (`[{id, name, score, deaths, connected}]`), highlighting `selfId` and
   * marking the players in `reconnecting` (ids: their connection dropped and their ship waits);
   * each row carries its player id in `data-player-id`.
   */
  setScoreboard(roster, selfId, reconnecting = EMPTY) {
    const ranked = rankRoster(roster);
    const waiting = ranked.filter((e) => reconnecting.has(e.id)).map((e) => e.id);
    const key = JSON.stringify([selfId, ranked, waiting]);
    if (key === this.lastScoreboardKey) return;
    this.lastScoreboardKey = key;
    const header = row("tr", [["th", "Player"], ["th", "K"], ["th", "D"]]);
    const rows = ranked.map((entry) => {
      const tr = row("tr", [["td", entry.name], ["td", String(entry.score)], ["td", String(entry.deaths)]]);
      tr.firstChild.prepend(swatch(entry.id));
      tr.dataset.playerId = String(entry.id);
      if (entry.id === selfId) tr.classList.add("self");
      if (waiting.includes(entry.id)) {
        tr.classList.add("reconnecting");
        tr.title = "reconnecting…";
        const tag = document.createElement("span");
        tag.className = "tag";
        tag.textContent = "reconnecting…";
        tr.firstChild.append(tag);
      } else if (!entry.connected) {
        tr.classList.add("gone");
        tr.title = "left the match";
        const tag = document.createElement("span");
        tag.className = "tag";
        tag.textContent = "left";
        tr.firstChild.append(tag);
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
   * Make the overlays on the arena (scoreboard, kill feed) see-through while a ship is under
   * them, so that nothing in play is hidden: `ships` is `{points, radius}` in page pixels.
   */
  keepClear(ships) {
    for (const element of [this.scoreboard, this.killFeed]) {
      const box = element.getBoundingClientRect();
      const r = ships.radius;
      const covering =
        box.width > 0 &&
        ships.points.some(
          (p) =>
            p.x + r > box.left && p.x - r < box.right && p.y + r > box.top && p.y - r < box.bottom,
        );
      if (element.classList.contains("see-through") !== covering) {
        element.classList.toggle("see-through", covering);
      }
    }
  }

  /** Add a kill to the feed; `self` marks kills you made or suffered. */
  addKill(killer, victim, nowMs, self = false) {
    const li = document.createElement("li");
    if (self) li.classList.add("self");
    const killerSpan = nameSpan(killer);
    const victimSpan = nameSpan(victim);
    const verb = document.createElement("span");
    verb.className = "verb";
    verb.textContent = killer.id === victim.id ? " eliminated themselves " : " eliminated ";
    li.append(killerSpan, verb, victimSpan);
    this.killFeed.prepend(li);
    this.feedEntries.unshift({ li, until: nowMs + KILL_FEED_MS });
    while (this.feedEntries.length > KILL_FEED_MAX) this.feedEntries.pop().li.remove();
  }

  /** Add a line that is not a kill to the feed ("Bo left"); `player` is `{id, name}`. */
  addNote(player, text, nowMs) {
    const li = document.createElement("li");
    li.classList.add("note");
    const verb = document.createElement("span");
    verb.className = "verb";
    verb.textContent = ` ${text}`;
    li.append(nameSpan(player), verb);
    this.killFeed.prepend(li);
    this.feedEntries.unshift({ li, until: nowMs + KILL_FEED_MS });
    while (this.feedEntries.length > KILL_FEED_MAX) this.feedEntries.pop().li.remove();
  }

  /** Remove kill feed entries older than their display time. */
  pruneKillFeed(nowMs) {
    while (this.feedEntries.length && this.feedEntries.at(-1).until <= nowMs) {
      this.feedEntries.pop().li.remove();
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

  /** Show the results overlay for a parsed RESULT; `selfId` null for a spectator. */
  showResults(result, selfId) {
    const winner = result.standings.find((entry) => entry.id === result.winnerId);
    let title;
    if (result.reason === "abandoned") title = "Match abandoned";
    else if (result.reason === "lost" || result.reason === "interrupted") title = "Match ended early";
    else if (result.winnerId === null || !winner) title = "It's a draw";
    else if (result.winnerId === selfId) title = "You win!";
    else title = `${winner.name} wins`;
    setText(this.resultsTitle, title);
    let outcome = result.winnerId === null ? "draw" : result.winnerId === selfId ? "win" : "loss";
    if (selfId === null && result.winnerId !== null) outcome = "watched";
    this.results.dataset.outcome = outcome;
    const parts = [describeEndReason(result.reason)];
    if (result.durationMs > 0) parts.push(`played ${formatClock(result.durationMs)}`);
    setText(this.resultsDetail, parts.filter(Boolean).join(" · "));
    const rows = result.standings.map((entry, index) => {
      const tr = row("tr", [
        ["td", String(index + 1)],
        ["td", entry.name],
        ["td", String(entry.score)],
        ["td", String(entry.deaths)],
      ]);
      tr.children[1].prepend(swatch(entry.id));
      if (entry.id === selfId) tr.classList.add("self");
      if (entry.id === result.winnerId) tr.classList.add("winner");
      return tr;
    });
    this.standings.replaceChildren(...rows);
    this.results.hidden = false;
  }

  /** Hide the results overlay. */
  hideResults() {
    this.results.hidden = true;
  }
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
