/**
 * The client tick of a player: when the next INPUT goes out. One is due every `1000 / tickRate`
 * ms, whatever the state; one more at once when the game says its controls changed (`urgent`:
 * its input's `wantsSendNow()`), within a budget below the server's rate limit. Pure: times are
 * passed in by the caller.
 */

/** Client ticks per second when the WELCOME does not say (the match tick rate). */
export const DEFAULT_TICK_RATE = 20;
/**
 * The client's own budget for INPUT frames: a token bucket of `rate` per second with bursts of
 * `burst`, below the server's limit for all frames (30/s, bursts of 10; protocol 4.4) so that
 * PING and RESYNC always fit.
 */
export const INPUT_BUDGET = Object.freeze({ rate: 25, burst: 6 });
/** Shortest time between two INPUT frames, even for an urgent change. */
export const MIN_INPUT_GAP_MS = 10;

/**
 * Decides when to send the next INPUT (`seq` + 1 each). An urgent change is sent at once (no
 * sooner than `minGapMs` after the last INPUT), so the player's own avatar reacts without
 * waiting: in the first half of a tick it amends that tick (the engine applies only the newest
 * INPUT of a tick, so it most likely replaces the one sent at the tick's start); later it starts
 * a new tick and the regular ticks follow from there. Every INPUT spends a token of the budget;
 * an urgent change waits for one, the regular tick never does (it stays below the budget's rate).
 *
 * Use: `due(now, urgent)` says whether an INPUT is due (`{amends, regular}`) or null; then
 * `commit(now, due)` numbers the INPUT sent, or `idle(now, due)` when the game had nothing to
 * send; `poll` does both for a game that always sends. `waitMs` says when to ask again.
 */
export class InputClock {
  /** Create a clock at `tickRate` ticks per second; sequence numbers start at 1. */
  constructor(
    tickRate = DEFAULT_TICK_RATE,
    { rate = INPUT_BUDGET.rate, burst = INPUT_BUDGET.burst, minGapMs = MIN_INPUT_GAP_MS } = {},
  ) {
    this.tickMs = 1000 / tickRate;
    this.rate = rate;
    this.burst = burst;
    this.minGapMs = minGapMs;
    this.reset();
  }

  /** Forget what was sent; the next poll sends a frame. */
  reset() {
    this.seq = 0;
    this.nextAt = -Infinity;
    this.tickAt = -Infinity;
    this.lastSentAt = -Infinity;
    this.tokens = this.burst;
    this.tokensAt = null;
    this.early = true;
  }

  /** Number the next INPUT `seq + 1` (WELCOME's `ack`: the server applied up to `seq`). */
  continueAfter(seq) {
    this.seq = seq;
  }

  /** Send urgent changes with the next regular tick only (after the server said THROTTLED). */
  slowDown() {
    this.early = false;
  }

  /**
   * Whether an INPUT is due at `nowMs`: `{regular, amends}` (`amends` when it replaces the
   * previous INPUT's tick rather than starting one), or null (ask again after `waitMs`).
   */
  due(nowMs, urgent = false) {
    this.refill(nowMs);
    const regular = nowMs >= this.nextAt;
    if (!regular && !this.urgentReady(nowMs, urgent)) return null;
    return { regular, amends: !regular && nowMs - this.tickAt < this.tickMs / 2 };
  }

  /** An INPUT that was `due` is sent at `nowMs`: spend a token, keep the cadence; its `seq`. */
  commit(nowMs, due) {
    this.tokens -= 1;
    if (!due.amends) this.startTick(nowMs, due.regular);
    this.lastSentAt = nowMs;
    this.seq += 1;
    return this.seq;
  }

  /** A due INPUT had nothing to send: a regular tick passes without one (no token, no seq). */
  idle(nowMs, due) {
    if (due.regular) this.startTick(nowMs, true);
  }

  /** `due` and `commit` at once: `{seq, amends}` of the INPUT to send now, or null. */
  poll(nowMs, urgent = false) {
    const due = this.due(nowMs, urgent);
    if (!due) return null;
    return { seq: this.commit(nowMs, due), amends: due.amends };
  }

  /** Milliseconds until an INPUT may be due (0: poll now), with `urgent` as the game says. */
  waitMs(nowMs, urgent = false) {
    let at = this.nextAt;
    if (this.early && urgent) {
      this.refill(nowMs);
      const tokenAt = nowMs + (Math.max(0, 1 - this.tokens) * 1000) / this.rate;
      at = Math.min(at, Math.max(this.lastSentAt + this.minGapMs, tokenAt));
    }
    return Math.max(0, at - nowMs);
  }

  startTick(nowMs, regular) {
    const onSchedule = regular && nowMs - this.nextAt < this.tickMs;
    this.nextAt = onSchedule ? this.nextAt + this.tickMs : nowMs + this.tickMs;
    this.tickAt = nowMs;
  }

  /** True when an urgent change may be sent now. */
  urgentReady(nowMs, urgent) {
    return this.early && urgent && nowMs - this.lastSentAt >= this.minGapMs && this.tokens >= 1;
  }

  refill(nowMs) {
    if (this.tokensAt !== null && nowMs > this.tokensAt) {
      const earned = ((nowMs - this.tokensAt) * this.rate) / 1000;
      this.tokens = Math.min(this.burst, this.tokens + earned);
    }
    this.tokensAt = this.tokensAt === null ? nowMs : Math.max(this.tokensAt, nowMs);
  }
}
