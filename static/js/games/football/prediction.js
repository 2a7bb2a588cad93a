/**
 * Client-side prediction of the player's own footballer, football's `predictor`
 * (games/README.md): core/prediction.js replays the unacknowledged INPUTs with football's
 * movement (movement.js) from each snapshot's own player. Football stands everyone still at
 * times, and so does the prediction: during the countdown (until the tick it ends on) and during
 * the pause after a goal (from the kick-off until `goal_pause_ms` later). A kick-off puts the
 * player on its spot at rest: the prediction starts again from there. Pure.
 */

import { AvatarPredictor } from "../../core/prediction.js";
import { Phase } from "../../core/protocol.js";
import { movementRules, stepMovement } from "./movement.js";
import { pitchOf } from "./pitch.js";

/** Whether a decoded snapshot carries a kick-off (everyone was put on their spots). */
export function hasKickoff(snapshot) {
  return (snapshot?.events ?? []).some((event) => event.kind === "kickoff");
}

/**
 * The first tick on which players move again after a decoded `snapshot`, given the one known
 * before (`knownResume`, or null): where the countdown ends (`tickMs` per tick), the kick-off's
 * tick plus the pause (`pauseTicks`) while paused after a goal (Infinity when the pause began
 * unseen), or null when nothing holds them. The tick the countdown ends on already moves them.
 */
export function resumeTickAfter(snapshot, { tickMs, pauseTicks }, knownResume = null) {
  if (!snapshot) return null;
  const { tick, phase } = snapshot;
  if (phase === Phase.COUNTDOWN) {
    return tick + Math.max(0, Math.round(snapshot.phaseMsLeft / tickMs));
  }
  if (phase !== Phase.RUNNING || !snapshot.globals?.paused) return null;
  if (hasKickoff(snapshot)) return tick + pauseTicks;
  return knownResume !== null && knownResume > tick ? knownResume : Infinity;
}

/**
 * The own footballer's prediction: core/prediction.js with football's movement, standing still
 * on the ticks the server holds players (an input is expected on the server `entry.tick` ticks
 * after the snapshot reconciled last), and starting again at rest from a kick-off.
 */
export class FootballPredictor extends AvatarPredictor {
  constructor(movement = null, options = {}) {
    super(movement, options);
    this.pauseTicks = 0;
    this.tickMs = movement?.tickMs ?? 50;
    this.snapshotTick = 0;
    this.resumeTick = null;
  }

  /** Football's movement rules of a parsed WELCOME, and how many ticks a goal's pause lasts. */
  movementFrom(welcome) {
    const movement = movementRules(welcome);
    this.tickMs = movement.tickMs;
    this.pauseTicks = Math.round(pitchOf(welcome.rules).goalPauseMs / movement.tickMs);
    return movement;
  }

  /** Forget every input, the predicted state and any pause. */
  clear() {
    super.clear();
    this.snapshotTick = 0;
    this.resumeTick = null;
  }

  /** Whether the server holds players still on the tick `entry` is expected on. */
  holds(entry) {
    return this.resumeTick !== null && this.snapshotTick + entry.tick < this.resumeTick;
  }

  /** One tick with a pending input: still while players are held, else football's movement. */
  step(state, entry) {
    if (this.holds(entry)) return { x: state.x, y: state.y, vx: 0, vy: 0 };
    return stepMovement(state, entry.buttons, this.movement);
  }

  /** The player moves while it is on the pitch and the match is not over. */
  movesWith(self, { phase }) {
    return self !== null && self !== undefined && phase !== Phase.ENDED;
  }

  /**
   * The player's arrival, or a kick-off that holds players still (the countdown's, a goal's),
   * puts it on its spot at rest. The kick-off that starts the match moves everyone in its own
   * tick: the prediction made through the countdown goes on.
   */
  restartedBy(self, { respawned, snapshot }) {
    if (respawned === true) return true;
    return hasKickoff(snapshot) && this.resumeTick !== null && snapshot.tick < this.resumeTick;
  }

  /**
   * Reconcile as core/prediction.js does; with the decoded `snapshot` (the core's option) it also
   * learns when players are held still.
   */
  reconcile(self, ackSeq, nowMs = 0, context = {}) {
    const snapshot = context.snapshot ?? null;
    if (snapshot && Number.isInteger(snapshot.tick) && snapshot.tick >= this.snapshotTick) {
      const timing = { tickMs: this.tickMs, pauseTicks: this.pauseTicks };
      this.resumeTick = resumeTickAfter(snapshot, timing, this.resumeTick);
      this.snapshotTick = snapshot.tick;
    }
    super.reconcile(self, ackSeq, nowMs, context);
  }
}
