import assert from "node:assert/strict";
import { test } from "node:test";

import { SHOOTER_SCHEMA } from "./fixtures.js";
import { MatchView, phaseOverlay } from "./match-view.js";
import { parseSchema } from "./schema.js";

const WELCOME = { schema: parseSchema(SHOOTER_SCHEMA), tickRate: 20 };

function snapshot(tick, phase, roster = null, players = [], phaseMsLeft = 0) {
  const ships = new Map(players.map((p) => [p.id, p]));
  return {
    tick,
    serverMs: 1000 + tick * 50,
    phase,
    phaseMsLeft,
    globals: {},
    collections: { players: ships, bullets: new Map() },
    events: [],
    roster,
  };
}

function player(id, reconnecting = false) {
  return { id, x: 0, y: 0, aim: 0, health: 100, flags: reconnecting ? 5 : 1, ack: 0 };
}

/** What the shooter says of a snapshot: ships with flag 4 wait for their players. */
const reconnectingOf = (world) =>
  [...world.collections.players.values()].filter((p) => p.flags & 4).map((p) => p.id);

test("a view takes snapshots in order, tracks the phase and learns names from the roster", () => {
  const view = new MatchView("m1");
  view.begin(WELCOME, 0);
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
  view.begin(WELCOME, 0);
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
  view.begin(WELCOME, 0);
  const seen = [];
  const take = (tick, players) => {
    const { reconnectingChanged } = view.takeSnapshot(snapshot(tick, 2, null, players), tick, reconnectingOf);
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
  view.takeSnapshot(snapshot(3, 2, null, [player(0, true)]), 6, reconnectingOf);
  assert.deepEqual([...view.reconnecting], [], "an older snapshot does not change it");
});

test("begin() after a reconnect forgets the old socket's snapshots, not the roster", () => {
  const view = new MatchView("m1");
  view.begin(WELCOME, 0);
  view.takeSnapshot(snapshot(50, 2, [{ id: 0, name: "Ada" }]), 10);
  view.begin(WELCOME, 500);
  assert.equal(view.latest, null);
  assert.equal(view.phase, 2);
  assert.equal(view.nameOf(0), "Ada");
  const { fresh, phaseChanged } = view.takeSnapshot(snapshot(3, 2), 520);
  assert.deepEqual([fresh, phaseChanged], [true, false], "even a lower tick starts the new chain");
  assert.equal(view.latest.tick, 3);
});

test("teams and who left come from the roster; a player waited for has not left", () => {
  const view = new MatchView("m1");
  view.begin(WELCOME, 0);
  const roster = (connected) => [
    { id: 0, name: "Ada", team: 0, connected: true },
    { id: 1, name: "Bo", team: 1, connected },
  ];
  view.takeSnapshot(snapshot(1, 2, roster(true), [player(0), player(1)]), 0, reconnectingOf);
  assert.deepEqual([...view.teams], [[0, 0], [1, 1]]);
  const away = view.takeSnapshot(snapshot(2, 2, roster(false), [player(0), player(1, true)]), 50, reconnectingOf);
  assert.deepEqual(away.left, [], "its seat waits for it");
  view.takeSnapshot(snapshot(3, 2, roster(true), [player(0), player(1)]), 100, reconnectingOf);
  const gone = view.takeSnapshot(snapshot(4, 2, roster(false), [player(0)]), 150, reconnectingOf);
  assert.deepEqual(gone.left, [1]);
  assert.equal(view.presentCount, 1);
});

test("sample() gives the interpolated world with the roster, nothing before the first snapshot", () => {
  const view = new MatchView("m1");
  view.begin(WELCOME, 0);
  assert.deepEqual(view.sample(0), { world: null, renderTime: 0 });
  view.takeSnapshot(snapshot(10, 2, [{ id: 0, name: "Ada", connected: true }], [player(0)]), 1000);
  const { world, renderTime } = view.sample(1100);
  assert.equal(renderTime, 500);
  assert.equal(world.tick, 10);
  assert.deepEqual(world.roster, [{ id: 0, name: "Ada", connected: true }]);
  assert.equal(world.collections.players.get(0).health, 100);
});

test("the phase banner: waiting, the countdown, Fight!, and the end until the RESULT", () => {
  const view = new MatchView("m1");
  view.begin(WELCOME, 0);
  assert.equal(phaseOverlay(view, 0), null);
  view.takeSnapshot(snapshot(1, 0, [{ id: 0, name: "Ada", connected: true }]), 0);
  assert.deepEqual(phaseOverlay(view, 0, { needed: 2, hint: " · share the invite link" }), {
    title: "",
    subtitle: "Waiting for players · 1 of 2 · share the invite link",
  });
  view.takeSnapshot(snapshot(2, 1, null, [], 2500), 100);
  assert.deepEqual(phaseOverlay(view, 700), { title: "2", subtitle: "Get ready" });
  view.takeSnapshot(snapshot(3, 2, null, [], 180000), 2600);
  assert.deepEqual(phaseOverlay(view, 3000), { title: "Fight!", subtitle: "" });
  assert.equal(phaseOverlay(view, 3600), null);
  view.takeSnapshot(snapshot(4, 3, null, [], 5000), 4000);
  assert.deepEqual(phaseOverlay(view, 4000), { title: "Match over", subtitle: "" });
  view.takeResult({ standings: [] });
  assert.equal(phaseOverlay(view, 4000), null);
});

test("the view stamp says the newest tick and how far behind it the last frame was drawn", () => {
  const view = new MatchView("m1");
  view.begin(WELCOME, 0);
  assert.equal(view.viewStamp(), null, "nothing held");
  view.takeSnapshot(snapshot(10, 2, [], [player(0)]), 600);
  view.takeSnapshot(snapshot(11, 2, [], [player(0)]), 650);
  assert.equal(view.viewStamp(), null, "nothing drawn yet");
  const { renderTime } = view.sample(700);
  assert.equal(renderTime, 11 * 50 + 50 - 100, "the clock says tick 12's time; drawn 100 ms behind");
  assert.deepEqual(view.viewStamp(), { tick: 11, delayMs: 50 });
  view.begin(WELCOME, 800);
  assert.equal(view.viewStamp(), null, "a new socket starts over");
});
