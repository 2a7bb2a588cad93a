/**
 * The chat panel: one per page, showing the chat of the lobby socket while the lobby shows (a
 * card of the lobby, below Play) and of the match (or spectator) socket while a match shows (over
 * the game, at the bottom right). Channels are tabs with unread counts;
 * in a match the panel opens with Enter and closes after sending (or with Escape). Every text
 * from the server goes into the page as text (`textContent`), never as HTML.
 */

import { CHANNEL_TITLES, ChatLog, bannedText, clockTime, mutedText } from "./chat.js";
import { chatRoomFrame } from "./protocol.js";

const EDITABLE = new Set(["INPUT", "TEXTAREA", "SELECT"]);

export class ChatPanel {
  constructor(root) {
    const $ = (id) => root.getElementById(id);
    this.root = root;
    this.element = $("chat");
    this.tabs = $("chat-tabs");
    this.list = $("chat-list");
    this.notice = $("chat-notice");
    this.form = $("chat-form");
    this.input = $("chat-input");
    this.toggle = $("chat-toggle");
    this.badge = $("chat-unread");
    this.home = this.element.parentElement; // in a match: fixed over the game
    this.lobbyPlace = root.querySelector("#lobby .card.start"); // in the lobby: a card after it
    this.contexts = new Map(); // "lobby" | "match" -> {log, send}
    this.shown = null;
    this.selfId = null;
    this.directTo = null;
    this.room = null;
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.submit();
    });
    this.toggle.addEventListener("click", () => this.setOpen(this.element.dataset.open !== "true"));
    root.defaultView?.addEventListener("keydown", (event) => this.handleKey(event));
    this.input.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && this.inGame) {
        this.setOpen(false);
        this.input.blur();
      }
    });
    this.render();
  }

  get inGame() {
    return this.shown !== null && this.shown !== "lobby";
  }

  /** Start (or start over) the chat of a socket: `context` "lobby" or "match", its channels and how to send. */
  attach(context, { channels, send }) {
    const previous = this.contexts.get(context);
    const log = new ChatLog({ channels, selfId: this.selfId });
    if (previous) log.status = previous.log.status;
    this.contexts.set(context, { log, send });
    if (context === "lobby" && this.room) this.enterRoom(this.room);
    if (this.shown === context) {
      this.element.hidden = false;
      log.setOpen(this.element.dataset.open === "true");
      this.render();
    }
  }

  /** The player's chat id (LOBBY_WELCOME's `player_id`): its own messages are not unread. */
  setSelf(playerId) {
    this.selfId = playerId;
    for (const { log } of this.contexts.values()) log.selfId = playerId;
  }

  /** Show the chat of `context` (null hides the panel); a match's starts closed. */
  show(context) {
    this.shown = context;
    if (context === "lobby" && this.lobbyPlace) this.lobbyPlace.after(this.element);
    else if (this.element.parentElement !== this.home) this.home.append(this.element);
    this.element.hidden = context === null || !this.contexts.has(context);
    this.element.dataset.context = context ?? "";
    this.setOpen(context === "lobby");
  }

  /** The lobby's room is `game`'s (sent now and after every reconnect). */
  enterRoom(game) {
    if (!game) return; // the games are not listed yet: the welcome or the pick sends it
    this.room = game;
    this.contexts.get("lobby")?.send(chatRoomFrame(game));
  }

  /** A parsed chat frame of a context's socket. */
  receive(context, type, message) {
    const entry = this.contexts.get(context);
    if (entry && entry.log.receive(type, message) && context === this.shown) this.render();
  }

  /** A context's socket closed; a ban says so in the panel. */
  closed(context, code, reason) {
    const text = bannedText(code, reason);
    const entry = this.contexts.get(context);
    if (text && entry) {
      entry.log.notice = text;
      entry.log.status = { muted: true, untilMs: null, reason: "" };
      entry.send = () => false;
      if (context === this.shown) this.render();
    }
  }

  setOpen(open) {
    this.element.dataset.open = String(open);
    this.contexts.get(this.shown)?.log.setOpen(open);
    this.render();
  }

  handleKey(event) {
    if (!this.inGame || this.element.hidden || event.key !== "Enter") return;
    if (EDITABLE.has(event.target?.tagName)) return;
    event.preventDefault();
    this.setOpen(true);
    this.input.focus();
  }

  submit() {
    const entry = this.contexts.get(this.shown);
    if (!entry) return;
    const text = this.input.value;
    if (text.trim() === "" && this.inGame) {
      this.setOpen(false);
      this.input.blur();
      return;
    }
    const frame = entry.log.frameFor(text, this.directTo);
    if (frame !== null && entry.send(frame)) {
      this.input.value = "";
      if (this.inGame) {
        this.setOpen(false);
        this.input.blur();
      }
    }
    this.render();
  }

  report(messageId) {
    const entry = this.contexts.get(this.shown);
    const frame = entry?.log.reportFrame(messageId);
    if (frame) entry.send(frame);
  }

  writeTo(playerId, name) {
    const entry = this.contexts.get(this.shown);
    if (!entry || playerId === this.selfId) return;
    this.directTo = playerId;
    this.directName = name;
    if (!entry.log.channels.includes("direct")) entry.log.setChannels([...entry.log.channels, "direct"]);
    entry.log.select("direct");
    this.render();
    this.input.focus();
  }

  render() {
    const entry = this.contexts.get(this.shown);
    const log = entry?.log;
    const doc = this.root;
    this.tabs.replaceChildren(
      ...(log?.channels ?? []).map((channel) => {
        const tab = doc.createElement("button");
        tab.type = "button";
        tab.className = "chat-tab";
        tab.dataset.channel = channel;
        tab.setAttribute("aria-pressed", String(channel === log.active));
        tab.textContent = CHANNEL_TITLES[channel] ?? channel;
        const unread = log.unread(channel);
        if (unread > 0) {
          const count = doc.createElement("span");
          count.className = "chat-count";
          count.textContent = String(unread);
          tab.append(" ", count);
        }
        tab.addEventListener("click", () => {
          log.select(channel);
          this.render();
        });
        return tab;
      }),
    );
    this.list.replaceChildren(...(log?.messages() ?? []).map((line) => this.lineElement(line)));
    this.list.scrollTop = this.list.scrollHeight;
    const notice = log ? mutedText(log.status) || log.notice : "";
    this.notice.textContent = notice;
    this.notice.hidden = notice === "";
    const total = log?.unreadTotal ?? 0;
    this.badge.textContent = total > 0 ? String(total) : "";
    this.badge.hidden = total === 0;
    this.input.placeholder =
      log?.active === "direct"
        ? this.directTo === null
          ? "Click a name to write to them"
          : `To ${this.directName}`
        : this.inGame
          ? "Enter to send, Esc to close"
          : "Say something";
  }

  lineElement(line) {
    const doc = this.root;
    const item = doc.createElement("li");
    item.className = line.announcement ? "chat-line announcement" : "chat-line";
    const time = doc.createElement("time");
    time.textContent = clockTime(line.atMs);
    item.append(time, " ");
    if (line.announcement) {
      const text = doc.createElement("span");
      text.className = "chat-text";
      text.textContent = line.text;
      item.append(text);
      return item;
    }
    const name = doc.createElement("button");
    name.type = "button";
    name.className = "chat-name";
    name.textContent = line.to !== null && line.from === this.selfId ? `→ ${line.toName}` : line.name;
    name.title = "Write to this player";
    const other = line.from === this.selfId ? line.to : line.from;
    const otherName = line.from === this.selfId ? line.toName : line.name;
    name.addEventListener("click", () => this.writeTo(other, otherName));
    const text = doc.createElement("span");
    text.className = "chat-text";
    text.textContent = line.text;
    item.append(name, " ", text);
    if (line.from !== this.selfId) {
      const report = doc.createElement("button");
      report.type = "button";
      report.className = "chat-report ghost";
      report.textContent = "Report";
      report.title = "Report this message to the operators";
      report.addEventListener("click", () => this.report(line.id));
      item.append(" ", report);
    }
    return item;
  }
}
