import assert from "node:assert/strict";
import test from "node:test";

import { AIM_SCALE, MAX_AIM_MRAD, PlayerFlag, quantizeAim, shipFlags } from "./wire.js";

test("aim is wrapped and clamped to [-3142, 3142] mrad", () => {
  assert.equal(AIM_SCALE, 1000);
  assert.equal(quantizeAim(Math.PI), MAX_AIM_MRAD);
  assert.equal(quantizeAim(-Math.PI), -3142);
  assert.equal(quantizeAim(3.2), Math.round((3.2 - 2 * Math.PI) * 1000));
  assert.equal(quantizeAim(2 * Math.PI + 0.5), 500);
  assert.equal(quantizeAim(Number.NaN), 0);
  assert.ok(Object.is(quantizeAim(-0.0001), 0), "no negative zero on the wire");
  for (let a = -10; a <= 10; a += 0.01) {
    const mrad = quantizeAim(a);
    assert.ok(Number.isInteger(mrad) && mrad >= -3142 && mrad <= 3142);
  }
});

test("flag 4 marks a ship whose player's connection dropped and which waits for it", () => {
  assert.equal(PlayerFlag.RECONNECTING, 4);
  assert.deepEqual(shipFlags({ flags: PlayerFlag.ALIVE | PlayerFlag.RECONNECTING }), {
    alive: true, protected: false, reconnecting: true,
  });
  assert.deepEqual(shipFlags({ flags: PlayerFlag.RECONNECTING }), {
    alive: false, protected: false, reconnecting: true,
  });
  assert.deepEqual(shipFlags({ flags: 3 }), { alive: true, protected: true, reconnecting: false });
  assert.deepEqual(shipFlags(null), { alive: false, protected: false, reconnecting: false });
});
