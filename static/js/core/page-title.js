/**
 * The page's title says where the player is: the lobby (searching, a match found), playing or
 * watching a game, or a match that does not exist. Pure.
 */

const SITE = "Arena";

/**
 * The title for `where`: `{view, game, lobby}` with `view` "lobby", "game" (playing), "watch"
 * or "missing", `game` the game's title (for playing and watching) and `lobby` the matchmaking
 * state (matchmaking.js `LobbyState` values: "searching", "ready-check", ...).
 */
export function pageTitle({ view, game = "", lobby = "idle" } = {}) {
  const name = game ? String(game) : "a match";
  if (lobby === "ready-check") return `Match found! · ${SITE}`;
  switch (view) {
    case "game":
      return `Playing ${name} · ${SITE}`;
    case "watch":
      return `Watching ${name} · ${SITE}`;
    case "missing":
      return `No such match · ${SITE}`;
    default:
      return lobby === "searching" ? `Searching for a match · ${SITE}` : `Lobby · ${SITE}`;
  }
}
