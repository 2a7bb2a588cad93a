/**
 * WebSocket connection to a match of any game: binary msgpack frames in both directions,
 * dispatch of server messages by type, the snapshot chain (KEYFRAME and DELTA frames rebuilt
 * into whole decoded snapshots from the schema of WELCOME, RESYNC when the chain breaks), PING
 * every two seconds for the latency display, THROTTLED notices, close handling, and noticing a
 * connection that went silent: stalled after a few tick periods without a frame (or 1.5 s for a
 * game that sends snapshots on change; said at once), dropped after a few seconds (a drop the
 * browser has not reported yet, which the caller reconnects from).
 */

import { decode, encode } from "@msgpack/msgpack";
import {
  MessageType,
  SnapshotPolicy,
  describeClose,
  CHAT_FRAME_TYPES,
  parseServerFrame,
  pingFrame,
  resyncFrame,
} from "./protocol.js";
import { SnapshotChain } from "./wire-state.js";

export const PING_INTERVAL_MS = 2000;
/** An open socket that received nothing this long (PONGs included) counts as dropped. */
export const SILENCE_TIMEOUT_MS = 3500;
/** A welcomed socket is stalled after this many tick periods without a frame ... */
export const STALL_TICKS = 5;
/** ... and never sooner than this (a browser's own pauses are shorter). */
export const MIN_STALL_MS = 400;
/** A game that sends snapshots on change may be quiet for a second (KEYFRAMEs): stalled after this. */
export const ON_CHANGE_STALL_MS = 1500;
/** How often the stall watchdog looks at the time since the last frame. */
const WATCHDOG_MS = 100;
/** A socket without WELCOME (or SPECTATING) this long after it was created counts as dropped. */
export const WELCOME_TIMEOUT_MS = 10000;
/** The close code reported for a dropped connection, as browsers report one. */
export const DROPPED = 1006;
const PING_TIMEOUT_MS = 10000;

/**
 * How long a welcomed socket may stay quiet before it counts as stalled: STALL_TICKS tick periods
 * but at least MIN_STALL_MS for a game with a snapshot every tick, ON_CHANGE_STALL_MS for one
 * that sends snapshots on change (WELCOME's `snapshots`).
 */
export function stallThresholdMs(tickRate, snapshots = SnapshotPolicy.EVERY_TICK) {
  if (snapshots === SnapshotPolicy.ON_CHANGE) return ON_CHANGE_STALL_MS;
  return Math.max(MIN_STALL_MS, (STALL_TICKS * 1000) / (tickRate || 20));
}
/** The code this client closes a socket with when it gives up on it (IANA's "timeout"). */
const GIVE_UP_CODE = 3008;
const CONNECTING = 0;
const OPEN = 1;

/**
 * One match connection, of a player or a spectator. Handlers (all optional): `onOpen()`,
 * `onWelcome(welcome, atMs)` (a player) or `onSpectating(info, atMs)` (a spectator),
 * `onSnapshot(snapshot, atMs)` for every KEYFRAME and every DELTA that applies (a whole decoded
 * snapshot either way, see wire-state.js), `onResync()` when a RESYNC is sent,
 * `onResult(result)`, `onLatency(rttMs)`, `onThrottled({dropped, limit}, atMs)` when the server
 * dropped frames of this client, `onSpectators(count, atMs)` when the number of spectators
 * changed, `onStall(stalled, atMs)` when the socket stalls (see `stallThresholdMs`) and when
 * frames come again, `onChat(type, message)` for each chat frame (protocol 12),
 * `onClose({code, reason, text, byClient})`. A socket
 * that gets no WELCOME within `welcomeTimeoutMs`, or nothing at all for `silenceMs` once
 * welcomed, is given up as dropped: it closes with code 1006, not `byClient`. Times are `now()` milliseconds (`performance.now()`);
 * `createSocket(url)`, `now()` and `describe(code, reason)` (the close text) can be replaced.
 */
export class GameSocket {
  /** Open a socket to `url` right away. */
  constructor(
    url,
    handlers = {},
    {
      createSocket = (target) => new WebSocket(target),
      now = () => performance.now(),
      describe = describeClose,
      silenceMs = SILENCE_TIMEOUT_MS,
      welcomeTimeoutMs = WELCOME_TIMEOUT_MS,
    } = {},
  ) {
    this.handlers = handlers;
    this.now = now;
    this.describe = describe;
    this.silenceMs = silenceMs;
    this.lastFrameAt = now();
    this.welcomed = false;
    this.closed = false;
    this.closedByClient = false;
    this.nextNonce = 1;
    this.pendingPings = new Map();
    this.pingTimer = null;
    this.watchdog = null;
    this.stalled = false;
    this.stallMs = MIN_STALL_MS;
    this.rttMs = null;
    this.snapshots = new SnapshotChain();
    this.ws = createSocket(url);
    this.ws.binaryType = "arraybuffer";
    this.ws.addEventListener("open", () => this.handlers.onOpen?.());
    this.ws.addEventListener("message", (event) => this.handleMessage(event));
    this.ws.addEventListener("close", (event) => this.handleClose(event));
    this.welcomeTimer = setTimeout(() => {
      if (!this.welcomed) this.drop("no answer from the server");
    }, welcomeTimeoutMs);
  }

  /** True while the socket is open. */
  get open() {
    return this.ws.readyState === OPEN;
  }

  /** Encode and send one client frame (an array); returns false if the socket is not open. */
  send(frame) {
    if (!this.open) return false;
    this.ws.send(encode(frame));
    return true;
  }

  /** Close the socket from the client side. */
  close(code = 1000, reason = "leaving") {
    this.closedByClient = true;
    this.stopTimers();
    this.closeSocket(code, reason);
  }

  /**
   * Give the connection up as dropped (it went silent; also the debug hook's way to simulate a
   * network drop): close it and report the close at once as code 1006, not `byClient`, without
   * waiting for a closing handshake that a dead network never completes.
   */
  drop(reason = "connection lost") {
    if (this.closed) return;
    this.stopTimers();
    this.closeSocket(GIVE_UP_CODE, reason);
    this.handleClose({ code: DROPPED, reason });
  }

  closeSocket(code, reason) {
    if (this.ws.readyState === CONNECTING || this.ws.readyState === OPEN) {
      this.ws.close(code, reason);
    }
  }

  stopTimers() {
    this.stopPinging();
    this.clearWelcomeTimer();
    if (this.watchdog !== null) clearInterval(this.watchdog);
    this.watchdog = null;
  }

  /** Watch for silence from now on, for a WELCOME's `tickRate` and `snapshots` policy. */
  watch(tickRate, snapshots = SnapshotPolicy.EVERY_TICK) {
    this.stallMs = stallThresholdMs(tickRate, snapshots);
    if (this.watchdog === null) this.watchdog = setInterval(() => this.checkSilence(), WATCHDOG_MS);
  }

  /** Say so once the socket went quiet for `stallMs`; give it up after `silenceMs`. */
  checkSilence() {
    const now = this.now();
    const quiet = now - this.lastFrameAt;
    if (quiet > this.silenceMs) {
      this.drop("no data from the server");
      return;
    }
    if (!this.stalled && quiet > this.stallMs) {
      this.stalled = true;
      this.handlers.onStall?.(true, now);
    }
  }

  clearWelcomeTimer() {
    if (this.welcomeTimer !== null) clearTimeout(this.welcomeTimer);
    this.welcomeTimer = null;
  }

  handleMessage(event) {
    const atMs = this.now();
    this.lastFrameAt = atMs;
    if (this.stalled) {
      this.stalled = false;
      this.handlers.onStall?.(false, atMs);
    }
    if (!(event.data instanceof ArrayBuffer)) return;
    let parsed;
    try {
      parsed = parseServerFrame(decode(new Uint8Array(event.data)));
    } catch (error) {
      console.warn("Ignoring a malformed server frame:", error.message);
      return;
    }
    const { type, message } = parsed;
    switch (type) {
      case MessageType.WELCOME:
      case MessageType.SPECTATING:
        this.welcomed = true;
        this.clearWelcomeTimer();
        this.snapshots.start(message.schema, message.teams);
        if (type === MessageType.WELCOME) this.handlers.onWelcome?.(message, atMs);
        else this.handlers.onSpectating?.(message, atMs);
        this.startPinging();
        this.watch(message.tickRate, message.snapshots);
        break;
      case MessageType.SPECTATORS:
        this.handlers.onSpectators?.(message.spectators, atMs);
        break;
      case MessageType.SNAPSHOT:
      case MessageType.DELTA:
        this.handleSnapshot(message, atMs);
        break;
      case MessageType.RESULT:
        this.handlers.onResult?.(message);
        break;
      case MessageType.PONG:
        this.handlePong(message, atMs);
        break;
      case MessageType.THROTTLED:
        this.handlers.onThrottled?.(message, atMs);
        break;
      default:
        if (CHAT_FRAME_TYPES.has(type)) this.handlers.onChat?.(type, message);
        break;
    }
  }

  /** Run a KEYFRAME or DELTA through the chain; ask for a KEYFRAME when a DELTA does not apply. */
  handleSnapshot(frame, atMs) {
    let result;
    try {
      result = this.snapshots.receive(frame, atMs);
    } catch (error) {
      console.warn("Ignoring a snapshot that does not fit the game's schema:", error.message);
      return;
    }
    const { snapshot, resync } = result;
    if (resync && this.send(resyncFrame())) this.handlers.onResync?.();
    if (snapshot) this.handlers.onSnapshot?.(snapshot, atMs);
  }

  handlePong({ nonce }, atMs) {
    const sentAt = this.pendingPings.get(nonce);
    if (sentAt === undefined) return;
    this.pendingPings.delete(nonce);
    this.rttMs = atMs - sentAt;
    this.handlers.onLatency?.(this.rttMs);
  }

  startPinging() {
    if (this.pingTimer !== null) return;
    this.ping();
    this.pingTimer = setInterval(() => this.ping(), PING_INTERVAL_MS);
  }

  stopPinging() {
    if (this.pingTimer !== null) clearInterval(this.pingTimer);
    this.pingTimer = null;
  }

  /** Send a PING (the watchdog gives a silent connection up). */
  ping() {
    const now = this.now();
    for (const [nonce, sentAt] of this.pendingPings) {
      if (now - sentAt > PING_TIMEOUT_MS) this.pendingPings.delete(nonce);
    }
    const nonce = this.nextNonce;
    this.nextNonce = nonce >= 0xffffffff ? 1 : nonce + 1;
    if (this.send(pingFrame(nonce))) this.pendingPings.set(nonce, now);
  }

  handleClose(event) {
    if (this.closed) return;
    this.closed = true;
    this.stopTimers();
    this.handlers.onClose?.({
      code: event.code,
      reason: event.reason,
      text: this.describe(event.code, event.reason),
      byClient: this.closedByClient,
    });
  }
}
