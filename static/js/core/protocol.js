/**
 * Arena wire protocol, version 2, for every game: the numbers of engine/protocol.py and
 * docs/protocol.md, builders for client frames (match and lobby sockets; INPUT from the game's
 * InputSchema) and parsers that turn decoded server frames into plain objects with camelCase
 * keys. KEYFRAME and DELTA stay arrays here: their layout is the game's schema, which
 * wire-state.js applies. Pure: no browser globals, no msgpack import.
 */

import { EMPTY_SCHEMA, encodeInput, parseSchema } from "./schema.js";

export const PROTOCOL_VERSION = 2;
export const MAX_CLIENT_FRAME_BYTES = 64;
export const MAX_LOBBY_FRAME_BYTES = 128;
export const MAX_SEQ = 2 ** 32 - 1;
export const MAX_NONCE = 2 ** 32 - 1;
/** Longest game name a QUEUE frame may carry. */
export const MAX_GAME_LENGTH = 32;
/** Longest mode name a QUEUE frame may carry. */
export const MAX_MODE_LENGTH = 16;
/** Longest ready-check id a READY_ANSWER frame may carry. */
export const MAX_PENDING_ID_LENGTH = 64;
/** WebSocket path of the lobby (protocol section 6). */
export const LOBBY_WS_PATH = "/ws/lobby/";
/** Largest player id a FOLLOW frame may carry (a uint32). */
export const MAX_PLAYER_ID = 2 ** 32 - 1;
/** A rating the player has not played for yet (protocol 6.2). */
export const DEFAULT_RATING = 1500;
/** Longest chat frame a client may send (protocol 12); other frames keep their own limit. */
export const MAX_CHAT_FRAME_BYTES = 480;
/** Most UTF-8 bytes of one chat text. */
export const MAX_CHAT_TEXT_BYTES = 400;
/** Most characters of one chat text (a server may allow fewer: CHAT_ERROR says so). */
export const MAX_CHAT_LENGTH = 200;
/** Longest channel name of a CHAT_SEND. */
export const MAX_CHAT_CHANNEL_LENGTH = 16;
/** Longest message id a CHAT_REPORT may carry. */
export const MAX_MESSAGE_ID_LENGTH = 64;
/** Longest reason of a CHAT_REPORT. */
export const MAX_REPORT_REASON_LENGTH = 200;

export const MessageType = Object.freeze({
  INPUT: 1,
  PING: 2,
  RESYNC: 3,
  /** A spectator's camera follows a player: `[4, player_id]`. */
  FOLLOW: 4,
  /** The player leaves the match for good: `[5]` (its seat is given up at once). */
  LEAVE: 5,
  WELCOME: 10,
  /** A KEYFRAME: the whole state of the match (protocol 5.2). */
  SNAPSHOT: 11,
  /** What changed since an earlier tick (protocol 5.2). */
  DELTA: 12,
  RESULT: 13,
  PONG: 14,
  /** Client frames were dropped by the rate limit (protocol 4.4). */
  THROTTLED: 15,
  /** The number of spectators of the match changed: `[16, spectators]`. */
  SPECTATORS: 16,
  /** First frame on a spectator socket, like WELCOME without a player. */
  SPECTATING: 17,
  QUEUE: 20,
  CANCEL: 21,
  READY_ANSWER: 22,
  /** `[23, game, mode]`: make a party to play a mode together. */
  PARTY_CREATE: 23,
  /** `[24, party_id]`: join a party (its invite link carries the id). */
  PARTY_JOIN: 24,
  /** `[25]`: leave the party. */
  PARTY_LEAVE: 25,
  LOBBY_WELCOME: 30,
  QUEUE_STATUS: 31,
  READY_CHECK: 32,
  READY_UPDATE: 33,
  MATCH_FOUND: 34,
  READY_FAILED: 35,
  QUEUE_LEFT: 36,
  LOBBY_ERROR: 37,
  /** `[38, {...}]` or `[38, null]`: the player's party. */
  PARTY_STATE: 38,
  /** `[40, channel, text]`: a chat message to one of the socket's channels. */
  CHAT_SEND: 40,
  /** `[41, player, text]`: a direct message to a player (its chat id). */
  CHAT_DIRECT: 41,
  /** `[42, game]`: the lobby socket joins the chat room of a game. */
  CHAT_ROOM: 42,
  /** `[43, message_id, reason]`: report a message to the operators. */
  CHAT_REPORT: 43,
  CHAT_MESSAGE: 50,
  CHAT_HISTORY: 51,
  CHAT_ERROR: 52,
  CHAT_STATUS: 53,
  ANNOUNCEMENT: 54,
  CHAT_REPORTED: 55,
});

export const CloseCode = Object.freeze({
  /** The player left the match (LEAVE). */
  NORMAL: 1000,
  GOING_AWAY: 1001,
  MESSAGE_TOO_BIG: 1009,
  SERVICE_RESTART: 1012,
  PROTOCOL_ERROR: 4000,
  BINARY_ONLY: 4001,
  FRAME_TOO_LARGE: 4002,
  MATCH_NOT_FOUND: 4004,
  MATCH_FULL: 4005,
  MATCH_OVER: 4006,
  BAD_NAME: 4007,
  RATE_LIMITED: 4008,
  ALREADY_CONNECTED: 4009,
  TICKET_INVALID: 4010,
  TICKET_EXPIRED: 4011,
  TICKET_WRONG_MATCH: 4012,
  ENGINE_UNAVAILABLE: 4013,
  NO_SESSION: 4014,
  TOO_SLOW: 4015,
  /** A spectator sent something other than PING, RESYNC or FOLLOW. */
  READ_ONLY: 4016,
  /** The match has as many spectators as it takes. */
  SPECTATORS_FULL: 4017,
  /** The player was away longer than the reconnect grace period: the seat was given up. */
  SEAT_RELEASED: 4018,
  /** The player connected to this match again from another socket (tab, window or device). */
  REPLACED: 4019,
  /** The game refused to seat the player (Connect Four: two play already); the reason says why. */
  JOIN_REFUSED: 4020,
  /** An operator banned the player; the reason says why and until when. */
  BANNED: 4021,
});

/** Codes of CHAT_ERROR frames: a refused chat request; the socket stays open. */
export const ChatErrorCode = Object.freeze({
  RATE_LIMITED: 1,
  TOO_LONG: 2,
  EMPTY: 3,
  MUTED: 4,
  NO_CHANNEL: 5,
  NO_PLAYER: 6,
  NO_MESSAGE: 7,
  UNKNOWN_ROOM: 8,
  NO_IDENTITY: 9,
  UNAVAILABLE: 10,
});

/** Human text for each CHAT_ERROR code, used when the server sends no message. */
export const CHAT_ERROR_DESCRIPTIONS = Object.freeze({
  1: "You are sending messages too fast.",
  2: "That message is too long.",
  3: "There is nothing to send.",
  4: "You are muted.",
  5: "You are not in that channel.",
  6: "There is no such player.",
  7: "That message cannot be reported.",
  8: "There is no such game.",
  9: "Pick a name in the lobby first.",
  10: "The message could not be sent. Try again.",
});

/** Codes of LOBBY_ERROR frames: a refused lobby request; the socket stays open. */
export const LobbyErrorCode = Object.freeze({
  UNKNOWN_MODE: 1,
  ALREADY_ACTIVE: 2,
  NOT_QUEUED: 3,
  NO_READY_CHECK: 4,
  NO_SUCH_PARTY: 5,
  PARTY_FULL: 6,
  IN_PARTY: 7,
  NOT_LEADER: 8,
  NOT_IN_PARTY: 9,
});

/** Human text for each LOBBY_ERROR code, used when the server sends no message. */
export const LOBBY_ERROR_DESCRIPTIONS = Object.freeze({
  1: "The server does not offer that game or mode.",
  2: "You are already searching, in a ready check or in a match (maybe in another tab).",
  3: "You are not searching for a match.",
  4: "That ready check is already over.",
  5: "That party does not exist any more.",
  6: "That party is full: it has as many players as a team.",
  7: "You are in another party: leave it first.",
  8: "Only the party's leader can start the search.",
  9: "You are not in a party.",
});

/** Human text for each close code the server uses, plus the standard codes a browser reports. */
export const CLOSE_DESCRIPTIONS = Object.freeze({
  1000: "The connection was closed.",
  1001: "The server is restarting. Please try again in a moment.",
  1006: "The connection to the server was lost.",
  1009: "A message from this client was too large.",
  1011: "The server hit an unexpected error.",
  1012: "The server is restarting. Please try again in a moment.",
  1013: "The server is busy. Please try again in a moment.",
  4000: "The server rejected a message from this client (protocol error).",
  4001: "The server only accepts binary messages.",
  4002: "A message from this client was too large.",
  4004: "That match does not exist.",
  4005: "That match is full.",
  4006: "The match is over.",
  4007: "That display name is not allowed. Use 1–16 letters, digits, spaces, _ - or .",
  4008: "Too many messages were sent; the server disconnected this client.",
  4009: "You are already playing another match or searching for one, maybe in another tab or window.",
  4010: "The match ticket is not valid. Join the match again from the lobby.",
  4011: "The match ticket has expired. Join the match again from the lobby.",
  4012: "The match ticket is for a different match.",
  4013: "The game engine for this match is unavailable, so it cannot be played.",
  4014: "Your session is missing. Reload the page to get a new one.",
  4015: "Your connection could not keep up with the game, so the server disconnected it. Check your network and rejoin.",
  4016: "Spectators can only watch: the server refused a message from this client.",
  4017: "This match has as many spectators as it can take. Try again in a moment.",
  4018: "You were away longer than the reconnect grace period, so your seat in this match was given up.",
  4019: "This match was opened in another tab or window, so this one was disconnected.",
  4020: "The game did not let you take a seat in this match.",
  4021: "You are banned from this server.",
});

/** Close texts that read differently for a spectator than for a player. */
const SPECTATOR_CLOSE_DESCRIPTIONS = Object.freeze({
  4004: "That match is not live: it does not exist or has already ended.",
  4006: "The match is over.",
  4013: "The game engine for this match is unavailable, so it cannot be watched.",
  4015: "Your connection could not keep up with the match, so the server disconnected it. Check your network and watch again.",
});

/** Close codes whose server reason says more than the fixed text (it is added to it). */
const REASON_CODES = new Set([CloseCode.JOIN_REFUSED, CloseCode.BANNED]);

export const Phase = Object.freeze({
  WAITING: 0,
  COUNTDOWN: 1,
  RUNNING: 2,
  ENDED: 3,
});

export const PHASE_NAMES = Object.freeze({
  0: "Waiting for players",
  1: "Countdown",
  2: "Running",
  3: "Match over",
});

/** WELCOME's `snapshots`: a snapshot every tick, or only on ticks where something changed. */
export const SnapshotPolicy = Object.freeze({
  EVERY_TICK: "every_tick",
  ON_CHANGE: "on_change",
});

/** What a close without a known code or a reason says (the code goes to the console only). */
export const UNKNOWN_CLOSE_TEXT = "The connection to the server closed unexpectedly.";

/**
 * Human text for a WebSocket close code, falling back to the server's reason; never the code
 * itself (players cannot act on a number: it goes to the console).
 */
export function describeClose(code, reason = "") {
  const known = CLOSE_DESCRIPTIONS[code];
  const why = typeof reason === "string" ? reason.trim() : "";
  if (known && REASON_CODES.has(code) && why) return `${known.replace(/\.$/, "")}: ${why}.`;
  if (known) return known;
  if (why) return `The connection was closed: ${why}`;
  return UNKNOWN_CLOSE_TEXT;
}

/** Human text for a close code of a spectator socket (`describeClose` with a few worded for watching). */
export function describeSpectatorClose(code, reason = "") {
  return SPECTATOR_CLOSE_DESCRIPTIONS[code] ?? describeClose(code, reason);
}

/** Human text for a LOBBY_ERROR: the server's message, or the code's description without one. */
export function describeLobbyError(code, message = "") {
  const text = typeof message === "string" ? message.trim() : "";
  if (text) return text;
  return LOBBY_ERROR_DESCRIPTIONS[code] ?? "The lobby refused the request.";
}

/**
 * INPUT frame `[1, seq, value…]`: `values` are the game's wire integers in the order of
 * `fields` (WELCOME's `schema.inputs`), each rounded and clamped to its range; `seq` is 1 or more.
 */
export function inputFrame(seq, values, fields) {
  return [MessageType.INPUT, clampInt(seq, 1, MAX_SEQ), ...encodeInput(fields, values)];
}

/** PING frame `[2, nonce]`. */
export function pingFrame(nonce) {
  return [MessageType.PING, clampInt(nonce, 0, MAX_NONCE)];
}

/** RESYNC frame `[3]`: asks for the next snapshot as a KEYFRAME. */
export function resyncFrame() {
  return [MessageType.RESYNC];
}

/** LEAVE frame `[5]`: the player leaves the match for good (no reconnect grace). */
export function leaveFrame() {
  return [MessageType.LEAVE];
}

/** FOLLOW frame `[4, player_id]`: the spectator's camera follows that player. */
export function followFrame(playerId) {
  if (!Number.isInteger(playerId) || playerId < 0 || playerId > MAX_PLAYER_ID) {
    throw new RangeError("a player id is an integer from 0 to 2**32 - 1");
  }
  return [MessageType.FOLLOW, playerId];
}

/** QUEUE frame `[20, game, mode]`: look for a match of `game` in `mode`. */
export function queueFrame(game, mode) {
  return [
    MessageType.QUEUE,
    checkedName(game, MAX_GAME_LENGTH, "a game name"),
    checkedName(mode, MAX_MODE_LENGTH, "a mode name"),
  ];
}

/** CANCEL frame `[21]`. */
export function cancelFrame() {
  return [MessageType.CANCEL];
}

/** READY_ANSWER frame `[22, pending_id, accept]`. */
export function readyAnswerFrame(pendingId, accept) {
  const id = checkedName(pendingId, MAX_PENDING_ID_LENGTH, "a ready check id");
  return [MessageType.READY_ANSWER, id, accept === true];
}

/** PARTY_CREATE frame `[23, game, mode]`: make a party to play `mode` of `game` together. */
export function partyCreateFrame(game, mode) {
  return [
    MessageType.PARTY_CREATE,
    checkedName(game, MAX_GAME_LENGTH, "a game name"),
    checkedName(mode, MAX_MODE_LENGTH, "a mode name"),
  ];
}

/** PARTY_JOIN frame `[24, party_id]`: join a party (its invite link's id). */
export function partyJoinFrame(partyId) {
  return [MessageType.PARTY_JOIN, checkedName(partyId, MAX_PENDING_ID_LENGTH, "a party id")];
}

/** PARTY_LEAVE frame `[25]`. */
export function partyLeaveFrame() {
  return [MessageType.PARTY_LEAVE];
}

/** Bytes of a string in UTF-8. */
export function utf8Length(text) {
  return new TextEncoder().encode(text).length;
}

function checkedChatText(text) {
  if (typeof text !== "string" || text.trim() === "") throw new RangeError("nothing to send");
  if ([...text].length > MAX_CHAT_LENGTH || utf8Length(text) > MAX_CHAT_TEXT_BYTES) {
    throw new RangeError(`a message is at most ${MAX_CHAT_LENGTH} characters`);
  }
  return text;
}

/** CHAT_SEND frame `[40, channel, text]` ("lobby", "all", "team", "spectators"). */
export function chatSendFrame(channel, text) {
  return [
    MessageType.CHAT_SEND,
    checkedName(channel, MAX_CHAT_CHANNEL_LENGTH, "a channel"),
    checkedChatText(text),
  ];
}

/** CHAT_DIRECT frame `[41, player, text]`: `player` is the recipient's chat id. */
export function chatDirectFrame(playerId, text) {
  if (!Number.isInteger(playerId) || playerId < 0 || playerId > MAX_PLAYER_ID) {
    throw new RangeError("a player id is an integer from 0 to 2**32 - 1");
  }
  return [MessageType.CHAT_DIRECT, playerId, checkedChatText(text)];
}

/** CHAT_ROOM frame `[42, game]`: the lobby socket joins `game`'s chat room. */
export function chatRoomFrame(game) {
  return [MessageType.CHAT_ROOM, checkedName(game, MAX_GAME_LENGTH, "a game name")];
}

/** CHAT_REPORT frame `[43, message_id, reason]`. */
export function chatReportFrame(messageId, reason = "") {
  const id = checkedName(messageId, MAX_MESSAGE_ID_LENGTH, "a message id");
  return [MessageType.CHAT_REPORT, id, String(reason).slice(0, MAX_REPORT_REASON_LENGTH)];
}

/**
 * Parse a decoded WELCOME `[10, {...}]`: the match (see `matchInfo`) and the seat, `playerId`,
 * `team` (null outside team modes), `ack` (the last INPUT applied, 0 for a new player) and
 * `spectators`.
 */
export function parseWelcome(frame) {
  const body = frameBody(frame, MessageType.WELCOME, "WELCOME");
  return {
    ...matchInfo(body),
    playerId: body.player_id,
    team: Number.isInteger(body.team) ? body.team : null,
    ack: body.ack ?? 0,
    spectators: wireCount(body.spectators),
  };
}

/**
 * Parse a decoded SPECTATING `[17, {...}]`, the first frame on a spectator socket: the keys of
 * WELCOME without `playerId`, `team` and `ack`, plus `delayMs` (0 = live) and `spectators` (this
 * one included).
 */
export function parseSpectating(frame) {
  const body = frameBody(frame, MessageType.SPECTATING, "SPECTATING");
  return {
    ...matchInfo(body),
    delayMs: wireCount(body.delay_ms),
    spectators: wireCount(body.spectators),
  };
}

/** Parse a decoded SPECTATORS `[16, spectators]`: how many watch the match now. */
export function parseSpectators(frame) {
  const [, spectators] = expectFrame(frame, MessageType.SPECTATORS, 2);
  if (!Number.isInteger(spectators) || spectators < 0) {
    throw new ProtocolParseError("SPECTATORS count is not a non-negative integer");
  }
  return { spectators };
}

/**
 * Check a decoded KEYFRAME `[11, tick, server_ms, …]` or DELTA `[12, tick, server_ms, base_tick,
 * …]` as far as its layout does not depend on the game, and return the array itself (the game's
 * schema applies it, wire-state.js).
 */
export function parseSnapshotFrame(frame) {
  const delta = frame?.[0] === MessageType.DELTA;
  const [, tick, serverMs, baseTick] = expectFrame(frame, frame?.[0], delta ? 8 : 7);
  if (!Number.isInteger(tick)) throw new ProtocolParseError("tick is not an integer");
  if (!Number.isInteger(serverMs)) throw new ProtocolParseError("server_ms is not an integer");
  if (delta && !Number.isInteger(baseTick)) {
    throw new ProtocolParseError("base_tick is not an integer");
  }
  return frame;
}

/** Parse a decoded RESULT `[13, {...}]`. */
export function parseResult(frame) {
  const body = expectFrame(frame, MessageType.RESULT, 2)[1];
  return parseResultBody(body);
}

/**
 * Parse a RESULT body map (also the `result` of the HTTP match object): `{reason, winnerId,
 * winnerTeam, teams, columns, standings, durationMs, summary, ratings}` with standings rows `[id,
 * name, place, (team,) *columns]` as `{id, name, place, team?, values, ...columns}` (`values` in
 * the order of `columns`); `ratings` is the recorded result's `[{id, before, after}]` (a ranked
 * match's, see rating-change.js), else null.
 */
export function parseResultBody(body) {
  if (!body || typeof body !== "object") throw new ProtocolParseError("RESULT body is not a map");
  const columns = Array.isArray(body.columns) ? body.columns.map(String) : [];
  const teams = Number.isInteger(body.teams) ? body.teams : 0;
  const standings = (Array.isArray(body.standings) ? body.standings : []).map((row) => {
    const cells = Array.isArray(row) ? row : [];
    const entry = { id: cells[0], name: String(cells[1] ?? ""), place: cells[2] ?? null };
    let at = 3;
    if (teams) {
      entry.team = cells[at];
      at += 1;
    }
    entry.values = cells.slice(at, at + columns.length);
    columns.forEach((name, index) => {
      entry[name] = entry.values[index];
    });
    return entry;
  });
  return {
    reason: body.reason,
    winnerId: body.winner_id ?? null,
    winnerTeam: body.winner_team ?? null,
    teams,
    columns,
    standings,
    durationMs: body.duration_ms ?? 0,
    summary: body.summary && typeof body.summary === "object" ? body.summary : {},
    ratings: Array.isArray(body.ratings) ? body.ratings : null,
  };
}

/** Parse a decoded PONG `[14, nonce, server_time_ms]`. */
export function parsePong(frame) {
  const [, nonce, serverTimeMs] = expectFrame(frame, MessageType.PONG, 3);
  return { nonce, serverTimeMs };
}

/**
 * Parse a decoded THROTTLED `[15, dropped, limit]`: client frames dropped by the rate limit since
 * the previous THROTTLED, and the sustained frames-per-second limit.
 */
export function parseThrottled(frame) {
  const [, dropped, limit] = expectFrame(frame, MessageType.THROTTLED, 3);
  return { dropped, limit };
}

/**
 * The games a server offers, from LOBBY_WELCOME's `games` map (`{name: {title, description,
 * modes}}`) or `GET /api/games/`'s list (`[{name, title, description, modes, schema}]`): `{name:
 * {name, title, description, modes: {mode: {name, title, minPlayers, maxPlayers, lobbyMin,
 * teams}}, columns}}` in the server's order; `columns` are the roster column names when the
 * schema is given, else null.
 */
export function parseGames(wire) {
  const entries = Array.isArray(wire)
    ? wire.map((game) => [game?.name, game])
    : Object.entries(wire && typeof wire === "object" ? wire : {});
  const games = {};
  for (const [name, spec] of entries) {
    if (typeof name !== "string" || !name || !spec || typeof spec !== "object") continue;
    const modes = {};
    for (const [mode, info] of Object.entries(spec.modes ?? {})) {
      modes[mode] = {
        name: mode,
        title: typeof info?.title === "string" && info.title ? info.title : mode,
        minPlayers: toNumber(info?.min_players),
        maxPlayers: toNumber(info?.max_players),
        lobbyMin: toNumber(info?.lobby_min),
        teams: toNumber(info?.teams) ?? 0,
      };
    }
    games[name] = {
      name,
      title: typeof spec.title === "string" && spec.title ? spec.title : name,
      description: typeof spec.description === "string" ? spec.description : "",
      modes,
      columns: spec.schema ? parseSchema(spec.schema).roster.map((field) => field.name) : null,
    };
  }
  return games;
}

/** Ratings `{game: {mode: rating}}` from the wire, numbers only. */
export function parseRatings(wire) {
  const ratings = {};
  for (const [game, modes] of Object.entries(wire && typeof wire === "object" ? wire : {})) {
    if (!modes || typeof modes !== "object") continue;
    for (const [mode, rating] of Object.entries(modes)) {
      const value = toNumber(rating);
      if (value === null) continue;
      ratings[game] = ratings[game] ?? {};
      ratings[game][mode] = value;
    }
  }
  return ratings;
}

/**
 * Parse a decoded LOBBY_WELCOME `[30, {...}]`: `{name, ratings, games, acceptTimeoutMs, match}`.
 */
export function parseLobbyWelcome(frame) {
  const body = frameBody(frame, MessageType.LOBBY_WELCOME, "LOBBY_WELCOME");
  return {
    name: body.name ?? "",
    ratings: parseRatings(body.ratings),
    games: parseGames(body.games),
    acceptTimeoutMs: toNumber(body.accept_timeout_ms),
    match: parseHeldSeat(body.match),
    playerId: Number.isInteger(body.player_id) ? body.player_id : null,
  };
}

/**
 * LOBBY_WELCOME's `match`: the match the player has a seat in, `{matchId, game, mode, wsPath,
 * wsUrl, ticket, connected, ranked}` (`connected` while another socket of the player plays it), or null.
 */
function parseHeldSeat(seat) {
  if (!seat || typeof seat !== "object") return null;
  if (typeof seat.match_id !== "string" || typeof seat.ticket !== "string") return null;
  return {
    matchId: seat.match_id,
    game: seat.game ?? null,
    mode: seat.mode,
    wsPath: seat.ws_path,
    wsUrl: socketUrlOf(seat),
    ticket: seat.ticket,
    connected: seat.connected === true,
    ranked: seat.ranked !== false,
  };
}

/** Parse a decoded QUEUE_STATUS `[31, {...}]`. */
export function parseQueueStatus(frame) {
  const body = frameBody(frame, MessageType.QUEUE_STATUS, "QUEUE_STATUS");
  return {
    game: body.game ?? null,
    mode: body.mode,
    position: toNumber(body.position),
    searching: toNumber(body.searching),
    elapsedMs: toNumber(body.elapsed_ms) ?? 0,
    estimatedMs: toNumber(body.estimated_ms),
  };
}

/** Parse a decoded READY_CHECK `[32, {...}]`. */
export function parseReadyCheck(frame) {
  const body = frameBody(frame, MessageType.READY_CHECK, "READY_CHECK");
  if (typeof body.pending_id !== "string") {
    throw new ProtocolParseError("READY_CHECK has no pending_id");
  }
  const players = Array.isArray(body.players) ? body.players : [];
  return {
    pendingId: body.pending_id,
    game: body.game ?? null,
    mode: body.mode,
    players: players.map((entry) => ({
      name: String(entry?.[0] ?? ""),
      rating: toNumber(entry?.[1]),
    })),
    timeoutMs: Math.max(0, toNumber(body.timeout_ms) ?? 0),
    accepted: toNumber(body.accepted) ?? 0,
  };
}

/** Parse a decoded READY_UPDATE `[33, {...}]`. */
export function parseReadyUpdate(frame) {
  const body = frameBody(frame, MessageType.READY_UPDATE, "READY_UPDATE");
  return {
    pendingId: body.pending_id,
    accepted: toNumber(body.accepted) ?? 0,
    size: toNumber(body.size),
  };
}

/** Parse a decoded MATCH_FOUND `[34, {...}]`. */
export function parseMatchFound(frame) {
  const body = frameBody(frame, MessageType.MATCH_FOUND, "MATCH_FOUND");
  if (typeof body.match_id !== "string" || typeof body.ticket !== "string") {
    throw new ProtocolParseError("MATCH_FOUND needs match_id and ticket");
  }
  return {
    matchId: body.match_id,
    game: body.game ?? null,
    mode: body.mode,
    wsPath:
      typeof body.ws_path === "string" && body.ws_path
        ? body.ws_path
        : wsPathForMatch(body.match_id),
    wsUrl: socketUrlOf(body),
    ticket: body.ticket,
  };
}

/** A match's `ws_url` (the web process that hosts it), or null: `ws_path` on the page's host. */
function socketUrlOf(body) {
  return typeof body.ws_url === "string" && /^wss?:\/\//.test(body.ws_url) ? body.ws_url : null;
}

/** Parse a decoded READY_FAILED `[35, {...}]`. */
export function parseReadyFailed(frame) {
  const body = frameBody(frame, MessageType.READY_FAILED, "READY_FAILED");
  return { pendingId: body.pending_id, reason: body.reason, requeued: body.requeued === true };
}

/** Parse a decoded QUEUE_LEFT `[36, {...}]`. */
export function parseQueueLeft(frame) {
  const body = frameBody(frame, MessageType.QUEUE_LEFT, "QUEUE_LEFT");
  return { reason: body.reason };
}

/** Parse a decoded LOBBY_ERROR `[37, code, message]`. */
export function parseLobbyError(frame) {
  const [, code, message] = expectFrame(frame, MessageType.LOBBY_ERROR, 2);
  const text = typeof message === "string" ? message : "";
  return { code, message: text, text: describeLobbyError(code, text) };
}

/** Parse a decoded PARTY_STATE `[38, {...} | null]`: the party, or null when in none. */
export function parsePartyState(frame) {
  const [, body] = expectFrame(frame, MessageType.PARTY_STATE, 2);
  if (body === null || body === undefined) return null;
  if (typeof body !== "object" || !Array.isArray(body.members)) {
    throw new ProtocolParseError("PARTY_STATE is not a map with members");
  }
  return {
    partyId: String(body.party_id),
    invite: String(body.invite),
    game: body.game,
    mode: body.mode,
    members: body.members.map(String),
    limit: body.limit,
  };
}

/** One chat message's body (CHAT_MESSAGE, each of CHAT_HISTORY's) with camelCase keys. */
export function parseChatBody(body) {
  if (body === null || typeof body !== "object" || typeof body.text !== "string") {
    throw new ProtocolParseError("a chat message is not a map with a text");
  }
  return {
    id: String(body.id),
    channel: String(body.channel),
    from: body.from,
    name: String(body.name),
    text: body.text,
    atMs: Number(body.at_ms),
    to: body.to ?? null,
    toName: body.to_name ?? null,
  };
}

/** Parse a decoded CHAT_MESSAGE `[50, {...}]`. */
export function parseChatMessage(frame) {
  return parseChatBody(frameBody(frame, MessageType.CHAT_MESSAGE, "CHAT_MESSAGE"));
}

/** Parse a decoded CHAT_HISTORY `[51, channel, [messages]]`: oldest first. */
export function parseChatHistory(frame) {
  const [, channel, messages] = expectFrame(frame, MessageType.CHAT_HISTORY, 3);
  if (!Array.isArray(messages)) throw new ProtocolParseError("CHAT_HISTORY holds no list");
  return { channel: String(channel), messages: messages.map(parseChatBody) };
}

/** Parse a decoded CHAT_ERROR `[52, code, message, retry_ms]`. */
export function parseChatError(frame) {
  const [, code, message, retryMs] = expectFrame(frame, MessageType.CHAT_ERROR, 2);
  const text = typeof message === "string" && message.trim() ? message : "";
  return {
    code,
    message: text,
    text: text || (CHAT_ERROR_DESCRIPTIONS[code] ?? "The chat refused that."),
    retryMs: Number.isInteger(retryMs) ? retryMs : 0,
  };
}

/** Parse a decoded CHAT_STATUS `[53, {...}]`: `untilMs` null means for good (when muted). */
export function parseChatStatus(frame) {
  const body = frameBody(frame, MessageType.CHAT_STATUS, "CHAT_STATUS");
  return { muted: body.muted === true, untilMs: body.until_ms ?? null, reason: body.reason ?? "" };
}

/** Parse a decoded ANNOUNCEMENT `[54, {...}]`. */
export function parseAnnouncement(frame) {
  const body = frameBody(frame, MessageType.ANNOUNCEMENT, "ANNOUNCEMENT");
  return { text: String(body.text), atMs: Number(body.at_ms), game: body.game ?? null };
}

/** Parse a decoded CHAT_REPORTED `[55, message_id]`. */
export function parseChatReported(frame) {
  const [, messageId] = expectFrame(frame, MessageType.CHAT_REPORTED, 2);
  return { messageId: String(messageId) };
}

const PARSERS = {
  [MessageType.WELCOME]: parseWelcome,
  [MessageType.SNAPSHOT]: parseSnapshotFrame,
  [MessageType.DELTA]: parseSnapshotFrame,
  [MessageType.RESULT]: parseResult,
  [MessageType.PONG]: parsePong,
  [MessageType.THROTTLED]: parseThrottled,
  [MessageType.SPECTATORS]: parseSpectators,
  [MessageType.SPECTATING]: parseSpectating,
  [MessageType.LOBBY_WELCOME]: parseLobbyWelcome,
  [MessageType.QUEUE_STATUS]: parseQueueStatus,
  [MessageType.READY_CHECK]: parseReadyCheck,
  [MessageType.READY_UPDATE]: parseReadyUpdate,
  [MessageType.MATCH_FOUND]: parseMatchFound,
  [MessageType.READY_FAILED]: parseReadyFailed,
  [MessageType.QUEUE_LEFT]: parseQueueLeft,
  [MessageType.LOBBY_ERROR]: parseLobbyError,
  [MessageType.PARTY_STATE]: parsePartyState,
  [MessageType.CHAT_MESSAGE]: parseChatMessage,
  [MessageType.CHAT_HISTORY]: parseChatHistory,
  [MessageType.CHAT_ERROR]: parseChatError,
  [MessageType.CHAT_STATUS]: parseChatStatus,
  [MessageType.ANNOUNCEMENT]: parseAnnouncement,
  [MessageType.CHAT_REPORTED]: parseChatReported,
};

/** The client frames of chat (protocol 12), which may be longer than other frames. */
export const CHAT_CLIENT_TYPES = new Set([
  MessageType.CHAT_SEND,
  MessageType.CHAT_DIRECT,
  MessageType.CHAT_ROOM,
  MessageType.CHAT_REPORT,
]);

/** The server frames of chat (protocol 12), on every socket. */
export const CHAT_FRAME_TYPES = new Set([
  MessageType.CHAT_MESSAGE,
  MessageType.CHAT_HISTORY,
  MessageType.CHAT_ERROR,
  MessageType.CHAT_STATUS,
  MessageType.ANNOUNCEMENT,
  MessageType.CHAT_REPORTED,
]);

/** Parse any decoded server frame into `{type, message}`; throws on unknown or malformed frames. */
export function parseServerFrame(frame) {
  if (!Array.isArray(frame) || frame.length === 0) {
    throw new ProtocolParseError("frame is not a non-empty array");
  }
  const parser = PARSERS[frame[0]];
  if (!parser) throw new ProtocolParseError(`unknown message type ${frame[0]}`);
  return { type: frame[0], message: parser(frame) };
}

/** Check a display name the way the server does; returns the trimmed name or null. */
export function normalizeName(name) {
  const trimmed = String(name ?? "").trim();
  return /^[\p{L}\p{N} _.\-]{1,16}$/u.test(trimmed) ? trimmed : null;
}

/** WebSocket URL on the page's host: ws(s)://host + path + ?key=value&… */
export function socketUrl(location, path, params = {}) {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  const query = Object.entries(params)
    .map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(value)}`)
    .join("&");
  return `${scheme}//${location.host}${path}${query ? `?${query}` : ""}`;
}

/**
 * WebSocket URL of a match seat: ws_path + ?ticket= (protocol section 3), or `wsUrl` + ?ticket=
 * when the server named the web process that hosts the match.
 */
export function matchSocketUrl(location, wsPath, ticket, wsUrl = null) {
  if (wsUrl) return `${wsUrl}?ticket=${encodeURIComponent(ticket)}`;
  return socketUrl(location, wsPath, { ticket });
}

/** WebSocket URL of the lobby: /ws/lobby/?name= (protocol section 6). */
export function lobbySocketUrl(location, name) {
  return socketUrl(location, LOBBY_WS_PATH, { name });
}

/** WebSocket path of a match id, as the server's `ws_path` spells it. */
export function wsPathForMatch(matchId) {
  return `/ws/match/${encodeURIComponent(matchId)}/`;
}

/** WebSocket path for watching a match, as the server's `watch_path` spells it. */
export function spectatePathForMatch(matchId) {
  return `/ws/spectate/${encodeURIComponent(matchId)}/`;
}

/** WebSocket URL for watching a match: no ticket, no query. */
export function spectateSocketUrl(location, matchId) {
  return socketUrl(location, spectatePathForMatch(matchId));
}

/** Thrown when a server frame does not have the documented shape. */
export class ProtocolParseError extends Error {
  constructor(message) {
    super(message);
    this.name = "ProtocolParseError";
  }
}

/**
 * What WELCOME and SPECTATING share, in camelCase: `protocol`, `matchId`, `game`, `mode`,
 * `teams`, `maxPlayers`, `minPlayers`, `tickRate`, `snapshots`, `countdownMs`, `timeLimitMs`,
 * `reconnectGraceMs` (undefined when not said), `schema` (parsed, schema.js) and `rules` (the
 * game's own map, as sent).
 */
function matchInfo(body) {
  const optional = (value) => (Number.isFinite(value) ? value : undefined);
  const onChange = body.snapshots === SnapshotPolicy.ON_CHANGE;
  return {
    protocol: body.protocol,
    matchId: body.match_id,
    game: typeof body.game === "string" ? body.game : "",
    mode: body.mode,
    teams: Number.isInteger(body.teams) ? body.teams : 0,
    maxPlayers: body.max_players,
    minPlayers: optional(body.min_players),
    tickRate: body.tick_rate || 20,
    snapshots: onChange ? SnapshotPolicy.ON_CHANGE : SnapshotPolicy.EVERY_TICK,
    countdownMs: optional(body.countdown_ms),
    timeLimitMs: optional(body.time_limit_ms),
    reconnectGraceMs: optional(body.reconnect_grace_ms),
    schema: typeof body.schema === "object" && body.schema ? parseSchema(body.schema) : EMPTY_SCHEMA,
    rules: body.rules && typeof body.rules === "object" ? body.rules : {},
  };
}

/** A count from the wire: a non-negative number, else 0. */
function wireCount(value) {
  return typeof value === "number" && Number.isFinite(value) && value > 0 ? value : 0;
}

function checkedName(value, maxLength, what) {
  const name = String(value ?? "");
  if (name.length === 0 || name.length > maxLength) {
    throw new RangeError(`${what} has 1 to ${maxLength} characters`);
  }
  return name;
}

function expectFrame(frame, type, minLength) {
  if (!Array.isArray(frame) || frame[0] !== type || frame.length < minLength) {
    throw new ProtocolParseError(`expected a message of type ${type} with ${minLength} fields`);
  }
  return frame;
}

function frameBody(frame, type, label) {
  const body = expectFrame(frame, type, 2)[1];
  if (!body || typeof body !== "object" || Array.isArray(body)) {
    throw new ProtocolParseError(`${label} body is not a map`);
  }
  return body;
}

function toNumber(value) {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

function clampInt(value, low, high) {
  const n = Math.round(Number(value) || 0);
  return Math.min(high, Math.max(low, n)) + 0;
}
