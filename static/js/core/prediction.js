/**
 * Client-side prediction of the player's own avatar, the machinery every game's `predictor`
 * shares (games/README.md): the INPUTs sent and not yet acknowledged, replaying them from each
 * snapshot's own avatar, INPUTs that amend the previous one's tick, and the drawn position that
 * moves smoothly through the tick and hides small corrections (large ones snap). A game
 * subclasses `AvatarPredictor` with its movement rules (`movementFrom`, `step`) and says when
 * its avatar moves (`movesWith`) and when a snapshot put it somewhere new at rest
 * (`restartedBy`). Pure: no DOM, no timers; times are passed in by the caller.
 */

import { Phase } from "./protocol.js";

/** Time over which a small correction fades out of the drawn position. */
export const SMOOTHING_MS = 100;
/** A correction longer than this (world units) is shown at once instead of smoothed. */
export const SNAP_DISTANCE = 60;
/** Most unacknowledged inputs kept; older ones are forgotten (the server is far behind). */
export const MAX_PENDING = 64;

/** `value` limited to [low, high]. */
export function clamp(value, low, high) {
  if (value < low) return low;
  if (value > high) return high;
  return value;
}

/**
 * The predicted state of the player's own avatar, `{x, y, vx, vy}`. Each local tick the core
 * sends an INPUT and passes it to `input` (the avatar moves one tick at once; an INPUT that
 * amends the previous one's tick replaces that tick's movement); each snapshot's own avatar goes
 * to `reconcile`: inputs up to its `ack` are dropped, the prediction restarts from the server's
 * position with the velocity predicted at that input, and the inputs the server has not applied
 * yet are replayed. `render` gives the position to draw; null while there is nothing to predict,
 * when the interpolated server position should be drawn instead.
 *
 * Each pending input has `tick`: the tick after the newest reconciled snapshot at which the
 * server is expected to apply it (1: the next one), for games whose movement depends on when.
 */
export class AvatarPredictor {
  /** Predict with `movement` (the game's rules, with `tickMs`; or none until `reset(welcome)`). */
  constructor(
    movement = null,
    { smoothingMs = SMOOTHING_MS, snapDistance = SNAP_DISTANCE, maxPending = MAX_PENDING } = {},
  ) {
    this.movement = movement;
    this.smoothingMs = smoothingMs;
    this.snapDistance = snapDistance;
    this.maxPending = maxPending;
    this.clear();
  }

  /** The game's movement rules of a parsed WELCOME, with `tickMs` (a subclass says how). */
  movementFrom(welcome) {
    throw new Error(`${this.constructor.name} does not read movement rules from ${welcome?.game}`);
  }

  /** One tick of movement: the state after `state` with the pending input `entry` (the game's). */
  step(state, entry) {
    throw new Error(`${this.constructor.name} does not step ${entry?.seq}`);
  }

  /**
   * Whether the own avatar `self` of a snapshot moves as predicted: `context` is reconcile's
   * (`{respawned, phase, snapshot}`). By default: it is there and the match is not over.
   */
  movesWith(self, context) {
    return self !== null && self !== undefined && context.phase !== Phase.ENDED;
  }

  /** Whether the snapshot put the avatar somewhere new, at rest (by default: `respawned`). */
  restartedBy(self, context) {
    return context.respawned === true;
  }

  /** A WELCOME (a new socket, or the match moved): the rules it gives, nothing predicted. */
  reset(welcome) {
    this.movement = this.movementFrom(welcome);
    this.clear();
  }

  /** Forget every input and the predicted state. */
  clear() {
    /**
     * Inputs not acknowledged yet: `{seq, buttons, values, amends, tick, state}` with the
     * prediction after each (for an input amended by the next one, what it alone would have done).
     */
    this.pending = [];
    /** The predicted `{x, y, vx, vy}` after the newest input, or null. */
    this.state = null;
    /** The predicted state before the newest input (drawn at the moment it was applied). */
    this.previous = null;
    this.steppedAt = 0;
    this.active = false;
    /** The newest `ack` reconciled, and the velocity predicted for it. */
    this.ack = 0;
    this.ackVelocity = [0, 0];
    this.offset = [0, 0];
    this.offsetAt = 0;
  }

  /** True while the own avatar is predicted. */
  get predicting() {
    return this.active && this.state !== null && this.movement !== null;
  }

  /**
   * Record the INPUT `seq` just sent at `nowMs` (`values`: the wire values, buttons first): the
   * predicted avatar moves one tick with it, or, if it `amends` the previous INPUT (still
   * unacknowledged), the previous one's tick is redone with it.
   */
  input(seq, values, nowMs, { amends = false } = {}) {
    const buttons = values?.[0] ?? 0;
    const last = this.pending.at(-1);
    const replacing = amends && last !== undefined && last.seq === seq - 1;
    const tick = last === undefined ? 1 : last.tick + (replacing ? 0 : 1);
    const entry = { seq, buttons, values, amends: replacing, tick, state: null };
    this.pending.push(entry);
    if (this.pending.length > this.maxPending) this.pending.shift();
    if (!this.predicting) return;
    const before = this.render(nowMs);
    if (!replacing) {
      this.previous = this.state;
      this.steppedAt = nowMs;
    }
    this.state = this.step(this.previous, entry);
    entry.state = this.state;
    this.keepDrawnAt(before, nowMs);
  }

  /**
   * Reconcile with the own avatar of a snapshot (`{x, y, ...}` in world units, or null when it
   * has none) and its acknowledged INPUT `ackSeq` (null keeps the last one), received at
   * `nowMs`. `context`: `respawned` when the snapshot respawned this player, the snapshot's
   * `phase`, and the `snapshot` itself when the core gives it.
   */
  reconcile(self, ackSeq, nowMs = 0, options = {}) {
    if (!this.movement) return;
    const { respawned = false, phase = Phase.RUNNING, snapshot = null } = options;
    const context = { respawned, phase, snapshot };
    const ack = Number.isInteger(ackSeq) ? ackSeq : this.ack;
    if (ack < this.ack) return;
    let acked = null;
    while (this.pending.length && this.pending[0].seq <= ack) acked = this.pending.shift();
    if (acked !== null && acked.seq === ack && acked.state) {
      this.ackVelocity = [acked.state.vx, acked.state.vy];
    } else if (ack !== this.ack) {
      this.ackVelocity = [0, 0];
    }
    this.ack = ack;

    const restarted = this.restartedBy(self, context);
    const wasActive = this.predicting;
    this.active = this.movesWith(self, context);
    const snap = restarted || !wasActive;
    if (restarted || !this.active) this.ackVelocity = [0, 0];
    const before = wasActive ? this.render(nowMs) : null;

    const server = self ?? { x: 0, y: 0 };
    let state = { x: server.x, y: server.y, vx: this.ackVelocity[0], vy: this.ackVelocity[1] };
    let previous = state;
    let tick = 0;
    this.pending.forEach((entry, index) => {
      if (index === 0) entry.amends = false; // what it amended was applied on its own
      if (!entry.amends) tick += 1;
      entry.tick = tick;
      entry.state = this.active ? this.step(state, entry) : null;
      const amended = this.pending[index + 1]?.amends === true;
      if (this.active && !amended) {
        previous = state;
        state = entry.state;
      }
    });
    this.previous = previous;
    this.state = state;
    if (!this.active) {
      this.offset = [0, 0];
      return;
    }
    if (snap) this.steppedAt = nowMs - this.movement.tickMs;
    this.keepDrawnAt(snap ? null : before, nowMs);
  }

  /** For the debug hook: the predicted `{x, y, vx, vy}` (or null), how many inputs are pending. */
  debug() {
    return { predicted: this.predicting ? { ...this.state } : null, pending: this.pending.length };
  }

  /** Where to draw the own avatar at `nowMs` (`{x, y}`), or null when it is not predicted. */
  render(nowMs) {
    if (!this.predicting) return null;
    const { x, y } = this.trueRender(nowMs);
    const left = this.offsetLeft(nowMs);
    return { x: x + this.offset[0] * left, y: y + this.offset[1] * left };
  }

  /** The predicted path without smoothing: from `previous` to `state` over the newest tick. */
  trueRender(nowMs) {
    const t = clamp((nowMs - this.steppedAt) / this.movement.tickMs, 0, 1);
    const a = this.previous ?? this.state;
    const b = this.state;
    return { x: a.x + (b.x - a.x) * t, y: a.y + (b.y - a.y) * t };
  }

  /** Share of a correction still shown after it was made: 1 at once, about 5% after smoothingMs. */
  offsetLeft(nowMs) {
    if (this.offset[0] === 0 && this.offset[1] === 0) return 0;
    if (this.smoothingMs <= 0) return 0;
    return Math.exp((-3 * Math.max(0, nowMs - this.offsetAt)) / this.smoothingMs);
  }

  /** Keep drawing `before` at `nowMs` after the path changed, fading towards it; snap if far. */
  keepDrawnAt(before, nowMs) {
    const now = this.trueRender(nowMs);
    let ox = before ? before.x - now.x : 0;
    let oy = before ? before.y - now.y : 0;
    if (Math.hypot(ox, oy) > this.snapDistance || Math.hypot(ox, oy) < 1e-6) {
      ox = 0;
      oy = 0;
    }
    this.offset = [ox, oy];
    this.offsetAt = nowMs;
  }
}
