import assert from "node:assert/strict";
import test from "node:test";

import {
  CAMERA_HALF_LIFE_MS,
  FOLLOW_ZOOM,
  cameraTarget,
  clampCamera,
  cycleFollow,
  easeCamera,
  focusPoint,
  followKey,
  followOrder,
  keepFollowing,
  overviewCamera,
  playerAtRow,
  playerNear,
} from "./follow.js";

import { SHOOTER_SCHEMA } from "./fixtures.js";
import { parseSchema } from "./schema.js";

const ARENA = { width: 1600, height: 900 };
/** The shooter's scoreboard: most kills, then fewest deaths. */
const COLUMNS = [
  { name: "score", order: "desc" },
  { name: "deaths", order: "asc" },
];

/** Scoreboard order: Bo (5 kills), Ada (3), Cy (3, more deaths), Di (0, left). */
const ROSTER = [
  { id: 0, name: "Ada", score: 3, deaths: 1, connected: true },
  { id: 1, name: "Bo", score: 5, deaths: 0, connected: true },
  { id: 2, name: "Cy", score: 3, deaths: 4, connected: true },
  { id: 3, name: "Di", score: 0, deaths: 0, connected: false },
];

test("followOrder is the scoreboard order of the connected players", () => {
  assert.deepEqual(followOrder(ROSTER, COLUMNS), [1, 0, 2]);
  assert.deepEqual(followOrder([], COLUMNS), []);
  assert.deepEqual(followOrder(null, COLUMNS), []);
});

test("playerAtRow picks a scoreboard row, not a player who left", () => {
  assert.equal(playerAtRow(ROSTER, 1, COLUMNS), 1);
  assert.equal(playerAtRow(ROSTER, 3, COLUMNS), 2);
  assert.equal(playerAtRow(ROSTER, 4, COLUMNS), null, "Di left");
  assert.equal(playerAtRow(ROSTER, 5, COLUMNS), null);
  assert.equal(playerAtRow(ROSTER, 0, COLUMNS), null);
});

test("cycleFollow steps through the connected players and wraps", () => {
  assert.equal(cycleFollow(ROSTER, 1, 1, COLUMNS), 0);
  assert.equal(cycleFollow(ROSTER, 0, 1, COLUMNS), 2);
  assert.equal(cycleFollow(ROSTER, 2, 1, COLUMNS), 1, "wraps to the top");
  assert.equal(cycleFollow(ROSTER, 1, -1, COLUMNS), 2, "wraps to the bottom");
  assert.equal(cycleFollow(ROSTER, null, 1, COLUMNS), 1);
  assert.equal(cycleFollow(ROSTER, 3, -1, COLUMNS), 2, "from a player who left: the last one");
  assert.equal(cycleFollow([], null, 1, COLUMNS), null);
  assert.equal(cycleFollow([ROSTER[0]], 0, 1, COLUMNS), 0, "alone: stays");
});

test("keepFollowing keeps a connected player and falls back to the leader", () => {
  assert.equal(keepFollowing(ROSTER, 2, COLUMNS), 2);
  assert.equal(keepFollowing(ROSTER, 3, COLUMNS), 1, "Di left: follow the leader");
  assert.equal(keepFollowing(ROSTER, null, COLUMNS), 1);
  assert.equal(keepFollowing([ROSTER[3]], 3, COLUMNS), null, "nobody left to follow");
});

test("followKey: 1–8 pick a row, Tab cycles, 0 shows the whole arena", () => {
  assert.deepEqual(followKey({ key: "1" }), { row: 1 });
  assert.deepEqual(followKey({ key: "8" }), { row: 8 });
  assert.equal(followKey({ key: "9" }), null);
  assert.deepEqual(followKey({ key: "Tab" }), { step: 1 });
  assert.deepEqual(followKey({ key: "Tab", shiftKey: true }), { step: -1 });
  assert.deepEqual(followKey({ key: "0" }), { overview: true });
  assert.equal(followKey({ key: "1", ctrlKey: true }), null, "browser shortcuts stay theirs");
  assert.equal(followKey({ key: "Tab", altKey: true }), null);
  assert.equal(followKey({ key: "a" }), null);
  assert.equal(followKey({ key: "F1" }), null);
});

test("cameraTarget centres on the player and keeps the view inside the arena", () => {
  assert.deepEqual(cameraTarget(ARENA, { x: 800, y: 450 }), { x: 800, y: 450, zoom: FOLLOW_ZOOM });
  const halfWidth = 1600 / (2 * FOLLOW_ZOOM);
  const halfHeight = 900 / (2 * FOLLOW_ZOOM);
  assert.deepEqual(cameraTarget(ARENA, { x: 10, y: 890 }), {
    x: halfWidth,
    y: 900 - halfHeight,
    zoom: FOLLOW_ZOOM,
  });
  assert.deepEqual(cameraTarget(ARENA, null), overviewCamera(ARENA));
  assert.deepEqual(overviewCamera(ARENA), { x: 800, y: 450, zoom: 1 });
});

test("clampCamera never zooms out past the whole arena", () => {
  assert.deepEqual(clampCamera(ARENA, { x: 0, y: 0, zoom: 0.5 }), { x: 800, y: 450, zoom: 1 });
  assert.deepEqual(clampCamera(ARENA, { x: NaN, y: 100, zoom: NaN }), { x: 800, y: 450, zoom: 1 });
});

test("easeCamera covers half the way per half-life and starts on its target", () => {
  const target = { x: 1000, y: 500, zoom: 2 };
  assert.deepEqual(easeCamera(null, target, 16), target);
  const half = easeCamera({ x: 0, y: 0, zoom: 1 }, target, CAMERA_HALF_LIFE_MS);
  assert.deepEqual(half, { x: 500, y: 250, zoom: 1.5 });
  const later = easeCamera(half, target, 10 * CAMERA_HALF_LIFE_MS);
  assert.ok(Math.abs(later.x - 1000) < 1 && Math.abs(later.zoom - 2) < 0.001);
  assert.deepEqual(easeCamera(half, target, 0), half, "no time, no move");
  assert.deepEqual(easeCamera(half, target, 16, 0), target, "no easing: jump");
});

test("playerNear picks the nearest ship within reach", () => {
  const drawn = [
    { id: 0, x: 100, y: 100 },
    { id: 1, x: 130, y: 100 },
    { id: 2, x: 400, y: 300 },
  ];
  assert.equal(playerNear(drawn, { x: 112, y: 100 }, 30), 0);
  assert.equal(playerNear(drawn, { x: 120, y: 100 }, 30), 1);
  assert.equal(playerNear(drawn, { x: 250, y: 200 }, 30), null, "nobody near");
  assert.equal(playerNear([], { x: 0, y: 0 }, 30), null);
});

test("without columns to sort by, the scoreboard order is by id", () => {
  assert.deepEqual(followOrder(ROSTER), [0, 1, 2]);
});

test("a field that does not start at 0 keeps the camera inside it", () => {
  const pitch = { x: -50, y: 0, width: 1300, height: 700 };
  assert.deepEqual(overviewCamera(pitch), { x: 600, y: 350, zoom: 1 });
  assert.deepEqual(clampCamera(pitch, { x: -100, y: 0, zoom: 2 }), { x: 275, y: 175, zoom: 2 });
});

test("the camera looks at the followed avatar, or where the game says", () => {
  const schema = parseSchema(SHOOTER_SCHEMA);
  const world = { collections: { players: new Map([[4, { id: 4, x: 10, y: 20 }]]) } };
  assert.deepEqual(focusPoint(schema, world, 4), { x: 10, y: 20 });
  assert.equal(focusPoint(schema, world, 5), null);
  assert.equal(focusPoint(schema, null, 4), null);
  assert.deepEqual(focusPoint(schema, world, 5, () => ({ x: 1, y: 2 })), { x: 1, y: 2 });
  assert.equal(focusPoint(parseSchema({}), world, 4), null, "no avatars, no camera");
});
