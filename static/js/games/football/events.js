/**
 * What players and spectators see of football's events (games/README.md `onEvents`): goals in
 * the feed with the net flashing, a ring where the ball was kicked, and the last goal (for the
 * banner over the pitch). Pure but for the feed and effects it is given.
 */

import { goalNote } from "./hud.js";

/** Player id → team of a decoded snapshot's roster (team modes). */
export function teamsOf(world) {
  const teams = new Map();
  for (const entry of world?.roster ?? []) {
    if (entry.team !== undefined && entry.team !== null) teams.set(entry.id, entry.team);
  }
  return teams;
}

/**
 * Show decoded `events` (`{kind: "goal", team, scorer}`, `{kind: "kick", player}`, `{kind:
 * "kickoff", team}`): `ctx` is the core's (`addNote`, `world` the snapshot they came with,
 * `eventTime` its server time), `effects` the renderer (`addGoal`, `addKick`). Returns the last
 * goal as `{team, scorer, atMs}`, or null without one.
 */
export function showEvents(events, ctx, effects) {
  const teams = teamsOf(ctx.world);
  let goal = null;
  for (const event of events) {
    if (event.kind === "goal") {
      const { who, text } = goalNote(event, teams);
      ctx.addNote(who, text);
      effects.addGoal(event.team, ctx.eventTime);
      goal = { team: event.team, scorer: event.scorer, atMs: ctx.eventTime };
    } else if (event.kind === "kick") {
      const ball = ctx.world?.collections?.ball?.values().next().value;
      const team = teams.get(event.player) ?? null;
      if (ball) effects.addKick(event.player, ball.x, ball.y, team, ctx.eventTime);
    }
  }
  return goal;
}
