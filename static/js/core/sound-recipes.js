/**
 * The client's sounds, synthesized (Web Audio, no files): each a short recipe of tones, and the
 * schedule a recipe plays as. The names are the vocabulary game modules choose from in their
 * `sounds` hook (games/README.md). Pure.
 *
 * A tone: `{wave, from, to, ms, gain, delayMs}`: `wave` an oscillator type ("sine", "square",
 * "triangle", "sawtooth") or "noise"; its pitch glides from `from` to `to` Hz (ignored for
 * noise) over `ms`, starting `delayMs` after the sound, at peak `gain` (0–1), with a fast
 * attack and an exponential decay.
 */

const tone = (wave, from, to, ms, gain, delayMs = 0) =>
  Object.freeze({ wave, from, to, ms, gain, delayMs });

/** Every sound by name. */
export const SOUNDS = Object.freeze({
  /** A shot leaves a ship. */
  fire: [tone("square", 920, 380, 70, 0.1), tone("noise", 0, 0, 40, 0.05)],
  /** A ship (not yours) is hit. */
  hit: [tone("noise", 0, 0, 60, 0.12), tone("sine", 240, 120, 80, 0.12)],
  /** Your shot hit: the hit marker's tick. */
  hitmarker: [tone("triangle", 1900, 1900, 35, 0.16), tone("triangle", 2600, 2600, 45, 0.12, 30)],
  /** Your ship is hit. */
  hurt: [tone("sawtooth", 180, 90, 120, 0.14), tone("noise", 0, 0, 90, 0.14)],
  /** You eliminated someone. */
  kill: [tone("square", 523, 1046, 120, 0.12), tone("square", 1318, 1318, 140, 0.1, 100)],
  /** You were eliminated. */
  death: [tone("sawtooth", 320, 55, 420, 0.16), tone("noise", 0, 0, 200, 0.1)],
  /** Back in play. */
  respawn: [tone("triangle", 330, 660, 150, 0.14), tone("triangle", 660, 990, 160, 0.12, 120)],
  /** A ball kicked. */
  kick: [tone("noise", 0, 0, 45, 0.22), tone("sine", 170, 60, 110, 0.2)],
  /** A goal. */
  goal: [
    tone("square", 523, 523, 110, 0.1),
    tone("square", 659, 659, 110, 0.1, 110),
    tone("square", 784, 784, 110, 0.1, 220),
    tone("square", 1046, 1046, 320, 0.1, 330),
  ],
  /** A disc dropped into the grid. */
  drop: [tone("sine", 760, 240, 130, 0.16), tone("noise", 0, 0, 50, 0.14, 120)],
  /** The match starts running. */
  start: [
    tone("triangle", 440, 440, 110, 0.14),
    tone("triangle", 440, 440, 110, 0.14, 220),
    tone("triangle", 880, 880, 260, 0.16, 440),
  ],
  /** The match ended and you won (or your team did). */
  win: [
    tone("triangle", 523, 523, 140, 0.15),
    tone("triangle", 659, 659, 140, 0.15, 140),
    tone("triangle", 784, 784, 140, 0.15, 280),
    tone("triangle", 1046, 1046, 380, 0.16, 420),
  ],
  /** The match ended and you lost. */
  lose: [
    tone("triangle", 392, 392, 180, 0.15),
    tone("triangle", 330, 330, 180, 0.15, 180),
    tone("triangle", 262, 247, 460, 0.15, 360),
  ],
  /** The match ended (a draw, or watched). */
  end: [tone("triangle", 660, 660, 160, 0.14), tone("triangle", 494, 494, 380, 0.14, 160)],
});

/** The tones of sound `name`, or null for a name that is not one. */
export function recipeFor(name) {
  return Object.hasOwn(SOUNDS, name) ? SOUNDS[name] : null;
}

/** How long (ms) a recipe sounds, its last tone's end. */
export function recipeLength(recipe) {
  return Math.max(0, ...recipe.map((t) => t.delayMs + t.ms));
}

/**
 * When and how each tone of `recipe` plays if the sound starts at `startTime` (seconds, the
 * audio clock) at `volume` (0–1): `[{wave, start, end, from, to, peak}]`, times in seconds.
 */
export function schedule(recipe, startTime, volume = 1) {
  const level = Math.max(0, Math.min(1, Number(volume) || 0));
  return recipe.map((t) => ({
    wave: t.wave,
    start: startTime + t.delayMs / 1000,
    end: startTime + (t.delayMs + t.ms) / 1000,
    from: t.from,
    to: t.to,
    peak: t.gain * level,
  }));
}

/**
 * The sounds a game's `sounds` hook asked for, as `[{name, volume}]`: names (strings) or
 * `{name, volume}`, unknown names dropped, volume 0–1 (default 1).
 */
export function soundRequests(requested) {
  const list = Array.isArray(requested) ? requested : requested ? [requested] : [];
  const out = [];
  for (const entry of list) {
    const name = typeof entry === "string" ? entry : entry?.name;
    if (!recipeFor(name)) continue;
    const volume = typeof entry === "object" && Number.isFinite(entry.volume) ? entry.volume : 1;
    out.push({ name, volume: Math.max(0, Math.min(1, volume)) });
  }
  return out;
}
