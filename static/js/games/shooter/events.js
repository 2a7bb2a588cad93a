/**
 * What players and spectators see of the shooter's events (games/README.md `onEvents`): kills in
 * the feed, a burst on the canvas where a ship was eliminated, a flash on a ship that was hit,
 * and who eliminated the own ship last (for the "Eliminated by …" banner). Pure but for the
 * effects and feed it is given.
 */

import { playerColor } from "../../core/colors.js";

/**
 * Show decoded `events` (`{kind: "kill", killer, victim}`, `{kind: "hit", shooter, victim,
 * damage}`, `{kind: "spawn", player}`): `ctx` is the core's (`addKill`, `world` the snapshot they
 * came with, `eventTime` its server time), `effects` the renderer (`addBurst`, `addHitFlash`).
 */
export function showEvents(events, ctx, effects) {
  for (const event of events) {
    if (event.kind === "kill") {
      ctx.addKill(event.killer, event.victim);
      const victim = ctx.world?.collections?.players?.get(event.victim);
      if (victim) effects.addBurst(victim.x, victim.y, playerColor(victim.id, 70), ctx.eventTime);
    } else if (event.kind === "hit") {
      effects.addHitFlash(event.victim, ctx.eventTime);
    }
  }
}

/**
 * Who eliminated player `selfId` after `events`: the killer of its last kill, null again once it
 * respawned, else `killedBy` as it was.
 */
export function killedByAfter(events, selfId, killedBy) {
  let by = killedBy;
  for (const event of events) {
    if (event.kind === "kill" && event.victim === selfId) by = event.killer;
    else if (event.kind === "spawn" && event.player === selfId) by = null;
  }
  return by;
}
