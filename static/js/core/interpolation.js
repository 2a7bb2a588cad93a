/**
 * Snapshot interpolation for any game: a clock that maps local time to server time from
 * snapshot ticks, and a buffer that renders the match a little in the past by blending the two
 * decoded snapshots (wire-state.js) around the render time: the schema's `lerp` fields are
 * interpolated (angles the short way round), projectiles move by their motion fields, every
 * other field comes from the nearer snapshot. Pure: times are passed in by the caller.
 */

export const DEFAULT_RENDER_DELAY_MS = 100;

/** The most a view stamp's delay says (the server's INPUT field `view_delay` ends there). */
export const MAX_VIEW_DELAY_MS = 1000;

/**
 * What a client drew, as INPUTs say it for lag compensation (docs/protocol.md 4.1): the newest
 * tick it holds and how far (ms, whole, 0 to MAX_VIEW_DELAY_MS) behind that tick's time its
 * last frame was drawn; null before anything was drawn.
 */
export function viewStamp(newestTick, renderTime, tickIntervalMs) {
  if (!Number.isInteger(newestTick) || newestTick < 1 || !Number.isFinite(renderTime)) return null;
  const delay = Math.round(newestTick * tickIntervalMs - renderTime);
  return { tick: newestTick, delayMs: Math.min(MAX_VIEW_DELAY_MS, Math.max(0, delay)) };
}

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

/** Wrap an angle in radians into (-π, π]. */
export function wrapAngle(rad) {
  return Math.atan2(Math.sin(rad), Math.cos(rad));
}

/** Interpolate between two angles (radians) along the shorter arc; result in (-π, π]. */
export function lerpAngle(a, b, t) {
  return wrapAngle(a + wrapAngle(b - a) * t);
}

/**
 * Buffer of decoded snapshots of one match, ordered by tick; `sample` returns the interpolated
 * world at a render time (server ms, `tick × 1000 / tickRate`).
 */
export class SnapshotBuffer {
  /** Create a buffer for a game's parsed `schema` (schema.js) at `tickRate` snapshots a second. */
  constructor(schema, tickRate, { capacity = 64, maxExtrapolationMs = 50 } = {}) {
    this.schema = schema;
    this.tickIntervalMs = 1000 / tickRate;
    this.capacity = capacity;
    this.maxExtrapolationMs = maxExtrapolationMs;
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
   * The interpolated world at `renderTime` (server ms): `{tick, serverMs, phase, phaseMsLeft,
   * globals, collections, events}` (see wire-state.js `snapshotOf`), or null when the buffer is
   * empty. Beyond the newest snapshot motion is extrapolated for at most `maxExtrapolationMs`;
   * before the oldest the oldest is shown. `jumped(collection, before, after, snapshot)` (the
   * game's) says that an entity jumped and is drawn as it is in the nearer snapshot.
   */
  sample(renderTime, { jumped = null } = {}) {
    const list = this.snapshots;
    if (!list.length) return null;
    this.trim(renderTime);
    const first = list[0];
    if (list.length === 1 || renderTime <= this.tickTime(first.tick)) {
      return this.blend(first, first, 0);
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
    return this.blend(a, b, t, jumped);
  }

  /** Blend two snapshots with factor `t` (0 → a, 1 → b, above 1 extrapolates). */
  blend(a, b, t, jumped = null) {
    const near = t < 0.5 ? a : b;
    const tick = lerp(a.tick, b.tick, t);
    const collections = {};
    for (const collection of this.schema.collections) {
      const before = a.collections[collection.name] ?? EMPTY;
      const after = b.collections[collection.name] ?? EMPTY;
      const jumpedPair = (pa, pb) => jumped?.(collection.name, pa, pb, b) === true;
      collections[collection.name] =
        collection.kind === "projectiles"
          ? moveProjectiles(collection, a, b, tick, t)
          : blendEntities(collection, before, after, t, jumpedPair);
    }
    return {
      tick,
      serverMs: lerp(a.serverMs ?? 0, b.serverMs ?? 0, Math.min(t, 1)),
      phase: near.phase,
      phaseMsLeft: near.phaseMsLeft,
      globals: blendValues(this.schema.globals, a.globals ?? {}, b.globals ?? {}, t),
      collections,
      events: b.events ?? [],
    };
  }
}

const EMPTY = new Map();

/** Two rows (`{name: value}`) blended: the `lerp` fields interpolated, the others the nearer's. */
function blendValues(fields, a, b, t) {
  const out = { ...(t < 0.5 ? a : b) };
  for (const field of fields) {
    if (!field.lerp) continue;
    const va = a[field.name];
    const vb = b[field.name];
    if (va === undefined || vb === undefined) continue;
    out[field.name] = Array.isArray(va)
      ? va.map((value, index) => blendField(field, value, vb[index], t))
      : blendField(field, va, vb, t);
  }
  return out;
}

function blendField(field, a, b, t) {
  if (field.kind === "angle") return lerpAngle(a, b, Math.min(t, 1));
  return lerp(a, b, t);
}

/**
 * Pair the entities of two snapshots by id and blend each pair (unless `jumpedPair` says it
 * jumped: then it is the nearer one). An entity only in the newer snapshot is shown as it is
 * there; one only in the older snapshot is dropped once `t` reaches 1, as it no longer exists
 * at the newer snapshot's time.
 */
function blendEntities(collection, before, after, t, jumpedPair) {
  const out = new Map();
  for (const [id, entityB] of after) {
    const entityA = before.get(id);
    if (!entityA) out.set(id, { ...entityB });
    else if (jumpedPair(entityA, entityB)) out.set(id, { ...(t < 0.5 ? entityA : entityB) });
    else out.set(id, blendValues(collection.fields, entityA, entityB, t));
  }
  if (t < 1) {
    for (const [id, entityA] of before) if (!after.has(id)) out.set(id, { ...entityA });
  }
  return out;
}

/**
 * Projectiles at fractional tick `tick`, moved by their motion fields from the snapshot that
 * has them (the older one when both do: the motion is exact); one that is new in the newer
 * snapshot is not moved back before it, one gone from it is dropped once `t` reaches 1.
 */
function moveProjectiles(collection, a, b, tick, t) {
  const [x, y, dx, dy] = collection.motion;
  const fields = collection.fields;
  const scale = (name) => fields[collection.position.get(name)].scale;
  const kx = scale(dx) / scale(x);
  const ky = scale(dy) / scale(y);
  const before = a.collections[collection.name] ?? EMPTY;
  const after = b.collections[collection.name] ?? EMPTY;
  const out = new Map();
  const place = (entity, from, minTicks) => {
    const ticks = Math.max(minTicks, tick - from.tick);
    const moved = { ...entity };
    moved[x] = entity[x] + entity[dx] * kx * ticks;
    moved[y] = entity[y] + entity[dy] * ky * ticks;
    return moved;
  };
  for (const [id, entity] of before) {
    if (after.has(id) || t < 1) out.set(id, place(entity, a, -Infinity));
  }
  for (const [id, entity] of after) {
    if (!before.has(id)) out.set(id, place(entity, b, 0));
  }
  return new Map([...out].sort((p, q) => p[0] - q[0]));
}
