/**
 * What a player's session and a spectator's session both keep of a match: the snapshots (for
 * interpolation), the server clock, the newest snapshot, the phase, the roster, the names and
 * which players are reconnecting.
 * Pure: no sockets, no DOM; times are passed in by the caller.
 */

import { ServerClock, SnapshotBuffer } from "./interpolation.js";

/** The state of one match as seen through one socket. */
export class MatchView {
  constructor(matchId) {
    this.matchId = matchId;
    this.socket = null;
    this.buffer = null;
    this.clock = null;
    this.latest = null;
    this.latestAt = 0;
    this.names = new Map();
    this.roster = [];
    /** Ids of the players whose ship waits for their dropped connection (flag RECONNECTING). */
    this.reconnecting = new Set();
    this.result = null;
    this.phase = null;
    this.previousPhase = null;
    this.phaseSince = 0;
    this.closed = false;
  }

  /**
   * Start taking snapshots at `tickRate` (on WELCOME or SPECTATING, at `atMs`). After a
   * reconnect the new socket's chain starts again from a KEYFRAME: the snapshots of the old one
   * are forgotten (the phase, roster and names stay until the KEYFRAME replaces them).
   */
  begin(tickRate, atMs) {
    this.buffer = new SnapshotBuffer(tickRate);
    this.clock = new ServerClock(1000 / tickRate);
    this.latest = null;
    this.latestAt = 0;
    this.phaseSince = atMs;
  }

  /**
   * Take one snapshot: `{fresh, phaseChanged, reconnectingChanged, left}`. A snapshot older than
   * the newest one still feeds interpolation but is not `fresh`; the roster, the names and the
   * reconnecting players follow every fresh snapshot. `left` lists the ids of the players who
   * left the match since the roster before (not connected, and not waited for either).
   */
  takeSnapshot(snapshot, atMs) {
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
    const reconnecting = new Set(snapshot.players.filter((p) => p.reconnecting).map((p) => p.id));
    const reconnectingChanged = !sameSet(reconnecting, this.reconnecting);
    if (reconnectingChanged) this.reconnecting = reconnecting;
    const left = [];
    if (snapshot.roster) {
      const before = new Map(this.roster.map((entry) => [entry.id, entry.connected]));
      this.roster = snapshot.roster;
      for (const entry of snapshot.roster) {
        this.names.set(entry.id, entry.name);
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
