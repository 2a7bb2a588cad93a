/**
 * Text formatting for the HUD and the lobby. Pure.
 */

/** Milliseconds as a countdown clock `mm:ss`, rounding up so that 0:00 means "now". */
export function formatClock(ms) {
  const total = Math.max(0, Math.ceil((Number(ms) || 0) / 1000));
  const minutes = Math.floor(total / 60);
  const seconds = total % 60;
  return `${String(minutes).padStart(2, "0")}:${String(seconds).padStart(2, "0")}`;
}

/** Milliseconds as an elapsed time `mm:ss`, rounding down so that 00:01 means a whole second. */
export function formatElapsed(ms) {
  const total = Math.max(0, Math.floor((Number(ms) || 0) / 1000));
  const minutes = Math.floor(total / 60);
  const seconds = total % 60;
  return `${String(minutes).padStart(2, "0")}:${String(seconds).padStart(2, "0")}`;
}

/** How long ago an ISO 8601 time was, in words ("just now", "3 min ago"). */
export function timeAgo(isoTime, nowMs) {
  const then = Date.parse(isoTime);
  if (Number.isNaN(then)) return "";
  const seconds = Math.max(0, Math.round((nowMs - then) / 1000));
  if (seconds < 10) return "just now";
  if (seconds < 60) return `${seconds} s ago`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  return `${Math.floor(minutes / 60)} h ago`;
}

/**
 * Players sorted for a scoreboard: by team in team modes (entries with `team`), then by each
 * column of `columns` (`[{name, order}]`) that has an `order` ("desc": most first, "asc": fewest
 * first), then lowest id.
 */
export function rankRoster(roster, columns = []) {
  const keys = columns.filter((column) => column.order === "desc" || column.order === "asc");
  const value = (entry, name) => Number(entry[name]) || 0;
  return [...roster].sort((a, b) => {
    const team = (a.team ?? 0) - (b.team ?? 0);
    if (team) return team;
    for (const { name, order } of keys) {
      const d = value(a, name) - value(b, name);
      if (d) return order === "desc" ? -d : d;
    }
    return a.id - b.id;
  });
}

/** Human text for why a match ended: the runtime's reasons, the games', else the reason in words. */
export function describeEndReason(reason) {
  switch (reason) {
    case "score_limit":
      return "Score limit reached";
    case "time_limit":
      return "Time is up";
    case "abandoned":
      return "Match abandoned";
    case "forfeit":
      return "Won by forfeit: the other side left";
    case "interrupted":
      return "The server stopped the match";
    case "lost":
      return "The server lost the match";
    case "four_in_a_row":
      return "Four in a row";
    case "board_full":
      return "The board is full";
    default: {
      const text = reason ? String(reason).replace(/_/g, " ") : "";
      return text.charAt(0).toUpperCase() + text.slice(1);
    }
  }
}

/** Match id from a location hash like `#match=<id>`, or null. */
export function matchIdFromHash(hash) {
  const params = new URLSearchParams(String(hash ?? "").replace(/^#/, ""));
  const id = params.get("match");
  return id && /^[0-9a-fA-F-]{1,64}$/.test(id) ? id : null;
}

const MATCH_ID = /^[0-9a-fA-F-]{1,64}$/;

/** Match id from a location hash like `#watch/<id>` (the spectator view), or null. */
export function watchIdFromHash(hash) {
  const found = /^#?watch\/([^/?#]+)\/?$/.exec(String(hash ?? ""));
  return found && MATCH_ID.test(found[1]) ? found[1] : null;
}

/** The location hash of the spectator view of a match: `#watch/<id>`. */
export function watchHash(matchId) {
  return `#watch/${matchId}`;
}

/** The match id of a replay link's hash (`#replay/<id>`), or null. */
export function replayIdFromHash(hash) {
  const found = /^#?replay\/([^/?#]+)\/?$/.exec(String(hash ?? ""));
  return found && MATCH_ID.test(found[1]) ? found[1] : null;
}

/** The location hash of a match's replay: `#replay/<id>`. */
export function replayHash(matchId) {
  return `#replay/${matchId}`;
}

/** A spectator count in words ("1 spectator", "3 spectators"); "" for none or unknown. */
export function formatSpectators(count) {
  const n = Number(count);
  if (!Number.isInteger(n) || n <= 0) return "";
  return n === 1 ? "1 spectator" : `${n} spectators`;
}

/** A stream delay in words ("delayed by 5 s", "delayed by 1.5 s"); "" for a live stream. */
export function formatDelay(delayMs) {
  const ms = Number(delayMs);
  if (!Number.isFinite(ms) || ms <= 0) return "";
  const seconds = Math.round(ms / 100) / 10;
  return `delayed by ${seconds || 0.1} s`;
}
