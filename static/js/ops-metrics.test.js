import assert from "node:assert/strict";
import test from "node:test";

import {
  bucketIncrease,
  buckets,
  figures,
  formatFigure,
  histogramQuantile,
  maximum,
  parseMetrics,
  parseSample,
  parseValue,
  rate,
  Ring,
  total,
} from "./ops-metrics.js";

// what prometheus_client writes for /metrics (trimmed), at two moments one second apart
const FIRST = `# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.
# TYPE process_cpu_seconds_total counter
process_cpu_seconds_total 10.5
# HELP arena_info This process's settings
# TYPE arena_info gauge
arena_info{channel_layer="pubsub",engine="external",tick_rate="20"} 1.0
# HELP arena_sockets_open WebSockets open in this process
# TYPE arena_sockets_open gauge
arena_sockets_open{kind="lobby"} 3.0
arena_sockets_open{kind="match"} 16.0
# TYPE arena_client_frames_total counter
arena_client_frames_total{kind="lobby"} 10.0
arena_client_frames_total{kind="match"} 1000.0
# TYPE arena_snapshot_frames_sent_total counter
arena_snapshot_frames_sent_total{kind="match"} 2000.0
# TYPE arena_engine_players gauge
arena_engine_players{engine="engine-a"} 8.0
arena_engine_players{engine="engine-b"} 8.0
# TYPE arena_engine_spectators gauge
arena_engine_spectators{engine="engine-a"} 40.0
arena_engine_spectators{engine="engine-b"} 2.0
# TYPE arena_engine_matches gauge
arena_engine_matches{engine="engine-a"} 1.0
arena_engine_matches{engine="engine-b"} 1.0
# TYPE arena_engine_tick_recent_seconds gauge
arena_engine_tick_recent_seconds{engine="engine-a",measure="duration",quantile="0.99"} 0.004
arena_engine_tick_recent_seconds{engine="engine-b",measure="duration",quantile="0.99"} 0.0065
# TYPE arena_engine_cpu_seconds_total counter
arena_engine_cpu_seconds_total{engine="engine-a"} 100.0
# TYPE arena_matchmaking_oldest_wait_seconds gauge
arena_matchmaking_oldest_wait_seconds{mode="duel"} 1.5
arena_matchmaking_oldest_wait_seconds{mode="ffa"} 7.25
# TYPE arena_matchmaking_wait_seconds histogram
arena_matchmaking_wait_seconds_bucket{le="1.0",mode="duel"} 2.0
arena_matchmaking_wait_seconds_bucket{le="5.0",mode="duel"} 4.0
arena_matchmaking_wait_seconds_bucket{le="+Inf",mode="duel"} 4.0
arena_matchmaking_wait_seconds_count{mode="duel"} 4.0
arena_matchmaking_wait_seconds_sum{mode="duel"} 8.0
`;

const SECOND = FIRST.replace("process_cpu_seconds_total 10.5", "process_cpu_seconds_total 10.75")
  .replace('arena_client_frames_total{kind="match"} 1000.0', 'arena_client_frames_total{kind="match"} 1320.0')
  .replace("arena_snapshot_frames_sent_total{kind=\"match\"} 2000.0", 'arena_snapshot_frames_sent_total{kind="match"} 2320.0')
  .replace('arena_engine_cpu_seconds_total{engine="engine-a"} 100.0', 'arena_engine_cpu_seconds_total{engine="engine-a"} 100.5')
  .replace('wait_seconds_bucket{le="1.0",mode="duel"} 2.0', 'wait_seconds_bucket{le="1.0",mode="duel"} 2.0')
  .replace('wait_seconds_bucket{le="5.0",mode="duel"} 4.0', 'wait_seconds_bucket{le="5.0",mode="duel"} 6.0')
  .replace('wait_seconds_bucket{le="+Inf",mode="duel"} 4.0', 'wait_seconds_bucket{le="+Inf",mode="duel"} 6.0')
  .replace('wait_seconds_count{mode="duel"} 4.0', 'wait_seconds_count{mode="duel"} 6.0')
  .replace('wait_seconds_sum{mode="duel"} 8.0', 'wait_seconds_sum{mode="duel"} 14.0');

test("parseValue reads numbers, exponents and the special values", () => {
  assert.equal(parseValue("1.0"), 1);
  assert.equal(parseValue("-2.5e-3"), -0.0025);
  assert.equal(parseValue("1.7e+09"), 1.7e9);
  assert.equal(parseValue("+Inf"), Infinity);
  assert.equal(parseValue("-Inf"), -Infinity);
  assert.ok(Number.isNaN(parseValue("NaN")));
  assert.equal(parseValue("abc"), null);
  assert.equal(parseValue(""), null);
  assert.equal(parseValue(undefined), null);
});

test("parseSample reads names, labels with escapes, values and ignores timestamps", () => {
  assert.deepEqual(parseSample("up 1"), { name: "up", labels: {}, value: 1 });
  assert.deepEqual(parseSample('x_total{a="1",b="two words"} 3.5 1700000000000'), {
    name: "x_total",
    labels: { a: "1", b: "two words" },
    value: 3.5,
  });
  assert.deepEqual(parseSample('m{path="C:\\\\dir",q="say \\"hi\\"",n="a\\nb",} 2').labels, {
    path: "C:\\dir",
    q: 'say "hi"',
    n: "a\nb",
  });
  assert.deepEqual(parseSample('m{le="+Inf"} 4').labels, { le: "+Inf" });
  assert.deepEqual(parseSample('m{a="x,}"} 1').labels, { a: "x,}" });
  assert.equal(parseSample("m{a=1} 1"), null);
  assert.equal(parseSample('m{a="1" 1'), null);
  assert.equal(parseSample("m"), null);
  assert.equal(parseSample("9m 1"), null);
});

test("parseMetrics keeps samples, types and help", () => {
  const parsed = parseMetrics(FIRST);
  assert.equal(parsed.types.get("arena_matchmaking_wait_seconds"), "histogram");
  assert.equal(parsed.types.get("process_cpu_seconds_total"), "counter");
  assert.equal(parsed.help.get("arena_sockets_open"), "WebSockets open in this process");
  assert.equal(parsed.samples.length, 23);
  assert.equal(parseMetrics("\n# just a comment\nnot a sample line {\n").samples.length, 0);
});

test("total, maximum and buckets sum or pick across series", () => {
  const { samples } = parseMetrics(FIRST);
  assert.equal(total(samples, "arena_sockets_open"), 19);
  assert.equal(total(samples, "arena_sockets_open", { kind: "match" }), 16);
  assert.equal(total(samples, "arena_sockets_open", { kind: "spectator" }), null);
  assert.equal(maximum(samples, "arena_matchmaking_oldest_wait_seconds"), 7.25);
  assert.deepEqual(buckets(samples, "arena_matchmaking_wait_seconds"), [
    [1, 2],
    [5, 4],
    [Infinity, 4],
  ]);
});

test("rate is per second between two scrapes and null across a restart", () => {
  const before = { at: 100, samples: parseMetrics(FIRST).samples };
  const after = { at: 102, samples: parseMetrics(SECOND).samples };
  assert.equal(rate(before, after, "arena_client_frames_total"), 160);
  assert.equal(rate(before, after, "arena_client_frames_total", { kind: "lobby" }), 0);
  assert.equal(rate(null, after, "arena_client_frames_total"), null);
  assert.equal(rate(after, { at: 103, samples: before.samples }, "arena_client_frames_total"), null);
  assert.equal(rate(before, after, "no_such_total"), null);
});

test("histogramQuantile interpolates within buckets like Prometheus", () => {
  const cumulative = [
    [1, 2],
    [5, 4],
    [Infinity, 4],
  ];
  assert.equal(histogramQuantile(0.5, cumulative), 1);
  assert.equal(histogramQuantile(0.75, cumulative), 3);
  assert.equal(histogramQuantile(0.25, cumulative), 0.5);
  assert.equal(histogramQuantile(1, [[1, 1], [Infinity, 2]]), 1, "+Inf says: above 1");
  assert.equal(histogramQuantile(0.9, []), null);
  assert.equal(histogramQuantile(0.9, [[1, 0], [Infinity, 0]]), null);
  const before = { at: 0, samples: parseMetrics(FIRST).samples };
  const after = { at: 1, samples: parseMetrics(SECOND).samples };
  assert.deepEqual(bucketIncrease(before, after, "arena_matchmaking_wait_seconds"), [
    [1, 0],
    [5, 2],
    [Infinity, 2],
  ]);
});

test("figures turn two scrapes into the charts' numbers", () => {
  const before = { at: 100, samples: parseMetrics(FIRST).samples };
  const after = { at: 102, samples: parseMetrics(SECOND).samples };
  const figure = figures(after, before, before);
  assert.equal(figure.engineMode, "external");
  assert.equal(figure.tickRate, 20);
  assert.equal(figure.tickBudgetMs, 50);
  assert.equal(figure.tickP99Ms, 6.5, "the slowest engine's p99");
  assert.equal(figure.tickP50Ms, null);
  assert.equal(figure.players, 16);
  assert.equal(figure.matches, 2);
  assert.equal(figure.matchSockets, 16);
  assert.equal(figure.lobbySockets, 3);
  assert.equal(figure.spectators, 42);
  assert.equal(figure.spectatorSockets, null, "no spectator socket in this process");
  assert.equal(figure.framesIn, 160);
  assert.equal(figure.framesOut, 160);
  assert.equal(figure.cpuProcess, 12.5);
  assert.equal(figure.cpuEngines, 25);
  assert.equal(figure.oldestWait, 7.25);
  assert.equal(figure.matchedInWindow, 2);
  assert.equal(figure.meanWait, 3);
  assert.equal(figure.p90Wait, 4.6);

  const first = figures(before, undefined, null);
  assert.equal(first.framesIn, null, "no rate from a single scrape");
  assert.equal(first.meanWait, null);
  const embedded = parseMetrics(SECOND.replace('engine="external"', 'engine="embedded"')).samples;
  assert.equal(figures({ at: 102, samples: embedded }, before, before).cpuEngines, null);
});

test("Ring keeps the newest values and formatFigure shows a dash for none", () => {
  const ring = new Ring(3);
  for (const value of [1, 2, 3, 4]) ring.push(value);
  assert.deepEqual(ring.values, [2, 3, 4]);
  assert.equal(formatFigure(null), "—");
  assert.equal(formatFigure(NaN), "—");
  assert.equal(formatFigure(1234.567), "1,235");
  assert.equal(formatFigure(2.345, 1), "2.3");
});
