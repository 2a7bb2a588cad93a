/**
 * Football's input (games/README.md `input`), mapped as the shooter's: WASD or the arrow keys to
 * run, the pointer to aim (from the own player on screen), a click, the held mouse button or
 * Space to kick, as the INPUT values `[buttons, aim_mrad]`. A kick press stays on the wire for
 * KICK_HOLD_MS from the first INPUT that carries it, so that a quick tap is not replaced by its
 * release within one engine tick (the engine applies only the newest INPUT of a tick, and
 * INPUTs arrive with some jitter). On a touch screen a stick runs (and aims the way it runs)
 * and a button kicks; a tap on the pitch kicks towards it (`touch`). `Controls` is the pure
 * state; `FootballInput` the browser listener around it (core/keyboard-pointer.js).
 */

import { KeyboardPointerInput } from "../../core/keyboard-pointer.js";
import { stickBits, stickPushed } from "../../core/touch.js";
import { Button, quantizeAim } from "./wire.js";

/** The on-screen touch controls (games/README.md `touch`): a stick to run, a kick button. */
export const TOUCH = Object.freeze({
  sticks: Object.freeze([Object.freeze({ name: "move", side: "left", label: "Run" })]),
  buttons: Object.freeze([Object.freeze({ name: "kick", label: "Kick" })]),
  help: Object.freeze([
    "Left thumb: run; you kick the way you run",
    "Kick button to kick, or tap the pitch to kick towards that spot",
  ]),
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
  Space: Button.KICK,
});
/** How long (ms) INPUTs carry KICK after a press, however soon it was released: two ticks. */
export const KICK_HOLD_MS = 100;

/** Button bitmask for a set of held key codes and whether the kick pointer button is held. */
export function buttonsFor(heldCodes, pointerKick = false) {
  let buttons = pointerKick ? Button.KICK : 0;
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
 * What the player holds: keys, the kick button, the pointer (canvas CSS pixels) and where the
 * own player was drawn (`anchor`), a kick press still held on the wire (`kickLatched`, since the
 * local time `kickSentAt` of its first INPUT), and what was sent last. `kickPresses` counts
 * presses (for the drawing's feedback). Pure: times are passed in.
 */
export class Controls {
  constructor() {
    this.enabled = false;
    this.heldCodes = new Set();
    this.pointerKick = false;
    this.pointer = null;
    this.anchor = null;
    this.aim = 0;
    this.kickLatched = false;
    this.kickSentAt = null;
    this.kickPresses = 0;
    this.touchMove = 0;
    this.touchAim = null;
    this.touchKick = false;
    this.sentButtons = null;
  }

  /** Whether the kick is held (a key, the pointer button or the touch kick button). */
  get kickHeld() {
    return this.pointerKick || this.touchKick || this.heldCodes.has("Space");
  }

  /** Current button bitmask (0 while disabled): what is held, and a kick still latched. */
  buttons() {
    if (!this.enabled) return 0;
    const held = buttonsFor(this.heldCodes, this.pointerKick || this.touchKick) | this.touchMove;
    return this.kickLatched ? held | Button.KICK : held;
  }

  /**
   * The aim (radians): the way the run stick last pointed, else from the own player towards the
   * pointer, else the last one.
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
   * A touch control moved: the "move" stick (`vector` of core/touch.js, null when let go) runs
   * the way it points and aims there; the "kick" button (true, false) kicks as Space does. True
   * when the buttons changed.
   */
  touch(name, value) {
    const before = this.buttons();
    if (name === "move") {
      this.touchMove = stickBits(value, Button);
      if (stickPushed(value)) this.touchAim = value.angle;
    } else if (name === "kick") {
      const kicking = this.kickHeld;
      this.touchKick = Boolean(value);
      this.notePress(kicking);
    } else return false;
    return this.buttons() !== before;
  }

  /** Whether `code` is one of football's keys. */
  handles(code) {
    return code in KEY_BUTTONS;
  }

  /** A key went down or up; true when the buttons changed. */
  key(code, down) {
    if (!this.handles(code)) return false;
    const kicking = this.kickHeld;
    const had = this.heldCodes.has(code);
    if (down) this.heldCodes.add(code);
    else this.heldCodes.delete(code);
    this.notePress(kicking);
    return had !== down;
  }

  /** The kick pointer button went down or up (a tap aims at its spot); true when it changed. */
  pointerButton(down) {
    if (down) this.touchAim = null;
    const kicking = this.kickHeld;
    const had = this.pointerKick;
    this.pointerKick = down;
    this.notePress(kicking);
    return had !== down;
  }

  /** A kick that was not held before and is now is a press: latch it. */
  notePress(wasKicking) {
    if (!this.enabled || wasKicking || !this.kickHeld) return;
    this.kickLatched = true;
    this.kickSentAt = null;
    this.kickPresses += 1;
  }

  /**
   * The INPUT values to send at local time `nowMs`, `[buttons, aim_mrad]`; they count as sent. A
   * latched kick is let go once its first INPUT is KICK_HOLD_MS old (the release then goes with
   * the next regular INPUT).
   */
  values(nowMs = 0) {
    if (this.kickLatched && this.kickSentAt === null) this.kickSentAt = nowMs;
    else if (this.kickLatched && nowMs - this.kickSentAt >= KICK_HOLD_MS) this.kickLatched = false;
    const buttons = this.buttons();
    this.sentButtons = buttons;
    return [buttons, quantizeAim(this.currentAim())];
  }

  /** True when the buttons changed since the last `values()`: that INPUT should not wait. */
  wantsSendNow() {
    return this.enabled && this.buttons() !== this.sentButtons;
  }

  /** Release every key, kick button, the stick and a latched kick; true if something was held. */
  releaseAll() {
    const had =
      this.heldCodes.size > 0 ||
      this.pointerKick ||
      this.kickLatched ||
      this.touchKick ||
      this.touchMove !== 0;
    this.heldCodes.clear();
    this.pointerKick = false;
    this.kickLatched = false;
    this.touchKick = false;
    this.touchMove = 0;
    return had;
  }
}

/**
 * Browser keyboard and mouse listener of football (core/keyboard-pointer.js): held keys, the
 * kick button and the pointer over the canvas, into `Controls`.
 */
export class FootballInput extends KeyboardPointerInput {
  constructor() {
    super(new Controls());
  }
}
