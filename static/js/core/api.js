/**
 * HTTP API (protocol section 2): the session, the games on offer, matches and seat tickets.
 */

/** Error from the HTTP API, with the response status (0 when the server was unreachable). */
export class ApiError extends Error {
  constructor(message, status) {
    super(message);
    this.name = "ApiError";
    this.status = status;
  }
}

function csrfToken() {
  const match = /(?:^|;\s*)csrftoken=([^;]+)/.exec(globalThis.document?.cookie ?? "");
  return match ? decodeURIComponent(match[1]) : null;
}

async function request(method, path, body) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    const token = csrfToken();
    if (token) headers["X-CSRFToken"] = token;
  }
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: "no-store",
      credentials: "same-origin",
    });
  } catch {
    throw new ApiError("The server cannot be reached.", 0);
  }
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  if (!response.ok) {
    throw new ApiError(errorText(response.status, data?.error), response.status);
  }
  return data;
}

/** The 403 of a missing session or CSRF token: reloading the page helps. */
const SESSION_TEXT = "Your session is missing or has expired. Reload the page and try again.";

const STATUS_TEXT = {
  404: "That match does not exist.",
  409: "That match is already over.",
  415: "The server refused the request format (this client may be out of date; reload the page).",
  503: "No game engine is available right now. Please try again shortly.",
};

/** Human text for an HTTP error: fixed for the statuses a player can act on, else the server's. */
export function errorText(status, serverText) {
  if (status === 403) {
    const text = typeof serverText === "string" ? serverText.trim() : "";
    if (!text || /^(csrf|no session)/i.test(text)) return SESSION_TEXT;
    return capitalize(text);
  }
  if (STATUS_TEXT[status]) return STATUS_TEXT[status];
  if (typeof serverText === "string" && serverText.trim()) return capitalize(serverText.trim());
  return status >= 500
    ? "Something went wrong on the server. Please try again in a moment."
    : "The server refused the request. Reload the page and try again.";
}

function capitalize(text) {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * `GET /api/session/`: `{name, player_id, ratings: {game: {mode: rating}}, default_rating,
 * signed_in, username}`;
 * also sets the session cookie.
 */
export function getSession() {
  return request("GET", "/api/session/");
}

/**
 * `POST /api/matches/<id>/tickets/` with `{"name": name}`: resolves to
 * `{ticket, ws_path, expires_in_ms}`. A 403 (no session yet) is retried once after
 * `GET /api/session/` has set the cookie.
 */
export async function createTicket(matchId, name) {
  const path = `/api/matches/${encodeURIComponent(matchId)}/tickets/`;
  try {
    return await request("POST", path, { name });
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 403) throw error;
  }
  await getSession();
  return request("POST", path, { name });
}

/**
 * `POST /api/matches/` with `{"game": game, "mode": mode, "listed": listed}`; resolves to the new
 * match object. A listed match is on everyone's open list while it has a free seat.
 */
export function createMatch(game, mode, { listed = false } = {}) {
  return request("POST", "/api/matches/", { game, mode, listed });
}

/**
 * `GET /api/games/`; resolves to the games on offer, in the server's order, each `{name, title,
 * description, modes, schema}` (protocol.js `parseGames` reads them).
 */
export async function listGames() {
  const data = await request("GET", "/api/games/");
  return Array.isArray(data?.games) ? data.games : [];
}

/** `GET /api/matches/`; resolves to the list of open matches. */
export async function listMatches() {
  const data = await request("GET", "/api/matches/");
  return Array.isArray(data?.matches) ? data.matches : [];
}

/** `GET /api/matches/<id>/`; resolves to the match object. */
export function getMatch(matchId) {
  return request("GET", `/api/matches/${encodeURIComponent(matchId)}/`);
}

/**
 * `GET /api/matches/live`; resolves to the live matches (most players first, then newest), each
 * `{id, game, mode, phase, elapsed_ms, players: [{id, name, team?, ...columns}], spectators,
 * max_spectators, watch_path}`.
 */
export async function liveMatches() {
  const data = await request("GET", "/api/matches/live");
  return Array.isArray(data?.matches) ? data.matches : [];
}
