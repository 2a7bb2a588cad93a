import assert from "node:assert/strict";
import test from "node:test";

import { ServerClock, SnapshotBuffer, lerp, lerpAngle } from "./interpolation.js";

function player(id, x, y, { aim = 0, health = 100, flags = 1 } = {}) {
  return { id, x, y, aim, health, flags, alive: (flags & 1) !== 0, protected: (flags & 2) !== 0 };
}

function snap(tick, players, bullets = [], events = []) {
  return { tick, phase: 2, phaseMsLeft: 1000, players, bullets, events, roster: null };
}

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

test("midpoint between two snapshots", () => {
  const buffer = new SnapshotBuffer(20);
  buffer.push(snap(10, [player(1, 100, 200, { aim: 0 })], [{ id: 5, x: 0, y: 0, ownerId: 1 }]));
  buffer.push(snap(11, [player(1, 110, 180, { aim: 1 })], [{ id: 5, x: 40, y: 20, ownerId: 1 }]));
  const world = buffer.sample(525);
  assert.equal(world.tick, 10.5);
  close(world.players[0].x, 105);
  close(world.players[0].y, 190);
  close(world.players[0].aim, 0.5);
  close(world.bullets[0].x, 20);
  close(world.bullets[0].y, 10);
});

test("aim is interpolated along the short arc", () => {
  const buffer = new SnapshotBuffer(20);
  buffer.push(snap(0, [player(1, 0, 0, { aim: 3.0 })]));
  buffer.push(snap(1, [player(1, 0, 0, { aim: -3.0 })]));
  const aim = buffer.sample(25).players[0].aim;
  assert.ok(Math.abs(Math.abs(aim) - Math.PI) < 1e-6, `aim ${aim}`);
});

test("extrapolation beyond the newest snapshot is clamped", () => {
  const buffer = new SnapshotBuffer(20, { maxExtrapolationMs: 50 });
  buffer.push(snap(0, [player(1, 0, 0)], [{ id: 2, x: 0, y: 0, ownerId: 1 }]));
  buffer.push(snap(1, [player(1, 10, 0)], [{ id: 2, x: 50, y: 0, ownerId: 1 }]));
  const soon = buffer.sample(75);
  close(soon.players[0].x, 15);
  close(soon.bullets[0].x, 75);
  const late = buffer.sample(10000);
  close(late.players[0].x, 20, 1e-6);
  close(late.bullets[0].x, 100, 1e-6);
  assert.equal(buffer.size, 2, "the last two snapshots are kept for extrapolation");
});

test("before the oldest snapshot the oldest is shown", () => {
  const buffer = new SnapshotBuffer(20);
  buffer.push(snap(10, [player(1, 100, 0)]));
  buffer.push(snap(11, [player(1, 200, 0)]));
  assert.equal(buffer.sample(0).players[0].x, 100);
  assert.equal(buffer.sample(0).tick, 10);
});

test("a single snapshot is shown as it is", () => {
  const buffer = new SnapshotBuffer(20);
  assert.equal(buffer.sample(0), null);
  buffer.push(snap(3, [player(1, 7, 8)]));
  const world = buffer.sample(1000);
  assert.equal(world.players[0].x, 7);
  assert.equal(world.players[0].y, 8);
});

test("entities present in only one snapshot are shown as they are", () => {
  const buffer = new SnapshotBuffer(20);
  buffer.push(snap(0, [player(1, 0, 0), player(2, 50, 50)], [{ id: 9, x: 1, y: 1, ownerId: 1 }]));
  buffer.push(snap(1, [player(1, 10, 0), player(3, 70, 70)], [{ id: 10, x: 5, y: 5, ownerId: 1 }]));
  const world = buffer.sample(25);
  const byId = new Map(world.players.map((p) => [p.id, p]));
  close(byId.get(1).x, 5);
  assert.deepEqual([byId.get(2).x, byId.get(2).y], [50, 50]);
  assert.deepEqual([byId.get(3).x, byId.get(3).y], [70, 70]);
  const bullets = new Map(world.bullets.map((b) => [b.id, b]));
  assert.equal(bullets.get(9).x, 1);
  assert.equal(bullets.get(10).x, 5);

  const after = buffer.sample(60);
  assert.deepEqual(after.players.map((p) => p.id).sort(), [1, 3]);
  assert.deepEqual(after.bullets.map((b) => b.id), [10]);
});

test("a respawn is not interpolated across the arena", () => {
  const buffer = new SnapshotBuffer(20);
  buffer.push(snap(0, [player(1, 100, 100, { health: 0, flags: 0 })]));
  buffer.push(snap(1, [player(1, 1500, 800, { flags: 3 })], [], [{ kind: 3, playerId: 1 }]));
  const early = buffer.sample(10).players[0];
  assert.deepEqual([early.x, early.y, early.alive], [100, 100, false]);
  const late = buffer.sample(40).players[0];
  assert.deepEqual([late.x, late.y, late.alive], [1500, 800, true]);
});

test("discrete fields come from the nearer snapshot", () => {
  const buffer = new SnapshotBuffer(20);
  buffer.push(snap(0, [player(1, 0, 0, { health: 100 })]));
  buffer.push(snap(1, [player(1, 1, 0, { health: 75 })]));
  assert.equal(buffer.sample(20).players[0].health, 100);
  assert.equal(buffer.sample(30).players[0].health, 75);
});

test("the buffer keeps ticks ordered, ignores duplicates and trims old snapshots", () => {
  const buffer = new SnapshotBuffer(20);
  for (const tick of [3, 1, 2, 2, 5, 4]) buffer.push(snap(tick, [player(1, tick * 10, 0)]));
  assert.deepEqual(buffer.snapshots.map((s) => s.tick), [1, 2, 3, 4, 5]);
  const world = buffer.sample(3.5 * 50);
  close(world.players[0].x, 35);
  assert.deepEqual(buffer.snapshots.map((s) => s.tick), [3, 4, 5]);
  buffer.trim(1e9);
  assert.deepEqual(buffer.snapshots.map((s) => s.tick), [4, 5]);
});

test("the buffer is bounded by its capacity", () => {
  const buffer = new SnapshotBuffer(20, { capacity: 8 });
  for (let tick = 0; tick < 100; tick += 1) buffer.push(snap(tick, []));
  assert.equal(buffer.size, 8);
  assert.equal(buffer.snapshots[0].tick, 92);
  assert.equal(buffer.push(snap(10, [])), false, "too old to matter");
  assert.equal(buffer.latest.tick, 99);
});

test("a dropped snapshot is bridged by its neighbours", () => {
  const buffer = new SnapshotBuffer(20);
  buffer.push(snap(10, [player(1, 0, 0)]));
  buffer.push(snap(12, [player(1, 100, 0)]));
  close(buffer.sample(550).players[0].x, 50);
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
  const buffer = new SnapshotBuffer(1000 / tickMs);
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
    const x = world.players[0].x;
    if (previousX !== null && local > 3000) steps.push(x - previousX);
    previousX = x;
  }
  const expected = speed * (1000 / 60);
  for (const step of steps) {
    assert.ok(Math.abs(step - expected) <= expected * 0.06, `step ${step} vs ${expected}`);
  }
});
