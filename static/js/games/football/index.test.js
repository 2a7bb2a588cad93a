import assert from "node:assert/strict";
import test from "node:test";

import {
  BALL_JUMP_DISTANCE,
  COLUMNS,
  PLAYER_JUMP_DISTANCE,
  controls,
  createGame,
  entityJumped,
  focusOn,
  reconnectingPlayers,
} from "./index.js";
import { pitchOf } from "./pitch.js";
import { ballOf, ghostBallAt, inKickReach, playersOf } from "./render.js";
import { FOOTBALL_RULES, FOOTBALL_SCHEMA, welcomeFrame } from "../../core/fixtures.js";
import { parseWelcome } from "../../core/protocol.js";

const PITCH = pitchOf(FOOTBALL_RULES);
const footballer = (id, x, y, flags = 0) => ({ id, x, y, aim: 0, flags, ack: 0 });

function world(players, ball = { id: 0, x: 600, y: 350 }) {
  return {
    phase: 2,
    globals: { score0: 0, score1: 0, paused: 0, kickoff_team: 0 },
    collections: {
      players: new Map(players.map((p) => [p.id, p])),
      ball: new Map(ball ? [[0, ball]] : []),
    },
    events: [],
  };
}

test("help lines, and the roster's goals as the scoreboard's column", () => {
  assert.ok(controls.some((line) => line.includes("[Space]") && line.includes("kick")));
  assert.ok(controls.some((line) => line.includes("[W][A][S][D]")));
  assert.deepEqual(
    COLUMNS.map((column) => column.name),
    FOOTBALL_SCHEMA.roster.map((field) => field.name),
  );
  assert.equal(COLUMNS[0].order, "desc");
});

test("a kick-off makes everything jump; otherwise only what moved too far", () => {
  const kickoff = { events: [{ kind: "kickoff", team: 1 }] };
  const before = footballer(1, 700, 300);
  assert.equal(entityJumped("players", before, footballer(1, 705, 300), kickoff), true);
  assert.equal(entityJumped("ball", { x: 10, y: 350 }, { x: 600, y: 350 }, kickoff), true);
  assert.equal(entityJumped("players", before, footballer(1, 712, 300), { events: [] }), false);
  const far = 700 + PLAYER_JUMP_DISTANCE + 1;
  assert.equal(entityJumped("players", before, footballer(1, far, 300), { events: [] }), true);
  assert.equal(entityJumped("ball", { x: 600, y: 350 }, { x: 647, y: 350 }, { events: [] }), false, "a hard kick");
  const away = 600 + BALL_JUMP_DISTANCE + 1;
  assert.equal(entityJumped("ball", { x: 600, y: 350 }, { x: away, y: 350 }, {}), true);
});

test("players with flag 4 wait for their connection", () => {
  const w = world([footballer(0, 1, 1, 4), footballer(1, 1, 1), footballer(2, 1, 1, 4)]);
  assert.deepEqual(reconnectingPlayers(w), [0, 2]);
  assert.deepEqual(reconnectingPlayers(null), []);
});

test("the follow camera looks at the player, a little towards the ball", () => {
  const w = world([footballer(3, 200, 350)], { id: 0, x: 600, y: 550 });
  assert.deepEqual(focusOn(w, 3), { x: 320, y: 410 });
  assert.equal(focusOn(w, 4), null, "not on the pitch");
  assert.deepEqual(focusOn(world([footballer(3, 200, 350)], null), 3), { x: 200, y: 350 });
});

test("players are drawn with their team and whether they wait; the ball and its reach", () => {
  const w = world([footballer(0, 100, 100), footballer(1, 200, 200, 4), footballer(2, 300, 300)]);
  const drawn = playersOf(w, new Map([[0, 0], [1, 1]]), new Set([2]));
  assert.deepEqual(
    drawn.map((p) => [p.id, p.team, p.reconnecting]),
    [[0, 0, false], [1, 1, true], [2, null, true]],
  );
  assert.deepEqual(ballOf(w), { id: 0, x: 600, y: 350 });
  assert.equal(ballOf(null), null);
  const reach = PITCH.playerRadius + PITCH.ballRadius + PITCH.kickReach;
  assert.equal(inKickReach(PITCH, { x: 600 - reach, y: 350 }, ballOf(w)), true);
  assert.equal(inKickReach(PITCH, { x: 600 - reach - 0.1, y: 350 }, ballOf(w)), false);
  assert.equal(inKickReach(PITCH, null, ballOf(w)), false);
});

test("after a goal the ball rolls into the net from where it crossed", () => {
  const entry = { x: 1195, y: 260 };
  assert.deepEqual(ghostBallAt(PITCH, 1, entry, 0), entry);
  const inside = ghostBallAt(PITCH, 1, entry, 1);
  assert.ok(inside.x > PITCH.width && inside.x < PITCH.width + 44, "behind the right goal line");
  assert.equal(inside.y, PITCH.goalTop + PITCH.ballRadius, "between the posts");
  const left = ghostBallAt(PITCH, 0, { x: 5, y: 350 }, 2);
  assert.ok(left.x < 0 && left.y === 350);
});

/** A canvas whose 2D context takes every call and records the texts drawn. */
function fakeCanvas() {
  const texts = [];
  const gradient = { addColorStop() {} };
  const ctx = new Proxy(
    { texts },
    {
      get(target, name) {
        if (name in target) return target[name];
        if (name === "fillText") return (text) => texts.push(text);
        if (name === "measureText") return (text) => ({ width: String(text).length * 10 });
        if (name.startsWith("create")) return () => gradient;
        return () => {};
      },
      set(target, name, value) {
        target[name] = value;
        return true;
      },
    },
  );
  return {
    width: 0,
    height: 0,
    style: {},
    parentElement: { clientWidth: 1328, clientHeight: 900 },
    getContext: () => ctx,
    texts,
  };
}

test("the game object draws a match and answers the core's questions", (t) => {
  // the little of the browser the game object touches besides its canvas
  globalThis.window = { devicePixelRatio: 1 };
  globalThis.ResizeObserver = class {
    observe() {}
    disconnect() {}
  };
  t.after(() => {
    delete globalThis.window;
    delete globalThis.ResizeObserver;
  });
  const welcome = parseWelcome(welcomeFrame("football", FOOTBALL_SCHEMA, { player_id: 0 }));
  const canvas = fakeCanvas();
  const game = createGame({ canvas, welcome });
  game.configure(welcome);
  assert.equal(canvas.style.width, "1328px", "the view of the pitch and its nets fits the stage");
  assert.equal(game.avatarRadius, 16);
  assert.equal(game.teamName(1), "Red");
  assert.equal(game.summaryText({ summary: { score: [1, 0] } }), "Final score Blue 1 – 0 Red");
  assert.deepEqual(game.worldToScreen(0, 0), { x: 64, y: 30 });
  const w = world([footballer(0, 580, 350), footballer(1, 700, 350, 4)]);
  w.roster = [
    { id: 0, name: "Ada", team: 0, connected: true, goals: 0 },
    { id: 1, name: "Bo", team: 1, connected: true, goals: 0 },
  ];
  assert.equal(game.statusOf(w, 0), "Blue 0 – 0 Red · Blue attacks →");
  const lines = [];
  game.onEvents([{ kind: "kick", player: 0 }, { kind: "goal", team: 0, scorer: 0 }], {
    addNote: (who, text) => lines.push([who, text]),
    world: w,
    eventTime: 1000,
  });
  assert.deepEqual(lines, [[0, "scored for Blue!"]]);
  w.globals = { ...w.globals, score0: 1, paused: 1, kickoff_team: 1 };
  const scene = {
    world: w,
    selfId: 0,
    names: new Map([[0, "Ada"], [1, "Bo"]]),
    teamOf: new Map([[0, 0], [1, 1]]),
    renderTime: 1100,
    now: 5000,
    overlay: null,
    camera: null,
    reconnecting: new Set(),
    spectating: false,
  };
  game.input.setEnabled(true);
  game.draw(scene);
  assert.ok(canvas.texts.includes("GOAL!") && canvas.texts.includes("Ada") && canvas.texts.includes("reconnecting…"));
  assert.deepEqual(game.input.controls.anchor, { x: 644, y: 380 }, "the aim starts from the own player");
  game.draw({ ...scene, world: null, selfId: null, spectating: true, camera: { x: 600, y: 350, zoom: 1.6 } });
  assert.equal(game.input.controls.anchor, null);
  assert.deepEqual(game.worldToScreen(600, 350), { x: 664, y: 380 }, "the camera's centre in the middle");
  game.destroy();
});

test("football's sounds: kicks (the own louder) and goals", async () => {
  const { footballSounds, OTHERS_KICK_VOLUME } = await import("./sounds.js");
  const snapshot = {
    events: [
      { kind: "kick", player: 0 },
      { kind: "kick", player: 1 },
      { kind: "goal", team: 0, scorer: 0 },
      { kind: "kickoff", team: 1 },
    ],
  };
  assert.deepEqual(footballSounds(snapshot, { selfId: 0 }), [
    "kick",
    { name: "kick", volume: OTHERS_KICK_VOLUME },
    "goal",
  ]);
  assert.deepEqual(footballSounds({ events: [] }, { selfId: 0 }), []);
});
