import assert from "node:assert/strict";
import test from "node:test";

import { eliminatedText, showEvents, killedByAfter } from "./events.js";
import { healthStatus, respawnOverlay } from "./hud.js";
import { COLUMNS, TELEPORT_DISTANCE, controls, reconnectingShips, shipJumped } from "./index.js";
import { TOUCH } from "./input.js";
import { OTHERS_VOLUME, ShooterSounds, eventSounds } from "./sounds.js";
import { recipeFor } from "../../core/sound-recipes.js";
import { touchLayout } from "../../core/touch.js";
import { sceneRules, shipsOf } from "./render.js";
import { SHOOTER_RULES } from "../../core/fixtures.js";

const ship = (id, x, y, flags = 1, health = 100) => ({ id, x, y, aim: 0, health, flags, ack: 0 });
const world = (ships, phase = 2) => ({
  phase,
  collections: { players: new Map(ships.map((s) => [s.id, s])), bullets: new Map() },
});

test("the module offers help lines and its scoreboard columns", () => {
  assert.ok(controls.length >= 3);
  assert.ok(controls.some((line) => line.includes("[Space]")));
  assert.deepEqual(COLUMNS.map((c) => [c.name, c.order]), [["score", "desc"], ["deaths", "asc"]]);
});

test("a ship jumped when it respawned, died or came back, or moved too far", () => {
  const before = ship(1, 100, 100);
  assert.equal(shipJumped("players", before, ship(1, 110, 100), { events: [] }), false);
  assert.equal(shipJumped("players", before, ship(1, 110, 100), { events: [{ kind: "spawn", player: 1 }] }), true);
  assert.equal(shipJumped("players", before, ship(1, 100, 100, 0), { events: [] }), true, "died");
  assert.equal(shipJumped("players", before, ship(1, 100 + TELEPORT_DISTANCE + 1, 100), {}), true);
  assert.equal(shipJumped("bullets", before, ship(1, 900, 900), {}), false);
});

test("ships with flag 4 wait for their players", () => {
  assert.deepEqual(reconnectingShips(world([ship(0, 0, 0, 5), ship(1, 0, 0, 1), ship(2, 0, 0, 4)])), [0, 2]);
  assert.deepEqual(reconnectingShips(null), []);
});

test("the renderer's arena and sizes come from the rules as sent; ships get their flags", () => {
  const { arena, rules } = sceneRules(SHOOTER_RULES);
  assert.deepEqual([arena.width, arena.height, arena.walls[0]], [1600, 900, { x: 300, y: 300, w: 40, h: 300 }]);
  assert.deepEqual(rules, { playerRadius: 18, bulletRadius: 4, maxHealth: 100 });
  assert.deepEqual(sceneRules(undefined).arena.width, 1600);
  const ships = shipsOf(world([ship(0, 1, 2, 3), ship(1, 3, 4, 1)]), new Set([1]));
  assert.deepEqual(
    ships.map((s) => [s.id, s.alive, s.protected, s.reconnecting]),
    [[0, true, true, false], [1, true, false, true]],
  );
});

test("health is the status line; a dead ship is respawning; no ship, no status", () => {
  const w = world([ship(0, 0, 0, 1, 80), ship(1, 0, 0, 0, 0)]);
  assert.deepEqual(healthStatus(w, 0, 100), { text: "80 HP", fraction: 0.8 });
  assert.deepEqual(healthStatus(w, 1, 100), { text: "Respawning…", fraction: 0 });
  assert.equal(healthStatus(w, 7, 100), null);
  assert.equal(healthStatus(null, 0), null);
});

test("the respawn banner names who eliminated the player, or the followed player", () => {
  const names = new Map([[0, "Ada"], [1, "Bo"]]);
  const nameOf = (id) => names.get(id);
  const w = world([ship(0, 0, 0, 0, 0), ship(1, 0, 0)]);
  assert.deepEqual(respawnOverlay(w, 0, { killedBy: 1, nameOf }), {
    title: "", subtitle: "Eliminated by Bo · respawning…",
  });
  assert.deepEqual(respawnOverlay(w, 0, { killedBy: 0, nameOf }).subtitle, "Respawning…");
  assert.deepEqual(respawnOverlay(w, 0, { nameOf, spectating: true }).subtitle, "Ada was eliminated · respawning…");
  assert.equal(respawnOverlay(w, 1, { nameOf }), null, "alive");
  assert.equal(respawnOverlay(world([ship(0, 0, 0, 0, 0)], 0), 0, { nameOf }), null, "not running");
});

test("kills go to the feed with a burst where the victim was; hits flash", () => {
  const lines = [];
  const effects = [];
  const ctx = {
    addKill: (killer, victim) => lines.push([killer, victim]),
    world: world([ship(1, 50, 60)]),
    eventTime: 1234,
  };
  const renderer = {
    addBurst: (x, y, color, at) => effects.push(["burst", x, y, at]),
    addHitFlash: (id, at) => effects.push(["flash", id, at]),
  };
  showEvents(
    [
      { kind: "hit", shooter: 0, victim: 1, damage: 25 },
      { kind: "kill", killer: 0, victim: 1 },
      { kind: "spawn", player: 2 },
    ],
    ctx,
    renderer,
  );
  assert.deepEqual(lines, [[0, 1]]);
  assert.deepEqual(effects, [["flash", 1, 1234], ["burst", 50, 60, 1234]]);
});

test("who eliminated the player is remembered until it respawns", () => {
  let by = killedByAfter([{ kind: "kill", killer: 2, victim: 0 }], 0, null);
  assert.equal(by, 2);
  by = killedByAfter([{ kind: "kill", killer: 0, victim: 3 }], 0, by);
  assert.equal(by, 2, "its own kills do not change it");
  assert.equal(killedByAfter([{ kind: "spawn", player: 0 }], 0, by), null);
});

test("the player's hit shows a hit marker on the ship hit, the kill a callout", () => {
  const calls = [];
  const ctx = {
    addKill: () => {},
    announce: (text, kind) => calls.push(["announce", text, kind]),
    hitMarker: (x, y) => calls.push(["marker", x, y]),
    nameOf: (id) => ["Ada", "Bo"][id],
    selfId: 0,
    spectating: false,
    world: world([ship(0, 10, 10), ship(1, 50, 60)]),
    eventTime: 0,
  };
  const renderer = { addBurst: () => {}, addHitFlash: () => {} };
  showEvents(
    [
      { kind: "hit", shooter: 0, victim: 1, damage: 25 },
      { kind: "hit", shooter: 1, victim: 0, damage: 25 },
      { kind: "kill", killer: 0, victim: 1 },
    ],
    ctx,
    renderer,
  );
  assert.deepEqual(calls, [
    ["marker", 50, 60],
    ["announce", "You eliminated Bo", "good"],
  ]);
  assert.equal(eliminatedText("Cy"), "You eliminated Cy");
  calls.length = 0;
  showEvents([{ kind: "kill", killer: 0, victim: 1 }], { ...ctx, spectating: true }, renderer);
  assert.deepEqual(calls, [], "a spectator gets no callout: it is the player's");
  showEvents([{ kind: "kill", killer: 0, victim: 0 }], ctx, renderer);
  assert.deepEqual(calls, [], "no callout for eliminating oneself");
});

test("the shooter's sounds: own and others' shots, hits, kills, respawns", () => {
  for (const name of ["fire", "hitmarker", "hurt", "hit", "kill", "death", "respawn"]) {
    assert.ok(recipeFor(name), name);
  }
  assert.deepEqual(
    eventSounds(
      [
        { kind: "hit", shooter: 0, victim: 1 },
        { kind: "hit", shooter: 1, victim: 0 },
        { kind: "hit", shooter: 2, victim: 1 },
        { kind: "kill", killer: 0, victim: 1 },
        { kind: "kill", killer: 1, victim: 0 },
        { kind: "kill", killer: 2, victim: 1 },
        { kind: "spawn", player: 0 },
        { kind: "spawn", player: 1 },
      ],
      0,
    ),
    ["hitmarker", "hurt", { name: "hit", volume: OTHERS_VOLUME }, "kill", "death", "respawn"],
  );
  const track = new ShooterSounds();
  const bullets = (...owners) => ({
    events: [],
    collections: { bullets: new Map(owners.map(([id, owner]) => [id, { id, owner }])) },
  });
  assert.deepEqual(track.of(bullets([1, 0]), { selfId: 0 }), [], "the first snapshot: nothing new");
  assert.deepEqual(track.of(bullets([1, 0], [2, 1]), { selfId: 0 }), [
    { name: "fire", volume: OTHERS_VOLUME },
  ]);
  assert.deepEqual(track.of(bullets([2, 1], [3, 0]), { selfId: 0 }), ["fire"]);
  assert.deepEqual(track.of(bullets([3, 0]), { selfId: 0 }), [], "bullets gone: no sound");
  track.reset();
  assert.deepEqual(track.of(bullets([9, 0]), { selfId: 0 }), [], "after a reset: nothing new");
});

test("the shooter's touch controls: a stick to move, one to aim and fire, and their help", () => {
  const layout = touchLayout(TOUCH);
  const sticks = layout.sticks.map((s) => [s.name, s.side]);
  assert.deepEqual(sticks, [["move", "left"], ["aim", "right"]]);
  assert.ok(layout.help.length >= 2);
});
