import assert from "node:assert/strict";
import { test } from "node:test";
import { encode } from "@msgpack/msgpack";
import { SHOOTER_RULES, SHOOTER_SCHEMA } from "./fixtures.js";
import {
  FEED_BACKFILL_MS,
  PlaybackClock,
  Record,
  ReplayFormatError,
  ReplaySocket,
  ReplayTimeline,
  backfillTick,
  readHeader,
} from "./replay.js";
import { replayHash, replayIdFromHash } from "./format.js";

const T0 = 1_795_600_000_000;
const ADA = [0, "Ada", 0, 0, true];
const BO = [1, "Bo", 0, 0, true];

/** A shooter KEYFRAME of `tick` with Ada at x = `x`. */
function keyframe(tick, x = 100, events = []) {
  return [11, tick, T0 + tick * 50, 2, 60000, [[0, x, 100, 0, 100, 1, 0]], [], events, [ADA, BO]];
}

/** A shooter DELTA from `tick - 1` moving Ada by `dx`. */
function delta(tick, dx = 5, events = []) {
  return [12, tick, T0 + tick * 50, tick - 1, 2, 60000, [[0, 1, dx]], [], [], events, null];
}

/** A replay of ticks 10..49: KEYFRAMEs every 20 ticks, a kill at tick 30, a RESULT at the end. */
function replay({ gap = false } = {}) {
  const records = [];
  let x = 100;
  for (let tick = 10; tick < 50; tick += 1) {
    if ((tick - 10) % 20 === 0) {
      records.push([Record.KEYFRAME, tick, encode(keyframe(tick, x))]);
    } else {
      const events = tick === 30 ? [[1, 0, 1]] : [];
      x += 5;
      records.push([Record.DELTA, tick, encode(delta(tick, 5, events))]);
    }
  }
  if (gap) records.splice(25, 0, [Record.GAP, 34, 35]);
  const result = {
    reason: "time_limit",
    winner_id: 0,
    columns: ["score", "deaths"],
    standings: [
      [0, "Ada", 1, 1, 0],
      [1, "Bo", 2, 0, 1],
    ],
    duration_ms: 2000,
  };
  records.push([Record.RESULT, 49, encode([13, result])]);
  const header = {
    format: "arena-replay",
    version: 1,
    match_id: "5f0c",
    game: "shooter",
    mode: "duel",
    tick_rate: 20,
    schema: SHOOTER_SCHEMA,
    info: { rules: SHOOTER_RULES, teams: 0, max_players: 2, time_limit_ms: 180000 },
  };
  return { header, records };
}

test("the header is a zstd skippable frame of msgpack, and anything else is refused", () => {
  const payload = encode({ format: "arena-replay", version: 1, match_id: "m" });
  const bytes = new Uint8Array(8 + payload.length + 3);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, 0x184d2a50, true);
  view.setUint32(4, payload.length, true);
  bytes.set(payload, 8);
  const { header, offset } = readHeader(bytes);
  assert.equal(header.match_id, "m");
  assert.equal(offset, 8 + payload.length);
  assert.throws(() => readHeader(bytes.subarray(0, 6)), ReplayFormatError);
  view.setUint32(0, 0x12345678, true);
  assert.throws(() => readHeader(bytes), ReplayFormatError);
});

test("the timeline knows its ticks, their times and the keyframe before any tick", () => {
  const timeline = new ReplayTimeline(replay());
  assert.equal(timeline.firstTick, 10);
  assert.equal(timeline.lastTick, 49);
  assert.equal(timeline.durationMs, 39 * 50);
  assert.equal(timeline.timeOf(30), 1000);
  assert.equal(timeline.tickAt(1000), 30);
  assert.equal(timeline.tickAt(1049), 30);
  assert.equal(timeline.keyframeAtOrBefore(29), 10);
  assert.equal(timeline.keyframeAtOrBefore(30), 30);
  assert.equal(timeline.keyframeAtOrBefore(5), 10, "before the first: the first");
  assert.equal(backfillTick(timeline, 49), 10, "six seconds before tick 49 is before the first");
  assert.equal(FEED_BACKFILL_MS, 6000);
});

test("the playback clock plays at its speed, pauses, seeks and stops at the end", () => {
  const clock = new PlaybackClock(10_000, 0);
  clock.play(0);
  assert.equal(clock.at(1000), 1000);
  clock.setSpeed(4, 1000);
  assert.equal(clock.at(1500), 3000);
  clock.setSpeed(0.25, 1500);
  assert.equal(clock.at(2500), 3250);
  clock.pause(2500);
  assert.equal(clock.at(9000), 3250);
  clock.seek(9000, 9000);
  clock.setSpeed(2, 9000);
  clock.play(9000);
  assert.equal(clock.at(20_000), 10_000, "never past the end");
  clock.settle(20_000);
  assert.equal(clock.playing, false);
  assert.throws(() => clock.setSpeed(3, 0), RangeError);
});

/** A socket over `timeline` whose handlers record what the view would get. */
function socketOf(timeline, fromTick) {
  const got = { spectating: [], snapshots: [], results: [] };
  const socket = new ReplaySocket(
    timeline,
    {
      onSpectating: (info, atMs) => got.spectating.push({ info, atMs }),
      onSnapshot: (snapshot, atMs) => got.snapshots.push({ snapshot, atMs }),
      onResult: (result) => got.results.push(result),
    },
    { fromTick },
  );
  return { socket, got };
}

test("the socket announces the match as SPECTATING does and hands over each tick at its time", () => {
  const timeline = new ReplayTimeline(replay());
  const { socket, got } = socketOf(timeline, timeline.firstTick);
  socket.begin(0);
  const [{ info }] = got.spectating;
  assert.equal(info.game, "shooter");
  assert.equal(info.matchId, "5f0c");
  assert.deepEqual(info.rules, SHOOTER_RULES);
  assert.equal(info.tickRate, 20);
  assert.equal(info.delayMs, 0);
  assert.equal(socket.advance(0), 1, "the first KEYFRAME at time 0");
  assert.equal(got.snapshots[0].snapshot.tick, 10);
  socket.advance(499);
  assert.deepEqual(
    got.snapshots.map((s) => s.snapshot.tick),
    [10, 11, 12, 13, 14, 15, 16, 17, 18, 19],
  );
  assert.deepEqual(
    got.snapshots.map((s) => s.atMs),
    [0, 50, 100, 150, 200, 250, 300, 350, 400, 450],
  );
  socket.advance(timeline.durationMs);
  assert.equal(got.snapshots.at(-1).snapshot.tick, 49);
  assert.equal(got.results.length, 1);
  assert.equal(got.results[0].reason, "time_limit");
  assert.ok(socket.done);
  const ada = got.snapshots.at(-1).snapshot;
  assert.ok(ada, "decoded by the snapshot chain");
});

test("a seek starts from the keyframe before the backfill and replays the events since", () => {
  const timeline = new ReplayTimeline(replay());
  const { socket, got } = socketOf(timeline, 32);
  socket.begin(timeline.timeOf(32));
  socket.advance(timeline.timeOf(40));
  const ticks = got.snapshots.map((s) => s.snapshot.tick);
  assert.equal(ticks[0], 30, "from the KEYFRAME at or before tick 32");
  assert.equal(ticks.at(-1), 40);
  assert.equal(got.snapshots[0].atMs, timeline.timeOf(30), "each at its own time");
  assert.deepEqual(got.snapshots[0].snapshot.events.length, 0, "tick 30 is a KEYFRAME here");
});

test("a gap is crossed: the KEYFRAME after it starts the chain again", () => {
  const timeline = new ReplayTimeline(replay({ gap: true }));
  assert.deepEqual(timeline.gaps, [{ last: 34, resumed: 35 }]);
  const { socket, got } = socketOf(timeline, timeline.firstTick);
  socket.begin(0);
  socket.advance(timeline.durationMs);
  assert.equal(got.snapshots.length, 40);
});

test("replay links: #replay/<id>", () => {
  assert.equal(replayIdFromHash("#replay/5f0c-11"), "5f0c-11");
  assert.equal(replayIdFromHash("#watch/5f0c"), null);
  assert.equal(replayIdFromHash("#replay/<script>"), null);
  assert.equal(replayHash("5f0c"), "#replay/5f0c");
});
