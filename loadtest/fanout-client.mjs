// Fan-out load client: many WebSocket clients in one Node process, measuring snapshot delivery.
//
//   node loadtest/fanout-client.mjs JOB.json     (stops after the job's duration, or on SIGTERM)
//   node loadtest/fanout-client.mjs -            (job as the first line of stdin; closing stdin
//                                                 also stops it)
//
// The job is JSON:
//   {"sockets": [{"url": "ws://…", "headers": {"Origin": "…"}, "role": "player",
//                 "watched": false}, …],
//                             role "player" (the default) or "spectator"; watched: a player of
//                             the match the spectators watch,
//    "headers": {…}            headers for every socket (a socket's own win),
//    "ramp": 200               sockets opened per second,
//    "connect_timeout_s": 30,  how long to wait for the last socket to open,
//    "warmup_s": 5,            statistics are reset this long after the last socket opened,
//    "duration_s": 20,         then measured for this long (0: until SIGTERM or stdin closes),
//    "input_rate": 0,          INPUT frames per socket per second once WELCOME arrived,
//    "tick_ms": 50,            the expected interval between two snapshots of one socket
//    "measure_on_command": false}  true: after the warm-up, wait for {"command": "measure"} on
//                              stdin to start measuring (to align the windows of two clients)
//
// It prints JSON lines on stdout: {"event": "connected", …} once every socket opened or failed,
// {"event": "measuring"} after the warm-up, and finally {"event": "result", …} with the counts
// of the measurement window. Per message it reads only the msgpack array header and elements
// 0..2 ([type, tick, server_ms]); latency is the receive time minus server_ms (for a spectator,
// minus the stream's delay_ms too, read from its SPECTATING: the time the server took).
//
// The result's top-level figures are the players' (every socket when there are no spectators);
// "spectators" holds the same figures for the spectator sockets and "watched_players" for the
// players of the watched match (SocketGroup in fanout-frames.mjs), each present when the job
// has such sockets. Spectators send nothing.
//
// With inputs, each socket sends [1, seq, buttons, aim_mrad] every 1/input_rate s (seq 1, 2, …;
// the sockets' first sends spread at random over one period, then a 20 ms timer sends what is
// due) and measures input-to-applied latency: it learns its player id from WELCOME (the only
// message decoded whole), follows its own player's ack through its snapshots (a KEYFRAME's entry,
// then each DELTA's ack difference: the snapshot is read on only to the own entry), and when the
// ack advances to A, every pending seq <= A gets one sample, receive time − send time
// (InputAcks in fanout-frames.mjs says why each seq, not only A).

import { readFileSync } from 'node:fs';
import { decode } from '@msgpack/msgpack';
import WebSocket from 'ws';
import {
  DELTA,
  InputAcks,
  KEYFRAME,
  SPECTATING,
  SocketGroup,
  THROTTLED,
  WELCOME,
  encodeInput,
  headMs,
  headTick,
  headType,
  readHead,
} from './fanout-frames.mjs';

const MATCH_OVER = 4006;
const OUR_CLOSE = 1000;
const MIN_UNIX_MS = 1e12; // a server_ms below this is not a timestamp (an older frame layout)
const INPUT_TIMER_MS = 20;

function now() {
  return performance.timeOrigin + performance.now();
}

function readJob() {
  const source = process.argv[2] ?? '-';
  if (source !== '-') return Promise.resolve(JSON.parse(readFileSync(source, 'utf8')));
  return new Promise((resolve, reject) => {
    let text = '';
    let done = false;
    process.stdin.setEncoding('utf8');
    process.stdin.on('data', (chunk) => {
      text += chunk;
      let nl = text.indexOf('\n');
      while (nl >= 0) {
        const line = text.slice(0, nl).trim();
        text = text.slice(nl + 1);
        if (!done) {
          done = true;
          resolve(JSON.parse(line));
        } else if (line) {
          onCommand(JSON.parse(line));
        }
        nl = text.indexOf('\n');
      }
    });
    process.stdin.on('end', () => {
      if (!done) {
        done = true;
        if (text.trim()) resolve(JSON.parse(text));
        else reject(new Error('no job on stdin'));
      } else {
        stop('stdin closed');
      }
    });
  });
}

/** A line after the job: {"command": "measure"} starts the measurement window now. */
function onCommand(message) {
  if (message.command === 'measure' && phase !== 'measuring' && !stopping) measure();
}

function emit(obj) {
  process.stdout.write(JSON.stringify(obj) + '\n');
}

// ---- state ----------------------------------------------------------------------------------
let job;
let n = 0;
let sockets = [];
let stopping = false;
let opened = 0; // all sockets, for the events; the result counts per group
let failed = 0;
let settled = 0; // opened or failed
let openNow = 0;
const players = new SocketGroup('players');
const spectators = new SocketGroup('spectators');
const watched = new SocketGroup('watched_players');
let groupsOf; // per socket: the SocketGroups it belongs to
let isSpectator; // Uint8Array per socket
let delayMs; // Float64Array per socket: a spectator's stream delay (SPECTATING)
let lastArrival; // Float64Array per socket: last snapshot receive time
let perSocketFrames; // Uint32Array per socket, reset after the warm-up
let welcomed; // Uint8Array per socket
let nextInput; // Float64Array per socket
let acks; // InputAcks: seqs, send times and acks per socket (fanout-frames.mjs)
let inputsPerSocket; // Uint32Array per socket, reset after the warm-up
let inputsSent = 0;
let throttled = 0; // THROTTLED frames
let throttledDropped = 0; // the client frames they say the server dropped
let windowStart = 0;
let cpuStart = process.cpuUsage();
let phase = 'connecting';
let stopTimer = null;

function resetStats() {
  for (const group of [players, spectators, watched]) group.resetStats();
  perSocketFrames.fill(0);
  inputsPerSocket.fill(0);
  acks.reset();
  inputsSent = 0;
  throttled = throttledDropped = 0;
  windowStart = now();
  cpuStart = process.cpuUsage();
}

function onMessage(i, data) {
  const t = now();
  readHead(data);
  const type = headType;
  const groups = groupsOf[i];
  if (type === KEYFRAME || type === DELTA) {
    perSocketFrames[i]++;
    const latency = headMs >= MIN_UNIX_MS ? t - headMs - delayMs[i] : NaN;
    const last = lastArrival[i];
    const gap = last > 0 ? t - last : NaN;
    for (const group of groups) group.snapshot(data.length, latency, gap);
    lastArrival[i] = t;
    acks.snapshot(i, data, t); // reads on to the own player's ack, once WELCOME named it
    return;
  }
  for (const group of groups) group.other(type, data.length);
  if (type === THROTTLED) {
    throttled++;
    if (headTick > 0) throttledDropped += headTick; // [15, dropped, limit]
  } else if (type === WELCOME && !welcomed[i]) {
    welcomed[i] = 1;
    if (job.input_rate > 0) {
      acks.welcome(i, welcomePlayerId(data)); // the one full decode of a socket
      nextInput[i] = t + Math.random() * (1000 / job.input_rate);
    }
  } else if (type === SPECTATING && isSpectator[i]) {
    delayMs[i] = spectatingDelay(data);
  }
}

/** The delay_ms of a SPECTATING frame ([17, {delay_ms, …}]), or 0. */
function spectatingDelay(data) {
  try {
    const delay = decode(data)?.[1]?.delay_ms;
    return Number.isFinite(delay) && delay > 0 ? delay : 0;
  } catch {
    return 0;
  }
}

/** The player_id of a WELCOME frame ([10, {player_id, …}]), or -1. */
function welcomePlayerId(data) {
  try {
    const id = decode(data)?.[1]?.player_id;
    return Number.isInteger(id) ? id : -1;
  } catch {
    return -1;
  }
}

function countTo(map, key) {
  map.set(key, (map.get(key) ?? 0) + 1);
}

function open(i) {
  const spec = sockets[i];
  const headers = { ...(job.headers ?? {}), ...(spec.headers ?? {}) };
  const ws = new WebSocket(spec.url, { headers, perMessageDeflate: false, handshakeTimeout: 30_000 });
  spec.ws = ws;
  let wasOpen = false;
  let failure = null;
  const groups = groupsOf[i];
  ws.on('open', () => {
    wasOpen = true;
    opened++;
    openNow++;
    settled++;
    for (const group of groups) {
      group.opened++;
      group.openNow++;
    }
  });
  ws.on('message', (data) => onMessage(i, data));
  ws.on('unexpected-response', (_req, res) => {
    failure = `http ${res.statusCode}`;
    res.resume();
    ws.terminate();
  });
  ws.on('error', (err) => {
    failure = failure ?? (err.code || err.message);
  });
  ws.on('close', (code) => {
    if (wasOpen) {
      openNow--;
      for (const group of groups) {
        group.openNow--;
        countTo(group.closeCodes, code);
        if (!stopping && code !== MATCH_OVER) group.dropped++;
      }
    } else {
      failed++;
      settled++;
      for (const group of groups) {
        group.failed++;
        countTo(group.failures, failure ?? `closed ${code}`);
      }
    }
  });
}

function buttons() {
  const dirs = [0, 1, 2, 4, 8, 1 | 4, 1 | 8, 2 | 4, 2 | 8];
  const fire = Math.random() < 0.5 ? 16 : 0;
  return dirs[Math.floor(Math.random() * dirs.length)] | fire;
}

function sendInputs() {
  if (stopping) return;
  const t = now();
  const period = 1000 / job.input_rate;
  for (let i = 0; i < n; i++) {
    if (!welcomed[i] || isSpectator[i] || nextInput[i] > t) continue;
    const ws = sockets[i].ws;
    nextInput[i] = Math.max(nextInput[i] + period, t);
    if (!ws || ws.readyState !== WebSocket.OPEN) continue;
    const aim = Math.round(Math.random() * 6284) - 3142;
    const seq = acks.sent(i, now());
    ws.send(encodeInput(seq, buttons(), aim));
    inputsSent++;
    inputsPerSocket[i]++;
  }
}

function result(reason) {
  const elapsed = Math.max(1e-9, (now() - windowStart) / 1000);
  const cpu = process.cpuUsage(cpuStart);
  const inputsByHost = {};
  for (let i = 0; i < n; i++) {
    if (inputsPerSocket[i]) {
      const host = sockets[i].host;
      inputsByHost[host] = (inputsByHost[host] ?? 0) + inputsPerSocket[i];
    }
  }
  const tick = job.tick_ms ?? 50;
  const isOpen = (i) => sockets[i].ws?.readyState === WebSocket.OPEN;
  const { latency_ms: inputAckMs, ...inputAckCounts } = acks.summary(isOpen);
  const out = {
    event: 'result',
    reason,
    phase,
    ...players.summary(perSocketFrames, isOpen, elapsed, tick),
    inputs_sent: inputsSent,
    inputs_by_host: inputsByHost, // host:port of the socket's URL -> inputs sent there
    input_ack_ms: inputAckMs, // INPUT sent -> first snapshot acking it (or a newer one)
    input_acks: inputAckCounts, // the ack bookkeeping's counters (InputAcks.summary)
    throttled_frames: throttled,
    throttled_dropped: throttledDropped,
    cpu_user_s: Math.round(cpu.user / 1000) / 1000,
    cpu_system_s: Math.round(cpu.system / 1000) / 1000,
    cpu_percent: Math.round(((cpu.user + cpu.system) / 1e6 / elapsed) * 1000) / 10,
    rss_bytes: process.memoryUsage.rss(),
  };
  if (spectators.size) out.spectators = spectators.summary(perSocketFrames, isOpen, elapsed, tick);
  if (watched.size) out.watched_players = watched.summary(perSocketFrames, isOpen, elapsed, tick);
  return out;
}

function stop(reason) {
  if (stopping) return;
  stopping = true;
  if (stopTimer) clearTimeout(stopTimer);
  emit(result(reason));
  let pending = 0;
  for (const spec of sockets) {
    const ws = spec.ws;
    if (!ws || ws.readyState === WebSocket.CLOSED) continue;
    pending++;
    ws.once('close', () => {
      if (--pending === 0) process.exit(0);
    });
    if (ws.readyState === WebSocket.OPEN) ws.close(OUR_CLOSE);
    else ws.terminate();
  }
  if (pending === 0) process.exit(0);
  setTimeout(() => process.exit(0), 3000).unref();
}

function measure() {
  resetStats();
  phase = 'measuring';
  emit({ event: 'measuring', open_now: openNow });
  if (job.duration_s > 0) stopTimer = setTimeout(() => stop('duration'), job.duration_s * 1000);
}

function connected(timedOut) {
  phase = 'warmup';
  emit({ event: 'connected', opened, failed, open_now: openNow, timed_out: timedOut });
  if (!job.measure_on_command) setTimeout(measure, (job.warmup_s ?? 0) * 1000);
}

async function main() {
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  job = await readJob();
  sockets = job.sockets.map((s) => (typeof s === 'string' ? { url: s } : { ...s }));
  for (const spec of sockets) spec.host = new URL(spec.url).host;
  n = sockets.length;
  groupsOf = new Array(n);
  isSpectator = new Uint8Array(n);
  delayMs = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const spec = sockets[i];
    isSpectator[i] = spec.role === 'spectator' ? 1 : 0;
    const groups = [isSpectator[i] ? spectators : players];
    if (spec.watched && !isSpectator[i]) groups.push(watched);
    for (const group of groups) group.members.push(i);
    groupsOf[i] = groups;
  }
  lastArrival = new Float64Array(n);
  perSocketFrames = new Uint32Array(n);
  welcomed = new Uint8Array(n);
  nextInput = new Float64Array(n);
  acks = new InputAcks(n);
  inputsPerSocket = new Uint32Array(n);
  windowStart = now();
  const ramp = job.ramp ?? 200;
  const began = now();
  let started = 0;
  const opener = setInterval(() => {
    const due = Math.min(n, Math.ceil(((now() - began) / 1000) * ramp));
    while (started < due) open(started++);
    if (started >= n) clearInterval(opener);
  }, 5);
  if (job.input_rate > 0) setInterval(sendInputs, INPUT_TIMER_MS);
  const deadline = began + (n / ramp + (job.connect_timeout_s ?? 30)) * 1000;
  const waiter = setInterval(() => {
    if (stopping) return clearInterval(waiter);
    const timedOut = now() > deadline;
    if ((started >= n && settled >= n) || timedOut) {
      clearInterval(waiter);
      connected(timedOut);
    }
  }, 20);
}

main().catch((err) => {
  process.stderr.write(`fanout-client: ${err.stack || err}\n`);
  process.exit(2);
});
