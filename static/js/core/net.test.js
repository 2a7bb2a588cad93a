import assert from "node:assert/strict";
import test from "node:test";

import { decode, encode } from "@msgpack/msgpack";

import { CONNECT4_SCHEMA, SHOOTER_SCHEMA, welcomeFrame } from "./fixtures.js";
import {
  DROPPED,
  GameSocket,
  MIN_STALL_MS,
  ON_CHANGE_STALL_MS,
  PING_INTERVAL_MS,
  SILENCE_TIMEOUT_MS,
  STALL_TICKS,
  stallThresholdMs,
} from "./net.js";
import { CLOSE_DESCRIPTIONS, CloseCode, MessageType } from "./protocol.js";
import { RESYNC_INTERVAL_MS } from "./wire-state.js";

/** Bits of a shooter player change: x, and ack. */
const X = 1;
const ACK = 32;

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

const WELCOME = welcomeFrame("shooter", SHOOTER_SCHEMA, { player_id: 0 });
const T0 = 1795600000000;

function keyframe(tick, x = 1000) {
  const players = [[0, x, 1000, 0, 100, 1, 0]];
  return [11, tick, T0 + tick * 50, 2, 60000, players, [], [], [[0, "Ada", 0, 0, true]]];
}

function delta(tick, base, dx = 0, dAck = 0) {
  let players = [];
  if (dx && dAck) players = [[0, X | ACK, dx, dAck]];
  else if (dx) players = [[0, X, dx]];
  else if (dAck) players = [[0, ACK, dAck]];
  return [12, tick, T0 + tick * 50, base, 2, 60000, players, [], [], [], null];
}

/** A GameSocket on a fake WebSocket, with a clock the test sets; `extra` adds handlers/options. */
function harness(extraHandlers = {}, extraOptions = {}) {
  const clock = { now: 1000 };
  const snapshots = [];
  const closes = [];
  const throttles = [];
  let resyncs = 0;
  let fake = null;
  const socket = new GameSocket(
    "ws://test/ws/match/m/?ticket=t",
    {
      onSnapshot: (snapshot, atMs) => snapshots.push({ snapshot, atMs }),
      onResync: () => {
        resyncs += 1;
      },
      onClose: (info) => closes.push(info),
      onThrottled: (message, atMs) => throttles.push({ message, atMs }),
      ...extraHandlers,
    },
    {
      ...extraOptions,
      createSocket: (url) => {
        fake = new FakeSocket(url);
        return fake;
      },
      now: () => clock.now,
    },
  );
  fake.serverOpen();
  const sentResyncs = () => fake.sent.filter((frame) => frame[0] === MessageType.RESYNC);
  return { socket, fake, clock, snapshots, closes, throttles, sentResyncs, resyncs: () => resyncs };
}

const shipX = (snapshot) => snapshot.collections.players.get(0).x;

test("KEYFRAMEs and DELTAs reach onSnapshot as whole snapshots decoded by WELCOME's schema", (t) => {
  const { socket, fake, snapshots, sentResyncs } = harness();
  t.after(() => socket.close());
  fake.serverSend(WELCOME);
  fake.serverSend(keyframe(1));
  fake.serverSend(delta(2, 1, 60));
  fake.serverSend(delta(4, 2, 120));
  assert.deepEqual(snapshots.map(({ snapshot }) => [snapshot.tick, shipX(snapshot)]), [
    [1, 100],
    [2, 106],
    [4, 118],
  ]);
  assert.equal(snapshots[2].snapshot.serverMs, T0 + 200);
  assert.equal(snapshots[0].snapshot.roster.length, 1);
  assert.equal(snapshots[1].snapshot.roster, null);
  assert.deepEqual(sentResyncs(), []);
});

test("a DELTA off the chain sends one RESYNC, then DELTAs are ignored until a KEYFRAME", (t) => {
  const { socket, fake, clock, snapshots, sentResyncs, resyncs } = harness();
  t.after(() => socket.close());
  fake.serverSend(WELCOME);
  fake.serverSend(keyframe(1));
  fake.serverSend(delta(2, 1));
  // tick 3 was lost on the way
  clock.now = 2000;
  fake.serverSend(delta(4, 3, 10));
  assert.deepEqual(sentResyncs(), [[3]]);
  assert.equal(resyncs(), 1);
  for (let tick = 5; tick <= 8; tick += 1) {
    clock.now += 50;
    fake.serverSend(delta(tick, tick - 1, 10));
  }
  assert.equal(sentResyncs().length, 1, "no second RESYNC within the interval");
  clock.now = 2000 + RESYNC_INTERVAL_MS;
  fake.serverSend(delta(9, 8, 10));
  assert.equal(sentResyncs().length, 2, "asked again once the interval passed");
  const shown = snapshots.map(({ snapshot }) => snapshot.tick);
  assert.deepEqual(shown, [1, 2], "nothing shown while waiting");

  clock.now += 50;
  fake.serverSend(keyframe(10, 2000));
  fake.serverSend(delta(11, 10, 10));
  assert.deepEqual(snapshots.map(({ snapshot }) => [snapshot.tick, shipX(snapshot)]).slice(2), [
    [10, 200],
    [11, 201],
  ]);
  assert.equal(sentResyncs().length, 2);
});

test("a DELTA before any KEYFRAME sends RESYNC", (t) => {
  const { socket, fake, snapshots, sentResyncs } = harness();
  t.after(() => socket.close());
  fake.serverSend(WELCOME);
  fake.serverSend(delta(3, 2));
  assert.deepEqual(sentResyncs(), [[3]]);
  assert.equal(snapshots.length, 0);
});

test("TOO_SLOW closes with a message for the player", () => {
  const { fake, closes } = harness();
  fake.serverClose(CloseCode.TOO_SLOW, "too slow");
  assert.equal(closes.length, 1);
  assert.equal(closes[0].code, 4015);
  assert.equal(closes[0].text, CLOSE_DESCRIPTIONS[4015]);
  assert.equal(closes[0].byClient, false);
});

test("each snapshot carries every player's acknowledged input", (t) => {
  const { socket, fake, snapshots } = harness();
  t.after(() => socket.close());
  fake.serverSend(WELCOME);
  fake.serverSend(keyframe(1));
  fake.serverSend(delta(2, 1, 60, 3));
  fake.serverSend(delta(3, 2, 0, 1));
  fake.serverSend(delta(4, 3, 60));
  assert.deepEqual(
    snapshots.map(({ snapshot }) => [shipX(snapshot), snapshot.collections.players.get(0).ack]),
    [[100, 0], [106, 3], [106, 4], [112, 4]],
  );
});

test("THROTTLED reaches onThrottled and leaves the socket open", (t) => {
  const { socket, fake, clock, throttles, closes } = harness();
  t.after(() => socket.close());
  fake.serverSend(WELCOME);
  clock.now = 1234;
  fake.serverSend([MessageType.THROTTLED, 7, 30]);
  assert.deepEqual(throttles, [{ message: { dropped: 7, limit: 30 }, atMs: 1234 }]);
  assert.equal(socket.open, true);
  assert.deepEqual(closes, []);
});

const SPECTATING = [17, { ...welcomeFrame("shooter", SHOOTER_SCHEMA)[1], delay_ms: 0, spectators: 1 }];

test("a spectator socket: SPECTATING, then the snapshot chain and SPECTATORS counts", (t) => {
  const infos = [];
  const counts = [];
  const { socket, fake, clock, snapshots } = harness({
    onSpectating: (info, atMs) => infos.push({ info, atMs }),
    onSpectators: (count, atMs) => counts.push({ count, atMs }),
  });
  t.after(() => socket.close());
  clock.now = 1500;
  fake.serverSend(SPECTATING);
  assert.equal(infos.length, 1);
  assert.equal(infos[0].info.spectators, 1);
  assert.equal(infos[0].atMs, 1500);
  assert.equal(socket.welcomed, true);
  assert.deepEqual(fake.sent.map((frame) => frame[0]), [MessageType.PING], "pings for the latency");
  fake.serverSend(keyframe(1));
  fake.serverSend(delta(2, 1, 60));
  assert.deepEqual(snapshots.map(({ snapshot }) => snapshot.tick), [1, 2]);
  clock.now = 1600;
  fake.serverSend([MessageType.SPECTATORS, 2]);
  assert.deepEqual(counts, [{ count: 2, atMs: 1600 }]);
});

test("players get SPECTATORS too", (t) => {
  const counts = [];
  const { socket, fake } = harness({ onSpectators: (count) => counts.push(count) });
  t.after(() => socket.close());
  fake.serverSend(WELCOME);
  fake.serverSend([MessageType.SPECTATORS, 1]);
  fake.serverSend([MessageType.SPECTATORS, 0]);
  assert.deepEqual(counts, [1, 0]);
});

test("the close text can be worded for the socket's use", () => {
  const { closes, fake } = harness({}, { describe: (code) => `watching closed ${code}` });
  fake.serverClose(CloseCode.SPECTATORS_FULL, "spectators full");
  assert.equal(closes[0].code, 4017);
  assert.equal(closes[0].text, "watching closed 4017");
});

test("drop() closes the socket and reports a dropped connection at once, not by the client", () => {
  const { socket, fake, closes } = harness();
  fake.serverSend(WELCOME);
  socket.drop("simulated");
  assert.equal(fake.closedWith.code, 3008, "the server is told the client gave up");
  assert.equal(closes.length, 1, "reported without waiting for the closing handshake");
  assert.equal(closes[0].code, DROPPED);
  assert.equal(closes[0].code, 1006);
  assert.equal(closes[0].byClient, false);
  assert.equal(closes[0].text, CLOSE_DESCRIPTIONS[1006]);
  fake.serverClose(1000);
  socket.drop();
  assert.equal(closes.length, 1, "one close only");
});

test("a socket that hears nothing for a while counts as dropped", (t) => {
  const { socket, fake, clock, closes } = harness();
  t.after(() => socket.close());
  fake.serverSend(WELCOME);
  clock.now += PING_INTERVAL_MS;
  fake.serverSend([MessageType.PONG, 2, T0]); // any frame counts
  clock.now += SILENCE_TIMEOUT_MS;
  socket.checkSilence();
  assert.deepEqual(closes, [], "silent for exactly the limit: still fine");
  clock.now += 1;
  socket.checkSilence();
  assert.equal(closes.length, 1);
  assert.equal(closes[0].code, 1006);
  assert.equal(closes[0].byClient, false);
  assert.equal(fake.closedWith.code, 3008);
});

test("a socket without frames for a few tick periods is stalled at once, then not", (t) => {
  const stalls = [];
  const { socket, fake, clock } = harness({ onStall: (stalled, at) => stalls.push([stalled, at]) });
  t.after(() => socket.close());
  fake.serverSend(WELCOME); // 20 Hz: stalled after 5 × 50 ms, but not sooner than 400 ms
  const start = clock.now;
  clock.now += MIN_STALL_MS;
  socket.checkSilence();
  assert.deepEqual(stalls, [], "quiet for exactly the limit: not yet");
  clock.now += 1;
  socket.checkSilence();
  socket.checkSilence();
  assert.deepEqual(stalls, [[true, start + MIN_STALL_MS + 1]], "said once");
  clock.now += 10;
  fake.serverSend(keyframe(1));
  assert.deepEqual(stalls.at(-1), [false, start + MIN_STALL_MS + 11]);
  assert.equal(STALL_TICKS, 5);
});

test("a socket without WELCOME in time counts as dropped", async () => {
  const { socket, closes } = harness({}, { welcomeTimeoutMs: 5 });
  await new Promise((resolve) => setTimeout(resolve, 30));
  assert.equal(closes.length, 1);
  assert.equal(closes[0].code, 1006);
  assert.equal(socket.closed, true);
});

test("WELCOME in time keeps the socket; closing by the client is reported as such", async () => {
  const { socket, fake, closes } = harness({}, { welcomeTimeoutMs: 5 });
  fake.serverSend(WELCOME);
  await new Promise((resolve) => setTimeout(resolve, 30));
  assert.deepEqual(closes, []);
  socket.close();
  fake.serverClose(1000);
  assert.equal(closes.length, 1);
  assert.equal(closes[0].byClient, true);
});

test("the stall threshold: 5 tick periods but 400 ms at least, 1.5 s for snapshots on change", () => {
  assert.equal(stallThresholdMs(20), 400);
  assert.equal(stallThresholdMs(5), 1000);
  assert.equal(stallThresholdMs(60, "every_tick"), 400);
  assert.equal(stallThresholdMs(10, "on_change"), ON_CHANGE_STALL_MS);
  assert.equal(ON_CHANGE_STALL_MS, 1500);
});

test("a game with snapshots on change may be quiet for a second without stalling", (t) => {
  const stalls = [];
  const { socket, fake, clock } = harness({ onStall: (stalled) => stalls.push(stalled) });
  t.after(() => socket.close());
  fake.serverSend(welcomeFrame("connect4", CONNECT4_SCHEMA, { tick_rate: 10, snapshots: "on_change" }));
  clock.now += 1000;
  socket.checkSilence();
  assert.deepEqual(stalls, [], "a second without a snapshot is normal");
  clock.now += ON_CHANGE_STALL_MS - 1000 + 1;
  socket.checkSilence();
  assert.deepEqual(stalls, [true]);
});

test("a snapshot that does not fit the schema is ignored with a warning; the chain goes on", (t) => {
  const warn = t.mock.method(console, "warn", () => {});
  const { socket, fake, snapshots } = harness();
  t.after(() => socket.close());
  fake.serverSend(WELCOME);
  fake.serverSend(keyframe(1));
  fake.serverSend([12, 2, T0 + 100, 1, 2, 60000, [[0, 3, 60]], [], [], [], null]);
  assert.equal(warn.mock.callCount(), 1);
  fake.serverSend(delta(2, 1, 60));
  assert.deepEqual(snapshots.map(({ snapshot }) => snapshot.tick), [1, 2]);
});
