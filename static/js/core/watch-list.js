/**
 * The lobby's Watch card: the live matches of `GET /api/matches/live` (game and mode, players
 * and their scores, time played, spectators), refreshed every two seconds while the lobby is
 * shown, each with a Watch button. Names are only ever set as text.
 */

import { liveMatches } from "./api.js";
import { playerColor } from "./colors.js";
import { formatElapsed, formatSpectators, rankRoster } from "./format.js";
import { gameTitle, modeTitle } from "./matchmaking.js";
import { Phase } from "./protocol.js";

/** How often the list of live matches is fetched while the lobby is shown. */
export const LIVE_REFRESH_MS = 2000;

/**
 * What a row shows of a live match from the API: `{id, title, state, players, spectators,
 * full}` where `title` names the game and the mode (from `games`, protocol.js `parseGames`),
 * `players` are `{id, name, score}` in scoreboard order (`score`: the game's first roster
 * column, the one players are ranked by; teams first in team modes), `state` the phase (the time
 * played while running) and `full` whether the spectator cap is reached.
 */
export function describeLiveMatch(match, games = {}) {
  const game = typeof match?.game === "string" ? match.game : "shooter";
  const first = games[game]?.columns?.[0] ?? "score";
  const players = Array.isArray(match?.players) ? match.players : [];
  const ranked = rankRoster(
    players.map((player, index) => ({
      id: Number.isInteger(player?.id) ? player.id : index,
      name: String(player?.name ?? ""),
      ...(Number.isInteger(player?.team) ? { team: player.team } : {}),
      score: Number(player?.[first]) || 0,
    })),
    [{ name: "score", order: "desc" }],
  );
  const spectators = Number.isInteger(match?.spectators) ? match.spectators : 0;
  const cap = match?.max_spectators;
  return {
    id: String(match?.id ?? ""),
    title: `${gameTitle(games, game)} · ${modeTitle(games, game, match?.mode)}`,
    state: phaseText(match?.phase, match?.elapsed_ms),
    players: ranked.map(({ id, name, score }) => ({ id, name, score })),
    spectators: formatSpectators(spectators) || "No spectators",
    full: Number.isInteger(cap) && spectators >= cap,
  };
}

function phaseText(phase, elapsedMs) {
  switch (phase) {
    case Phase.WAITING:
      return "Waiting for players";
    case Phase.COUNTDOWN:
      return "Starting";
    case Phase.RUNNING:
      return `Running ${formatElapsed(elapsedMs)}`;
    case Phase.ENDED:
      return "Ending";
    default:
      return "";
  }
}

/** Text for a list that could not be loaded. */
export function liveErrorText(error) {
  if (error?.status === 404) return "Live matches are not available on this server.";
  return `Could not load live matches: ${error?.message ?? "unknown error"}`;
}

/**
 * Owns the Watch card's list. `onWatch(match)` runs when a row's Watch button is pressed;
 * `fetchMatches()` can be replaced in tests.
 */
export class WatchList {
  /** Look up the card's elements in `root` (the document). */
  constructor(root, { onWatch, fetchMatches = liveMatches }) {
    this.root = root;
    this.list = root.getElementById("live-list");
    this.empty = root.getElementById("live-list-empty");
    this.onWatch = onWatch;
    this.fetchMatches = fetchMatches;
    this.rows = new Map();
    this.timer = null;
    this.loading = false;
    this.games = {};
    root.addEventListener("visibilitychange", () => {
      if (this.timer !== null && !root.hidden) this.refresh();
    });
  }

  /** Fetch now and then every LIVE_REFRESH_MS, until `stop()`. */
  start() {
    this.refresh();
    if (this.timer === null) this.timer = setInterval(() => this.refresh(), LIVE_REFRESH_MS);
  }

  /** The games on offer (protocol.js `parseGames`), for the rows' titles and scores. */
  setGames(games) {
    if (games && Object.keys(games).length) this.games = games;
  }

  /** Stop refreshing. */
  stop() {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  /** Fetch and show the live matches (not while the page is in the background). */
  async refresh() {
    if (this.loading || this.root.hidden) return;
    this.loading = true;
    try {
      this.render(await this.fetchMatches());
      delete this.list.dataset.error;
    } catch (error) {
      this.list.dataset.error = error.message;
      this.empty.textContent = liveErrorText(error);
      this.empty.hidden = false;
    } finally {
      this.loading = false;
    }
  }

  /** Show `matches`, reusing rows so that Watch buttons stay put between refreshes. */
  render(matches) {
    const keep = new Set();
    for (const match of matches) {
      const view = describeLiveMatch(match, this.games);
      if (!view.id || keep.has(view.id)) continue;
      const index = keep.size;
      keep.add(view.id);
      let row = this.rows.get(view.id);
      if (!row) {
        row = this.createRow(view.id);
        this.rows.set(view.id, row);
      }
      this.updateRow(row, view, match);
      if (this.list.children[index] !== row.li) {
        this.list.insertBefore(row.li, this.list.children[index] ?? null);
      }
    }
    for (const [id, row] of this.rows) {
      if (!keep.has(id)) {
        row.li.remove();
        this.rows.delete(id);
      }
    }
    this.empty.textContent = "No live matches right now.";
    this.empty.hidden = keep.size > 0;
  }

  createRow(id) {
    const li = document.createElement("li");
    li.dataset.matchId = id;
    const info = document.createElement("div");
    info.className = "info";
    const head = document.createElement("div");
    head.className = "live-head";
    const title = document.createElement("strong");
    const detail = document.createElement("span");
    detail.className = "detail";
    head.append(title, detail);
    const players = document.createElement("div");
    players.className = "live-players";
    info.append(head, players);
    const button = document.createElement("button");
    button.type = "button";
    button.className = "watch";
    button.textContent = "Watch";
    const row = { li, title, detail, players, button, match: null, playersKey: "" };
    button.addEventListener("click", () => this.onWatch(row.match));
    li.append(info, button);
    return row;
  }

  updateRow(row, view, match) {
    row.match = match;
    setText(row.title, view.title);
    setText(row.detail, `${view.state} · ${view.spectators}`);
    const key = JSON.stringify(view.players);
    if (key !== row.playersKey) {
      row.playersKey = key;
      row.players.replaceChildren(...view.players.map(playerChip));
      if (!view.players.length) row.players.textContent = "No players connected";
    }
    row.button.disabled = view.full;
    setText(row.button, view.full ? "Full" : "Watch");
    row.button.title = view.full ? "This match has as many spectators as it can take." : "";
  }
}

function playerChip({ id, name, score }) {
  const span = document.createElement("span");
  span.className = "live-player";
  const swatch = document.createElement("span");
  swatch.className = "swatch";
  swatch.style.background = playerColor(id, 58);
  const who = document.createElement("span");
  who.className = "name";
  who.textContent = name;
  const points = document.createElement("span");
  points.className = "score";
  points.textContent = String(score);
  span.append(swatch, who, points);
  return span;
}

function setText(element, text) {
  if (element.textContent !== text) element.textContent = text;
}
