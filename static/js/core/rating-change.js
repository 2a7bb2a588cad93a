/**
 * The rating change of a ranked match on the results screen: the server stores the ratings a
 * moment after RESULT (protocol section 2: the match object's `result.ratings`), so the page
 * asks the match API until the match is recorded, then shows "1500 → 1516 (+16)" per player.
 */

import { getMatch } from "./api.js";

/** How long (ms) to wait before each look at the match API after RESULT. */
export const RATING_POLL_DELAYS_MS = Object.freeze([250, 500, 750, 1000, 1500, 2000, 3000, 4000]);

/**
 * A result's `ratings` (`[{id, before, after}]`, as the match API gives them) as a Map player
 * id → `{before, after, change}`; an empty Map for none or anything malformed.
 */
export function parseRatingChanges(wire) {
  const changes = new Map();
  for (const entry of Array.isArray(wire) ? wire : []) {
    const { id, before, after } = entry ?? {};
    if (!Number.isInteger(id) || !Number.isFinite(before) || !Number.isFinite(after)) continue;
    const from = Math.round(before);
    const to = Math.round(after);
    changes.set(id, { before: from, after: to, change: to - from });
  }
  return changes;
}

/** "1500 → 1516 (+16)", "1516 → 1500 (−16)", "1500 → 1500 (±0)". */
export function formatRatingChange({ before, after, change = after - before }) {
  const sign = change > 0 ? "+" : change < 0 ? "−" : "±";
  return `${before} → ${after} (${sign}${Math.abs(change)})`;
}

/**
 * The rating changes of match `matchId` once the server has recorded it: a Map (empty for a
 * match that changed no rating: private, abandoned), or null when it is not recorded within the
 * delays or `isCurrent()` turns false (the page moved on). `fetchMatch` and `sleep` are for tests.
 */
export async function waitForRatingChanges(matchId, options = {}) {
  const {
    isCurrent = () => true,
    fetchMatch = getMatch,
    delays = RATING_POLL_DELAYS_MS,
    sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  } = options;
  for (const delay of delays) {
    await sleep(delay);
    if (!isCurrent()) return null;
    let match;
    try {
      match = await fetchMatch(matchId);
    } catch (error) {
      if (error?.status === 404) return new Map();
      continue; // the server is busy or unreachable for a moment: look again
    }
    if (!isCurrent()) return null;
    if (match?.status === "over" && match.result) {
      return match.ranked === false ? new Map() : parseRatingChanges(match.result.ratings);
    }
  }
  return null;
}
