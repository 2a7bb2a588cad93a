import assert from "node:assert/strict";
import test from "node:test";

import { decode, encode } from "@msgpack/msgpack";

import { CONNECT4_SCHEMA, FOOTBALL_SCHEMA, SHOOTER_SCHEMA } from "./fixtures.js";
import { MessageType, ProtocolParseError, parseServerFrame } from "./protocol.js";
import { parseSchema } from "./schema.js";
import {
  ChainBroken,
  RESYNC_INTERVAL_MS,
  SnapshotChain,
  applyFrame,
  snapshotOf,
  sortedEntries,
  toKeyframe,
} from "./wire-state.js";

const { SNAPSHOT, DELTA } = MessageType;
const SHOOTER = parseSchema(SHOOTER_SCHEMA);
const FOOTBALL = parseSchema(FOOTBALL_SCHEMA);
const CONNECT4 = parseSchema(CONNECT4_SCHEMA);
const T0 = 1795600000000;
const ADA = [0, "Ada", 0, 0, true];
const BO = [1, "Bo", 0, 0, true];
/** Bits of a shooter player change: x, y, aim, health, flags, ack. */
const X = 1;
const Y = 2;
const AIM = 4;
const HEALTH = 8;
const FLAGS = 16;
const ACK = 32;

/** A shooter KEYFRAME array with the given players, bullets, events and roster (wire entries). */
function keyframe(tick, fields = {}) {
  const { players = [], bullets = [], events = [], roster = [ADA], phase = 2, msLeft = 60000 } = fields;
  return [SNAPSHOT, tick, T0 + tick * 50, phase, msLeft, players, bullets, events, roster];
}

/** A shooter DELTA array from `base` to `tick`. */
function delta(tick, base, fields = {}) {
  const { players = [], newBullets = [], gone = [], events = [], roster = null } = fields;
  const { phase = 2, msLeft = 60000 } = fields;
  return [DELTA, tick, T0 + tick * 50, base, phase, msLeft, players, newBullets, gone, events, roster];
}

const IGNORED = { snapshot: null, resync: false };

/** A chain for `schema` fed with decoded frames the way net.js does; what each produced. */
function feed(chain, frames, nowMs = 0) {
  return frames.map((frame) => chain.receive(parseServerFrame(frame).message, nowMs));
}

function shooterChain() {
  const chain = new SnapshotChain();
  chain.start(SHOOTER);
  return chain;
}

const wirePlayers = (chain) => sortedEntries(chain.state.collections[0]);
const wireBullets = (chain) => sortedEntries(chain.state.collections[1]);

test("a KEYFRAME becomes a snapshot in game values with its roster and server time", () => {
  const chain = shooterChain();
  const [{ snapshot, resync }] = feed(chain, [
    keyframe(4, {
      players: [[1, 100, 200, 1571, 80, 1, 0], [0, 15000, 1000, -500, 100, 3, 17]],
      bullets: [[3, 500, 600, 350, -350, 1]],
      events: [[3, 0], [9, 1, 2]],
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
    globals: {},
    collections: {
      players: new Map([
        [0, { id: 0, x: 1500, y: 100, aim: -0.5, health: 100, flags: 3, ack: 17 }],
        [1, { id: 1, x: 10, y: 20, aim: 1.571, health: 80, flags: 1, ack: 0 }],
      ]),
      bullets: new Map([[3, { id: 3, x: 50, y: 60, dx: 35, dy: -35, owner: 1 }]]),
    },
    events: [{ kind: "spawn", player: 0 }],
    roster: [
      { id: 0, name: "Ada", score: 0, deaths: 0, connected: true },
      { id: 1, name: "Bo", score: 0, deaths: 0, connected: true },
    ],
    keyframe: true,
  });
});

test("a DELTA changes the fields of its mask: differences for diff fields, values for the rest", () => {
  const chain = shooterChain();
  const [, { snapshot }] = feed(chain, [
    keyframe(10, {
      players: [[0, 1000, 2000, 3000, 100, 3, 4], [1, 500, 500, 0, 100, 1, 0], [2, 7, 8, 9, 50, 1, 9]],
    }),
    delta(11, 10, {
      players: [
        [0, X | Y | AIM, -60, 25, -6000],
        [1, HEALTH | FLAGS, 0, 0],
        [2, Y | FLAGS, -7, 3],
      ],
    }),
  ]);
  assert.equal(snapshot.tick, 11);
  assert.equal(snapshot.serverMs, T0 + 550);
  assert.equal(snapshot.keyframe, false);
  assert.equal(snapshot.roster, null, "a nil roster means unchanged");
  const players = snapshot.collections.players;
  assert.deepEqual(players.get(0), { id: 0, x: 94, y: 202.5, aim: -3, health: 100, flags: 3, ack: 4 });
  assert.deepEqual([players.get(1).health, players.get(1).flags], [0, 0]);
  assert.deepEqual(players.get(2), { id: 2, x: 0.7, y: 0.1, aim: 0.009, health: 50, flags: 3, ack: 9 });
  assert.deepEqual(wirePlayers(chain), [
    [0, 940, 2025, -3000, 100, 3, 4],
    [1, 500, 500, 0, 0, 0, 0],
    [2, 7, 1, 9, 50, 3, 9],
  ]);
});

test("entities not listed in a DELTA keep their state; the ack is a difference after the flags", () => {
  const chain = shooterChain();
  const results = feed(chain, [
    keyframe(1, { players: [[0, 100, 100, 0, 100, 1, 0], [1, 500, 500, 0, 100, 1, 40]] }),
    delta(2, 1, { players: [[0, ACK, 1], [1, X | ACK, 13, 2]] }),
    delta(3, 2, { players: [[0, FLAGS | ACK, 5, 1]] }),
    delta(4, 3),
  ]);
  const acks = results.map(({ snapshot }) => [...snapshot.collections.players.values()].map((p) => p.ack));
  assert.deepEqual(acks, [[0, 40], [1, 42], [2, 42], [2, 42]]);
  assert.deepEqual(wirePlayers(chain), [
    [0, 100, 100, 0, 100, 5, 2],
    [1, 513, 500, 0, 100, 1, 42],
  ]);
  assert.equal(results[3].snapshot.collections.players.get(1).x, 51.3);
});

test("a DELTA adds a new entity against a base of zeros and removes a gone one by its id", () => {
  const chain = shooterChain();
  const [, { snapshot }] = feed(chain, [
    keyframe(1, { players: [[0, 100, 100, 0, 100, 1, 3], [1, 500, 500, 0, 100, 1, 0]] }),
    delta(2, 1, {
      players: [[1], [2, X | Y | HEALTH | FLAGS, 15000, 1000, 100, 3]],
      roster: [ADA, [1, "Bo", 0, 0, false], [2, "Cy", 0, 0, true]],
    }),
  ]);
  assert.deepEqual([...snapshot.collections.players.keys()], [0, 2]);
  assert.deepEqual(wirePlayers(chain), [
    [0, 100, 100, 0, 100, 1, 3],
    [2, 15000, 1000, 0, 100, 3, 0],
  ]);
  assert.deepEqual(snapshot.roster.map((entry) => [entry.name, entry.connected]), [
    ["Ada", true],
    ["Bo", false],
    ["Cy", true],
  ]);
});

test("projectiles: gone ones leave, the rest advance by their motion over the gap, new ones join", () => {
  const chain = shooterChain();
  feed(chain, [
    keyframe(100, {
      bullets: [[1, 1000, 1000, 350, 0, 0], [2, 2000, 2000, -100, 200, 1], [3, 0, 0, 10, 10, 0]],
    }),
  ]);
  feed(chain, [delta(101, 100, { gone: [3] })]);
  assert.deepEqual(wireBullets(chain), [
    [1, 1350, 1000, 350, 0, 0],
    [2, 1900, 2200, -100, 200, 1],
  ]);
  const [{ snapshot }] = feed(chain, [delta(104, 101, { newBullets: [[9, 40, 50, -5, 6, 1]], gone: [1] })]);
  assert.deepEqual(wireBullets(chain), [
    [2, 1600, 2800, -100, 200, 1],
    [9, 40, 50, -5, 6, 1],
  ]);
  assert.deepEqual([...snapshot.collections.bullets.values()], [
    { id: 2, x: 160, y: 280, dx: -10, dy: 20, owner: 1 },
    { id: 9, x: 4, y: 5, dx: -0.5, dy: 0.6, owner: 1 },
  ]);
  feed(chain, [delta(106, 104)]);
  assert.deepEqual(wireBullets(chain)[1], [9, 30, 62, -5, 6, 1], "a new one moves from its tick");
});

test("the roster is reported by KEYFRAMEs and by DELTAs that carry one, and kept otherwise", () => {
  const chain = shooterChain();
  const results = feed(chain, [
    keyframe(1, { roster: [ADA] }),
    delta(2, 1),
    delta(3, 2, { roster: [[0, "Ada", 1, 0, true], BO] }),
    delta(4, 3),
  ]);
  assert.deepEqual(results.map(({ snapshot }) => snapshot.roster?.length ?? null), [1, null, 2, null]);
  assert.deepEqual(chain.state.roster[0], [0, "Ada", 1, 0, true]);
  assert.equal(chain.state.roster.length, 2);
});

test("phase, time left, events and server time come from each frame; unknown events are left out", () => {
  const chain = shooterChain();
  const [, { snapshot }] = feed(chain, [
    keyframe(1, { phase: 1, msLeft: 3000, events: [[3, 0]] }),
    delta(2, 1, { phase: 2, msLeft: 180000, events: [[1, 0, 1], [2, 1, 0, 25], [42]] }),
  ]);
  assert.deepEqual([snapshot.phase, snapshot.phaseMsLeft, snapshot.serverMs], [2, 180000, T0 + 100]);
  assert.deepEqual(snapshot.events, [
    { kind: "kill", killer: 0, victim: 1 },
    { kind: "hit", shooter: 1, victim: 0, damage: 25 },
  ]);
});

test("the byte-for-byte examples of protocol 5.2 rebuild Ada and her bullet", () => {
  const bytes = (text) => new Uint8Array(text.trim().split(/\s+/).map((h) => parseInt(h, 16)));
  const frames = [
    `99 0b 01 cf 00 00 01 a2 12 19 a4 00 00 00
     91 97 00 cd 3a 98 cd 03 e8 00 64 03 00
     90
     91 92 03 00
     91 95 00 a3 41 64 61 00 00 c3`,
    `9b 0c 02 cf 00 00 01 a2 12 19 a4 32 01 00 00
     91 94 00 21 3c 01
     91 96 00 cd 3c e6 cd 03 e8 cd 01 5e 00 00
     90 90 c0`,
    `9b 0c 03 cf 00 00 01 a2 12 19 a4 64 02 00 00
     91 95 00 25 78 d1 fc 18 01
     90 90 90 c0`,
  ].map((text) => decode(bytes(text)));
  const chain = shooterChain();
  const results = feed(chain, frames);
  assert.ok(results.every(({ snapshot, resync }) => snapshot && !resync));
  assert.deepEqual(results[0].snapshot.events, [{ kind: "spawn", player: 0 }]);
  assert.deepEqual(results[0].snapshot.roster, [{ id: 0, name: "Ada", score: 0, deaths: 0, connected: true }]);
  assert.deepEqual(wirePlayers(chain), [[0, 15180, 1000, -1000, 100, 3, 2]]);
  assert.deepEqual(wireBullets(chain), [[0, 15940, 1000, 350, 0, 0]]);
  const ada = results[2].snapshot.collections.players.get(0);
  assert.deepEqual([ada.x, ada.aim, ada.ack], [1518, -1, 2]);
  const bullet = results[2].snapshot.collections.bullets.get(0);
  assert.deepEqual([bullet.x, bullet.y], [1594, 100]);
});

test("applyFrame leaves the base state alone and refuses any other base", () => {
  const base = applyFrame(SHOOTER, null, keyframe(7, { players: [[0, 1, 2, 3, 4, 1, 8]], bullets: [[1, 0, 0, 5, 5, 0]] }));
  const before = JSON.stringify(toKeyframe(base));
  const next = applyFrame(SHOOTER, base, delta(8, 7, { players: [[0, 63, 1, 1, 1, 1, 3, 2]] }));
  assert.equal(JSON.stringify(toKeyframe(base)), before);
  assert.deepEqual(sortedEntries(next.collections[0]), [[0, 2, 3, 4, 1, 3, 10]]);
  assert.throws(() => applyFrame(SHOOTER, base, delta(9, 8)), ChainBroken);
  assert.throws(() => applyFrame(SHOOTER, null, delta(9, 8)), ChainBroken);
  assert.throws(() => applyFrame(SHOOTER, base, delta(7, 7)), ChainBroken, "tick after base");
});

test("frames that do not fit the schema are refused", () => {
  const base = applyFrame(SHOOTER, null, keyframe(7, { players: [[0, 1, 2, 3, 4, 1, 8]] }));
  const bad = (frame) => assert.throws(() => applyFrame(SHOOTER, base, frame), ProtocolParseError);
  bad(delta(8, 7, { players: [[0, X | Y, 60]] })); // one value for two bits
  bad(delta(8, 7, { players: [[0, X, 60, 5]] })); // two values for one bit
  bad(delta(8, 7, { players: [[0, 64, 1]] })); // a bit the schema does not have
  bad(delta(8, 7, { players: [[0, -1]] }));
  bad(delta(8, 7, { players: [5] }));
  bad(delta(8, 7, { newBullets: [[1, 2, 3]] }));
  bad(delta(8, 7).slice(0, 10)); // one part short
  bad([SNAPSHOT, 8, T0, 2, 0, [[0, 1, 2]], [], [], []]); // a player without all its fields
  bad([SNAPSHOT, 8, T0, 2, 0, [], [], []]); // no roster
  bad([SNAPSHOT, 8, T0, 2, 0, [], [], [], null]);
  bad([DELTA, 8.5, T0, 7, 2, 0, [], [], [], [], null]);
});

test("a DELTA before any KEYFRAME asks for a RESYNC and shows nothing", () => {
  const chain = shooterChain();
  const [result] = feed(chain, [delta(5, 4)]);
  assert.deepEqual(result, { snapshot: null, resync: true });
  assert.equal(chain.tick, null);
  assert.equal(chain.waiting, true);
});

test("after a gap DELTAs are ignored until a KEYFRAME, and RESYNC is not spammed", () => {
  const chain = shooterChain();
  feed(chain, [keyframe(1, { players: [[0, 0, 0, 0, 100, 1, 0]] }), delta(2, 1)]);
  assert.equal(chain.tick, 2);

  const gap = chain.receive(delta(4, 3), 1000);
  assert.deepEqual(gap, { snapshot: null, resync: true });
  assert.equal(chain.tick, null, "the held state is given up");
  // Even a DELTA from the tick held before the gap is ignored now: the server's chain moved on.
  assert.deepEqual(chain.receive(delta(3, 2), 1050), IGNORED);
  assert.deepEqual(chain.receive(delta(5, 4), 1100), IGNORED);
  assert.deepEqual(chain.receive(delta(6, 5), 1000 + RESYNC_INTERVAL_MS - 1), IGNORED);
  assert.deepEqual(
    chain.receive(delta(7, 6), 1000 + RESYNC_INTERVAL_MS),
    { snapshot: null, resync: true },
    "asks again once the interval has passed",
  );
  assert.deepEqual(chain.receive(delta(8, 7), 1300), IGNORED);

  const { snapshot, resync } = chain.receive(keyframe(9, { players: [[0, 90, 0, 0, 100, 1, 0]] }), 1350);
  assert.equal(resync, false);
  assert.equal(snapshot.tick, 9);
  assert.equal(chain.waiting, false);
  const after = chain.receive(delta(10, 9, { players: [[0, X, 10]] }), 1400);
  assert.equal(after.snapshot.collections.players.get(0).x, 10);

  assert.deepEqual(chain.receive(delta(12, 11), 1450), IGNORED, "a new gap, 200 ms after the last RESYNC");
  assert.equal(chain.waiting, true);
  assert.equal(chain.receive(delta(13, 12), 1500).resync, true);
});

test("start() takes a new schema and forgets the state held (WELCOME again)", () => {
  const chain = shooterChain();
  feed(chain, [keyframe(50)]);
  chain.start(SHOOTER);
  assert.equal(chain.tick, null);
  assert.deepEqual(feed(chain, [delta(51, 50)])[0].resync, true, "the old chain does not go on");
  assert.equal(feed(chain, [keyframe(3)])[0].snapshot.tick, 3, "a lower tick starts the new chain");
});

test("globals: all of them in a KEYFRAME, in a DELTA all or nil (unchanged); lists stay lists", () => {
  const chain = new SnapshotChain();
  chain.start(CONNECT4);
  const board = new Array(42).fill(0);
  const roster = [[0, "Ada", 1, true], [1, "Bo", 2, true]];
  const [first] = feed(chain, [[SNAPSHOT, 10, T0, 2, 0, board, 0, 210, 0, [], roster]]);
  assert.deepEqual(first.snapshot.globals, { board, turn: 0, deadline: 210, moves: 0 });
  assert.deepEqual(first.snapshot.collections, {});
  assert.deepEqual(first.snapshot.roster[1], { id: 1, name: "Bo", disc: 2, connected: true });
  const dropped = [...board];
  dropped[3] = 1;
  const [moved, same] = feed(chain, [
    [DELTA, 14, T0 + 400, 10, 2, 0, [dropped, 1, 214, 1], [[1, 0, 3, 0]], null],
    [DELTA, 30, T0 + 2000, 14, 2, 0, null, [], null],
  ]);
  assert.equal(moved.snapshot.globals.board[3], 1);
  assert.deepEqual(moved.snapshot.events, [{ kind: "drop", player: 0, column: 3, row: 0 }]);
  assert.deepEqual(same.snapshot.globals, moved.snapshot.globals, "nil: as before");
  assert.deepEqual(toKeyframe(chain.state).slice(5, 9), [dropped, 1, 214, 1]);
});

test("team modes: the roster has the team after the name", () => {
  const chain = new SnapshotChain();
  chain.start(FOOTBALL, 2);
  const frame = [
    SNAPSHOT, 5, T0, 2, 100000, 1, 0, 0, 1,
    [[0, 3000, 3500, 0, 0, 4], [1, 9000, 3500, 3142, 4, 0]],
    [[0, 6000, 3500]],
    [[1, 0, 0]],
    [[0, "Ada", 0, 1, true], [1, "Bo", 1, 0, false]],
  ];
  const [{ snapshot }] = feed(chain, [frame]);
  assert.deepEqual(snapshot.globals, { score0: 1, score1: 0, paused: 0, kickoff_team: 1 });
  assert.deepEqual(snapshot.roster, [
    { id: 0, name: "Ada", team: 0, goals: 1, connected: true },
    { id: 1, name: "Bo", team: 1, goals: 0, connected: false },
  ]);
  assert.deepEqual(snapshot.collections.ball.get(0), { id: 0, x: 600, y: 350 });
  assert.deepEqual(snapshot.events, [{ kind: "goal", team: 0, scorer: 0 }]);
  assert.deepEqual(toKeyframe(chain.state), frame);
});

test("snapshotOf lists entities in id order", () => {
  const state = applyFrame(
    SHOOTER,
    null,
    keyframe(1, {
      players: [[2, 0, 0, 0, 1, 1, 0], [0, 0, 0, 0, 1, 1, 0]],
      bullets: [[8, 0, 0, 0, 0, 0], [3, 0, 0, 0, 0, 0]],
    }),
  );
  const snapshot = snapshotOf(SHOOTER, state);
  assert.deepEqual([...snapshot.collections.players.keys()], [0, 2]);
  assert.deepEqual([...snapshot.collections.bullets.keys()], [3, 8]);
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
 * Random full wire states of the shooter, tick after tick: players move, turn, die, join and
 * leave, their acknowledged input grows; bullets fly.
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
          roster.get(id)[3] += 1;
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
    for (const [id] of bullets) if (random() < 0.08) bullets.delete(id);
    const fired = int(0, 2);
    for (let i = 0; i < fired; i += 1) {
      bullets.set(nextBullet, {
        x0: int(0, 16000), y0: int(0, 9000), dx: int(-350, 350), dy: int(-350, 350),
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

/** The KEYFRAME of a full state, per protocol 5.2. */
function encodeKeyframe(full) {
  return [
    SNAPSHOT, full.tick, full.serverMs, full.phase, full.phaseMsLeft,
    sortedEntries(full.players), sortedEntries(full.bullets), full.events, full.roster,
  ];
}

/** The DELTA from full state `base` to full state `full`, as engine/codec.py encodes it. */
function encodeDelta(base, full) {
  const diff = SHOOTER.collections[0].fields.map((field) => field.delta === "diff");
  const changes = [];
  for (const [id, ...wire] of sortedEntries(full.players)) {
    const old = base.players.get(id) ?? [0, 0, 0, 0, 0, 0];
    let mask = 0;
    const values = [];
    for (let i = 0; i < 6; i += 1) {
      if (wire[i] === old[i]) continue;
      mask |= 1 << i;
      values.push(diff[i] ? wire[i] - old[i] : wire[i]);
    }
    if (mask) changes.push([id, mask, ...values]);
  }
  for (const id of base.players.keys()) if (!full.players.has(id)) changes.push([id]);
  const newBullets = sortedEntries(full.bullets).filter(([id]) => !base.bullets.has(id));
  const gone = [...base.bullets.keys()].filter((id) => !full.bullets.has(id));
  const roster = JSON.stringify(base.roster) === JSON.stringify(full.roster) ? null : full.roster;
  return [
    DELTA, full.tick, full.serverMs, base.tick, full.phase, full.phaseMsLeft,
    changes, newBullets, gone, full.events, roster,
  ];
}

/**
 * Runs one socket: the server sends each tick as a KEYFRAME or a DELTA from the last snapshot
 * it sent (skipping some ticks itself, as for a slow socket), the network loses some frames
 * without the server knowing, and the client's RESYNC reaches the server a few frames later.
 */
function simulate(seed, ticks) {
  const random = prng(seed);
  const chain = shooterChain();
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
    const needKeyframe = lastSent === null || full.tick - lastKeyframeTick >= 20;
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
    const { snapshot, resync } = chain.receive(message, nowMs);
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
    const expected = snapshotOf(SHOOTER, applyFrame(SHOOTER, null, encodeKeyframe(full)));
    expected.keyframe = type === SNAPSHOT;
    if (type === DELTA && frame[10] === null) expected.roster = null;
    assert.deepEqual(snapshot, expected, `seed ${seed}, tick ${full.tick}`);
    assert.deepEqual(toKeyframe(chain.state), encodeKeyframe(full));
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

test("randomized: without losses every frame applies, joins and leaves too, and no RESYNC is sent", () => {
  const random = prng(99);
  const match = randomMatch(random);
  const chain = shooterChain();
  let lastSent = null;
  for (let i = 0; i < 2000; i += 1) {
    const full = match.next().value;
    if (random() < 0.1) continue; // skipped by the server: the next DELTA spans the gap
    const frame = lastSent === null ? encodeKeyframe(full) : encodeDelta(lastSent, full);
    lastSent = full;
    const { message } = parseServerFrame(decode(encode(frame)));
    const { snapshot, resync } = chain.receive(message, full.tick * 50);
    assert.equal(resync, false);
    assert.deepEqual(toKeyframe(chain.state), encodeKeyframe(full));
    assert.equal(snapshot.tick, full.tick);
  }
});
