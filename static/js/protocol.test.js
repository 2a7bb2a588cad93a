import assert from "node:assert/strict";
import test from "node:test";

import { decode, encode } from "@msgpack/msgpack";

import {
  AIM_SCALE,
  Button,
  CLOSE_DESCRIPTIONS,
  CloseCode,
  EventKind,
  LOBBY_ERROR_DESCRIPTIONS,
  LobbyErrorCode,
  MAX_LOBBY_FRAME_BYTES,
  MAX_MODE_LENGTH,
  MAX_PENDING_ID_LENGTH,
  MessageType,
  Phase,
  PlayerChange,
  PlayerFlag,
  POSITION_SCALE,
  ProtocolParseError,
  bulletFromWire,
  cancelFrame,
  describeClose,
  describeLobbyError,
  describeSpectatorClose,
  followFrame,
  inputFrame,
  lobbySocketUrl,
  matchSocketUrl,
  normalizeName,
  parseLobbyError,
  parseLobbyWelcome,
  parseMatchFound,
  parsePong,
  parseThrottled,
  parseQueueLeft,
  parseQueueStatus,
  parseReadyCheck,
  parseReadyFailed,
  parseReadyUpdate,
  parseResult,
  parseResultBody,
  parseDelta,
  parseKeyframe,
  parseServerFrame,
  parseSnapshot,
  parseSpectating,
  parseSpectators,
  parseWelcome,
  pingFrame,
  playerFromWire,
  quantizeAim,
  queueFrame,
  readyAnswerFrame,
  resyncFrame,
  socketUrl,
  spectatePathForMatch,
  spectateSocketUrl,
  wsPathForMatch,
} from "./protocol.js";

test("every close code has a human description", () => {
  for (const code of Object.values(CloseCode)) {
    assert.ok(CLOSE_DESCRIPTIONS[code], `missing description for ${code}`);
    assert.equal(describeClose(code, "whatever"), CLOSE_DESCRIPTIONS[code]);
  }
  assert.match(describeClose(4999, "odd"), /odd/);
  assert.match(describeClose(4999, ""), /4999/);
});

test("inputFrame builds [1, seq, buttons, aim_mrad]", () => {
  assert.deepEqual(inputFrame(1, Button.UP | Button.RIGHT, -0.785), [1, 1, 9, -785]);
  assert.deepEqual(inputFrame(7, 0, 0), [1, 7, 0, 0]);
  assert.deepEqual(inputFrame(2, 255, 0), [1, 2, 31, 0]);
  assert.deepEqual(inputFrame(0, 0, 0), [1, 1, 0, 0], "seq 0 is refused by the server");
  assert.deepEqual(inputFrame(2 ** 32, 0, 0), [1, 2 ** 32 - 1, 0, 0]);
});

test("aim is wrapped and clamped to [-3142, 3142] mrad", () => {
  assert.equal(quantizeAim(Math.PI), 3142);
  assert.equal(quantizeAim(-Math.PI), -3142);
  assert.equal(quantizeAim(3.2), Math.round((3.2 - 2 * Math.PI) * 1000));
  assert.equal(quantizeAim(2 * Math.PI + 0.5), 500);
  assert.equal(quantizeAim(Number.NaN), 0);
  assert.ok(Object.is(quantizeAim(-0.0001), 0), "no negative zero on the wire");
  for (let a = -10; a <= 10; a += 0.01) {
    const mrad = quantizeAim(a);
    assert.ok(Number.isInteger(mrad) && mrad >= -3142 && mrad <= 3142);
  }
  assert.equal(inputFrame(1, 0, 100)[3], quantizeAim(100));
});

test("pingFrame builds [2, nonce]", () => {
  assert.deepEqual(pingFrame(42), [2, 42]);
  assert.deepEqual(pingFrame(2 ** 32 + 5), [2, 2 ** 32 - 1]);
});

const WELCOME = [
  10,
  {
    protocol: 1,
    match_id: "5f0c",
    player_id: 3,
    mode: "duel",
    max_players: 2,
    tick_rate: 20,
    arena: { width: 1600, height: 900, walls: [[100, 200, 50, 60]] },
    rules: {
      player_radius: 20, bullet_radius: 4, max_health: 100, max_speed: 300, acceleration: 2000,
      friction: 1500, bullet_speed: 900, fire_cooldown_ms: 250, respawn_delay_ms: 2000,
      spawn_protection_ms: 1500, min_players: 2, countdown_ms: 3000, time_limit_ms: 180000,
      score_limit: 10,
    },
  },
];

test("parseWelcome converts keys and walls", () => {
  const welcome = parseWelcome(WELCOME);
  assert.equal(welcome.playerId, 3);
  assert.equal(welcome.ack, 0, "a WELCOME without ack (a new player) starts at 0");
  assert.equal(parseWelcome([10, { ...WELCOME[1], ack: 41 }]).ack, 41);
  assert.equal(welcome.matchId, "5f0c");
  assert.equal(welcome.tickRate, 20);
  assert.deepEqual(welcome.arena, { width: 1600, height: 900, walls: [{ x: 100, y: 200, w: 50, h: 60 }] });
  assert.equal(welcome.rules.playerRadius, 20);
  assert.equal(welcome.rules.maxHealth, 100);
  assert.equal(welcome.rules.minPlayers, 2);
  assert.equal(welcome.rules.scoreLimit, 10);
  assert.equal(welcome.rules.fireCooldownMs, 250);
  assert.equal(welcome.rules.reconnectGraceMs, undefined, "absent when the server does not say");
  const graced = parseWelcome([10, { ...WELCOME[1], rules: { ...WELCOME[1].rules, reconnect_grace_ms: 20000 } }]);
  assert.equal(graced.rules.reconnectGraceMs, 20000);
});

test("parseSnapshot converts a KEYFRAME to world units", () => {
  const snapshot = parseSnapshot([
    11, 2, 1795600000100, 1, 2500,
    [[0, 2012, 4488, -785, 100, 3, 57], [1, 100, 50, 3142, 0, 0, 0]],
    [[7, 5005, 305, 350, -20, 0]],
    [[1, 0, 1], [2, 0, 1, 25], [3, 0]],
    [[0, "Ada", 1, 0, true], [1, "Bo", 0, 1, false]],
  ]);
  assert.equal(snapshot.tick, 2);
  assert.equal(snapshot.serverMs, 1795600000100);
  assert.equal(snapshot.phase, Phase.COUNTDOWN);
  assert.equal(snapshot.phaseMsLeft, 2500);
  assert.deepEqual(snapshot.players[0], {
    id: 0, x: 201.2, y: 448.8, aim: -0.785, health: 100, flags: 3, alive: true, protected: true,
    reconnecting: false, ack: 57,
  });
  assert.equal(snapshot.players[1].alive, false);
  assert.equal(snapshot.players[1].protected, false);
  assert.equal(snapshot.players[1].ack, 0);
  assert.deepEqual(snapshot.bullets, [{ id: 7, x: 500.5, y: 30.5, vx: 0.7, vy: -0.04, ownerId: 0 }]);
  assert.deepEqual(snapshot.events, [
    { kind: 1, killerId: 0, victimId: 1 },
    { kind: 2, shooterId: 0, victimId: 1, damage: 25 },
    { kind: 3, playerId: 0 },
  ]);
  assert.deepEqual(snapshot.roster, [
    { id: 0, name: "Ada", score: 1, deaths: 0, connected: true },
    { id: 1, name: "Bo", score: 0, deaths: 1, connected: false },
  ]);
});

test("bullet velocity follows the tick rate", () => {
  assert.deepEqual(bulletFromWire([3, 10, 20, 350, 0, 1], 30), {
    id: 3, x: 1, y: 2, vx: 1.05, vy: 0, ownerId: 1,
  });
  assert.deepEqual(playerFromWire([4, 15000, 1000, 0, 100, 1, 4294967295]), {
    id: 4, x: 1500, y: 100, aim: 0, health: 100, flags: 1, alive: true, protected: false,
    reconnecting: false, ack: 4294967295,
  });
});

test("flag 4 marks a player whose connection dropped and whose ship waits for it", () => {
  assert.equal(PlayerFlag.RECONNECTING, 4);
  const waiting = playerFromWire([2, 100, 200, 0, 80, PlayerFlag.ALIVE | PlayerFlag.RECONNECTING, 9]);
  assert.equal(waiting.reconnecting, true);
  assert.equal(waiting.alive, true);
  assert.equal(waiting.protected, false);
  assert.equal(waiting.flags, 5);
  const deadAndAway = playerFromWire([3, 0, 0, 0, 0, PlayerFlag.RECONNECTING, 0]);
  assert.deepEqual([deadAndAway.alive, deadAndAway.reconnecting], [false, true]);
  const back = playerFromWire([2, 100, 200, 0, 80, PlayerFlag.ALIVE | PlayerFlag.PROTECTED, 9]);
  assert.equal(back.reconnecting, false);
});

test("SEAT_RELEASED (4018) is described for the player", () => {
  assert.equal(CloseCode.SEAT_RELEASED, 4018);
  assert.match(describeClose(4018), /grace period/);
  assert.match(describeClose(4018), /seat/);
});

test("REPLACED (4019) says the match was opened in another tab or window", () => {
  assert.equal(CloseCode.REPLACED, 4019);
  assert.match(describeClose(4019), /another tab or window/);
});

test("parseKeyframe keeps players and bullets as wire integers", () => {
  const frame = [11, 5, 1000, 2, 60000, [[0, 1, 2, 3, 4, 1, 6]], [[9, 5, 6, 7, -8, 0]], [], []];
  const keyframe = parseKeyframe(frame);
  assert.deepEqual(keyframe, {
    tick: 5,
    serverMs: 1000,
    phase: 2,
    phaseMsLeft: 60000,
    players: [[0, 1, 2, 3, 4, 1, 6]],
    bullets: [[9, 5, 6, 7, -8, 0]],
    events: [],
    roster: [],
  });
  assert.throws(() => parseKeyframe([11, 5, 1000, 2, 0, [], [], []]), ProtocolParseError, "no roster");
  assert.throws(() => parseKeyframe([11, 5, 1000, 2, 0, [], [], [], null]), ProtocolParseError, "nil");
  assert.throws(() => parseKeyframe([11, 5, 1000, 2, 0, [[0, 1, 2]], [], [], []]), ProtocolParseError);
  assert.throws(
    () => parseKeyframe([11, 5, 1000, 2, 0, [[0, 1, 2, 3, 4, 1]], [], [], []]),
    ProtocolParseError,
    "a player without its ack",
  );
  assert.throws(
    () => parseKeyframe([11, 5, 1000, 2, 0, [], [[1, 2, 3, 0]], [], []]),
    ProtocolParseError,
    "a bullet without its velocity",
  );
  assert.throws(() => parseKeyframe([11, "5", 1000, 2, 0, [], [], [], []]), ProtocolParseError);
});

test("parseDelta keeps changes as wire integers and a nil roster as null", () => {
  const delta = parseDelta([
    12, 7, 1050, 5, 2, 59900,
    [[0, 1 | 4 | 16, 60, -1000, 3], [1, 0]],
    [[10, 15590, 1000, 350, 0, 0]],
    [9],
    [[2, 0, 1, 25]],
    null,
  ]);
  assert.deepEqual(delta, {
    tick: 7,
    serverMs: 1050,
    baseTick: 5,
    phase: 2,
    phaseMsLeft: 59900,
    players: [[0, 21, 60, -1000, 3], [1, 0]],
    newBullets: [[10, 15590, 1000, 350, 0, 0]],
    goneBullets: [9],
    events: [{ kind: 2, shooterId: 0, victimId: 1, damage: 25 }],
    roster: null,
  });
  const roster = parseDelta([12, 7, 1050, 5, 2, 0, [], [], [], [], [[0, "Ada", 1, 0, true]]]).roster;
  assert.deepEqual(roster, [{ id: 0, name: "Ada", score: 1, deaths: 0, connected: true }]);
});

test("parseDelta accepts the ack bit: its difference follows the flags", () => {
  assert.equal(PlayerChange.ACK, 32);
  const change = [0, PlayerChange.X | PlayerChange.FLAGS | PlayerChange.ACK, 60, 3, 2];
  const delta = parseDelta([12, 7, 1050, 6, 2, 0, [change, [1, PlayerChange.ACK, 1]], [], [], [], null]);
  assert.deepEqual(delta.players, [[0, 49, 60, 3, 2], [1, 32, 1]]);
  const every = [0, 63, 1, 2, 3, 100, 1, 1];
  assert.deepEqual(parseDelta([12, 7, 1050, 6, 2, 0, [every], [], [], [], null]).players, [every]);
});

test("parseDelta rejects a change whose values do not match its mask", () => {
  const delta = (change) => [12, 7, 1050, 5, 2, 0, [change], [], [], [], null];
  assert.throws(() => parseDelta(delta([0, 3, 60])), ProtocolParseError, "one value for two bits");
  assert.throws(() => parseDelta(delta([0, 1, 60, 5])), ProtocolParseError, "two values for one bit");
  assert.throws(() => parseDelta(delta([0, 64, 1])), ProtocolParseError, "unknown bit");
  assert.throws(() => parseDelta(delta([0, 33, 60])), ProtocolParseError, "x and ack, one value");
  assert.throws(() => parseDelta(delta([0, -1])), ProtocolParseError, "negative mask");
  assert.throws(() => parseDelta(delta(5)), ProtocolParseError, "not an array");
  const tenFields = [12, 7, 1050, 5, 2, 0, [], [], [], []];
  assert.throws(() => parseDelta(tenFields), ProtocolParseError, "ten fields");
  const shortBullet = [12, 7, 1050, 5, 2, 0, [], [[1, 2, 3]], [], [], null];
  assert.throws(() => parseDelta(shortBullet), ProtocolParseError);
});

test("the byte-for-byte examples of protocol 5.2 decode", () => {
  const bytes = (text) => new Uint8Array(text.trim().split(/\s+/).map((h) => parseInt(h, 16)));
  const keyframe = parseServerFrame(decode(bytes(`
    99 0b 01 cf 00 00 01 a2 12 19 a4 00 00 00
    91 97 00 cd 3a 98 cd 03 e8 00 64 03 00
    90
    91 92 03 00
    91 95 00 a3 41 64 61 00 00 c3`)));
  assert.equal(keyframe.type, MessageType.SNAPSHOT);
  assert.deepEqual(keyframe.message, {
    tick: 1,
    serverMs: 1795600000000,
    phase: Phase.WAITING,
    phaseMsLeft: 0,
    players: [[0, 15000, 1000, 0, 100, 3, 0]],
    bullets: [],
    events: [{ kind: EventKind.SPAWN, playerId: 0 }],
    roster: [{ id: 0, name: "Ada", score: 0, deaths: 0, connected: true }],
  });
  const first = parseServerFrame(decode(bytes(`
    9b 0c 02 cf 00 00 01 a2 12 19 a4 32 01 00 00
    91 94 00 21 3c 01
    91 96 00 cd 3c e6 cd 03 e8 cd 01 5e 00 00
    90 90 c0`)));
  assert.equal(first.type, MessageType.DELTA);
  assert.deepEqual(first.message, {
    tick: 2,
    serverMs: 1795600000050,
    baseTick: 1,
    phase: 0,
    phaseMsLeft: 0,
    players: [[0, PlayerChange.X | PlayerChange.ACK, 60, 1]],
    newBullets: [[0, 15590, 1000, 350, 0, 0]],
    goneBullets: [],
    events: [],
    roster: null,
  });
  const second = parseServerFrame(decode(bytes(`
    9b 0c 03 cf 00 00 01 a2 12 19 a4 64 02 00 00
    91 95 00 25 78 d1 fc 18 01
    90 90 90 c0`)));
  const mask = PlayerChange.X | PlayerChange.AIM | PlayerChange.ACK;
  assert.deepEqual(second.message.players, [[0, mask, 120, -1000, 1]]);
  assert.equal(second.message.baseTick, 2);
});

test("resyncFrame builds [3]", () => {
  assert.deepEqual(resyncFrame(), [MessageType.RESYNC]);
  assert.deepEqual(resyncFrame(), [3]);
});

test("TOO_SLOW (4015) is described to the player", () => {
  assert.equal(CloseCode.TOO_SLOW, 4015);
  assert.match(describeClose(4015), /keep up/);
});

test("parseResult and parseResultBody", () => {
  const body = {
    reason: "score_limit", winner_id: 0, duration_ms: 61250,
    standings: [[0, "Ada", 10, 2], [1, "Bo", 2, 10]],
  };
  const result = parseResult([13, body]);
  assert.deepEqual(result, {
    reason: "score_limit",
    winnerId: 0,
    durationMs: 61250,
    standings: [
      { id: 0, name: "Ada", score: 10, deaths: 2 },
      { id: 1, name: "Bo", score: 2, deaths: 10 },
    ],
  });
  assert.equal(parseResultBody({ ...body, winner_id: null }).winnerId, null);
});

test("parsePong", () => {
  assert.deepEqual(parsePong([14, 9, 1700000000000]), { nonce: 9, serverTimeMs: 1700000000000 });
});

test("parseThrottled reads [15, dropped, limit]", () => {
  assert.equal(MessageType.THROTTLED, 15);
  assert.deepEqual(parseThrottled([15, 12, 30]), { dropped: 12, limit: 30 });
  assert.deepEqual(parseServerFrame(decode(encode([15, 0, 30]))), {
    type: MessageType.THROTTLED,
    message: { dropped: 0, limit: 30 },
  });
  assert.throws(() => parseThrottled([15, 12]), ProtocolParseError, "no limit");
  assert.throws(() => parseThrottled([14, 12, 30]), ProtocolParseError, "another type");
});

test("parseServerFrame dispatches by type and rejects garbage", () => {
  assert.equal(parseServerFrame(WELCOME).type, MessageType.WELCOME);
  assert.equal(parseServerFrame([14, 1, 2]).message.nonce, 1);
  assert.equal(parseServerFrame([15, 3, 30]).message.dropped, 3);
  assert.throws(() => parseServerFrame([99]), ProtocolParseError);
  assert.throws(() => parseServerFrame({}), ProtocolParseError);
  assert.throws(() => parseServerFrame([]), ProtocolParseError);
  assert.throws(() => parseServerFrame([11, 1, 0]), ProtocolParseError);
});

test("normalizeName follows the server's rules", () => {
  assert.equal(normalizeName("  Ada  "), "Ada");
  assert.equal(normalizeName("Bo_the-1st."), "Bo_the-1st.");
  assert.equal(normalizeName(""), null);
  assert.equal(normalizeName("   "), null);
  assert.equal(normalizeName("x".repeat(17)), null);
  assert.equal(normalizeName("a<b>"), null);
});

test("socket URLs pick ws or wss and encode the ticket or the name", () => {
  const http = { protocol: "http:", host: "localhost:8000" };
  const https = { protocol: "https:", host: "arena.example" };
  assert.equal(
    matchSocketUrl(http, "/ws/match/abc/", "eyJ+a/b=="),
    "ws://localhost:8000/ws/match/abc/?ticket=eyJ%2Ba%2Fb%3D%3D",
  );
  assert.equal(
    matchSocketUrl(https, wsPathForMatch("abc"), "t"),
    "wss://arena.example/ws/match/abc/?ticket=t",
  );
  assert.equal(lobbySocketUrl(http, "Ada Lovelace"), "ws://localhost:8000/ws/lobby/?name=Ada%20Lovelace");
  assert.equal(socketUrl(http, "/ws/x/"), "ws://localhost:8000/ws/x/");
});

test("lobby client frames", () => {
  assert.deepEqual(queueFrame("duel"), [20, "duel"]);
  assert.deepEqual(cancelFrame(), [21]);
  assert.deepEqual(readyAnswerFrame("p1", true), [22, "p1", true]);
  assert.deepEqual(readyAnswerFrame("p1", false), [22, "p1", false]);
  assert.deepEqual(readyAnswerFrame("p1", 1), [22, "p1", false], "accept is a strict boolean");
  assert.throws(() => queueFrame(""), RangeError);
  assert.throws(() => queueFrame("x".repeat(MAX_MODE_LENGTH + 1)), RangeError);
  assert.throws(() => readyAnswerFrame("x".repeat(MAX_PENDING_ID_LENGTH + 1), true), RangeError);
});

test("lobby frames fit the lobby frame limit", () => {
  assert.equal(MAX_LOBBY_FRAME_BYTES, 128);
  const longest = readyAnswerFrame("x".repeat(MAX_PENDING_ID_LENGTH), true);
  assert.ok(encode(longest).byteLength <= MAX_LOBBY_FRAME_BYTES);
  assert.ok(encode(queueFrame("x".repeat(MAX_MODE_LENGTH))).byteLength <= MAX_LOBBY_FRAME_BYTES);
});

test("LOBBY_WELCOME", () => {
  const welcome = parseLobbyWelcome([
    30,
    {
      name: "Ada",
      rating: 1512,
      modes: { duel: { min_players: 2, max_players: 2 }, ffa: { min_players: 4, max_players: 8 } },
      accept_timeout_ms: 10000,
    },
  ]);
  assert.deepEqual(welcome, {
    name: "Ada",
    rating: 1512,
    modes: { duel: { minPlayers: 2, maxPlayers: 2 }, ffa: { minPlayers: 4, maxPlayers: 8 } },
    acceptTimeoutMs: 10000,
    match: null,
  });
  const held = parseLobbyWelcome([
    30,
    {
      name: "Ada",
      modes: {},
      match: {
        match_id: "m1",
        mode: "duel",
        ws_path: "/ws/match/m1/",
        ticket: "t",
        connected: false,
        ranked: true,
      },
    },
  ]).match;
  assert.deepEqual(held, {
    matchId: "m1",
    mode: "duel",
    wsPath: "/ws/match/m1/",
    ticket: "t",
    connected: false,
    ranked: true,
  });
  assert.throws(() => parseLobbyWelcome([30, null]), ProtocolParseError);
  assert.throws(() => parseLobbyWelcome([30, [1, 2]]), ProtocolParseError);
});

test("QUEUE_STATUS keeps a nil estimate as null", () => {
  const status = parseQueueStatus([
    31,
    { mode: "duel", position: 1, searching: 3, elapsed_ms: 4200, estimated_ms: null },
  ]);
  assert.deepEqual(status, { mode: "duel", position: 1, searching: 3, elapsedMs: 4200, estimatedMs: null });
  assert.equal(parseQueueStatus([31, { mode: "ffa", estimated_ms: 9000 }]).estimatedMs, 9000);
});

test("READY_CHECK, READY_UPDATE, MATCH_FOUND, READY_FAILED, QUEUE_LEFT", () => {
  const check = parseReadyCheck([
    32,
    { pending_id: "p1", mode: "duel", players: [["Ada", 1500], ["Bo", 1480.4]], timeout_ms: 9500, accepted: 0 },
  ]);
  assert.deepEqual(check, {
    pendingId: "p1",
    mode: "duel",
    players: [{ name: "Ada", rating: 1500 }, { name: "Bo", rating: 1480.4 }],
    timeoutMs: 9500,
    accepted: 0,
  });
  assert.throws(() => parseReadyCheck([32, { mode: "duel" }]), ProtocolParseError);
  assert.deepEqual(parseReadyUpdate([33, { pending_id: "p1", accepted: 1, size: 2 }]), {
    pendingId: "p1",
    accepted: 1,
    size: 2,
  });
  assert.deepEqual(
    parseMatchFound([34, { match_id: "m1", mode: "duel", ws_path: "/ws/match/m1/", ticket: "t" }]),
    { matchId: "m1", mode: "duel", wsPath: "/ws/match/m1/", ticket: "t" },
  );
  assert.equal(parseMatchFound([34, { match_id: "m2", ticket: "t" }]).wsPath, "/ws/match/m2/");
  assert.throws(() => parseMatchFound([34, { match_id: "m1" }]), ProtocolParseError);
  assert.deepEqual(parseReadyFailed([35, { pending_id: "p1", reason: "timeout", requeued: true }]), {
    pendingId: "p1",
    reason: "timeout",
    requeued: true,
  });
  assert.equal(parseReadyFailed([35, { pending_id: "p1", reason: "declined" }]).requeued, false);
  assert.deepEqual(parseQueueLeft([36, { reason: "cancelled" }]), { reason: "cancelled" });
});

test("LOBBY_ERROR keeps the server's message and falls back to a description", () => {
  assert.deepEqual(parseLobbyError([37, 2, "already searching (maybe in another tab)"]), {
    code: LobbyErrorCode.ALREADY_ACTIVE,
    message: "already searching (maybe in another tab)",
    text: "already searching (maybe in another tab)",
  });
  assert.equal(parseLobbyError([37, 1]).text, LOBBY_ERROR_DESCRIPTIONS[1]);
  assert.equal(describeLobbyError(3, "  "), LOBBY_ERROR_DESCRIPTIONS[3]);
  assert.match(describeLobbyError(99, ""), /99/);
  for (const code of Object.values(LobbyErrorCode)) assert.ok(LOBBY_ERROR_DESCRIPTIONS[code]);
});

test("parseServerFrame knows every server message type", () => {
  const frames = [
    [30, { modes: {} }],
    [31, { mode: "duel" }],
    [32, { pending_id: "p", players: [] }],
    [33, { pending_id: "p" }],
    [34, { match_id: "m", ticket: "t" }],
    [35, { pending_id: "p" }],
    [36, { reason: "cancelled" }],
    [37, 4, "that ready check is over"],
  ];
  for (const frame of frames) assert.equal(parseServerFrame(frame).type, frame[0]);
});

// Spectators (protocol: SPECTATING, SPECTATORS, FOLLOW)

/** A SPECTATING frame as the server sends it: WELCOME's keys without player_id and ack. */
function spectatingFrame(extra = {}) {
  const { player_id: _playerId, ...body } = WELCOME[1];
  return [17, { ...body, delay_ms: 5000, spectators: 3, ...extra }];
}

test("spectator message types and close codes have their numbers", () => {
  assert.equal(MessageType.FOLLOW, 4);
  assert.equal(MessageType.SPECTATORS, 16);
  assert.equal(MessageType.SPECTATING, 17);
  assert.equal(CloseCode.READ_ONLY, 4016);
  assert.equal(CloseCode.SPECTATORS_FULL, 4017);
});

test("parseSpectating reads WELCOME's keys plus the delay and the spectator count", () => {
  const info = parseSpectating(spectatingFrame());
  const welcome = parseWelcome(WELCOME);
  for (const key of ["protocol", "matchId", "mode", "maxPlayers", "tickRate", "arena", "rules"]) {
    assert.deepEqual(info[key], welcome[key], key);
  }
  assert.equal(info.delayMs, 5000);
  assert.equal(info.spectators, 3);
  assert.equal("playerId" in info, false, "a spectator has no player id");
  assert.equal("ack" in info, false);
});

test("parseSpectating defaults a live stream and a missing count to 0", () => {
  const info = parseSpectating(spectatingFrame({ delay_ms: undefined, spectators: undefined }));
  assert.equal(info.delayMs, 0);
  assert.equal(info.spectators, 0);
  assert.equal(parseSpectating(spectatingFrame({ delay_ms: 0 })).delayMs, 0);
  assert.throws(() => parseSpectating([17, [1, 2]]), ProtocolParseError);
  assert.throws(() => parseSpectating(WELCOME), ProtocolParseError);
});

test("parseWelcome reads the spectator count, 0 without one", () => {
  assert.equal(parseWelcome(WELCOME).spectators, 0);
  assert.equal(parseWelcome([10, { ...WELCOME[1], spectators: 2 }]).spectators, 2);
});

test("parseSpectators reads [16, n]", () => {
  assert.deepEqual(parseSpectators([16, 0]), { spectators: 0 });
  assert.deepEqual(parseSpectators([16, 12]), { spectators: 12 });
  assert.throws(() => parseSpectators([16]), ProtocolParseError);
  assert.throws(() => parseSpectators([16, -1]), ProtocolParseError);
  assert.throws(() => parseSpectators([16, "2"]), ProtocolParseError);
});

test("parseServerFrame dispatches SPECTATING and SPECTATORS, also from msgpack", () => {
  const spectating = parseServerFrame(decode(encode(spectatingFrame())));
  assert.equal(spectating.type, MessageType.SPECTATING);
  assert.equal(spectating.message.delayMs, 5000);
  assert.deepEqual(parseServerFrame(decode(encode([16, 4]))), {
    type: MessageType.SPECTATORS,
    message: { spectators: 4 },
  });
});

test("followFrame builds [4, player_id] and fits a client frame", () => {
  assert.deepEqual(followFrame(0), [4, 0]);
  assert.deepEqual(followFrame(7), [4, 7]);
  assert.ok(encode(followFrame(2 ** 32 - 1)).byteLength <= 64);
  for (const bad of [-1, 1.5, 2 ** 32, "3", null, undefined]) {
    assert.throws(() => followFrame(bad), RangeError, String(bad));
  }
});

test("spectator sockets use /ws/spectate/<id>/ without a query", () => {
  assert.equal(spectatePathForMatch("5f0c"), "/ws/spectate/5f0c/");
  assert.equal(
    spectateSocketUrl({ protocol: "https:", host: "arena.example" }, "5f0c"),
    "wss://arena.example/ws/spectate/5f0c/",
  );
});

test("spectator close texts say what happened to the view", () => {
  assert.match(describeSpectatorClose(CloseCode.READ_ONLY), /only watch/);
  assert.match(describeSpectatorClose(CloseCode.SPECTATORS_FULL), /as many spectators/);
  assert.match(describeSpectatorClose(CloseCode.MATCH_NOT_FOUND), /not live/);
  assert.equal(describeSpectatorClose(CloseCode.MATCH_OVER), "The match is over.");
  assert.equal(describeSpectatorClose(1006), CLOSE_DESCRIPTIONS[1006]);
  assert.match(describeSpectatorClose(4999, "odd"), /odd/);
});
