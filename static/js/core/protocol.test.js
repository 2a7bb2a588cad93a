import assert from "node:assert/strict";
import test from "node:test";

import { decode, encode } from "@msgpack/msgpack";

import { CONNECT4_SCHEMA, SHOOTER_SCHEMA, welcomeFrame } from "./fixtures.js";
import {
  CLOSE_DESCRIPTIONS,
  CloseCode,
  DEFAULT_RATING,
  LOBBY_ERROR_DESCRIPTIONS,
  LobbyErrorCode,
  MAX_GAME_LENGTH,
  MAX_LOBBY_FRAME_BYTES,
  MAX_MODE_LENGTH,
  MAX_PENDING_ID_LENGTH,
  MessageType,
  PROTOCOL_VERSION,
  ProtocolParseError,
  SnapshotPolicy,
  UNKNOWN_CLOSE_TEXT,
  cancelFrame,
  describeClose,
  describeLobbyError,
  describeSpectatorClose,
  followFrame,
  inputFrame,
  leaveFrame,
  lobbySocketUrl,
  matchSocketUrl,
  normalizeName,
  parseGames,
  parseLobbyError,
  parseLobbyWelcome,
  parseMatchFound,
  parsePong,
  parseQueueLeft,
  parseQueueStatus,
  parseRatings,
  parseReadyCheck,
  parseReadyFailed,
  parseReadyUpdate,
  parseResult,
  parseResultBody,
  parseServerFrame,
  parseSnapshotFrame,
  parseSpectating,
  parseSpectators,
  parseThrottled,
  parseWelcome,
  pingFrame,
  queueFrame,
  readyAnswerFrame,
  resyncFrame,
  socketUrl,
  spectatePathForMatch,
  spectateSocketUrl,
  wsPathForMatch,
} from "./protocol.js";
import { parseSchema } from "./schema.js";

const WELCOME = welcomeFrame("shooter", SHOOTER_SCHEMA, { ack: 0 });
const INPUTS = parseSchema(SHOOTER_SCHEMA).inputs;

test("version 2, and every close code has a human description", () => {
  assert.equal(PROTOCOL_VERSION, 2);
  for (const code of Object.values(CloseCode)) {
    assert.ok(CLOSE_DESCRIPTIONS[code], `missing description for ${code}`);
    if (code !== CloseCode.JOIN_REFUSED && code !== CloseCode.BANNED) {
      assert.equal(describeClose(code, "whatever"), CLOSE_DESCRIPTIONS[code]);
    }
  }
  assert.match(describeClose(4999, "odd"), /odd/);
  assert.equal(describeClose(4999, ""), UNKNOWN_CLOSE_TEXT, "no raw code shown to players");
  assert.doesNotMatch(describeClose(1005), /\d{4}/);
});

test("BANNED (4021) says why and until when", () => {
  assert.equal(CloseCode.BANNED, 4021);
  assert.equal(
    describeClose(4021, "cheating (until 2026-12-04 12:00 UTC)"),
    "You are banned from this server: cheating (until 2026-12-04 12:00 UTC).",
  );
  assert.equal(describeClose(4021), CLOSE_DESCRIPTIONS[4021]);
});

test("JOIN_REFUSED (4020) says the game's reason", () => {
  assert.equal(CloseCode.JOIN_REFUSED, 4020);
  assert.equal(describeClose(4020), CLOSE_DESCRIPTIONS[4020]);
  assert.equal(
    describeClose(4020, "two players are playing this game"),
    "The game did not let you take a seat in this match: two players are playing this game.",
  );
});

test("inputFrame builds [1, seq, value…] in the InputSchema's order, within its ranges", () => {
  assert.deepEqual(inputFrame(1, [9, -785], INPUTS), [1, 1, 9, -785]);
  assert.deepEqual(inputFrame(7, [0, 0], INPUTS), [1, 7, 0, 0]);
  assert.deepEqual(inputFrame(2, [255, 4000], INPUTS), [1, 2, 31, 3142], "clamped to the fields");
  assert.deepEqual(inputFrame(2, [3.6, -0.2], INPUTS), [1, 2, 4, 0], "integers, no negative zero");
  assert.ok(Object.is(inputFrame(2, [0, -0.2], INPUTS)[3], 0));
  assert.deepEqual(inputFrame(3, [], INPUTS), [1, 3, 0, 0], "a missing value is 0");
  assert.deepEqual(inputFrame(0, [0, 0], INPUTS), [1, 1, 0, 0], "seq 0 is refused by the server");
  assert.deepEqual(inputFrame(2 ** 32, [0, 0], INPUTS), [1, 2 ** 32 - 1, 0, 0]);
  const connect4 = parseSchema(CONNECT4_SCHEMA).inputs;
  assert.deepEqual(inputFrame(5, [3, 7], connect4), [1, 5, 3, 7]);
  assert.deepEqual(inputFrame(5, [9, 0], connect4), [1, 5, 6, 1], "column 0–6, move 1–42");
  assert.ok(encode(inputFrame(2 ** 32 - 1, [31, -3142], INPUTS)).byteLength <= 64);
});

test("LEAVE is [5]", () => {
  assert.deepEqual(leaveFrame(), [5]);
});

test("pingFrame builds [2, nonce]", () => {
  assert.deepEqual(pingFrame(42), [2, 42]);
  assert.deepEqual(pingFrame(2 ** 32 + 5), [2, 2 ** 32 - 1]);
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


test("resyncFrame builds [3]", () => {
  assert.deepEqual(resyncFrame(), [MessageType.RESYNC]);
  assert.deepEqual(resyncFrame(), [3]);
});

test("TOO_SLOW (4015) is described to the player", () => {
  assert.equal(CloseCode.TOO_SLOW, 4015);
  assert.match(describeClose(4015), /keep up/);
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
  assert.equal(
    matchSocketUrl(http, "/ws/match/abc/", "t+1", "wss://web-2.arena.example/ws/match/abc/"),
    "wss://web-2.arena.example/ws/match/abc/?ticket=t%2B1",
    "the web process that hosts the match, whatever the page's host",
  );
  assert.equal(lobbySocketUrl(http, "Ada Lovelace"), "ws://localhost:8000/ws/lobby/?name=Ada%20Lovelace");
  assert.equal(socketUrl(http, "/ws/x/"), "ws://localhost:8000/ws/x/");
});


test("LOBBY_ERROR keeps the server's message and falls back to a description", () => {
  assert.deepEqual(parseLobbyError([37, 2, "already searching (maybe in another tab)"]), {
    code: LobbyErrorCode.ALREADY_ACTIVE,
    message: "already searching (maybe in another tab)",
    text: "already searching (maybe in another tab)",
  });
  assert.equal(parseLobbyError([37, 1]).text, LOBBY_ERROR_DESCRIPTIONS[1]);
  assert.equal(describeLobbyError(3, "  "), LOBBY_ERROR_DESCRIPTIONS[3]);
  assert.equal(describeLobbyError(99, ""), "The lobby refused the request.", "no raw code");
  for (const code of Object.values(LobbyErrorCode)) assert.ok(LOBBY_ERROR_DESCRIPTIONS[code]);
});


test("spectator message types and close codes have their numbers", () => {
  assert.equal(MessageType.FOLLOW, 4);
  assert.equal(MessageType.SPECTATORS, 16);
  assert.equal(MessageType.SPECTATING, 17);
  assert.equal(CloseCode.READ_ONLY, 4016);
  assert.equal(CloseCode.SPECTATORS_FULL, 4017);
});


test("parseSpectators reads [16, n]", () => {
  assert.deepEqual(parseSpectators([16, 0]), { spectators: 0 });
  assert.deepEqual(parseSpectators([16, 12]), { spectators: 12 });
  assert.throws(() => parseSpectators([16]), ProtocolParseError);
  assert.throws(() => parseSpectators([16, -1]), ProtocolParseError);
  assert.throws(() => parseSpectators([16, "2"]), ProtocolParseError);
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

test("parseWelcome reads the match, the game's schema and rules, and the seat", () => {
  const welcome = parseWelcome(WELCOME);
  assert.equal(welcome.protocol, 2);
  assert.equal(welcome.playerId, 3);
  assert.equal(welcome.team, null);
  assert.equal(welcome.ack, 0);
  assert.equal(parseWelcome([10, { ...WELCOME[1], ack: 41 }]).ack, 41);
  assert.equal(welcome.matchId, "5f0c");
  assert.equal(welcome.game, "shooter");
  assert.equal(welcome.mode, "ffa");
  assert.equal(welcome.teams, 0);
  assert.equal(welcome.tickRate, 20);
  assert.equal(welcome.minPlayers, 2);
  assert.equal(welcome.maxPlayers, 8);
  assert.equal(welcome.snapshots, SnapshotPolicy.EVERY_TICK);
  assert.equal(welcome.countdownMs, 3000);
  assert.equal(welcome.timeLimitMs, 180000);
  assert.equal(welcome.reconnectGraceMs, 20000);
  assert.equal(welcome.rules.player_radius, 18, "the game's rules as sent");
  assert.equal(welcome.rules.arena.walls.length, 5);
  assert.deepEqual(welcome.schema.inputs.map((f) => f.name), [
    "buttons",
    "aim",
    "view_tick",
    "view_delay",
  ]);
  assert.deepEqual(welcome.schema.collections.map((c) => c.name), ["players", "bullets"]);
  assert.equal(welcome.schema.avatars.name, "players");
  const teams = parseWelcome([10, { ...WELCOME[1], teams: 2, team: 1 }]);
  assert.deepEqual([teams.teams, teams.team], [2, 1]);
  const lean = parseWelcome([10, { player_id: 0, snapshots: "on_change" }]);
  assert.equal(lean.reconnectGraceMs, undefined, "absent when the server does not say");
  assert.equal(lean.snapshots, SnapshotPolicy.ON_CHANGE);
  assert.equal(lean.tickRate, 20);
  assert.deepEqual(lean.schema.collections, []);
  assert.deepEqual(lean.rules, {});
});

test("parseSnapshotFrame checks what every game's KEYFRAME and DELTA share and keeps the array", () => {
  const keyframe = [11, 5, 1000, 2, 60000, [], [], [], []];
  assert.equal(parseSnapshotFrame(keyframe), keyframe);
  const delta = [12, 6, 1050, 5, 2, 59950, [], [], [], [], null];
  assert.equal(parseServerFrame(delta).message, delta);
  assert.throws(() => parseSnapshotFrame([11, "5", 1000, 2, 0, [], []]), ProtocolParseError);
  assert.throws(() => parseSnapshotFrame([11, 5, 1000.5, 2, 0, [], []]), ProtocolParseError);
  assert.throws(() => parseSnapshotFrame([12, 6, 1050, null, 2, 0, [], []]), ProtocolParseError);
  assert.throws(() => parseSnapshotFrame([11, 5, 1000]), ProtocolParseError, "too short");
});

test("parseResult reads the game's columns, places, teams and summary", () => {
  const body = {
    reason: "score_limit",
    winner_id: 0,
    winner_team: null,
    teams: 0,
    columns: ["score", "deaths"],
    standings: [[0, "Ada", 1, 10, 2], [1, "Bo", 2, 2, 10]],
    duration_ms: 61250,
    summary: {},
  };
  assert.deepEqual(parseResult([13, body]), {
    reason: "score_limit",
    winnerId: 0,
    winnerTeam: null,
    teams: 0,
    columns: ["score", "deaths"],
    standings: [
      { id: 0, name: "Ada", place: 1, values: [10, 2], score: 10, deaths: 2 },
      { id: 1, name: "Bo", place: 2, values: [2, 10], score: 2, deaths: 10 },
    ],
    durationMs: 61250,
    summary: {},
    ratings: null,
  });
  const rated = parseResultBody({ ...body, ratings: [{ id: 0, before: 1500, after: 1516 }] });
  assert.deepEqual(rated.ratings, [{ id: 0, before: 1500, after: 1516 }], "a recorded result's");
  const football = parseResultBody({
    reason: "time_limit",
    winner_id: null,
    winner_team: 1,
    teams: 2,
    columns: ["goals"],
    standings: [[1, "Bo", 1, 1, 2], [0, "Ada", 2, 0, 1]],
    duration_ms: 180000,
    summary: { score: [1, 2] },
  });
  assert.deepEqual(football.standings[0], { id: 1, name: "Bo", place: 1, team: 1, values: [2], goals: 2 });
  assert.deepEqual([football.winnerTeam, football.teams, football.summary], [1, 2, { score: [1, 2] }]);
  const lost = parseResultBody({ reason: "lost", winner_id: null, standings: [], duration_ms: 0 });
  assert.deepEqual([lost.columns, lost.standings, lost.teams, lost.winnerTeam], [[], [], 0, null]);
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

test("lobby client frames", () => {
  assert.deepEqual(queueFrame("shooter", "duel"), [20, "shooter", "duel"]);
  assert.deepEqual(cancelFrame(), [21]);
  assert.deepEqual(readyAnswerFrame("p1", true), [22, "p1", true]);
  assert.deepEqual(readyAnswerFrame("p1", false), [22, "p1", false]);
  assert.deepEqual(readyAnswerFrame("p1", 1), [22, "p1", false], "accept is a strict boolean");
  assert.throws(() => queueFrame("shooter", ""), RangeError);
  assert.throws(() => queueFrame("", "duel"), RangeError);
  assert.throws(() => queueFrame("shooter", "x".repeat(MAX_MODE_LENGTH + 1)), RangeError);
  assert.throws(() => queueFrame("x".repeat(MAX_GAME_LENGTH + 1), "duel"), RangeError);
  assert.throws(() => readyAnswerFrame("x".repeat(MAX_PENDING_ID_LENGTH + 1), true), RangeError);
});

test("lobby frames fit the lobby frame limit", () => {
  assert.equal(MAX_LOBBY_FRAME_BYTES, 128);
  const longest = readyAnswerFrame("x".repeat(MAX_PENDING_ID_LENGTH), true);
  assert.ok(encode(longest).byteLength <= MAX_LOBBY_FRAME_BYTES);
  const queue = queueFrame("x".repeat(MAX_GAME_LENGTH), "x".repeat(MAX_MODE_LENGTH));
  assert.ok(encode(queue).byteLength <= MAX_LOBBY_FRAME_BYTES);
});

const GAMES = {
  shooter: {
    title: "Arena shooter",
    description: "Fast top-down shooter.",
    modes: {
      duel: { title: "Duel · 1 vs 1", min_players: 2, max_players: 2, lobby_min: 2, teams: 0 },
      ffa: { title: "Free for all · up to 8", min_players: 2, max_players: 8, lobby_min: 4, teams: 0 },
    },
  },
  football: {
    title: "Football",
    description: "",
    modes: { "2v2": { title: "2 vs 2", min_players: 2, max_players: 4, lobby_min: 4, teams: 2 } },
  },
};

test("LOBBY_WELCOME lists the games and their modes, the ratings and the held seat", () => {
  const welcome = parseLobbyWelcome([
    30,
    {
      name: "Ada",
      ratings: { shooter: { duel: 1512, ffa: "x" } },
      games: GAMES,
      accept_timeout_ms: 10000,
      match: null,
    },
  ]);
  assert.equal(welcome.name, "Ada");
  assert.deepEqual(welcome.ratings, { shooter: { duel: 1512 } });
  assert.equal(welcome.acceptTimeoutMs, 10000);
  assert.equal(welcome.match, null);
  assert.deepEqual(Object.keys(welcome.games), ["shooter", "football"], "in the server's order");
  assert.deepEqual(welcome.games.shooter.modes.ffa, {
    name: "ffa", title: "Free for all · up to 8", minPlayers: 2, maxPlayers: 8, lobbyMin: 4, teams: 0,
  });
  assert.equal(welcome.games.football.modes["2v2"].teams, 2);
  assert.equal(welcome.games.shooter.columns, null, "no schema in LOBBY_WELCOME");
  const held = parseLobbyWelcome([
    30,
    {
      name: "Ada",
      games: {},
      match: {
        match_id: "m1", game: "shooter", mode: "duel", ws_path: "/ws/match/m1/", ticket: "t",
        connected: false, ranked: true,
      },
    },
  ]).match;
  assert.deepEqual(held, {
    matchId: "m1", game: "shooter", mode: "duel", wsPath: "/ws/match/m1/", wsUrl: null, ticket: "t",
    connected: false, ranked: true,
  });
  assert.throws(() => parseLobbyWelcome([30, null]), ProtocolParseError);
  assert.throws(() => parseLobbyWelcome([30, [1, 2]]), ProtocolParseError);
});

test("parseGames reads GET /api/games/'s list too, with each game's roster columns", () => {
  const games = parseGames([
    { name: "shooter", ...GAMES.shooter, schema: SHOOTER_SCHEMA },
    { name: "connect4", title: "Connect Four", modes: { classic: { title: "Classic" } }, schema: CONNECT4_SCHEMA },
    { title: "no name" },
  ]);
  assert.deepEqual(Object.keys(games), ["shooter", "connect4"]);
  assert.deepEqual(games.shooter.columns, ["score", "deaths"]);
  assert.deepEqual(games.connect4.columns, ["disc"]);
  assert.equal(games.connect4.modes.classic.title, "Classic");
  assert.equal(parseGames({ x: { modes: { m: {} } } }).x.modes.m.title, "m", "a title falls back");
  assert.deepEqual(parseRatings({ shooter: { duel: 1400.5 }, bad: 3 }), { shooter: { duel: 1400.5 } });
  assert.equal(DEFAULT_RATING, 1500);
});

test("QUEUE_STATUS names the game and mode and keeps a nil estimate as null", () => {
  const status = parseQueueStatus([
    31,
    { game: "shooter", mode: "duel", position: 1, searching: 3, elapsed_ms: 4200, estimated_ms: null },
  ]);
  assert.deepEqual(status, {
    game: "shooter", mode: "duel", position: 1, searching: 3, elapsedMs: 4200, estimatedMs: null,
  });
  assert.equal(parseQueueStatus([31, { mode: "ffa", estimated_ms: 9000 }]).estimatedMs, 9000);
});

test("READY_CHECK, READY_UPDATE, MATCH_FOUND, READY_FAILED, QUEUE_LEFT", () => {
  const check = parseReadyCheck([
    32,
    {
      pending_id: "p1", game: "shooter", mode: "duel", players: [["Ada", 1500], ["Bo", 1480.4]],
      timeout_ms: 9500, accepted: 0,
    },
  ]);
  assert.deepEqual(check, {
    pendingId: "p1",
    game: "shooter",
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
    parseMatchFound([
      34,
      { match_id: "m1", game: "shooter", mode: "duel", ws_path: "/ws/match/m1/", ticket: "t" },
    ]),
    { matchId: "m1", game: "shooter", mode: "duel", wsPath: "/ws/match/m1/", wsUrl: null, ticket: "t" },
  );
  assert.equal(parseMatchFound([34, { match_id: "m2", ticket: "t" }]).wsPath, "/ws/match/m2/");
  const hosted = { match_id: "m3", ticket: "t", ws_url: "ws://10.0.0.2:8101/ws/match/m3/" };
  assert.equal(parseMatchFound([34, hosted]).wsUrl, "ws://10.0.0.2:8101/ws/match/m3/");
  assert.equal(parseMatchFound([34, { ...hosted, ws_url: "javascript:x" }]).wsUrl, null);
  assert.throws(() => parseMatchFound([34, { match_id: "m1" }]), ProtocolParseError);
  assert.deepEqual(parseReadyFailed([35, { pending_id: "p1", reason: "timeout", requeued: true }]), {
    pendingId: "p1",
    reason: "timeout",
    requeued: true,
  });
  assert.equal(parseReadyFailed([35, { pending_id: "p1", reason: "declined" }]).requeued, false);
  assert.deepEqual(parseQueueLeft([36, { reason: "cancelled" }]), { reason: "cancelled" });
});

test("parseServerFrame knows every server message type", () => {
  const frames = [
    [30, { games: {} }],
    [31, { game: "shooter", mode: "duel" }],
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

/** A SPECTATING frame as the server sends it: WELCOME's keys without player_id, team and ack. */
function spectatingFrame(extra = {}) {
  const { player_id: _playerId, team: _team, ack: _ack, ...body } = WELCOME[1];
  return [17, { ...body, delay_ms: 5000, spectators: 3, ...extra }];
}

test("parseSpectating reads WELCOME's keys plus the delay and the spectator count", () => {
  const info = parseSpectating(spectatingFrame());
  const welcome = parseWelcome(WELCOME);
  for (const key of ["protocol", "matchId", "game", "mode", "maxPlayers", "tickRate", "rules", "schema"]) {
    assert.deepEqual(info[key], welcome[key], key);
  }
  assert.equal(info.delayMs, 5000);
  assert.equal(info.spectators, 3);
  assert.equal("playerId" in info, false, "a spectator has no player id");
  assert.equal("ack" in info, false);
  assert.equal("team" in info, false);
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

test("parseServerFrame dispatches SPECTATING and SPECTATORS, also from msgpack", () => {
  const spectating = parseServerFrame(decode(encode(spectatingFrame())));
  assert.equal(spectating.type, MessageType.SPECTATING);
  assert.equal(spectating.message.delayMs, 5000);
  assert.deepEqual(parseServerFrame(decode(encode([16, 4]))), {
    type: MessageType.SPECTATORS,
    message: { spectators: 4 },
  });
});


test("party frames and PARTY_STATE", async () => {
  const protocol = await import("./protocol.js");
  assert.deepEqual(protocol.partyCreateFrame("football", "2v2"), [23, "football", "2v2"]);
  assert.deepEqual(protocol.partyJoinFrame("abc"), [24, "abc"]);
  assert.deepEqual(protocol.partyLeaveFrame(), [25]);
  assert.throws(() => protocol.partyJoinFrame(""));
  const body = { party_id: "p1", invite: "/?party=p1", game: "football", mode: "2v2", members: ["Ada", "Bo"], limit: 2 };
  assert.deepEqual(protocol.parsePartyState([38, body]), {
    partyId: "p1",
    invite: "/?party=p1",
    game: "football",
    mode: "2v2",
    members: ["Ada", "Bo"],
    limit: 2,
  });
  assert.equal(protocol.parsePartyState([38, null]), null);
  assert.throws(() => protocol.parsePartyState([38, { members: "Ada" }]));
});
