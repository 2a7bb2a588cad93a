/**
 * Client-side prediction of the player's own ship, the shooter's `predictor` (games/README.md).
 * The engine's movement rules (engine/games/shooter/simulation.py `_move_players`,
 * engine/games/shooter/geometry.py `circle_rect_push`) are replayed here number for number, so
 * the ship moves at once from local inputs; each snapshot's `ack` (the last INPUT the engine
 * applied) reconciles the prediction with the server (core/prediction.js, shared by the games);
 * small corrections are smoothed in the drawn position, large ones snap. Pure: no DOM, no
 * timers; times are passed in by the caller.
 */

import { AvatarPredictor, clamp } from "../../core/prediction.js";
import { Phase } from "../../core/protocol.js";
import { Button, PlayerFlag } from "./wire.js";

export { MAX_PENDING, SMOOTHING_MS, SNAP_DISTANCE } from "../../core/prediction.js";

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
 * The predicted state of the player's own ship (core/prediction.js does the bookkeeping): it
 * moves by `stepMovement` while it is alive and the match is not over; a respawn starts it at
 * rest where the server put it.
 */
export class Predictor extends AvatarPredictor {
  /** The shooter's movement rules of a parsed WELCOME (`movementRules`). */
  movementFrom(welcome) {
    return movementRules(welcome);
  }

  /** One tick of the ship with the buttons of a pending input. */
  step(state, entry) {
    return stepMovement(state, entry.buttons, this.movement);
  }

  /** Only an alive ship moves, and nobody once the match is over. */
  movesWith(self, { phase }) {
    const alive = self !== null && self !== undefined && (self.flags & PlayerFlag.ALIVE) !== 0;
    return alive && phase !== Phase.ENDED;
  }
}
