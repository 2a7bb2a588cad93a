import assert from "node:assert/strict";
import test from "node:test";

import { InputThrottle, aimAngle, buttonsFor } from "./input.js";
import { Button } from "./protocol.js";

test("keys map to button bits", () => {
  assert.equal(buttonsFor(new Set()), 0);
  assert.equal(buttonsFor(new Set(["KeyW", "KeyD"])), Button.UP | Button.RIGHT);
  assert.equal(buttonsFor(new Set(["ArrowDown", "ArrowLeft"])), Button.DOWN | Button.LEFT);
  assert.equal(buttonsFor(new Set(["Space"])), Button.FIRE);
  assert.equal(buttonsFor(new Set(["KeyW", "ArrowUp"])), Button.UP);
  assert.equal(buttonsFor(new Set(["KeyQ", "Enter"])), 0);
  assert.equal(buttonsFor(new Set(["KeyA"]), true), Button.LEFT | Button.FIRE);
  assert.equal(buttonsFor(["KeyW", "KeyS", "KeyA", "KeyD", "Space"]), 31);
});

test("aimAngle points from the player to the pointer", () => {
  assert.equal(aimAngle(0, 0, 10, 0), 0);
  assert.equal(aimAngle(0, 0, 0, 10), Math.PI / 2);
  assert.equal(aimAngle(0, 0, -10, 0), Math.PI);
  assert.equal(aimAngle(5, 5, 5, 0), -Math.PI / 2);
  assert.equal(aimAngle(5, 5, 5, 5, 1.25), 1.25);
});

test("throttle sends the first state and then only changes", () => {
  const throttle = new InputThrottle(33);
  assert.deepEqual(throttle.poll(0, 0, 0), [1, 1, 0, 0]);
  assert.equal(throttle.poll(100, 0, 0), null);
  assert.equal(throttle.poll(200, 0, 0.0001), null, "same quantized aim is not a change");
  assert.deepEqual(throttle.poll(300, Button.UP, 0), [1, 2, 1, 0]);
  assert.deepEqual(throttle.poll(400, Button.UP, 0.5), [1, 3, 1, 500]);
  assert.equal(throttle.pending, false);
});

test("throttle never sends faster than the interval and keeps the latest state", () => {
  const throttle = new InputThrottle(33);
  assert.ok(throttle.poll(1000, Button.UP, 0));
  assert.equal(throttle.poll(1010, Button.LEFT, 0), null);
  assert.equal(throttle.pending, true);
  assert.equal(throttle.retryInMs(1010), 23);
  assert.equal(throttle.poll(1020, Button.LEFT | Button.FIRE, 0.1), null);
  assert.deepEqual(throttle.poll(1033, Button.LEFT | Button.FIRE, 0.1), [1, 2, 20, 100]);
  assert.equal(throttle.pending, false);
  assert.equal(throttle.retryInMs(1040), 26);
});

test("throttle drops a pending change that was undone before it could be sent", () => {
  const throttle = new InputThrottle(33);
  throttle.poll(0, Button.UP, 0);
  assert.equal(throttle.poll(10, 0, 0), null);
  assert.equal(throttle.pending, true);
  assert.equal(throttle.poll(20, Button.UP, 0), null);
  assert.equal(throttle.pending, false);
});

test("throttle rate stays within 30 frames per second under constant change", () => {
  const throttle = new InputThrottle(33);
  let sent = 0;
  let last = -Infinity;
  for (let t = 0; t < 1000; t += 4) {
    const frame = throttle.poll(t, 0, t / 1000);
    if (frame) {
      assert.ok(t - last >= 33);
      last = t;
      sent += 1;
    }
  }
  assert.ok(sent <= 31, `sent ${sent}`);
  assert.ok(sent >= 25, `sent ${sent}`);
});

test("reset restarts the sequence", () => {
  const throttle = new InputThrottle(33);
  throttle.poll(0, 1, 0);
  throttle.poll(100, 2, 0);
  throttle.reset();
  assert.deepEqual(throttle.poll(110, 2, 0), [1, 1, 2, 0]);
});
