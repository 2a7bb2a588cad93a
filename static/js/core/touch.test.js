import assert from "node:assert/strict";
import test from "node:test";

import {
  STICK_DEADZONE,
  isTouchDevice,
  stickDirections,
  stickBits,
  stickPushed,
  stickVector,
  touchLayout,
} from "./touch.js";

const close = (a, b) => Math.abs(a - b) < 1e-9;

test("a stick points from its base to the finger, within the unit circle", () => {
  const base = { x: 100, y: 100 };
  const right = stickVector(base, { x: 130, y: 100 }, 60);
  assert.ok(close(right.x, 0.5) && close(right.y, 0) && close(right.magnitude, 0.5));
  assert.ok(close(right.angle, 0));
  const far = stickVector(base, { x: 100, y: 400 }, 60);
  assert.ok(close(far.magnitude, 1) && close(far.y, 1), "beyond the rim it is pushed all the way");
  assert.ok(close(far.angle, Math.PI / 2), "down is π/2, as the games aim");
  assert.deepEqual(stickVector(base, base, 60), { x: 0, y: 0, magnitude: 0, angle: 0 });
});

test("a stick holds one direction straight on and two on a diagonal, none in its dead zone", () => {
  const base = { x: 0, y: 0 };
  const at = (x, y) => stickDirections(stickVector(base, { x, y }, 50));
  assert.deepEqual(at(50, 0), { up: false, down: false, left: false, right: true });
  assert.deepEqual(at(0, -50), { up: true, down: false, left: false, right: false });
  assert.deepEqual(at(-40, 40), { up: false, down: true, left: true, right: false });
  assert.deepEqual(at(40, 10), { up: false, down: false, left: false, right: true }, "14° is right");
  assert.deepEqual(at(5, 5), { up: false, down: false, left: false, right: false }, "dead zone");
  assert.deepEqual(stickDirections(null), { up: false, down: false, left: false, right: false });
  assert.equal(stickPushed(stickVector(base, { x: 50 * STICK_DEADZONE * 0.9, y: 0 }, 50)), false);
  assert.equal(stickPushed(stickVector(base, { x: 30, y: 0 }, 50)), true);
  assert.equal(stickPushed(null), false);
});

test("a stick holds the game's bits of the directions it points to", () => {
  const bits = { UP: 1, DOWN: 2, LEFT: 4, RIGHT: 8 };
  const base = { x: 0, y: 0 };
  assert.equal(stickBits(stickVector(base, { x: 40, y: -40 }, 50), bits), 1 | 8);
  assert.equal(stickBits(stickVector(base, { x: 0, y: 50 }, 50), bits), 2);
  assert.equal(stickBits(null, bits), 0);
});

test("a touch device has a coarse pointer, or touch points and no hover", () => {
  const env = (media, maxTouchPoints = 0) => ({
    matchMedia: (query) => ({ matches: Boolean(media[query]) }),
    navigator: { maxTouchPoints },
  });
  assert.equal(isTouchDevice(env({ "(pointer: coarse)": true }, 5)), true, "a phone");
  assert.equal(isTouchDevice(env({ "(hover: hover)": true }, 0)), false, "a desktop");
  assert.equal(isTouchDevice(env({ "(hover: hover)": true }, 10)), false, "a touch laptop");
  assert.equal(isTouchDevice(env({}, 5)), true, "touch points and no hover");
  assert.equal(isTouchDevice({}), false, "no window (node)");
});

test("a game's touch layout: sticks on their sides, buttons, help; junk dropped", () => {
  assert.equal(touchLayout(undefined), null);
  const layout = touchLayout({
    sticks: [{ name: "move", label: "Move" }, { name: "aim" }, { name: "third" }, { label: "x" }],
    buttons: [{ name: "kick", label: "Kick" }, { label: "nameless" }],
    help: ["Left stick to move"],
  });
  assert.deepEqual(layout, {
    sticks: [
      { name: "move", side: "left", label: "Move" },
      { name: "aim", side: "right", label: "" },
    ],
    buttons: [{ name: "kick", label: "Kick" }],
    help: ["Left stick to move"],
  });
  assert.deepEqual(touchLayout({ help: ["Tap a column"] }), {
    sticks: [],
    buttons: [],
    help: ["Tap a column"],
  });
});
