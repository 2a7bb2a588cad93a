/**
 * The shooter's sounds (games/README.md `sounds`): shots as they appear (the own loud, others'
 * soft), hits (a tick for the own, a thud when the own ship is hit), kills, being eliminated and
 * respawning, from each snapshot's events and bullets. Pure but for the bullets it remembers.
 */

/** How loud what other ships do sounds next to what the own ship does. */
export const OTHERS_VOLUME = 0.3;

/**
 * The sounds of decoded `events` for player `selfId` (for a spectator the followed player):
 * names or `{name, volume}` of core/sound-recipes.js.
 */
export function eventSounds(events, selfId) {
  const sounds = [];
  for (const event of events) {
    if (event.kind === "hit") {
      if (event.shooter === selfId) sounds.push("hitmarker");
      else if (event.victim === selfId) sounds.push("hurt");
      else sounds.push({ name: "hit", volume: OTHERS_VOLUME });
    } else if (event.kind === "kill") {
      if (event.victim === selfId) sounds.push("death");
      else if (event.killer === selfId) sounds.push("kill");
    } else if (event.kind === "spawn" && event.player === selfId) {
      sounds.push("respawn");
    }
  }
  return sounds;
}

/** The sounds of a match: remembers the bullets of the snapshot before to hear new ones. */
export class ShooterSounds {
  constructor() {
    this.bullets = null;
  }

  /** Forget the bullets (a new match, a reconnect). */
  reset() {
    this.bullets = null;
  }

  /**
   * The sounds of a decoded `snapshot` (`ctx.selfId` the own or followed player): its events',
   * and a shot for each bullet new since the snapshot before (none for the first one seen).
   */
  of(snapshot, { selfId }) {
    const sounds = eventSounds(snapshot.events ?? [], selfId);
    const bullets = snapshot.collections?.bullets;
    if (!bullets) return sounds;
    const seen = this.bullets;
    let own = false;
    let others = false;
    for (const [id, bullet] of bullets) {
      if (seen === null || seen.has(id)) continue;
      if (bullet.owner === selfId) own = true;
      else others = true;
    }
    this.bullets = new Set(bullets.keys());
    if (own) sounds.unshift("fire");
    else if (others) sounds.unshift({ name: "fire", volume: OTHERS_VOLUME });
    return sounds;
  }
}
