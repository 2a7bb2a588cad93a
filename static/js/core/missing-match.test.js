import assert from "node:assert/strict";
import test from "node:test";

import { missingMatchText } from "./missing-match.js";

test("a link to no match, or to one that is over, is said plainly, for players and spectators", () => {
  assert.equal(missingMatchText("unknown").title, "No such match");
  assert.match(missingMatchText("unknown").text, /invite link/);
  assert.match(missingMatchText("unknown", true).text, /no live match/);
  assert.equal(missingMatchText("over").title, "This match is over");
  assert.match(missingMatchText("over", true).text, /nothing left to watch/);
  for (const reason of ["unknown", "over"]) {
    for (const watching of [false, true]) {
      assert.doesNotMatch(missingMatchText(reason, watching).text, /\b40\d\d\b|\b404\b/);
    }
  }
});
