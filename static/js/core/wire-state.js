/**
 * The match rebuilt from KEYFRAME and DELTA frames of any game (protocol 5.2), from the schema
 * WELCOME carries: the JavaScript copy of engine/wirestate.py. The wire state of the tick the
 * client holds, the rules that apply the next frame to it, and the decoded snapshot (game values,
 * see schema.js) that the rest of the client interpolates and draws. Pure: no sockets; times are
 * passed in by the caller.
 */

import { MessageType, ProtocolParseError } from "./protocol.js";
import {
  EMPTY_SCHEMA,
  decodeEvent,
  decodeGlobals,
  decodeRosterEntry,
  decodeRow,
} from "./schema.js";

/** Shortest time between two RESYNC frames while waiting for a KEYFRAME. */
export const RESYNC_INTERVAL_MS = 250;

/** Thrown when a DELTA does not apply to the state the client holds: it needs a KEYFRAME. */
export class ChainBroken extends Error {
  constructor(message) {
    super(message);
    this.name = "ChainBroken";
  }
}

/**
 * The wire state after the decoded snapshot `frame` (a KEYFRAME or a DELTA array) applied to
 * `state` (null before the first), which is left unchanged: `{tick, serverMs, phase,
 * phaseMsLeft, globals, collections, events, roster, keyframe, rosterChanged}` with
 * `collections` a list (schema order) of Maps id → row of wire integers. Throws ChainBroken for a
 * DELTA that is not of the tick held, ProtocolParseError for a frame that does not fit the schema.
 */
export function applyFrame(schema, state, frame) {
  if (!Array.isArray(frame)) throw new ProtocolParseError("a snapshot is not an array");
  if (frame[0] === MessageType.SNAPSHOT) return keyframeState(schema, frame);
  if (frame[0] !== MessageType.DELTA) {
    throw new ProtocolParseError(`frame of type ${frame[0]} is not a snapshot`);
  }
  return deltaState(schema, state, frame);
}

function keyframeState(schema, frame) {
  const globalsCount = schema.globals.length;
  const expected = 5 + globalsCount + schema.collections.length + 2;
  if (frame.length !== expected) {
    throw new ProtocolParseError(`KEYFRAME has ${frame.length} fields, the schema ${expected}`);
  }
  const [, tick, serverMs, phase, phaseMsLeft] = frame;
  checkHeader(tick, serverMs);
  const globals = frame.slice(5, 5 + globalsCount);
  const collections = schema.collections.map((collection, index) => {
    const entries = expectArray(frame[5 + globalsCount + index], `KEYFRAME ${collection.name}`);
    const rows = new Map();
    for (const entry of entries) {
      if (!Array.isArray(entry) || entry.length !== 1 + collection.fields.length) {
        throw new ProtocolParseError(`a ${collection.name} entity is not [id, value…]`);
      }
      rows.set(entry[0], entry.slice(1));
    }
    return rows;
  });
  return {
    tick,
    serverMs,
    phase,
    phaseMsLeft,
    globals,
    collections,
    events: expectArray(frame.at(-2) ?? [], "events"),
    roster: expectArray(frame.at(-1), "KEYFRAME roster"),
    keyframe: true,
    rosterChanged: true,
  };
}

function deltaState(schema, state, frame) {
  const [, tick, serverMs, base, phase, phaseMsLeft] = frame;
  checkHeader(tick, serverMs);
  if (!Number.isInteger(base)) throw new ProtocolParseError("base_tick is not an integer");
  if (!state) throw new ChainBroken(`DELTA from tick ${base} before any KEYFRAME`);
  if (state.tick !== base) {
    throw new ChainBroken(`DELTA from tick ${base}, but the client holds ${state.tick}`);
  }
  const elapsed = tick - base;
  if (elapsed <= 0) throw new ChainBroken(`DELTA to tick ${tick} is not after its base`);
  let at = 6;
  let globals = state.globals;
  if (schema.globals.length) {
    const values = frame[at];
    at += 1;
    if (values !== null && values !== undefined) {
      if (!Array.isArray(values) || values.length !== schema.globals.length) {
        throw new ProtocolParseError("DELTA globals do not fit the schema");
      }
      globals = values;
    }
  }
  const parts = schema.collections.reduce((n, c) => n + (c.kind === "projectiles" ? 2 : 1), 0);
  if (frame.length !== at + parts + 2) {
    throw new ProtocolParseError(`DELTA has ${frame.length} fields, the schema ${at + parts + 2}`);
  }
  const collections = schema.collections.map((collection, index) => {
    const old = state.collections[index];
    if (collection.kind === "projectiles") {
      const added = expectArray(frame[at], `new ${collection.name}`);
      const gone = new Set(expectArray(frame[at + 1], `gone ${collection.name}`));
      at += 2;
      return moveProjectiles(collection, old, added, gone, elapsed);
    }
    const changes = expectArray(frame[at], `${collection.name} changes`);
    at += 1;
    return changeEntities(collection, old, changes);
  });
  const roster = frame[at + 1];
  return {
    tick,
    serverMs,
    phase,
    phaseMsLeft,
    globals,
    collections,
    events: expectArray(frame[at] ?? [], "events"),
    roster: roster === null || roster === undefined ? state.roster : expectArray(roster, "roster"),
    keyframe: false,
    rosterChanged: roster !== null && roster !== undefined,
  };
}

/** Projectiles after `elapsed` ticks: the gone ones removed, the rest moved, the new ones added. */
function moveProjectiles(collection, old, added, gone, elapsed) {
  const [x, y, dx, dy] = collection.motion.map((name) => collection.position.get(name));
  const rows = new Map();
  for (const [id, row] of old) {
    if (gone.has(id)) continue;
    const moved = [...row];
    moved[x] += row[dx] * elapsed;
    moved[y] += row[dy] * elapsed;
    rows.set(id, moved);
  }
  for (const entry of added) {
    if (!Array.isArray(entry) || entry.length !== 1 + collection.fields.length) {
      throw new ProtocolParseError(`a new ${collection.name} entity is not [id, value…]`);
    }
    rows.set(entry[0], entry.slice(1));
  }
  return rows;
}

/**
 * Entities after a DELTA's changes: `[id]` removes one, `[id, mask, value…]` changes the fields
 * of the set bits (lowest first; a difference for `diff` fields, else the new value), of a base of
 * zeros for an entity that is new.
 */
function changeEntities(collection, old, changes) {
  const fields = collection.fields;
  const rows = new Map(old);
  for (const change of changes) {
    if (!Array.isArray(change) || !change.length) {
      throw new ProtocolParseError(`a ${collection.name} change is not an array`);
    }
    const id = change[0];
    if (change.length === 1) {
      rows.delete(id);
      continue;
    }
    const mask = change[1];
    const valid =
      Number.isInteger(mask) &&
      mask >= 0 &&
      mask < 2 ** fields.length &&
      change.length === 2 + bitCount(mask);
    if (!valid) {
      throw new ProtocolParseError(`a ${collection.name} change is not [id, mask, values…]`);
    }
    const row = [...(rows.get(id) ?? new Array(fields.length).fill(0))];
    let next = 2;
    for (let bit = 0; bit < fields.length; bit += 1) {
      if ((mask & (2 ** bit)) === 0) continue;
      const value = change[next];
      next += 1;
      row[bit] = fields[bit].delta === "diff" ? row[bit] + value : value;
    }
    rows.set(id, row);
  }
  return rows;
}

/** The KEYFRAME array of a wire state (entities in id order), as the server would send it. */
export function toKeyframe(state) {
  return [
    MessageType.SNAPSHOT,
    state.tick,
    state.serverMs,
    state.phase,
    state.phaseMsLeft,
    ...state.globals,
    ...state.collections.map((rows) => sortedEntries(rows)),
    state.events,
    state.roster,
  ];
}

/** A Map id → row as KEYFRAME entries `[id, …row]`, in id order. */
export function sortedEntries(rows) {
  return [...rows].sort((a, b) => a[0] - b[0]).map(([id, row]) => [id, ...row]);
}

/**
 * The decoded snapshot of a wire state: `{tick, serverMs, phase, phaseMsLeft, globals: {name:
 * value}, collections: {name: Map(id → {id, field: value})}, events: [{kind: name, …args}],
 * roster, keyframe}` in game values (schema.js), entities in id order, `roster` a list of
 * `{id, name, team?, connected, …columns}` or null unless the frame carried one; `teams` is
 * WELCOME's.
 */
export function snapshotOf(schema, state, teams = 0) {
  const collections = {};
  schema.collections.forEach((collection, index) => {
    const entities = new Map();
    for (const [id, ...row] of sortedEntries(state.collections[index])) {
      entities.set(id, decodeRow(collection.fields, row, id));
    }
    collections[collection.name] = entities;
  });
  return {
    tick: state.tick,
    serverMs: state.serverMs,
    phase: state.phase,
    phaseMsLeft: state.phaseMsLeft,
    globals: decodeGlobals(schema, state.globals),
    collections,
    events: state.events.map((event) => decodeEvent(schema, event)).filter(Boolean),
    roster: state.rosterChanged
      ? state.roster.map((entry) => decodeRosterEntry(schema, entry, teams))
      : null,
    keyframe: state.keyframe,
  };
}

/**
 * One socket's chain of snapshots. `start(schema, teams)` on each WELCOME or SPECTATING (the
 * chain starts over from a KEYFRAME); `receive` takes each KEYFRAME or DELTA array and says what
 * to do: `{snapshot, resync}`, the decoded snapshot to show (null for an ignored DELTA) and
 * whether to send RESYNC now. A DELTA that does not apply breaks the chain: DELTAs are then
 * ignored until the next KEYFRAME, each asking for RESYNC again, but never more than once per
 * `resyncIntervalMs`.
 */
export class SnapshotChain {
  /** Create an empty chain (for the empty schema until `start`). */
  constructor({ resyncIntervalMs = RESYNC_INTERVAL_MS } = {}) {
    this.resyncIntervalMs = resyncIntervalMs;
    this.schema = EMPTY_SCHEMA;
    this.teams = 0;
    this.state = null;
    this.waiting = false;
    this.lastResyncAt = null;
  }

  /** Decode with `schema` (parsed, schema.js) from now on; forget the state held. */
  start(schema, teams = 0) {
    this.schema = schema;
    this.teams = teams;
    this.state = null;
    this.waiting = false;
  }

  /** The tick held, or null before the first KEYFRAME and while waiting for one. */
  get tick() {
    return this.state ? this.state.tick : null;
  }

  /**
   * Apply a KEYFRAME or DELTA array received at `nowMs`; a frame that does not fit the schema
   * throws ProtocolParseError and changes nothing.
   */
  receive(frame, nowMs) {
    if (frame[0] === MessageType.SNAPSHOT) {
      this.state = applyFrame(this.schema, null, frame);
      this.waiting = false;
      return { snapshot: snapshotOf(this.schema, this.state, this.teams), resync: false };
    }
    if (frame[0] !== MessageType.DELTA) {
      throw new TypeError(`message type ${frame[0]} is not a snapshot`);
    }
    if (!this.waiting) {
      try {
        this.state = applyFrame(this.schema, this.state, frame);
        return { snapshot: snapshotOf(this.schema, this.state, this.teams), resync: false };
      } catch (error) {
        if (!(error instanceof ChainBroken)) throw error;
        this.state = null;
        this.waiting = true;
      }
    }
    return { snapshot: null, resync: this.resyncDue(nowMs) };
  }

  resyncDue(nowMs) {
    const last = this.lastResyncAt;
    if (last !== null && nowMs - last < this.resyncIntervalMs) return false;
    this.lastResyncAt = nowMs;
    return true;
  }
}

function checkHeader(tick, serverMs) {
  if (!Number.isInteger(tick)) throw new ProtocolParseError("tick is not an integer");
  if (!Number.isInteger(serverMs)) throw new ProtocolParseError("server_ms is not an integer");
}

function expectArray(value, name) {
  if (!Array.isArray(value)) throw new ProtocolParseError(`${name} is not an array`);
  return value;
}

function bitCount(mask) {
  let count = 0;
  for (let rest = mask; rest; rest = Math.floor(rest / 2)) count += rest % 2;
  return count;
}
