import assert from "node:assert/strict";
import test from "node:test";

import { FootballPredictor, hasKickoff, resumeTickAfter } from "./prediction.js";
import { movementRules, stepMovement } from "./movement.js";
import { FOOTBALL_SCHEMA, welcomeFrame } from "../../core/fixtures.js";
import { InputClock } from "../../core/input-clock.js";
import { Phase, parseWelcome } from "../../core/protocol.js";
import { Button } from "./wire.js";

const WELCOME = parseWelcome(welcomeFrame("football", FOOTBALL_SCHEMA));
const MOVEMENT = movementRules(WELCOME);
const { LEFT, RIGHT, UP } = Button;
const TIMING = { tickMs: 50, pauseTicks: 40 };
const SPOT = Object.freeze({ x: 336, y: 350 });

/** The own player of a snapshot as the core gives it to `reconcile`. */
const player = (x, y) => ({ id: 0, x, y, aim: 0, flags: 0 });

/** A decoded snapshot as far as the predictor reads it. */
function snapshot(tick, { phase = Phase.RUNNING, phaseMsLeft = 0, paused = false, events = [] } = {}) {
  return { tick, phase, phaseMsLeft, globals: { paused: paused ? 1 : 0 }, events };
}
const KICKOFF = Object.freeze([{ kind: "kickoff", team: 1 }]);

function predictor() {
  const p = new FootballPredictor();
  p.reset(WELCOME);
  return p;
}

function steps(state, buttons, count) {
  let next = state;
  for (let i = 0; i < count; i += 1) next = stepMovement(next, buttons, MOVEMENT);
  return next;
}

test("players are held through the countdown and the pause after a goal", () => {
  assert.equal(hasKickoff(snapshot(3, { events: KICKOFF })), true);
  assert.equal(hasKickoff(snapshot(3, { events: [{ kind: "kick", player: 1 }] })), false);
  assert.equal(hasKickoff(null), false);
  const countdown = snapshot(10, { phase: Phase.COUNTDOWN, phaseMsLeft: 1500 });
  assert.equal(resumeTickAfter(countdown, TIMING), 40, "the tick the match starts on moves");
  assert.equal(resumeTickAfter(snapshot(100, { paused: true, events: KICKOFF }), TIMING), 140);
  assert.equal(resumeTickAfter(snapshot(101, { paused: true }), TIMING, 140), 140, "kept");
  assert.equal(resumeTickAfter(snapshot(101, { paused: true }), TIMING, null), Infinity, "unseen start");
  assert.equal(resumeTickAfter(snapshot(150, { paused: true }), TIMING, 140), Infinity);
  assert.equal(resumeTickAfter(snapshot(141), TIMING, 140), null, "in play");
  assert.equal(resumeTickAfter(snapshot(5, { phase: Phase.WAITING }), TIMING), null, "warming up");
  assert.equal(resumeTickAfter(null, TIMING), null);
});

test("the pause lasts goal_pause_ms of the WELCOME's rules", () => {
  const p = predictor();
  assert.equal(p.pauseTicks, 40);
  assert.equal(p.movement.maxSpeed, 240);
  const quick = new FootballPredictor();
  quick.reset(parseWelcome(welcomeFrame("football", FOOTBALL_SCHEMA, { tick_rate: 30 })));
  assert.equal(quick.pauseTicks, 60);
});

test("while warming up the player moves at once", () => {
  const p = predictor();
  p.reconcile(player(500, 300), 0, 0, { respawned: true, phase: Phase.WAITING, snapshot: snapshot(3, { phase: Phase.WAITING }) });
  p.input(1, [RIGHT, 0], 10);
  assert.deepEqual(p.state, { x: 505, y: 300, vx: 100, vy: 0 });
});

test("in the countdown the player stands until the tick the match starts on", () => {
  const p = predictor();
  const countdown = snapshot(37, { phase: Phase.COUNTDOWN, phaseMsLeft: 150, events: [] });
  p.reconcile(player(568, 350), 10, 0, { respawned: true, phase: Phase.COUNTDOWN, snapshot: countdown });
  p.input(11, [RIGHT, 0], 0); // tick 38
  p.input(12, [RIGHT, 0], 50); // tick 39
  assert.deepEqual(p.state, { x: 568, y: 350, vx: 0, vy: 0 }, "held");
  assert.deepEqual(p.render(80), { x: 568, y: 350 });
  p.input(13, [RIGHT, 0], 100); // tick 40: the match starts and moves
  assert.deepEqual(p.state, { x: 573, y: 350, vx: 100, vy: 0 });
  // the start's kick-off moved everyone in its own tick: the prediction goes on from it
  const start = snapshot(40, { phaseMsLeft: 180000, events: KICKOFF });
  p.input(14, [RIGHT, 0], 150);
  const before = p.render(160);
  p.reconcile(player(573, 350), 13, 160, { phase: Phase.RUNNING, snapshot: start });
  assert.deepEqual(p.state, steps({ x: 568, y: 350, vx: 0, vy: 0 }, RIGHT, 2));
  assert.deepEqual(p.render(160), before, "no correction");
});

test("a goal's kick-off puts the player on its spot and holds it for the pause", () => {
  const p = predictor();
  p.reconcile(player(900, 200), 0, 0, { respawned: true, snapshot: snapshot(99) });
  p.input(1, [RIGHT | UP, 0], 0);
  p.input(2, [RIGHT | UP, 0], 50);
  assert.ok(p.state.x > 900);
  // tick 100: a goal, everyone to their spots; the inputs after it fall into the pause
  p.reconcile(player(SPOT.x, SPOT.y), 1, 60, { snapshot: snapshot(100, { paused: true, events: KICKOFF }) });
  assert.deepEqual(p.render(60), SPOT, "snapped to the spot");
  assert.deepEqual(p.state, { ...SPOT, vx: 0, vy: 0 });
  for (let seq = 3; seq <= 40; seq += 1) p.input(seq, [RIGHT, 0], seq * 50);
  assert.deepEqual(p.state, { ...SPOT, vx: 0, vy: 0 }, "input 40 is for tick 139, still paused");
  p.reconcile(player(SPOT.x, SPOT.y), 20, 2000, { snapshot: snapshot(119, { paused: true }) });
  assert.deepEqual(p.state, { ...SPOT, vx: 0, vy: 0 });
  p.input(41, [RIGHT, 0], 2050); // tick 140: the pause is over
  assert.deepEqual(p.state, { x: SPOT.x + 5, y: SPOT.y, vx: 100, vy: 0 });
  const before = p.render(2080);
  p.reconcile(player(SPOT.x + 5, SPOT.y), 41, 2080, { snapshot: snapshot(140) });
  assert.deepEqual(p.render(2080), before, "the server moved on the same tick");
  assert.equal(p.resumeTick, null);
});

test("a pause that began unseen holds the player until a snapshot in play", () => {
  const p = predictor();
  p.reconcile(player(SPOT.x, SPOT.y), 5, 0, { respawned: true, snapshot: snapshot(120, { paused: true }) });
  for (let seq = 6; seq <= 70; seq += 1) p.input(seq, [LEFT, 0], seq * 50);
  assert.deepEqual(p.state, { ...SPOT, vx: 0, vy: 0 });
  p.reconcile(player(SPOT.x - 5, SPOT.y), 68, 3500, { snapshot: snapshot(140) });
  assert.ok(p.state.x < SPOT.x - 5, "moving again");
});

test("nothing is predicted once the match is over", () => {
  const p = predictor();
  p.reconcile(player(600, 350), 0, 0, { respawned: true, snapshot: snapshot(10) });
  p.input(1, [RIGHT, 0], 0);
  p.reconcile(player(605, 350), 1, 50, { phase: Phase.ENDED, snapshot: snapshot(11, { phase: Phase.ENDED }) });
  assert.equal(p.render(50), null);
  assert.equal(p.predicting, false);
});

test("without snapshots (an older core) it predicts as a plain mover", () => {
  const p = predictor();
  p.reconcile(player(600, 350), 0, 0, { respawned: true });
  p.input(1, [RIGHT, 0], 0);
  assert.equal(p.state.x, 605);
  p.reset(WELCOME);
  assert.deepEqual([p.resumeTick, p.snapshotTick, p.debug().pending], [null, 0, 0]);
});

// ---- a client and a simulated football server 50 ms away: countdown, goals and their pauses ----

/**
 * Plays `durationMs` against a server 50 ms away each way that ticks every 50 ms: a countdown
 * until tick `startTick`, then play, with a goal on each of `goalTicks` (everyone to the spot,
 * held for the pause). The client's InputClock polls every millisecond with `buttonsAt(t)`.
 * Returns what was drawn each millisecond, the largest correction a snapshot caused (kick-offs
 * that snap the player aside), the server's last state and the predictor.
 */
function playMatch({ durationMs, buttonsAt, startTick = 20, goalTicks = [], phaseMs = 20 }) {
  const predictor = new FootballPredictor();
  predictor.reset(WELCOME);
  const clock = new InputClock(20);
  let server = { x: 568, y: 350, vx: 0, vy: 0 };
  let serverAck = 0;
  let serverButtons = 0;
  let pausedUntil = 0;
  const toServer = [];
  const toClient = [];
  const drawn = [];
  let lastSent = null;
  let largestCorrection = 0;
  let seen = false;
  for (let t = 0; t <= durationMs; t += 1) {
    if (t % 50 === 0) {
      const tick = t / 50;
      while (toServer.length && toServer[0].at <= t) {
        const input = toServer.shift();
        serverAck = input.seq;
        serverButtons = input.buttons;
      }
      const events = [];
      let phase = Phase.COUNTDOWN;
      if (tick >= startTick) {
        phase = Phase.RUNNING;
        if (tick === startTick) {
          server = { x: 568, y: 350, vx: 0, vy: 0 };
          events.push({ kind: "kickoff", team: 0 });
        }
        if (tick >= pausedUntil) server = stepMovement(server, serverButtons, MOVEMENT);
        if (goalTicks.includes(tick)) {
          server = { ...SPOT, vx: 0, vy: 0 };
          pausedUntil = tick + 40;
          events.push({ kind: "goal", team: 1, scorer: 1 }, { kind: "kickoff", team: 0 });
        }
      }
      const paused = phase === Phase.COUNTDOWN || tick < pausedUntil;
      const phaseMsLeft = phase === Phase.COUNTDOWN ? (startTick - tick) * 50 : 180000;
      const quantize = (v) => Math.round(v * 10) / 10;
      toClient.push({
        at: t + 50,
        self: player(quantize(server.x), quantize(server.y)),
        ack: serverAck,
        snapshot: snapshot(tick, { phase, phaseMsLeft, paused, events }),
      });
    }
    while (toClient.length && toClient[0].at <= t) {
      const { self, ack, snapshot: snap } = toClient.shift();
      const before = predictor.predicting ? predictor.trueRender(t) : null;
      predictor.reconcile(self, ack, t, { respawned: !seen, phase: snap.phase, snapshot: snap });
      seen = true;
      const after = predictor.trueRender(t);
      if (before && !hasKickoff(snap)) {
        largestCorrection = Math.max(largestCorrection, Math.hypot(after.x - before.x, after.y - before.y));
      }
    }
    if (t >= phaseMs) {
      const buttons = buttonsAt(t);
      const input = clock.poll(t, buttons !== lastSent);
      if (input) {
        lastSent = buttons;
        predictor.input(input.seq, [buttons, 0], t, { amends: input.amends });
        toServer.push({ at: t + 50, seq: input.seq, buttons });
      }
    }
    drawn.push(predictor.render(t));
  }
  return { drawn, largestCorrection, server, predictor };
}

test("at 100 ms round trip the prediction starts and stops with the server's play", () => {
  // held from the first moment: the player must not move before the match starts, nor during
  // the pauses after the goals at ticks 60 and 130; changes fall on the client's tick starts
  const { drawn, largestCorrection, server, predictor } = playMatch({
    durationMs: 9000,
    startTick: 20,
    goalTicks: [60, 130],
    buttonsAt: (t) => (t < 4020 ? RIGHT : t < 7020 ? LEFT | UP : 0),
  });
  assert.ok(largestCorrection < 0.15, `corrected by ${largestCorrection}`);
  // the start at tick 20 (1000 ms server time) is predicted 50 ms ahead: it moves from 950 ms
  assert.deepEqual(drawn[900], { x: 568, y: 350 }, "held in the countdown");
  assert.ok(drawn[1100].x > 568, "moving once the match runs");
  // the goal at tick 60 is seen at 3050 ms; until then the player ran on, then stands on its spot
  assert.deepEqual(drawn[3100], SPOT);
  assert.deepEqual(drawn[4900], SPOT, "held to the end of the pause (tick 100, predicted at 4950)");
  assert.ok(drawn[5100].x < SPOT.x && drawn[5100].y < SPOT.y, "and running up and left after it");
  const last = drawn.at(-1);
  assert.ok(Math.abs(last.x - server.x) < 0.06 && Math.abs(last.y - server.y) < 0.06, "ends where the server is");
  assert.deepEqual([predictor.state.vx, predictor.state.vy], [0, 0]);
});
