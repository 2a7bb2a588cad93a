/**
 * Lobby panel in the DOM: display name (kept in localStorage), the game and its mode (kept too),
 * the private match button, the open match list refreshed every few seconds, the invitation
 * banner and messages.
 */

import { listMatches } from "./api.js";
import { timeAgo } from "./format.js";
import { gameTitle, modeTitle } from "./matchmaking.js";

const NAME_KEY = "arena.name";
const GAME_KEY = "arena.game";
/** The mode picked last for a game: `arena.mode.<game>` (`arena.mode` before there were games). */
const MODE_KEY = "arena.mode";
const REFRESH_MS = 3000;

/**
 * Owns the lobby elements. Callbacks: `onSubmit(game, mode)` when the form is submitted
 * (Enter), `onCreate(game, mode)` when the private match button is pressed ("Create private
 * match", or "Join match" while an invitation is shown), `onJoin(match)` when a listed match's
 * Join button is pressed, `onDismissInvite()` when the invitation is dismissed,
 * `onNameChange(name)` when the display name was edited and `onSelect(game, mode)` when the game
 * or the mode changed.
 */
export class Lobby {
  /** Look up the lobby elements in `root` and wire their events. */
  constructor(root, { onSubmit, onCreate, onJoin, onDismissInvite, onNameChange, onSelect }) {
    const $ = (id) => root.getElementById(id);
    this.form = $("play-form");
    this.nameInput = $("name");
    this.gameSelect = $("game");
    this.modeSelect = $("mode");
    this.createButton = $("create");
    this.listedInput = $("listed");
    this.message = $("lobby-message");
    this.list = $("match-list");
    this.empty = $("match-list-empty");
    this.refreshButton = $("refresh");
    this.invite = $("invite");
    this.dismissButton = $("invite-dismiss");
    this.invited = false;
    this.busy = false;
    this.locked = false;
    this.privateAllowed = true;
    this.rows = new Map();
    this.timer = null;
    this.loading = false;
    this.games = {};
    this.onJoin = onJoin;
    this.onSelect = onSelect;

    this.nameInput.value = readStorage(NAME_KEY) ?? "";
    choose(this.gameSelect, readStorage(GAME_KEY));
    choose(this.modeSelect, savedMode(this.gameSelect.value));
    this.nameInput.addEventListener("input", () => this.clearMessage());
    this.nameInput.addEventListener("change", () => {
      this.saveName();
      onNameChange?.(this.nameInput.value);
    });
    this.gameSelect.addEventListener("change", () => {
      writeStorage(GAME_KEY, this.gameSelect.value);
      this.showModes();
      this.selected();
    });
    this.modeSelect.addEventListener("change", () => {
      writeStorage(modeKey(this.gameSelect.value), this.modeSelect.value);
      this.selected();
    });
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      onSubmit(this.game, this.mode);
    });
    this.createButton.addEventListener("click", () => onCreate(this.game, this.mode));
    this.refreshButton.addEventListener("click", () => this.refresh());
    this.dismissButton.addEventListener("click", () => onDismissInvite());
  }

  /** Whether a private match to create goes on the open list. */
  get listed() {
    return Boolean(this.listedInput?.checked);
  }

  /** The display name as typed. */
  get name() {
    return this.nameInput.value;
  }

  /** Remember the current display name. */
  saveName() {
    writeStorage(NAME_KEY, this.nameInput.value.trim());
  }

  /** Start refreshing the match list. */
  start() {
    this.refresh();
    if (this.timer === null) this.timer = setInterval(() => this.refresh(), REFRESH_MS);
  }

  /** Stop refreshing the match list. */
  stop() {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  /** The game select's value. */
  get game() {
    return this.gameSelect.value;
  }

  /** The mode select's value. */
  get mode() {
    return this.modeSelect.value;
  }

  selected() {
    this.onSelect?.(this.game, this.mode);
  }

  /** Put a display name in the field if it is empty (the name the server remembers). */
  suggestName(name) {
    if (!name || this.nameInput.value.trim()) return;
    this.nameInput.value = name;
    this.saveName();
  }

  /**
   * Offer the games of the server (protocol.js `parseGames`) and the modes of the one picked,
   * keeping the selection (else the one remembered, else the first).
   */
  setGames(games) {
    const names = Object.keys(games ?? {});
    if (!names.length) return;
    this.games = games;
    const before = [this.game, this.mode];
    const options = names.map((name) => [name, gameTitle(games, name)]);
    fill(this.gameSelect, options, readStorage(GAME_KEY));
    this.showModes();
    if (before[0] !== this.game || before[1] !== this.mode) this.selected();
    for (const entry of this.rows.values()) entry.title.textContent = this.matchTitle(entry.match);
  }

  /**
   * Pick `game` and `mode` as if the player had (a party's, on joining it): the modes, the
   * lobby's chat room and the remembered choice follow. Ignored for a game the server lacks.
   */
  select(game, mode) {
    if (game === this.game && mode === this.mode) return;
    if (![...this.gameSelect.options].some((option) => option.value === game)) return;
    this.gameSelect.value = game;
    writeStorage(GAME_KEY, game);
    this.showModes();
    choose(this.modeSelect, mode);
    writeStorage(modeKey(game), this.modeSelect.value);
    this.selected();
  }

  /** The modes of the game picked, keeping the mode picked if the game has it. */
  showModes() {
    const game = this.game;
    const modes = this.games[game]?.modes;
    if (!modes) return;
    const options = Object.keys(modes).map((mode) => [mode, modeTitle(this.games, game, mode)]);
    fill(this.modeSelect, options, savedMode(game));
  }

  /** Disable or enable the create button while a request is in flight. */
  setBusy(busy) {
    this.busy = busy;
    this.updateButton();
  }

  /** Lock the name, game and mode while searching or in a ready check. */
  setLocked(locked) {
    this.locked = locked;
    this.nameInput.disabled = locked;
    this.gameSelect.disabled = locked || this.invited;
    this.modeSelect.disabled = locked || this.invited;
  }

  /** Allow private matches, or not while the matchmaker is busy for this player. */
  setPrivateAllowed(allowed) {
    this.privateAllowed = allowed;
    this.updateButton();
  }

  updateButton() {
    this.createButton.disabled = this.busy || !this.privateAllowed;
    this.createButton.title = this.privateAllowed
      ? ""
      : "Cancel the search to play a private match.";
    if (this.busy) this.createButton.textContent = this.invited ? "Joining…" : "Creating…";
    else this.createButton.textContent = this.invited ? "Join match" : "Create private match";
  }

  /** Show a message under the form; `kind` is "error" or "info". */
  showMessage(text, kind = "error") {
    this.message.textContent = text;
    this.message.dataset.kind = kind;
    this.message.hidden = false;
  }

  /** Hide the message. */
  clearMessage() {
    this.message.hidden = true;
  }

  /** Show or hide the invitation: the banner, and the main button joining instead of creating. */
  setInvite(visible) {
    this.invited = visible;
    this.invite.hidden = !visible;
    this.gameSelect.disabled = visible || this.locked;
    this.modeSelect.disabled = visible || this.locked;
    this.updateButton();
  }

  /** Put the keyboard focus in the name field. */
  focusName() {
    this.nameInput.focus();
    this.nameInput.select();
  }

  /** Fetch and show the open matches. */
  async refresh() {
    if (this.loading) return;
    this.loading = true;
    try {
      this.render(await listMatches());
      this.list.dataset.error = "";
    } catch (error) {
      this.list.dataset.error = error.message;
      this.empty.textContent = `Could not load matches: ${error.message}`;
      this.empty.hidden = false;
    } finally {
      this.loading = false;
    }
  }

  /** Show `matches`, reusing existing rows so buttons stay put between refreshes. */
  render(matches) {
    const open = matches.filter((match) => match.status !== "over");
    const now = Date.now();
    const keep = new Set();
    for (const [index, match] of open.entries()) {
      keep.add(match.id);
      let entry = this.rows.get(match.id);
      if (!entry) {
        entry = this.createRow(match);
        this.rows.set(match.id, entry);
      }
      entry.match = match;
      const title = this.matchTitle(match);
      if (entry.title.textContent !== title) entry.title.textContent = title;
      const players = Number.isInteger(match.players) ? match.players : 0;
      const seats = `${players} of ${match.max_players} players`;
      const detail = `${seats} · ${timeAgo(match.created_at, now)} · ${match.id.slice(0, 8)}`;
      if (entry.detail.textContent !== detail) entry.detail.textContent = detail;
      if (this.list.children[index] !== entry.li) this.list.insertBefore(entry.li, this.list.children[index] ?? null);
    }
    for (const [id, entry] of this.rows) {
      if (!keep.has(id)) {
        entry.li.remove();
        this.rows.delete(id);
      }
    }
    this.empty.textContent =
      "No open matches. Create one (tick “List it under open matches”) or invite a friend.";
    this.empty.hidden = open.length > 0;
  }

  createRow(match) {
    const li = document.createElement("li");
    li.dataset.matchId = match.id;
    const info = document.createElement("div");
    info.className = "info";
    const title = document.createElement("strong");
    title.textContent = this.matchTitle(match);
    const detail = document.createElement("span");
    detail.className = "detail";
    info.append(title, detail);
    const button = document.createElement("button");
    button.type = "button";
    button.className = "join";
    button.textContent = "Join";
    const entry = { li, title, detail, match };
    button.addEventListener("click", () => this.onJoin(entry.match));
    li.append(info, button);
    return entry;
  }

  /** What an open match is called: its game's title and its mode's. */
  matchTitle(match) {
    const game = match.game ?? "shooter";
    return `${gameTitle(this.games, game)} · ${modeTitle(this.games, game, match.mode)}`;
  }
}

/** Select `value` in `select` if it is one of its options. */
function choose(select, value) {
  if (value && [...select.options].some((option) => option.value === value)) select.value = value;
}

/**
 * Put `options` (`[value, label]`) in `select` unless it has them already, keeping its value,
 * else `fallback`, else the first.
 */
function fill(select, options, fallback) {
  const current = select.value;
  const same =
    options.length === select.options.length &&
    options.every(([value], index) => select.options[index].value === value);
  if (!same) {
    select.replaceChildren(...options.map(([value, label]) => new Option(label, value)));
  }
  for (const [index, [, label]] of options.entries()) {
    if (select.options[index].textContent !== label) select.options[index].textContent = label;
  }
  const values = options.map(([value]) => value);
  if (values.includes(current)) select.value = current;
  else select.value = values.includes(fallback) ? fallback : values[0];
}

function modeKey(game) {
  return `${MODE_KEY}.${game}`;
}

/** The mode remembered for `game` (for the shooter also the one of before there were games). */
function savedMode(game) {
  return readStorage(modeKey(game)) ?? (game === "shooter" ? readStorage(MODE_KEY) : null);
}

function readStorage(key) {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

function writeStorage(key, value) {
  try {
    localStorage.setItem(key, value);
  } catch {
    /* storage unavailable (private mode): the name is simply not remembered */
  }
}
