import assert from "node:assert/strict";
import { test } from "node:test";

import { MatchView } from "./match-view.js";

function snapshot(tick, phase, roster = null, players = []) {
  return { tick, serverMs: 1000 + tick * 50, phase, players, bullets: [], events: [], roster };
}

function player(id, reconnecting = false) {
  return { id, x: 0, y: 0, aim: 0, health: 100, flags: reconnecting ? 5 : 1, alive: true, reconnecting };
}

test("a view takes snapshots in order, tracks the phase and learns names from the roster", () => {
  const view = new MatchView("m1");
  view.begin(20, 0);
  const first = view.takeSnapshot(snapshot(1, 0, [{ id: 0, name: "Ada" }]), 10);
  assert.deepEqual(first, { fresh: true, phaseChanged: true, reconnectingChanged: false, left: [] });
  assert.equal(view.nameOf(0), "Ada");
  assert.equal(view.nameOf(7), "Player 7");
  assert.deepEqual(view.takeSnapshot(snapshot(2, 0), 60), { fresh: true, phaseChanged: false, reconnectingChanged: false, left: [] });
  assert.deepEqual(view.takeSnapshot(snapshot(3, 2), 110), { fresh: true, phaseChanged: true, reconnectingChanged: false, left: [] });
  assert.equal(view.previousPhase, 0);
  assert.equal(view.phaseSince, 110);
  assert.equal(view.roster.length, 1, "a snapshot without roster keeps the last one");
});

test("an older snapshot feeds interpolation but does not replace the newest", () => {
  const view = new MatchView("m1");
  view.begin(20, 0);
  view.takeSnapshot(snapshot(5, 2), 10);
  assert.deepEqual(view.takeSnapshot(snapshot(4, 3), 20), { fresh: false, phaseChanged: false, reconnectingChanged: false, left: [] });
  assert.equal(view.latest.tick, 5);
  assert.equal(view.phase, 2);
});

test("RESULT names every player in its standings", () => {
  const view = new MatchView("m1");
  view.takeResult({ standings: [{ id: 3, name: "Bo" }] });
  assert.equal(view.nameOf(3), "Bo");
  assert.ok(view.result);
});

test("a view knows which players are reconnecting and says when that changes", () => {
  const view = new MatchView("m1");
  view.begin(20, 0);
  const seen = [];
  const take = (tick, players) => {
    const { reconnectingChanged } = view.takeSnapshot(snapshot(tick, 2, null, players), tick);
    seen.push([reconnectingChanged, [...view.reconnecting].sort()]);
  };
  take(1, [player(0), player(1)]);
  take(2, [player(0), player(1, true)]);
  take(3, [player(0), player(1, true)]);
  take(4, [player(0, true), player(1, true)]);
  take(5, [player(0)]); // 1 left for good: gone from the players
  assert.deepEqual(seen, [
    [false, []],
    [true, [1]],
    [false, [1]],
    [true, [0, 1]],
    [true, []],
  ]);
  view.takeSnapshot(snapshot(3, 2, null, [player(0, true)]), 6);
  assert.deepEqual([...view.reconnecting], [], "an older snapshot does not change it");
});

test("begin() after a reconnect forgets the old socket's snapshots, not the roster", () => {
  const view = new MatchView("m1");
  view.begin(20, 0);
  view.takeSnapshot(snapshot(50, 2, [{ id: 0, name: "Ada" }]), 10);
  view.begin(20, 500);
  assert.equal(view.latest, null);
  assert.equal(view.phase, 2);
  assert.equal(view.nameOf(0), "Ada");
  const { fresh, phaseChanged } = view.takeSnapshot(snapshot(3, 2), 520);
  assert.deepEqual([fresh, phaseChanged], [true, false], "even a lower tick starts the new chain");
  assert.equal(view.latest.tick, 3);
});
