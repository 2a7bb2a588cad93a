/**
 * Playing the client's sounds (sound-recipes.js) with Web Audio: nothing is created before a
 * user gesture (browsers refuse audio until the page is touched, clicked or typed in), a mute
 * setting remembered in localStorage across visits, and a gate that keeps a burst of one sound
 * (eight ships firing) from stacking up.
 */

import { recipeFor, schedule, soundRequests } from "./sound-recipes.js";

/** Where the mute setting is kept ("true" muted; anything else, or nothing, plays). */
export const MUTE_KEY = "arena.muted";
/** The same sound plays at most once in this many milliseconds. */
export const REPEAT_GAP_MS = 45;
/** At most this many sounds start at once (one snapshot's worth). */
export const MAX_AT_ONCE = 4;
/**
 * The events that may count as a user gesture for the autoplay rules (a touch counts when it
 * ends, a mouse button when it goes down, a key when it goes down).
 */
const GESTURES = ["pointerdown", "pointerup", "keydown", "touchend", "click"];
/** The master level of every sound. */
const MASTER_GAIN = 0.8;

/** Whether the mute setting in `storage` says muted (false when storage cannot be read). */
export function readMuted(storage) {
  try {
    return storage?.getItem(MUTE_KEY) === "true";
  } catch {
    return false;
  }
}

/** Keep the mute setting in `storage` (ignored when storage cannot be written). */
export function writeMuted(storage, muted) {
  try {
    storage?.setItem(MUTE_KEY, muted ? "true" : "false");
  } catch {
    /* private mode: the setting lasts for this page only */
  }
}

/**
 * Which of `requests` (`[{name, volume}]`) may start at `nowMs`, given when each name last did
 * (`lastAt`, a Map that is updated): one per name per REPEAT_GAP_MS, at most MAX_AT_ONCE. Pure
 * but for `lastAt`.
 */
export function admit(requests, nowMs, lastAt) {
  const admitted = [];
  for (const request of requests) {
    if (admitted.length >= MAX_AT_ONCE) break;
    if (admitted.some((other) => other.name === request.name)) continue;
    const last = lastAt.get(request.name);
    if (last !== undefined && nowMs - last < REPEAT_GAP_MS) continue;
    lastAt.set(request.name, nowMs);
    admitted.push(request);
  }
  return admitted;
}

/**
 * The page's sound output. Options (for tests): `storage` (localStorage), `createContext()`
 * (a new AudioContext; null without Web Audio) and `now()` (performance.now()).
 */
export class SoundBoard {
  constructor({
    storage = globalThis.localStorage,
    createContext = defaultContext,
    now = () => performance.now(),
  } = {}) {
    this.storage = storage;
    this.createContext = createContext;
    this.now = now;
    this.muted = readMuted(storage);
    this.context = null;
    this.master = null;
    this.noise = null;
    this.unlocked = false;
    this.lastAt = new Map();
    this.listeners = new Set();
    this.played = 0;
  }

  /** Call `listener(muted)` when the mute setting changes. */
  onChange(listener) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Mute or unmute, and remember it. */
  setMuted(muted) {
    const next = Boolean(muted);
    if (next === this.muted) return;
    this.muted = next;
    writeMuted(this.storage, next);
    if (this.master) this.master.gain.value = next ? 0 : MASTER_GAIN;
    for (const listener of this.listeners) listener(next);
  }

  /** Flip the mute setting. */
  toggle() {
    this.setMuted(!this.muted);
  }

  /**
   * A user gesture happened: audio may start now. Creates (or resumes) the audio context; before
   * the first call nothing is created and `play` does nothing.
   */
  unlock() {
    this.unlocked = true;
    if (!this.context) {
      this.context = this.createContext?.() ?? null;
      if (!this.context) return;
      this.master = this.context.createGain();
      this.master.gain.value = this.muted ? 0 : MASTER_GAIN;
      this.master.connect(this.context.destination);
    }
    if (this.context.state === "suspended") this.context.resume?.().catch?.(() => {});
  }

  /**
   * Unlock on the user's gestures on `target` (the window) until the audio runs: an event that
   * the browser does not count as a gesture leaves the context suspended, the next one resumes it.
   */
  listenForGesture(target = globalThis) {
    const onGesture = () => {
      this.unlock();
      if (this.context && this.context.state !== "running") return;
      for (const type of GESTURES) target.removeEventListener?.(type, onGesture, true);
    };
    for (const type of GESTURES) target.addEventListener?.(type, onGesture, true);
  }

  /**
   * Play what a game's `sounds` hook (or the core) asked for: names or `{name, volume}`. Nothing
   * while muted, before a user gesture (or while the audio is still suspended: it would play
   * late, all at once), or for a sound that just played.
   */
  play(requested) {
    if (this.muted || !this.unlocked || this.context?.state !== "running") return 0;
    const requests = admit(soundRequests(requested), this.now(), this.lastAt);
    for (const { name, volume } of requests) this.synthesize(recipeFor(name), volume);
    this.played += requests.length;
    return requests.length;
  }

  /** Schedule the tones of `recipe` on the audio context, starting now. */
  synthesize(recipe, volume) {
    const context = this.context;
    const start = context.currentTime + 0.005;
    for (const part of schedule(recipe, start, volume)) {
      const source = part.wave === "noise" ? this.noiseSource() : context.createOscillator();
      if (part.wave !== "noise") {
        source.type = part.wave;
        source.frequency.setValueAtTime(part.from, part.start);
        if (part.to !== part.from) {
          source.frequency.exponentialRampToValueAtTime(Math.max(1, part.to), part.end);
        }
      }
      const envelope = context.createGain();
      envelope.gain.setValueAtTime(0.0001, part.start);
      envelope.gain.exponentialRampToValueAtTime(Math.max(0.0002, part.peak), part.start + 0.006);
      envelope.gain.exponentialRampToValueAtTime(0.0001, part.end);
      source.connect(envelope);
      envelope.connect(this.master);
      source.start(part.start);
      source.stop(part.end + 0.02);
    }
  }

  /** A source of white noise (one shared second of it). */
  noiseSource() {
    const context = this.context;
    if (!this.noise) {
      const length = Math.round(context.sampleRate);
      this.noise = context.createBuffer(1, length, context.sampleRate);
      const samples = this.noise.getChannelData(0);
      for (let i = 0; i < length; i += 1) samples[i] = Math.random() * 2 - 1;
    }
    const source = context.createBufferSource();
    source.buffer = this.noise;
    return source;
  }
}

function defaultContext() {
  const AudioContext = globalThis.AudioContext ?? globalThis.webkitAudioContext;
  return AudioContext ? new AudioContext() : null;
}
