import assert from "node:assert/strict";
import test from "node:test";

import { FOOTBALL_SCHEMA, SHOOTER_SCHEMA } from "./fixtures.js";
import {
  GameSlot,
  GameUnavailable,
  avatarOf,
  avatarsOnPage,
  columnsOf,
  gameModulePath,
  helpLinesOf,
  loadGameModule,
  reconnectingIn,
  stagePoint,
  teamNameOf,
} from "./game-module.js";
import { parseSchema } from "./schema.js";

const SHOOTER = parseSchema(SHOOTER_SCHEMA);

test("a game's module is /static/js/games/<name>/index.js; other names are refused", () => {
  assert.equal(gameModulePath("shooter"), "/static/js/games/shooter/index.js");
  assert.equal(gameModulePath("connect4"), "/static/js/games/connect4/index.js");
  for (const bad of ["", "../x", "Shooter", "a/b", null, "x".repeat(40)]) {
    assert.equal(gameModulePath(bad), null, String(bad));
  }
});

test("modules load once per page; a failed one is retried and said plainly", async () => {
  const paths = [];
  const good = (path) => {
    paths.push(path);
    return Promise.resolve({ createGame: () => ({}) });
  };
  const first = await loadGameModule("cached_game", good);
  assert.equal(await loadGameModule("cached_game", good), first);
  assert.deepEqual(paths, ["/static/js/games/cached_game/index.js"]);
  await assert.rejects(loadGameModule("broken_game", () => Promise.reject(new Error("404"))), GameUnavailable);
  await assert.rejects(loadGameModule("no_entry", () => Promise.resolve({})), (error) => {
    assert.match(error.message, /cannot show the game "no_entry"/);
    return true;
  });
  await assert.rejects(loadGameModule("../etc", good), GameUnavailable);
  assert.ok(await loadGameModule("broken_game", good), "tried again after a failure");
});

/** A module whose games record what the core did with them. */
function recordingModule(log) {
  return {
    createGame: ({ canvas, welcome }) => {
      log.push(["create", canvas, welcome.n]);
      return {
        configure: (w) => log.push(["configure", w.n]),
        destroy: () => log.push(["destroy"]),
      };
    },
  };
}

test("a session's game is made once, configured with every WELCOME, destroyed with the session", async () => {
  const log = [];
  const slot = new GameSlot("canvas", async () => recordingModule(log));
  const game = await slot.use({ game: "x", n: 1 });
  assert.equal(await slot.use({ game: "x", n: 2 }), game);
  slot.dispose();
  assert.deepEqual(log, [["create", "canvas", 1], ["configure", 1], ["configure", 2], ["destroy"]]);
  assert.equal(await slot.use({ game: "x", n: 3 }), null, "nothing after the session ended");
});

test("a game that arrives after its session ended is destroyed at once", async () => {
  const log = [];
  let release;
  const slot = new GameSlot("canvas", () => new Promise((resolve) => {
    release = () => resolve(recordingModule(log));
  }));
  const pending = slot.use({ game: "x", n: 1 });
  slot.dispose();
  release();
  assert.equal(await pending, null);
  assert.deepEqual(log, [["create", "canvas", 1], ["destroy"]]);
});

test("defaults for what a module leaves out", () => {
  assert.deepEqual(columnsOf(null, SHOOTER).map((c) => c.name), ["score", "deaths"]);
  assert.deepEqual(columnsOf({ columns: [{ name: "score", title: "K" }] }, SHOOTER), [{ name: "score", title: "K" }]);
  assert.equal(teamNameOf(null)(0), "Team 1");
  assert.equal(teamNameOf({ teamName: (t) => (t ? "Right" : "Left") })(1), "Right");
  assert.deepEqual([...reconnectingIn(null, {})], []);
  assert.deepEqual([...reconnectingIn({ reconnectingOf: () => [2, 2, 3] }, {})], [2, 3]);
});

test("avatars are found by player id and placed on the page through the game", () => {
  const world = { collections: { players: new Map([[1, { id: 1, x: 10, y: 20 }], [2, { id: 2, x: 30, y: 40 }]]) } };
  assert.deepEqual(avatarOf(SHOOTER, world, 2), { id: 2, x: 30, y: 40 });
  assert.equal(avatarOf(SHOOTER, world, 5), null);
  assert.equal(avatarOf(parseSchema(FOOTBALL_SCHEMA), null, 1), null);
  const game = { worldToScreen: (x, y) => ({ x: x * 2, y: y * 2 }), avatarRadius: 5 };
  assert.deepEqual(avatarsOnPage(game, SHOOTER, world, { left: 100, top: 50 }), {
    points: [{ id: 1, x: 120, y: 90 }, { id: 2, x: 160, y: 130 }],
    radius: 10,
  });
  assert.deepEqual(avatarsOnPage({}, SHOOTER, world, { left: 0, top: 0 }), { points: [], radius: 0 });
  assert.equal(avatarsOnPage({ worldToScreen: game.worldToScreen }, SHOOTER, world, { left: 0, top: 0 }).radius, 12);
});

test("the match's help lines: the touch ones on a page used by touch, else the game's", () => {
  const game = { controls: ["[W] up"], touch: { help: ["Left thumb: move"] } };
  assert.deepEqual(helpLinesOf(game, false), ["[W] up"]);
  assert.deepEqual(helpLinesOf(game, true), ["Left thumb: move"]);
  assert.deepEqual(helpLinesOf({ controls: ["[W] up"] }, true), ["[W] up"], "no touch help");
  assert.deepEqual(helpLinesOf(null, true), []);
});

test("a world point on the stage: the game's screen point past the canvas's offset", () => {
  const game = { worldToScreen: (x, y) => ({ x: x / 2, y: y / 2 }) };
  const canvas = { offsetLeft: 100, offsetTop: 20 };
  assert.deepEqual(stagePoint(game, canvas, 40, 60), { x: 120, y: 50 });
  assert.equal(stagePoint({}, canvas, 40, 60), null, "a game that does not place points");
  assert.equal(stagePoint(game, canvas, Number.NaN, 60), null);
});
