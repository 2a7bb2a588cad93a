/**
 * The match rebuilt from KEYFRAME and DELTA frames (protocol 5.2): the wire-level state of the
 * tick the client holds, the rules that apply the next frame to it, and the snapshot in world
 * units that the rest of the client draws. Pure: no sockets; times are passed in by the caller.
 */

import { MessageType, PlayerChange, bulletFromWire, playerFromWire } from "./protocol.js";

/** Shortest time between two RESYNC frames while waiting for a KEYFRAME. */
export const RESYNC_INTERVAL_MS = 250;

/**
 * Player fields in wire order after the id: their DELTA mask bit and whether a DELTA carries a
 * difference (x, y, aim and ack) or the new value (health and flags).
 */
const PLAYER_FIELDS = [
  { bit: PlayerChange.X, difference: true },
  { bit: PlayerChange.Y, difference: true },
  { bit: PlayerChange.AIM, difference: true },
  { bit: PlayerChange.HEALTH, difference: false },
  { bit: PlayerChange.FLAGS, difference: false },
  { bit: PlayerChange.ACK, difference: true },
];

/** Thrown when a DELTA does not apply to the state the client holds: it needs a KEYFRAME. */
export class ChainBroken extends Error {
  constructor(message) {
    super(message);
    this.name = "ChainBroken";
  }
}

/**
 * The wire state of a parsed KEYFRAME (protocol.js `parseKeyframe`): `{tick, serverMs, phase,
 * phaseMsLeft, players, bullets, events, roster, keyframe, rosterChanged}` where `players` maps
 * id → `[x, y, aim_mrad, health, flags, ack]` and `bullets` id → `[x, y, dx, dy, owner_id]`.
 */
export function keyframeState(keyframe) {
  return {
    tick: keyframe.tick,
    serverMs: keyframe.serverMs,
    phase: keyframe.phase,
    phaseMsLeft: keyframe.phaseMsLeft,
    players: new Map(keyframe.players.map(([id, ...wire]) => [id, wire])),
    bullets: new Map(keyframe.bullets.map(([id, ...wire]) => [id, wire])),
    events: keyframe.events,
    roster: keyframe.roster,
    keyframe: true,
    rosterChanged: true,
  };
}

/**
 * The wire state after a parsed DELTA (protocol.js `parseDelta`) applied to `state`, which is
 * left unchanged; throws ChainBroken when `state` is null or not of the DELTA's `baseTick`.
 */
export function applyDelta(state, delta) {
  if (!state) throw new ChainBroken(`DELTA from tick ${delta.baseTick} before any KEYFRAME`);
  if (state.tick !== delta.baseTick) {
    throw new ChainBroken(`DELTA from tick ${delta.baseTick}, but the client holds ${state.tick}`);
  }
  const elapsed = delta.tick - delta.baseTick;
  if (elapsed <= 0) throw new ChainBroken(`DELTA to tick ${delta.tick} is not after its base`);

  const players = new Map(state.players);
  for (const [id, mask, ...values] of delta.players) {
    const base = players.get(id);
    if (!base) throw new ChainBroken(`DELTA changes player ${id}, absent at tick ${state.tick}`);
    const wire = [...base];
    let next = 0;
    PLAYER_FIELDS.forEach(({ bit, difference }, index) => {
      if ((mask & bit) === 0) return;
      const value = values[next];
      next += 1;
      wire[index] = difference ? wire[index] + value : value;
    });
    players.set(id, wire);
  }

  const gone = new Set(delta.goneBullets);
  const bullets = new Map();
  for (const [id, [x, y, dx, dy, ownerId]] of state.bullets) {
    if (!gone.has(id)) bullets.set(id, [x + dx * elapsed, y + dy * elapsed, dx, dy, ownerId]);
  }
  for (const [id, ...wire] of delta.newBullets) bullets.set(id, wire);

  return {
    tick: delta.tick,
    serverMs: delta.serverMs,
    phase: delta.phase,
    phaseMsLeft: delta.phaseMsLeft,
    players,
    bullets,
    events: delta.events,
    roster: delta.roster ?? state.roster,
    keyframe: false,
    rosterChanged: delta.roster !== null,
  };
}

/** A wire state's players and bullets as KEYFRAME entries (`[id, …]`), in id order. */
export function wireEntries(state) {
  const entries = (map) => [...map].sort((a, b) => a[0] - b[0]).map(([id, wire]) => [id, ...wire]);
  return { players: entries(state.players), bullets: entries(state.bullets) };
}

/**
 * The snapshot the client draws for a wire state: `{tick, serverMs, phase, phaseMsLeft, players,
 * bullets, events, roster, keyframe}` in world units, players with their acknowledged input
 * `ack`, bullets with their velocity `vx`, `vy` (units per ms at `tickRate`), and `roster` null
 * unless the frame carried one.
 */
export function snapshotOf(state, tickRate = 20) {
  const { players, bullets } = wireEntries(state);
  return {
    tick: state.tick,
    serverMs: state.serverMs,
    phase: state.phase,
    phaseMsLeft: state.phaseMsLeft,
    players: players.map(playerFromWire),
    bullets: bullets.map((wire) => bulletFromWire(wire, tickRate)),
    events: state.events,
    roster: state.rosterChanged ? state.roster : null,
    keyframe: state.keyframe,
  };
}

/**
 * One socket's chain of snapshots. `receive` takes each parsed KEYFRAME or DELTA and says what
 * to do: `{snapshot, resync}`, the snapshot to show (null for an ignored DELTA) and whether to
 * send RESYNC now. A DELTA that does not apply breaks the chain: DELTAs are then ignored until
 * the next KEYFRAME, each asking for RESYNC again, but never more than once per
 * `resyncIntervalMs`.
 */
export class SnapshotChain {
  /** Create an empty chain for snapshots at `tickRate` per second. */
  constructor({ tickRate = 20, resyncIntervalMs = RESYNC_INTERVAL_MS } = {}) {
    this.tickRate = tickRate;
    this.resyncIntervalMs = resyncIntervalMs;
    this.state = null;
    this.waiting = false;
    this.lastResyncAt = null;
  }

  /** The tick held, or null before the first KEYFRAME and while waiting for one. */
  get tick() {
    return this.state ? this.state.tick : null;
  }

  /** Apply a parsed frame of `type` (SNAPSHOT or DELTA) received at `nowMs`. */
  receive(type, message, nowMs) {
    if (type === MessageType.SNAPSHOT) {
      this.state = keyframeState(message);
      this.waiting = false;
      return { snapshot: snapshotOf(this.state, this.tickRate), resync: false };
    }
    if (type !== MessageType.DELTA) throw new TypeError(`message type ${type} is not a snapshot`);
    if (!this.waiting) {
      try {
        this.state = applyDelta(this.state, message);
        return { snapshot: snapshotOf(this.state, this.tickRate), resync: false };
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
