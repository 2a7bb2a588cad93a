import assert from "node:assert/strict";
import test from "node:test";

import { leaveText } from "./leave-confirm.js";

test("the Leave confirmation says what leaving costs", () => {
  assert.equal(leaveText("lobby").title, "Leave the match?");
  assert.match(leaveText("lobby", 1).text, /your opponent wins.*rating/);
  assert.match(leaveText("lobby", 5).text, /counts for your rating/);
  assert.doesNotMatch(leaveText("private", 1).text, /rating/, "a private match is not rated");
});
