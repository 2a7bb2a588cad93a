/**
 * The football pitch of a WELCOME's `rules` (engine/games/football/rules.py `to_wire`): its size,
 * the goal mouths, the sizes of players and ball, and the markings drawn on it, all in world
 * units (x to the right, y downwards; team 0 defends the left goal). Pure.
 */

/** The engine's default rules, for a WELCOME that leaves something out. */
export const DEFAULT_RULES = Object.freeze({
  width: 1200,
  height: 700,
  goalWidth: 190,
  playerRadius: 16,
  ballRadius: 10,
  kickReach: 14,
  goalPauseMs: 2000,
});
/** How deep a goal's net is drawn behind its line. */
export const NET_DEPTH = 44;
/** What is drawn around the pitch: the nets on the left and right, room for names above. */
export const VIEW_MARGIN = Object.freeze({ x: 64, y: 30 });

function positive(value, fallback) {
  return Number.isFinite(value) && value > 0 ? value : fallback;
}

/**
 * The pitch of `rules` as sent (`pitch: {width, height, goal_top, goal_bottom}`,
 * `player_radius`, `ball_radius`, `goal_pause_ms`, and `kick_reach` if the server says it):
 * `{width, height, goalTop, goalBottom, playerRadius, ballRadius, kickReach, goalPauseMs, view}`
 * where `view` is the world rectangle drawn (`{x, y, width, height}`: the pitch and its margins).
 */
export function pitchOf(rules = {}) {
  const pitch = rules?.pitch ?? {};
  const width = positive(pitch.width, DEFAULT_RULES.width);
  const height = positive(pitch.height, DEFAULT_RULES.height);
  const fallbackTop = (height - Math.min(DEFAULT_RULES.goalWidth, height / 2)) / 2;
  const goalTop = Number.isFinite(pitch.goal_top) ? pitch.goal_top : fallbackTop;
  const goalBottom = Number.isFinite(pitch.goal_bottom) ? pitch.goal_bottom : height - goalTop;
  return Object.freeze({
    width,
    height,
    goalTop,
    goalBottom,
    playerRadius: positive(rules?.player_radius, DEFAULT_RULES.playerRadius),
    ballRadius: positive(rules?.ball_radius, DEFAULT_RULES.ballRadius),
    kickReach: Number.isFinite(rules?.kick_reach) ? rules.kick_reach : DEFAULT_RULES.kickReach,
    goalPauseMs: Number.isFinite(rules?.goal_pause_ms)
      ? rules.goal_pause_ms
      : DEFAULT_RULES.goalPauseMs,
    view: Object.freeze({
      x: -VIEW_MARGIN.x,
      y: -VIEW_MARGIN.y,
      width: width + 2 * VIEW_MARGIN.x,
      height: height + 2 * VIEW_MARGIN.y,
    }),
  });
}

/** The x of the goal line team `team` defends: 0 for team 0 (left), the width for team 1. */
export function goalLineOf(pitch, team) {
  return team === 1 ? pitch.width : 0;
}

/** The side a team's goal is on: -1 (left, team 0) or 1 (right, team 1). */
export function sideOf(team) {
  return team === 1 ? 1 : -1;
}

/**
 * The markings of a pitch, in proportion to a real one (105 × 68 m) of its size, around its own
 * goal mouths: `{centreCircle, spotRadius, penaltyArea, goalArea, penaltySpot, penaltyArc,
 * cornerRadius}`, the areas as `{depth, top, bottom}` (their reach from the goal line, their
 * ends on it), the spot and arc as distances from the goal line and the spot.
 */
export function markingsOf(pitch) {
  const { width, height, goalTop, goalBottom } = pitch;
  const metre = Math.min(width / 105, height / 68);
  const area = (depth, beyondPosts) =>
    Object.freeze({
      depth: Math.min(depth, width / 4),
      top: Math.max(0, goalTop - beyondPosts),
      bottom: Math.min(height, goalBottom + beyondPosts),
    });
  return Object.freeze({
    centreCircle: Math.min(9.15 * metre, height / 2 - 4),
    spotRadius: Math.max(2, 0.3 * metre),
    penaltyArea: area(16.5 * metre, 16.5 * metre),
    goalArea: area(5.5 * metre, 5.5 * metre),
    penaltySpot: Math.min(11 * metre, width / 5),
    penaltyArc: 9.15 * metre,
    cornerRadius: Math.max(4, metre),
  });
}
