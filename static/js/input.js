/**
 * Player input: key and mouse mapping to the INPUT button bits, aim from the pointer, and a
 * throttle that sends an INPUT only when something changed and never more often than allowed.
 * The mapping and the throttle are pure; `InputDevice` is the browser listener.
 */

import { Button, inputFrame, quantizeAim } from "./protocol.js";

/** Minimum time between two INPUT frames (protocol section 4.4). */
export const MIN_INPUT_INTERVAL_MS = 33;

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
 * Decides when to send an INPUT: only when the buttons or the quantized aim differ from the
 * last frame sent, and at most once per `minIntervalMs`. A change that comes too early is held
 * until `retryInMs` has passed; the caller polls again then.
 */
export class InputThrottle {
  /** Create a throttle; sequence numbers start at 1. */
  constructor(minIntervalMs = MIN_INPUT_INTERVAL_MS) {
    this.minIntervalMs = minIntervalMs;
    this.reset();
  }

  /** Forget what was sent; the next poll sends a frame. */
  reset() {
    this.seq = 0;
    this.lastSentAt = -Infinity;
    this.lastButtons = null;
    this.lastAimMrad = null;
    this.pending = false;
  }

  /** Returns the INPUT frame to send now for this state, or null (see `pending`). */
  poll(nowMs, buttons, aimRad) {
    const aimMrad = quantizeAim(aimRad);
    const changed = buttons !== this.lastButtons || aimMrad !== this.lastAimMrad;
    if (!changed) {
      this.pending = false;
      return null;
    }
    if (nowMs - this.lastSentAt < this.minIntervalMs) {
      this.pending = true;
      return null;
    }
    this.seq += 1;
    this.lastSentAt = nowMs;
    this.lastButtons = buttons;
    this.lastAimMrad = aimMrad;
    this.pending = false;
    return inputFrame(this.seq, buttons, aimRad);
  }

  /** Milliseconds until a held change may be sent (0 if it may be sent now). */
  retryInMs(nowMs) {
    return Math.max(0, this.minIntervalMs - (nowMs - this.lastSentAt));
  }
}

const EDITABLE = new Set(["INPUT", "TEXTAREA", "SELECT"]);

/**
 * Browser keyboard and mouse listener: tracks held keys, the fire button and the pointer
 * position relative to `canvas` (CSS pixels). Everything is released when the window loses focus.
 */
export class InputDevice {
  /** Attach listeners; `onChange` runs whenever held buttons or the pointer change. */
  constructor(canvas, onChange = () => {}) {
    this.canvas = canvas;
    this.onChange = onChange;
    this.enabled = false;
    this.heldCodes = new Set();
    this.pointerFire = false;
    this.pointer = null;
    this.listeners = [];
    const on = (target, type, handler, options) => {
      target.addEventListener(type, handler, options);
      this.listeners.push(() => target.removeEventListener(type, handler, options));
    };
    on(window, "keydown", (event) => this.handleKey(event, true));
    on(window, "keyup", (event) => this.handleKey(event, false));
    on(window, "blur", () => this.releaseAll());
    on(document, "visibilitychange", () => {
      if (document.hidden) this.releaseAll();
    });
    on(window, "pointermove", (event) => this.handlePointerMove(event));
    on(canvas, "pointerdown", (event) => {
      if (!this.enabled || event.button !== 0) return;
      event.preventDefault();
      canvas.setPointerCapture?.(event.pointerId);
      this.handlePointerMove(event);
      this.pointerFire = true;
      this.onChange();
    });
    on(window, "pointerup", (event) => {
      if (event.button !== 0 || !this.pointerFire) return;
      this.pointerFire = false;
      this.onChange();
    });
    on(canvas, "lostpointercapture", () => {
      if (!this.pointerFire) return;
      this.pointerFire = false;
      this.onChange();
    });
    on(canvas, "contextmenu", (event) => event.preventDefault());
  }

  /** Start or stop reacting to input; disabling releases everything. */
  setEnabled(enabled) {
    this.enabled = enabled;
    if (!enabled) this.releaseAll();
  }

  /** Current button bitmask. */
  buttons() {
    return this.enabled ? buttonsFor(this.heldCodes, this.pointerFire) : 0;
  }

  /** Release every key and the fire button. */
  releaseAll() {
    const had = this.heldCodes.size > 0 || this.pointerFire;
    this.heldCodes.clear();
    this.pointerFire = false;
    if (had) this.onChange();
  }

  /** Remove all listeners. */
  destroy() {
    for (const remove of this.listeners) remove();
    this.listeners = [];
  }

  handleKey(event, down) {
    if (!(event.code in KEY_BUTTONS)) return;
    if (down && (!this.enabled || event.ctrlKey || event.metaKey || event.altKey)) return;
    if (down && EDITABLE.has(event.target?.tagName)) return;
    if (this.enabled) event.preventDefault();
    const had = this.heldCodes.has(event.code);
    if (down) this.heldCodes.add(event.code);
    else this.heldCodes.delete(event.code);
    if (had !== down) this.onChange();
  }

  handlePointerMove(event) {
    const rect = this.canvas.getBoundingClientRect();
    this.pointer = { x: event.clientX - rect.left, y: event.clientY - rect.top };
    if (this.enabled) this.onChange();
  }
}
