import assert from "node:assert/strict";
import test from "node:test";

import {
  DIRECTIONS,
  MAX_PENDING,
  Predictor,
  SNAP_DISTANCE,
  circleRectPush,
  movementRules,
  stepMovement,
} from "./prediction.js";
import { InputClock } from "../../core/input-clock.js";
import { SHOOTER_SCHEMA, welcomeFrame } from "../../core/fixtures.js";
import { Phase, parseWelcome } from "../../core/protocol.js";
import { Button } from "./wire.js";

/** The WELCOME of a match with the engine's default rules (engine/games/shooter/rules.py). */
const WELCOME = parseWelcome(welcomeFrame("shooter", SHOOTER_SCHEMA));
const MOVEMENT = movementRules(WELCOME);
const { UP, DOWN, LEFT, RIGHT, FIRE } = Button;
const AT_REST = Object.freeze({ x: 100, y: 100, vx: 0, vy: 0 });
const ALIVE = 1;
const DEAD = 0;

/** The own ship of a snapshot as the core gives it to `reconcile` (decoded, world units). */
function ship(x, y, flags = ALIVE) {
  return { id: 0, x, y, aim: 0, health: flags ? 100 : 0, flags };
}

function steps(state, buttons, count) {
  let next = state;
  for (let i = 0; i < count; i += 1) next = stepMovement(next, buttons, MOVEMENT);
  return next;
}

function close(actual, expected, tolerance, message) {
  assert.ok(Math.abs(actual - expected) <= tolerance, `${message ?? ""} ${actual} vs ${expected}`);
}

test("directions are the engine's unit vectors; opposite buttons cancel out", () => {
  const d = 1 / Math.hypot(1, 1);
  assert.equal(d, 0.7071067811865475, "the same double as Python's 1 / math.hypot(1, 1)");
  assert.deepEqual(DIRECTIONS[RIGHT], [1, 0]);
  assert.deepEqual(DIRECTIONS[UP], [0, -1]);
  assert.deepEqual(DIRECTIONS[UP | RIGHT], [d, -d]);
  assert.deepEqual(DIRECTIONS[DOWN | LEFT], [-d, d]);
  assert.deepEqual(DIRECTIONS[UP | DOWN | RIGHT], [1, 0]);
  assert.equal(DIRECTIONS[0], null);
  assert.equal(DIRECTIONS[LEFT | RIGHT], null);
  assert.equal(DIRECTIONS[UP | DOWN | LEFT | RIGHT], null);
  assert.equal(DIRECTIONS.length, 16);
});

test("movementRules takes the WELCOME's rules (as the server sends them) and arena", () => {
  assert.equal(MOVEMENT.dt, 0.05);
  assert.equal(MOVEMENT.tickMs, 50);
  assert.equal(MOVEMENT.accelStep, 120);
  assert.equal(MOVEMENT.frictionStep, 90);
  assert.equal(MOVEMENT.maxSpeed, 260);
  assert.deepEqual([MOVEMENT.minX, MOVEMENT.maxX, MOVEMENT.minY, MOVEMENT.maxY], [18, 1582, 18, 882]);
  assert.deepEqual(MOVEMENT.walls[0], [300, 300, 340, 600]);
  assert.equal(MOVEMENT.walls.length, 5);
});

test("a held direction accelerates up to max speed; fire does not move", () => {
  const one = stepMovement(AT_REST, RIGHT | FIRE, MOVEMENT);
  assert.deepEqual(one, { x: 106, y: 100, vx: 120, vy: 0 }, "6.0 units in the first tick (protocol 5.2)");
  const three = steps(AT_REST, RIGHT, 3);
  assert.deepEqual([three.vx, three.vy], [260, 0], "capped at max_speed");
  assert.equal(three.x, 100 + 6 + 12 + 13);
  const diagonal = steps(AT_REST, DOWN | LEFT, 5);
  close(Math.hypot(diagonal.vx, diagonal.vy), 260, 1e-9);
  assert.equal(diagonal.vx, -diagonal.vy);
  assert.deepEqual(stepMovement(AT_REST, FIRE, MOVEMENT), AT_REST);
});

test("without a direction friction slows the ship down to a stop", () => {
  const moving = { x: 500, y: 500, vx: 260, vy: 0 };
  const one = stepMovement(moving, 0, MOVEMENT);
  assert.deepEqual([one.vx, one.vy], [170, 0]);
  const stopped = steps(moving, LEFT | RIGHT, 3);
  assert.deepEqual([stopped.vx, stopped.vy], [0, 0]);
  assert.equal(stopped.x, 500 + 8.5 + 4, "170 then 80 units/s, then at rest");
});

test("the arena edge stops the ship and its speed towards the edge", () => {
  const edge = steps({ x: 1575, y: 20, vx: 260, vy: -260 }, RIGHT | UP, 1);
  assert.deepEqual(edge, { x: 1582, y: 18, vx: 0, vy: 0 });
  const away = stepMovement({ x: 18, y: 400, vx: 0, vy: 0 }, RIGHT, MOVEMENT);
  assert.equal(away.vx, 120);
});

test("walls push the ship out and take the speed into them", () => {
  // the left pillar spans x 300..340, y 300..600; the ship comes from the left
  let state = { x: 270, y: 450, vx: 260, vy: 0 };
  state = steps(state, RIGHT, 4);
  assert.deepEqual(state, { x: 282, y: 450, vx: 0, vy: 0 });
  // sliding along the wall keeps the speed along it
  const slide = stepMovement({ x: 282, y: 450, vx: 200, vy: 200 }, RIGHT | DOWN, MOVEMENT);
  assert.equal(slide.x, 282);
  close(slide.vx, 0, 1e-9);
  close(slide.vy, 260 / Math.SQRT2, 1e-9);
});

test("circleRectPush leaves a rect through the nearest side", () => {
  assert.equal(circleRectPush(0, 0, 5, 10, 10, 20, 20), null);
  assert.deepEqual(circleRectPush(7, 15, 5, 10, 10, 20, 20), [-2, 0]);
  assert.deepEqual(circleRectPush(11, 15, 5, 10, 10, 20, 20), [-6, 0], "inside, left is nearest");
  assert.deepEqual(circleRectPush(15, 19, 5, 10, 10, 20, 20), [0, 6], "inside, bottom is nearest");
  const [px, py] = circleRectPush(7, 7, 5, 10, 10, 20, 20);
  close(px, -(5 - Math.SQRT2 * 3) / Math.SQRT2, 1e-12);
  close(py, px, 1e-12);
});

test("nothing is predicted before the first snapshot; inputs are kept for it", () => {
  const predictor = new Predictor(MOVEMENT);
  predictor.input(1, [RIGHT, 0], 0);
  predictor.input(2, [RIGHT, 0], 50);
  assert.equal(predictor.render(60), null);
  assert.equal(predictor.predicting, false);
  predictor.reconcile(ship(100, 100), 1, 100);
  assert.deepEqual(predictor.pending.map((entry) => entry.seq), [2]);
  assert.deepEqual(predictor.state, { x: 106, y: 100, vx: 120, vy: 0 }, "input 2 replayed");
  assert.deepEqual(predictor.render(100), { x: 106, y: 100 }, "shown at once");
});

test("an input moves the drawn ship at once, through the tick", () => {
  const predictor = new Predictor(MOVEMENT);
  predictor.reconcile(ship(100, 100), 0, 0);
  assert.deepEqual(predictor.render(10), { x: 100, y: 100 });
  predictor.input(1, [RIGHT, 0], 20);
  assert.deepEqual(predictor.render(20), { x: 100, y: 100 });
  assert.deepEqual(predictor.render(45), { x: 103, y: 100 }, "half way through the tick");
  assert.deepEqual(predictor.render(70), { x: 106, y: 100 });
  assert.deepEqual(predictor.render(500), { x: 106, y: 100 }, "no further without inputs");
});

test("a snapshot that agrees with the prediction changes nothing", () => {
  const predictor = new Predictor(MOVEMENT);
  predictor.reconcile(ship(100, 100), 0, 0);
  for (let seq = 1; seq <= 4; seq += 1) predictor.input(seq, [RIGHT, 0], seq * 50);
  const before = predictor.render(230);
  // the server applied input 2: 100 + 6 + 12
  predictor.reconcile(ship(118, 100), 2, 230);
  assert.deepEqual(predictor.pending.map((entry) => entry.seq), [3, 4]);
  assert.deepEqual(predictor.render(230), before);
  assert.deepEqual(predictor.offset, [0, 0]);
  assert.deepEqual(predictor.state, steps({ x: 100, y: 100, vx: 0, vy: 0 }, RIGHT, 4));
});

test("a small correction is smoothed out over about 100 ms", () => {
  const predictor = new Predictor(MOVEMENT);
  predictor.reconcile(ship(100, 100), 0, 0);
  predictor.input(1, [0, 0], 0);
  predictor.input(2, [0, 0], 50);
  const before = predictor.render(100);
  predictor.reconcile(ship(110, 96), 1, 100);
  assert.deepEqual(predictor.state, { x: 110, y: 96, vx: 0, vy: 0 });
  assert.deepEqual(predictor.render(100), before, "no jump when the correction arrives");
  const later = predictor.render(150);
  assert.ok(later.x > 100 && later.x < 110, `moving towards the server: ${later.x}`);
  const settled = predictor.render(200);
  close(settled.x, 110, 0.6);
  close(settled.y, 96, 0.3);
  close(predictor.render(500).x, 110, 1e-3);
});

test("a large correction or a respawn snaps", () => {
  const predictor = new Predictor(MOVEMENT);
  predictor.reconcile(ship(100, 100), 0, 0);
  predictor.input(1, [RIGHT, 0], 0);
  predictor.reconcile(ship(100 + SNAP_DISTANCE + 10, 100), 1, 60);
  assert.deepEqual(predictor.render(60), { x: 170, y: 100 });

  predictor.input(2, [RIGHT, 0], 100);
  predictor.reconcile(ship(1500, 800), 2, 150, { respawned: true });
  assert.deepEqual(predictor.render(150), { x: 1500, y: 800 });
  assert.deepEqual(predictor.state, { x: 1500, y: 800, vx: 0, vy: 0 }, "a new life starts at rest");
});

test("a dead player is not predicted; after the respawn the pending inputs are replayed", () => {
  const predictor = new Predictor(MOVEMENT);
  predictor.reconcile(ship(300, 200), 0, 0);
  predictor.input(1, [LEFT, 0], 0);
  predictor.reconcile(ship(300, 200, DEAD), 1, 40);
  assert.equal(predictor.predicting, false);
  assert.equal(predictor.render(40), null);
  predictor.input(2, [LEFT, 0], 50);
  predictor.input(3, [LEFT, 0], 100);
  assert.equal(predictor.render(120), null, "inputs do not move a dead ship");
  predictor.reconcile(ship(1500, 800), 2, 130, { respawned: true });
  assert.deepEqual(predictor.pending.map((entry) => entry.seq), [3]);
  assert.deepEqual(predictor.render(130), { x: 1494, y: 800 }, "input 3 replayed from the spawn");
});

test("nobody moves once the match is over", () => {
  const predictor = new Predictor(MOVEMENT);
  predictor.reconcile(ship(100, 100), 0, 0);
  predictor.input(1, [RIGHT, 0], 0);
  predictor.reconcile(ship(100, 100), 1, 50, { phase: Phase.ENDED });
  assert.equal(predictor.render(50), null);
  predictor.input(2, [RIGHT, 0], 50);
  assert.equal(predictor.state.x, 100);
});

test("an older ack is ignored and the pending list is bounded", () => {
  const predictor = new Predictor(MOVEMENT);
  predictor.reconcile(ship(100, 100), 5, 0);
  predictor.reconcile(ship(900, 100), 4, 10);
  assert.equal(predictor.state.x, 100);
  for (let seq = 6; seq < 6 + MAX_PENDING + 10; seq += 1) predictor.input(seq, [0, 0], seq);
  assert.equal(predictor.pending.length, MAX_PENDING);
  assert.equal(predictor.pending[0].seq, 16);
});

test("an INPUT that amends the previous one redoes that tick", () => {
  const predictor = new Predictor(MOVEMENT);
  predictor.reconcile(ship(100, 100), 0, 0);
  predictor.input(1, [0, 0], 0);
  predictor.input(2, [RIGHT, 0], 12, { amends: true });
  assert.deepEqual(predictor.state, { x: 106, y: 100, vx: 120, vy: 0 }, "one tick, to the right");
  assert.deepEqual(predictor.render(12), { x: 100, y: 100 }, "no jump");
  assert.ok(predictor.render(30).x > 100, "moving at once");
  predictor.input(3, [RIGHT, 0], 50);
  const twoTicks = steps(AT_REST, RIGHT, 2);
  assert.deepEqual(predictor.state, twoTicks);

  const merged = new Predictor(MOVEMENT);
  merged.reconcile(ship(100, 100), 0, 0);
  merged.input(1, [0, 0], 0);
  merged.input(2, [RIGHT, 0], 12, { amends: true });
  merged.input(3, [RIGHT, 0], 50);
  const before = merged.render(110);
  merged.reconcile(ship(106, 100), 2, 110);
  assert.deepEqual(merged.state, twoTicks, "the server applied only the newer INPUT of the tick");
  assert.deepEqual(merged.render(110), before);

  const apart = new Predictor(MOVEMENT);
  apart.reconcile(ship(100, 100), 0, 0);
  apart.input(1, [0, 0], 0);
  apart.input(2, [RIGHT, 0], 12, { amends: true });
  apart.input(3, [RIGHT, 0], 50);
  apart.reconcile(ship(100, 100), 1, 100);
  assert.deepEqual(apart.pending.map((entry) => [entry.seq, entry.amends]), [[2, false], [3, false]]);
  assert.deepEqual(apart.state, twoTicks, "the server applied both: input 2 is a tick of its own");
});

test("amending an INPUT the server already acknowledged is a tick of its own", () => {
  const predictor = new Predictor(MOVEMENT);
  predictor.reconcile(ship(100, 100), 0, 0);
  predictor.input(1, [RIGHT, 0], 0);
  predictor.reconcile(ship(106, 100), 1, 5);
  predictor.input(2, [RIGHT, 0], 10, { amends: true });
  assert.deepEqual(predictor.state, steps(AT_REST, RIGHT, 2));
});

// ---- a client and a simulated server 50 ms away: the engine applies the newest INPUT of a tick ----

function prng(seed) {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/**
 * Plays `durationMs` of a client whose InputClock polls every millisecond with `buttonsAt(t)`
 * (its ticks start at `phaseMs`), against a server 50 ms away each way (± `jitterMs`, in order as
 * over TCP) that ticks every 50 ms, applies the newest INPUT that arrived and publishes quantized
 * snapshots. Returns what was drawn each millisecond, the largest correction a snapshot caused,
 * the server's last state and the predictor.
 */
function play({ durationMs, buttonsAt, jitterMs = 0, seed = 1, phaseMs = 20, start = { x: 800, y: 300 } }) {
  const random = prng(seed);
  let lastUp = 0;
  let lastDown = 0;
  const up = (t) => (lastUp = Math.max(lastUp, t + 50 + (random() * 2 - 1) * jitterMs));
  const down = (t) => (lastDown = Math.max(lastDown, t + 50 + (random() * 2 - 1) * jitterMs));
  const clock = new InputClock(20);
  let lastSent = null;
  const predictor = new Predictor(MOVEMENT);
  let server = { ...start, vx: 0, vy: 0 };
  let serverAck = 0;
  let serverButtons = 0;
  const toServer = [];
  const toClient = [{ at: 0, x: start.x, y: start.y, ack: 0 }];
  const drawn = [];
  let largestCorrection = 0;
  for (let t = 0; t <= durationMs; t += 1) {
    if (t % 50 === 0) {
      while (toServer.length && toServer[0].at <= t) {
        const input = toServer.shift();
        serverAck = input.seq;
        serverButtons = input.buttons;
      }
      server = stepMovement(server, serverButtons, MOVEMENT);
      const quantize = (v) => Math.round(v * 10) / 10;
      toClient.push({ at: down(t), x: quantize(server.x), y: quantize(server.y), ack: serverAck });
    }
    while (toClient.length && toClient[0].at <= t) {
      const snapshot = toClient.shift();
      const before = predictor.predicting ? predictor.trueRender(t) : null;
      predictor.reconcile(ship(snapshot.x, snapshot.y), snapshot.ack, t);
      const after = predictor.trueRender(t);
      if (before) {
        const correction = Math.hypot(after.x - before.x, after.y - before.y);
        largestCorrection = Math.max(largestCorrection, correction);
      }
    }
    if (t >= phaseMs) {
      const buttons = buttonsAt(t);
      const input = clock.poll(t, buttons !== lastSent);
      if (input) {
        lastSent = buttons;
        predictor.input(input.seq, [buttons, 0], t, { amends: input.amends });
        toServer.push({ at: up(t), seq: input.seq, buttons });
      }
    }
    drawn.push(predictor.render(t));
  }
  return { drawn, largestCorrection, server, predictor };
}

function largestStep(drawn) {
  let largest = 0;
  for (let i = 1; i < drawn.length; i += 1) {
    if (drawn[i] && drawn[i - 1]) {
      largest = Math.max(largest, Math.hypot(drawn[i].x - drawn[i - 1].x, drawn[i].y - drawn[i - 1].y));
    }
  }
  return largest;
}

test("at 100 ms round trip the ship moves on the key press and ends where the server says", () => {
  for (const pressAt of [303, 317, 331, 332, 349]) {
    // the client ticks at 20 ms past each server tick; changes follow the press by 700 and 1000 ms
    const turnAt = pressAt + 700;
    const stopAt = pressAt + 1000;
    const { drawn, largestCorrection, server, predictor } = play({
      durationMs: 2500,
      buttonsAt: (t) => (t >= pressAt && t < turnAt ? RIGHT : t >= turnAt && t < stopAt ? DOWN | LEFT : 0),
    });
    assert.equal(drawn[pressAt - 1].x, 800, "nothing held yet");
    const moved = drawn.findIndex((p, t) => t >= pressAt && p.x > 800);
    assert.ok(moved - pressAt <= 11, `press at ${pressAt}: the ship moved ${moved - pressAt} ms later`);
    // at most 260 units/s, plus catching up when a change starts the next tick early
    assert.ok(largestStep(drawn) < 0.6, `smooth: ${largestStep(drawn)} units in a millisecond`);
    // Changes 12 ms into a tick amend it, and the server applies only the newer INPUT of the
    // two: nothing to correct but the rounding of positions to 0.1 (twice: before and after).
    // Otherwise the server may or may not have applied both: at most a tick's movement.
    const expected = pressAt === 332 ? 0.15 : 260 / 20 + 0.15;
    assert.ok(largestCorrection < expected, `press at ${pressAt}: corrected by ${largestCorrection}`);
    const last = drawn.at(-1);
    close(last.x, server.x, 0.06, "x");
    close(last.y, server.y, 0.06, "y");
    assert.deepEqual([predictor.state.vx, predictor.state.vy], [0, 0]);
    assert.ok(server.x > 900, `the server moved too: ${server.x}`);
  }
});

test("with jitter the server skips and repeats inputs: corrections stay small and smooth", () => {
  for (let seed = 1; seed <= 10; seed += 1) {
    const random = prng(seed * 7);
    const moves = [0, UP, DOWN, LEFT, RIGHT, UP | RIGHT];
    const plan = Array.from({ length: 60 }, () => moves[Math.floor(random() * moves.length)]);
    const { drawn, server } = play({
      durationMs: 4000,
      jitterMs: 15,
      seed,
      phaseMs: 1 + seed * 4,
      buttonsAt: (t) => (t < 3000 ? plan[Math.floor(t / 53)] : 0),
    });
    assert.ok(largestStep(drawn) < 1.5, `seed ${seed}: ${largestStep(drawn)} units in a millisecond`);
    const last = drawn.at(-1);
    close(last.x, server.x, 0.06, `seed ${seed} x`);
    close(last.y, server.y, 0.06, `seed ${seed} y`);
  }
});

test("reset(welcome) takes the rules of a WELCOME and forgets everything", () => {
  const predictor = new Predictor();
  predictor.input(1, [RIGHT, 0], 0);
  predictor.reconcile(ship(100, 100), 0, 0);
  assert.equal(predictor.render(0), null, "no rules yet: nothing predicted");
  predictor.reset(WELCOME);
  assert.equal(predictor.movement.maxSpeed, 260);
  predictor.reconcile(ship(100, 100), 0, 0);
  predictor.input(1, [RIGHT, 0], 0);
  assert.equal(predictor.debug().pending, 1);
  assert.deepEqual(predictor.debug().predicted, { x: 106, y: 100, vx: 120, vy: 0 });
  predictor.reset(WELCOME);
  assert.deepEqual(predictor.debug(), { predicted: null, pending: 0 });
});

test("a snapshot without the own ship stops predicting and keeps the ack", () => {
  const predictor = new Predictor(MOVEMENT);
  predictor.reconcile(ship(100, 100), 3, 0);
  predictor.reconcile(null, null, 50);
  assert.equal(predictor.predicting, false);
  assert.equal(predictor.ack, 3);
});
