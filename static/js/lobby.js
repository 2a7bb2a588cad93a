/**
 * Lobby panel in the DOM: display name (kept in localStorage), mode, the private match button,
 * the open match list refreshed every few seconds, the invitation banner and messages.
 */

import { listMatches } from "./api.js";
import { timeAgo } from "./format.js";
import { modeOptionLabel } from "./matchmaking.js";

const NAME_KEY = "arena.name";
const MODE_KEY = "arena.mode";
const REFRESH_MS = 3000;
const MODE_LABELS = { duel: "Duel", ffa: "Free for all" };

/**
 * Owns the lobby elements. Callbacks: `onSubmit(mode)` when the form is submitted (Enter),
 * `onCreate(mode)` when the private match button is pressed ("Create private match", or
 * "Join match" while an invitation is shown), `onJoin(match)` when a listed match's Join button
 * is pressed, `onDismissInvite()` when the invitation is dismissed, `onNameChange(name)` when
 * the display name was edited.
 */
export class Lobby {
  /** Look up the lobby elements in `root` and wire their events. */
  constructor(root, { onSubmit, onCreate, onJoin, onDismissInvite, onNameChange }) {
    const $ = (id) => root.getElementById(id);
    this.form = $("play-form");
    this.nameInput = $("name");
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
    this.onJoin = onJoin;

    this.nameInput.value = readStorage(NAME_KEY) ?? "";
    const mode = readStorage(MODE_KEY);
    if (mode && [...this.modeSelect.options].some((o) => o.value === mode)) {
      this.modeSelect.value = mode;
    }
    this.nameInput.addEventListener("input", () => this.clearMessage());
    this.nameInput.addEventListener("change", () => {
      this.saveName();
      onNameChange?.(this.nameInput.value);
    });
    this.modeSelect.addEventListener("change", () => writeStorage(MODE_KEY, this.modeSelect.value));
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      onSubmit(this.modeSelect.value);
    });
    this.createButton.addEventListener("click", () => onCreate(this.modeSelect.value));
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

  /** The mode select's value. */
  get mode() {
    return this.modeSelect.value;
  }

  /** Put a display name in the field if it is empty (the name the server remembers). */
  suggestName(name) {
    if (!name || this.nameInput.value.trim()) return;
    this.nameInput.value = name;
    this.saveName();
  }

  /** Offer the modes of the lobby (`{name: {minPlayers, maxPlayers}}`), keeping the selection. */
  setModes(modes) {
    const names = Object.keys(modes);
    if (!names.length) return;
    const current = this.modeSelect.value;
    const same =
      names.length === this.modeSelect.options.length &&
      names.every((name, index) => this.modeSelect.options[index].value === name);
    if (!same) {
      this.modeSelect.replaceChildren(
        ...names.map((name) => new Option(modeOptionLabel(name, modes[name]), name)),
      );
      const saved = readStorage(MODE_KEY);
      this.modeSelect.value = names.includes(current) ? current : names.includes(saved) ? saved : names[0];
    } else {
      for (const option of this.modeSelect.options) {
        const label = modeOptionLabel(option.value, modes[option.value]);
        if (option.textContent !== label) option.textContent = label;
      }
    }
  }

  /** Disable or enable the create button while a request is in flight. */
  setBusy(busy) {
    this.busy = busy;
    this.updateButton();
  }

  /** Lock the name and mode while searching or in a ready check. */
  setLocked(locked) {
    this.locked = locked;
    this.nameInput.disabled = locked;
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
    title.textContent = MODE_LABELS[match.mode] ?? match.mode;
    const detail = document.createElement("span");
    detail.className = "detail";
    info.append(title, detail);
    const button = document.createElement("button");
    button.type = "button";
    button.className = "join";
    button.textContent = "Join";
    const entry = { li, detail, match };
    button.addEventListener("click", () => this.onJoin(entry.match));
    li.append(info, button);
    return entry;
  }
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
