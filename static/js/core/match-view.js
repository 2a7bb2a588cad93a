/**
 * What a player's session and a spectator's session both keep of a match of any game: the
 * decoded snapshots (for interpolation), the server clock, the newest snapshot, the phase, the
 * roster, the names and teams, and which players are reconnecting (as the game says).
 * Pure: no sockets, no DOM; times are passed in by the caller.
 */

import {
  DEFAULT_RENDER_DELAY_MS,
  ServerClock,
  SnapshotBuffer,
  viewStamp,
} from "./interpolation.js";
import { Phase } from "./protocol.js";
import { EMPTY_SCHEMA } from "./schema.js";

/** How long "Fight!" shows once the running phase started after a countdown. */
const FIGHT_MS = 900;

/** The state of one match as seen through one socket. */
export class MatchView {
  constructor(matchId) {
    this.matchId = matchId;
    this.socket = null;
    this.schema = EMPTY_SCHEMA;
    this.buffer = null;
    this.clock = null;
    this.latest = null;
    this.latestAt = 0;
    /** The render time (server ms) of the frame drawn last, null before the first. */
    this.drawnAt = null;
    this.names = new Map();
    /** Team of each player (team modes), from the roster. */
    this.teams = new Map();
    this.roster = [];
    /** Players whose seat waits for their dropped connection (the game's `reconnectingOf`). */
    this.reconnecting = new Set();
    this.result = null;
    this.phase = null;
    this.previousPhase = null;
    this.phaseSince = 0;
    this.closed = false;
  }

  /**
   * Start taking the snapshots of a parsed WELCOME or SPECTATING (its schema and tick rate) at
   * `atMs`. After a reconnect the new socket's chain starts again from a KEYFRAME: the snapshots
   * of the old one are forgotten (the phase, roster and names stay until the KEYFRAME replaces
   * them).
   */
  begin({ schema, tickRate }, atMs) {
    this.schema = schema;
    this.buffer = new SnapshotBuffer(schema, tickRate);
    this.clock = new ServerClock(1000 / tickRate);
    this.latest = null;
    this.latestAt = 0;
    this.drawnAt = null;
    this.phaseSince = atMs;
  }

  /**
   * Take one decoded snapshot (wire-state.js): `{fresh, phaseChanged, reconnectingChanged,
   * left}`. A snapshot older than the newest one still feeds interpolation but is not `fresh`;
   * the roster, the names and the reconnecting players (`reconnectingOf(snapshot)`, the game's:
   * ids whose seat waits for them) follow every fresh snapshot. `left` lists the ids of the
   * players who left the match since the roster before (not connected, and not waited for either).
   */
  takeSnapshot(snapshot, atMs, reconnectingOf = null) {
    this.buffer.push(snapshot);
    this.clock.observe(snapshot.tick, atMs);
    if (this.latest && snapshot.tick < this.latest.tick) {
      return { fresh: false, phaseChanged: false, reconnectingChanged: false, left: [] };
    }
    this.latest = snapshot;
    this.latestAt = atMs;
    const phaseChanged = this.phase !== snapshot.phase;
    if (phaseChanged) {
      this.previousPhase = this.phase;
      this.phase = snapshot.phase;
      this.phaseSince = atMs;
    }
    const reconnecting = new Set(reconnectingOf ? reconnectingOf(snapshot) : []);
    const reconnectingChanged = !sameSet(reconnecting, this.reconnecting);
    if (reconnectingChanged) this.reconnecting = reconnecting;
    const left = [];
    if (snapshot.roster) {
      const before = new Map(this.roster.map((entry) => [entry.id, entry.connected]));
      this.roster = snapshot.roster;
      this.teams = new Map();
      for (const entry of snapshot.roster) {
        this.names.set(entry.id, entry.name);
        if (entry.team !== undefined) this.teams.set(entry.id, entry.team);
        const gone = !entry.connected && !reconnecting.has(entry.id);
        if (gone && before.get(entry.id) === true) left.push(entry.id);
      }
    }
    return { fresh: true, phaseChanged, reconnectingChanged, left };
  }

  /** Players present now: seated with their connection up (the roster's `connected`). */
  get presentCount() {
    return this.roster.filter((entry) => entry.connected).length;
  }

  /**
   * The world to draw at local time `nowMs`: `{world, renderTime}`, the interpolated snapshots
   * at the render time (DEFAULT_RENDER_DELAY_MS behind the server clock) with the current
   * roster, or a null world before the first snapshot; `jumped` is the game's.
   */
  sample(nowMs, jumped = null) {
    if (!this.clock?.ready) return { world: null, renderTime: 0 };
    const renderTime = this.clock.serverTime(nowMs) - DEFAULT_RENDER_DELAY_MS;
    const world = this.buffer.sample(renderTime, { jumped });
    if (world) world.roster = this.roster;
    if (world) this.drawnAt = renderTime;
    return { world, renderTime };
  }

  /**
   * What the player last saw (interpolation.js `viewStamp`): the newest tick held and how far
   * behind it the last frame was drawn, for the INPUTs of a game that compensates lag; null
   * before a frame was drawn.
   */
  viewStamp() {
    if (!this.latest || this.drawnAt === null) return null;
    return viewStamp(this.latest.tick, this.drawnAt, this.buffer.tickIntervalMs);
  }

  /** Keep the match's RESULT and the names it carries. */
  takeResult(result) {
    this.result = result;
    for (const entry of result.standings) this.names.set(entry.id, entry.name);
  }

  /** A player's display name, or a stand-in while the roster has not named it yet. */
  nameOf(id) {
    return this.names.get(id) ?? `Player ${id}`;
  }
}

function sameSet(a, b) {
  if (a.size !== b.size) return false;
  for (const item of a) if (!b.has(item)) return false;
  return true;
}

/**
 * The phase banner over the field at `nowMs`: "Waiting for players · 1 of 2" (`needed` present
 * players; `hint` appended), the countdown's seconds, "Fight!" for a moment once it ran out,
 * "Match over" until the RESULT; null otherwise (the game may show its own).
 */
export function phaseOverlay(view, nowMs, { needed = 2, hint = "" } = {}) {
  const latest = view.latest;
  if (!latest) return null;
  const msLeft = latest.phaseMsLeft - (nowMs - view.latestAt);
  switch (latest.phase) {
    case Phase.WAITING: {
      const present = view.presentCount;
      return { title: "", subtitle: `Waiting for players · ${present} of ${needed}${hint}` };
    }
    case Phase.COUNTDOWN:
      return { title: String(Math.max(1, Math.ceil(msLeft / 1000))), subtitle: "Get ready" };
    case Phase.RUNNING:
      if (view.previousPhase === Phase.COUNTDOWN && nowMs - view.phaseSince < FIGHT_MS) {
        return { title: "Fight!", subtitle: "" };
      }
      return null;
    case Phase.ENDED:
      return view.result ? null : { title: "Match over", subtitle: "" };
    default:
      return null;
  }
}
