import assert from "node:assert/strict";
import test from "node:test";

import { ApiError } from "./api.js";
import { CONNECT4_SCHEMA, FOOTBALL_SCHEMA, SHOOTER_SCHEMA } from "./fixtures.js";
import { parseGames } from "./protocol.js";
import { describeLiveMatch, liveErrorText } from "./watch-list.js";

const GAMES = parseGames([
  {
    name: "shooter",
    title: "Arena shooter",
    modes: { ffa: { title: "Free for all · up to 8" }, duel: { title: "Duel · 1 vs 1" } },
    schema: SHOOTER_SCHEMA,
  },
  { name: "football", title: "Football", modes: { "1v1": { title: "1 vs 1", teams: 2 } }, schema: FOOTBALL_SCHEMA },
  { name: "connect4", title: "Connect Four", modes: { classic: { title: "Classic" } }, schema: CONNECT4_SCHEMA },
]);

/** A live match as `GET /api/matches/live` lists it. */
function live(extra = {}) {
  return {
    id: "5f0c2a1e-1111-4222-8333-944455556666",
    game: "shooter",
    mode: "ffa",
    phase: 2,
    elapsed_ms: 83_900,
    players: [
      { id: 0, name: "Ada", score: 2, deaths: 1 },
      { id: 1, name: "Bo", score: 4, deaths: 0 },
      { id: 2, name: "Cy", score: 2, deaths: 0 },
    ],
    spectators: 1,
    max_spectators: 2000,
    watch_path: "/ws/spectate/5f0c2a1e-1111-4222-8333-944455556666/",
    ...extra,
  };
}

test("a running match: game and mode, time played, players by score, spectators", () => {
  assert.deepEqual(describeLiveMatch(live(), GAMES), {
    id: "5f0c2a1e-1111-4222-8333-944455556666",
    title: "Arena shooter · Free for all · up to 8",
    state: "Running 01:23",
    players: [
      { id: 1, name: "Bo", score: 4 },
      { id: 0, name: "Ada", score: 2 },
      { id: 2, name: "Cy", score: 2 },
    ],
    spectators: "1 spectator",
    full: false,
  });
});

test("the phase reads as words before and after the running part", () => {
  assert.equal(describeLiveMatch(live({ phase: 0, elapsed_ms: 0 })).state, "Waiting for players");
  assert.equal(describeLiveMatch(live({ phase: 1, elapsed_ms: 0 })).state, "Starting");
  assert.equal(describeLiveMatch(live({ phase: 3 })).state, "Ending");
  assert.equal(describeLiveMatch(live({ mode: "duel" }), GAMES).title, "Arena shooter · Duel · 1 vs 1");
  assert.equal(describeLiveMatch(live({ mode: "duel" })).title, "shooter · Duel", "before the games are known");
});

test("other games: their first roster column is the score shown, teams first", () => {
  const football = describeLiveMatch(
    live({
      game: "football",
      mode: "1v1",
      players: [
        { id: 0, name: "Ada", team: 1, goals: 3 },
        { id: 1, name: "Bo", team: 0, goals: 1 },
      ],
    }),
    GAMES,
  );
  assert.equal(football.title, "Football · 1 vs 1");
  assert.deepEqual(football.players, [
    { id: 1, name: "Bo", score: 1 },
    { id: 0, name: "Ada", score: 3 },
  ]);
  const connect4 = describeLiveMatch(
    live({ game: "connect4", mode: "classic", players: [{ id: 0, name: "Ada", disc: 1 }] }),
    GAMES,
  );
  assert.deepEqual(connect4.players, [{ id: 0, name: "Ada", score: 1 }]);
});

test("spectators: none, many, and a full match", () => {
  assert.equal(describeLiveMatch(live({ spectators: 0 })).spectators, "No spectators");
  assert.equal(describeLiveMatch(live({ spectators: 12 })).spectators, "12 spectators");
  assert.equal(describeLiveMatch(live({ spectators: 5, max_spectators: 5 })).full, true);
  assert.equal(describeLiveMatch(live({ max_spectators: undefined })).full, false);
});

test("names stay plain strings, whatever they contain", () => {
  const view = describeLiveMatch(live({ players: [{ id: 4, name: "<b>x</b>", score: 0, deaths: 0 }] }));
  assert.deepEqual(view.players, [{ id: 4, name: "<b>x</b>", score: 0 }]);
});

test("a sparse entry does not break the list", () => {
  const view = describeLiveMatch({ id: "ab", mode: "duel", players: [{ name: "Ada" }, null] });
  assert.equal(view.state, "");
  assert.equal(view.spectators, "No spectators");
  assert.deepEqual(view.players.map((p) => p.name).sort(), ["", "Ada"]);
});

test("liveErrorText", () => {
  assert.match(liveErrorText(new ApiError("x", 404)), /not available/);
  assert.match(liveErrorText(new ApiError("The server cannot be reached.", 0)), /cannot be reached/);
});
