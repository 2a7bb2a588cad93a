import assert from "node:assert/strict";
import test from "node:test";

import { ChatLog, bannedText, clockTime, mutedText } from "./chat.js";
import { ChatErrorCode, CloseCode, MessageType, parseServerFrame } from "./protocol.js";

function line(id, text, { from = 2, name = "Bo", channel = "lobby", atMs = 0 } = {}) {
  return { id, channel, from, name, text, at_ms: atMs };
}

function feed(log, frame) {
  const { type, message } = parseServerFrame(frame);
  return log.receive(type, message);
}

test("history and live messages are kept once each, in order", () => {
  const log = new ChatLog({ channels: ["lobby"], selfId: 1 });
  feed(log, [MessageType.CHAT_HISTORY, "lobby", [line("a", "one"), line("b", "two")]]);
  feed(log, [MessageType.CHAT_MESSAGE, line("b", "two")]);
  feed(log, [MessageType.CHAT_MESSAGE, line("c", "three")]);
  assert.deepEqual(
    log.messages().map((m) => m.text),
    ["one", "two", "three"],
  );
  assert.equal(log.unread("lobby"), 0, "the channel shown, open: nothing unread");
});

test("messages of another channel or of a closed panel count as unread, not one's own", () => {
  const log = new ChatLog({ channels: ["all", "team"], selfId: 1 });
  feed(log, [MessageType.CHAT_MESSAGE, line("a", "push left", { channel: "team" })]);
  assert.equal(log.unread("team"), 1);
  log.setOpen(false);
  feed(log, [MessageType.CHAT_MESSAGE, line("b", "gg", { channel: "all" })]);
  feed(log, [MessageType.CHAT_MESSAGE, line("c", "mine", { channel: "all", from: 1 })]);
  assert.equal(log.unread("all"), 1);
  assert.equal(log.unreadTotal, 2);
  log.setOpen(true);
  assert.equal(log.unread("all"), 0, "opening shows the active channel");
  log.select("team");
  assert.equal(log.unreadTotal, 0);
});

test("history does not count as unread", () => {
  const log = new ChatLog({ channels: ["lobby"], selfId: 1 });
  log.setOpen(false);
  feed(log, [MessageType.CHAT_HISTORY, "lobby", [line("a", "old")]]);
  assert.equal(log.unreadTotal, 0);
});

test("a direct message opens the direct channel", () => {
  const log = new ChatLog({ channels: ["lobby"], selfId: 1 });
  feed(log, [MessageType.CHAT_MESSAGE, { ...line("d", "psst", { channel: "direct" }), to: 1, to_name: "Ada" }]);
  assert.deepEqual(log.channels, ["lobby", "direct"]);
  assert.equal(log.unread("direct"), 1);
  log.select("direct");
  assert.equal(log.frameFor("hi"), null, "nobody chosen to write to");
  assert.deepEqual(log.frameFor("hi", 2), [MessageType.CHAT_DIRECT, 2, "hi"]);
});

test("frames go to the active channel; refusals leave a notice instead", () => {
  const log = new ChatLog({ channels: ["all", "team"] });
  log.select("team");
  assert.deepEqual(log.frameFor("rotate"), [MessageType.CHAT_SEND, "team", "rotate"]);
  assert.equal(log.frameFor("   "), null);
  assert.equal(log.notice, "There is nothing to send.");
  assert.equal(log.frameFor("x".repeat(201)), null);
  assert.equal(log.notice, "That message is too long.");
  assert.deepEqual(log.reportFrame("abc"), [MessageType.CHAT_REPORT, "abc", "reported from the chat panel"]);
});

test("a mute is shown and stops sending until it is lifted", () => {
  const log = new ChatLog({ channels: ["lobby"] });
  const until = new Date(2026, 11, 3, 14, 5).getTime();
  feed(log, [MessageType.CHAT_STATUS, { muted: true, until_ms: until, reason: "spam" }]);
  assert.equal(mutedText(log.status), "You are muted until 14:05 (spam).");
  feed(log, [MessageType.CHAT_STATUS, { muted: true, until_ms: null, reason: "" }]);
  assert.equal(log.frameFor("hello"), null);
  assert.equal(log.notice, "You are muted for good.");
  feed(log, [MessageType.CHAT_STATUS, { muted: false, until_ms: null, reason: "" }]);
  assert.equal(mutedText(log.status), "");
  assert.deepEqual(log.frameFor("hello"), [MessageType.CHAT_SEND, "lobby", "hello"]);
});

test("errors, reports and announcements become notices and lines", () => {
  const log = new ChatLog({ channels: ["all", "team"] });
  feed(log, [MessageType.CHAT_ERROR, ChatErrorCode.RATE_LIMITED, "", 1500]);
  assert.equal(log.notice, "You are sending messages too fast.");
  feed(log, [MessageType.CHAT_REPORTED, "abc"]);
  assert.equal(log.reportFrame("abc"), null, "reported once");
  feed(log, [MessageType.ANNOUNCEMENT, { text: "Restart soon", at_ms: 5, game: null }]);
  assert.equal(log.messages("all").at(-1).announcement, true);
  assert.equal(log.messages("team").at(-1).text, "Restart soon");
});

test("a ban's close says why; other closes are not chat's", () => {
  assert.match(bannedText(CloseCode.BANNED, "cheating (for good)"), /banned.*cheating/);
  assert.equal(bannedText(CloseCode.MATCH_OVER, ""), null);
  assert.equal(clockTime(new Date(2026, 0, 1, 9, 7).getTime()), "09:07");
});

test("a chat frame longer than 64 bytes is what the server takes", () => {
  const log = new ChatLog({ channels: ["lobby"] });
  const frame = log.frameFor("é".repeat(200));
  assert.equal(frame[2].length, 200);
});

test("a channel's history adds its tab, in a fixed order; an empty direct history does not", () => {
  const log = new ChatLog();
  feed(log, [MessageType.CHAT_HISTORY, "direct", []]);
  assert.deepEqual(log.channels, []);
  feed(log, [MessageType.CHAT_HISTORY, "team", []]);
  feed(log, [MessageType.CHAT_HISTORY, "all", [line("a", "hi", { channel: "all" })]]);
  assert.deepEqual(log.channels, ["all", "team"]);
  assert.equal(log.active, "team", "the first channel joined stays shown");
  assert.equal(log.messages("all").length, 1);
});

test("leaving the party takes its tab away; a party joined again shows its history", () => {
  const log = new ChatLog({ channels: ["lobby"], selfId: 1 });
  const history = [MessageType.CHAT_HISTORY, "party", [line("p1", "queue?", { channel: "party" })]];
  feed(log, history);
  log.select("party");
  assert.deepEqual(log.channels, ["lobby", "party"]);
  const party = { id: "p", leader: "k", queue: "shooter.duel", members: ["Ada", "Bo"], invite: "/?party=p" };
  assert.equal(log.receive(MessageType.PARTY_STATE, party), false, "in a party: nothing changes");
  assert.equal(log.receive(MessageType.PARTY_STATE, null), true);
  assert.deepEqual(log.channels, ["lobby"]);
  assert.equal(log.active, "lobby");
  assert.equal(log.receive(MessageType.PARTY_STATE, null), false, "no party tab left to take");
  feed(log, history);
  assert.deepEqual(log.messages("party").map((m) => m.text), ["queue?"]);
});
