import assert from "node:assert/strict";
import test from "node:test";

import { ALL_BUTTONS, Button, EventKind, MAX_AIM_MRAD, PlayerFlag, isReconnecting, quantizeAim } from "./wire.js";

test("the buttons, events and flags are the engine's numbers", () => {
  assert.equal(Button.UP | Button.DOWN | Button.LEFT | Button.RIGHT | Button.KICK, ALL_BUTTONS);
  assert.deepEqual(EventKind, { GOAL: 1, KICK: 2, KICKOFF: 3 });
  assert.equal(PlayerFlag.RECONNECTING, 4);
});

test("aim is wrapped and clamped to [-3142, 3142] mrad, never a negative zero", () => {
  assert.equal(quantizeAim(Math.PI), MAX_AIM_MRAD);
  assert.equal(quantizeAim(-Math.PI), -MAX_AIM_MRAD);
  assert.equal(quantizeAim(2 * Math.PI + 0.5), 500);
  assert.equal(quantizeAim(Number.POSITIVE_INFINITY), 0);
  assert.ok(Object.is(quantizeAim(-0.0001), 0));
  for (let a = -10; a <= 10; a += 0.01) {
    const mrad = quantizeAim(a);
    assert.ok(Number.isInteger(mrad) && Math.abs(mrad) <= MAX_AIM_MRAD);
  }
});

test("flag 4 marks a player who waits for its connection", () => {
  assert.equal(isReconnecting({ flags: 4 }), true);
  assert.equal(isReconnecting({ flags: 3 }), false);
  assert.equal(isReconnecting(null), false);
});
