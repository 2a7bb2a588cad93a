import assert from "node:assert/strict";
import test from "node:test";

import { Controls, KICK_HOLD_MS, TOUCH, aimAngle, buttonsFor } from "./input.js";
import { stickVector, touchLayout } from "../../core/touch.js";
import { InputClock } from "../../core/input-clock.js";
import { Button } from "./wire.js";

const { UP, DOWN, LEFT, RIGHT, KICK } = Button;

function enabledControls() {
  const controls = new Controls();
  controls.enabled = true;
  return controls;
}

test("keys map to button bits as the shooter's do, Space kicks", () => {
  assert.equal(buttonsFor(new Set()), 0);
  assert.equal(buttonsFor(new Set(["KeyW", "KeyD"])), UP | RIGHT);
  assert.equal(buttonsFor(new Set(["ArrowDown", "ArrowLeft"])), DOWN | LEFT);
  assert.equal(buttonsFor(new Set(["Space"])), KICK);
  assert.equal(buttonsFor(new Set(["KeyQ"]), true), KICK, "the pointer button kicks");
  assert.equal(buttonsFor(["KeyW", "KeyS", "KeyA", "KeyD", "Space"]), 31);
});

test("the aim points from the own player on screen to the pointer, kept without either", () => {
  assert.equal(aimAngle(0, 0, 0, 10), Math.PI / 2);
  assert.equal(aimAngle(3, 3, 3, 3, 0.5), 0.5);
  const controls = enabledControls();
  controls.pointer = { x: 200, y: 100 };
  assert.equal(controls.currentAim(), 0, "not drawn yet");
  controls.anchor = { x: 100, y: 100 };
  controls.pointer = { x: 100, y: 0 };
  assert.equal(controls.currentAim(), -Math.PI / 2);
  controls.anchor = null;
  assert.deepEqual(controls.values(), [0, -1571]);
});

test("nothing is held while disabled; the keys of the game only", () => {
  const controls = new Controls();
  assert.equal(controls.key("KeyD", true), true);
  assert.equal(controls.buttons(), 0);
  assert.equal(controls.kickPresses, 0);
  controls.enabled = true;
  assert.equal(controls.buttons(), RIGHT);
  assert.equal(controls.handles("KeyQ"), false);
  assert.equal(controls.key("KeyQ", true), false);
  assert.equal(controls.wantsSendNow(), true, "nothing sent yet");
});

test("a kick press goes out at once and stays on the wire for two ticks, however short", () => {
  const controls = enabledControls();
  controls.values(0);
  assert.equal(controls.key("Space", true), true);
  assert.equal(controls.kickPresses, 1);
  assert.equal(controls.wantsSendNow(), true);
  assert.equal(controls.values(10)[0], KICK);
  controls.key("Space", false);
  assert.equal(controls.wantsSendNow(), false, "the release waits: the kick is still latched");
  assert.equal(controls.values(50)[0], KICK);
  assert.equal(controls.values(10 + KICK_HOLD_MS - 1)[0], KICK);
  assert.equal(controls.values(10 + KICK_HOLD_MS)[0], 0, "let go with the next INPUT after it");
  controls.pointerButton(true);
  controls.pointerButton(true);
  assert.equal(controls.kickPresses, 2, "a press is a change from not kicking");
  assert.deepEqual([500, 550, 600, 650].map((t) => controls.values(t)[0]), [KICK, KICK, KICK, KICK], "held");
  controls.key("Space", true);
  assert.equal(controls.kickPresses, 2, "already kicking");
});

test("releasing everything drops a latched kick too", () => {
  const controls = enabledControls();
  controls.key("KeyA", true);
  controls.pointerButton(true);
  controls.pointerButton(false);
  assert.equal(controls.buttons(), LEFT | KICK);
  assert.equal(controls.releaseAll(), true);
  assert.equal(controls.buttons(), 0);
  assert.equal(controls.releaseAll(), false);
});

function prng(seed) {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

test("a tap of a few milliseconds reaches an engine tick whenever it falls", () => {
  for (let seed = 1; seed <= 40; seed += 1) {
    const random = prng(seed);
    const controls = enabledControls();
    const clock = new InputClock(20);
    const pressAt = 300 + Math.floor(random() * 50);
    const releaseAt = pressAt + 1 + Math.floor(random() * 8);
    const arrivals = [];
    let lastArrival = 0;
    for (let t = 0; t <= 700; t += 1) {
      if (t === pressAt) controls.pointerButton(true);
      if (t === releaseAt) controls.pointerButton(false);
      const input = clock.poll(t, controls.wantsSendNow());
      if (input) {
        lastArrival = Math.max(lastArrival, t + 40 + random() * 20);
        arrivals.push({ at: lastArrival, buttons: controls.values(t)[0] });
      }
    }
    // the engine ticks every 50 ms and applies the newest INPUT that arrived before each tick
    const phase = random() * 50;
    let kicked = false;
    for (let tick = phase; tick <= 800; tick += 50) {
      const newest = arrivals.filter((input) => input.at <= tick).at(-1);
      if (newest && newest.buttons & KICK) kicked = true;
    }
    assert.ok(kicked, `seed ${seed}: a tap at ${pressAt}–${releaseAt} ms never kicked`);
  }
});

test("touch: the stick runs and aims the way it runs; the kick button kicks, latched", () => {
  const controls = enabledControls();
  const stick = (x, y) => stickVector({ x: 0, y: 0 }, { x, y }, 50);
  assert.equal(controls.touch("move", stick(-50, 0)), true);
  assert.equal(controls.buttons(), LEFT);
  assert.equal(controls.currentAim(), Math.PI, "aims the way it runs");
  assert.equal(controls.touch("kick", true), true);
  assert.equal(controls.kickPresses, 1);
  assert.equal(controls.buttons(), LEFT | KICK);
  controls.values(1000);
  controls.touch("kick", false);
  assert.equal(controls.buttons() & KICK, KICK, "a quick tap stays on the wire a while");
  controls.values(1000 + KICK_HOLD_MS);
  assert.equal(controls.buttons() & KICK, 0);
  assert.equal(controls.touch("move", null), true);
  assert.equal(controls.currentAim(), Math.PI, "the aim stays when the stick is let go");
  controls.anchor = { x: 0, y: 0 };
  controls.pointer = { x: 0, y: 10 };
  controls.pointerButton(true);
  assert.equal(controls.currentAim(), Math.PI / 2, "a tap on the pitch aims at it");
  controls.touch("move", stick(0, -50));
  assert.equal(controls.releaseAll(), true);
  assert.equal(controls.buttons(), 0);
  const layout = touchLayout(TOUCH);
  assert.deepEqual([layout.sticks.length, layout.buttons[0].name], [1, "kick"]);
});
