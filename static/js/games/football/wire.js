/**
 * Football's wire numbers, mirrored from engine/games/football/wire.py: INPUT buttons, event
 * kinds, player flags and how aim angles are quantized. Pure.
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
  KICK: 16,
});
export const ALL_BUTTONS = 31;

/** First element of each of football's snapshot events. */
export const EventKind = Object.freeze({
  /** `[GOAL, team, scorer]`: `team` scored; `scorer` is -1 when nobody of that team gets it. */
  GOAL: 1,
  KICK: 2,
  /** `[KICKOFF, team]`: everyone is on their spot, `team` kicks off. */
  KICKOFF: 3,
});

/** Bits of a player's `flags`. */
export const PlayerFlag = Object.freeze({
  /** The player's connection dropped; it stands still and waits for it (grace period). */
  RECONNECTING: 4,
});

/** Radians to wire milliradians, wrapped and clamped to [-3142, 3142]. */
export function quantizeAim(rad) {
  if (!Number.isFinite(rad)) return 0;
  const mrad = Math.round(wrapAngle(rad) * AIM_SCALE);
  return Math.min(MAX_AIM_MRAD, Math.max(-MAX_AIM_MRAD, mrad)) + 0;
}

/** Whether a decoded player (`{flags}`) waits for its dropped connection. */
export function isReconnecting(player) {
  return ((player?.flags ?? 0) & PlayerFlag.RECONNECTING) !== 0;
}
