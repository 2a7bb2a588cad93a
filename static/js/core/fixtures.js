/**
 * Test fixtures of the node tests (not loaded by the page): the schemas the server's games send
 * in WELCOME (engine/games/<name>/game.py with default options, `Game.wire_schema`) and WELCOME
 * frames around them.
 */

/** The shooter's schema. */
export const SHOOTER_SCHEMA = Object.freeze({
  globals: [],
  collections: [
    {
      name: "players",
      kind: "entities",
      fields: [
        { name: "x", low: 0, high: 16000, scale: 10, delta: "diff", kind: "int", lerp: true },
        { name: "y", low: 0, high: 9000, scale: 10, delta: "diff", kind: "int", lerp: true },
        {
          name: "aim",
          low: -3142,
          high: 3142,
          scale: 1000,
          delta: "diff",
          kind: "angle",
          lerp: true,
        },
        { name: "health", low: 0, high: 100, scale: 1, delta: "value", kind: "int", lerp: false },
        { name: "flags", low: 0, high: 7, scale: 1, delta: "value", kind: "flags", lerp: false },
        {
          name: "ack",
          low: 0,
          high: 4294967295,
          scale: 1,
          delta: "diff",
          kind: "int",
          lerp: false,
        },
      ],
      avatars: true,
    },
    {
      name: "bullets",
      kind: "projectiles",
      fields: [
        { name: "x", low: -351, high: 16351, scale: 10, delta: "value", kind: "int", lerp: false },
        { name: "y", low: -351, high: 9351, scale: 10, delta: "value", kind: "int", lerp: false },
        { name: "dx", low: -351, high: 351, scale: 10, delta: "value", kind: "int", lerp: false },
        { name: "dy", low: -351, high: 351, scale: 10, delta: "value", kind: "int", lerp: false },
        { name: "owner", low: 0, high: 255, scale: 1, delta: "value", kind: "int", lerp: false },
      ],
      avatars: false,
      motion: ["x", "y", "dx", "dy"],
    },
  ],
  events: [
    { kind: 1, name: "kill", args: ["killer", "victim"] },
    { kind: 2, name: "hit", args: ["shooter", "victim", "damage"] },
    { kind: 3, name: "spawn", args: ["player"] },
  ],
  roster: [
    { name: "score", low: 0, high: 10000, scale: 1, delta: "value", kind: "int", lerp: false },
    { name: "deaths", low: 0, high: 10000, scale: 1, delta: "value", kind: "int", lerp: false },
  ],
  inputs: [
    { name: "buttons", low: 0, high: 31, scale: 1, delta: "value", kind: "flags", lerp: false },
    {
      name: "aim",
      low: -3142,
      high: 3142,
      scale: 1000,
      delta: "value",
      kind: "angle",
      lerp: false,
    },
    {
      name: "view_tick",
      low: 0,
      high: 2147483647,
      scale: 1,
      delta: "value",
      kind: "int",
      lerp: false,
      optional: true,
    },
    {
      name: "view_delay",
      low: 0,
      high: 1000,
      scale: 1,
      delta: "value",
      kind: "int",
      lerp: false,
      optional: true,
    },
  ],
});

/** The football's schema. */
export const FOOTBALL_SCHEMA = Object.freeze({
  globals: [
    { name: "score0", low: 0, high: 999, scale: 1, delta: "value", kind: "int", lerp: false },
    { name: "score1", low: 0, high: 999, scale: 1, delta: "value", kind: "int", lerp: false },
    { name: "paused", low: 0, high: 1, scale: 1, delta: "value", kind: "bool", lerp: false },
    { name: "kickoff_team", low: 0, high: 1, scale: 1, delta: "value", kind: "int", lerp: false },
  ],
  collections: [
    {
      name: "players",
      kind: "entities",
      fields: [
        { name: "x", low: 0, high: 12000, scale: 10, delta: "diff", kind: "int", lerp: true },
        { name: "y", low: 0, high: 7000, scale: 10, delta: "diff", kind: "int", lerp: true },
        {
          name: "aim",
          low: -3142,
          high: 3142,
          scale: 1000,
          delta: "diff",
          kind: "angle",
          lerp: true,
        },
        { name: "flags", low: 0, high: 7, scale: 1, delta: "value", kind: "flags", lerp: false },
        {
          name: "ack",
          low: 0,
          high: 4294967295,
          scale: 1,
          delta: "diff",
          kind: "int",
          lerp: false,
        },
      ],
      avatars: true,
    },
    {
      name: "ball",
      kind: "entities",
      fields: [
        { name: "x", low: -576, high: 12576, scale: 10, delta: "diff", kind: "int", lerp: true },
        { name: "y", low: 0, high: 7000, scale: 10, delta: "diff", kind: "int", lerp: true },
      ],
      avatars: false,
    },
  ],
  events: [
    { kind: 1, name: "goal", args: ["team", "scorer"] },
    { kind: 2, name: "kick", args: ["player"] },
    { kind: 3, name: "kickoff", args: ["team"] },
  ],
  roster: [{ name: "goals", low: 0, high: 999, scale: 1, delta: "value", kind: "int", lerp: false }],
  inputs: [
    { name: "buttons", low: 0, high: 31, scale: 1, delta: "value", kind: "flags", lerp: false },
    {
      name: "aim",
      low: -3142,
      high: 3142,
      scale: 1000,
      delta: "value",
      kind: "angle",
      lerp: false,
    },
  ],
});

/** The connect4's schema. */
export const CONNECT4_SCHEMA = Object.freeze({
  globals: [
    {
      name: "board",
      low: 0,
      high: 2,
      scale: 1,
      delta: "value",
      kind: "int",
      lerp: false,
      length: 42,
    },
    {
      name: "turn",
      low: -1,
      high: 2147483647,
      scale: 1,
      delta: "value",
      kind: "int",
      lerp: false,
    },
    {
      name: "deadline",
      low: 0,
      high: 2147483647,
      scale: 1,
      delta: "value",
      kind: "int",
      lerp: false,
    },
    { name: "moves", low: 0, high: 42, scale: 1, delta: "value", kind: "int", lerp: false },
  ],
  collections: [],
  events: [
    { kind: 1, name: "drop", args: ["player", "column", "row"] },
    { kind: 2, name: "win", args: ["player"] },
    { kind: 3, name: "timeout", args: ["player"] },
  ],
  roster: [{ name: "disc", low: 0, high: 2, scale: 1, delta: "value", kind: "int", lerp: false }],
  inputs: [
    { name: "column", low: 0, high: 6, scale: 1, delta: "value", kind: "int", lerp: false },
    { name: "move", low: 1, high: 42, scale: 1, delta: "value", kind: "int", lerp: false },
  ],
});

/** The shooter's rules with default options (`Rules.to_wire()`). */
export const SHOOTER_RULES = Object.freeze({
  player_radius: 18.0,
  bullet_radius: 4.0,
  max_health: 100,
  max_speed: 260.0,
  acceleration: 2400.0,
  friction: 1800.0,
  bullet_speed: 700.0,
  fire_cooldown_ms: 250,
  respawn_delay_ms: 2000,
  spawn_protection_ms: 1000,
  score_limit: 10,
  rewind_limit_ms: 300,
  fog_radius: 0.0,
  arena: {
    width: 1600.0,
    height: 900.0,
    walls: [
      [300.0, 300.0, 40.0, 300.0],
      [1260.0, 300.0, 40.0, 300.0],
      [650.0, 160.0, 300.0, 40.0],
      [650.0, 700.0, 300.0, 40.0],
      [760.0, 410.0, 80.0, 80.0],
    ],
  },
});

/** Football's rules with default options (`FootballRules.to_wire()`). */
export const FOOTBALL_RULES = Object.freeze({
  pitch: { width: 1200.0, height: 700.0, goal_top: 255.0, goal_bottom: 445.0 },
  player_radius: 16.0,
  ball_radius: 10.0,
  max_speed: 240.0,
  acceleration: 2000.0,
  friction: 1600.0,
  score_limit: 0,
  goal_pause_ms: 2000,
});

/** What a WELCOME of each game says besides its schema: its mode, teams, seats and rules. */
const WELCOME_OF_GAME = Object.freeze({
  shooter: { mode: "ffa", teams: 0, max_players: 8, rules: SHOOTER_RULES },
  football: { mode: "1v1", teams: 2, max_players: 2, rules: FOOTBALL_RULES },
});
const WELCOME_OF_OTHER_GAMES = Object.freeze({
  mode: "classic",
  teams: 0,
  max_players: 8,
  rules: {},
});

/**
 * A decoded WELCOME `[10, {...}]` of `game` with its wire `schema`; `extra` keys on top (snake_case
 * as on the wire).
 */
export function welcomeFrame(game, schema, extra = {}) {
  const ofGame = WELCOME_OF_GAME[game] ?? WELCOME_OF_OTHER_GAMES;
  return [
    10,
    {
      protocol: 2,
      match_id: "5f0c",
      game,
      ...ofGame,
      min_players: 2,
      tick_rate: 20,
      snapshots: "every_tick",
      countdown_ms: 3000,
      time_limit_ms: 180000,
      reconnect_grace_ms: 20000,
      schema,
      player_id: 3,
      team: ofGame.teams ? 0 : null,
      ack: 0,
      spectators: 0,
      ...extra,
    },
  ];
}
