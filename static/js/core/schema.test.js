import assert from "node:assert/strict";
import test from "node:test";

import { CONNECT4_SCHEMA, FOOTBALL_SCHEMA, SHOOTER_SCHEMA } from "./fixtures.js";
import {
  EMPTY_SCHEMA,
  avatarBounds,
  decodeEvent,
  decodeGlobals,
  decodeRosterEntry,
  decodeRow,
  defaultColumns,
  encodeInput,
  parseField,
  parseSchema,
  titleOf,
} from "./schema.js";

const SHOOTER = parseSchema(SHOOTER_SCHEMA);

test("a schema has its inputs, globals, collections, events, roster and avatars", () => {
  assert.deepEqual(SHOOTER.inputs.map((f) => [f.name, f.low, f.high, f.scale, f.kind]), [
    ["buttons", 0, 31, 1, "flags"],
    ["aim", -3142, 3142, 1000, "angle"],
    ["view_tick", 0, 2147483647, 1, "int"],
    ["view_delay", 0, 1000, 1, "int"],
  ]);
  assert.deepEqual(SHOOTER.inputs.map((f) => f.optional), [false, false, true, true]);
  assert.deepEqual(SHOOTER.globals, []);
  const [players, bullets] = SHOOTER.collections;
  assert.equal(players.kind, "entities");
  assert.equal(players.avatars, true);
  assert.equal(SHOOTER.avatars, players);
  assert.equal(players.position.get("ack"), 5);
  assert.equal(bullets.kind, "projectiles");
  assert.deepEqual(bullets.motion, ["x", "y", "dx", "dy"]);
  assert.deepEqual(SHOOTER.events.map((e) => [e.kind, e.name]), [[1, "kill"], [2, "hit"], [3, "spawn"]]);
  assert.deepEqual(SHOOTER.roster.map((f) => f.name), ["score", "deaths"]);
  const connect4 = parseSchema(CONNECT4_SCHEMA);
  assert.equal(connect4.avatars, null);
  assert.equal(connect4.globals[0].length, 42);
  assert.deepEqual(EMPTY_SCHEMA.collections, []);
  assert.equal(parseSchema(null).avatars, null);
});

test("fields take engine/schema.py's defaults", () => {
  assert.deepEqual(parseField({ name: "n", low: 0, high: 5 }), {
    name: "n", low: 0, high: 5, scale: 1, delta: "value", kind: "int", lerp: false, length: null,
    optional: false,
  });
});

test("wire values divide by their scale; angles come out in radians", () => {
  const [players, bullets] = SHOOTER.collections;
  assert.deepEqual(decodeRow(players.fields, [15000, 1005, -785, 80, 3, 9], 4), {
    id: 4, x: 1500, y: 100.5, aim: -0.785, health: 80, flags: 3, ack: 9,
  });
  assert.deepEqual(decodeRow(bullets.fields, [15590, 1000, 350, 0, 1]), {
    x: 1559, y: 100, dx: 35, dy: 0, owner: 1,
  });
  const connect4 = parseSchema(CONNECT4_SCHEMA);
  const board = new Array(42).fill(0);
  assert.deepEqual(decodeGlobals(connect4, [board, 1, 90, 0]), { board, turn: 1, deadline: 90, moves: 0 });
});

test("events by their schema names; unknown kinds are null", () => {
  assert.deepEqual(decodeEvent(SHOOTER, [1, 0, 1]), { kind: "kill", killer: 0, victim: 1 });
  assert.deepEqual(decodeEvent(SHOOTER, [2, 1, 0, 25]), { kind: "hit", shooter: 1, victim: 0, damage: 25 });
  assert.equal(decodeEvent(SHOOTER, [77, 1]), null);
  assert.equal(decodeEvent(SHOOTER, "x"), null);
});

test("roster entries: [id, name, (team,) *columns, connected]", () => {
  assert.deepEqual(decodeRosterEntry(SHOOTER, [0, "Ada", 3, 1, true]), {
    id: 0, name: "Ada", score: 3, deaths: 1, connected: true,
  });
  const football = parseSchema(FOOTBALL_SCHEMA);
  assert.deepEqual(decodeRosterEntry(football, [2, "Cy", 1, 4, false], 2), {
    id: 2, name: "Cy", team: 1, goals: 4, connected: false,
  });
});

test("INPUT values are rounded and clamped to their fields", () => {
  assert.deepEqual(encodeInput(SHOOTER.inputs, [31, 3142]), [31, 3142]);
  assert.deepEqual(encodeInput(SHOOTER.inputs, [40, -9999]), [31, -3142]);
  assert.deepEqual(encodeInput(SHOOTER.inputs, [1.4, Number.NaN]), [1, 0]);
});

test("optional INPUT fields go when given and are left out when not", () => {
  assert.deepEqual(encodeInput(SHOOTER.inputs, [16, 0, 120, 140]), [16, 0, 120, 140]);
  assert.deepEqual(encodeInput(SHOOTER.inputs, [16, 0, 120, 5000]), [16, 0, 120, 1000]);
  assert.deepEqual(encodeInput(SHOOTER.inputs, [16, 0]), [16, 0]);
  assert.deepEqual(encodeInput(SHOOTER.inputs, []), [0, 0], "required fields are always sent");
});

test("default columns: every roster field by name, the first sorted descending", () => {
  assert.deepEqual(defaultColumns(SHOOTER), [
    { name: "score", title: "Score", order: "desc" },
    { name: "deaths", title: "Deaths" },
  ]);
  assert.equal(titleOf("goals_for"), "Goals for");
});

test("the field of the avatars: where a follow camera moves", () => {
  assert.deepEqual(avatarBounds(SHOOTER), { x: 0, y: 0, width: 1600, height: 900 });
  assert.deepEqual(avatarBounds(parseSchema(FOOTBALL_SCHEMA)), { x: 0, y: 0, width: 1200, height: 700 });
  assert.equal(avatarBounds(parseSchema(CONNECT4_SCHEMA)), null);
});
