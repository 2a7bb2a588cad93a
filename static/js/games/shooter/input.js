/**
 * The shooter's input (games/README.md `input`): keys and the mouse to the INPUT values
 * `[buttons, aim_mrad]`, aim from the own ship on screen towards the pointer; on a touch screen
 * the left stick moves and the right one aims, firing while it is pushed (`touch`). `Controls`
 * is the pure state; `ShooterInput` is the browser listener around it (core/keyboard-pointer.js).
 */

import { KeyboardPointerInput } from "../../core/keyboard-pointer.js";
import { stickBits, stickPushed } from "../../core/touch.js";
import { Button, quantizeAim } from "./wire.js";

/** The on-screen touch controls (games/README.md `touch`): a stick to move, one to aim and fire. */
export const TOUCH = Object.freeze({
  sticks: Object.freeze([
    Object.freeze({ name: "move", side: "left", label: "Move" }),
    Object.freeze({ name: "aim", side: "right", label: "Aim · fire" }),
  ]),
  buttons: Object.freeze([]),
  help: Object.freeze(["Left thumb: move", "Right thumb: aim, and fire while you push"]),
});

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
 * own ship was drawn (`anchor`), the touch sticks (`touchMove` bits, `touchAim` radians or null,
 * `touchFire`), and what was sent last. Pure.
 */
export class Controls {
  constructor() {
    this.enabled = false;
    this.heldCodes = new Set();
    this.pointerFire = false;
    this.pointer = null;
    this.anchor = null;
    this.aim = 0;
    this.touchMove = 0;
    this.touchAim = null;
    this.touchFire = false;
    this.sentButtons = null;
  }

  /** Current button bitmask (0 while disabled). */
  buttons() {
    if (!this.enabled) return 0;
    return buttonsFor(this.heldCodes, this.pointerFire || this.touchFire) | this.touchMove;
  }

  /**
   * The aim (radians): the aim stick's direction once it was pushed, else from the own ship
   * towards the pointer, else the last one.
   */
  currentAim() {
    const { pointer, anchor } = this;
    if (this.touchAim !== null) this.aim = this.touchAim;
    else if (pointer && anchor) {
      this.aim = aimAngle(anchor.x, anchor.y, pointer.x, pointer.y, this.aim);
    }
    return this.aim;
  }

  /**
   * A touch stick moved (`vector` from core/touch.js, null when let go): "move" holds the
   * directions it points to, "aim" aims where it points and fires while pushed beyond its dead
   * zone (the aim stays when it is let go). True when the buttons changed.
   */
  touch(name, vector) {
    const before = this.buttons();
    if (name === "move") this.touchMove = stickBits(vector, Button);
    else if (name === "aim") {
      const pushed = stickPushed(vector);
      if (pushed) this.touchAim = vector.angle;
      this.touchFire = pushed;
    } else return false;
    return this.buttons() !== before;
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
  values(now = 0, selfEntity = null, view = null) {
    const buttons = this.buttons();
    this.sentButtons = buttons;
    const values = [buttons, quantizeAim(this.currentAim())];
    if (view) values.push(view.tick, view.delayMs);
    return values;
  }

  /** True when the buttons changed since the last `values()`: that INPUT should not wait. */
  wantsSendNow() {
    return this.enabled && this.buttons() !== this.sentButtons;
  }

  /** Release every key, the fire button and the sticks; true when something was held. */
  releaseAll() {
    const had =
      this.heldCodes.size > 0 || this.pointerFire || this.touchMove !== 0 || this.touchFire;
    this.heldCodes.clear();
    this.pointerFire = false;
    this.touchMove = 0;
    this.touchFire = false;
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
