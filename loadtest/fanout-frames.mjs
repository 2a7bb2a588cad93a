// The fan-out load client's per-message work, apart from its sockets so that tests can drive it:
// a fixed-bucket histogram, the statistics of a group of sockets (SocketGroup: players,
// spectators, the watched match's players), a minimal msgpack reader for server frames, the
// INPUT encoder and the input-to-applied bookkeeping (InputAcks).
//
// Nothing here decodes a whole frame. Every message is read as far as its head
// ([type, tick, server_ms], readHead); a snapshot of a socket that knows its player id is read
// on up to its own player's entry (readOwnAck), skipping the other players' entries and leaving
// bullets, events and roster unread. WELCOME, once per socket, is the only full decode (done by
// the client with @msgpack/msgpack), and so is SPECTATING, once per spectator socket.

export const INPUT = 1;
export const WELCOME = 10;
export const KEYFRAME = 11;
export const DELTA = 12;
export const THROTTLED = 15;
export const SPECTATING = 17;
export const ACK_CHANGED = 32; // DELTA player mask bit of the ack difference
const FIELD_BITS_BELOW_ACK = 31; // x, y, aim, health, flags: one value each, before the ack

const BUCKET_MS = 0.1;
const BUCKETS = 50_000; // 0.1 ms resolution up to 5 s; the last bucket holds everything above

/** A fixed-bucket histogram of milliseconds: no allocation per sample. */
export class Histogram {
  constructor() {
    this.counts = new Uint32Array(BUCKETS);
    this.reset();
  }

  reset() {
    this.counts.fill(0);
    this.n = 0;
    this.min = Infinity;
    this.max = 0;
    this.sum = 0;
  }

  add(ms) {
    const v = ms < 0 ? 0 : ms;
    const i = Math.floor(v / BUCKET_MS);
    this.counts[i < BUCKETS ? i : BUCKETS - 1]++;
    this.n++;
    this.sum += v;
    if (v > this.max) this.max = v;
    if (v < this.min) this.min = v;
  }

  /** The upper edge of the bucket holding the ``q`` quantile, in ms. */
  quantile(q) {
    if (this.n === 0) return null;
    const rank = Math.max(1, Math.ceil(q * this.n));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i];
      if (seen >= rank) return Math.min(this.max, (i + 1) * BUCKET_MS);
    }
    return this.max;
  }

  /** The same samples as their distance from ``centre`` ms (for jitter around the tick). */
  folded(centre) {
    const out = new Histogram();
    const c = Math.round(centre / BUCKET_MS);
    for (let i = 0; i < BUCKETS; i++) {
      const n = this.counts[i];
      if (n === 0) continue;
      const d = Math.abs(i - c);
      out.counts[d < BUCKETS ? d : BUCKETS - 1] += n;
      out.sum += n * d * BUCKET_MS;
    }
    out.n = this.n;
    if (this.n) {
      out.max = Math.max(Math.abs(this.max - centre), Math.abs(this.min - centre));
      out.min = 0;
    }
    return out;
  }

  summary() {
    const r = (v) => (v === null ? null : Math.round(v * 10) / 10);
    return {
      count: this.n,
      mean: this.n ? r(this.sum / this.n) : null,
      p50: r(this.quantile(0.5)),
      p90: r(this.quantile(0.9)),
      p99: r(this.quantile(0.99)),
      max: r(this.n ? this.max : null),
    };
  }
}

// ---- a group of sockets ----------------------------------------------------------------------

/**
 * The delivery statistics of one set of sockets: the players, the spectators, or the watched
 * match's players (a socket may be in more than one group). The client tells it of every
 * connection, close and message of its members; ``summary`` gives the result's figures.
 */
export class SocketGroup {
  constructor(name) {
    this.name = name;
    this.members = []; // socket indices, in the job's order
    this.latency = new Histogram();
    this.gaps = new Histogram();
    this.opened = 0;
    this.failed = 0;
    this.dropped = 0;
    this.openNow = 0;
    this.closeCodes = new Map();
    this.failures = new Map();
    this.resetStats();
  }

  get size() {
    return this.members.length;
  }

  /** The measurement window starts: message statistics restart (connection counts do not). */
  resetStats() {
    this.latency.reset();
    this.gaps.reset();
    this.frames = 0;
    this.frameBytes = 0;
    this.otherFrames = 0;
    this.otherBytes = 0;
    this.noTimestamp = 0;
    this.otherTypes = new Map();
  }

  /** A snapshot of ``bytes``; latency and gap in ms, NaN when unknown (no server_ms, first). */
  snapshot(bytes, latencyMs, gapMs) {
    this.frames++;
    this.frameBytes += bytes;
    if (Number.isNaN(latencyMs)) this.noTimestamp++;
    else this.latency.add(latencyMs);
    if (!Number.isNaN(gapMs)) this.gaps.add(gapMs);
  }

  /** Any other message. */
  other(type, bytes) {
    this.otherFrames++;
    this.otherBytes += bytes;
    this.otherTypes.set(type, (this.otherTypes.get(type) ?? 0) + 1);
  }

  /**
   * The group's figures over ``elapsed`` seconds: ``frameCounts[i]`` is socket i's snapshots
   * in the window, ``isOpen(i)`` whether it is open now; ``tickMs`` the expected interval.
   */
  summary(frameCounts, isOpen, elapsed, tickMs) {
    const counts = [];
    const starvedIndices = [];
    for (const i of this.members) {
      if (!isOpen(i)) continue;
      counts.push(frameCounts[i]);
      if (frameCounts[i] === 0 && starvedIndices.length < 64) starvedIndices.push(i);
    }
    counts.sort((a, b) => a - b);
    const socketRate = (q) =>
      counts.length
        ? Math.round((counts[Math.floor(q * (counts.length - 1))] / elapsed) * 10) / 10
        : null;
    const starved = counts.length ? counts.findIndex((c) => c > 0) : 0;
    const expected = this.size * (1000 / tickMs);
    const frames = this.frames;
    return {
      clients: this.size,
      opened: this.opened,
      failed: this.failed,
      open_now: this.openNow,
      dropped: this.dropped,
      close_codes: Object.fromEntries(this.closeCodes),
      failures: Object.fromEntries(this.failures),
      window_s: Math.round(elapsed * 1000) / 1000,
      frames,
      frames_per_s: Math.round(frames / elapsed),
      expected_frames_per_s: expected,
      delivered_fraction: expected ? Math.round((frames / elapsed / expected) * 10000) / 10000 : null,
      min_socket_frames_per_s: socketRate(0),
      p1_socket_frames_per_s: socketRate(0.01),
      p50_socket_frames_per_s: socketRate(0.5),
      starved_sockets: starved < 0 ? counts.length : starved, // open, but no snapshot in the window
      starved_indices: starvedIndices, // the first of them, by position in the job's list
      frame_bytes: this.frameBytes,
      mean_frame_bytes: frames ? Math.round((this.frameBytes / frames) * 10) / 10 : null,
      bytes_per_client_per_s: Math.round(
        (this.frameBytes + this.otherBytes) / elapsed / Math.max(1, this.size),
      ),
      other_frames: Object.fromEntries(this.otherTypes),
      frames_without_server_ms: this.noTimestamp,
      latency_ms: this.latency.summary(),
      gap_ms: this.gaps.summary(),
      jitter_ms: this.gaps.folded(tickMs).summary(),
    };
  }
}

// ---- reading server frames ------------------------------------------------------------------
// Scratch state instead of result objects: no allocation per message. ES module exports are
// live bindings, so importers see the values of the last call.
export let headType = -1;
export let headTick = -1;
export let headMs = -1;
export let headLength = 0; // elements of the frame's top-level array
export let ownFound = false; // readOwnAck: the own player has an entry in the snapshot
export let ownValue = 0; // readOwnAck: KEYFRAME: the ack; DELTA: its difference (0 if unchanged)
export let ownBase = -1; // readOwnAck: a DELTA's base_tick
let readPos = 0;

/** Reads one msgpack integer at readPos, advancing it; NaN (and readPos -1) if not an int. */
function readInt(b) {
  const p = readPos;
  if (p < 0 || p >= b.length) {
    readPos = -1;
    return NaN;
  }
  const t = b[p];
  if (t <= 0x7f) { readPos = p + 1; return t; }
  if (t >= 0xe0) { readPos = p + 1; return t - 0x100; }
  switch (t) {
    case 0xcc: readPos = p + 2; return b[p + 1];
    case 0xcd: readPos = p + 3; return b.readUInt16BE(p + 1);
    case 0xce: readPos = p + 5; return b.readUInt32BE(p + 1);
    case 0xcf: readPos = p + 9; return b.readUInt32BE(p + 1) * 4294967296 + b.readUInt32BE(p + 5);
    case 0xd0: readPos = p + 2; return b.readInt8(p + 1);
    case 0xd1: readPos = p + 3; return b.readInt16BE(p + 1);
    case 0xd2: readPos = p + 5; return b.readInt32BE(p + 1);
    case 0xd3: readPos = p + 9; return b.readInt32BE(p + 1) * 4294967296 + b.readUInt32BE(p + 5);
    default: readPos = -1; return NaN;
  }
}

/** Reads a msgpack array header at readPos; its length, or -1 (and readPos -1) if none. */
function readArrayLength(b) {
  const p = readPos;
  if (p < 0 || p >= b.length) { readPos = -1; return -1; }
  const t = b[p];
  if (t >= 0x90 && t <= 0x9f) { readPos = p + 1; return t & 0x0f; }
  if (t === 0xdc && p + 3 <= b.length) { readPos = p + 3; return b.readUInt16BE(p + 1); }
  if (t === 0xdd && p + 5 <= b.length) { readPos = p + 5; return b.readUInt32BE(p + 1); }
  readPos = -1;
  return -1;
}

/** Skips ``count`` msgpack values of any type at readPos. */
function skipValues(b, count) {
  for (let k = 0; k < count && readPos >= 0; k++) skipValue(b);
}

function skipBytes(b, header, length) {
  readPos = readPos + header + length;
  if (readPos > b.length) readPos = -1;
}

/** Skips one msgpack value at readPos (readPos -1 if malformed or cut short). */
function skipValue(b) {
  const p = readPos;
  if (p < 0 || p >= b.length) { readPos = -1; return; }
  const t = b[p];
  if (t <= 0x7f || t >= 0xe0 || t === 0xc0 || t === 0xc2 || t === 0xc3) { readPos = p + 1; return; }
  if (t >= 0xa0 && t <= 0xbf) return skipBytes(b, 1, t & 0x1f);
  if (t >= 0x90 && t <= 0x9f) { readPos = p + 1; return skipValues(b, t & 0x0f); }
  if (t >= 0x80 && t <= 0x8f) { readPos = p + 1; return skipValues(b, 2 * (t & 0x0f)); }
  const left = b.length - p;
  switch (t) {
    case 0xcc: case 0xd0: return skipBytes(b, 1, 1);
    case 0xcd: case 0xd1: case 0xd4: return skipBytes(b, 1, 2);
    case 0xd5: return skipBytes(b, 1, 3);
    case 0xce: case 0xd2: case 0xca: return skipBytes(b, 1, 4);
    case 0xd6: return skipBytes(b, 1, 5);
    case 0xcf: case 0xd3: case 0xcb: return skipBytes(b, 1, 8);
    case 0xd7: return skipBytes(b, 1, 9);
    case 0xd8: return skipBytes(b, 1, 17);
    case 0xd9: case 0xc4: return left < 2 ? void (readPos = -1) : skipBytes(b, 2, b[p + 1]);
    case 0xc7: return left < 2 ? void (readPos = -1) : skipBytes(b, 3, b[p + 1]);
    case 0xda: case 0xc5:
      return left < 3 ? void (readPos = -1) : skipBytes(b, 3, b.readUInt16BE(p + 1));
    case 0xc8: return left < 3 ? void (readPos = -1) : skipBytes(b, 4, b.readUInt16BE(p + 1));
    case 0xdb: case 0xc6:
      return left < 5 ? void (readPos = -1) : skipBytes(b, 5, b.readUInt32BE(p + 1));
    case 0xc9: return left < 5 ? void (readPos = -1) : skipBytes(b, 6, b.readUInt32BE(p + 1));
    case 0xdc: case 0xdd: return skipValues(b, readArrayLength(b));
    case 0xde:
      if (left < 3) { readPos = -1; return; }
      readPos = p + 3;
      return skipValues(b, 2 * b.readUInt16BE(p + 1));
    case 0xdf:
      if (left < 5) { readPos = -1; return; }
      readPos = p + 5;
      return skipValues(b, 2 * b.readUInt32BE(p + 1));
    default: readPos = -1;
  }
}

/** Reads [type, tick, server_ms] of a msgpack array frame into the head* scratch variables. */
export function readHead(b) {
  headType = headTick = headMs = -1;
  headLength = 0;
  readPos = 0;
  const len = readArrayLength(b);
  if (len < 1) return;
  headLength = len;
  headType = readInt(b);
  if (len < 3) return;
  headTick = readInt(b);
  headMs = readInt(b);
}

function bitCount(v) {
  let c = 0;
  for (; v; v &= v - 1) c++;
  return c;
}

/**
 * Reads on from a snapshot's head (call it right after readHead) to the entry of player
 * ``ownId``: sets ownFound, ownValue (KEYFRAME: the entry's ack; DELTA: the ack difference, 0
 * when the entry does not change it or the player is not listed) and, for a DELTA, ownBase.
 * Stops at the own entry. False if the frame is not a snapshot of the expected layout.
 */
export function readOwnAck(b, ownId) {
  ownFound = false;
  ownValue = 0;
  ownBase = -1;
  const keyframe = headType === KEYFRAME;
  if (readPos < 0 || headLength < (keyframe ? 6 : 7) || (!keyframe && headType !== DELTA)) {
    return false;
  }
  if (!keyframe) ownBase = readInt(b);
  skipValue(b); // phase
  skipValue(b); // phase_ms_left
  const players = readArrayLength(b);
  for (let k = 0; k < players; k++) {
    const len = readArrayLength(b);
    if (len < 2) return false;
    const id = readInt(b);
    if (id !== ownId) {
      skipValues(b, len - 1);
      if (readPos < 0) return false;
      continue;
    }
    ownFound = true;
    if (keyframe) {
      // [id, x, y, aim_mrad, health, flags, ack]
      if (len < 7) return false;
      skipValues(b, 5);
      ownValue = readInt(b);
    } else {
      // [id, mask, values…], one value per set mask bit, lowest bit first
      const mask = readInt(b);
      if (mask & ACK_CHANGED) {
        skipValues(b, bitCount(mask & FIELD_BITS_BELOW_ACK));
        ownValue = readInt(b);
      }
    }
    return readPos >= 0 && Number.isFinite(ownValue);
  }
  return readPos >= 0 && players >= 0;
}

// ---- INPUT ----------------------------------------------------------------------------------

function writeInt(b, p, v) {
  if (v >= 0) {
    if (v <= 0x7f) { b[p] = v; return p + 1; }
    if (v <= 0xff) { b[p] = 0xcc; b[p + 1] = v; return p + 2; }
    if (v <= 0xffff) { b[p] = 0xcd; b.writeUInt16BE(v, p + 1); return p + 3; }
    b[p] = 0xce; b.writeUInt32BE(v, p + 1); return p + 5;
  }
  if (v >= -32) { b[p] = v & 0xff; return p + 1; }
  if (v >= -128) { b[p] = 0xd0; b.writeInt8(v, p + 1); return p + 2; }
  if (v >= -32768) { b[p] = 0xd1; b.writeInt16BE(v, p + 1); return p + 3; }
  b[p] = 0xd2; b.writeInt32BE(v, p + 1); return p + 5;
}

/**
 * ``[1, seq, buttons, aim_mrad]`` in msgpack's shortest form (what @msgpack/msgpack's encode
 * gives), without encode()'s fresh Encoder and 2 KiB buffer per call: at 20 inputs a second
 * and 1,500 sockets that is 30,000 calls a second. Integers only (seq uint32).
 */
export function encodeInput(seq, buttons, aim) {
  const b = Buffer.allocUnsafe(17);
  b[0] = 0x94;
  b[1] = INPUT;
  let p = writeInt(b, 2, seq);
  p = writeInt(b, p, buttons);
  p = writeInt(b, p, aim);
  return b.subarray(0, p);
}

// ---- input-to-applied latency ---------------------------------------------------------------

export const ACK_RING = 256; // send times kept per socket: 12.8 s of INPUTs at 20 a second

/**
 * Per socket: its player id, the send time of each of its recent INPUT seqs, and its ack as its
 * snapshot chain carries it (a KEYFRAME's own entry, then each DELTA's ack difference).
 *
 * When the ack advances from a to A, every pending seq in (a, A] counts as applied, and each
 * gets a sample: receive time of the snapshot − that seq's send time. The engine applies the
 * newest INPUT of a tick, so the seqs below A that it passed over were superseded; their sample
 * is still the time until the player saw its input or a newer one take effect, which is what a
 * player holding the buttons feels (taking only A would keep the freshest input of each step
 * and leave out the ones that waited longest). One sample per INPUT sent, then, as long as
 * its ack arrives.
 *
 * Struct-of-arrays over the sockets; nothing allocated per message or per sample.
 */
export class InputAcks {
  constructor(n, ring = ACK_RING) {
    this.n = n;
    this.ring = ring;
    this.ownId = new Int32Array(n).fill(-1); // from WELCOME; -1 until then
    this.seq = new Float64Array(n); // the last seq sent
    this.sentAt = new Float64Array(n * ring); // send time of seq s at [i * ring + s % ring]
    this.wireAck = new Float64Array(n); // the ack of the last snapshot, as the chain has it
    this.acked = new Float64Array(n); // the highest ack counted (never goes down)
    this.heldTick = new Float64Array(n).fill(-1); // tick of the last snapshot, -1: ack unknown
    this.latency = new Histogram();
    this.resetCounters();
  }

  resetCounters() {
    this.unmatched = 0; // acked seqs whose send time had left the ring: no sample
    this.aheadOfSent = 0; // acks above the last seq sent (a server bug if ever)
    this.backwards = 0; // an ack below one counted before (a server bug if ever)
    this.chainBreaks = 0; // a DELTA whose base_tick is not the tick held
    this.malformed = 0; // snapshots the reader could not follow to the own entry
    this.notListed = 0; // KEYFRAMEs without the own player
  }

  /** Statistics restart (the measurement window); the sockets' state carries on. */
  reset() {
    this.latency.reset();
    this.resetCounters();
  }

  welcome(i, playerId) {
    if (Number.isInteger(playerId) && playerId >= 0) this.ownId[i] = playerId;
  }

  /** Records an INPUT about to be sent at ``t``; its seq (the previous one + 1). */
  sent(i, t) {
    const seq = this.seq[i] + 1;
    this.seq[i] = seq;
    this.sentAt[i * this.ring + (seq % this.ring)] = t;
    return seq;
  }

  /**
   * A snapshot for socket ``i`` received at ``t``, its head already read (readHead). Reads
   * on to the own entry when the socket knows its player id.
   */
  snapshot(i, b, t) {
    const own = this.ownId[i];
    if (own < 0) return;
    const type = headType;
    const tick = headTick;
    if (!readOwnAck(b, own)) {
      this.malformed++;
      this.heldTick[i] = -1;
      return;
    }
    if (type === KEYFRAME) {
      if (!ownFound) {
        this.notListed++;
        this.heldTick[i] = -1;
        return;
      }
      this.heldTick[i] = tick;
      this.wireAck[i] = ownValue;
      this.advance(i, ownValue, t);
      return;
    }
    const held = this.heldTick[i];
    if (held < 0) return; // waiting for a KEYFRAME
    if (ownBase !== held) {
      this.chainBreaks++;
      this.heldTick[i] = -1;
      return;
    }
    this.heldTick[i] = tick;
    if (ownValue !== 0) {
      const ack = this.wireAck[i] + ownValue;
      this.wireAck[i] = ack;
      this.advance(i, ack, t);
    }
  }

  /** The ack of socket ``i`` is ``ack`` at ``t``: one sample per seq it newly covers. */
  advance(i, ack, t) {
    const done = this.acked[i];
    if (ack <= done) {
      if (ack < done) this.backwards++;
      return;
    }
    this.acked[i] = ack;
    const sent = this.seq[i];
    let top = ack;
    if (ack > sent) {
      this.aheadOfSent++;
      top = sent;
    }
    let s = done + 1;
    const oldest = top - this.ring + 1; // the oldest seq whose send time the ring still has
    if (s < oldest) {
      this.unmatched += oldest - s;
      s = oldest;
    }
    const base = i * this.ring;
    for (; s <= top; s++) this.latency.add(t - this.sentAt[base + (s % this.ring)]);
  }

  /** INPUTs sent to open sockets (``isOpen(i)``) and not acknowledged yet. */
  awaiting(isOpen) {
    let total = 0;
    for (let i = 0; i < this.n; i++) {
      if (this.ownId[i] >= 0 && isOpen(i) && this.seq[i] > this.acked[i]) {
        total += this.seq[i] - this.acked[i];
      }
    }
    return total;
  }

  summary(isOpen) {
    return {
      latency_ms: this.latency.summary(),
      awaiting_ack: this.awaiting(isOpen),
      unmatched: this.unmatched,
      ahead_of_sent: this.aheadOfSent,
      backwards: this.backwards,
      chain_breaks: this.chainBreaks,
      malformed: this.malformed,
      keyframes_without_own_player: this.notListed,
    };
  }
}
