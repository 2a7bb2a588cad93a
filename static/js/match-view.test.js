import assert from "node:assert/strict";
import { test } from "node:test";

import { MatchView } from "./match-view.js";

function snapshot(tick, phase, roster = null) {
  return { tick, serverMs: 1000 + tick * 50, phase, players: [], bullets: [], events: [], roster };
}

test("a view takes snapshots in order, tracks the phase and learns names from the roster", () => {
  const view = new MatchView("m1");
  view.begin(20, 0);
  const first = view.takeSnapshot(snapshot(1, 0, [{ id: 0, name: "Ada" }]), 10);
  assert.deepEqual(first, { fresh: true, phaseChanged: true });
  assert.equal(view.nameOf(0), "Ada");
  assert.equal(view.nameOf(7), "Player 7");
  assert.deepEqual(view.takeSnapshot(snapshot(2, 0), 60), { fresh: true, phaseChanged: false });
  assert.deepEqual(view.takeSnapshot(snapshot(3, 2), 110), { fresh: true, phaseChanged: true });
  assert.equal(view.previousPhase, 0);
  assert.equal(view.phaseSince, 110);
  assert.equal(view.roster.length, 1, "a snapshot without roster keeps the last one");
});

test("an older snapshot feeds interpolation but does not replace the newest", () => {
  const view = new MatchView("m1");
  view.begin(20, 0);
  view.takeSnapshot(snapshot(5, 2), 10);
  assert.deepEqual(view.takeSnapshot(snapshot(4, 3), 20), { fresh: false, phaseChanged: false });
  assert.equal(view.latest.tick, 5);
  assert.equal(view.phase, 2);
});

test("RESULT names every player in its standings", () => {
  const view = new MatchView("m1");
  view.takeResult({ standings: [{ id: 3, name: "Bo" }] });
  assert.equal(view.nameOf(3), "Bo");
  assert.ok(view.result);
});
