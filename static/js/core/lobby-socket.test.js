import assert from "node:assert/strict";
import test from "node:test";

import { decode, encode } from "@msgpack/msgpack";

import {
  BACKOFF_BASE_MS,
  BACKOFF_MAX_MS,
  LobbySocket,
  reconnectDelayMs,
  shouldReconnect,
} from "./lobby-socket.js";
import { CloseCode, MessageType } from "./protocol.js";

/** A stand-in for the browser's WebSocket that the test drives by hand. */
class FakeSocket extends EventTarget {
  constructor(url) {
    super();
    this.url = url;
    this.readyState = 0;
    this.sent = [];
    this.closedWith = null;
  }

  send(data) {
    this.sent.push(decode(data));
  }

  close(code, reason) {
    this.closedWith = { code, reason };
    this.readyState = 3;
  }

  serverOpen() {
    this.readyState = 1;
    this.dispatchEvent(new Event("open"));
  }

  serverSend(frame) {
    const bytes = encode(frame);
    const event = new Event("message");
    event.data = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    this.dispatchEvent(event);
  }

  serverClose(code, reason = "") {
    this.readyState = 3;
    const event = new Event("close");
    event.code = code;
    event.reason = reason;
    this.dispatchEvent(event);
  }
}

function harness(options = {}) {
  const sockets = [];
  const messages = [];
  const closes = [];
  let connecting = 0;
  const socket = new LobbySocket({
    url: () => "ws://test/ws/lobby/?name=Ada",
    createSocket: (url) => {
      const fake = new FakeSocket(url);
      sockets.push(fake);
      return fake;
    },
    onConnecting: () => {
      connecting += 1;
    },
    onMessage: (type, message) => messages.push({ type, message }),
    onClose: (info) => closes.push(info),
    random: () => 0.5,
    ...options,
  });
  return { socket, sockets, messages, closes, connecting: () => connecting };
}

const WELCOME = [
  30,
  {
    name: "Ada",
    ratings: { shooter: { duel: 1512 } },
    games: { shooter: { title: "Arena shooter", description: "", modes: { duel: {} } } },
    accept_timeout_ms: 10000,
    match: null,
  },
];

test("reconnect delays double from 500 ms up to 5 s, with ±25 % spread", () => {
  assert.equal(reconnectDelayMs(0, () => 0.5), BACKOFF_BASE_MS);
  assert.equal(reconnectDelayMs(1, () => 0.5), 1000);
  assert.equal(reconnectDelayMs(2, () => 0.5), 2000);
  assert.equal(reconnectDelayMs(10, () => 0.5), BACKOFF_MAX_MS);
  assert.equal(reconnectDelayMs(0, () => 0), 375);
  assert.equal(reconnectDelayMs(0, () => 1), 625);
});

test("only a refused name stops the reconnecting", () => {
  assert.equal(shouldReconnect(CloseCode.BAD_NAME), false);
  for (const code of [1006, 1012, CloseCode.NO_SESSION, CloseCode.PROTOCOL_ERROR, 1000]) {
    assert.equal(shouldReconnect(code), true, String(code));
  }
});

test("frames are decoded and dispatched; PONG is swallowed; sending encodes", () => {
  const h = harness();
  h.socket.start();
  assert.equal(h.sockets.length, 1);
  assert.equal(h.sockets[0].url, "ws://test/ws/lobby/?name=Ada");
  assert.equal(h.sockets[0].binaryType, "arraybuffer");
  assert.equal(h.socket.send([21]), false, "nothing is sent before the socket opens");
  h.sockets[0].serverOpen();
  h.sockets[0].serverSend(WELCOME);
  h.sockets[0].serverSend([14, 1, 123]);
  h.sockets[0].serverSend([31, { game: "shooter", mode: "duel", position: 1, searching: 1, elapsed_ms: 0 }]);
  assert.deepEqual(
    h.messages.map((m) => m.type),
    [MessageType.LOBBY_WELCOME, MessageType.QUEUE_STATUS],
  );
  assert.deepEqual(h.messages[0].message.ratings, { shooter: { duel: 1512 } });
  assert.equal(h.messages[1].message.game, "shooter");
  assert.equal(h.socket.send([20, "shooter", "duel"]), true);
  assert.deepEqual(h.sockets[0].sent, [[20, "shooter", "duel"]]);
  h.socket.stop();
});

test("a malformed frame is ignored with a warning", (t) => {
  const warn = t.mock.method(console, "warn", () => {});
  const h = harness();
  h.socket.start();
  h.sockets[0].serverOpen();
  h.sockets[0].serverSend([99, "?"]);
  assert.equal(h.messages.length, 0);
  assert.equal(warn.mock.callCount(), 1);
  h.socket.stop();
});

const settle = () => new Promise((resolve) => setImmediate(resolve));

test("a dropped socket reconnects with backoff and resets it after LOBBY_WELCOME", async (t) => {
  t.mock.timers.enable({ apis: ["setTimeout", "setInterval"] });
  const h = harness();
  h.socket.start();
  h.sockets[0].serverOpen();
  h.sockets[0].serverClose(1006);
  const [first] = h.closes;
  assert.deepEqual(
    { code: first.code, retrying: first.retrying, delayMs: first.delayMs },
    { code: 1006, retrying: true, delayMs: 500 },
  );
  assert.match(first.text, /lost/);
  t.mock.timers.tick(499);
  await settle();
  assert.equal(h.sockets.length, 1);
  t.mock.timers.tick(1);
  await settle();
  assert.equal(h.sockets.length, 2, "reconnected after the delay");

  h.sockets[1].serverClose(1006);
  assert.equal(h.closes[1].delayMs, 1000, "the next delay doubles");
  t.mock.timers.tick(1000);
  await settle();
  assert.equal(h.sockets.length, 3);

  h.sockets[2].serverOpen();
  h.sockets[2].serverSend(WELCOME);
  h.sockets[2].serverClose(1012);
  assert.equal(h.closes[2].delayMs, 500, "a welcomed connection starts the backoff over");
  h.socket.stop();
});

test("a refused name is not retried; restart() connects again", (t) => {
  t.mock.timers.enable({ apis: ["setTimeout", "setInterval"] });
  const h = harness();
  h.socket.start();
  h.sockets[0].serverOpen();
  h.sockets[0].serverClose(CloseCode.BAD_NAME, "bad name");
  assert.equal(h.closes[0].retrying, false);
  assert.equal(h.closes[0].delayMs, null);
  t.mock.timers.tick(60000);
  assert.equal(h.sockets.length, 1);
  assert.equal(h.socket.active, false);
  h.socket.restart();
  assert.equal(h.sockets.length, 2);
  h.socket.stop();
});

test("beforeReconnect runs before the next attempt (session refresh after 4014)", async (t) => {
  t.mock.timers.enable({ apis: ["setTimeout", "setInterval"] });
  const seen = [];
  const h = harness({
    beforeReconnect: async (code) => {
      seen.push(code);
    },
  });
  h.socket.start();
  h.sockets[0].serverOpen();
  h.sockets[0].serverClose(CloseCode.NO_SESSION);
  t.mock.timers.tick(500);
  await settle();
  assert.deepEqual(seen, [CloseCode.NO_SESSION]);
  assert.equal(h.sockets.length, 2);
  h.socket.stop();
});

test("restart() drops the old socket silently; stop() cancels a pending reconnect", (t) => {
  t.mock.timers.enable({ apis: ["setTimeout", "setInterval"] });
  const h = harness();
  h.socket.start();
  const first = h.sockets[0];
  first.serverOpen();
  h.socket.restart();
  assert.deepEqual(first.closedWith, { code: 1000, reason: "leaving" });
  first.serverClose(1000);
  assert.equal(h.closes.length, 0, "the replaced socket's close is not reported");
  assert.equal(h.sockets.length, 2);
  assert.equal(h.connecting(), 2);

  h.sockets[1].serverClose(1006);
  assert.equal(h.closes.length, 1);
  h.socket.stop();
  t.mock.timers.tick(60000);
  assert.equal(h.sockets.length, 2, "no reconnect after stop()");
  h.socket.start();
  assert.equal(h.sockets.length, 3);
  h.socket.stop();
});

test("start() is idempotent and waits for a URL", () => {
  let url = null;
  const h = harness({ url: () => url });
  h.socket.start();
  assert.equal(h.sockets.length, 0, "no name, no socket");
  url = "ws://test/ws/lobby/?name=Bo";
  h.socket.start();
  h.socket.start();
  assert.equal(h.sockets.length, 1);
  h.socket.stop();
});

test("an open socket sends a keep-alive PING", (t) => {
  t.mock.timers.enable({ apis: ["setTimeout", "setInterval"] });
  const h = harness({ keepaliveMs: 1000 });
  h.socket.start();
  h.sockets[0].serverOpen();
  t.mock.timers.tick(2000);
  assert.deepEqual(h.sockets[0].sent, [
    [2, 1],
    [2, 2],
  ]);
  h.socket.stop();
  t.mock.timers.tick(2000);
  assert.equal(h.sockets[0].sent.length, 2);
});

test("a frame over the lobby limit is refused before it is sent", () => {
  const h = harness();
  h.socket.start();
  h.sockets[0].serverOpen();
  assert.throws(() => h.socket.send([20, "x".repeat(200)]), RangeError);
  assert.deepEqual(h.sockets[0].sent, []);
  h.socket.stop();
});
