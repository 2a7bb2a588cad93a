import assert from "node:assert/strict";
import test from "node:test";

import { SHOOTER_SCHEMA } from "./fixtures.js";
import {
  MAX_VIEW_DELAY_MS,
  ServerClock,
  SnapshotBuffer,
  lerp,
  lerpAngle,
  viewStamp,
  wrapAngle,
} from "./interpolation.js";
import { parseSchema } from "./schema.js";

/** A shooter-like schema in whole units: ships (x, y, aim interpolated) and straight bullets. */
const SCHEMA = parseSchema({
  globals: [
    { name: "ball", low: 0, high: 100, lerp: true },
    { name: "score", low: 0, high: 9 },
  ],
  collections: [
    {
      name: "players",
      avatars: true,
      fields: [
        { name: "x", low: 0, high: 2000, lerp: true, delta: "diff" },
        { name: "y", low: 0, high: 2000, lerp: true, delta: "diff" },
        { name: "aim", low: -3142, high: 3142, kind: "angle", lerp: true },
        { name: "health", low: 0, high: 100 },
        { name: "flags", low: 0, high: 7, kind: "flags" },
      ],
    },
    {
      name: "bullets",
      kind: "projectiles",
      motion: ["x", "y", "dx", "dy"],
      fields: [
        { name: "x", low: -100, high: 2100 },
        { name: "y", low: -100, high: 2100 },
        { name: "dx", low: -100, high: 100 },
        { name: "dy", low: -100, high: 100 },
        { name: "owner", low: 0, high: 255 },
      ],
    },
  ],
});

function player(id, x, y, { aim = 0, health = 100, flags = 1 } = {}) {
  return [id, { id, x, y, aim, health, flags }];
}

function bullet(id, x, y, dx = 0, dy = 0) {
  return [id, { id, x, y, dx, dy, owner: 1 }];
}

function snap(tick, players, bullets = [], events = [], globals = { ball: 0, score: 0 }) {
  return {
    tick,
    serverMs: 1000 + tick * 50,
    phase: 2,
    phaseMsLeft: 1000,
    globals,
    collections: { players: new Map(players), bullets: new Map(bullets) },
    events,
    roster: null,
  };
}

const buffer20 = (options) => new SnapshotBuffer(SCHEMA, 20, options);
const players = (world) => [...world.collections.players.values()];
const bullets = (world) => [...world.collections.bullets.values()];
const one = (world) => players(world)[0];

const close = (actual, expected, eps = 1e-9) =>
  assert.ok(Math.abs(actual - expected) < eps, `${actual} ≉ ${expected}`);

test("lerp and lerpAngle", () => {
  assert.equal(lerp(0, 10, 0.25), 2.5);
  close(lerpAngle(0, 1, 0.5), 0.5);
  close(lerpAngle(3, -3, 0.5), Math.PI, 1e-6);
  const a = 3.0;
  const b = -3.0;
  const mid = lerpAngle(a, b, 0.5);
  assert.ok(Math.abs(Math.abs(mid) - Math.PI) < 1e-6, "goes through π, not through 0");
  close(lerpAngle(-3.1, 3.1, 0.25), wrap(-3.1 - 0.25 * (2 * Math.PI - 6.2)));
});

function wrap(a) {
  return Math.atan2(Math.sin(a), Math.cos(a));
}

test("wrapAngle keeps angles in (-π, π]", () => {
  close(wrapAngle(3 * Math.PI / 2), -Math.PI / 2, 1e-12);
  close(wrapAngle(-0.5), -0.5, 1e-12);
});

test("midpoint between two snapshots: lerp fields blend, projectiles move by their motion", () => {
  const buffer = buffer20();
  buffer.push(snap(10, [player(1, 100, 200, { aim: 0 })], [bullet(5, 0, 0, 40, 20)], [], { ball: 10, score: 1 }));
  buffer.push(snap(11, [player(1, 110, 180, { aim: 1 })], [bullet(5, 40, 20, 40, 20)], [], { ball: 20, score: 2 }));
  const world = buffer.sample(525);
  assert.equal(world.tick, 10.5);
  close(one(world).x, 105);
  close(one(world).y, 190);
  close(one(world).aim, 0.5);
  assert.equal(one(world).id, 1);
  close(bullets(world)[0].x, 20);
  close(bullets(world)[0].y, 10);
  close(world.globals.ball, 15);
  assert.equal(world.globals.score, 2, "a discrete global from the nearer snapshot");
  assert.deepEqual([world.phase, world.phaseMsLeft], [2, 1000]);
});

test("aim is interpolated along the short arc", () => {
  const buffer = buffer20();
  buffer.push(snap(0, [player(1, 0, 0, { aim: 3.0 })]));
  buffer.push(snap(1, [player(1, 0, 0, { aim: -3.0 })]));
  const aim = one(buffer.sample(25)).aim;
  assert.ok(Math.abs(Math.abs(aim) - Math.PI) < 1e-6, `aim ${aim}`);
});

test("extrapolation beyond the newest snapshot is clamped; angles are not extrapolated", () => {
  const buffer = buffer20({ maxExtrapolationMs: 50 });
  buffer.push(snap(0, [player(1, 0, 0, { aim: 0 })], [bullet(2, 0, 0, 50, 0)]));
  buffer.push(snap(1, [player(1, 10, 0, { aim: 1 })], [bullet(2, 50, 0, 50, 0)]));
  const soon = buffer.sample(75);
  close(one(soon).x, 15);
  close(one(soon).aim, 1);
  close(bullets(soon)[0].x, 75);
  const late = buffer.sample(10000);
  close(one(late).x, 20, 1e-6);
  close(bullets(late)[0].x, 100, 1e-6);
  assert.equal(buffer.size, 2, "the last two snapshots are kept for extrapolation");
});

test("before the oldest snapshot the oldest is shown", () => {
  const buffer = buffer20();
  buffer.push(snap(10, [player(1, 100, 0)]));
  buffer.push(snap(11, [player(1, 200, 0)]));
  assert.equal(one(buffer.sample(0)).x, 100);
  assert.equal(buffer.sample(0).tick, 10);
});

test("a single snapshot is shown as it is", () => {
  const buffer = buffer20();
  assert.equal(buffer.sample(0), null);
  buffer.push(snap(3, [player(1, 7, 8)], [bullet(4, 1, 1, 2, 2)]));
  const world = buffer.sample(1000);
  assert.equal(one(world).x, 7);
  assert.equal(one(world).y, 8);
  assert.deepEqual([bullets(world)[0].x, bullets(world)[0].y], [1, 1]);
});

test("entities present in only one snapshot are shown as they are", () => {
  const buffer = buffer20();
  buffer.push(snap(0, [player(1, 0, 0), player(2, 50, 50)], [bullet(9, 1, 1)]));
  buffer.push(snap(1, [player(1, 10, 0), player(3, 70, 70)], [bullet(10, 5, 5, 4, 0)]));
  const world = buffer.sample(25);
  const byId = world.collections.players;
  close(byId.get(1).x, 5);
  assert.deepEqual([byId.get(2).x, byId.get(2).y], [50, 50]);
  assert.deepEqual([byId.get(3).x, byId.get(3).y], [70, 70]);
  const shots = world.collections.bullets;
  assert.equal(shots.get(9).x, 1);
  assert.equal(shots.get(10).x, 5, "a new projectile is not moved back before it appeared");

  const after = buffer.sample(60);
  assert.deepEqual([...after.collections.players.keys()].sort(), [1, 3]);
  assert.deepEqual([...after.collections.bullets.keys()], [10]);
  close(after.collections.bullets.get(10).x, 5.8);
});

test("an entity the game says jumped is not interpolated across the field", () => {
  const buffer = buffer20();
  buffer.push(snap(0, [player(1, 100, 100, { health: 0, flags: 0 }), player(2, 0, 0)]));
  buffer.push(
    snap(1, [player(1, 1500, 800, { flags: 3 }), player(2, 10, 0)], [], [{ kind: "spawn", player: 1 }]),
  );
  const seen = [];
  const jumped = (collection, before, after, snapshot) => {
    seen.push([collection, before.id, after.id, snapshot.tick]);
    return snapshot.events.some((e) => e.kind === "spawn" && e.player === after.id);
  };
  const early = buffer.sample(10, { jumped });
  assert.deepEqual([early.collections.players.get(1).x, early.collections.players.get(1).flags], [100, 0]);
  close(early.collections.players.get(2).x, 2);
  const late = buffer.sample(40, { jumped });
  assert.deepEqual([late.collections.players.get(1).x, late.collections.players.get(1).flags], [1500, 3]);
  assert.deepEqual(seen.slice(0, 2), [["players", 1, 1, 1], ["players", 2, 2, 1]], "asked per entity");
});

test("discrete fields come from the nearer snapshot", () => {
  const buffer = buffer20();
  buffer.push(snap(0, [player(1, 0, 0, { health: 100 })]));
  buffer.push(snap(1, [player(1, 1, 0, { health: 75 })]));
  assert.equal(one(buffer.sample(20)).health, 100);
  assert.equal(one(buffer.sample(30)).health, 75);
});

test("the world carries the newer snapshot's events", () => {
  const buffer = buffer20();
  buffer.push(snap(0, [], [], [{ kind: "spawn", player: 1 }]));
  buffer.push(snap(1, [], [], [{ kind: "kill", killer: 1, victim: 2 }]));
  assert.deepEqual(buffer.sample(20).events, [{ kind: "kill", killer: 1, victim: 2 }]);
});

test("the buffer keeps ticks ordered, ignores duplicates and trims old snapshots", () => {
  const buffer = buffer20();
  for (const tick of [3, 1, 2, 2, 5, 4]) buffer.push(snap(tick, [player(1, tick * 10, 0)]));
  assert.deepEqual(buffer.snapshots.map((s) => s.tick), [1, 2, 3, 4, 5]);
  const world = buffer.sample(3.5 * 50);
  close(one(world).x, 35);
  assert.deepEqual(buffer.snapshots.map((s) => s.tick), [3, 4, 5]);
  buffer.trim(1e9);
  assert.deepEqual(buffer.snapshots.map((s) => s.tick), [4, 5]);
});

test("the buffer is bounded by its capacity", () => {
  const buffer = buffer20({ capacity: 8 });
  for (let tick = 0; tick < 100; tick += 1) buffer.push(snap(tick, []));
  assert.equal(buffer.size, 8);
  assert.equal(buffer.snapshots[0].tick, 92);
  assert.equal(buffer.push(snap(10, [])), false, "too old to matter");
  assert.equal(buffer.latest.tick, 99);
});

test("a dropped snapshot is bridged by its neighbours", () => {
  const buffer = buffer20();
  buffer.push(snap(10, [player(1, 0, 0)]));
  buffer.push(snap(12, [player(1, 100, 0)]));
  close(one(buffer.sample(550)).x, 50);
});

test("a schema's scales are honoured for projectiles whose motion is in other units", () => {
  const shooter = parseSchema(SHOOTER_SCHEMA);
  const buffer = new SnapshotBuffer(shooter, 20);
  const shot = (tick, x) => ({
    ...snap(tick, []),
    collections: { players: new Map(), bullets: new Map([[1, { id: 1, x, y: 0, dx: 35, dy: 0, owner: 0 }]]) },
  });
  buffer.push(shot(1, 100));
  buffer.push(shot(2, 135));
  close(buffer.sample(75).collections.bullets.get(1).x, 117.5);
});

test("clock aligns tick time to the earliest arrival", () => {
  const clock = new ServerClock(50);
  assert.equal(clock.ready, false);
  clock.observe(100, 10000);
  assert.equal(clock.ready, true);
  assert.equal(clock.serverTime(10000), 5000);
  assert.equal(clock.serverTime(10020), 5020);
});

test("clock ignores late packets (jitter) and stays smooth", () => {
  const clock = new ServerClock(50);
  const jitter = [0, 30, 5, 45, 12, 0, 38, 20, 3, 41];
  const arrivals = Array.from({ length: 200 }, (_, i) => 1000 + i * 50 + jitter[i % jitter.length]);
  let next = 0;
  let previous = -Infinity;
  for (let local = 1000; local < 1000 + 200 * 50; local += 16) {
    while (next < arrivals.length && arrivals[next] <= local) {
      clock.observe(next, arrivals[next]);
      next += 1;
    }
    const server = clock.serverTime(local);
    assert.ok(server >= previous, "server time never goes backwards");
    assert.ok(server - previous <= 16 * 1.05 + 1e-9 || previous === -Infinity, "no jumps");
    previous = server;
  }
  close(clock.serverTime(1000 + 200 * 50), 200 * 50, 1e-6);
});

test("clock slews towards a faster path instead of jumping", () => {
  const clock = new ServerClock(50, { maxSlew: 0.05 });
  for (let i = 0; i < 10; i += 1) clock.observe(i, 1000 + i * 50);
  clock.serverTime(1450);
  clock.observe(10, 1480);
  const before = clock.serverTime(1480);
  const after = clock.serverTime(1496);
  assert.ok(after - before <= 16 * 1.05 + 1e-9, "advances at most 5% faster than real time");
  assert.ok(after - before > 16, "but does catch up");
  for (let t = 1496; t < 3000; t += 16) clock.serverTime(t);
  close(clock.serverTime(3000), 3000 - 980, 1e-6);
});

test("clock adapts when the path gets slower", () => {
  const clock = new ServerClock(50, { windowSize: 20 });
  for (let i = 0; i < 20; i += 1) clock.observe(i, 1000 + i * 50);
  for (let i = 20; i < 80; i += 1) {
    clock.observe(i, 1080 + i * 50);
    clock.serverTime(1080 + i * 50);
  }
  close(clock.serverTime(1080 + 80 * 50), 80 * 50, 1e-6);
});

test("clock snaps after a long stall", () => {
  const clock = new ServerClock(50, { windowSize: 4, snapThresholdMs: 500 });
  for (let i = 0; i < 4; i += 1) clock.observe(i, 1000 + i * 50);
  for (let i = 4; i < 8; i += 1) clock.observe(i, 5000 + i * 50);
  assert.equal(clock.serverTime(5000 + 8 * 50), 8 * 50);
});

test("constant motion renders smoothly despite arrival jitter", () => {
  const tickMs = 50;
  const speed = 0.3;
  const buffer = new SnapshotBuffer(SCHEMA, 1000 / tickMs);
  const clock = new ServerClock(tickMs);
  let seed = 7;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const latency = 40;
  const arrivals = Array.from({ length: 400 }, (_, tick) => ({
    tick,
    at: 1000 + tick * tickMs + latency + random() * 45,
  })).sort((a, b) => a.at - b.at);
  let next = 0;
  let previousX = null;
  const steps = [];
  for (let local = 1000; local < 1000 + 390 * tickMs; local += 1000 / 60) {
    while (next < arrivals.length && arrivals[next].at <= local) {
      const { tick, at } = arrivals[next];
      buffer.push(snap(tick, [player(1, tick * tickMs * speed, 0)]));
      clock.observe(tick, at);
      next += 1;
    }
    if (!clock.ready) continue;
    const world = buffer.sample(clock.serverTime(local) - 100);
    const x = one(world).x;
    if (previousX !== null && local > 3000) steps.push(x - previousX);
    previousX = x;
  }
  const expected = speed * (1000 / 60);
  for (const step of steps) {
    assert.ok(Math.abs(step - expected) <= expected * 0.06, `step ${step} vs ${expected}`);
  }
});

test("a view stamp is the newest tick and how far behind its time the frame was drawn", () => {
  assert.deepEqual(viewStamp(40, 40 * 50 - 137.4, 50), { tick: 40, delayMs: 137 });
  assert.deepEqual(viewStamp(40, 40 * 50 + 20, 50), { tick: 40, delayMs: 0 }, "extrapolated");
  assert.deepEqual(viewStamp(40, 0, 50), { tick: 40, delayMs: MAX_VIEW_DELAY_MS }, "capped");
  assert.equal(viewStamp(0, 0, 50), null, "no snapshot yet");
  assert.equal(viewStamp(3, Number.NaN, 50), null, "nothing drawn");
});
