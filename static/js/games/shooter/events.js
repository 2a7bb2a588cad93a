/**
 * What players and spectators see of the shooter's events (games/README.md `onEvents`): kills in
 * the feed, a burst on the canvas where a ship was eliminated, a flash on a ship that was hit,
 * the player's own hits (a hit marker) and kills ("You eliminated Bo"), and who eliminated the
 * own ship last (for the "Eliminated by …" banner). Pure but for the effects and feed it is given.
 */

import { playerColor } from "../../core/colors.js";

/** What the killer sees when the own shot eliminated `name`. */
export function eliminatedText(name) {
  return `You eliminated ${name}`;
}

/**
 * Show decoded `events` (`{kind: "kill", killer, victim}`, `{kind: "hit", shooter, victim,
 * damage}`, `{kind: "spawn", player}`): `ctx` is the core's (`addKill`, `announce`, `hitMarker`,
 * `nameOf`, `selfId`, `spectating`, `world` the snapshot they came with, `eventTime` its server
 * time), `effects` the renderer (`addBurst`, `addHitFlash`). The player (not a spectator) gets a
 * hit marker on a ship its shot hit, and "You eliminated <name>" for a kill.
 */
export function showEvents(events, ctx, effects) {
  const own = !ctx.spectating && ctx.selfId !== null && ctx.selfId !== undefined;
  for (const event of events) {
    if (event.kind === "kill") {
      ctx.addKill(event.killer, event.victim);
      const victim = ctx.world?.collections?.players?.get(event.victim);
      if (victim) effects.addBurst(victim.x, victim.y, playerColor(victim.id, 70), ctx.eventTime);
      if (own && event.killer === ctx.selfId && event.victim !== ctx.selfId) {
        ctx.announce?.(eliminatedText(ctx.nameOf(event.victim)), "good");
      }
    } else if (event.kind === "hit") {
      effects.addHitFlash(event.victim, ctx.eventTime);
      if (own && event.shooter === ctx.selfId && event.victim !== ctx.selfId) {
        const victim = ctx.world?.collections?.players?.get(event.victim);
        if (victim) ctx.hitMarker?.(victim.x, victim.y);
      }
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
