/**
 * The matchmaking screen as a state machine (protocol section 6): idle → searching →
 * ready check → in a match → idle, for a game and a mode the player picks. Pure: events come in
 * as method calls with the current time (`performance.now()` milliseconds), and each call
 * returns the effects for the caller to run: `{type: "send", frame}` (a lobby frame),
 * `{type: "join", match}` (connect to a match) or `{type: "offer", match}` (offer to play a
 * match held in another tab). `describe()` turns the state into the texts and flags the screen
 * shows.
 */

import { formatClock, formatElapsed } from "./format.js";
import {
  DEFAULT_RATING,
  LobbyErrorCode,
  cancelFrame,
  queueFrame,
  readyAnswerFrame,
} from "./protocol.js";

/** Values of `document.body.dataset.lobby`. */
export const LobbyState = Object.freeze({
  IDLE: "idle",
  SEARCHING: "searching",
  READY_CHECK: "ready-check",
  IN_MATCH: "in-match",
});

/** State of the lobby connection. */
export const Connection = Object.freeze({
  NONE: "none", // no display name yet, so no socket
  CONNECTING: "connecting",
  ONLINE: "online",
  RECONNECTING: "reconnecting",
  STOPPED: "stopped", // closed for good (a refused name) until the name changes
});

/**
 * After a reconnect the server resends QUEUE_STATUS or READY_CHECK if it kept our place; a
 * search that was running is queued again only if neither arrives within this time.
 */
export const RESUME_GRACE_MS = 2500;
/** A ready check with no outcome this long after its deadline is dropped. */
export const READY_EXPIRY_GRACE_MS = 5000;
/** QUEUE_STATUS comes about once a second; a silence this long is pointed out. */
export const QUEUE_QUIET_MS = 5000;

/** Display name of a mode without the server's title ("duel" → "Duel"). */
export function modeLabel(mode) {
  const text = String(mode ?? "").replace(/_/g, " ");
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** A game's title in `games` (protocol.js `parseGames`), else its name. */
export function gameTitle(games, game) {
  return games?.[game]?.title ?? String(game ?? "");
}

/** A mode's title in `games` ("Duel · 1 vs 1"), else `modeLabel`. */
export function modeTitle(games, game, mode) {
  return games?.[game]?.modes?.[mode]?.title ?? modeLabel(mode);
}

/**
 * What to call a queue of `game` and `mode`: the mode's title, after the game's when the server
 * offers more than one game ("Arena shooter · Duel · 1 vs 1").
 */
export function queueLabel(games, game, mode) {
  const several = Object.keys(games ?? {}).length > 1;
  const title = modeTitle(games, game, mode);
  return several && game ? `${gameTitle(games, game)} · ${title}` : title;
}

/** The rating shown for `game` and `mode`: the player's, else the default once known, else null. */
export function ratingFor(ratings, defaultRating, game, mode) {
  const rating = ratings?.[game]?.[mode];
  if (typeof rating === "number" && Number.isFinite(rating)) return rating;
  return typeof defaultRating === "number" ? defaultRating : null;
}

/**
 * What a search waits for when the lobby cannot estimate the wait: how many players the mode
 * needs to start (its `lobbyMin`), and how many more while fewer search ("Free for all needs 3
 * players to start: 1 more to go."); "" when the mode is not known.
 */
export function playersNeededText(games, game, mode, searching = null) {
  const spec = games?.[game]?.modes?.[mode];
  const needed = spec?.lobbyMin ?? spec?.minPlayers;
  if (!Number.isInteger(needed) || needed < 2) return "";
  const name = modeTitle(games, game, mode).split(" · ")[0];
  const text = `${name} needs ${needed} players to start`;
  const missing = Number.isInteger(searching) ? needed - searching : 0;
  return missing > 0 ? `${text}: ${missing} more to go.` : `${text}.`;
}

/** QUEUE_LEFT's reason when the server lost the player's place (protocol section 6.3). */
export const PLACE_LOST = "place_lost";

/** Text for `#lobby-error` after QUEUE_LEFT that the player did not ask for. */
export function queueLeftText(reason) {
  if (reason === "expired") return "Your place in the queue expired, so you left it.";
  if (reason === PLACE_LOST) {
    return "The server lost your place in the queue, so you left it. Press Find match to search again.";
  }
  return "You left the queue.";
}

/** Text for `#lobby-error` after a failed ready check. */
export function readyFailedText(reason, requeued, answer) {
  if (requeued) {
    const why =
      reason === "timeout" ? "Not everyone accepted in time." : "A player declined the match.";
    return `${why} You are back at the front of the queue, still searching.`;
  }
  if (answer === "declined") return "You declined the match, so you left the queue.";
  if (reason === "timeout") return "You did not accept in time, so you left the queue.";
  if (reason === "declined") {
    return "A player declined the match before you accepted, so you left the queue.";
  }
  return "The ready check failed, so you left the queue.";
}

/** The matchmaking state of one page. */
export class Matchmaking {
  constructor() {
    this.phase = LobbyState.IDLE;
    this.connection = Connection.NONE;
    this.profile = null; // LOBBY_WELCOME: {name, ratings, games, acceptTimeoutMs}
    /** The games on offer (protocol.js `parseGames`), from LOBBY_WELCOME or the HTTP API. */
    this.games = {};
    /** The player's ratings `{game: {mode: rating}}`, and the rating of a mode not played yet. */
    this.ratings = {};
    this.defaultRating = null;
    /** The game and mode picked on the screen (the rating shown is theirs). */
    this.selection = { game: null, mode: null };
    /** The running search: {game, mode, sent, resume, resumeAt, requestedAt, status, statusAt}. */
    this.search = null;
    this.cancelling = false;
    /**
     * The open ready check:
     * {pendingId, game, mode, players, deadline, totalMs, accepted, size, answer}.
     */
    this.ready = null;
    /** Our answer to the last ready check, kept for its READY_FAILED: {pendingId, answer}. */
    this.answered = null;
    /** The match being played: {matchId, game, mode, wsPath, ticket, source, receivedAt}. */
    this.match = null;
    /** Last message for `#lobby-error`: {text, kind: "error" | "info"}. */
    this.notice = null;
  }

  /** True while searching or in a ready check (private matches must wait). */
  get busy() {
    return this.phase === LobbyState.SEARCHING || this.phase === LobbyState.READY_CHECK;
  }

  // -- the connection ---------------------------------------------------------------------

  /** A socket is being opened. */
  connecting() {
    if (this.connection !== Connection.RECONNECTING) this.connection = Connection.CONNECTING;
    return [];
  }

  /**
   * LOBBY_WELCOME: the socket is ready; a search waiting for it is sent or resumed. A seat the
   * player holds in a match is taken back at once ("join") when no other socket of the player
   * plays it, and offered ("offer") when one does (joining takes the seat from that tab).
   */
  welcome(message, now) {
    this.connection = Connection.ONLINE;
    this.profile = message;
    if (Object.keys(message.games ?? {}).length) this.games = message.games;
    this.ratings = mergeRatings(message.ratings, this.ratings); // the session's are newer
    this.defaultRating = this.defaultRating ?? DEFAULT_RATING;
    this.cancelling = false;
    const seat = message.match;
    if (seat && this.phase !== LobbyState.IN_MATCH) {
      if (seat.connected) return [{ type: "offer", match: seat }];
      this.phase = LobbyState.IN_MATCH;
      this.search = null;
      this.ready = null;
      this.notice = null;
      this.match = { ...seat, source: seat.ranked ? "lobby" : "private", receivedAt: now };
      return [{ type: "join", match: this.match }];
    }
    const search = this.search;
    if (this.phase !== LobbyState.SEARCHING || !search || search.sent) return [];
    if (search.resume) {
      search.resumeAt = now + RESUME_GRACE_MS;
      return [];
    }
    return this.sendQueue(now);
  }

  /**
   * The socket closed: `retrying` is false when it will not reconnect by itself (`text` then
   * says why). A search is resumed after the reconnect; a ready check is lost with the socket.
   */
  disconnected({ retrying = true, text = "" } = {}, now = 0) {
    this.connection = retrying ? Connection.RECONNECTING : Connection.STOPPED;
    this.cancelling = false;
    if (this.phase === LobbyState.READY_CHECK) {
      this.search = this.search ?? this.newSearch(this.ready.game, this.ready.mode, now);
      this.ready = null;
      this.phase = LobbyState.SEARCHING;
    }
    if (this.phase === LobbyState.SEARCHING) {
      if (retrying) {
        Object.assign(this.search, { sent: false, resume: true, resumeAt: null, status: null });
      } else {
        this.toIdle();
      }
    }
    if (!retrying && text) this.notice = { text, kind: "error" };
    return [];
  }

  /** A newer socket replaces the current one (a new display name): nothing is lost or resumed. */
  replaced() {
    this.connection = Connection.CONNECTING;
    this.cancelling = false;
    return [];
  }

  // -- the player -------------------------------------------------------------------------

  /** Find match: queue for `game` in `mode` now, or as soon as the lobby connection is ready. */
  find(game, mode, now) {
    if (this.phase !== LobbyState.IDLE) return [];
    this.notice = null;
    this.phase = LobbyState.SEARCHING;
    this.search = this.newSearch(game, mode, now);
    this.cancelling = false;
    if (this.connection !== Connection.ONLINE) return [];
    return this.sendQueue(now);
  }

  /** Cancel the search. */
  cancel() {
    if (this.phase !== LobbyState.SEARCHING) return [];
    const sent = this.search?.sent;
    this.toIdle();
    this.notice = null;
    if (!sent || this.connection !== Connection.ONLINE) return [];
    this.cancelling = true;
    return [{ type: "send", frame: cancelFrame() }];
  }

  /** Accept (true) or decline (false) the open ready check; declining leaves the queue. */
  answer(accept) {
    const ready = this.ready;
    if (this.phase !== LobbyState.READY_CHECK || !ready || ready.answer !== null) return [];
    ready.answer = accept ? "accepted" : "declined";
    this.answered = { pendingId: ready.pendingId, answer: ready.answer };
    const effects = [{ type: "send", frame: readyAnswerFrame(ready.pendingId, accept) }];
    if (!accept) {
      this.toIdle();
      this.notice = { text: readyFailedText("declined", false, "declined"), kind: "info" };
    }
    return effects;
  }

  /** A private match (created or joined by link) is being played. */
  enterMatch(match) {
    this.phase = LobbyState.IN_MATCH;
    this.match = { source: "private", ...match };
    this.search = null;
    this.ready = null;
    this.notice = null;
    return [];
  }

  /** Back to the lobby after a match. */
  leaveMatch() {
    if (this.phase === LobbyState.IN_MATCH) this.phase = LobbyState.IDLE;
    this.match = null;
    return [];
  }

  /**
   * The player's ratings `{game: {mode: rating}}` and the default rating (from `GET
   * /api/session/`, current after a match).
   */
  setRatings(ratings, defaultRating = null) {
    if (ratings && typeof ratings === "object") this.ratings = ratings;
    if (typeof defaultRating === "number" && Number.isFinite(defaultRating)) {
      this.defaultRating = defaultRating;
    }
  }

  /** The games on offer (protocol.js `parseGames`, e.g. from `GET /api/games/`). */
  setGames(games) {
    if (games && Object.keys(games).length) this.games = games;
  }

  /** The game and mode picked on the screen. */
  select(game, mode) {
    this.selection = { game, mode };
  }

  /** Time passes: resume a search after a reconnect, drop a ready check nobody settled. */
  tick(now) {
    const search = this.search;
    if (
      this.phase === LobbyState.SEARCHING &&
      search &&
      !search.sent &&
      search.resumeAt !== null &&
      now >= search.resumeAt &&
      this.connection === Connection.ONLINE
    ) {
      return this.sendQueue(now);
    }
    if (
      this.phase === LobbyState.READY_CHECK &&
      this.ready &&
      now > this.ready.deadline + READY_EXPIRY_GRACE_MS
    ) {
      this.toIdle();
      this.notice = {
        text: "The ready check expired without an answer from the server.",
        kind: "error",
      };
    }
    return [];
  }

  // -- the server -------------------------------------------------------------------------

  /** QUEUE_STATUS: where we stand; also restores a search the server kept for us. */
  queueStatus(status, now) {
    if (this.cancelling || this.phase === LobbyState.IN_MATCH) return [];
    if (this.phase === LobbyState.READY_CHECK) return [];
    if (this.phase === LobbyState.IDLE) {
      this.phase = LobbyState.SEARCHING;
      this.search = this.newSearch(status.game, status.mode, now);
    }
    Object.assign(this.search, {
      game: status.game ?? this.search.game,
      mode: status.mode ?? this.search.mode,
      sent: true,
      resume: false,
      resumeAt: null,
      status,
      statusAt: now,
    });
    return [];
  }

  /** READY_CHECK: a group formed; show the dialog. */
  readyCheck(check, now) {
    if (this.phase === LobbyState.IN_MATCH) return [];
    const previous = this.answered?.pendingId === check.pendingId ? this.answered.answer : null;
    if (previous === "declined") return [];
    if (!this.search) this.search = this.newSearch(check.game, check.mode, now);
    Object.assign(this.search, { sent: true, resume: false, resumeAt: null });
    const acceptTimeout = this.profile?.acceptTimeoutMs ?? 0;
    this.phase = LobbyState.READY_CHECK;
    this.cancelling = false;
    this.notice = null;
    this.ready = {
      pendingId: check.pendingId,
      game: check.game ?? this.search.game,
      mode: check.mode,
      players: check.players,
      deadline: now + check.timeoutMs,
      totalMs: Math.max(check.timeoutMs, acceptTimeout) || 1,
      accepted: check.accepted,
      size: check.players.length,
      answer: previous,
    };
    return [];
  }

  /** READY_UPDATE: someone accepted. */
  readyUpdate(update) {
    const ready = this.ready;
    if (!ready || ready.pendingId !== update.pendingId) return [];
    ready.accepted = update.accepted;
    if (update.size) ready.size = update.size;
    return [];
  }

  /** MATCH_FOUND: everyone accepted; join the match with the ticket. */
  matchFound(found, now) {
    if (this.phase === LobbyState.IN_MATCH) return [];
    this.phase = LobbyState.IN_MATCH;
    this.search = null;
    this.ready = null;
    this.cancelling = false;
    this.notice = null;
    this.match = { ...found, source: "lobby", receivedAt: now };
    return [{ type: "join", match: this.match }];
  }

  /** READY_FAILED: back to searching (requeued) or out of the queue. */
  readyFailed(failed, now) {
    if (this.phase === LobbyState.IN_MATCH) return [];
    const answer =
      this.ready?.pendingId === failed.pendingId
        ? this.ready.answer
        : this.answered?.pendingId === failed.pendingId
          ? this.answered.answer
          : null;
    const mode = this.ready?.mode ?? this.search?.mode;
    const game = this.ready?.game ?? this.search?.game;
    this.ready = null;
    this.notice = {
      text: readyFailedText(failed.reason, failed.requeued, answer),
      kind: failed.requeued ? "info" : "error",
    };
    if (failed.requeued && mode) {
      this.phase = LobbyState.SEARCHING;
      this.search = this.search ?? this.newSearch(game, mode, now);
      Object.assign(this.search, { sent: true, resume: false, resumeAt: null });
    } else {
      this.toIdle();
    }
    return [];
  }

  /** QUEUE_LEFT: no longer queued (nor in a ready check, when the server lost the place). */
  queueLeft(left) {
    const expected = this.cancelling;
    this.cancelling = false;
    const lost = left.reason === PLACE_LOST && this.phase === LobbyState.READY_CHECK;
    if (this.phase === LobbyState.SEARCHING || lost) this.toIdle();
    if (!expected && left.reason !== "cancelled") {
      this.notice = { text: queueLeftText(left.reason), kind: "info" };
    }
    return [];
  }

  /** LOBBY_ERROR `{code, text}`: a refused request. */
  lobbyError(error) {
    const afterCancel = this.cancelling;
    this.cancelling = false;
    if (error.code === LobbyErrorCode.NOT_QUEUED && afterCancel) return [];
    this.notice = { text: error.text, kind: "error" };
    if (
      this.phase === LobbyState.SEARCHING &&
      error.code !== LobbyErrorCode.NO_READY_CHECK
    ) {
      this.toIdle();
    } else if (
      this.phase === LobbyState.READY_CHECK &&
      error.code === LobbyErrorCode.NO_READY_CHECK
    ) {
      this.toIdle();
    }
    return [];
  }

  // -- helpers ----------------------------------------------------------------------------

  newSearch(game, mode, now) {
    return {
      game,
      mode,
      sent: false,
      resume: false,
      resumeAt: null,
      requestedAt: now,
      status: null,
      statusAt: now,
    };
  }

  sendQueue(now) {
    const search = this.search;
    const games = this.games;
    if (Object.keys(games).length) {
      const modes = games[search.game]?.modes;
      if (!modes || !(search.mode in modes)) {
        this.toIdle();
        const what = modes
          ? `the mode "${search.mode}" of ${gameTitle(games, search.game)}`
          : `the game "${search.game}"`;
        this.notice = { text: `The server does not offer ${what}.`, kind: "error" };
        return [];
      }
    }
    if (!search.resume) search.requestedAt = now;
    Object.assign(search, { sent: true, resume: false, resumeAt: null });
    return [{ type: "send", frame: queueFrame(search.game, search.mode) }];
  }

  toIdle() {
    this.phase = LobbyState.IDLE;
    this.search = null;
    this.ready = null;
  }
}

/**
 * What the screen shows for `state` at time `now`: `{lobby, connection, canFind, canCancel,
 * queueTitle, queueDetail, queueHint, ready, notice, rating, title}` (`queueHint`: how many
 * players the mode needs, while the wait cannot be estimated). `ready` is null or
 * `{mode, players, secondsLeft, fraction, acceptedText, answer, hint}`.
 */
export function describe(state, now) {
  const view = {
    lobby: state.phase,
    connection: connectionText(state.connection),
    canFind: state.phase === LobbyState.IDLE,
    canCancel: state.phase === LobbyState.SEARCHING,
    queueTitle: "",
    queueDetail: "",
    queueHint: "",
    ready: null,
    notice: state.notice,
    rating: ratingText(state),
    title: "Arena",
  };
  switch (state.phase) {
    case LobbyState.IDLE:
      view.queueTitle = idleText(state.connection);
      break;
    case LobbyState.SEARCHING:
      Object.assign(view, searchingText(state, now));
      break;
    case LobbyState.READY_CHECK:
      view.queueTitle = "Match found!";
      view.queueDetail = "Waiting for every player to accept.";
      view.ready = readyView(state.ready, state.games, now);
      view.title = "Match found! · Arena";
      break;
    case LobbyState.IN_MATCH:
      view.queueTitle = "In a match.";
      break;
    default:
      break;
  }
  return view;
}

function connectionText(connection) {
  switch (connection) {
    case Connection.ONLINE:
      return { kind: "ok", text: "Lobby online" };
    case Connection.CONNECTING:
      return { kind: "pending", text: "Connecting to the lobby…" };
    case Connection.RECONNECTING:
      return { kind: "pending", text: "Lobby connection lost, reconnecting…" };
    case Connection.STOPPED:
      return { kind: "error", text: "Lobby offline" };
    default:
      return { kind: "pending", text: "Enter a display name to use the lobby" };
  }
}

/** `ratings` with `over`'s values on top, per game and mode. */
function mergeRatings(ratings, over) {
  const merged = {};
  for (const source of [ratings ?? {}, over ?? {}]) {
    for (const [game, modes] of Object.entries(source)) {
      merged[game] = { ...merged[game], ...modes };
    }
  }
  return merged;
}

function ratingText(state) {
  const { game, mode } = state.selection;
  const rating = ratingFor(state.ratings, state.defaultRating, game, mode);
  return rating === null ? "—" : String(Math.round(rating));
}

function idleText(connection) {
  if (connection === Connection.NONE) {
    return "Enter a display name, pick a game and a mode and press Find match.";
  }
  if (connection === Connection.STOPPED) {
    return "Change your display name to reconnect to the lobby.";
  }
  return "Pick a game and a mode and press Find match.";
}

function searchingText(state, now) {
  const search = state.search;
  const label = queueLabel(state.games, search.game, search.mode);
  const queueTitle = `${label} · searching for players…`;
  if (!search.sent) {
    const queueDetail =
      state.connection === Connection.ONLINE
        ? "Checking whether the lobby kept your place…"
        : search.resume
          ? "Reconnecting to the lobby; the search resumes when it is back."
          : "Connecting to the lobby; the search starts when it is ready.";
    return { queueTitle, queueDetail };
  }
  const quietMs = now - search.statusAt;
  const quiet =
    quietMs > QUEUE_QUIET_MS
      ? ` · no update from the lobby for ${Math.floor(quietMs / 1000)} s`
      : "";
  const status = search.status;
  if (!status) {
    return {
      queueTitle,
      queueDetail: `Joining the queue · elapsed ${formatElapsed(now - search.requestedAt)}${quiet}`,
    };
  }
  const elapsed = status.elapsedMs + (now - search.statusAt);
  const parts = [];
  if (status.position) parts.push(`position ${status.position}`);
  if (status.searching !== null && status.searching !== undefined) {
    parts.push(`${status.searching} ${status.searching === 1 ? "player" : "players"} searching`);
  }
  parts.push(`elapsed ${formatElapsed(elapsed)}`);
  const estimate = status.estimatedMs === null || status.estimatedMs === undefined
    ? "—"
    : formatClock(status.estimatedMs);
  parts.push(`estimated wait ${estimate}`);
  const detail = parts.join(" · ") + quiet;
  const unknown = status.estimatedMs === null || status.estimatedMs === undefined;
  const queueHint = unknown
    ? playersNeededText(state.games, search.game, search.mode, status.searching)
    : "";
  return {
    queueTitle,
    queueDetail: detail.charAt(0).toUpperCase() + detail.slice(1),
    queueHint,
  };
}

function readyView(ready, games, now) {
  const left = Math.max(0, ready.deadline - now);
  let hint;
  if (ready.answer === "accepted") hint = "You accepted. Waiting for the other players…";
  else hint = "Accept to play. Declining or not answering takes you out of the queue.";
  return {
    mode: queueLabel(games, ready.game, ready.mode),
    players: ready.players.map((p) => ({
      name: p.name,
      rating: typeof p.rating === "number" ? String(Math.round(p.rating)) : "—",
    })),
    secondsLeft: Math.ceil(left / 1000),
    fraction: Math.max(0, Math.min(1, left / ready.totalMs)),
    acceptedText: `${ready.accepted} of ${ready.size} accepted`,
    answer: ready.answer,
    hint,
  };
}
