import assert from "node:assert/strict";
import test from "node:test";

import { DEFAULT_RULES, NET_DEPTH, VIEW_MARGIN, goalLineOf, markingsOf, pitchOf, sideOf } from "./pitch.js";
import { FOOTBALL_RULES } from "../../core/fixtures.js";

test("the pitch is the rules' as the server sends them", () => {
  const pitch = pitchOf(FOOTBALL_RULES);
  assert.deepEqual(
    [pitch.width, pitch.height, pitch.goalTop, pitch.goalBottom, pitch.playerRadius, pitch.ballRadius],
    [1200, 700, 255, 445, 16, 10],
  );
  assert.equal(pitch.goalPauseMs, 2000);
  assert.equal(pitch.kickReach, DEFAULT_RULES.kickReach, "not sent: the engine's default");
  assert.deepEqual(pitch.view, { x: -VIEW_MARGIN.x, y: -VIEW_MARGIN.y, width: 1328, height: 760 });
  assert.ok(VIEW_MARGIN.x > NET_DEPTH, "the nets are inside the view");
});

test("another pitch size and goal, and defaults for what is missing", () => {
  const custom = pitchOf({ pitch: { width: 900, height: 500, goal_top: 200, goal_bottom: 300 }, kick_reach: 20 });
  assert.deepEqual([custom.width, custom.height, custom.goalTop, custom.goalBottom], [900, 500, 200, 300]);
  assert.equal(custom.kickReach, 20);
  const empty = pitchOf(undefined);
  assert.deepEqual([empty.width, empty.height, empty.goalTop, empty.goalBottom], [1200, 700, 255, 445]);
  const half = pitchOf({ pitch: { width: 800, height: 300 } });
  assert.deepEqual([half.goalTop, half.goalBottom], [75, 225], "a goal as wide as half the side at most");
});

test("team 0 defends the left goal, team 1 the right one", () => {
  const pitch = pitchOf(FOOTBALL_RULES);
  assert.deepEqual([goalLineOf(pitch, 0), goalLineOf(pitch, 1)], [0, 1200]);
  assert.deepEqual([sideOf(0), sideOf(1)], [-1, 1]);
});

test("the markings fit the pitch and frame its goals", () => {
  for (const rules of [FOOTBALL_RULES, { pitch: { width: 600, height: 900, goal_top: 400, goal_bottom: 500 } }]) {
    const pitch = pitchOf(rules);
    const m = markingsOf(pitch);
    assert.ok(m.centreCircle > 0 && m.centreCircle < pitch.height / 2);
    for (const area of [m.penaltyArea, m.goalArea]) {
      assert.ok(area.top >= 0 && area.top < pitch.goalTop, "from above the goal");
      assert.ok(area.bottom <= pitch.height && area.bottom > pitch.goalBottom, "to below it");
      assert.ok(area.depth > 0 && area.depth <= pitch.width / 4);
    }
    assert.ok(m.goalArea.depth < m.penaltySpot && m.penaltySpot < m.penaltyArea.depth);
    assert.ok(m.penaltySpot + m.penaltyArc > m.penaltyArea.depth, "the arc reaches out of the area");
  }
});
