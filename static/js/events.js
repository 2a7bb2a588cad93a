/**
 * What players and spectators see of a snapshot's events: kills in the kill feed, a burst on the
 * canvas where a player was eliminated, a flash on a player who was hit.
 */

import { playerColor } from "./colors.js";
import { EventKind } from "./protocol.js";

/**
 * Show the events of `snapshot`: `hud` and `renderer` as in main.js, `nameOf(id)` the display
 * name, `highlightId` the player whose kills stand out in the feed, `eventTime` the server time
 * of the snapshot's tick (for the canvas effects) and `atMs` the local time (for the feed).
 */
export function showEvents(snapshot, { hud, renderer, nameOf, highlightId, eventTime, atMs }) {
  for (const event of snapshot.events) {
    if (event.kind === EventKind.KILL) {
      hud.addKill(
        { id: event.killerId, name: nameOf(event.killerId) },
        { id: event.victimId, name: nameOf(event.victimId) },
        atMs,
        event.killerId === highlightId || event.victimId === highlightId,
      );
      const victim = snapshot.players.find((p) => p.id === event.victimId);
      if (victim) renderer.addBurst(victim.x, victim.y, playerColor(victim.id, 70), eventTime);
    } else if (event.kind === EventKind.HIT) {
      renderer.addHitFlash(event.victimId, eventTime);
    }
  }
}
