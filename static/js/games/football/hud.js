/**
 * Football's words and colours for the HUD: the teams' names and colours, the score line (the
 * status line, the results' summary), what a goal says in the feed and the banner over the
 * pitch after a goal. Pure.
 */

import { Phase } from "../../core/protocol.js";

/** The teams' names: team 0 defends the left goal, team 1 the right one. */
export const TEAM_NAMES = Object.freeze(["Blue", "Red"]);

/** Each team's colours: the shirt, its dark edge, a light tint (names, effects). */
export const TEAM_COLORS = Object.freeze([
  Object.freeze({ shirt: "#2f7bff", edge: "#123a8c", light: "#9cc2ff" }),
  Object.freeze({ shirt: "#f0413f", edge: "#8a1414", light: "#ffaaa5" }),
]);
const NEUTRAL = Object.freeze({ shirt: "#9aa3b5", edge: "#4a5263", light: "#d5dae6" });

/** How long the "GOAL!" banner shows after a goal; the rest of the pause says who kicks off. */
export const GOAL_BANNER_MS = 1400;

/** A team's name: "Blue", "Red" (else "Team 3"...). */
export function teamName(team) {
  return TEAM_NAMES[team] ?? `Team ${Number(team) + 1}`;
}

/** A team's colours (`{shirt, edge, light}`), grey for no team. */
export function teamColors(team) {
  return TEAM_COLORS[team] ?? NEUTRAL;
}

/** The score `[team 0, team 1]` of a decoded or interpolated world (0–0 without one). */
export function scoreOf(world) {
  const globals = world?.globals ?? {};
  return [globals.score0 ?? 0, globals.score1 ?? 0];
}

/** "Blue 2 – 1 Red". */
export function scoreLine([blue, red]) {
  return `${teamName(0)} ${blue} – ${red} ${teamName(1)}`;
}

/**
 * The status line for player `id` (the own one, or the one a spectator follows): the score,
 * then who kicks off while the game waits after a goal, else (until the final whistle) which
 * way the player's team attacks; null before the first snapshot.
 */
export function statusText(world, id = null) {
  if (!world?.globals) return null;
  const line = scoreLine(scoreOf(world));
  if (world.phase === Phase.ENDED) return line;
  if (world.phase === Phase.RUNNING && world.globals.paused) {
    return `${line} · ${teamName(world.globals.kickoff_team)} kicks off`;
  }
  const team = world.roster?.find((entry) => entry.id === id)?.team;
  if (team !== 0 && team !== 1) return line;
  return `${line} · ${teamName(team)} attacks ${team === 0 ? "→" : "←"}`;
}

/** The results' extra line from RESULT's `summary` (`{score: [blue, red]}`): the final score. */
export function summaryText(result) {
  const score = result?.summary?.score;
  if (!Array.isArray(score) || score.length !== 2) return "";
  return `Final score ${scoreLine(score)}`;
}

/**
 * What a goal event (`{team, scorer}`) says in the feed: `{who, text}` with `who` the scorer's
 * id or null; an own goal (a scorer of the other team, from an older server) is named so.
 * `teamOf` maps player ids to teams.
 */
export function goalNote({ team, scorer }, teamOf = new Map()) {
  if (!Number.isInteger(scorer) || scorer < 0) {
    return { who: null, text: `Goal for ${teamName(team)}!` };
  }
  const scorerTeam = teamOf.get(scorer);
  if (scorerTeam !== undefined && scorerTeam !== team) {
    return { who: scorer, text: `scored an own goal (${teamName(team)})` };
  }
  return { who: scorer, text: `scored for ${teamName(team)}!` };
}

/**
 * The banner over the pitch while the game waits after a goal: "GOAL!" with the scorer and the
 * score for GOAL_BANNER_MS after `goal` (`{team, scorer, atMs}`, atMs on the render clock),
 * then who kicks off; null while the ball is in play. `nameOf(id)` names players.
 */
export function pauseBanner(world, goal, renderTime, nameOf = String) {
  if (world?.phase !== Phase.RUNNING || !world.globals?.paused) return null;
  const score = scoreLine(scoreOf(world));
  if (goal && renderTime >= goal.atMs && renderTime - goal.atMs < GOAL_BANNER_MS) {
    const by = Number.isInteger(goal.scorer) && goal.scorer >= 0 ? `${nameOf(goal.scorer)} · ` : "";
    return { title: "GOAL!", subtitle: `${by}${score}`, team: goal.team };
  }
  return { title: "", subtitle: `${teamName(world.globals.kickoff_team)} kicks off · ${score}` };
}
