/**
 * The ops page's arithmetic, pure: a parser for the Prometheus text format that /metrics
 * answers, and the figures the charts show (sums, per-second rates, windowed means and
 * quantiles of histograms) computed from consecutive scrapes.
 *
 * A scrape is `{ at, samples }`: `at` in seconds, `samples` as parseMetrics returns them.
 */

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;
const ESCAPES = { "\\": "\\", '"': '"', n: "\n" };

/** A sample value: a decimal or exponent number, `NaN`, `+Inf` or `-Inf` (null if none). */
export function parseValue(text) {
  if (text === "+Inf" || text === "Inf") return Infinity;
  if (text === "-Inf") return -Infinity;
  if (text === "NaN") return NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text ?? "")) return null;
  return Number(text);
}

/** One sample line, `name{label="value",...} value [timestamp]`; null if it is not one. */
export function parseSample(line) {
  const name = NAME.exec(line)?.[0];
  if (!name) return null;
  const labels = {};
  let i = name.length;
  if (line[i] === "{") {
    i += 1;
    for (;;) {
      while (line[i] === " ") i += 1;
      if (line[i] === "}") break;
      const label = LABEL_NAME.exec(line.slice(i))?.[0];
      if (!label || line[i + label.length] !== "=" || line[i + label.length + 1] !== '"') {
        return null;
      }
      i += label.length + 2;
      let value = "";
      while (i < line.length && line[i] !== '"') {
        if (line[i] === "\\") {
          value += ESCAPES[line[i + 1]] ?? line[i + 1] ?? "";
          i += 2;
        } else {
          value += line[i];
          i += 1;
        }
      }
      if (line[i] !== '"') return null;
      labels[label] = value;
      i += 1;
      while (line[i] === " ") i += 1;
      if (line[i] === ",") i += 1;
      else if (line[i] !== "}") return null;
    }
    i += 1;
  }
  const value = parseValue(line.slice(i).trim().split(/\s+/)[0]);
  return value === null ? null : { name, labels, value };
}

/**
 * The Prometheus text format (version 0.0.4 / 1.0.0 with legacy names, as prometheus_client
 * writes it): `{ samples, types, help }`. Lines that are not samples are skipped.
 */
export function parseMetrics(text) {
  const samples = [];
  const types = new Map();
  const help = new Map();
  for (const raw of String(text).split("\n")) {
    const line = raw.trim();
    if (!line) continue;
    if (line.startsWith("#")) {
      const meta = /^#\s*(HELP|TYPE)\s+(\S+)\s?(.*)$/.exec(line);
      if (meta) (meta[1] === "TYPE" ? types : help).set(meta[2], meta[3]);
      continue;
    }
    const sample = parseSample(line);
    if (sample) samples.push(sample);
  }
  return { samples, types, help };
}

function matches(sample, name, labels) {
  if (sample.name !== name) return false;
  return Object.entries(labels).every(([key, value]) => sample.labels[key] === value);
}

/** The samples called `name` whose labels include `labels`. */
export function select(samples, name, labels = {}) {
  return samples.filter((sample) => matches(sample, name, labels));
}

/** The sum of the matching samples' values; null if there is none. */
export function total(samples, name, labels = {}) {
  const found = select(samples, name, labels);
  return found.length ? found.reduce((sum, sample) => sum + sample.value, 0) : null;
}

/** The largest matching value; null if there is none. */
export function maximum(samples, name, labels = {}) {
  const found = select(samples, name, labels);
  return found.length ? Math.max(...found.map((sample) => sample.value)) : null;
}

/**
 * How fast a counter grew from scrape `before` to `after`, per second (summing its matching
 * series); null without both scrapes, or when it went down (a process restarted).
 */
export function rate(before, after, name, labels = {}) {
  if (!before || !after || after.at <= before.at) return null;
  const start = total(before.samples, name, labels);
  const end = total(after.samples, name, labels);
  if (end === null) return null;
  const growth = end - (start ?? 0);
  return growth < 0 ? null : growth / (after.at - before.at);
}

/** How much a counter grew from `before` to `after` (summing its series); null as for rate. */
export function increase(before, after, name, labels = {}) {
  if (!before || !after) return null;
  const end = total(after.samples, name, labels);
  if (end === null) return null;
  const growth = end - (total(before.samples, name, labels) ?? 0);
  return growth < 0 ? null : growth;
}

/** A histogram's cumulative buckets, summed over its series: `[[le, count], ...]` by le. */
export function buckets(samples, name, labels = {}) {
  const byBound = new Map();
  for (const sample of select(samples, `${name}_bucket`, labels)) {
    const le = parseValue(sample.labels.le);
    if (le === null) continue;
    byBound.set(le, (byBound.get(le) ?? 0) + sample.value);
  }
  return [...byBound.entries()].sort((a, b) => a[0] - b[0]);
}

/**
 * The `q` quantile of the observations counted by cumulative `[[le, count], ...]` buckets,
 * interpolated within its bucket as Prometheus' histogram_quantile does; null if empty.
 */
export function histogramQuantile(q, cumulative) {
  if (!cumulative.length) return null;
  const count = cumulative[cumulative.length - 1][1];
  if (!(count > 0)) return null;
  const rank = q * count;
  let lowerBound = 0;
  let lowerCount = 0;
  for (const [le, cumulativeCount] of cumulative) {
    if (cumulativeCount >= rank) {
      if (le === Infinity) return lowerBound; // the largest finite bound is all it can say
      const inBucket = cumulativeCount - lowerCount;
      return inBucket > 0 ? lowerBound + ((le - lowerBound) * (rank - lowerCount)) / inBucket : le;
    }
    lowerBound = le;
    lowerCount = cumulativeCount;
  }
  return lowerBound;
}

/** The buckets observed between two scrapes (after minus before, per bound). */
export function bucketIncrease(before, after, name, labels = {}) {
  const start = new Map(before ? buckets(before.samples, name, labels) : []);
  return buckets(after.samples, name, labels).map(([le, count]) => [
    le,
    Math.max(0, count - (start.get(le) ?? 0)),
  ]);
}

/**
 * Every figure the ops page shows, from the newest scrape `now`, the one before (`previous`,
 * for per-second rates) and an older one (`windowStart`, for the matchmaking wait of matches
 * found in that window). Absent figures are null.
 */
export function figures(now, previous, windowStart) {
  const s = now.samples;
  const info = select(s, "arena_info")[0]?.labels ?? {};
  const tickRate = Number(info.tick_rate) || null;
  const tick = (measure, quantile) => {
    const seconds = maximum(s, "arena_engine_tick_recent_seconds", { measure, quantile });
    return seconds === null ? null : seconds * 1000;
  };
  const perSecond = (name, labels) => rate(previous, now, name, labels);
  const waitCount = increase(windowStart, now, "arena_matchmaking_wait_seconds_count");
  const waitSum = increase(windowStart, now, "arena_matchmaking_wait_seconds_sum");
  const waitBuckets = windowStart
    ? bucketIncrease(windowStart, now, "arena_matchmaking_wait_seconds")
    : [];
  const processCpu = perSecond("process_cpu_seconds_total");
  const engineCpu = perSecond("arena_engine_cpu_seconds_total");
  return {
    engineMode: info.engine ?? null,
    tickRate,
    tickBudgetMs: tickRate ? 1000 / tickRate : null,
    tickP50Ms: tick("duration", "0.5"),
    tickP99Ms: tick("duration", "0.99"),
    tickMaxMs: tick("duration", "1"),
    lateP99Ms: tick("lateness", "0.99"),
    engines: total(s, "arena_engines"),
    registryUp: total(s, "arena_engine_registry_up"),
    matches: total(s, "arena_engine_matches"),
    players: total(s, "arena_engine_players"),
    spectators: total(s, "arena_engine_spectators"),
    matchSockets: total(s, "arena_sockets_open", { kind: "match" }),
    spectatorSockets: total(s, "arena_sockets_open", { kind: "spectator" }),
    lobbySockets: total(s, "arena_sockets_open", { kind: "lobby" }),
    sockets: total(s, "arena_sockets_open"),
    framesIn: perSecond("arena_client_frames_total"),
    framesOut: perSecond("arena_snapshot_frames_sent_total"),
    inputsForwarded: perSecond("arena_inputs_forwarded_total"),
    framesDropped: perSecond("arena_client_frames_dropped_total"),
    throttleNotices: perSecond("arena_throttle_notices_total"),
    snapshotsSkipped: perSecond("arena_snapshots_skipped_total"),
    relaySuperseded: perSecond("arena_relay_superseded_total"),
    layerDropped: perSecond("arena_layer_dropped_total"),
    publicationsSkipped: perSecond("arena_engine_skipped_publications_total"),
    relayBacklog: total(s, "arena_relay_backlog"),
    publishBacklog: total(s, "arena_engine_publish_backlog"),
    queued: total(s, "arena_matchmaking_queued"),
    readyChecks: total(s, "arena_matchmaking_ready_checks"),
    oldestWait: maximum(s, "arena_matchmaking_oldest_wait_seconds"),
    matchedInWindow: waitCount,
    meanWait: waitCount ? waitSum / waitCount : null,
    p90Wait: waitCount ? histogramQuantile(0.9, waitBuckets) : null,
    cpuProcess: processCpu === null ? null : processCpu * 100,
    // embedded, the engine's CPU is this process's: shown once
    cpuEngines: engineCpu === null || info.engine === "embedded" ? null : engineCpu * 100,
  };
}

/** The last `capacity` values pushed, oldest first, for a chart's series. */
export class Ring {
  constructor(capacity) {
    this.capacity = capacity;
    this.values = [];
  }

  push(value) {
    this.values.push(value);
    if (this.values.length > this.capacity) this.values.shift();
  }
}

/** A figure for a tile: `—` when absent, else rounded to `digits` decimals. */
export function formatFigure(value, digits = 0) {
  if (value === null || value === undefined || Number.isNaN(value)) return "—";
  return value.toLocaleString("en-US", {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}
