/**
 * Football's sounds (games/README.md `sounds`): a kick (the own or followed player's loud,
 * others' softer) and a goal, from a snapshot's events. Pure.
 */

/** How loud another player's kick sounds next to the own. */
export const OTHERS_KICK_VOLUME = 0.45;

/** The sounds of a decoded snapshot for player `selfId` (or the followed one). */
export function footballSounds(snapshot, { selfId }) {
  const sounds = [];
  for (const event of snapshot.events ?? []) {
    if (event.kind === "goal") sounds.push("goal");
    else if (event.kind === "kick") {
      sounds.push(event.player === selfId ? "kick" : { name: "kick", volume: OTHERS_KICK_VOLUME });
    }
  }
  return sounds;
}
