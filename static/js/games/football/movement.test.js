import assert from "node:assert/strict";
import test from "node:test";

import { DIRECTIONS, movementRules, stepMovement } from "./movement.js";
import { FOOTBALL_SCHEMA, welcomeFrame } from "../../core/fixtures.js";
import { parseWelcome } from "../../core/protocol.js";
import { Button } from "./wire.js";

const WELCOME = parseWelcome(welcomeFrame("football", FOOTBALL_SCHEMA));
const MOVEMENT = movementRules(WELCOME);
const { UP, DOWN, LEFT, RIGHT, KICK } = Button;
const AT_REST = Object.freeze({ x: 600, y: 350, vx: 0, vy: 0 });

function steps(state, buttons, count) {
  let next = state;
  for (let i = 0; i < count; i += 1) next = stepMovement(next, buttons, MOVEMENT);
  return next;
}

test("directions are the engine's unit vectors; opposite buttons cancel out", () => {
  const d = 1 / Math.hypot(1, 1);
  assert.deepEqual(DIRECTIONS[RIGHT], [1, 0]);
  assert.deepEqual(DIRECTIONS[UP | LEFT], [-d, -d]);
  assert.equal(DIRECTIONS[LEFT | RIGHT], null);
  assert.equal(DIRECTIONS[0], null);
  assert.equal(DIRECTIONS.length, 16);
});

test("movementRules takes the WELCOME's rules and pitch", () => {
  assert.equal(MOVEMENT.tickMs, 50);
  assert.equal(MOVEMENT.accelStep, 100);
  assert.equal(MOVEMENT.frictionStep, 80);
  assert.equal(MOVEMENT.maxSpeed, 240);
  assert.deepEqual([MOVEMENT.minX, MOVEMENT.maxX, MOVEMENT.minY, MOVEMENT.maxY], [16, 1184, 16, 684]);
});

test("a held direction accelerates up to top speed; kicking does not move", () => {
  assert.deepEqual(stepMovement(AT_REST, RIGHT | KICK, MOVEMENT), { x: 605, y: 350, vx: 100, vy: 0 });
  const three = steps(AT_REST, RIGHT, 3);
  assert.deepEqual([three.vx, three.vy], [240, 0], "capped at max_speed");
  assert.equal(three.x, 600 + 5 + 10 + 12);
  const diagonal = steps(AT_REST, DOWN | LEFT, 6);
  assert.ok(Math.abs(Math.hypot(diagonal.vx, diagonal.vy) - 240) < 1e-9);
  assert.deepEqual(stepMovement(AT_REST, KICK, MOVEMENT), AT_REST);
});

test("friction stops a player without a direction", () => {
  const running = { x: 600, y: 350, vx: 240, vy: 0 };
  assert.deepEqual(stepMovement(running, 0, MOVEMENT), { x: 608, y: 350, vx: 160, vy: 0 });
  const stopped = steps(running, LEFT | RIGHT, 4);
  assert.deepEqual([stopped.vx, stopped.vy], [0, 0]);
  assert.equal(stopped.x, 600 + 8 + 4, "160 then 80 units/s, then at rest");
});

test("the pitch's edges stop a player and its speed towards them", () => {
  assert.deepEqual(stepMovement({ x: 1180, y: 20, vx: 240, vy: -240 }, RIGHT | UP, MOVEMENT), {
    x: 1184,
    y: 16,
    vx: 0,
    vy: 0,
  });
  assert.equal(stepMovement({ x: 16, y: 350, vx: 0, vy: 0 }, RIGHT, MOVEMENT).vx, 100, "away from it");
  assert.equal(stepMovement({ x: 16, y: 684, vx: -50, vy: 90 }, 0, MOVEMENT).y, 684);
});
