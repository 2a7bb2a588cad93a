import assert from "node:assert/strict";
import test from "node:test";

import {
  ApiError,
  createMatch,
  createTicket,
  errorText,
  getSession,
  listGames,
  liveMatches,
} from "./api.js";

test("errorText gives players a clear text for the statuses they can act on", () => {
  assert.match(errorText(403, "no session"), /Reload the page/);
  assert.equal(errorText(404, "no such match"), "That match does not exist.");
  assert.equal(errorText(409, "match over"), "That match is already over.");
  assert.match(errorText(503), /No game engine/);
  assert.equal(errorText(400, "name must be 1 to 16 characters"), "Name must be 1 to 16 characters");
  assert.match(errorText(500, ""), /went wrong on the server/);
  assert.doesNotMatch(errorText(502, ""), /502/, "no raw status shown to players");
  assert.doesNotMatch(errorText(418, ""), /418/);
});

function fakeFetch(t, answers) {
  const calls = [];
  t.mock.method(globalThis, "fetch", async (path, init) => {
    calls.push({ path, method: init.method, body: init.body, headers: init.headers });
    const [status, body] = answers.shift();
    return { ok: status < 400, status, json: async () => body };
  });
  return calls;
}

test("createTicket posts JSON and resolves to the ticket", async (t) => {
  const calls = fakeFetch(t, [[201, { ticket: "t1", ws_path: "/ws/match/m1/", expires_in_ms: 60000 }]]);
  const ticket = await createTicket("m1", "Ada");
  assert.equal(ticket.ticket, "t1");
  assert.equal(calls[0].path, "/api/matches/m1/tickets/");
  assert.equal(calls[0].method, "POST");
  assert.equal(calls[0].headers["Content-Type"], "application/json");
  assert.deepEqual(JSON.parse(calls[0].body), { name: "Ada" });
});

test("createTicket fetches the session once after a 403 and tries again", async (t) => {
  const calls = fakeFetch(t, [
    [403, { error: "no session" }],
    [200, { name: null, ratings: {}, default_rating: 1500, signed_in: false }],
    [201, { ticket: "t2", ws_path: "/ws/match/m1/", expires_in_ms: 60000 }],
  ]);
  assert.equal((await createTicket("m1", "Ada")).ticket, "t2");
  assert.deepEqual(
    calls.map((c) => `${c.method} ${c.path}`),
    ["POST /api/matches/m1/tickets/", "GET /api/session/", "POST /api/matches/m1/tickets/"],
  );
});

test("createTicket reports 404 and 409 as ApiError with the status", async (t) => {
  fakeFetch(t, [
    [404, { error: "no such match" }],
    [409, { error: "the match is over" }],
  ]);
  await assert.rejects(createTicket("m1", "Ada"), (error) => error instanceof ApiError && error.status === 404);
  await assert.rejects(createTicket("m1", "Ada"), (error) => error.status === 409 && /over/.test(error.message));
});

test("getSession and an unreachable server", async (t) => {
  const session = { name: "Ada", ratings: { shooter: { duel: 1523 } }, default_rating: 1500, signed_in: false };
  fakeFetch(t, [[200, session]]);
  assert.deepEqual(await getSession(), session);
  t.mock.method(globalThis, "fetch", async () => {
    throw new TypeError("network down");
  });
  await assert.rejects(getSession(), (error) => error.status === 0);
});

test("liveMatches gets /api/matches/live and resolves to its list", async (t) => {
  const match = { id: "m1", mode: "duel", phase: 2, elapsed_ms: 1200, players: [], spectators: 0 };
  const calls = fakeFetch(t, [
    [200, { matches: [match] }],
    [200, {}],
  ]);
  assert.deepEqual(await liveMatches(), [match]);
  assert.deepEqual(await liveMatches(), [], "a body without a list is no live match");
  assert.deepEqual(calls.map((c) => `${c.method} ${c.path}`), [
    "GET /api/matches/live",
    "GET /api/matches/live",
  ]);
});

test("createMatch posts the game, the mode and whether to list it", async (t) => {
  const calls = fakeFetch(t, [[201, { id: "m1", game: "connect4", mode: "classic" }]]);
  assert.equal((await createMatch("connect4", "classic", { listed: true })).id, "m1");
  assert.equal(calls[0].path, "/api/matches/");
  assert.equal(calls[0].method, "POST");
  assert.deepEqual(JSON.parse(calls[0].body), { game: "connect4", mode: "classic", listed: true });
});

test("listGames gets /api/games/ and resolves to its list", async (t) => {
  const game = { name: "shooter", title: "Arena shooter", modes: {}, schema: {} };
  const calls = fakeFetch(t, [[200, { games: [game] }], [200, null]]);
  assert.deepEqual(await listGames(), [game]);
  assert.deepEqual(await listGames(), []);
  assert.equal(calls[0].path, "/api/games/");
});
