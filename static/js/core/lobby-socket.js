/**
 * WebSocket connection to the lobby (protocol section 6): binary msgpack frames, dispatch of
 * server messages by type, a keep-alive PING, and reconnection with exponential backoff.
 */

import { decode, encode } from "@msgpack/msgpack";
import {
  CHAT_CLIENT_TYPES,
  CloseCode,
  MAX_CHAT_FRAME_BYTES,
  MAX_LOBBY_FRAME_BYTES,
  MessageType,
  describeClose,
  parseServerFrame,
  pingFrame,
} from "./protocol.js";

export const KEEPALIVE_MS = 20000;
export const BACKOFF_BASE_MS = 500;
export const BACKOFF_MAX_MS = 5000;

const CONNECTING = 0;
const OPEN = 1;
/** Close codes after which reconnecting cannot help until something changes (the name). */
const FINAL_CLOSE_CODES = new Set([CloseCode.BAD_NAME, CloseCode.BANNED]);

/**
 * Delay before reconnect attempt number `attempt` (0 for the first): doubling from 500 ms up to
 * 5 s, each spread by ±25 % so that many clients do not come back at the same moment.
 */
export function reconnectDelayMs(attempt, random = Math.random) {
  const base = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, attempt));
  return Math.round(base * (0.75 + 0.5 * random()));
}

/** True if the socket should reconnect by itself after closing with `code`. */
export function shouldReconnect(code) {
  return !FINAL_CLOSE_CODES.has(code);
}

/**
 * The lobby connection. Options: `url()` returns the URL to open (or null to stay closed);
 * handlers (all optional) `onConnecting()`, `onMessage(type, message)`,
 * `onClose({code, reason, text, retrying, delayMs})`; `beforeReconnect(code)` may return a
 * promise awaited before a reconnect (to refresh the session after 4014); `createSocket(url)`
 * and `random()` can be replaced in tests.
 */
export class LobbySocket {
  constructor({
    url,
    onConnecting,
    onMessage,
    onClose,
    beforeReconnect,
    createSocket = (target) => new WebSocket(target),
    random = Math.random,
    keepaliveMs = KEEPALIVE_MS,
  }) {
    this.url = url;
    this.handlers = { onConnecting, onMessage, onClose };
    this.beforeReconnect = beforeReconnect;
    this.createSocket = createSocket;
    this.random = random;
    this.keepaliveMs = keepaliveMs;
    this.ws = null;
    this.attempt = 0;
    this.retryTimer = null;
    this.keepaliveTimer = null;
    this.nonce = 1;
    this.stopped = true;
  }

  /** True while the socket is open. */
  get open() {
    return this.ws !== null && this.ws.readyState === OPEN;
  }

  /** True while a socket is open or being opened, or a reconnect is scheduled. */
  get active() {
    return this.ws !== null || this.retryTimer !== null;
  }

  /** Connect unless already connected, connecting or waiting to reconnect. */
  start() {
    this.stopped = false;
    if (!this.active) this.connect();
  }

  /** Drop the current socket (without reporting its close) and connect again at once. */
  restart() {
    this.stopped = false;
    this.cancelRetry();
    this.detach();
    this.attempt = 0;
    this.connect();
  }

  /** Close for good; `start()` or `restart()` connects again. */
  stop() {
    this.stopped = true;
    this.cancelRetry();
    this.detach();
  }

  /** Encode and send one client frame; returns false if the socket is not open. */
  send(frame) {
    if (!this.open) return false;
    const data = encode(frame);
    const limit = CHAT_CLIENT_TYPES.has(frame[0]) ? MAX_CHAT_FRAME_BYTES : MAX_LOBBY_FRAME_BYTES;
    if (data.byteLength > limit) {
      throw new RangeError(`a lobby frame of ${data.byteLength} bytes exceeds ${limit}`);
    }
    this.ws.send(data);
    return true;
  }

  connect() {
    const target = this.url();
    if (!target || this.stopped) return;
    const ws = this.createSocket(target);
    ws.binaryType = "arraybuffer";
    this.ws = ws;
    ws.addEventListener("open", () => {
      if (ws === this.ws) this.startKeepalive();
    });
    ws.addEventListener("message", (event) => {
      if (ws === this.ws) this.handleMessage(event);
    });
    ws.addEventListener("close", (event) => {
      if (ws === this.ws) this.handleClose(event);
    });
    this.handlers.onConnecting?.();
  }

  detach() {
    const ws = this.ws;
    this.ws = null;
    this.stopKeepalive();
    if (ws && (ws.readyState === CONNECTING || ws.readyState === OPEN)) ws.close(1000, "leaving");
  }

  handleMessage(event) {
    if (!(event.data instanceof ArrayBuffer)) return;
    let parsed;
    try {
      parsed = parseServerFrame(decode(new Uint8Array(event.data)));
    } catch (error) {
      console.warn("Ignoring a malformed lobby frame:", error.message);
      return;
    }
    if (parsed.type === MessageType.LOBBY_WELCOME) this.attempt = 0;
    if (parsed.type === MessageType.PONG) return;
    this.handlers.onMessage?.(parsed.type, parsed.message);
  }

  handleClose(event) {
    this.ws = null;
    this.stopKeepalive();
    const code = event.code;
    const retrying = !this.stopped && shouldReconnect(code);
    const delayMs = retrying ? reconnectDelayMs(this.attempt, this.random) : null;
    if (retrying) {
      this.attempt += 1;
      this.retryTimer = setTimeout(() => this.reconnect(code), delayMs);
    }
    this.handlers.onClose?.({
      code,
      reason: event.reason ?? "",
      text: describeClose(code, event.reason),
      retrying,
      delayMs,
    });
  }

  async reconnect(code) {
    try {
      await this.beforeReconnect?.(code);
    } catch {
      /* the reconnect itself will report what is wrong */
    }
    this.retryTimer = null;
    if (!this.stopped && this.ws === null) this.connect();
  }

  cancelRetry() {
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  startKeepalive() {
    this.stopKeepalive();
    this.keepaliveTimer = setInterval(() => {
      const nonce = this.nonce;
      this.nonce = nonce >= 0xffffffff ? 1 : nonce + 1;
      this.send(pingFrame(nonce));
    }, this.keepaliveMs);
  }

  stopKeepalive() {
    if (this.keepaliveTimer !== null) clearInterval(this.keepaliveTimer);
    this.keepaliveTimer = null;
  }
}
