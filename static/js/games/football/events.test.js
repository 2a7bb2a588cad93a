import assert from "node:assert/strict";
import test from "node:test";

import { showEvents, teamsOf } from "./events.js";

function context(lines) {
  return {
    addNote: (who, text) => lines.push([who, text]),
    world: {
      collections: { ball: new Map([[0, { id: 0, x: 640, y: 300 }]]) },
      roster: [
        { id: 0, name: "Ada", team: 0, connected: true, goals: 1 },
        { id: 1, name: "Bo", team: 1, connected: true, goals: 0 },
      ],
    },
    eventTime: 5000,
  };
}

test("the roster says each player's team", () => {
  assert.deepEqual([...teamsOf(context([]).world)], [[0, 0], [1, 1]]);
  assert.deepEqual([...teamsOf(null)], []);
});

test("goals go to the feed and flash the net; kicks ring where the ball is", () => {
  const lines = [];
  const effects = [];
  const renderer = {
    addGoal: (team, at) => effects.push(["goal", team, at]),
    addKick: (player, x, y, team, at) => effects.push(["kick", player, x, y, team, at]),
  };
  const goal = showEvents(
    [
      { kind: "kick", player: 1 },
      { kind: "goal", team: 0, scorer: 0 },
      { kind: "kickoff", team: 1 },
    ],
    context(lines),
    renderer,
  );
  assert.deepEqual(lines, [[0, "scored for Blue!"]]);
  assert.deepEqual(effects, [["kick", 1, 640, 300, 1, 5000], ["goal", 0, 5000]]);
  assert.deepEqual(goal, { team: 0, scorer: 0, atMs: 5000 });
  assert.equal(showEvents([{ kind: "kickoff", team: 0 }], context(lines), renderer), null);
});
