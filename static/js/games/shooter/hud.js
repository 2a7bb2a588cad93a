/**
 * The shooter's own parts of the HUD: the health of the own (or followed) ship as the status
 * line, and the banner over the arena while it waits to respawn. Pure.
 */

import { Phase } from "../../core/protocol.js";
import { shipFlags } from "./wire.js";

/** The status line for ship `id` of `world`: `{text, fraction}` of its health, or null. */
export function healthStatus(world, id, maxHealth = 100) {
  const ship = world?.collections?.players?.get(id);
  if (!ship) return null;
  if (!shipFlags(ship).alive) return { text: "Respawning…", fraction: 0 };
  const health = Math.round(ship.health);
  return { text: `${health} HP`, fraction: health / (maxHealth || 100) };
}

/**
 * The banner while the own ship (or, `spectating`, the followed one) waits to respawn in the
 * running phase: "Eliminated by Bo · respawning…", or null when it is alive.
 */
export function respawnOverlay(world, id, options = {}) {
  const { killedBy = null, nameOf = String, spectating = false } = options;
  if (world?.phase !== Phase.RUNNING) return null;
  const ship = world.collections?.players?.get(id);
  if (!ship || shipFlags(ship).alive) return null;
  if (spectating) return { title: "", subtitle: `${nameOf(id)} was eliminated · respawning…` };
  const by = killedBy;
  const subtitle =
    by === null || by === undefined || by === id
      ? "Respawning…"
      : `Eliminated by ${nameOf(by)} · respawning…`;
  return { title: "", subtitle };
}
