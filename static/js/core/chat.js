/**
 * The chat of one socket, as the browser keeps it (protocol section 12): the channels it may
 * speak in, their messages (without repeats: history and live messages may overlap), unread
 * counts, the player's mute, the last refusal, announcements. Pure: no DOM, no socket; the
 * panel (chat-panel.js) draws it and sends the frames `frameFor` builds.
 */

import {
  CloseCode,
  MessageType,
  chatDirectFrame,
  chatReportFrame,
  chatSendFrame,
  describeClose,
} from "./protocol.js";

/** What each channel is called in the panel. */
export const CHANNEL_TITLES = Object.freeze({
  lobby: "Lobby",
  party: "Party",
  all: "All",
  team: "Team",
  spectators: "Spectators",
  direct: "Direct",
});

/** Messages kept per channel. */
export const KEPT_PER_CHANNEL = 100;

/** "14:05" of a Unix time in ms, in the browser's time zone. */
export function clockTime(atMs) {
  const at = new Date(atMs);
  return `${String(at.getHours()).padStart(2, "0")}:${String(at.getMinutes()).padStart(2, "0")}`;
}

/** What a mute notice says: "You are muted until 14:05 (spam)." or "…for good…". */
export function mutedText(status) {
  if (!status?.muted) return "";
  const until = status.untilMs === null ? "for good" : `until ${clockTime(status.untilMs)}`;
  return `You are muted ${until}${status.reason ? ` (${status.reason})` : ""}.`;
}

/** The notice of a socket closed because its player is banned (null for other closes). */
export function bannedText(code, reason) {
  return code === CloseCode.BANNED ? describeClose(code, reason) : null;
}

export class ChatLog {
  /** `channels`: the names the socket may speak in, in the order tabs show them. */
  constructor({ channels = [], selfId = null, kept = KEPT_PER_CHANNEL } = {}) {
    this.kept = kept;
    this.selfId = selfId;
    this.byChannel = new Map();
    this.unreadBy = new Map();
    this.seen = new Set();
    this.status = { muted: false, untilMs: null, reason: "" };
    this.notice = "";
    this.announcements = [];
    this.reported = new Set();
    this.open = true;
    this.setChannels(channels);
  }

  /** The channels shown (speaking ones, and "direct" once a direct message came), in the order of CHANNEL_TITLES. */
  setChannels(channels) {
    const order = Object.keys(CHANNEL_TITLES);
    this.channels = [...new Set(channels)].sort((a, b) => order.indexOf(a) - order.indexOf(b));
    for (const channel of this.channels) if (!this.byChannel.has(channel)) this.byChannel.set(channel, []);
    if (!this.channels.includes(this.active)) this.active = this.channels[0] ?? null;
  }

  /** Stop showing `channel` and forget its lines and unread count. */
  leave(channel) {
    for (const line of this.byChannel.get(channel) ?? []) this.seen.delete(line.id);
    this.byChannel.delete(channel);
    this.unreadBy.delete(channel);
    this.setChannels(this.channels.filter((shown) => shown !== channel));
  }

  /** Show `channel`; its unread count goes back to 0. */
  select(channel) {
    if (!this.channels.includes(channel)) return;
    this.active = channel;
    if (this.open) this.unreadBy.set(channel, 0);
  }

  /** The panel opened or closed (closed: every new message counts as unread). */
  setOpen(open) {
    this.open = open;
    if (open && this.active) this.unreadBy.set(this.active, 0);
  }

  messages(channel = this.active) {
    return this.byChannel.get(channel) ?? [];
  }

  unread(channel) {
    return this.unreadBy.get(channel) ?? 0;
  }

  /** Unread messages of every channel. */
  get unreadTotal() {
    let total = 0;
    for (const count of this.unreadBy.values()) total += count;
    return total;
  }

  /** Take one parsed chat frame (`type`, the protocol parser's `message`); true if it changed what the panel shows. */
  receive(type, message) {
    switch (type) {
      case MessageType.CHAT_MESSAGE:
        return this.add(message, true);
      case MessageType.CHAT_HISTORY: {
        // the server joined the socket to this channel (an empty "direct" shows no tab)
        const { channel } = message;
        let changed = false;
        if (!this.channels.includes(channel) && (channel !== "direct" || message.messages.length)) {
          this.setChannels([...this.channels, channel]);
          changed = true;
        }
        for (const line of message.messages) changed = this.add(line, false) || changed;
        return changed;
      }
      case MessageType.PARTY_STATE:
        // no party (left, or it broke up): the server took the socket off its channel
        if (message !== null || !this.channels.includes("party")) return false;
        this.leave("party");
        return true;
      case MessageType.CHAT_ERROR:
        this.notice = message.text;
        return true;
      case MessageType.CHAT_STATUS:
        this.status = message;
        if (!message.muted) this.notice = "";
        return true;
      case MessageType.ANNOUNCEMENT:
        this.announcements.push(message);
        for (const channel of this.channels) {
          this.push(channel, { announcement: true, id: `a${message.atMs}`, ...message });
        }
        return true;
      case MessageType.CHAT_REPORTED:
        this.reported.add(message.messageId);
        this.notice = "Thanks: the message was reported to the operators.";
        return true;
      default:
        return false;
    }
  }

  add(line, live) {
    if (this.seen.has(line.id)) return false;
    this.seen.add(line.id);
    if (line.channel === "direct" && !this.channels.includes("direct")) {
      this.setChannels([...this.channels, "direct"]);
    }
    if (!this.byChannel.has(line.channel)) return false;
    this.push(line.channel, line);
    const fromOther = line.from !== this.selfId;
    if (live && fromOther && (!this.open || line.channel !== this.active)) {
      this.unreadBy.set(line.channel, this.unread(line.channel) + 1);
    }
    if (live && !fromOther) this.notice = "";
    return true;
  }

  push(channel, line) {
    const lines = this.byChannel.get(channel);
    lines.push(line);
    if (lines.length > this.kept) lines.splice(0, lines.length - this.kept);
  }

  /**
   * The frame sending `text` to the active channel (to `directTo`, a chat id, in "direct"), or
   * null with `notice` set when it cannot go (too long, muted, nobody to write to).
   */
  frameFor(text, directTo = null) {
    if (this.status.muted && (this.status.untilMs === null || this.status.untilMs > Date.now())) {
      this.notice = mutedText(this.status);
      return null;
    }
    try {
      if (this.active === "direct") {
        if (directTo === null) {
          this.notice = "Click a player's name to write to them.";
          return null;
        }
        return chatDirectFrame(directTo, text);
      }
      return chatSendFrame(this.active, text);
    } catch (error) {
      this.notice = error.message.startsWith("a message")
        ? "That message is too long."
        : "There is nothing to send.";
      return null;
    }
  }

  /** CHAT_REPORT of one message (once). */
  reportFrame(messageId) {
    if (this.reported.has(messageId)) return null;
    return chatReportFrame(messageId, "reported from the chat panel");
  }
}
