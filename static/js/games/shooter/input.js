/**
 * The shooter's input (games/README.md `input`): keys and the mouse to the INPUT values
 * `[buttons, aim_mrad]`, aim from the own ship on screen towards the pointer. `Controls` is the
 * pure state; `ShooterInput` is the browser listener around it (core/keyboard-pointer.js).
 */

import { KeyboardPointerInput } from "../../core/keyboard-pointer.js";
import { Button, quantizeAim } from "./wire.js";

/** `KeyboardEvent.code` → button bit. Codes are physical keys, so WASD works on any layout. */
export const KEY_BUTTONS = Object.freeze({
  KeyW: Button.UP,
  ArrowUp: Button.UP,
  KeyS: Button.DOWN,
  ArrowDown: Button.DOWN,
  KeyA: Button.LEFT,
  ArrowLeft: Button.LEFT,
  KeyD: Button.RIGHT,
  ArrowRight: Button.RIGHT,
  Space: Button.FIRE,
});

/** Button bitmask for a set of held key codes and whether the fire pointer button is held. */
export function buttonsFor(heldCodes, pointerFire = false) {
  let buttons = pointerFire ? Button.FIRE : 0;
  for (const code of heldCodes) buttons |= KEY_BUTTONS[code] ?? 0;
  return buttons;
}

/** Aim angle (radians) from a point on screen towards the pointer; `fallback` if they coincide. */
export function aimAngle(fromX, fromY, toX, toY, fallback = 0) {
  const dx = toX - fromX;
  const dy = toY - fromY;
  if (dx === 0 && dy === 0) return fallback;
  return Math.atan2(dy, dx);
}

/**
 * What the player holds: keys, the fire button, the pointer (canvas CSS pixels) and where the
 * own ship was drawn (`anchor`), and what was sent last. Pure.
 */
export class Controls {
  constructor() {
    this.enabled = false;
    this.heldCodes = new Set();
    this.pointerFire = false;
    this.pointer = null;
    this.anchor = null;
    this.aim = 0;
    this.sentButtons = null;
  }

  /** Current button bitmask (0 while disabled). */
  buttons() {
    return this.enabled ? buttonsFor(this.heldCodes, this.pointerFire) : 0;
  }

  /** The aim (radians) from the own ship towards the pointer, the last one without either. */
  currentAim() {
    const { pointer, anchor } = this;
    if (pointer && anchor) this.aim = aimAngle(anchor.x, anchor.y, pointer.x, pointer.y, this.aim);
    return this.aim;
  }

  /** Whether `code` is one of the shooter's keys. */
  handles(code) {
    return code in KEY_BUTTONS;
  }

  /** The fire pointer button went down or up; true when that changed it. */
  pointerButton(down) {
    const had = this.pointerFire;
    this.pointerFire = down;
    return had !== down;
  }

  /** A key went down or up; true when the buttons changed. */
  key(code, down) {
    if (!(code in KEY_BUTTONS)) return false;
    const had = this.heldCodes.has(code);
    if (down) this.heldCodes.add(code);
    else this.heldCodes.delete(code);
    return had !== down;
  }

  /** The INPUT values to send now, `[buttons, aim_mrad]`; they count as sent. */
  values() {
    const buttons = this.buttons();
    this.sentButtons = buttons;
    return [buttons, quantizeAim(this.currentAim())];
  }

  /** True when the buttons changed since the last `values()`: that INPUT should not wait. */
  wantsSendNow() {
    return this.enabled && this.buttons() !== this.sentButtons;
  }

  /** Release every key and the fire button; true when something was held. */
  releaseAll() {
    const had = this.heldCodes.size > 0 || this.pointerFire;
    this.heldCodes.clear();
    this.pointerFire = false;
    return had;
  }
}

/**
 * Browser keyboard and mouse listener of the shooter (core/keyboard-pointer.js): held keys, the
 * fire button and the pointer position relative to the canvas, into `Controls`. Everything is
 * released when the window loses focus.
 */
export class ShooterInput extends KeyboardPointerInput {
  constructor() {
    super(new Controls());
  }
}
