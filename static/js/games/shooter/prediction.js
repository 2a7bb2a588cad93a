/**
 * Client-side prediction of the player's own ship, the shooter's `predictor` (games/README.md).
 * The engine's movement rules (engine/games/shooter/simulation.py `_move_players`,
 * engine/games/shooter/geometry.py `circle_rect_push`) are replayed here number for number, so
 * the ship moves at once from local inputs; each snapshot's `ack` (the last INPUT the engine
 * applied) reconciles the prediction with the server; small corrections are smoothed in the
 * drawn position, large ones snap. Pure: no DOM, no timers; times are passed in by the caller.
 */

import { Phase } from "../../core/protocol.js";
import { Button, PlayerFlag } from "./wire.js";

/** Time over which a small correction fades out of the drawn position. */
export const SMOOTHING_MS = 100;
/** A correction longer than this (world units) is shown at once instead of smoothed. */
export const SNAP_DISTANCE = 60;
/** Most unacknowledged inputs kept; older ones are forgotten (the server is far behind). */
export const MAX_PENDING = 64;

const MOVE_MASK = Button.UP | Button.DOWN | Button.LEFT | Button.RIGHT;

function direction(buttons) {
  const dx = (buttons & Button.RIGHT ? 1 : 0) - (buttons & Button.LEFT ? 1 : 0);
  const dy = (buttons & Button.DOWN ? 1 : 0) - (buttons & Button.UP ? 1 : 0);
  if (dx === 0 && dy === 0) return null;
  const norm = Math.hypot(dx, dy);
  return Object.freeze([dx / norm, dy / norm]);
}

/** Unit vector `[dx, dy]` of each combination of direction buttons; null when none or cancelled. */
export const DIRECTIONS = Object.freeze(
  Array.from({ length: MOVE_MASK + 1 }, (_, buttons) => direction(buttons)),
);

/**
 * The movement constants of a parsed WELCOME (`{tickRate, rules}`, the shooter's rules as sent:
 * `player_radius`, `acceleration`, `friction`, `max_speed` and `arena` with `width`, `height`
 * and `walls` of `[x, y, w, h]`), precomputed the way the engine does: per-tick acceleration and
 * friction, arena bounds, wall rectangles.
 */
export function movementRules({ tickRate, rules }) {
  const dt = 1 / tickRate;
  const r = rules.player_radius;
  const arena = rules.arena ?? {};
  return Object.freeze({
    tickMs: 1000 / tickRate,
    dt,
    accelStep: rules.acceleration * dt,
    frictionStep: rules.friction * dt,
    maxSpeed: rules.max_speed,
    radius: r,
    minX: r,
    maxX: arena.width - r,
    minY: r,
    maxY: arena.height - r,
    walls: Object.freeze((arena.walls ?? []).map(([x, y, w, h]) => [x, y, x + w, y + h])),
  });
}

function clamp(value, low, high) {
  if (value < low) return low;
  if (value > high) return high;
  return value;
}

/** Offset `[px, py]` moving a circle out of the rect (x0, y0)-(x1, y1), or null if apart. */
export function circleRectPush(cx, cy, r, x0, y0, x1, y1) {
  const nx = clamp(cx, x0, x1);
  const ny = clamp(cy, y0, y1);
  const dx = cx - nx;
  const dy = cy - ny;
  const d2 = dx * dx + dy * dy;
  if (d2 >= r * r) return null;
  if (d2 > 0) {
    const d = Math.sqrt(d2);
    const depth = r - d;
    return [(dx / d) * depth, (dy / d) * depth];
  }
  // The centre is inside the rect: leave through the nearest side.
  const left = cx - x0;
  const right = x1 - cx;
  const top = cy - y0;
  const bottom = y1 - cy;
  const nearest = Math.min(left, right, top, bottom);
  if (nearest === left) return [-(left + r), 0];
  if (nearest === right) return [right + r, 0];
  if (nearest === top) return [0, -(top + r)];
  return [0, bottom + r];
}

/** One tick of an alive player's movement: `{x, y, vx, vy}` after holding `buttons`. */
export function stepMovement({ x, y, vx, vy }, buttons, movement) {
  const { dt, accelStep, frictionStep, maxSpeed, radius: r } = movement;
  const dir = DIRECTIONS[buttons & MOVE_MASK];
  if (dir !== null) {
    vx += dir[0] * accelStep;
    vy += dir[1] * accelStep;
    const speed2 = vx * vx + vy * vy;
    if (speed2 > maxSpeed * maxSpeed) {
      const scale = maxSpeed / Math.sqrt(speed2);
      vx *= scale;
      vy *= scale;
    }
  } else if (vx !== 0 || vy !== 0) {
    const speed = Math.sqrt(vx * vx + vy * vy);
    if (speed <= frictionStep) {
      vx = 0;
      vy = 0;
    } else {
      const scale = (speed - frictionStep) / speed;
      vx *= scale;
      vy *= scale;
    }
  }
  x += vx * dt;
  y += vy * dt;
  for (const [wx0, wy0, wx1, wy1] of movement.walls) {
    if (x + r <= wx0 || x - r >= wx1 || y + r <= wy0 || y - r >= wy1) continue;
    const push = circleRectPush(x, y, r, wx0, wy0, wx1, wy1);
    if (push === null) continue;
    const [px, py] = push;
    x += px;
    y += py;
    const into = vx * px + vy * py;
    if (into < 0) {
      const k = into / (px * px + py * py);
      vx -= k * px;
      vy -= k * py;
    }
  }
  // Python's max(v, 0.0) and min(v, 0.0): the first argument unless the second is beyond it.
  if (x < movement.minX) {
    x = movement.minX;
    vx = 0 > vx ? 0 : vx;
  } else if (x > movement.maxX) {
    x = movement.maxX;
    vx = 0 < vx ? 0 : vx;
  }
  if (y < movement.minY) {
    y = movement.minY;
    vy = 0 > vy ? 0 : vy;
  } else if (y > movement.maxY) {
    y = movement.maxY;
    vy = 0 < vy ? 0 : vy;
  }
  return { x, y, vx, vy };
}

/**
 * The predicted state of the player's own ship. Each local tick the core sends an INPUT and
 * passes it to `input` (the ship moves one tick at once; an INPUT that amends the previous one's
 * tick replaces that tick's movement); each snapshot's own ship goes to `reconcile`: inputs up
 * to its `ack` are dropped, the prediction restarts from the server's position with the velocity
 * predicted at that input, and the inputs the server has not applied yet are replayed. `render`
 * gives the position to draw, moving smoothly through the tick and hiding small corrections;
 * null while there is nothing to predict (dead, match over, no snapshot yet), when the
 * interpolated server position should be drawn instead.
 */
export class Predictor {
  /** Predict with `movement` (see `movementRules`; or none until `reset(welcome)`). */
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

  /** A WELCOME (a new socket, or the match moved): the rules it gives, nothing predicted. */
  reset(welcome) {
    this.movement = movementRules(welcome);
    this.clear();
  }

  /** Forget every input and the predicted state. */
  clear() {
    /**
     * Inputs not acknowledged yet: `{seq, buttons, aim, amends, state}` with the prediction after
     * each (for an input amended by the next one, what it alone would have done).
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

  /** True while the own ship is predicted (alive, in a phase where players move). */
  get predicting() {
    return this.active && this.state !== null && this.movement !== null;
  }

  /**
   * Record the INPUT `seq` just sent at `nowMs` (`values`: `[buttons, aim_mrad]`): the predicted
   * ship moves one tick with it, or, if it `amends` the previous INPUT (still unacknowledged),
   * the previous one's tick is redone with it.
   */
  input(seq, values, nowMs, { amends = false } = {}) {
    const buttons = values?.[0] ?? 0;
    const last = this.pending.at(-1);
    const replacing = amends && last !== undefined && last.seq === seq - 1;
    const entry = { seq, buttons, amends: replacing, state: null };
    this.pending.push(entry);
    if (this.pending.length > this.maxPending) this.pending.shift();
    if (!this.predicting) return;
    const before = this.render(nowMs);
    if (!replacing) {
      this.previous = this.state;
      this.steppedAt = nowMs;
    }
    this.state = stepMovement(this.previous, buttons, this.movement);
    entry.state = this.state;
    this.keepDrawnAt(before, nowMs);
  }

  /**
   * Reconcile with the own ship of a snapshot (`{x, y, flags}` in world units, or null when it
   * has none) and its acknowledged INPUT `ackSeq` (null keeps the last one), received at
   * `nowMs`. `respawned` when the snapshot respawned this player (its velocity is zero); nobody
   * moves once the `phase` is ENDED.
   */
  reconcile(self, ackSeq, nowMs = 0, { respawned = false, phase = Phase.RUNNING } = {}) {
    const alive = self !== null && self !== undefined && (self.flags & PlayerFlag.ALIVE) !== 0;
    const server = self ?? { x: 0, y: 0 };
    const moving = phase !== Phase.ENDED;
    if (!this.movement) return;
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

    const wasActive = this.predicting;
    this.active = alive && moving;
    const snap = respawned || !wasActive;
    if (respawned || !this.active) this.ackVelocity = [0, 0];
    const before = wasActive ? this.render(nowMs) : null;

    let state = { x: server.x, y: server.y, vx: this.ackVelocity[0], vy: this.ackVelocity[1] };
    let previous = state;
    this.pending.forEach((entry, index) => {
      entry.state = this.active ? stepMovement(state, entry.buttons, this.movement) : null;
      if (index === 0) entry.amends = false; // what it amended was applied on its own
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

  /** Where to draw the own ship at `nowMs` (`{x, y}`), or null when it is not predicted. */
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
