/**
 * The shooter's wire numbers, mirrored from engine/games/shooter/wire.py: INPUT buttons, event
 * kinds, ship flags and how aim angles are quantized (docs/protocol.md 9.1). Pure.
 */

import { wrapAngle } from "../../core/interpolation.js";

/** Positions travel as integer tenths of a world unit. */
export const POSITION_SCALE = 10;
/** Aim angles travel as integer milliradians. */
export const AIM_SCALE = 1000;
export const MAX_AIM_MRAD = 3142;

/** Bits of the `buttons` value of an INPUT. */
export const Button = Object.freeze({
  UP: 1,
  DOWN: 2,
  LEFT: 4,
  RIGHT: 8,
  FIRE: 16,
});
export const ALL_BUTTONS = 31;

/** First element of each of the shooter's snapshot events. */
export const EventKind = Object.freeze({
  KILL: 1,
  HIT: 2,
  SPAWN: 3,
});

/** Bits of a ship's `flags`. */
export const PlayerFlag = Object.freeze({
  ALIVE: 1,
  PROTECTED: 2,
  /** The player's connection dropped; its ship waits, idle, for it to come back (grace period). */
  RECONNECTING: 4,
});

/** Radians to wire milliradians, wrapped and clamped to [-3142, 3142]. */
export function quantizeAim(rad) {
  if (!Number.isFinite(rad)) return 0;
  const mrad = Math.round(wrapAngle(rad) * AIM_SCALE);
  return Math.min(MAX_AIM_MRAD, Math.max(-MAX_AIM_MRAD, mrad)) + 0;
}

/** Whether a decoded ship (`{flags}`) is alive, spawn-protected, waiting for its player. */
export function shipFlags(ship) {
  const flags = ship?.flags ?? 0;
  return {
    alive: (flags & PlayerFlag.ALIVE) !== 0,
    protected: (flags & PlayerFlag.PROTECTED) !== 0,
    reconnecting: (flags & PlayerFlag.RECONNECTING) !== 0,
  };
}
