import assert from "node:assert/strict";
import test from "node:test";

import { formatRatingChange, parseRatingChanges, waitForRatingChanges } from "./rating-change.js";

test("a rating change reads before → after (difference)", () => {
  assert.equal(formatRatingChange({ before: 1500, after: 1516 }), "1500 → 1516 (+16)");
  assert.equal(formatRatingChange({ before: 1516, after: 1500 }), "1516 → 1500 (−16)");
  assert.equal(formatRatingChange({ before: 1500, after: 1500 }), "1500 → 1500 (±0)");
});

test("the match API's ratings become a Map by player id; junk is dropped", () => {
  const changes = parseRatingChanges([
    { id: 0, before: 1500, after: 1516 },
    { id: 1, before: 1500.4, after: 1483.6 },
    { id: "2", before: 1, after: 2 },
    { id: 3, before: null, after: 2 },
    null,
  ]);
  assert.deepEqual([...changes], [
    [0, { before: 1500, after: 1516, change: 16 }],
    [1, { before: 1500, after: 1484, change: -16 }],
  ]);
  assert.equal(parseRatingChanges(undefined).size, 0);
});

const noSleep = () => Promise.resolve();

test("the page asks the match API until the match is recorded", async () => {
  const answers = [
    { status: "open", result: null, ranked: true },
    Promise.reject(Object.assign(new Error("busy"), { status: 503 })),
    { status: "over", ranked: true, result: { ratings: [{ id: 4, before: 1500, after: 1516 }] } },
  ];
  let asked = 0;
  const fetchMatch = (id) => {
    assert.equal(id, "m1");
    return Promise.resolve(answers[asked++]);
  };
  const changes = await waitForRatingChanges("m1", { fetchMatch, sleep: noSleep });
  assert.equal(asked, 3);
  assert.deepEqual(changes.get(4), { before: 1500, after: 1516, change: 16 });
});

test("an unranked match has no changes, and a page that moved on stops asking", async () => {
  const over = { status: "over", ranked: false, result: { reason: "score_limit" } };
  const none = await waitForRatingChanges("m", { fetchMatch: async () => over, sleep: noSleep });
  assert.equal(none.size, 0);
  let asked = 0;
  const gone = await waitForRatingChanges("m", {
    fetchMatch: async () => (asked++, over),
    isCurrent: () => false,
    sleep: noSleep,
  });
  assert.equal(gone, null);
  assert.equal(asked, 0);
  const late = await waitForRatingChanges("m", {
    fetchMatch: async () => ({ status: "open" }),
    delays: [1, 1],
    sleep: noSleep,
  });
  assert.equal(late, null, "not recorded in time");
});
