import assert from "node:assert/strict";
import test from "node:test";

import { CloseCode } from "./protocol.js";
import {
  MAX_RECONNECT_DELAY_MS,
  RECONNECT_BUDGET_MS,
  ReconnectPlan,
  needsNewTicket,
  reconnectBudgetMs,
  reconnectDelayMs,
  shouldReconnect,
} from "./reconnect.js";

const MIDDLE = () => 0.5; // no jitter
const LOWEST = () => 0;
const HIGHEST = () => 0.999999;

test("the backoff doubles from 250 ms and stays at 5 s", () => {
  const delays = [1, 2, 3, 4, 5, 6, 7, 12].map((attempt) => reconnectDelayMs(attempt, MIDDLE));
  assert.deepEqual(delays, [250, 500, 1000, 2000, 4000, 5000, 5000, 5000]);
});

test("jitter spreads each delay by ±20 % and never past 5 s", () => {
  assert.equal(reconnectDelayMs(1, LOWEST), 200);
  assert.equal(reconnectDelayMs(1, HIGHEST), 300);
  assert.equal(reconnectDelayMs(5, LOWEST), 3200);
  assert.equal(reconnectDelayMs(5, HIGHEST), 4800);
  assert.equal(reconnectDelayMs(6, LOWEST), 4000);
  assert.equal(reconnectDelayMs(6, HIGHEST), MAX_RECONNECT_DELAY_MS, "capped after jitter");
  for (let i = 0; i < 200; i += 1) {
    const attempt = 1 + (i % 9);
    const delay = reconnectDelayMs(attempt);
    assert.ok(delay >= 200 && delay <= MAX_RECONNECT_DELAY_MS, `attempt ${attempt}: ${delay}`);
  }
});

test("an odd attempt number counts as the first", () => {
  for (const attempt of [0, -3, NaN, undefined, "x"]) {
    assert.equal(reconnectDelayMs(attempt, MIDDLE), 250, String(attempt));
  }
  assert.equal(reconnectDelayMs(2.7, MIDDLE), 500);
});

test("dropped connections, restarts and overload reconnect by themselves", () => {
  for (const code of [1001, 1006, 1011, 1012, 1013, 4015, 4011]) {
    assert.equal(shouldReconnect(code), true, `code ${code}`);
  }
});

test("ENGINE_UNAVAILABLE reconnects by itself: the match moves to another engine worker", () => {
  assert.equal(CloseCode.ENGINE_UNAVAILABLE, 4013);
  assert.equal(shouldReconnect(CloseCode.ENGINE_UNAVAILABLE), true);
  assert.equal(shouldReconnect(CloseCode.ENGINE_UNAVAILABLE, { seated: true }), true);
});

test("REPLACED never reconnects by itself: two tabs would take the match from each other", () => {
  assert.equal(CloseCode.REPLACED, 4019);
  assert.equal(shouldReconnect(CloseCode.REPLACED), false);
  assert.equal(shouldReconnect(CloseCode.REPLACED, { seated: true }), false);
});

test("codes another try cannot change stop the reconnect", () => {
  const final = [
    1000,
    CloseCode.PROTOCOL_ERROR,
    CloseCode.MATCH_NOT_FOUND,
    CloseCode.MATCH_FULL,
    CloseCode.MATCH_OVER,
    CloseCode.BAD_NAME,
    CloseCode.RATE_LIMITED,
    CloseCode.TICKET_INVALID,
    CloseCode.TICKET_WRONG_MATCH,
    CloseCode.NO_SESSION,
    CloseCode.SEAT_RELEASED,
    CloseCode.REPLACED,
  ];
  for (const code of final) {
    assert.equal(shouldReconnect(code), false, `code ${code}`);
    assert.equal(shouldReconnect(code, { seated: true }), false, `code ${code} once seated`);
  }
});

test("ALREADY_CONNECTED is retried only by a player who was seated: the old socket may linger", () => {
  assert.equal(shouldReconnect(CloseCode.ALREADY_CONNECTED), false, "another tab");
  assert.equal(shouldReconnect(CloseCode.ALREADY_CONNECTED, { seated: true }), true);
});

test("only an expired ticket asks for a new one", () => {
  assert.equal(needsNewTicket(CloseCode.TICKET_EXPIRED), true);
  assert.equal(needsNewTicket(1006), false);
  assert.equal(needsNewTicket(CloseCode.TICKET_INVALID), false);
});

test("the reconnect lasts about 25 s, or the server's grace period and 5 s more", () => {
  assert.equal(reconnectBudgetMs(undefined), RECONNECT_BUDGET_MS);
  assert.equal(reconnectBudgetMs(0), RECONNECT_BUDGET_MS, "no grace: the seat can still be taken back");
  assert.equal(reconnectBudgetMs(20000), 25000);
  assert.equal(reconnectBudgetMs(5000), 25000);
  assert.equal(reconnectBudgetMs(60000), 65000);
  assert.equal(reconnectBudgetMs(Infinity), RECONNECT_BUDGET_MS);
});

test("a plan counts its attempts and gives up once the budget has passed", () => {
  const plan = new ReconnectPlan(1000, { random: MIDDLE });
  let now = 1000;
  const attempts = [];
  for (;;) {
    const next = plan.next(now);
    if (!next) break;
    attempts.push([next.attempt, next.delayMs]);
    now += next.delayMs + 50; // each failed attempt takes 50 ms
  }
  assert.deepEqual(attempts, [
    [1, 250],
    [2, 500],
    [3, 1000],
    [4, 2000],
    [5, 4000],
    [6, 5000],
    [7, 5000],
    [8, 5000],
    [9, 1850], // cut so that the last attempt starts at the deadline: 26 s
  ]);
  assert.equal(plan.deadline, 26000);
  assert.ok(now - 1000 >= RECONNECT_BUDGET_MS);
  assert.equal(plan.next(now), null, "still over");
});

test("a plan with a longer budget keeps trying every 5 s", () => {
  const plan = new ReconnectPlan(0, { budgetMs: 65000, random: MIDDLE });
  let now = 0;
  let count = 0;
  for (let next = plan.next(now); next; next = plan.next(now)) {
    count += 1;
    now += next.delayMs;
  }
  assert.equal(now, 65000);
  assert.equal(count, 5 + Math.ceil((65000 - 7750) / 5000));
});
