/**
 * A football player's movement, engine/games/football/simulation.py `_run` number for number:
 * the held direction accelerates it up to its top speed, friction stops it without one, and the
 * pitch's edges stop it and its speed towards them. What the own player's prediction replays.
 * Pure.
 */

import { Button } from "./wire.js";
import { pitchOf } from "./pitch.js";

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
 * The movement constants of a parsed WELCOME (`{tickRate, rules}`, football's rules as sent:
 * `acceleration`, `friction`, `max_speed`, `player_radius` and the `pitch`), precomputed as the
 * engine does: per-tick acceleration and friction, the bounds of a player's centre.
 */
export function movementRules({ tickRate, rules }) {
  const dt = 1 / tickRate;
  const pitch = pitchOf(rules);
  const r = pitch.playerRadius;
  return Object.freeze({
    tickMs: 1000 / tickRate,
    dt,
    accelStep: rules.acceleration * dt,
    frictionStep: rules.friction * dt,
    maxSpeed: rules.max_speed,
    radius: r,
    minX: r,
    maxX: pitch.width - r,
    minY: r,
    maxY: pitch.height - r,
  });
}

/** One tick of a player's movement: `{x, y, vx, vy}` after holding `buttons`. */
export function stepMovement({ x, y, vx, vy }, buttons, movement) {
  const { dt, accelStep, frictionStep, maxSpeed } = movement;
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
