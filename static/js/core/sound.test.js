import assert from "node:assert/strict";
import test from "node:test";

import {
  MAX_AT_ONCE,
  MUTE_KEY,
  REPEAT_GAP_MS,
  SoundBoard,
  admit,
  readMuted,
  writeMuted,
} from "./sound-board.js";
import { SOUNDS, recipeFor, recipeLength, schedule, soundRequests } from "./sound-recipes.js";

/** localStorage as a Map. */
function memoryStorage(initial = {}) {
  const values = new Map(Object.entries(initial));
  return {
    getItem: (key) => (values.has(key) ? values.get(key) : null),
    setItem: (key, value) => values.set(key, String(value)),
    values,
  };
}

/** An AudioContext that records what is scheduled on it. */
function fakeContext() {
  const param = () => ({ value: 1, setValueAtTime() {}, exponentialRampToValueAtTime() {} });
  const node = (kind) => ({
    kind,
    connect() {},
    start(at) {
      context.started.push({ kind, at, type: this.type });
    },
    stop() {},
  });
  const context = {
    state: "suspended",
    resumed: 0,
    currentTime: 10,
    sampleRate: 8000,
    destination: {},
    started: [],
    resume() {
      this.resumed += 1;
      this.state = "running";
      return Promise.resolve();
    },
    createGain: () => ({ ...node("gain"), gain: param() }),
    createOscillator: () => ({ ...node("oscillator"), type: "sine", frequency: param() }),
    createBufferSource: () => ({ ...node("noise"), buffer: null }),
    createBuffer: (channels, length) => ({ getChannelData: () => new Float32Array(length) }),
  };
  return context;
}

test("every sound is short and quiet enough to repeat, with known waves", () => {
  const waves = new Set(["sine", "square", "triangle", "sawtooth", "noise"]);
  for (const [name, recipe] of Object.entries(SOUNDS)) {
    assert.ok(recipe.length > 0, name);
    assert.ok(recipeLength(recipe) <= 1000, `${name} lasts at most a second`);
    for (const tone of recipe) {
      assert.ok(waves.has(tone.wave), `${name}: ${tone.wave}`);
      assert.ok(tone.gain > 0 && tone.gain <= 0.3, `${name}: gain ${tone.gain}`);
    }
  }
  for (const name of ["fire", "hit", "hitmarker", "kill", "respawn", "goal", "kick", "drop"]) {
    assert.ok(recipeFor(name), name);
  }
  for (const name of ["start", "win", "lose", "end"]) assert.ok(recipeFor(name), name);
  assert.equal(recipeFor("toString"), null, "only the sounds' own names");
});

test("a recipe's schedule is in seconds from its start, scaled by the volume", () => {
  const parts = schedule(SOUNDS.start, 2, 0.5);
  assert.equal(parts.length, 3);
  assert.equal(parts[0].start, 2);
  assert.ok(Math.abs(parts[2].start - 2.44) < 1e-9 && Math.abs(parts[2].end - 2.7) < 1e-9);
  assert.ok(Math.abs(parts[0].peak - SOUNDS.start[0].gain / 2) < 1e-12);
  assert.equal(schedule(SOUNDS.start, 0, 7)[0].peak, SOUNDS.start[0].gain, "volume at most 1");
});

test("a game's sound requests: names or {name, volume}; unknown names dropped", () => {
  assert.deepEqual(soundRequests(["fire", { name: "kick", volume: 0.3 }, "boom", null]), [
    { name: "fire", volume: 1 },
    { name: "kick", volume: 0.3 },
  ]);
  assert.deepEqual(soundRequests("goal"), [{ name: "goal", volume: 1 }]);
  assert.deepEqual(soundRequests(undefined), []);
  assert.deepEqual(soundRequests([{ name: "hit", volume: 3 }]), [{ name: "hit", volume: 1 }]);
});

test("one sound plays at most once per gap, and a few at once", () => {
  const last = new Map();
  const fire = { name: "fire", volume: 1 };
  assert.deepEqual(admit([fire, fire], 0, last), [fire], "once per snapshot");
  assert.deepEqual(admit([fire], REPEAT_GAP_MS - 1, last), []);
  assert.deepEqual(admit([fire], REPEAT_GAP_MS, last), [fire]);
  const many = Object.keys(SOUNDS).map((name) => ({ name, volume: 1 }));
  assert.equal(admit(many, 1000, new Map()).length, MAX_AT_ONCE);
});

test("the mute setting is remembered in storage, and unreadable storage plays", () => {
  const storage = memoryStorage();
  assert.equal(readMuted(storage), false);
  writeMuted(storage, true);
  assert.equal(storage.values.get(MUTE_KEY), "true");
  assert.equal(readMuted(storage), true);
  const broken = {
    getItem() {
      throw new Error("denied");
    },
    setItem() {
      throw new Error("denied");
    },
  };
  assert.equal(readMuted(broken), false);
  writeMuted(broken, true); // no throw
  assert.equal(new SoundBoard({ storage: memoryStorage({ [MUTE_KEY]: "true" }) }).muted, true);
});

test("no audio before a user gesture: the context is made on the first one", () => {
  const contexts = [];
  const board = new SoundBoard({
    storage: memoryStorage(),
    createContext: () => {
      const context = fakeContext();
      contexts.push(context);
      return context;
    },
    now: () => 0,
  });
  assert.equal(board.play("fire"), 0);
  assert.equal(contexts.length, 0, "nothing created before a gesture");

  const target = new EventTarget();
  board.listenForGesture(target);
  target.dispatchEvent(new Event("pointerdown"));
  assert.equal(contexts.length, 1);
  assert.equal(contexts[0].resumed, 1, "a suspended context is resumed by the gesture");
  target.dispatchEvent(new Event("keydown"));
  assert.equal(contexts.length, 1, "one context for the page");
  assert.equal(contexts[0].resumed, 1, "running: the gestures are no longer listened to");

  assert.equal(board.play(["fire", "kick"]), 2);
  const started = contexts[0].started;
  assert.ok(started.some((node) => node.kind === "oscillator" && node.type === "square"));
  assert.ok(started.some((node) => node.kind === "noise"), "the kick's thud is noise");
  assert.ok(started.every((node) => node.at >= 10), "on the audio clock, from now");
});

test("a gesture the browser does not count leaves the audio suspended: the next resumes it", () => {
  const context = fakeContext();
  context.resume = function () {
    this.resumed += 1;
    if (this.resumed > 1) this.state = "running"; // the first touch did not count
    return Promise.resolve();
  };
  const board = new SoundBoard({ storage: memoryStorage(), createContext: () => context });
  const target = new EventTarget();
  board.listenForGesture(target);
  target.dispatchEvent(new Event("pointerdown"));
  assert.equal(context.state, "suspended");
  target.dispatchEvent(new Event("touchend"));
  assert.equal(context.state, "running");
  target.dispatchEvent(new Event("click"));
  assert.equal(context.resumed, 2);
});

test("muted plays nothing, and the toggle tells its listeners and storage", () => {
  const storage = memoryStorage();
  const board = new SoundBoard({ storage, createContext: fakeContext, now: () => 0 });
  board.unlock();
  const heard = [];
  board.onChange((muted) => heard.push(muted));
  board.toggle();
  assert.equal(board.muted, true);
  assert.equal(board.master.gain.value, 0);
  assert.equal(board.play("goal"), 0);
  board.toggle();
  assert.deepEqual(heard, [true, false]);
  assert.equal(storage.values.get(MUTE_KEY), "false");
  assert.equal(board.play("goal"), 1);
});

test("without Web Audio the board stays silent", () => {
  const board = new SoundBoard({ storage: memoryStorage(), createContext: () => null });
  board.unlock();
  assert.equal(board.play("fire"), 0);
});
