import assert from "node:assert/strict";
import test from "node:test";

import {
  GOAL_BANNER_MS,
  TEAM_COLORS,
  goalNote,
  pauseBanner,
  scoreLine,
  scoreOf,
  statusText,
  summaryText,
  teamColors,
  teamName,
} from "./hud.js";
import { Phase } from "../../core/protocol.js";

const ROSTER = [
  { id: 0, name: "Ada", team: 0, connected: true, goals: 1 },
  { id: 1, name: "Bo", team: 1, connected: true, goals: 0 },
];

function world({ score = [0, 0], paused = false, kickoff = 0, phase = Phase.RUNNING } = {}) {
  return {
    phase,
    globals: { score0: score[0], score1: score[1], paused: paused ? 1 : 0, kickoff_team: kickoff },
    collections: {},
    roster: ROSTER,
  };
}

test("team 0 is Blue and team 1 Red, each in its colours", () => {
  assert.deepEqual([teamName(0), teamName(1), teamName(2)], ["Blue", "Red", "Team 3"]);
  assert.equal(teamColors(0), TEAM_COLORS[0]);
  assert.notEqual(teamColors(0).shirt, teamColors(1).shirt);
  assert.ok(teamColors(null).shirt, "no team: grey");
});

test("the status line is the score and which way the player's team attacks", () => {
  assert.deepEqual(scoreOf(world({ score: [2, 1] })), [2, 1]);
  assert.deepEqual(scoreOf(null), [0, 0]);
  assert.equal(scoreLine([2, 1]), "Blue 2 – 1 Red");
  assert.equal(statusText(world({ score: [2, 1] }), 0), "Blue 2 – 1 Red · Blue attacks →");
  assert.equal(statusText(world(), 1), "Blue 0 – 0 Red · Red attacks ←");
  assert.equal(statusText(world(), 9), "Blue 0 – 0 Red", "not in the roster (yet)");
  assert.equal(statusText(world({ score: [1, 0], paused: true, kickoff: 1 }), 0), "Blue 1 – 0 Red · Red kicks off");
  assert.equal(statusText(world({ score: [2, 0], phase: Phase.ENDED }), 0), "Blue 2 – 0 Red");
  assert.equal(statusText(null, 0), null);
});

test("the results show the final score from RESULT's summary", () => {
  assert.equal(summaryText({ summary: { score: [3, 2] } }), "Final score Blue 3 – 2 Red");
  assert.equal(summaryText({ summary: {} }), "");
  assert.equal(summaryText(null), "");
});

test("a goal in the feed names its scorer, an own goal or nobody", () => {
  const teams = new Map([[0, 0], [1, 1]]);
  assert.deepEqual(goalNote({ team: 0, scorer: 0 }, teams), { who: 0, text: "scored for Blue!" });
  assert.deepEqual(goalNote({ team: 1, scorer: -1 }, teams), { who: null, text: "Goal for Red!" });
  assert.deepEqual(goalNote({ team: 1, scorer: 0 }, teams), { who: 0, text: "scored an own goal (Red)" });
});

test("after a goal the banner cheers it, then says who kicks off; none in play", () => {
  const paused = world({ score: [1, 0], paused: true, kickoff: 1 });
  const goal = { team: 0, scorer: 0, atMs: 1000 };
  const nameOf = (id) => ROSTER.find((entry) => entry.id === id).name;
  assert.deepEqual(pauseBanner(paused, goal, 1200, nameOf), {
    title: "GOAL!",
    subtitle: "Ada · Blue 1 – 0 Red",
    team: 0,
  });
  assert.deepEqual(pauseBanner(paused, goal, 1000 + GOAL_BANNER_MS, nameOf), {
    title: "",
    subtitle: "Red kicks off · Blue 1 – 0 Red",
  });
  assert.equal(pauseBanner(paused, { team: 0, scorer: -1, atMs: 1000 }, 1100).subtitle, "Blue 1 – 0 Red");
  assert.equal(pauseBanner(paused, goal, 900).title, "", "not shown before its time");
  assert.equal(pauseBanner(world({ score: [1, 0] }), goal, 1200), null, "in play");
  assert.equal(pauseBanner(world({ phase: Phase.COUNTDOWN, paused: true }), null, 0), null);
});
