/**
 * The arena shooter in the browser (games/README.md): the arena and ships on the canvas
 * (render.js), keys, mouse and touch sticks to `[buttons, aim_mrad]` (input.js), the own ship
 * predicted (prediction.js), kills in the feed, effects, hit markers and callouts (events.js),
 * sounds (sounds.js), health in the HUD (hud.js).
 */

import { showEvents, killedByAfter } from "./events.js";
import { healthStatus, respawnOverlay } from "./hud.js";
import { ShooterInput, TOUCH } from "./input.js";
import { Predictor } from "./prediction.js";
import { Renderer, sceneRules, shipsOf } from "./render.js";
import { ShooterSounds } from "./sounds.js";
import { shipFlags } from "./wire.js";

/** The lobby's and the match screen's help lines. */
export const controls = Object.freeze([
  "[W][A][S][D] or arrow keys to move",
  "Mouse to aim",
  "Click, hold the mouse button or [Space] to fire",
]);

/** Scoreboard and results columns: kills first, then fewest deaths. */
export const COLUMNS = Object.freeze([
  Object.freeze({ name: "score", title: "Kills", short: "K", order: "desc" }),
  Object.freeze({ name: "deaths", title: "Deaths", short: "D", order: "asc" }),
]);

/** A ship moved further than this (world units) between two snapshots jumped (a respawn). */
export const TELEPORT_DISTANCE = 150;

/**
 * Whether a ship jumped between two snapshots (drawn without interpolation): it respawned (a
 * spawn event of the newer snapshot), died or came back to life, or moved further than
 * TELEPORT_DISTANCE. Bullets never jump.
 */
export function shipJumped(collection, before, after, snapshot) {
  if (collection !== "players") return false;
  const events = snapshot?.events ?? [];
  if (events.some((e) => e.kind === "spawn" && e.player === after.id)) return true;
  if (shipFlags(before).alive !== shipFlags(after).alive) return true;
  return Math.hypot(after.x - before.x, after.y - before.y) > TELEPORT_DISTANCE;
}

/** The players whose connection dropped and whose ship waits for them (flag RECONNECTING). */
export function reconnectingShips(world) {
  const ids = [];
  for (const ship of world?.collections?.players?.values() ?? []) {
    if (shipFlags(ship).reconnecting) ids.push(ship.id);
  }
  return ids;
}

/** The touch controls and their help (games/README.md `touch`), also for the lobby's help card. */
export const touch = TOUCH;

/** The module's entry point: the shooter on `canvas` for a parsed WELCOME or SPECTATING. */
export function createGame({ canvas, welcome }) {
  return new ShooterGame(canvas, welcome);
}

class ShooterGame {
  constructor(canvas, welcome) {
    this.canvas = canvas;
    this.renderer = new Renderer(canvas);
    this.input = new ShooterInput();
    this.predictor = new Predictor();
    this.controls = controls;
    this.touch = TOUCH;
    this.soundTrack = new ShooterSounds();
    this.columns = COLUMNS;
    this.avatarRadius = sceneRules(welcome?.rules).rules.playerRadius;
    this.maxHealth = 100;
    this.killedBy = null;
    this.jumped = shipJumped;
    this.reconnectingOf = reconnectingShips;
  }

  configure(welcome) {
    this.renderer.configure(welcome);
    const { rules } = sceneRules(welcome.rules);
    this.avatarRadius = rules.playerRadius;
    this.maxHealth = rules.maxHealth;
    this.killedBy = null;
    this.soundTrack.reset();
  }

  draw({ world, selfId, names, renderTime, overlay, camera, reconnecting, spectating }) {
    const ships = world ? shipsOf(world, reconnecting) : null;
    const self = ships?.find((ship) => ship.id === selfId) ?? null;
    const controls = this.input.controls;
    if (self && !spectating && controls.enabled && self.alive) self.aim = controls.currentAim();
    const banner =
      overlay ??
      respawnOverlay(world, selfId, {
        killedBy: this.killedBy,
        nameOf: (id) => names?.get(id) ?? `Player ${id}`,
        spectating,
      });
    this.renderer.draw({
      ships,
      bullets: world ? [...(world.collections.bullets?.values() ?? [])] : [],
      selfId,
      names,
      renderTime,
      overlay: banner,
      camera,
    });
    controls.anchor = self && !spectating ? this.renderer.worldToScreen(self.x, self.y) : null;
  }

  worldToScreen(x, y) {
    return this.renderer.worldToScreen(x, y);
  }

  statusOf(world, selfId) {
    return healthStatus(world, selfId, this.maxHealth);
  }

  onEvents(events, ctx) {
    showEvents(events, ctx, this.renderer);
    if (ctx.selfId !== null && ctx.selfId !== undefined) {
      this.killedBy = killedByAfter(events, ctx.selfId, this.killedBy);
    }
  }

  sounds(snapshot, ctx) {
    return this.soundTrack.of(snapshot, ctx);
  }

  destroy() {
    this.input.detach();
    this.renderer.destroy();
  }
}
