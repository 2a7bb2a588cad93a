import assert from "node:assert/strict";
import test from "node:test";

import {
  Connection,
  LobbyState,
  Matchmaking,
  QUEUE_QUIET_MS,
  READY_EXPIRY_GRACE_MS,
  RESUME_GRACE_MS,
  describe,
  gameTitle,
  modeLabel,
  modeTitle,
  queueLabel,
  ratingFor,
  playersNeededText,
  PLACE_LOST,
  queueLeftText,
  readyFailedText,
} from "./matchmaking.js";
import { LobbyErrorCode, parseGames } from "./protocol.js";

const GAMES = parseGames({
  shooter: {
    title: "Arena shooter",
    modes: {
      duel: { title: "Duel · 1 vs 1", min_players: 2, max_players: 2 },
      ffa: { title: "Free for all · up to 8", min_players: 2, max_players: 8, lobby_min: 3 },
    },
  },
});

const WELCOME = {
  name: "Ada",
  ratings: { shooter: { duel: 1512 } },
  games: GAMES,
  acceptTimeoutMs: 10000,
  match: null,
};

const CHECK = {
  pendingId: "p1",
  game: "shooter",
  mode: "duel",
  players: [
    { name: "Ada", rating: 1512 },
    { name: "Bo", rating: 1487.6 },
  ],
  timeoutMs: 10000,
  accepted: 0,
};

const FOUND = { matchId: "m1", game: "shooter", mode: "duel", wsPath: "/ws/match/m1/", ticket: "t1" };

function online(now = 0) {
  const mm = new Matchmaking();
  mm.select("shooter", "duel");
  mm.connecting();
  mm.welcome(WELCOME, now);
  return mm;
}

function searching(now = 0) {
  const mm = online(now);
  mm.find("shooter", "duel", now);
  return mm;
}

function inCheck(now = 0) {
  const mm = searching(now);
  mm.readyCheck(CHECK, now);
  return mm;
}

const sends = (effects) => effects.filter((e) => e.type === "send").map((e) => e.frame);

test("a fresh page is idle and asks for a name, without the word searching", () => {
  const mm = new Matchmaking();
  const view = describe(mm, 0);
  assert.equal(view.lobby, LobbyState.IDLE);
  assert.equal(view.canFind, true);
  assert.equal(view.canCancel, false);
  assert.equal(view.rating, "—");
  assert.equal(view.ready, null);
  assert.doesNotMatch(view.queueTitle + view.queueDetail, /searching/i);
  assert.match(view.connection.text, /display name/);
});

test("LOBBY_WELCOME brings the ratings and the connection online; the rating is the pick's", () => {
  const mm = online();
  const view = describe(mm, 0);
  assert.equal(mm.connection, Connection.ONLINE);
  assert.equal(view.rating, "1512");
  assert.equal(view.connection.kind, "ok");
  mm.select("shooter", "ffa");
  assert.equal(describe(mm, 0).rating, "1500", "a mode not played yet is at the default");
  mm.setRatings({ shooter: { ffa: 1533.4 } }, 1500);
  assert.equal(describe(mm, 0).rating, "1533");
  mm.setRatings(null);
  assert.equal(describe(mm, 0).rating, "1533");
  mm.select("football", "2v2");
  assert.equal(describe(mm, 0).rating, "1500");
  mm.welcome({ ...WELCOME, ratings: { shooter: { ffa: 1400 } } }, 10);
  mm.select("shooter", "ffa");
  assert.equal(describe(mm, 0).rating, "1533", "the session's ratings are newer than a LOBBY_WELCOME's");
});

test("the session's ratings show before the lobby connects", () => {
  const mm = new Matchmaking();
  mm.select("shooter", "duel");
  mm.setRatings({ shooter: { duel: 1620 } }, 1500);
  assert.equal(describe(mm, 0).rating, "1620");
  assert.equal(ratingFor({}, null, "shooter", "duel"), null);
  assert.equal(ratingFor({}, 1500, "shooter", "duel"), 1500);
});

test("Find match while online sends QUEUE and shows searching at once", () => {
  const mm = online();
  const effects = mm.find("shooter", "duel", 1000);
  assert.deepEqual(sends(effects), [[20, "shooter", "duel"]]);
  assert.equal(mm.phase, LobbyState.SEARCHING);
  const view = describe(mm, 3500);
  assert.equal(view.lobby, "searching");
  assert.equal(view.canFind, false);
  assert.equal(view.canCancel, true);
  assert.match(`${view.queueTitle} ${view.queueDetail}`, /searching/);
  assert.match(view.queueDetail, /00:02/);
  assert.deepEqual(mm.find("shooter", "ffa", 2000), [], "a second Find does nothing");
});

test("Find match before the lobby is connected queues once LOBBY_WELCOME arrives", () => {
  const mm = new Matchmaking();
  mm.connecting();
  assert.deepEqual(mm.find("shooter", "ffa", 0), []);
  assert.equal(describe(mm, 0).lobby, "searching");
  assert.match(describe(mm, 0).queueDetail, /Connecting/);
  assert.deepEqual(sends(mm.welcome(WELCOME, 500)), [[20, "shooter", "ffa"]]);
  assert.equal(mm.search.sent, true);
});

test("a game or mode the lobby does not offer is refused locally", () => {
  const mm = online();
  assert.deepEqual(mm.find("shooter", "ctf", 0), []);
  assert.equal(mm.phase, LobbyState.IDLE);
  assert.match(describe(mm, 0).notice.text, /ctf/);
  assert.deepEqual(mm.find("chess", "blitz", 0), []);
  assert.match(describe(mm, 0).notice.text, /chess/);
});

test("QUEUE_STATUS shows position, players searching, elapsed and estimate", () => {
  const mm = searching(0);
  mm.queueStatus({ game: "shooter", mode: "duel", position: 1, searching: 3, elapsedMs: 4200, estimatedMs: null }, 1000);
  let view = describe(mm, 1000);
  assert.match(view.queueTitle, /Duel/);
  assert.match(view.queueDetail, /Position 1/);
  assert.match(view.queueDetail, /3 players searching/);
  assert.match(view.queueDetail, /elapsed 00:04/);
  assert.match(view.queueDetail, /estimated wait —/);
  view = describe(mm, 3000);
  assert.match(view.queueDetail, /elapsed 00:06/, "elapsed keeps counting between statuses");
  mm.queueStatus({ game: "shooter", mode: "duel", position: 1, searching: 1, elapsedMs: 65000, estimatedMs: 20000 }, 4000);
  view = describe(mm, 4000);
  assert.match(view.queueDetail, /1 player searching/);
  assert.match(view.queueDetail, /elapsed 01:05/);
  assert.match(view.queueDetail, /estimated wait 00:20/);
});

test("a long silence from the lobby while searching is pointed out", () => {
  const mm = searching(0);
  assert.doesNotMatch(describe(mm, QUEUE_QUIET_MS).queueDetail, /no update/);
  assert.match(describe(mm, QUEUE_QUIET_MS + 2000).queueDetail, /no update from the lobby for 7 s/);
  mm.queueStatus({ game: "shooter", mode: "duel", position: 1, searching: 1, elapsedMs: 7000, estimatedMs: null }, 7000);
  assert.doesNotMatch(describe(mm, 8000).queueDetail, /no update/);
  assert.match(describe(mm, 7000 + QUEUE_QUIET_MS + 1000).queueDetail, /no update from the lobby for 6 s/);
});

test("Cancel sends CANCEL, goes idle and ignores a status already on its way", () => {
  const mm = searching(0);
  assert.deepEqual(sends(mm.cancel()), [[21]]);
  assert.equal(mm.phase, LobbyState.IDLE);
  mm.queueStatus({ game: "shooter", mode: "duel", position: 1, searching: 1, elapsedMs: 900, estimatedMs: null }, 100);
  assert.equal(mm.phase, LobbyState.IDLE, "a late QUEUE_STATUS does not restart the search");
  mm.queueLeft({ reason: "cancelled" });
  assert.equal(mm.phase, LobbyState.IDLE);
  assert.equal(mm.notice, null);
  assert.deepEqual(mm.cancel(), [], "nothing to cancel when idle");
});

test("Cancel before the QUEUE went out sends nothing", () => {
  const mm = new Matchmaking();
  mm.find("shooter", "duel", 0);
  assert.deepEqual(mm.cancel(), []);
  assert.equal(mm.phase, LobbyState.IDLE);
  assert.deepEqual(mm.welcome(WELCOME, 10), [], "no QUEUE after the cancel");
});

test("NOT_QUEUED right after a cancel is not shown", () => {
  const mm = searching(0);
  mm.cancel();
  mm.lobbyError({ code: LobbyErrorCode.NOT_QUEUED, text: "not searching" });
  assert.equal(mm.notice, null);
});

test("ALREADY_ACTIVE stops the search and shows the server's text", () => {
  const mm = searching(0);
  mm.lobbyError({ code: LobbyErrorCode.ALREADY_ACTIVE, text: "already searching (maybe in another tab)" });
  const view = describe(mm, 0);
  assert.equal(view.lobby, "idle");
  assert.deepEqual(view.notice, { text: "already searching (maybe in another tab)", kind: "error" });
  mm.find("shooter", "duel", 10);
  assert.equal(mm.notice, null, "a new search clears the last message");
});

test("READY_CHECK opens the dialog with players, countdown and accepted count", () => {
  const mm = inCheck(1000);
  let view = describe(mm, 1000);
  assert.equal(view.lobby, "ready-check");
  assert.equal(view.canFind, false);
  assert.equal(view.canCancel, false);
  assert.doesNotMatch(view.queueTitle + view.queueDetail, /searching/);
  assert.equal(view.title, "Match found! · Arena");
  assert.deepEqual(view.ready.players, [
    { name: "Ada", rating: "1512" },
    { name: "Bo", rating: "1488" },
  ]);
  assert.equal(view.ready.mode, "Duel · 1 vs 1");
  assert.equal(view.ready.secondsLeft, 10);
  assert.equal(view.ready.fraction, 1);
  assert.equal(view.ready.acceptedText, "0 of 2 accepted");
  assert.equal(view.ready.answer, null);
  view = describe(mm, 3500);
  assert.equal(view.ready.secondsLeft, 8);
  assert.equal(view.ready.fraction, 0.75);
  view = describe(mm, 20000);
  assert.equal(view.ready.secondsLeft, 0);
  assert.equal(view.ready.fraction, 0);
});

test("the countdown bar is scaled by accept_timeout_ms when a check is resent part-way", () => {
  const mm = online(0);
  mm.readyCheck({ ...CHECK, timeoutMs: 4000 }, 0);
  const view = describe(mm, 0);
  assert.equal(view.lobby, "ready-check");
  assert.equal(view.ready.secondsLeft, 4);
  assert.equal(view.ready.fraction, 0.4);
});

test("Accept sends READY_ANSWER once; READY_UPDATE counts; MATCH_FOUND joins", () => {
  const mm = inCheck(0);
  assert.deepEqual(sends(mm.answer(true)), [[22, "p1", true]]);
  assert.deepEqual(mm.answer(true), [], "one answer per check");
  assert.deepEqual(mm.answer(false), []);
  mm.readyUpdate({ pendingId: "p1", accepted: 1, size: 2 });
  mm.readyUpdate({ pendingId: "other", accepted: 5, size: 9 });
  let view = describe(mm, 100);
  assert.equal(view.ready.answer, "accepted");
  assert.equal(view.ready.acceptedText, "1 of 2 accepted");
  assert.match(view.ready.hint, /Waiting/);
  const effects = mm.matchFound(FOUND, 500);
  assert.deepEqual(effects, [{ type: "join", match: { ...FOUND, source: "lobby", receivedAt: 500 } }]);
  view = describe(mm, 600);
  assert.equal(view.lobby, "in-match");
  assert.equal(view.ready, null);
  assert.deepEqual(mm.matchFound(FOUND, 700), [], "a repeated MATCH_FOUND is ignored");
  mm.leaveMatch();
  assert.equal(describe(mm, 800).lobby, "idle");
});

test("Decline leaves the queue at once and READY_FAILED keeps it that way", () => {
  const mm = inCheck(0);
  assert.deepEqual(sends(mm.answer(false)), [[22, "p1", false]]);
  assert.equal(mm.phase, LobbyState.IDLE);
  assert.match(describe(mm, 0).notice.text, /You declined/);
  mm.readyUpdate({ pendingId: "p1", accepted: 1, size: 2 });
  mm.readyFailed({ pendingId: "p1", reason: "declined", requeued: false }, 100);
  assert.equal(mm.phase, LobbyState.IDLE);
  assert.match(mm.notice.text, /You declined/);
});

test("READY_FAILED with requeued goes back to searching and says so", () => {
  const mm = inCheck(0);
  mm.queueStatus({ game: "shooter", mode: "duel", position: 3, searching: 3, elapsedMs: 0, estimatedMs: null }, 0);
  mm.answer(true);
  mm.readyFailed({ pendingId: "p1", reason: "declined", requeued: true }, 2000);
  const view = describe(mm, 2000);
  assert.equal(view.lobby, "searching");
  assert.match(view.queueTitle + view.queueDetail, /searching/);
  assert.match(view.notice.text, /A player declined/);
  assert.match(view.notice.text, /still searching/);
  assert.equal(view.notice.kind, "info");
  mm.queueStatus({ game: "shooter", mode: "duel", position: 1, searching: 2, elapsedMs: 12000, estimatedMs: null }, 2500);
  assert.equal(mm.phase, LobbyState.SEARCHING);
  assert.match(describe(mm, 2500).notice.text, /still searching/, "the message stays while searching");
});

test("READY_FAILED without requeue (no answer in time) stops the search", () => {
  const mm = inCheck(0);
  mm.readyFailed({ pendingId: "p1", reason: "timeout", requeued: false }, 10000);
  const view = describe(mm, 10000);
  assert.equal(view.lobby, "idle");
  assert.equal(view.ready, null);
  assert.match(view.notice.text, /did not accept in time/);
  assert.equal(view.notice.kind, "error");
});

test("readyFailedText covers every outcome", () => {
  assert.match(readyFailedText("timeout", true, "accepted"), /in time.*still searching/);
  assert.match(readyFailedText("declined", true, "accepted"), /declined.*still searching/);
  assert.match(readyFailedText("declined", false, "declined"), /You declined/);
  assert.match(readyFailedText("timeout", false, null), /did not accept/);
  assert.match(readyFailedText("declined", false, null), /before you accepted/);
  assert.match(readyFailedText("other", false, null), /failed/);
});

test("a lost connection resumes the search: kept place restored, else queued again", () => {
  const mm = searching(0);
  mm.disconnected({ retrying: true }, 1000);
  let view = describe(mm, 1000);
  assert.equal(view.lobby, "searching");
  assert.match(view.queueDetail, /Reconnecting/);
  assert.equal(view.connection.kind, "pending");

  mm.connecting();
  assert.deepEqual(mm.welcome(WELCOME, 2000), [], "waits for the server to restore the place");
  assert.deepEqual(mm.tick(2000 + RESUME_GRACE_MS - 1), []);
  mm.queueStatus({ game: "shooter", mode: "duel", position: 2, searching: 2, elapsedMs: 3000, estimatedMs: null }, 2100);
  assert.deepEqual(mm.tick(2000 + RESUME_GRACE_MS + 1), [], "restored: no second QUEUE");

  mm.disconnected({ retrying: true }, 5000);
  mm.welcome(WELCOME, 6000);
  assert.deepEqual(sends(mm.tick(6000 + RESUME_GRACE_MS)), [[20, "shooter", "duel"]], "not restored: queue again");
  assert.equal(mm.search.sent, true);
});

test("a lost connection during a ready check falls back to a resumed search", () => {
  const mm = inCheck(0);
  mm.answer(true);
  mm.disconnected({ retrying: true }, 500);
  assert.equal(mm.phase, LobbyState.SEARCHING);
  assert.equal(describe(mm, 500).ready, null);
  mm.welcome(WELCOME, 1000);
  mm.readyCheck({ ...CHECK, timeoutMs: 8000, accepted: 1 }, 1000);
  const view = describe(mm, 1000);
  assert.equal(view.lobby, "ready-check");
  assert.equal(view.ready.answer, "accepted", "our earlier answer is remembered");
  assert.equal(view.ready.acceptedText, "1 of 2 accepted");
});

test("a close that will not be retried ends the search with its reason", () => {
  const mm = searching(0);
  mm.disconnected({ retrying: false, text: "That display name is not allowed." }, 10);
  const view = describe(mm, 10);
  assert.equal(view.lobby, "idle");
  assert.equal(view.connection.kind, "error");
  assert.equal(view.notice.text, "That display name is not allowed.");
});

test("QUEUE_STATUS or READY_CHECK while idle restores a search kept by the server", () => {
  const mm = online(0);
  mm.queueStatus({ game: "shooter", mode: "ffa", position: 4, searching: 6, elapsedMs: 8000, estimatedMs: 15000 }, 0);
  assert.equal(mm.phase, LobbyState.SEARCHING);
  assert.deepEqual([mm.search.game, mm.search.mode], ["shooter", "ffa"]);
  assert.match(describe(mm, 0).queueTitle, /Free for all/);

  const other = online(0);
  other.readyCheck(CHECK, 0);
  assert.equal(other.phase, LobbyState.READY_CHECK);
});

test("a ready check nobody settles is dropped after its deadline", () => {
  const mm = inCheck(0);
  mm.tick(10000 + READY_EXPIRY_GRACE_MS);
  assert.equal(mm.phase, LobbyState.READY_CHECK);
  mm.tick(10001 + READY_EXPIRY_GRACE_MS);
  assert.equal(mm.phase, LobbyState.IDLE);
  assert.match(mm.notice.text, /expired/);
});

test("NO_READY_CHECK closes a stale dialog", () => {
  const mm = inCheck(0);
  mm.answer(true);
  mm.lobbyError({ code: LobbyErrorCode.NO_READY_CHECK, text: "that ready check is over" });
  assert.equal(mm.phase, LobbyState.IDLE);
  assert.equal(describe(mm, 0).notice.text, "that ready check is over");
});

test("a private match is in-match too, and lobby frames do not disturb it", () => {
  const mm = online(0);
  mm.enterMatch({ matchId: "m9" });
  assert.equal(describe(mm, 0).lobby, "in-match");
  assert.equal(mm.match.source, "private");
  mm.queueStatus({ game: "shooter", mode: "duel", position: 1, searching: 1, elapsedMs: 0, estimatedMs: null }, 0);
  mm.readyCheck(CHECK, 0);
  mm.disconnected({ retrying: true }, 0);
  assert.equal(mm.phase, LobbyState.IN_MATCH);
  mm.welcome(WELCOME, 10);
  assert.equal(mm.phase, LobbyState.IN_MATCH);
  mm.leaveMatch();
  assert.equal(mm.phase, LobbyState.IDLE);
  assert.equal(mm.match, null);
});

test("game and mode titles come from the server, with the name as a fallback", () => {
  assert.equal(gameTitle(GAMES, "shooter"), "Arena shooter");
  assert.equal(gameTitle(GAMES, "chess"), "chess");
  assert.equal(modeTitle(GAMES, "shooter", "ffa"), "Free for all · up to 8");
  assert.equal(modeTitle(GAMES, "shooter", "capture_flag"), "Capture flag");
  assert.equal(modeLabel("teams"), "Teams");
  assert.equal(queueLabel(GAMES, "shooter", "duel"), "Duel · 1 vs 1", "one game: the mode says it");
  const two = { ...GAMES, connect4: { title: "Connect Four", modes: { classic: { title: "Classic" } } } };
  assert.equal(queueLabel(two, "connect4", "classic"), "Connect Four · Classic");
});

test("a seat held in a match is taken back at once, or offered when another tab plays it", () => {
  const seat = { matchId: "m1", game: "shooter", mode: "duel", wsPath: "/ws/match/m1/", ticket: "t", ranked: true };
  const back = new Matchmaking();
  back.find("shooter", "duel", 0); // a search started before the socket was ready is moot
  const [join] = back.welcome({ ...WELCOME, match: { ...seat, connected: false } }, 5);
  assert.equal(join.type, "join");
  assert.equal(join.match.source, "lobby");
  assert.equal(back.phase, LobbyState.IN_MATCH);
  assert.equal(back.search, null, "not queued twice");
  const other = new Matchmaking();
  const effects = other.welcome({ ...WELCOME, match: { ...seat, connected: true } }, 5);
  assert.deepEqual(effects, [{ type: "offer", match: { ...seat, connected: true } }]);
  assert.equal(other.phase, LobbyState.IDLE);
  const playing = online();
  playing.matchFound(FOUND, 1);
  assert.deepEqual(playing.welcome({ ...WELCOME, match: { ...seat, connected: true } }, 2), []);
});

test("an unknown wait says how many players the mode needs to start", () => {
  assert.equal(
    playersNeededText(GAMES, "shooter", "ffa", 1),
    "Free for all needs 3 players to start: 2 more to go.",
  );
  assert.equal(playersNeededText(GAMES, "shooter", "ffa", 5), "Free for all needs 3 players to start.");
  assert.equal(playersNeededText(GAMES, "shooter", "duel", null), "Duel needs 2 players to start.");
  assert.equal(playersNeededText(GAMES, "chess", "duel"), "", "an unknown mode");

  const mm = new Matchmaking();
  mm.welcome(WELCOME, 0);
  mm.find("shooter", "ffa", 0);
  mm.queueStatus({ game: "shooter", mode: "ffa", position: 1, searching: 2, elapsedMs: 0, estimatedMs: null }, 0);
  assert.equal(describe(mm, 0).queueHint, "Free for all needs 3 players to start: 1 more to go.");
  mm.queueStatus({ game: "shooter", mode: "ffa", position: 1, searching: 2, elapsedMs: 0, estimatedMs: 9000 }, 0);
  assert.equal(describe(mm, 0).queueHint, "", "no hint once the wait is estimated");
});

test("a place the server lost is said, and the lobby is idle with Find match usable again", () => {
  for (const mm of [searching(0), inCheck(0)]) {
    mm.queueLeft({ reason: PLACE_LOST });
    const view = describe(mm, 100);
    assert.equal(mm.phase, LobbyState.IDLE);
    assert.equal(view.ready, null, "no ready check dialog left open");
    assert.equal(view.canFind, true);
    assert.equal(view.canCancel, false);
    assert.deepEqual(view.notice, { text: queueLeftText(PLACE_LOST), kind: "info" });
    assert.match(view.notice.text, /server lost your place/);
    assert.deepEqual(sends(mm.find("shooter", "duel", 200)), [[20, "shooter", "duel"]]);
    assert.equal(mm.notice, null, "the notice goes with the new search");
  }
  const check = inCheck(0);
  check.queueLeft({ reason: "cancelled" });
  assert.equal(check.phase, LobbyState.READY_CHECK, "only a lost place ends a ready check");
});

test("leaving the queue unasked is said in words, not the server's reason code", () => {
  assert.equal(queueLeftText("expired"), "Your place in the queue expired, so you left it.");
  assert.equal(queueLeftText("something_new"), "You left the queue.");
});
