/**
 * Football in the browser (games/README.md): the pitch, the players and the ball on the canvas
 * (render.js, pitch.js), keys, mouse and a touch stick and button to `[buttons, aim_mrad]`
 * (input.js), the own player predicted through the game's pauses (prediction.js, movement.js),
 * goals in the feed and kicks and goals as effects (events.js) and sounds (sounds.js), the
 * score as the status line and in the results (hud.js).
 */

import { showEvents } from "./events.js";
import { pauseBanner, statusText, summaryText, teamName } from "./hud.js";
import { FootballInput, TOUCH } from "./input.js";
import { pitchOf } from "./pitch.js";
import { FootballPredictor, hasKickoff } from "./prediction.js";
import { Renderer, ballOf, inKickReach, playersOf } from "./render.js";
import { footballSounds } from "./sounds.js";
import { isReconnecting } from "./wire.js";

/** The lobby's and the match screen's help lines. */
export const controls = Object.freeze([
  "[W][A][S][D] or arrow keys to run",
  "Mouse to aim",
  "Click, hold the mouse button or [Space] to kick",
  "Run into the ball to dribble; Blue attacks →, Red ←",
]);

/** Scoreboard and results columns: goals, most first. */
export const COLUMNS = Object.freeze([
  Object.freeze({ name: "goals", title: "Goals", short: "G", order: "desc" }),
]);

/** A player moved further than this (world units) between two snapshots jumped. */
export const PLAYER_JUMP_DISTANCE = 60;
/** The ball moved further than this between two snapshots jumped (back to the centre spot). */
export const BALL_JUMP_DISTANCE = 120;
/** How far from the followed player towards the ball the spectator camera looks (0–1). */
export const FOCUS_TOWARDS_BALL = 0.3;

/**
 * Whether a player or the ball jumped between two snapshots (drawn without interpolation): a
 * kick-off put everything on its spot, or it moved further than a tick can take it.
 */
export function entityJumped(collection, before, after, snapshot) {
  if (hasKickoff(snapshot)) return true;
  const distance = Math.hypot(after.x - before.x, after.y - before.y);
  if (collection === "players") return distance > PLAYER_JUMP_DISTANCE;
  if (collection === "ball") return distance > BALL_JUMP_DISTANCE;
  return false;
}

/** The players whose connection dropped and who wait for it (flag RECONNECTING). */
export function reconnectingPlayers(world) {
  const ids = [];
  for (const player of world?.collections?.players?.values() ?? []) {
    if (isReconnecting(player)) ids.push(player.id);
  }
  return ids;
}

/**
 * Where the spectator camera looks when it follows player `id`: the player, a little towards
 * the ball (so the play stays in view); null when the player is not on the pitch.
 */
export function focusOn(world, id) {
  const player = world?.collections?.players?.get(id);
  if (!player || !Number.isFinite(player.x) || !Number.isFinite(player.y)) return null;
  const ball = ballOf(world);
  if (!ball) return { x: player.x, y: player.y };
  return {
    x: player.x + (ball.x - player.x) * FOCUS_TOWARDS_BALL,
    y: player.y + (ball.y - player.y) * FOCUS_TOWARDS_BALL,
  };
}

/** The touch controls and their help (games/README.md `touch`), also for the lobby's help card. */
export const touch = TOUCH;

/** The module's entry point: football on `canvas` for a parsed WELCOME or SPECTATING. */
export function createGame({ canvas, welcome }) {
  return new FootballGame(canvas, welcome);
}

class FootballGame {
  constructor(canvas, welcome) {
    this.renderer = new Renderer(canvas);
    this.input = new FootballInput();
    this.predictor = new FootballPredictor();
    this.controls = controls;
    this.touch = TOUCH;
    this.sounds = footballSounds;
    this.columns = COLUMNS;
    this.jumped = entityJumped;
    this.reconnectingOf = reconnectingPlayers;
    this.focusOf = focusOn;
    this.teamName = teamName;
    this.summaryText = summaryText;
    this.pitch = pitchOf(welcome?.rules);
    this.avatarRadius = this.pitch.playerRadius;
    this.forget();
  }

  /** Forget the match's effects: the last goal, the kick presses seen. */
  forget() {
    this.lastGoal = null;
    this.kickPressesSeen = this.input.controls.kickPresses;
    this.swingAt = null;
  }

  configure(welcome) {
    this.renderer.configure(welcome);
    this.pitch = pitchOf(welcome.rules);
    this.avatarRadius = this.pitch.playerRadius;
    this.forget();
  }

  draw(scene) {
    const { world, selfId, names, renderTime, now } = scene;
    const players = world ? playersOf(world, scene.teamOf, scene.reconnecting) : null;
    const ball = world ? ballOf(world) : null;
    const self = players?.find((player) => player.id === selfId) ?? null;
    const input = this.input.controls;
    const steering = self !== null && !scene.spectating && input.enabled;
    if (steering) self.aim = input.currentAim();
    if (input.kickPresses !== this.kickPressesSeen) {
      this.kickPressesSeen = input.kickPresses;
      this.swingAt = now;
    }
    const nameOf = (id) => names?.get(id) ?? `Player ${id}`;
    const banner = scene.overlay ?? pauseBanner(world, this.lastGoal, renderTime, nameOf);
    this.renderer.draw({
      players,
      ball,
      selfId,
      names,
      renderTime,
      now,
      overlay: banner,
      camera: scene.camera,
      aim: steering ? { kickReady: inKickReach(this.pitch, self, ball) } : null,
      swingAt: steering ? this.swingAt : null,
    });
    input.anchor = steering ? this.renderer.worldToScreen(self.x, self.y) : null;
  }

  worldToScreen(x, y) {
    return this.renderer.worldToScreen(x, y);
  }

  statusOf(world, selfId) {
    return statusText(world, selfId);
  }

  onEvents(events, ctx) {
    const goal = showEvents(events, ctx, this.renderer);
    if (goal) this.lastGoal = goal;
  }

  destroy() {
    this.input.detach();
    this.renderer.destroy();
  }
}
