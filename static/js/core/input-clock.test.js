import assert from "node:assert/strict";
import test from "node:test";

import { INPUT_BUDGET, InputClock } from "./input-clock.js";

const UP = 1;
const DOWN = 2;
const LEFT = 4;
const RIGHT = 8;
const FIRE = 16;

/**
 * The core's tick with a game whose input is `buttons`, urgent while they differ from the last
 * ones sent (the shooter's rule): `poll(t, buttons)` gives the INPUT sent (`{seq, amends}`) or
 * null, `waitMs(t, buttons)` when to poll again.
 */
function driver(options) {
  const clock = new InputClock(20, options);
  let sent = null;
  return {
    clock,
    poll(t, buttons) {
      const input = clock.poll(t, buttons !== sent);
      if (input) sent = buttons;
      return input;
    },
    waitMs: (t, buttons) => clock.waitMs(t, buttons !== sent),
  };
}

test("the clock sends one INPUT per tick whatever the state, seq + 1 each", () => {
  const d = driver();
  assert.deepEqual(d.poll(0, 0), { seq: 1, amends: false });
  assert.equal(d.poll(10, 0), null);
  assert.equal(d.poll(49, 0), null, "nothing urgent waits for the tick");
  assert.equal(d.waitMs(20, 0), 30);
  assert.deepEqual(d.poll(50, 0), { seq: 2, amends: false });
  assert.deepEqual(d.poll(100, 0), { seq: 3, amends: false }, "sent again unchanged");
  assert.equal(d.poll(149, 0), null);
  assert.equal(d.poll(150, 0).seq, 4);
});

test("a returning player's INPUTs continue above the acknowledged seq", () => {
  const d = driver();
  d.clock.continueAfter(41);
  assert.equal(d.poll(0, 0).seq, 42);
  assert.equal(d.poll(50, 0).seq, 43);
});

test("the clock keeps its cadence when polled late, and restarts after a long stall", () => {
  const d = driver();
  d.poll(0, 0);
  assert.ok(d.poll(58, 0), "8 ms late");
  assert.equal(d.poll(99, 0), null);
  assert.ok(d.poll(100, 0), "back on the 50 ms grid");
  assert.ok(d.poll(400, 0), "a stall sends one frame, not the missed ones");
  assert.equal(d.poll(401, 0), null);
  assert.equal(d.waitMs(401, 0), 49);
  assert.equal(d.clock.seq, 4);
});

test("an urgent change early in a tick is sent at once and amends that tick", () => {
  const d = driver({ minGapMs: 10 });
  d.poll(0, 0);
  assert.equal(d.poll(5, RIGHT), null, "not within 10 ms of the last INPUT");
  assert.equal(d.waitMs(5, RIGHT), 5);
  assert.deepEqual(d.poll(12, RIGHT), { seq: 2, amends: true });
  assert.equal(d.poll(24, RIGHT | UP).amends, true, "amended again");
  assert.equal(d.poll(49, RIGHT | UP), null);
  assert.deepEqual(d.poll(50, RIGHT | UP), { seq: 4, amends: false }, "the tick after keeps the cadence");
});

test("an urgent change late in a tick starts the next tick at once; the ticks follow from there", () => {
  const d = driver({ minGapMs: 10 });
  d.poll(0, 0);
  assert.deepEqual(d.poll(30, RIGHT), { seq: 2, amends: false });
  assert.equal(d.poll(50, RIGHT), null, "the next tick is 50 ms after the change");
  assert.equal(d.waitMs(50, RIGHT), 30);
  assert.equal(d.poll(80, RIGHT).seq, 3);
  assert.deepEqual(d.poll(95, 0), { seq: 4, amends: true }, "releasing is a change too");
});

test("urgent changes spend the budget; regular ticks do not wait for it", () => {
  const d = driver({ rate: 25, burst: 3, minGapMs: 10 });
  const sent = [];
  for (let t = 0; t < 200; t += 10) {
    if (d.poll(t, (t / 10) % 2 ? UP : DOWN)) sent.push(t);
  }
  assert.deepEqual(sent.slice(0, 3), [0, 10, 20], "the burst goes at once");
  assert.ok(sent.length <= 3 + Math.ceil((200 * 25) / 1000) + 1, `sent at ${sent}`);
  for (let i = 1; i < sent.length; i += 1) {
    assert.ok(sent[i] - sent[i - 1] <= 50, "never more than a tick apart");
  }
});

test("the clock stays within the server's limit of 30 frames a second under any input", () => {
  const d = driver();
  let sent = 0;
  let buttons = 0;
  for (let t = 0; t < 10000; t += 2) {
    if (t % 6 === 0) buttons ^= FIRE; // a change every 6 ms
    if (d.poll(t, buttons)) sent += 1;
  }
  assert.ok(sent <= 10 * INPUT_BUDGET.rate + INPUT_BUDGET.burst, `sent ${sent} in 10 s`);
  assert.ok(sent >= 10 * 20, `sent ${sent} in 10 s`);
});

test("after slowDown only the regular ticks are sent", () => {
  const d = driver();
  d.poll(0, 0);
  d.clock.slowDown();
  assert.equal(d.poll(20, LEFT), null);
  assert.equal(d.waitMs(20, LEFT), 30);
  assert.ok(d.poll(50, LEFT));
});

test("reset restarts the sequence", () => {
  const d = driver();
  d.poll(0, 1);
  d.poll(100, 2);
  d.clock.reset();
  assert.equal(d.poll(110, 2).seq, 1);
});

test("a game with nothing to send lets a tick pass without an INPUT or a seq", () => {
  const clock = new InputClock(20);
  const due = clock.due(0);
  assert.deepEqual(due, { regular: true, amends: false });
  clock.idle(0, due);
  assert.equal(clock.seq, 0);
  assert.equal(clock.due(10), null, "the next tick is 50 ms later");
  assert.equal(clock.waitMs(10), 40);
  const urgent = clock.due(20, true);
  assert.deepEqual(urgent, { regular: false, amends: true });
  assert.equal(clock.commit(20, urgent), 1);
  assert.equal(clock.due(30, false), null);
});
