import assert from "node:assert/strict";
import test from "node:test";

import { playerColor, playerHue } from "./colors.js";
import {
  describeEndReason,
  formatClock,
  formatDelay,
  formatElapsed,
  formatSpectators,
  matchIdFromHash,
  rankRoster,
  timeAgo,
  watchHash,
  watchIdFromHash,
} from "./format.js";

test("formatClock shows mm:ss rounded up", () => {
  assert.equal(formatClock(0), "00:00");
  assert.equal(formatClock(-50), "00:00");
  assert.equal(formatClock(1), "00:01");
  assert.equal(formatClock(59000), "00:59");
  assert.equal(formatClock(59001), "01:00");
  assert.equal(formatClock(180000), "03:00");
  assert.equal(formatClock(754321), "12:35");
});

test("formatElapsed shows mm:ss rounded down", () => {
  assert.equal(formatElapsed(0), "00:00");
  assert.equal(formatElapsed(-5), "00:00");
  assert.equal(formatElapsed(999), "00:00");
  assert.equal(formatElapsed(1000), "00:01");
  assert.equal(formatElapsed(65999), "01:05");
  assert.equal(formatElapsed(undefined), "00:00");
});

test("timeAgo", () => {
  const now = Date.parse("2025-01-01T12:00:00Z");
  assert.equal(timeAgo("2025-01-01T11:59:55Z", now), "just now");
  assert.equal(timeAgo("2025-01-01T11:59:30Z", now), "30 s ago");
  assert.equal(timeAgo("2025-01-01T11:57:00Z", now), "3 min ago");
  assert.equal(timeAgo("2025-01-01T09:00:00Z", now), "3 h ago");
  assert.equal(timeAgo("not a date", now), "");
});

test("rankRoster sorts by the columns with an order, then by id", () => {
  const roster = [
    { id: 2, score: 3, deaths: 1 },
    { id: 0, score: 5, deaths: 4 },
    { id: 1, score: 3, deaths: 1 },
    { id: 3, score: 3, deaths: 0 },
  ];
  const columns = [
    { name: "score", order: "desc" },
    { name: "deaths", order: "asc" },
  ];
  assert.deepEqual(rankRoster(roster, columns).map((e) => e.id), [0, 3, 1, 2]);
  assert.deepEqual(rankRoster(roster, [{ name: "score", order: "desc" }, { name: "deaths" }]).map((e) => e.id), [0, 1, 2, 3]);
  assert.deepEqual(rankRoster(roster).map((e) => e.id), [0, 1, 2, 3], "by id without columns");
});

test("rankRoster puts teams together in team modes", () => {
  const roster = [
    { id: 0, team: 1, goals: 2 },
    { id: 1, team: 0, goals: 0 },
    { id: 2, team: 1, goals: 3 },
    { id: 3, team: 0, goals: 1 },
  ];
  const ranked = rankRoster(roster, [{ name: "goals", order: "desc" }]);
  assert.deepEqual(ranked.map((e) => e.id), [3, 1, 2, 0]);
});

test("matchIdFromHash", () => {
  assert.equal(
    matchIdFromHash("#match=5f0c2a1e-1111-4222-8333-944455556666"),
    "5f0c2a1e-1111-4222-8333-944455556666",
  );
  assert.equal(matchIdFromHash(""), null);
  assert.equal(matchIdFromHash("#other=1"), null);
  assert.equal(matchIdFromHash("#match=<script>"), null);
});

test("describeEndReason", () => {
  assert.equal(describeEndReason("score_limit"), "Score limit reached");
  assert.equal(describeEndReason("time_limit"), "Time is up");
  assert.equal(describeEndReason("abandoned"), "Match abandoned");
  assert.equal(describeEndReason("four_in_a_row"), "Four in a row");
  assert.equal(describeEndReason("golden_goal"), "Golden goal", "a game's own reason in words");
  assert.equal(describeEndReason(undefined), "");
});

test("player colours are stable and distinct for neighbouring ids", () => {
  assert.equal(playerColor(3), playerColor(3));
  for (let id = 0; id < 8; id += 1) {
    const hue = playerHue(id);
    assert.ok(hue >= 0 && hue < 360);
    const next = playerHue(id + 1);
    const gap = Math.min(Math.abs(hue - next), 360 - Math.abs(hue - next));
    assert.ok(gap > 30, `ids ${id} and ${id + 1} differ by ${gap}°`);
  }
});

test("watchIdFromHash reads #watch/<id> and nothing else", () => {
  const id = "5f0c2a1e-1111-4222-8333-944455556666";
  assert.equal(watchIdFromHash(`#watch/${id}`), id);
  assert.equal(watchIdFromHash(`#watch/${id}/`), id);
  assert.equal(watchIdFromHash(watchHash(id)), id);
  assert.equal(watchIdFromHash(`#match=${id}`), null, "an invitation is not a watch link");
  assert.equal(matchIdFromHash(watchHash(id)), null, "and a watch link is not an invitation");
  assert.equal(watchIdFromHash("#watch/"), null);
  assert.equal(watchIdFromHash("#watch/<img src=x>"), null);
  assert.equal(watchIdFromHash(`#watch/${id}/more`), null);
  assert.equal(watchIdFromHash(""), null);
  assert.equal(watchIdFromHash(undefined), null);
});

test("formatSpectators counts in words and hides zero", () => {
  assert.equal(formatSpectators(1), "1 spectator");
  assert.equal(formatSpectators(2), "2 spectators");
  assert.equal(formatSpectators(0), "");
  assert.equal(formatSpectators(null), "");
  assert.equal(formatSpectators(-3), "");
});

test("formatDelay shows seconds and nothing for a live stream", () => {
  assert.equal(formatDelay(5000), "delayed by 5 s");
  assert.equal(formatDelay(1500), "delayed by 1.5 s");
  assert.equal(formatDelay(30000), "delayed by 30 s");
  assert.equal(formatDelay(20), "delayed by 0.1 s", "a delay never reads as 0 s");
  assert.equal(formatDelay(0), "");
  assert.equal(formatDelay(undefined), "");
});
