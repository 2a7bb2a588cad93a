/**
 * HTTP API of the lobby (protocol section 2): create, list and look up matches.
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
    throw new ApiError(data?.error || errorText(response.status), response.status);
  }
  return data;
}

function errorText(status) {
  if (status === 404) return "That match does not exist.";
  if (status === 503) return "No game engine is available right now. Please try again shortly.";
  return `The server answered with an error (${status}).`;
}

/** `POST /api/matches/` with `{"mode": mode}`; resolves to the new match object. */
export function createMatch(mode) {
  return request("POST", "/api/matches/", { mode });
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
