import assert from "node:assert/strict";
import test from "node:test";

import { stickVector } from "../../core/touch.js";
import { Controls, aimAngle, buttonsFor } from "./input.js";
import { Button } from "./wire.js";

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

test("controls: buttons while enabled, aim towards the pointer from the own ship", () => {
  const controls = new Controls();
  controls.key("KeyD", true);
  assert.equal(controls.buttons(), 0, "nothing while disabled");
  controls.enabled = true;
  assert.equal(controls.buttons(), Button.RIGHT);
  assert.equal(controls.key("KeyD", true), false, "held already");
  assert.equal(controls.key("KeyQ", true), false, "not a key of the game");
  controls.pointer = { x: 110, y: 100 };
  assert.equal(controls.currentAim(), 0, "no ship drawn yet: the last aim");
  controls.anchor = { x: 100, y: 100 };
  controls.pointer = { x: 100, y: 50 };
  assert.equal(controls.currentAim(), -Math.PI / 2);
  controls.pointerFire = true;
  assert.deepEqual(controls.values(), [Button.RIGHT | Button.FIRE, -1571]);
  controls.anchor = null;
  assert.equal(controls.currentAim(), -Math.PI / 2, "kept while the ship is not drawn");
});

test("a change of buttons wants to be sent at once; the aim waits for the tick", () => {
  const controls = new Controls();
  controls.enabled = true;
  assert.equal(controls.wantsSendNow(), true, "nothing sent yet");
  controls.values();
  assert.equal(controls.wantsSendNow(), false);
  controls.anchor = { x: 0, y: 0 };
  controls.pointer = { x: 5, y: 5 };
  assert.equal(controls.wantsSendNow(), false, "aiming is not urgent");
  assert.equal(controls.key("Space", true), true);
  assert.equal(controls.wantsSendNow(), true);
  assert.deepEqual(controls.values(), [Button.FIRE, 785]);
  assert.equal(controls.wantsSendNow(), false);
  assert.equal(controls.releaseAll(), true);
  assert.equal(controls.wantsSendNow(), true, "releasing is a change too");
  controls.enabled = false;
  assert.equal(controls.wantsSendNow(), false, "never while disabled");
});

test("touch: the left stick moves, the right one aims and fires while pushed", () => {
  const controls = new Controls();
  controls.enabled = true;
  const stick = (x, y) => stickVector({ x: 0, y: 0 }, { x, y }, 50);
  assert.equal(controls.touch("move", stick(40, -40)), true, "a new direction goes at once");
  assert.equal(controls.buttons(), Button.UP | Button.RIGHT);
  assert.equal(controls.touch("move", stick(42, -38)), false, "the same directions");
  assert.equal(controls.touch("aim", stick(0, 5)), false, "within the dead zone: no fire");
  assert.equal(controls.touch("aim", stick(0, 45)), true);
  assert.equal(controls.buttons(), Button.UP | Button.RIGHT | Button.FIRE);
  controls.pointer = { x: 0, y: 0 };
  controls.anchor = { x: 100, y: 100 };
  assert.equal(controls.currentAim(), Math.PI / 2, "the aim stick's direction beats the pointer");
  assert.deepEqual(controls.values(), [Button.UP | Button.RIGHT | Button.FIRE, 1571]);
  assert.equal(controls.touch("aim", null), true, "let go: stop firing");
  assert.equal(controls.currentAim(), Math.PI / 2, "the aim stays");
  assert.equal(controls.touch("move", null), true);
  assert.equal(controls.buttons(), 0);
  assert.equal(controls.touch("jump", stick(50, 0)), false, "not a stick of the shooter");
  controls.touch("move", stick(-50, 0));
  assert.equal(controls.releaseAll(), true);
  assert.equal(controls.buttons(), 0);
});

test("an INPUT carries what the player saw when the core gives it", () => {
  const controls = new Controls();
  controls.enabled = true;
  controls.key("Space", true);
  assert.deepEqual(controls.values(0, null, { tick: 812, delayMs: 131 }), [Button.FIRE, 0, 812, 131]);
  assert.deepEqual(controls.values(0, null, null), [Button.FIRE, 0], "no view: no view fields");
});
