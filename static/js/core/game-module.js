/**
 * The game modules of static/js/games/ (games/README.md) as the core uses them: loading a game's
 * module when a WELCOME names it, one game object per match session, and the defaults for what a
 * module may leave out (scoreboard columns, team names, where avatars are on the page).
 */

import { defaultTeamName } from "./hud.js";
import { defaultColumns } from "./schema.js";

/** Where the game modules live: `/static/js/games/<name>/index.js`. */
export const GAMES_PATH = "/static/js/games";
/** What a game name may be (engine/games registry names). */
const GAME_NAME = /^[a-z][a-z0-9_]{0,31}$/;
/** The radius (CSS pixels) an avatar is taken to have on the page when the game does not say. */
const DEFAULT_AVATAR_PX = 12;

/** The module path of a game, or null for a name that cannot be one. */
export function gameModulePath(name) {
  return GAME_NAME.test(String(name ?? "")) ? `${GAMES_PATH}/${name}/index.js` : null;
}

/** Thrown when the page has no module for a game, or its module cannot be loaded. */
export class GameUnavailable extends Error {
  constructor(game, cause = null) {
    super(`This page cannot show the game "${game}".`);
    this.name = "GameUnavailable";
    this.game = game;
    this.cause = cause;
  }
}

const modules = new Map();

/**
 * The module of game `name` (a promise, loaded once per page); rejects with GameUnavailable.
 * `importModule(path)` is `import()` unless replaced (tests).
 */
export function loadGameModule(name, importModule = (path) => import(path)) {
  const path = gameModulePath(name);
  if (path === null) return Promise.reject(new GameUnavailable(name));
  if (!modules.has(path)) {
    const loading = Promise.resolve()
      .then(() => importModule(path))
      .then((module) => {
        if (typeof module?.createGame !== "function") throw new Error("no createGame");
        return module;
      })
      .catch((error) => {
        modules.delete(path);
        throw new GameUnavailable(name, error);
      });
    modules.set(path, loading);
  }
  return modules.get(path);
}

/**
 * The game object of one match session (a MatchView): made by the game's module on the
 * session's first WELCOME or SPECTATING, configured with every later one, destroyed with the
 * session. `canvas` is the page's canvas; `load(name)` loads a module (`loadGameModule`).
 */
export class GameSlot {
  constructor(canvas, load = loadGameModule) {
    this.canvas = canvas;
    this.load = load;
    this.game = null;
    this.welcome = null;
    this.loading = null;
    this.disposed = false;
  }

  /**
   * Take a parsed WELCOME or SPECTATING: the game object, configured with it (a promise; the same
   * object for the whole session). Rejects with GameUnavailable; resolves null once disposed.
   */
  async use(welcome) {
    this.welcome = welcome;
    if (!this.game) {
      if (!this.loading) {
        this.loading = this.load(welcome.game).then((module) =>
          module.createGame({ canvas: this.canvas, welcome }),
        );
      }
      const game = await this.loading;
      if (this.disposed) {
        game.destroy?.();
        return null;
      }
      this.game = game;
    }
    if (this.disposed) return null;
    this.game.configure(this.welcome);
    return this.game;
  }

  /** The session is over: the game object (if any) is destroyed, a late one too. */
  dispose() {
    this.disposed = true;
    const game = this.game;
    this.game = null;
    game?.destroy?.();
  }
}

/** The scoreboard's and results' columns: the game's, else the schema's roster fields. */
export function columnsOf(game, schema) {
  return Array.isArray(game?.columns) ? game.columns : defaultColumns(schema);
}

/** A team's name: the game's `teamName(team)`, else "Team 1", "Team 2". */
export function teamNameOf(game) {
  return (team) => game?.teamName?.(team) ?? defaultTeamName(team);
}

/**
 * The help lines of the match screen: the game's touch help on a page used by touch (`touchMode`)
 * when it has one, else its `controls`.
 */
export function helpLinesOf(game, touchMode = false) {
  const touchHelp = Array.isArray(game?.touch?.help) ? game.touch.help : [];
  if (touchMode && touchHelp.length) return touchHelp;
  return Array.isArray(game?.controls) ? game.controls : [];
}

/**
 * Where a world point is on the stage, the canvas's parent (CSS pixels from its top left), by
 * the game's `worldToScreen`; null without it. For what the HUD puts over the field (the hit
 * marker).
 */
export function stagePoint(game, canvas, x, y) {
  if (typeof game?.worldToScreen !== "function" || !Number.isFinite(x) || !Number.isFinite(y)) {
    return null;
  }
  const at = game.worldToScreen(x, y);
  return { x: (canvas.offsetLeft || 0) + at.x, y: (canvas.offsetTop || 0) + at.y };
}

/** The players the game says are reconnecting in `world` (its `reconnectingOf`), a Set of ids. */
export function reconnectingIn(game, world) {
  if (!world || typeof game?.reconnectingOf !== "function") return new Set();
  return new Set(game.reconnectingOf(world) ?? []);
}

/** The entity of player `id` in the avatars collection of a decoded `world`, or null. */
export function avatarOf(schema, world, id) {
  if (!world || !schema?.avatars || id === null || id === undefined) return null;
  return world.collections?.[schema.avatars.name]?.get(id) ?? null;
}

/**
 * Where the avatars of `world` are on the page (CSS pixels) and their radius there, from the
 * game's `worldToScreen` and `avatarRadius`; `box` is the canvas's bounding rectangle. No points
 * without `worldToScreen`. What the HUD keeps clear (`Hud.keepClear`).
 */
export function avatarsOnPage(game, schema, world, box) {
  const avatars = schema?.avatars ? world?.collections?.[schema.avatars.name] : null;
  if (!avatars || typeof game?.worldToScreen !== "function") return { points: [], radius: 0 };
  const points = [];
  let radius = DEFAULT_AVATAR_PX;
  for (const entity of avatars.values()) {
    if (!Number.isFinite(entity.x) || !Number.isFinite(entity.y)) continue;
    const at = game.worldToScreen(entity.x, entity.y);
    points.push({ id: entity.id, x: box.left + at.x, y: box.top + at.y });
    if (game.avatarRadius > 0 && points.length === 1) {
      const edge = game.worldToScreen(entity.x + game.avatarRadius, entity.y);
      radius = Math.hypot(edge.x - at.x, edge.y - at.y);
    }
  }
  return { points, radius };
}

/**
 * Clear `canvas` to the stage's colour with `text` in its middle: what shows while no game
 * module draws (before WELCOME, while its module loads).
 */
export function clearCanvas(canvas, text = "") {
  const ctx = canvas.getContext("2d");
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.fillStyle = "#07090e";
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  if (!text) return;
  const size = Math.max(14, Math.round(canvas.height / 18));
  ctx.font = `600 ${size}px system-ui, sans-serif`;
  ctx.textAlign = "center";
  ctx.textBaseline = "middle";
  ctx.fillStyle = "#aab6cf";
  ctx.fillText(text, canvas.width / 2, canvas.height / 2);
}
