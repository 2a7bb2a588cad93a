/**
 * Snapshot interpolation: a clock that maps local time to server time from snapshot ticks,
 * and a buffer that renders entities a little in the past by blending the two snapshots
 * around the render time. Pure: times are passed in by the caller.
 */

import { EventKind, PlayerFlag, wrapAngle } from "./protocol.js";

export const DEFAULT_RENDER_DELAY_MS = 100;

/**
 * Estimates server time as `tick × interval` aligned to local arrival time.
 * The alignment is the lowest recent (arrival − tick time) offset, which ignores late
 * packets; the offset used for display slews towards it so that time never jumps.
 */
export class ServerClock {
  /** Create a clock for snapshots sent every `tickIntervalMs`. */
  constructor(tickIntervalMs, { windowSize = 40, maxSlew = 0.05, snapThresholdMs = 500 } = {}) {
    this.tickIntervalMs = tickIntervalMs;
    this.windowSize = windowSize;
    this.maxSlew = maxSlew;
    this.snapThresholdMs = snapThresholdMs;
    this.samples = [];
    this.targetOffset = null;
    this.offset = null;
    this.lastLocalMs = null;
  }

  /** Record that snapshot `tick` arrived at local time `arrivalMs`. */
  observe(tick, arrivalMs) {
    const sample = arrivalMs - tick * this.tickIntervalMs;
    this.samples.push(sample);
    if (this.samples.length > this.windowSize) this.samples.shift();
    this.targetOffset = Math.min(...this.samples);
    if (this.offset === null) {
      this.offset = this.targetOffset;
      this.lastLocalMs = arrivalMs;
    }
  }

  /** True once at least one snapshot has been observed. */
  get ready() {
    return this.offset !== null;
  }

  /** Estimated server time (ms, in tick × interval units) at local time `localMs`. */
  serverTime(localMs) {
    if (this.offset === null) return 0;
    const elapsed = Math.max(0, localMs - this.lastLocalMs);
    this.lastLocalMs = Math.max(this.lastLocalMs, localMs);
    const error = this.targetOffset - this.offset;
    if (Math.abs(error) > this.snapThresholdMs) {
      this.offset = this.targetOffset;
    } else {
      const step = elapsed * this.maxSlew;
      this.offset += Math.max(-step, Math.min(step, error));
    }
    return localMs - this.offset;
  }
}

/** Linear interpolation between `a` and `b`. */
export function lerp(a, b, t) {
  return a + (b - a) * t;
}

/** Interpolate between two angles (radians) along the shorter arc; result in (-π, π]. */
export function lerpAngle(a, b, t) {
  return wrapAngle(a + wrapAngle(b - a) * t);
}

/**
 * Buffer of parsed snapshots ordered by tick; `sample` returns the interpolated world at a
 * render time (server ms).
 */
export class SnapshotBuffer {
  /** Create a buffer for a tick rate (snapshots per second). */
  constructor(
    tickRate,
    {
      capacity = 64,
      maxExtrapolationMs = 50,
      teleportDistance = 150,
    } = {},
  ) {
    this.tickIntervalMs = 1000 / tickRate;
    this.capacity = capacity;
    this.maxExtrapolationMs = maxExtrapolationMs;
    this.teleportDistance = teleportDistance;
    this.snapshots = [];
  }

  /** Number of buffered snapshots. */
  get size() {
    return this.snapshots.length;
  }

  /** Newest buffered snapshot, or null. */
  get latest() {
    return this.snapshots.length ? this.snapshots[this.snapshots.length - 1] : null;
  }

  /** Server time (ms) a tick shows. */
  tickTime(tick) {
    return tick * this.tickIntervalMs;
  }

  /** Add a snapshot in tick order; returns false for a duplicate or one too old to keep. */
  push(snapshot) {
    const list = this.snapshots;
    if (list.length && snapshot.tick < list[0].tick && list.length >= this.capacity) return false;
    let index = list.length;
    while (index > 0 && list[index - 1].tick > snapshot.tick) index -= 1;
    if (index > 0 && list[index - 1].tick === snapshot.tick) return false;
    list.splice(index, 0, snapshot);
    if (list.length > this.capacity) list.splice(0, list.length - this.capacity);
    return true;
  }

  /**
   * Drop snapshots no longer needed to render at `renderTime`: keeps the newest one at or
   * before it, and always the newest two.
   */
  trim(renderTime) {
    const list = this.snapshots;
    let keepFrom = 0;
    for (let i = 0; i < list.length; i += 1) {
      if (this.tickTime(list[i].tick) <= renderTime) keepFrom = i;
      else break;
    }
    keepFrom = Math.min(keepFrom, list.length - 2);
    if (keepFrom > 0) list.splice(0, keepFrom);
  }

  /** Remove every snapshot. */
  clear() {
    this.snapshots.length = 0;
  }

  /**
   * Interpolated world at `renderTime` (server ms): `{tick, players, bullets}`, or null when
   * the buffer is empty. Beyond the newest snapshot motion is extrapolated for at most
   * `maxExtrapolationMs`; before the oldest the oldest is shown. Bullets seen in both
   * bracketing snapshots also carry their velocity `vx`, `vy` (units per ms).
   */
  sample(renderTime) {
    const list = this.snapshots;
    if (!list.length) return null;
    this.trim(renderTime);
    const first = list[0];
    if (list.length === 1 || renderTime <= this.tickTime(first.tick)) {
      return staticWorld(first);
    }
    let a = list[0];
    let b = list[1];
    const newest = list[list.length - 1];
    if (renderTime >= this.tickTime(newest.tick)) {
      a = list[list.length - 2];
      b = newest;
    }
    const ta = this.tickTime(a.tick);
    const tb = this.tickTime(b.tick);
    const limit = tb + this.maxExtrapolationMs;
    const t = (Math.min(renderTime, limit) - ta) / (tb - ta);
    return this.blend(a, b, t);
  }

  /** Blend two snapshots with factor `t` (0 → a, 1 → b, above 1 extrapolates). */
  blend(a, b, t) {
    const spawned = new Set();
    for (const event of b.events ?? []) if (event.kind === EventKind.SPAWN) spawned.add(event.playerId);
    const players = blendEntities(a.players, b.players, t, (pa, pb) => {
      const discrete = t < 0.5 ? pa : pb;
      const jumped =
        spawned.has(pb.id) ||
        (pa.flags & PlayerFlag.ALIVE) !== (pb.flags & PlayerFlag.ALIVE) ||
        Math.hypot(pb.x - pa.x, pb.y - pa.y) > this.teleportDistance;
      if (jumped) return { ...discrete };
      const u = pb.alive ? t : Math.min(t, 1);
      return {
        ...discrete,
        x: lerp(pa.x, pb.x, u),
        y: lerp(pa.y, pb.y, u),
        aim: lerpAngle(pa.aim, pb.aim, Math.min(u, 1)),
      };
    });
    const spanMs = (b.tick - a.tick) * this.tickIntervalMs;
    const bullets = blendEntities(a.bullets, b.bullets, t, (ba, bb) => ({
      ...bb,
      x: lerp(ba.x, bb.x, t),
      y: lerp(ba.y, bb.y, t),
      vx: (bb.x - ba.x) / spanMs,
      vy: (bb.y - ba.y) / spanMs,
    }));
    return { tick: lerp(a.tick, b.tick, t), players, bullets };
  }
}

function staticWorld(snapshot) {
  return {
    tick: snapshot.tick,
    players: snapshot.players.map((p) => ({ ...p })),
    bullets: snapshot.bullets.map((bullet) => ({ ...bullet })),
  };
}

/**
 * Pair entities of `listA` and `listB` by id and blend each pair. An entity in only one list
 * is shown as it is there; one only in the older list is dropped once `t` reaches 1, as it
 * no longer exists at the newer snapshot's time.
 */
function blendEntities(listA, listB, t, blendPair) {
  const byId = new Map();
  for (const entity of listA) byId.set(entity.id, entity);
  const out = [];
  const seen = new Set();
  for (const entityB of listB) {
    seen.add(entityB.id);
    const entityA = byId.get(entityB.id);
    out.push(entityA ? blendPair(entityA, entityB) : { ...entityB });
  }
  if (t < 1) {
    for (const entityA of listA) if (!seen.has(entityA.id)) out.push({ ...entityA });
  }
  return out;
}
