/**
 * Replays (docs/protocol.md section 11), read and played back: the stream parsed (its zstd
 * skippable header, then zstd segments of msgpack records), a timeline of its records by tick, a
 * playback clock (play, pause, 0.25×–4×, seek), and `ReplaySocket`, which stands in for a
 * spectator's GameSocket (net.js): it hands the spectator view (spectate.js) the SPECTATING the
 * header describes, then every KEYFRAME, DELTA and RESULT at its tick's time on the playback
 * clock, decoded by the same snapshot chain as a live socket's. Pure but for the fetch.
 */

import { decode, decodeMulti } from "@msgpack/msgpack";
import { decompress } from "fzstd";
import { MessageType, parseServerFrame } from "./protocol.js";
import { SnapshotChain } from "./wire-state.js";

export const Record = Object.freeze({ KEYFRAME: 0, DELTA: 1, RESULT: 2, GAP: 3 });
/** The first element of a columnar segment (engine/replay/columns.py). */
export const COLUMNS = 4;
const HEADER_LENGTH = { [Record.KEYFRAME]: 5, [Record.DELTA]: 6 };
const MAX_POSITION = 9;
export const FORMAT_NAME = "arena-replay";
export const FORMAT_VERSION = 1;
export const SKIPPABLE_MAGIC = 0x184d2a50;
/** Playback speeds offered, slowest first. */
export const SPEEDS = Object.freeze([0.25, 0.5, 1, 2, 4]);
/** After a seek the view is fed from this long before the tick, so the kill feed is as it was. */
export const FEED_BACKFILL_MS = 6000;

/** Bytes that are not a replay this client reads. */
export class ReplayFormatError extends Error {}

/** The header of a replay stream and where its segments start: `{header, offset}`. */
export function readHeader(bytes) {
  if (bytes.length < 8) throw new ReplayFormatError("too short for a replay header");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, true);
  const size = view.getUint32(4, true);
  if (magic !== SKIPPABLE_MAGIC || bytes.length < 8 + size) {
    throw new ReplayFormatError("no replay header");
  }
  const header = decode(bytes.subarray(8, 8 + size));
  if (!header || header.format !== FORMAT_NAME) throw new ReplayFormatError("not an arena replay");
  if (header.version !== FORMAT_VERSION) {
    throw new ReplayFormatError(`replay version ${header.version} is not readable`);
  }
  return { header, offset: 8 + size };
}

/**
 * The records `[kind, tick, payload]` of zstd segments (one or more, concatenated); a columnar
 * segment's snapshot records carry their frame decoded (an array) rather than its bytes.
 */
export function readRecords(segmentBytes) {
  if (!segmentBytes.length) return [];
  const records = [];
  for (const record of decodeMulti(decompress(segmentBytes))) {
    if (Array.isArray(record) && record[0] === COLUMNS) {
      records.push(...fromColumns(record));
      continue;
    }
    if (!Array.isArray(record) || !Object.values(Record).includes(record[0])) {
      throw new ReplayFormatError("not a replay record");
    }
    records.push(record);
  }
  return records;
}

/** The bits set in `mask`, lowest first. */
function bitsOf(mask) {
  const bits = [];
  for (let bit = 0; 2 ** bit <= mask; bit += 1) if (Math.floor(mask / 2 ** bit) % 2) bits.push(bit);
  return bits;
}

/**
 * The records of a columnar segment `[4, shapes, streams]` (docs/protocol.md section 11), each
 * frame put back together from the streams in the order they were taken apart.
 */
export function fromColumns([, shapes, streams]) {
  if (!Array.isArray(shapes) || !streams || typeof streams !== "object") {
    throw new ReplayFormatError("a columnar segment without shapes or streams");
  }
  const at = new Map();
  const take = (name) => {
    const values = streams[name];
    const index = at.get(name) ?? 0;
    if (!Array.isArray(values) || index >= values.length) {
      throw new ReplayFormatError(`a columnar segment short of "${name}"`);
    }
    at.set(name, index + 1);
    return values[index];
  };
  const previous = new Map();
  const records = [];
  let tick = 0;
  for (const shape of shapes) {
    const kind = shape[0];
    tick += shape[1];
    if (kind === Record.RESULT || kind === Record.GAP) {
      records.push([kind, tick, take("payload")]);
      continue;
    }
    const [, , size, lists, changes] = shape;
    const header = HEADER_LENGTH[kind];
    if (header === undefined) throw new ReplayFormatError(`a record of kind ${kind}`);
    const frame = [];
    for (let position = 0; position < header; position += 1) {
      const name = `${kind}.h${position}`;
      const value = (previous.get(name) ?? 0) + take(name);
      previous.set(name, value);
      frame.push(value);
    }
    for (let element = header; element < size; element += 1) {
      const bit = 2 ** (element - header);
      if (Math.floor(changes / bit) % 2) {
        const entities = [];
        for (let n = take(`${kind}.${element}.n`); n > 0; n -= 1) {
          const id = take(`${kind}.${element}.id`);
          const mask = take(`${kind}.${element}.m`);
          if (mask < 0) entities.push([id]);
          else entities.push([id, mask, ...bitsOf(mask).map((b) => take(`${kind}.${element}.b${b}`))]);
        }
        frame.push(entities);
      } else if (Math.floor(lists / bit) % 2) {
        const rows = [];
        for (let n = take(`${kind}.${element}.n`); n > 0; n -= 1) {
          const length = take(`${kind}.${element}.len`);
          const row = [];
          for (let p = 0; p < length; p += 1) {
            row.push(take(`${kind}.${element}.${Math.min(p, MAX_POSITION)}`));
          }
          rows.push(row);
        }
        frame.push(rows);
      } else {
        frame.push(take(`${kind}.${element}`));
      }
    }
    records.push([kind, tick, frame]);
  }
  return records;
}

/** A whole replay stream: `{header, records}`. */
export function parseReplay(bytes) {
  const { header, offset } = readHeader(bytes);
  return { header, records: readRecords(bytes.subarray(offset)) };
}

/** Fetch and parse the replay of `matchId`; rejects with `{status, message}` on an HTTP error. */
export async function fetchReplay(matchId, fetchImpl = fetch) {
  const response = await fetchImpl(`/api/matches/${encodeURIComponent(matchId)}/replay`);
  if (!response.ok) {
    let message = `the server answered ${response.status}`;
    try {
      message = (await response.json()).error ?? message;
    } catch {
      // not JSON: keep the status
    }
    throw Object.assign(new Error(message), { status: response.status });
  }
  return parseReplay(new Uint8Array(await response.arrayBuffer()));
}

/**
 * A replay's records by tick: the snapshot records decoded (KEYFRAME or DELTA arrays, with the
 * record's tick), the keyframes' positions for seeking, the RESULT, the gaps, and the time of a
 * tick on the playback clock (ms since the first tick).
 */
export class ReplayTimeline {
  constructor({ header, records }) {
    this.header = header;
    this.tickRate = header.tick_rate || header.info?.tick_rate || 20;
    this.tickMs = 1000 / this.tickRate;
    this.entries = [];
    this.gaps = [];
    this.result = null;
    for (const [kind, tick, payload] of records) {
      if (kind === Record.GAP) {
        this.gaps.push({ last: tick, resumed: payload });
      } else {
        const frame = payload instanceof Uint8Array ? decode(payload) : payload;
        this.entries.push({ kind, tick, frame });
        if (kind === Record.RESULT) this.result = this.entries.at(-1);
      }
    }
    const ticks = this.entries.filter((e) => e.kind !== Record.RESULT).map((e) => e.tick);
    this.firstTick = ticks.length ? ticks[0] : 0;
    this.lastTick = ticks.length ? ticks.at(-1) : 0;
    this.keyframes = [];
    this.entries.forEach((entry, index) => {
      if (entry.kind === Record.KEYFRAME) this.keyframes.push(index);
    });
  }

  /** Milliseconds from the first tick to `tick`. */
  timeOf(tick) {
    return (tick - this.firstTick) * this.tickMs;
  }

  /** The tick at `ms` on the playback clock (fractional ticks round down). */
  tickAt(ms) {
    return this.firstTick + Math.floor(ms / this.tickMs + 1e-9);
  }

  /** Length of the replay in milliseconds (first to last tick). */
  get durationMs() {
    return this.timeOf(this.lastTick);
  }

  /** The tick of the nearest KEYFRAME at or before `tick` (the first one before it all). */
  keyframeAtOrBefore(tick) {
    let found = this.keyframes.length ? this.entries[this.keyframes[0]].tick : this.firstTick;
    for (const index of this.keyframes) {
      const at = this.entries[index].tick;
      if (at > tick) break;
      found = at;
    }
    return found;
  }

  /** The index of the first entry of the KEYFRAME at or before `tick`. */
  startIndex(tick) {
    const keyframe = this.keyframeAtOrBefore(tick);
    const index = this.keyframes.find((i) => this.entries[i].tick === keyframe);
    return index ?? 0;
  }
}

/**
 * The playback clock: milliseconds into the replay, moving at `speed` while playing, from the
 * caller's real time (`performance.now()` milliseconds); stops at `durationMs`.
 */
export class PlaybackClock {
  constructor(durationMs, realNow = 0) {
    this.durationMs = durationMs;
    this.positionMs = 0;
    this.speed = 1;
    this.playing = false;
    this.since = realNow;
  }

  /** The position at real time `realNow`. */
  at(realNow) {
    if (!this.playing) return this.positionMs;
    const moved = this.positionMs + (realNow - this.since) * this.speed;
    return Math.min(this.durationMs, Math.max(0, moved));
  }

  /** Hold the position reached at `realNow` from now on (what every change starts with). */
  settle(realNow) {
    this.positionMs = this.at(realNow);
    this.since = realNow;
    if (this.positionMs >= this.durationMs) this.playing = false;
  }

  play(realNow) {
    this.settle(realNow);
    if (this.positionMs >= this.durationMs) this.positionMs = 0;
    this.playing = true;
  }

  pause(realNow) {
    this.settle(realNow);
    this.playing = false;
  }

  /** One of SPEEDS (another value is refused with a RangeError). */
  setSpeed(speed, realNow) {
    if (!SPEEDS.includes(speed)) throw new RangeError(`speed ${speed} is not one of ${SPEEDS}`);
    this.settle(realNow);
    this.speed = speed;
  }

  seek(positionMs, realNow) {
    this.since = realNow;
    this.positionMs = Math.min(this.durationMs, Math.max(0, positionMs));
  }
}

/**
 * A spectator socket that plays a replay: GameSocket's interface (`send`, `close`, `open`) and
 * its handlers (`onOpen`, `onSpectating`, `onSnapshot`, `onResult`, `onClose`), driven by
 * `advance(ms)` with the playback clock's position: every record whose tick's time has come is
 * handed over in order, with that time as its arrival time. It starts at the KEYFRAME at or
 * before `fromTick`, so that the view has a whole state (and the events since) at once.
 */
export class ReplaySocket {
  constructor(timeline, handlers, { fromTick = timeline.firstTick } = {}) {
    this.timeline = timeline;
    this.handlers = handlers;
    this.chain = new SnapshotChain();
    this.index = timeline.startIndex(fromTick);
    this.lastTick = null;
    this.closed = false;
    this.begun = false;
  }

  get open() {
    return !this.closed;
  }

  /** FOLLOW and the like have no one to go to: accepted and dropped. */
  send() {
    return !this.closed;
  }

  close() {
    this.closed = true;
  }

  /** The SPECTATING of the replay's header, as the view takes it. */
  spectating() {
    const { header } = this.timeline;
    const body = {
      ...(header.info ?? {}),
      protocol: header.info?.protocol ?? 2,
      match_id: header.match_id,
      game: header.game,
      mode: header.mode,
      tick_rate: this.timeline.tickRate,
      schema: header.schema,
      delay_ms: 0,
      spectators: 0,
    };
    return parseServerFrame([MessageType.SPECTATING, body]).message;
  }

  /** Announce the match (SPECTATING) at `ms`; snapshots follow with `advance`. */
  begin(ms) {
    if (this.begun || this.closed) return;
    this.begun = true;
    const info = this.spectating();
    this.chain.start(info.schema, info.teams);
    this.handlers.onOpen?.();
    this.handlers.onSpectating?.(info, ms);
  }

  /** Hand over every record due at `ms` on the playback clock; how many. */
  advance(ms) {
    if (!this.begun || this.closed) return 0;
    const { entries } = this.timeline;
    let handed = 0;
    while (this.index < entries.length) {
      const entry = entries[this.index];
      const atMs = this.timeline.timeOf(entry.tick);
      if (atMs > ms) break;
      this.index += 1;
      handed += 1;
      if (entry.kind === Record.RESULT) {
        this.handlers.onResult?.(parseServerFrame(entry.frame).message);
        continue;
      }
      if (entry.kind === Record.KEYFRAME && entry.tick === this.lastTick) continue; // its DELTA was
      const { snapshot } = this.chain.receive(parseServerFrame(entry.frame).message, atMs);
      if (!snapshot) continue; // a DELTA off the chain: the next KEYFRAME picks it up
      this.lastTick = entry.tick;
      this.handlers.onSnapshot?.(snapshot, atMs);
    }
    return handed;
  }

  /** True once every record was handed over. */
  get done() {
    return this.index >= this.timeline.entries.length;
  }
}

/** The tick to start feeding from for a seek to `tick`: the kill feed's time before it. */
export function backfillTick(timeline, tick) {
  const back = Math.ceil(FEED_BACKFILL_MS / timeline.tickMs);
  return Math.max(timeline.firstTick, tick - back);
}
