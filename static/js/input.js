/**
 * Player input: key and mouse mapping to the INPUT button bits, aim from the pointer, and the
 * client tick that sends one INPUT per tick while playing. The mapping and the clock are pure;
 * `InputDevice` is the browser listener.
 */

import { Button, inputFrame } from "./protocol.js";

/** Client ticks per second when the WELCOME does not say (the match tick rate). */
export const DEFAULT_TICK_RATE = 20;
/**
 * The client's own budget for INPUT frames: a token bucket of `rate` per second with bursts of
 * `burst`, below the server's limit for all frames (30/s, bursts of 10; protocol 4.4) so that
 * PING and RESYNC always fit.
 */
export const INPUT_BUDGET = Object.freeze({ rate: 25, burst: 6 });
/** Shortest time between two INPUT frames, even for a button change. */
export const MIN_INPUT_GAP_MS = 10;

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
 * The client tick: decides when to send the next INPUT (`seq` + 1 each). A tick is due every
 * `1000 / tickRate` ms, whatever the state. A change of buttons is sent at once (no sooner than
 * `minGapMs` after the last INPUT), so the player's own ship reacts without waiting: in the
 * first half of a tick it amends that tick (the engine applies only the newest INPUT of a tick,
 * so it most likely replaces the one sent at the tick's start); later it starts a new tick and
 * the regular ticks follow from there. Every INPUT spends a token of the budget; a change waits
 * for one, the regular tick never does (it stays below the budget's rate).
 */
export class InputClock {
  /** Create a clock at `tickRate` ticks per second; sequence numbers start at 1. */
  constructor(
    tickRate = DEFAULT_TICK_RATE,
    { rate = INPUT_BUDGET.rate, burst = INPUT_BUDGET.burst, minGapMs = MIN_INPUT_GAP_MS } = {},
  ) {
    this.tickMs = 1000 / tickRate;
    this.rate = rate;
    this.burst = burst;
    this.minGapMs = minGapMs;
    this.reset();
  }

  /** Forget what was sent; the next poll sends a frame. */
  reset() {
    this.seq = 0;
    this.nextAt = -Infinity;
    this.tickAt = -Infinity;
    this.lastSentAt = -Infinity;
    this.lastButtons = null;
    this.tokens = this.burst;
    this.tokensAt = null;
    this.early = true;
  }

  /** Number the next INPUT `seq + 1` (WELCOME's `ack`: the server applied up to `seq`). */
  continueAfter(seq) {
    this.seq = seq;
  }

  /** Send button changes with the next regular tick only (after the server said THROTTLED). */
  slowDown() {
    this.early = false;
  }

  /**
   * The INPUT to send now for this state: `{seq, buttons, aim, frame, amends}` with the wire
   * `frame`, `amends` true when it replaces the previous INPUT's tick rather than starting one;
   * or null when nothing is due (poll again after `waitMs`).
   */
  poll(nowMs, buttons, aimRad) {
    this.refill(nowMs);
    const regular = nowMs >= this.nextAt;
    if (!regular && !this.changeReady(nowMs, buttons)) return null;
    this.tokens -= 1;
    const amends = !regular && nowMs - this.tickAt < this.tickMs / 2;
    if (!amends) {
      const onSchedule = regular && nowMs - this.nextAt < this.tickMs;
      this.nextAt = onSchedule ? this.nextAt + this.tickMs : nowMs + this.tickMs;
      this.tickAt = nowMs;
    }
    this.lastSentAt = nowMs;
    this.lastButtons = buttons;
    this.seq += 1;
    const frame = inputFrame(this.seq, buttons, aimRad);
    return { seq: this.seq, buttons, aim: aimRad, frame, amends };
  }

  /** Milliseconds until an INPUT may be due for `buttons` (0: poll now). */
  waitMs(nowMs, buttons) {
    let at = this.nextAt;
    if (this.early && buttons !== this.lastButtons) {
      this.refill(nowMs);
      const tokenAt = nowMs + (Math.max(0, 1 - this.tokens) * 1000) / this.rate;
      at = Math.min(at, Math.max(this.lastSentAt + this.minGapMs, tokenAt));
    }
    return Math.max(0, at - nowMs);
  }

  /** True when a change of buttons may be sent now. */
  changeReady(nowMs, buttons) {
    return (
      this.early &&
      buttons !== this.lastButtons &&
      nowMs - this.lastSentAt >= this.minGapMs &&
      this.tokens >= 1
    );
  }

  refill(nowMs) {
    if (this.tokensAt !== null && nowMs > this.tokensAt) {
      const earned = ((nowMs - this.tokensAt) * this.rate) / 1000;
      this.tokens = Math.min(this.burst, this.tokens + earned);
    }
    this.tokensAt = this.tokensAt === null ? nowMs : Math.max(this.tokensAt, nowMs);
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
