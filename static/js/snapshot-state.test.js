import assert from "node:assert/strict";
import test from "node:test";

import { decode, encode } from "@msgpack/msgpack";

import {
  MessageType,
  PlayerChange,
  parseDelta,
  parseKeyframe,
  parseServerFrame,
  parseSnapshot,
} from "./protocol.js";
import {
  ChainBroken,
  RESYNC_INTERVAL_MS,
  SnapshotChain,
  applyDelta,
  keyframeState,
  snapshotOf,
  wireEntries,
} from "./snapshot-state.js";

const { SNAPSHOT, DELTA } = MessageType;
const T0 = 1795600000000;
const ADA = [0, "Ada", 0, 0, true];
const BO = [1, "Bo", 0, 0, true];

/** A KEYFRAME array with the given players, bullets, events and roster (wire entries). */
function keyframe(tick, fields = {}) {
  const { players = [], bullets = [], events = [], roster = [ADA], phase = 2, msLeft = 60000 } = fields;
  return [SNAPSHOT, tick, T0 + tick * 50, phase, msLeft, players, bullets, events, roster];
}

/** A DELTA array from `base` to `tick`. */
function delta(tick, base, fields = {}) {
  const { players = [], newBullets = [], gone = [], events = [], roster = null } = fields;
  const { phase = 2, msLeft = 60000 } = fields;
  return [DELTA, tick, T0 + tick * 50, base, phase, msLeft, players, newBullets, gone, events, roster];
}

const IGNORED = { snapshot: null, resync: false };

/** Feed decoded frames to a chain the way net.js does; returns what each frame produced. */
function feed(chain, frames, nowMs = 0) {
  return frames.map((frame) => {
    const { type, message } = parseServerFrame(frame);
    return chain.receive(type, message, nowMs);
  });
}

test("a KEYFRAME becomes a snapshot in world units with its roster and server time", () => {
  const chain = new SnapshotChain({ tickRate: 20 });
  const [{ snapshot, resync }] = feed(chain, [
    keyframe(4, {
      players: [[1, 100, 200, 1571, 80, 1, 0], [0, 15000, 1000, -500, 100, 3, 17]],
      bullets: [[3, 500, 600, 350, -350, 1]],
      events: [[3, 0]],
      roster: [ADA, BO],
    }),
  ]);
  assert.equal(resync, false);
  assert.equal(chain.tick, 4);
  assert.deepEqual(snapshot, {
    tick: 4,
    serverMs: T0 + 200,
    phase: 2,
    phaseMsLeft: 60000,
    players: [
      { id: 0, x: 1500, y: 100, aim: -0.5, health: 100, flags: 3, alive: true, protected: true, reconnecting: false, ack: 17 },
      { id: 1, x: 10, y: 20, aim: 1.571, health: 80, flags: 1, alive: true, protected: false, reconnecting: false, ack: 0 },
    ],
    bullets: [{ id: 3, x: 50, y: 60, vx: 0.7, vy: -0.7, ownerId: 1 }],
    events: [{ kind: 3, playerId: 0 }],
    roster: [
      { id: 0, name: "Ada", score: 0, deaths: 0, connected: true },
      { id: 1, name: "Bo", score: 0, deaths: 0, connected: true },
    ],
    keyframe: true,
  });
});

test("a DELTA moves players, turns them and sets health and flags", () => {
  const chain = new SnapshotChain();
  const [, { snapshot }] = feed(chain, [
    keyframe(10, {
      players: [[0, 1000, 2000, 3000, 100, 3, 4], [1, 500, 500, 0, 100, 1, 0], [2, 7, 8, 9, 50, 1, 9]],
    }),
    delta(11, 10, {
      players: [
        [0, PlayerChange.X | PlayerChange.Y | PlayerChange.AIM, -60, 25, -6000],
        [1, PlayerChange.HEALTH | PlayerChange.FLAGS, 0, 0],
        [2, PlayerChange.Y | PlayerChange.FLAGS, -7, 3],
      ],
    }),
  ]);
  assert.equal(snapshot.tick, 11);
  assert.equal(snapshot.serverMs, T0 + 550);
  assert.equal(snapshot.keyframe, false);
  assert.equal(snapshot.roster, null, "a nil roster means unchanged");
  const [ada, bo, cy] = snapshot.players;
  assert.deepEqual([ada.x, ada.y, ada.aim, ada.health, ada.flags], [94, 202.5, -3, 100, 3]);
  assert.deepEqual([bo.x, bo.y, bo.health, bo.alive], [50, 50, 0, false]);
  assert.deepEqual([cy.x, cy.y, cy.aim, cy.health, cy.protected], [0.7, 0.1, 0.009, 50, true]);
  assert.deepEqual(wireEntries(chain.state).players, [
    [0, 940, 2025, -3000, 100, 3, 4],
    [1, 500, 500, 0, 0, 0, 0],
    [2, 7, 1, 9, 50, 3, 9],
  ]);
});

test("a DELTA's flags mark a player reconnecting while its ship waits, and clear it on return", () => {
  const chain = new SnapshotChain();
  const [first, away, still, back] = feed(chain, [
    keyframe(1, { players: [[0, 100, 100, 0, 100, 1, 8], [1, 500, 500, 0, 100, 1, 3]] }),
    delta(2, 1, { players: [[1, PlayerChange.FLAGS, 1 | 4]] }),
    delta(3, 2, { players: [[0, PlayerChange.X, 10]] }),
    delta(4, 3, { players: [[1, PlayerChange.FLAGS | PlayerChange.ACK, 1, 2]] }),
  ]);
  const flagsOf = ({ snapshot }) => snapshot.players.map((p) => [p.id, p.alive, p.reconnecting]);
  assert.deepEqual(flagsOf(first), [[0, true, false], [1, true, false]]);
  assert.deepEqual(flagsOf(away), [[0, true, false], [1, true, true]]);
  assert.deepEqual(flagsOf(still), [[0, true, false], [1, true, true]], "unchanged flags carry over");
  assert.deepEqual(flagsOf(back), [[0, true, false], [1, true, false]]);
  assert.equal(back.snapshot.players[1].ack, 5);
});

test("players not listed in a DELTA keep their state", () => {
  const chain = new SnapshotChain();
  feed(chain, [keyframe(1, { players: [[0, 10, 20, 30, 40, 1, 5], [1, 50, 60, 70, 80, 1, 6]] })]);
  feed(chain, [delta(2, 1, { players: [[1, PlayerChange.X, 5]] })]);
  const [{ snapshot }] = feed(chain, [delta(3, 2)]);
  assert.deepEqual(wireEntries(chain.state).players, [
    [0, 10, 20, 30, 40, 1, 5],
    [1, 55, 60, 70, 80, 1, 6],
  ]);
  assert.equal(snapshot.players[0].x, 1);
});

test("a DELTA's ack is a difference from the base ack, after the flags", () => {
  const chain = new SnapshotChain();
  const results = feed(chain, [
    keyframe(1, { players: [[0, 100, 100, 0, 100, 1, 0], [1, 500, 500, 0, 100, 1, 40]] }),
    delta(2, 1, { players: [[0, PlayerChange.ACK, 1], [1, PlayerChange.X | PlayerChange.ACK, 13, 2]] }),
    delta(3, 2, { players: [[0, PlayerChange.FLAGS | PlayerChange.ACK, 3, 1]] }),
    delta(4, 3),
  ]);
  assert.deepEqual(
    results.map(({ snapshot }) => snapshot.players.map((p) => p.ack)),
    [[0, 40], [1, 42], [2, 42], [2, 42]],
  );
  assert.deepEqual(wireEntries(chain.state).players, [
    [0, 100, 100, 0, 100, 3, 2],
    [1, 513, 500, 0, 100, 1, 42],
  ]);
  assert.equal(results[3].snapshot.players[1].x, 51.3);
});

test("bullets: gone ones leave, the rest advance by their velocity over the gap, new ones join", () => {
  const chain = new SnapshotChain();
  feed(chain, [
    keyframe(100, {
      bullets: [[1, 1000, 1000, 350, 0, 0], [2, 2000, 2000, -100, 200, 1], [3, 0, 0, 10, 10, 0]],
    }),
  ]);
  feed(chain, [delta(101, 100, { gone: [3] })]);
  assert.deepEqual(wireEntries(chain.state).bullets, [
    [1, 1350, 1000, 350, 0, 0],
    [2, 1900, 2200, -100, 200, 1],
  ]);
  const [{ snapshot }] = feed(chain, [
    delta(104, 101, { newBullets: [[9, 40, 50, -5, 6, 1]], gone: [1] }),
  ]);
  assert.deepEqual(wireEntries(chain.state).bullets, [
    [2, 1600, 2800, -100, 200, 1],
    [9, 40, 50, -5, 6, 1],
  ]);
  assert.deepEqual(snapshot.bullets, [
    { id: 2, x: 160, y: 280, vx: -0.2, vy: 0.4, ownerId: 1 },
    { id: 9, x: 4, y: 5, vx: -0.01, vy: 0.012, ownerId: 1 },
  ]);
});

test("a new bullet appears where the DELTA puts it, not advanced again", () => {
  const chain = new SnapshotChain();
  feed(chain, [keyframe(1), delta(3, 1, { newBullets: [[5, 100, 100, 10, 0, 0]] })]);
  assert.deepEqual(wireEntries(chain.state).bullets, [[5, 100, 100, 10, 0, 0]]);
  feed(chain, [delta(5, 3)]);
  assert.deepEqual(wireEntries(chain.state).bullets, [[5, 120, 100, 10, 0, 0]]);
});

test("the roster is reported by KEYFRAMEs and by DELTAs that carry one, and kept otherwise", () => {
  const chain = new SnapshotChain();
  const results = feed(chain, [
    keyframe(1, { roster: [ADA] }),
    delta(2, 1),
    delta(3, 2, { roster: [[0, "Ada", 1, 0, true], BO] }),
    delta(4, 3),
  ]);
  assert.deepEqual(results.map(({ snapshot }) => snapshot.roster?.length ?? null), [1, null, 2, null]);
  assert.deepEqual(chain.state.roster[0], { id: 0, name: "Ada", score: 1, deaths: 0, connected: true });
  assert.equal(chain.state.roster.length, 2);
});

test("phase, time left, events and server time come from each frame", () => {
  const chain = new SnapshotChain();
  const [, { snapshot }] = feed(chain, [
    keyframe(1, { phase: 1, msLeft: 3000, events: [[3, 0]] }),
    delta(2, 1, { phase: 2, msLeft: 180000, events: [[1, 0, 1]] }),
  ]);
  assert.deepEqual([snapshot.phase, snapshot.phaseMsLeft, snapshot.serverMs], [2, 180000, T0 + 100]);
  assert.deepEqual(snapshot.events, [{ kind: 1, killerId: 0, victimId: 1 }]);
});

test("the example frames of protocol 5.2 rebuild Ada and her bullet", () => {
  const chain = new SnapshotChain();
  const frames = [
    [11, 1, T0, 0, 0, [[0, 15000, 1000, 0, 100, 3, 0]], [], [[3, 0]], [ADA]],
    [12, 2, T0 + 50, 1, 0, 0, [[0, 33, 60, 1]], [[0, 15590, 1000, 350, 0, 0]], [], [], null],
    [12, 3, T0 + 100, 2, 0, 0, [[0, 37, 120, -1000, 1]], [], [], [], null],
  ];
  const results = feed(chain, frames.map((frame) => decode(encode(frame))));
  assert.ok(results.every(({ snapshot, resync }) => snapshot && !resync));
  assert.deepEqual(wireEntries(chain.state), {
    players: [[0, 15180, 1000, -1000, 100, 3, 2]],
    bullets: [[0, 15940, 1000, 350, 0, 0]],
  });
  const { snapshot } = results[2];
  assert.deepEqual([snapshot.players[0].x, snapshot.players[0].aim, snapshot.players[0].ack], [1518, -1, 2]);
  assert.deepEqual([snapshot.bullets[0].x, snapshot.bullets[0].y], [1594, 100]);
});

test("applyDelta leaves the base state alone and refuses any other base", () => {
  const base = keyframeState(
    parseKeyframe(keyframe(7, { players: [[0, 1, 2, 3, 4, 1, 8]], bullets: [[1, 0, 0, 5, 5, 0]] })),
  );
  const before = JSON.stringify(wireEntries(base));
  const next = applyDelta(base, parseDelta(delta(8, 7, { players: [[0, 63, 1, 1, 1, 1, 3, 2]] })));
  assert.equal(JSON.stringify(wireEntries(base)), before);
  assert.deepEqual(wireEntries(next).players, [[0, 2, 3, 4, 1, 3, 10]]);
  assert.throws(() => applyDelta(base, parseDelta(delta(9, 8))), ChainBroken);
  assert.throws(() => applyDelta(null, parseDelta(delta(9, 8))), ChainBroken);
  assert.throws(() => applyDelta(base, parseDelta(delta(7, 7))), ChainBroken, "tick after base");
  assert.throws(
    () => applyDelta(base, parseDelta(delta(8, 7, { players: [[5, PlayerChange.HEALTH, 1]] }))),
    ChainBroken,
    "a player the base does not have",
  );
});

test("a DELTA before any KEYFRAME asks for a RESYNC and shows nothing", () => {
  const chain = new SnapshotChain();
  const [result] = feed(chain, [delta(5, 4)]);
  assert.deepEqual(result, { snapshot: null, resync: true });
  assert.equal(chain.tick, null);
  assert.equal(chain.waiting, true);
});

test("after a gap DELTAs are ignored until a KEYFRAME, and RESYNC is not spammed", () => {
  const chain = new SnapshotChain();
  feed(chain, [keyframe(1, { players: [[0, 0, 0, 0, 100, 1, 0]] }), delta(2, 1)]);
  assert.equal(chain.tick, 2);

  const gap = chain.receive(DELTA, parseDelta(delta(4, 3)), 1000);
  assert.deepEqual(gap, { snapshot: null, resync: true });
  assert.equal(chain.tick, null, "the held state is given up");
  // Even a DELTA from the tick held before the gap is ignored now: the server's chain moved on.
  assert.deepEqual(chain.receive(DELTA, parseDelta(delta(3, 2)), 1050), IGNORED);
  assert.deepEqual(chain.receive(DELTA, parseDelta(delta(5, 4)), 1100), IGNORED);
  assert.deepEqual(
    chain.receive(DELTA, parseDelta(delta(6, 5)), 1000 + RESYNC_INTERVAL_MS - 1),
    IGNORED,
  );
  assert.deepEqual(
    chain.receive(DELTA, parseDelta(delta(7, 6)), 1000 + RESYNC_INTERVAL_MS),
    { snapshot: null, resync: true },
    "asks again once the interval has passed",
  );
  assert.deepEqual(chain.receive(DELTA, parseDelta(delta(8, 7)), 1300), IGNORED);

  const fresh = parseKeyframe(keyframe(9, { players: [[0, 90, 0, 0, 100, 1, 0]] }));
  const { snapshot, resync } = chain.receive(SNAPSHOT, fresh, 1350);
  assert.equal(resync, false);
  assert.equal(snapshot.tick, 9);
  assert.equal(chain.waiting, false);
  const moved = parseDelta(delta(10, 9, { players: [[0, PlayerChange.X, 10]] }));
  const after = chain.receive(DELTA, moved, 1400);
  assert.equal(after.snapshot.players[0].x, 10);

  const soon = chain.receive(DELTA, parseDelta(delta(12, 11)), 1450);
  assert.deepEqual(soon, IGNORED, "a new gap, 200 ms after the last RESYNC");
  assert.equal(chain.waiting, true);
  assert.equal(chain.receive(DELTA, parseDelta(delta(13, 12)), 1500).resync, true);
});

test("snapshotOf lists players and bullets in id order", () => {
  const state = keyframeState(parseKeyframe(keyframe(1, {
    players: [[2, 0, 0, 0, 1, 1, 0], [0, 0, 0, 0, 1, 1, 0]],
    bullets: [[8, 0, 0, 0, 0, 0], [3, 0, 0, 0, 0, 0]],
  })));
  const snapshot = snapshotOf(state);
  assert.deepEqual(snapshot.players.map((p) => p.id), [0, 2]);
  assert.deepEqual(snapshot.bullets.map((b) => b.id), [3, 8]);
});

// ---- randomized: a test-only server encodes a random match; frames are lost on the way ----

function prng(seed) {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/**
 * Random full wire states, tick after tick: players move, turn, die, join and leave, their
 * acknowledged input grows; bullets fly.
 */
function* randomMatch(random) {
  const int = (low, high) => low + Math.floor(random() * (high - low + 1));
  const players = new Map();
  const roster = new Map();
  const bullets = new Map(); // id -> {x0, y0, dx, dy, owner, t0}
  let nextPlayer = 0;
  let nextBullet = 0;
  let tick = int(0, 5);
  let phase = 0;
  const join = () => {
    const id = nextPlayer;
    nextPlayer += 1;
    players.set(id, [int(0, 16000), int(0, 9000), int(-3142, 3142), 100, 3, 0]);
    roster.set(id, [id, `P${id}`, 0, 0, true]);
  };
  join();
  join();
  for (;;) {
    tick += random() < 0.8 ? 1 : int(2, 4);
    const events = [];
    for (const [id, wire] of players) {
      if (random() < 0.6) wire[0] += int(-90, 90);
      if (random() < 0.6) wire[1] += int(-90, 90);
      if (random() < 0.4) wire[2] = int(-3142, 3142);
      if (random() < 0.1) {
        wire[3] = Math.max(0, wire[3] - 25);
        if (wire[3] === 0) {
          wire[4] = 0;
          events.push([1, id, id]);
          const entry = roster.get(id);
          entry[3] += 1;
        } else {
          events.push([2, id, id, 25]);
        }
      }
      if (random() < 0.05 && wire[4] === 0) {
        wire.splice(0, 5, int(0, 16000), int(0, 9000), 0, 100, 3);
        events.push([3, id]);
      }
      if (random() < 0.05) wire[4] &= ~2;
      if (random() < 0.7) wire[5] += int(1, 3); // the engine applied newer INPUTs
    }
    if (random() < 0.03 && players.size < 6) join();
    if (random() < 0.02 && players.size > 1) {
      const id = [...players.keys()][int(0, players.size - 1)];
      players.delete(id);
      roster.get(id)[4] = false;
    }
    for (const [id, bullet] of bullets) if (random() < 0.08) bullets.delete(id);
    const fired = int(0, 2);
    for (let i = 0; i < fired; i += 1) {
      bullets.set(nextBullet, {
        x0: int(0, 16000), y0: int(0, 9000), dx: int(-400, 400), dy: int(-400, 400),
        owner: int(0, nextPlayer - 1), t0: tick,
      });
      nextBullet += 1;
    }
    if (random() < 0.01) phase = (phase + 1) % 4;
    yield {
      tick,
      serverMs: T0 + tick * 50 + int(0, 3),
      phase,
      phaseMsLeft: int(0, 180000),
      players: new Map([...players].map(([id, wire]) => [id, [...wire]])),
      bullets: new Map(
        [...bullets].map(([id, b]) => [
          id,
          [b.x0 + b.dx * (tick - b.t0), b.y0 + b.dy * (tick - b.t0), b.dx, b.dy, b.owner],
        ]),
      ),
      events,
      roster: [...roster.values()].map((entry) => [...entry]),
    };
  }
}

const sortedEntries = (map) => [...map].sort((a, b) => a[0] - b[0]).map(([id, wire]) => [id, ...wire]);

/** The KEYFRAME of a full state, per protocol 5.2. */
function encodeKeyframe(full) {
  return [
    SNAPSHOT, full.tick, full.serverMs, full.phase, full.phaseMsLeft,
    sortedEntries(full.players), sortedEntries(full.bullets), full.events, full.roster,
  ];
}

/** The DELTA from full state `base` to full state `full`, per protocol 5.2. */
function encodeDelta(base, full) {
  const changes = [];
  for (const [id, wire] of sortedEntries(full.players).map(([pid, ...rest]) => [pid, rest])) {
    const old = base.players.get(id);
    let mask = 0;
    const values = [];
    for (let i = 0; i < 6; i += 1) {
      if (wire[i] === old[i]) continue;
      mask |= 1 << i;
      const difference = i < 3 || i === 5; // x, y, aim and ack; health and flags are values
      values.push(difference ? wire[i] - old[i] : wire[i]);
    }
    if (mask) changes.push([id, mask, ...values]);
  }
  const newBullets = sortedEntries(full.bullets).filter(([id]) => !base.bullets.has(id));
  const gone = [...base.bullets.keys()].filter((id) => !full.bullets.has(id));
  const roster = JSON.stringify(base.roster) === JSON.stringify(full.roster) ? null : full.roster;
  return [
    DELTA, full.tick, full.serverMs, base.tick, full.phase, full.phaseMsLeft,
    changes, newBullets, gone, full.events, roster,
  ];
}

const samePlayers = (a, b) => a.size === b.size && [...a.keys()].every((id) => b.has(id));

/**
 * Runs one socket: the server sends each tick as a KEYFRAME or a DELTA from the last snapshot
 * it sent (skipping some ticks itself, as for a slow socket), the network loses some frames
 * without the server knowing, and the client's RESYNC reaches the server a few frames later.
 */
function simulate(seed, ticks) {
  const random = prng(seed);
  const tickRate = 20;
  const chain = new SnapshotChain({ tickRate });
  const match = randomMatch(random);
  let lastSent = null;
  let lastKeyframeTick = -Infinity;
  let resyncArrivesIn = null;
  const stats = { accepted: 0, keyframes: 0, deltas: 0, lost: 0, resyncs: 0, ignored: 0 };
  stats.longestGap = 0;
  let lastResyncAt = -Infinity;
  let ignoredInARow = 0;

  for (let i = 0; i < ticks; i += 1) {
    const full = match.next().value;
    const nowMs = full.tick * 50;
    if (resyncArrivesIn !== null) {
      resyncArrivesIn -= 1;
      if (resyncArrivesIn < 0) {
        resyncArrivesIn = null;
        lastSent = null;
      }
    }
    if (random() < 0.05) continue; // the server drops this tick for the socket (it knows)
    const needKeyframe =
      lastSent === null ||
      !samePlayers(lastSent.players, full.players) ||
      full.tick - lastKeyframeTick >= 20;
    const frame = needKeyframe ? encodeKeyframe(full) : encodeDelta(lastSent, full);
    if (needKeyframe) lastKeyframeTick = full.tick;
    lastSent = full;
    if (needKeyframe) stats.keyframes += 1;
    else stats.deltas += 1;
    if (random() < 0.07) {
      stats.lost += 1; // lost on the way: the server does not know
      continue;
    }

    const { type, message } = parseServerFrame(decode(encode(frame)));
    const { snapshot, resync } = chain.receive(type, message, nowMs);
    if (resync) {
      stats.resyncs += 1;
      const since = nowMs - lastResyncAt;
      assert.ok(since >= RESYNC_INTERVAL_MS, `RESYNC again after ${since} ms`);
      lastResyncAt = nowMs;
      if (resyncArrivesIn === null) resyncArrivesIn = Math.floor(random() * 4);
    }
    if (!snapshot) {
      assert.equal(type, DELTA, "a KEYFRAME is always accepted");
      stats.ignored += 1;
      ignoredInARow += 1;
      stats.longestGap = Math.max(stats.longestGap, ignoredInARow);
      continue;
    }
    stats.accepted += 1;
    ignoredInARow = 0;
    const expected = { ...parseSnapshot(encodeKeyframe(full), tickRate), keyframe: type === SNAPSHOT };
    if (type === DELTA && frame[10] === null) expected.roster = null;
    assert.deepEqual(snapshot, expected, `seed ${seed}, tick ${full.tick}`);
    assert.deepEqual(wireEntries(chain.state), {
      players: sortedEntries(full.players),
      bullets: sortedEntries(full.bullets),
    });
    assert.deepEqual(chain.state.roster, parseSnapshot(encodeKeyframe(full)).roster);
  }
  return stats;
}

test("randomized: with lost frames and resyncs the client always rebuilds the server's state", () => {
  const totals = { accepted: 0, keyframes: 0, deltas: 0, lost: 0, resyncs: 0, ignored: 0 };
  let longestGap = 0;
  for (let seed = 1; seed <= 40; seed += 1) {
    const stats = simulate(seed, 600);
    for (const key of Object.keys(totals)) totals[key] += stats[key];
    longestGap = Math.max(longestGap, stats.longestGap);
  }
  assert.ok(longestGap <= 12, `a RESYNC brings the KEYFRAME soon, not ${longestGap} DELTAs later`);
  assert.ok(totals.deltas > totals.keyframes, `mostly DELTAs: ${JSON.stringify(totals)}`);
  assert.ok(totals.lost > 100 && totals.resyncs > 50 && totals.ignored > 0, JSON.stringify(totals));
  const delivered = totals.keyframes + totals.deltas - totals.lost;
  assert.ok(totals.accepted > 0.8 * delivered, JSON.stringify(totals));
});

test("randomized: without losses every frame applies and no RESYNC is sent", () => {
  const random = prng(99);
  const match = randomMatch(random);
  const chain = new SnapshotChain();
  let lastSent = null;
  for (let i = 0; i < 2000; i += 1) {
    const full = match.next().value;
    if (random() < 0.1) continue; // skipped by the server: the next DELTA spans the gap
    const keyframeNeeded = lastSent === null || !samePlayers(lastSent.players, full.players);
    const frame = keyframeNeeded ? encodeKeyframe(full) : encodeDelta(lastSent, full);
    lastSent = full;
    const { type, message } = parseServerFrame(decode(encode(frame)));
    const { snapshot, resync } = chain.receive(type, message, full.tick * 50);
    assert.equal(resync, false);
    assert.deepEqual(wireEntries(chain.state), {
      players: sortedEntries(full.players),
      bullets: sortedEntries(full.bullets),
    });
    assert.equal(snapshot.tick, full.tick);
  }
});
