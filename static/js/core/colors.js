/**
 * Stable player colours: each id gets a hue spaced by the golden angle, so neighbouring ids
 * look clearly different. Pure.
 */

const GOLDEN_ANGLE = 137.508;

/** Hue in degrees [0, 360) for a player id. */
export function playerHue(id) {
  return (((id * GOLDEN_ANGLE + 200) % 360) + 360) % 360;
}

/** CSS colour of a player id; `lightness` in percent. */
export function playerColor(id, lightness = 60) {
  return `hsl(${playerHue(id).toFixed(1)} 75% ${lightness}%)`;
}

/** Health bar colour from green (full) through yellow to red (empty). */
export function healthColor(fraction) {
  const f = Math.max(0, Math.min(1, fraction));
  return `hsl(${Math.round(f * 120)} 80% 50%)`;
}
