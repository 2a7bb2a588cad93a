/**
 * When and how a player's match socket reconnects by itself after its connection dropped: which
 * close codes call for it, the backoff between attempts (doubling from 250 ms, at most 5 s, with
 * jitter) and for how long it keeps trying (about 25 s: a little longer than the server keeps
 * the ship waiting, protocol flag RECONNECTING). Pure: times are passed in by the caller.
 */

import { CloseCode } from "./protocol.js";

/** Delay before attempts 1, 2, 3, …; every later attempt waits MAX_RECONNECT_DELAY_MS. */
export const RECONNECT_DELAYS_MS = Object.freeze([250, 500, 1000, 2000, 4000]);
export const MAX_RECONNECT_DELAY_MS = 5000;
/** Each delay is spread by ±20 %: players of a restarted server do not all come back at once. */
export const RECONNECT_JITTER = 0.2;
/** How long to keep trying when the server does not say its grace period. */
export const RECONNECT_BUDGET_MS = 25000;
/** How long to keep trying beyond the server's grace period (the clocks start apart). */
export const RECONNECT_MARGIN_MS = 5000;

/**
 * Close codes after which the client reconnects by itself: the server going away or restarting
 * (1001, 1012), a dropped connection (1006), a server error or overload (1011, 1013), an engine
 * that did not answer (4013: the match moves to another engine worker within a few seconds), a
 * client too slow to read its snapshots (4015) and an expired ticket (4011: a new one is taken).
 */
export const AUTO_RECONNECT_CODES = Object.freeze(
  new Set([
    CloseCode.GOING_AWAY,
    1006,
    1011,
    CloseCode.SERVICE_RESTART,
    1013,
    CloseCode.ENGINE_UNAVAILABLE,
    CloseCode.TOO_SLOW,
    CloseCode.TICKET_EXPIRED,
  ]),
);

/**
 * True if the player's socket should reconnect by itself after closing with `code`. Once the
 * player was `seated` in the match, ALREADY_CONNECTED (4009) is retried as well: the server may
 * not have noticed yet that the dropped socket is gone. Never for REPLACED (4019: the player
 * opened the match in another tab or window, and taking it back by itself would close that one
 * in turn), SEAT_RELEASED (4018) and the other codes that another try cannot change.
 */
export function shouldReconnect(code, { seated = false } = {}) {
  if (AUTO_RECONNECT_CODES.has(code)) return true;
  return seated && code === CloseCode.ALREADY_CONNECTED;
}

/** True if the next attempt after closing with `code` needs a new ticket (the old one expired). */
export function needsNewTicket(code) {
  return code === CloseCode.TICKET_EXPIRED;
}

/**
 * Delay before reconnect attempt `attempt` (1 for the first): 250 ms, 0.5 s, 1 s, 2 s, 4 s, then
 * 5 s, each spread by ±RECONNECT_JITTER (`random()` in [0, 1)) and never over 5 s.
 */
export function reconnectDelayMs(attempt, random = Math.random) {
  const index = Math.max(1, Math.floor(Number(attempt) || 1)) - 1;
  const base = RECONNECT_DELAYS_MS[index] ?? MAX_RECONNECT_DELAY_MS;
  const spread = 1 - RECONNECT_JITTER + 2 * RECONNECT_JITTER * random();
  return Math.round(Math.min(MAX_RECONNECT_DELAY_MS, base * spread));
}

/**
 * How long to keep trying: RECONNECT_BUDGET_MS, or the server's grace period (WELCOME's
 * `reconnect_grace_ms`) plus RECONNECT_MARGIN_MS when that is longer.
 */
export function reconnectBudgetMs(graceMs) {
  if (!Number.isFinite(graceMs) || graceMs <= 0) return RECONNECT_BUDGET_MS;
  return Math.max(RECONNECT_BUDGET_MS, graceMs + RECONNECT_MARGIN_MS);
}

/**
 * The attempts of one reconnect, from the drop at `startedAt` (ms) until it succeeds or
 * `budgetMs` have passed. `next(nowMs)` after each failure gives the next attempt.
 */
export class ReconnectPlan {
  constructor(startedAt, { budgetMs = RECONNECT_BUDGET_MS, random = Math.random } = {}) {
    this.startedAt = startedAt;
    this.budgetMs = budgetMs;
    this.random = random;
    this.attempt = 0;
  }

  /** When the plan gives up (ms, the clock of `startedAt`). */
  get deadline() {
    return this.startedAt + this.budgetMs;
  }

  /**
   * The next attempt at `nowMs`: `{attempt, delayMs}` (attempt counts from 1; the delay is cut
   * so that the last attempt starts by the deadline), or null once the deadline has passed.
   */
  next(nowMs) {
    const left = this.deadline - nowMs;
    if (left <= 0) return null;
    this.attempt += 1;
    const delayMs = Math.min(reconnectDelayMs(this.attempt, this.random), left);
    return { attempt: this.attempt, delayMs };
  }
}
