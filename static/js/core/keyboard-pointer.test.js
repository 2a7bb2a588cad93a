import assert from "node:assert/strict";
import test from "node:test";

import { KeyboardPointerInput } from "./keyboard-pointer.js";

/** A game's controls that record what they were told. */
function recordingControls() {
  return {
    enabled: true,
    held: new Set(),
    pointer: null,
    handles: (code) => code === "KeyW" || code === "Space",
    key(code, down) {
      const had = this.held.has(code);
      if (down) this.held.add(code);
      else this.held.delete(code);
      return had !== down;
    },
    pointerButton: () => false,
    releaseAll() {
      const had = this.held.size > 0;
      this.held.clear();
      return had;
    },
    values: (now, self, view) => [now, self, view],
    wantsSendNow: () => true,
  };
}

function keyEvent(code, extra = {}) {
  const event = { code, prevented: false, target: { tagName: "CANVAS" }, ...extra };
  event.preventDefault = () => {
    event.prevented = true;
  };
  return event;
}

test("the game's keys go to its controls, and a change to onChange", () => {
  const input = new KeyboardPointerInput(recordingControls());
  let changes = 0;
  input.onChange = () => (changes += 1);
  const down = keyEvent("KeyW");
  input.handleKey(down, true);
  assert.equal(down.prevented, true);
  input.handleKey(keyEvent("KeyW"), true);
  assert.equal(changes, 1, "a held key repeating changes nothing");
  const other = keyEvent("KeyQ");
  input.handleKey(other, true);
  assert.equal(other.prevented, false, "not a key of the game: left to the page");
  input.handleKey(keyEvent("KeyW"), false);
  assert.equal(changes, 2);
  assert.deepEqual(input.values(5, null), [5, null, null]);
  const view = { tick: 9, delayMs: 120 };
  assert.deepEqual(input.values(6, null, view), [6, null, view], "what the player saw goes along");
  assert.equal(input.wantsSendNow(), true);
});

test("no key goes down while typing, with a modifier, or while input is off", () => {
  const controls = recordingControls();
  const input = new KeyboardPointerInput(controls);
  input.handleKey(keyEvent("KeyW", { target: { tagName: "INPUT" } }), true);
  input.handleKey(keyEvent("KeyW", { ctrlKey: true }), true);
  controls.enabled = false;
  const off = keyEvent("Space");
  input.handleKey(off, true);
  assert.equal(controls.held.size, 0);
  assert.equal(off.prevented, false);
});

test("disabling releases everything; the pointer is in canvas pixels", () => {
  const controls = recordingControls();
  const input = new KeyboardPointerInput(controls);
  let changes = 0;
  input.onChange = () => (changes += 1);
  input.handleKey(keyEvent("Space"), true);
  input.setEnabled(false);
  assert.equal(controls.held.size, 0);
  assert.equal(changes, 2);
  assert.equal(input.enabled, false);
  input.handlePointerMove({ clientX: 50, clientY: 60 });
  assert.equal(controls.pointer, null, "not attached: no canvas to measure against");
  input.element = { getBoundingClientRect: () => ({ left: 10, top: 20 }) };
  input.handlePointerMove({ clientX: 50, clientY: 60 });
  assert.deepEqual(controls.pointer, { x: 40, y: 40 });
});
