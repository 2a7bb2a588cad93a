import assert from "node:assert/strict";
import test from "node:test";

import { defaultTeamName, helpLine, resultTitle } from "./hud.js";

const RESULT = {
  reason: "score_limit",
  winnerId: 0,
  winnerTeam: null,
  teams: 0,
  standings: [{ id: 0, name: "Ada" }, { id: 1, name: "Bo" }],
};

test("the results' title for the winner, the others, a spectator and a draw", () => {
  assert.deepEqual(resultTitle(RESULT, 0), { title: "You win!", outcome: "win" });
  assert.deepEqual(resultTitle(RESULT, 1), { title: "Ada wins", outcome: "loss" });
  assert.deepEqual(resultTitle(RESULT, null), { title: "Ada wins", outcome: "watched" });
  assert.deepEqual(resultTitle({ ...RESULT, winnerId: null }, 1), { title: "It's a draw", outcome: "draw" });
  assert.equal(resultTitle({ ...RESULT, reason: "abandoned" }, 0).title, "Match abandoned");
  assert.equal(resultTitle({ ...RESULT, reason: "interrupted" }, 0).title, "Match ended early");
});

test("team modes: your team, the other team, a draw", () => {
  const teams = { ...RESULT, teams: 2, winnerId: null, winnerTeam: 1 };
  assert.deepEqual(resultTitle(teams, 0, { selfTeam: 1 }), { title: "Your team wins!", outcome: "win" });
  assert.deepEqual(resultTitle(teams, 0, { selfTeam: 0 }), { title: "Team 2 wins", outcome: "loss" });
  const named = resultTitle(teams, null, { teamName: (t) => ["Blue", "Red"][t] });
  assert.deepEqual(named, { title: "Red wins", outcome: "watched" });
  assert.equal(resultTitle({ ...teams, winnerTeam: null }, 0, { selfTeam: 0 }).title, "It's a draw");
  assert.equal(defaultTeamName(0), "Team 1");
});

/** Just enough of a document for `helpLine`. */
const fakeDocument = {
  createElement: (tag) => ({
    tag,
    children: [],
    textContent: "",
    append(...nodes) {
      this.children.push(...nodes);
    },
  }),
  createTextNode: (text) => ({ text }),
};

test("help lines show [X] as key caps and everything else as text", () => {
  const li = helpLine(fakeDocument, "[W][A] or <arrows> to move");
  assert.equal(li.tag, "li");
  assert.deepEqual(
    li.children.map((node) => (node.tag ? `<${node.tag}>${node.textContent}` : node.text)),
    ["<kbd>W", "<kbd>A", " or <arrows> to move"],
  );
});
