/**
 * The spectator's camera: which player it follows (a scoreboard row, a number key, or the next
 * one with Tab) and where the view is: centred on that player (its avatar's x and y, or where the
 * game says), zoomed in, kept inside the field (`bounds`: `{x, y, width, height}` in world units,
 * x and y 0 when absent) and easing towards where it should be. Pure: times are passed in by the
 * caller.
 */

import { rankRoster } from "./format.js";

/** How far the camera zooms in on the followed player (1 shows the whole arena). */
export const FOLLOW_ZOOM = 1.6;
/** Time the camera takes to cover half of the way to where it should be. */
export const CAMERA_HALF_LIFE_MS = 90;
/** Number keys that pick a scoreboard row: 1 to this. */
export const MAX_FOLLOW_KEY = 8;

/**
 * Ids of the players a spectator can follow, in scoreboard order (`columns` as the scoreboard
 * sorts by them, see format.js `rankRoster`): the connected ones.
 */
export function followOrder(roster, columns = []) {
  return rankRoster(roster ?? [], columns)
    .filter((entry) => entry.connected)
    .map((entry) => entry.id);
}

/** The player on scoreboard row `row` (1-based), or null when there is none or they left. */
export function playerAtRow(roster, row, columns = []) {
  const entry = rankRoster(roster ?? [], columns)[row - 1];
  return entry && entry.connected ? entry.id : null;
}

/**
 * The player after `currentId` in scoreboard order (`step` 1), or before it (`step` -1),
 * wrapping around; the first (or last) one when `currentId` is not among them; null with nobody.
 */
export function cycleFollow(roster, currentId, step = 1, columns = []) {
  const order = followOrder(roster, columns);
  if (!order.length) return null;
  const index = order.indexOf(currentId);
  if (index < 0) return step < 0 ? order[order.length - 1] : order[0];
  return order[(index + Math.sign(step || 1) + order.length) % order.length];
}

/** Who to follow now: `currentId` while connected, else the leader; null with nobody to follow. */
export function keepFollowing(roster, currentId, columns = []) {
  const order = followOrder(roster, columns);
  if (currentId !== null && order.includes(currentId)) return currentId;
  return order[0] ?? null;
}

/**
 * What a key press does in the spectator view: `{row}` for 1–8 (follow that scoreboard row),
 * `{step}` for Tab (1) and Shift+Tab (-1), `{overview: true}` for 0 (the whole arena), else null.
 */
export function followKey({ key, shiftKey = false, ctrlKey = false, metaKey = false, altKey = false }) {
  if (ctrlKey || metaKey || altKey) return null;
  if (key === "Tab") return { step: shiftKey ? -1 : 1 };
  if (key === "0") return { overview: true };
  const row = /^[1-9]$/.test(key ?? "") ? Number(key) : 0;
  return row >= 1 && row <= MAX_FOLLOW_KEY ? { row } : null;
}

/** The whole field: the camera of the overview. */
export function overviewCamera(bounds) {
  const { x0, y0 } = origin(bounds);
  return { x: x0 + bounds.width / 2, y: y0 + bounds.height / 2, zoom: 1 };
}

/**
 * A camera `{x, y, zoom}` (view centre in world units, zoom at least 1) moved just enough that
 * its view stays inside the field.
 */
export function clampCamera(bounds, { x, y, zoom }) {
  const { x0, y0 } = origin(bounds);
  const z = Math.max(1, Number.isFinite(zoom) ? zoom : 1);
  const halfWidth = bounds.width / (2 * z);
  const halfHeight = bounds.height / (2 * z);
  const cx = Number.isFinite(x) ? x : x0 + bounds.width / 2;
  const cy = Number.isFinite(y) ? y : y0 + bounds.height / 2;
  return {
    x: clamp(cx, x0 + halfWidth, x0 + bounds.width - halfWidth),
    y: clamp(cy, y0 + halfHeight, y0 + bounds.height - halfHeight),
    zoom: z,
  };
}

/** Where the camera should be: on `point` (`{x, y}`) at `zoom`, or the overview without one. */
export function cameraTarget(bounds, point, zoom = FOLLOW_ZOOM) {
  if (!point) return overviewCamera(bounds);
  return clampCamera(bounds, { x: point.x, y: point.y, zoom });
}

/**
 * Where the camera looks for `playerId` in a decoded or interpolated `world`: the game's
 * `focusOf(world, playerId)` when it has one, else the x and y of the player's entity in the
 * schema's avatars collection; null when there is nothing to look at.
 */
export function focusPoint(schema, world, playerId, focusOf = null) {
  if (!world || playerId === null || playerId === undefined) return null;
  if (focusOf) return focusOf(world, playerId) ?? null;
  const avatars = schema?.avatars ? world.collections?.[schema.avatars.name] : null;
  const entity = avatars?.get(playerId);
  if (!entity || !Number.isFinite(entity.x) || !Number.isFinite(entity.y)) return null;
  return { x: entity.x, y: entity.y };
}

function origin(bounds) {
  const at = (value) => (Number.isFinite(value) ? value : 0);
  return { x0: at(bounds.x), y0: at(bounds.y) };
}

/**
 * The camera `dtMs` after `current`, on its way to `target` (each of x, y and zoom covers half of
 * the remaining way every `halfLifeMs`); `target` itself when there is no `current` yet.
 */
export function easeCamera(current, target, dtMs, halfLifeMs = CAMERA_HALF_LIFE_MS) {
  if (!current) return { ...target };
  const keep = halfLifeMs > 0 ? 0.5 ** (Math.max(0, dtMs) / halfLifeMs) : 0;
  const step = (from, to) => to + (from - to) * keep;
  return {
    x: step(current.x, target.x),
    y: step(current.y, target.y),
    zoom: step(current.zoom, target.zoom),
  };
}

function clamp(value, low, high) {
  return low > high ? (low + high) / 2 : Math.min(high, Math.max(low, value));
}

/**
 * The id of the player drawn nearest to `point` (both in the same units, e.g. canvas pixels:
 * `players` as `{id, x, y}`), if it is within `maxDistance`; else null.
 */
export function playerNear(players, point, maxDistance) {
  let best = null;
  let bestDistance = maxDistance;
  for (const player of players ?? []) {
    const distance = Math.hypot(player.x - point.x, player.y - point.y);
    if (distance <= bestDistance) {
      best = player.id;
      bestDistance = distance;
    }
  }
  return best;
}
