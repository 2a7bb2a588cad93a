import assert from "node:assert/strict";
import test from "node:test";

import { AvatarPredictor, clamp } from "./prediction.js";
import { Phase } from "./protocol.js";

/** A toy game: the buttons value is the speed (units per tick) along x; y never changes. */
class Slider extends AvatarPredictor {
  movementFrom(welcome) {
    return { tickMs: 1000 / welcome.tickRate };
  }

  step(state, entry) {
    this.steps = (this.steps ?? 0) + 1;
    return { x: state.x + entry.buttons, y: state.y, vx: entry.buttons, vy: 0 };
  }
}

const at = (x) => ({ id: 0, x, y: 5 });

test("the game's hooks are required; the defaults move an avatar that is there until the end", () => {
  const bare = new AvatarPredictor({ tickMs: 50 });
  assert.throws(() => bare.reset({ game: "tag" }), /movement rules/);
  assert.throws(() => bare.step({ x: 0, y: 0, vx: 0, vy: 0 }, { seq: 1 }), /does not step/);
  assert.equal(bare.movesWith(at(0), { phase: Phase.RUNNING }), true);
  assert.equal(bare.movesWith(null, { phase: Phase.RUNNING }), false);
  assert.equal(bare.movesWith(at(0), { phase: Phase.ENDED }), false);
  assert.equal(bare.restartedBy(at(0), { respawned: true }), true);
  assert.equal(bare.restartedBy(at(0), { respawned: false }), false);
  assert.deepEqual([clamp(-1, 0, 2), clamp(3, 0, 2), clamp(1, 0, 2)], [0, 2, 1]);
});

test("reset takes the movement of a WELCOME; inputs replay from each snapshot", () => {
  const predictor = new Slider();
  predictor.reset({ tickRate: 20 });
  assert.equal(predictor.movement.tickMs, 50);
  predictor.reconcile(at(100), 0, 0);
  predictor.input(1, [2, 0], 0);
  predictor.input(2, [3, 0], 50);
  assert.deepEqual(predictor.state, { x: 105, y: 5, vx: 3, vy: 0 });
  const before = predictor.render(60);
  predictor.reconcile(at(102), 1, 60);
  assert.deepEqual(predictor.state, { x: 105, y: 5, vx: 3, vy: 0 }, "input 2 replayed from 102");
  assert.deepEqual(predictor.render(60), before, "the server agreed: no correction");
});

test("each pending input knows the tick after the snapshot it is expected on", () => {
  const predictor = new Slider({ tickMs: 50 });
  predictor.reconcile(at(0), 0, 0);
  predictor.input(1, [1], 0);
  predictor.input(2, [1], 10, { amends: true });
  predictor.input(3, [1], 50);
  predictor.input(4, [1], 100);
  assert.deepEqual(predictor.pending.map((entry) => [entry.seq, entry.tick]), [[1, 1], [2, 1], [3, 2], [4, 3]]);
  predictor.reconcile(at(1), 2, 120);
  assert.deepEqual(predictor.pending.map((entry) => [entry.seq, entry.tick]), [[3, 1], [4, 2]]);
  predictor.reconcile(at(2), 3, 170);
  predictor.input(5, [1], 150);
  assert.deepEqual(predictor.pending.map((entry) => [entry.seq, entry.tick]), [[4, 1], [5, 2]]);
});

test("the hooks see the context reconcile was given; a restart starts at rest", () => {
  const seen = [];
  class Watching extends Slider {
    movesWith(self, context) {
      seen.push(context.snapshot?.tick);
      return super.movesWith(self, context);
    }

    restartedBy(self, context) {
      return context.snapshot?.events?.includes("teleport") ?? false;
    }
  }
  const predictor = new Watching({ tickMs: 50 });
  predictor.reconcile(at(0), 0, 0, { snapshot: { tick: 7, events: [] } });
  predictor.input(1, [4], 0);
  predictor.reconcile(at(4), 1, 50, { snapshot: { tick: 8, events: [] } });
  assert.deepEqual(predictor.ackVelocity, [4, 0], "the velocity predicted for the acknowledged input");
  predictor.input(2, [4], 50);
  predictor.reconcile(at(500), 2, 100, { snapshot: { tick: 9, events: ["teleport"] } });
  assert.deepEqual(predictor.ackVelocity, [0, 0]);
  assert.deepEqual(predictor.render(100), { x: 500, y: 5 }, "snapped, not smoothed");
  assert.deepEqual(seen, [7, 8, 9]);
  predictor.reconcile(at(500), 2, 150, { phase: Phase.ENDED });
  assert.equal(predictor.render(150), null, "nothing moves once the match is over");
});
