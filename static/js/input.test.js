import assert from "node:assert/strict";
import test from "node:test";

import { INPUT_BUDGET, InputClock, aimAngle, buttonsFor } from "./input.js";
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

test("the clock sends one INPUT per tick whatever the state, seq + 1 each", () => {
  const clock = new InputClock(20);
  assert.deepEqual(clock.poll(0, 0, 0), {
    seq: 1, buttons: 0, aim: 0, frame: [1, 1, 0, 0], amends: false,
  });
  assert.equal(clock.poll(10, 0, 0), null);
  assert.equal(clock.poll(49, 0, 0.5), null, "an aim change waits for the tick");
  assert.equal(clock.waitMs(20, 0), 30);
  assert.deepEqual(clock.poll(50, 0, 0.5).frame, [1, 2, 0, 500]);
  assert.deepEqual(clock.poll(100, 0, 0.5).frame, [1, 3, 0, 500], "sent again unchanged");
  assert.equal(clock.poll(149, 0, 0.5), null);
  assert.equal(clock.poll(150, 0, 0.5).seq, 4);
});

test("a returning player's INPUTs continue above the acknowledged seq", () => {
  const clock = new InputClock(20);
  clock.continueAfter(41);
  assert.equal(clock.poll(0, 0, 0).seq, 42);
  assert.equal(clock.poll(50, 0, 0).seq, 43);
});

test("the clock keeps its cadence when polled late, and restarts after a long stall", () => {
  const clock = new InputClock(20);
  clock.poll(0, 0, 0);
  assert.ok(clock.poll(58, 0, 0), "8 ms late");
  assert.equal(clock.poll(99, 0, 0), null);
  assert.ok(clock.poll(100, 0, 0), "back on the 50 ms grid");
  assert.ok(clock.poll(400, 0, 0), "a stall sends one frame, not the missed ones");
  assert.equal(clock.poll(401, 0, 0), null);
  assert.equal(clock.waitMs(401, 0), 49);
  assert.equal(clock.seq, 4);
});

test("a button change early in a tick is sent at once and amends that tick", () => {
  const clock = new InputClock(20, { minGapMs: 10 });
  clock.poll(0, 0, 0);
  assert.equal(clock.poll(5, Button.RIGHT, 0), null, "not within 10 ms of the last INPUT");
  assert.equal(clock.waitMs(5, Button.RIGHT), 5);
  const change = clock.poll(12, Button.RIGHT, 0);
  assert.deepEqual(change.frame, [1, 2, Button.RIGHT, 0]);
  assert.equal(change.amends, true);
  assert.equal(clock.poll(24, Button.RIGHT | Button.UP, 0).amends, true, "amended again");
  assert.equal(clock.poll(49, Button.RIGHT | Button.UP, 0), null);
  const next = clock.poll(50, Button.RIGHT | Button.UP, 0);
  assert.deepEqual([next.seq, next.amends], [4, false], "the tick after keeps the cadence");
});

test("a button change late in a tick starts the next tick at once; the ticks follow from there", () => {
  const clock = new InputClock(20, { minGapMs: 10 });
  clock.poll(0, 0, 0);
  const change = clock.poll(30, Button.RIGHT, 0);
  assert.deepEqual([change.seq, change.amends], [2, false]);
  assert.equal(clock.poll(50, Button.RIGHT, 0), null, "the next tick is 50 ms after the change");
  assert.equal(clock.waitMs(50, Button.RIGHT), 30);
  assert.equal(clock.poll(80, Button.RIGHT, 0).seq, 3);
  const release = clock.poll(95, 0, 0);
  assert.deepEqual([release.seq, release.amends], [4, true], "releasing is a change too");
});

test("button changes spend the budget; regular ticks do not wait for it", () => {
  const clock = new InputClock(20, { rate: 25, burst: 3, minGapMs: 10 });
  const sent = [];
  for (let t = 0; t < 200; t += 10) {
    const input = clock.poll(t, (t / 10) % 2 ? Button.UP : Button.DOWN, 0);
    if (input) sent.push(t);
  }
  assert.deepEqual(sent.slice(0, 3), [0, 10, 20], "the burst goes at once");
  assert.ok(sent.length <= 3 + Math.ceil((200 * 25) / 1000) + 1, `sent at ${sent}`);
  for (let i = 1; i < sent.length; i += 1) {
    assert.ok(sent[i] - sent[i - 1] <= 50, "never more than a tick apart");
  }
});

test("the clock stays within the server's limit of 30 frames a second under any input", () => {
  const clock = new InputClock(20);
  let sent = 0;
  let buttons = 0;
  for (let t = 0; t < 10000; t += 2) {
    if (t % 6 === 0) buttons ^= Button.FIRE; // a change every 6 ms
    if (clock.poll(t, buttons, 0)) sent += 1;
  }
  assert.ok(sent <= 10 * INPUT_BUDGET.rate + INPUT_BUDGET.burst, `sent ${sent} in 10 s`);
  assert.ok(sent >= 10 * 20, `sent ${sent} in 10 s`);
});

test("after slowDown only the regular ticks are sent", () => {
  const clock = new InputClock(20);
  clock.poll(0, 0, 0);
  clock.slowDown();
  assert.equal(clock.poll(20, Button.LEFT, 0), null);
  assert.equal(clock.waitMs(20, Button.LEFT), 30);
  assert.equal(clock.poll(50, Button.LEFT, 0).buttons, Button.LEFT);
});

test("reset restarts the sequence", () => {
  const clock = new InputClock(20);
  clock.poll(0, 1, 0);
  clock.poll(100, 2, 0);
  clock.reset();
  assert.deepEqual(clock.poll(110, 2, 0).frame, [1, 1, 2, 0]);
});
