/**
 * What a player's session and a spectator's session both keep of a match: the snapshots (for
 * interpolation), the server clock, the newest snapshot, the phase, the roster and the names.
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
    this.result = null;
    this.phase = null;
    this.previousPhase = null;
    this.phaseSince = 0;
    this.closed = false;
  }

  /** Start taking snapshots at `tickRate` (on WELCOME or SPECTATING, at `atMs`). */
  begin(tickRate, atMs) {
    this.buffer = new SnapshotBuffer(tickRate);
    this.clock = new ServerClock(1000 / tickRate);
    this.phaseSince = atMs;
  }

  /**
   * Take one snapshot: `{fresh, phaseChanged}`. A snapshot older than the newest one still feeds
   * interpolation but is not `fresh`; the roster and names follow every fresh snapshot.
   */
  takeSnapshot(snapshot, atMs) {
    this.buffer.push(snapshot);
    this.clock.observe(snapshot.tick, atMs);
    if (this.latest && snapshot.tick < this.latest.tick) return { fresh: false, phaseChanged: false };
    this.latest = snapshot;
    this.latestAt = atMs;
    const phaseChanged = this.phase !== snapshot.phase;
    if (phaseChanged) {
      this.previousPhase = this.phase;
      this.phase = snapshot.phase;
      this.phaseSince = atMs;
    }
    if (snapshot.roster) {
      this.roster = snapshot.roster;
      for (const entry of snapshot.roster) this.names.set(entry.id, entry.name);
    }
    return { fresh: true, phaseChanged };
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
