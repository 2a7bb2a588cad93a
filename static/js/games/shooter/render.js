/**
 * Canvas drawing of the shooter's arena: floor, walls, bullets, ships, short-lived effects and
 * the centred overlay text. Draws in world units; the canvas keeps the arena's aspect ratio and
 * shows the whole arena, or the part a camera (`{x, y, zoom}`, core/follow.js) looks at.
 */

import { healthColor, playerColor } from "../../core/colors.js";
import { shipFlags } from "./wire.js";

export const DEFAULT_ARENA = Object.freeze({ width: 1600, height: 900, walls: [] });
const DEFAULT_RULES = Object.freeze({ playerRadius: 20, bulletRadius: 4, maxHealth: 100 });
const HIT_FLASH_MS = 140;
const BURST_MS = 450;
const GRID_STEP = 100;
const BULLET_TRAIL_MS = 40;
const MIN_BULLET_PX = 2.5;
const MIN_NAME_PX = 11;
const MIN_TAG_PX = 9;
/** Opacity of a ship whose player's connection dropped (it waits, idle, for the player). */
const RECONNECTING_ALPHA = 0.42;

/**
 * The arena and the sizes a renderer needs from a WELCOME's `rules` (the shooter's, as sent):
 * `{arena: {width, height, walls: [{x, y, w, h}]}, rules: {playerRadius, bulletRadius,
 * maxHealth}}`.
 */
export function sceneRules(rules = {}) {
  const arena = rules?.arena ?? {};
  return {
    arena: {
      width: arena.width || DEFAULT_ARENA.width,
      height: arena.height || DEFAULT_ARENA.height,
      walls: (arena.walls ?? []).map(([x, y, w, h]) => ({ x, y, w, h })),
    },
    rules: {
      playerRadius: rules?.player_radius ?? DEFAULT_RULES.playerRadius,
      bulletRadius: rules?.bullet_radius ?? DEFAULT_RULES.bulletRadius,
      maxHealth: rules?.max_health ?? DEFAULT_RULES.maxHealth,
    },
  };
}

/**
 * The ships of an interpolated world as the renderer draws them: the `players` entities with
 * `alive`, `protected` and `reconnecting` (its flag, or its id in `reconnecting`). Pure.
 */
export function shipsOf(world, reconnecting = new Set()) {
  const ships = [];
  for (const ship of world?.collections?.players?.values() ?? []) {
    const flags = shipFlags(ship);
    const waiting = flags.reconnecting || reconnecting.has(ship.id);
    ships.push({ ...ship, ...flags, reconnecting: waiting });
  }
  return ships;
}

/** Draws the game on one canvas element. */
export class Renderer {
  /** Attach to `canvas`; it is sized to fit its parent element (until `destroy`). */
  constructor(canvas) {
    this.canvas = canvas;
    this.ctx = canvas.getContext("2d");
    this.arena = DEFAULT_ARENA;
    this.rules = DEFAULT_RULES;
    this.tickMs = 50;
    this.scale = 1;
    this.dpr = 1;
    this.effects = [];
    this.camera = null;
    this.resizeObserver = new ResizeObserver(() => this.resize());
    this.resizeObserver.observe(canvas.parentElement);
    this.resize();
  }

  /** Use the arena and rules of a parsed WELCOME or SPECTATING (`{rules, tickRate}`). */
  configure({ rules, tickRate } = {}) {
    const scene = sceneRules(rules);
    this.arena = scene.arena;
    this.rules = scene.rules;
    this.tickMs = 1000 / (tickRate || 20);
    this.effects = [];
    this.resize();
  }

  /** Stop following the size of the canvas's parent. */
  destroy() {
    this.resizeObserver.disconnect();
  }

  /** Fit the canvas to its parent, keeping the arena's aspect ratio, at device resolution. */
  resize() {
    const parent = this.canvas.parentElement;
    const availableWidth = Math.max(1, parent.clientWidth);
    const availableHeight = Math.max(1, parent.clientHeight);
    const scale = Math.min(availableWidth / this.arena.width, availableHeight / this.arena.height);
    const cssWidth = Math.floor(this.arena.width * scale);
    const cssHeight = Math.floor(this.arena.height * scale);
    this.scale = cssWidth / this.arena.width;
    this.dpr = window.devicePixelRatio || 1;
    this.canvas.style.width = `${cssWidth}px`;
    this.canvas.style.height = `${cssHeight}px`;
    const pixelWidth = Math.max(1, Math.round(cssWidth * this.dpr));
    const pixelHeight = Math.max(1, Math.round(cssHeight * this.dpr));
    if (this.canvas.width !== pixelWidth) this.canvas.width = pixelWidth;
    if (this.canvas.height !== pixelHeight) this.canvas.height = pixelHeight;
  }

  /** Canvas CSS-pixel position of a world point, as last drawn. */
  worldToScreen(x, y) {
    const camera = this.camera;
    if (!camera) return { x: x * this.scale, y: y * this.scale };
    const k = this.scale * camera.zoom;
    const cssWidth = this.arena.width * this.scale;
    const cssHeight = this.arena.height * this.scale;
    return { x: cssWidth / 2 + (x - camera.x) * k, y: cssHeight / 2 + (y - camera.y) * k };
  }

  /** Queue a hit flash on a player, starting at server time `atMs`. */
  addHitFlash(playerId, atMs) {
    this.effects.push({ kind: "flash", playerId, start: atMs, end: atMs + HIT_FLASH_MS });
  }

  /** Queue a burst ring at a world point, starting at server time `atMs`. */
  addBurst(x, y, color, atMs) {
    this.effects.push({ kind: "burst", x, y, color, start: atMs, end: atMs + BURST_MS });
  }

  /**
   * Draw one frame. `scene`: `{ships, bullets, selfId, names, renderTime, overlay, camera}` where
   * `ships` are as `shipsOf` gives them (or null before the first snapshot; one `reconnecting`
   * is drawn dimmed, labelled "reconnecting…"), `bullets` the world's bullets (`{id, x, y, dx,
   * dy, owner}`, dx and dy per tick), `selfId` the ship drawn highlighted, `names` a Map id →
   * name, `renderTime` the server time shown, `overlay` null or `{title, subtitle}` (an empty
   * title draws a small banner) and `camera` null (the whole arena) or `{x, y, zoom}`.
   */
  draw(scene) {
    const { ctx } = this;
    const { ships, bullets, renderTime = 0, camera = null } = scene;
    this.effects = this.effects.filter((effect) => effect.end > renderTime - 1000);
    const k = this.dpr * this.scale;
    this.camera = camera;
    if (camera) {
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.fillStyle = "#07090e";
      ctx.fillRect(0, 0, this.canvas.width, this.canvas.height);
      const kz = k * camera.zoom;
      const dx = this.canvas.width / 2 - camera.x * kz;
      const dy = this.canvas.height / 2 - camera.y * kz;
      ctx.setTransform(kz, 0, 0, kz, dx, dy);
    } else {
      ctx.setTransform(k, 0, 0, k, 0, 0);
    }
    this.drawFloor();
    this.drawWalls();
    if (ships) {
      this.drawBursts(renderTime);
      this.drawBullets(bullets ?? []);
      this.drawPlayers(ships, scene.selfId, scene.names, renderTime);
    }
    if (scene.overlay) {
      ctx.setTransform(k, 0, 0, k, 0, 0);
      this.drawOverlay(scene.overlay);
    }
  }

  drawFloor() {
    const { ctx } = this;
    const { width, height } = this.arena;
    ctx.fillStyle = "#141925";
    ctx.fillRect(0, 0, width, height);
    ctx.strokeStyle = "rgba(148, 170, 214, 0.07)";
    ctx.lineWidth = 1;
    ctx.beginPath();
    for (let x = GRID_STEP; x < width; x += GRID_STEP) {
      ctx.moveTo(x, 0);
      ctx.lineTo(x, height);
    }
    for (let y = GRID_STEP; y < height; y += GRID_STEP) {
      ctx.moveTo(0, y);
      ctx.lineTo(width, y);
    }
    ctx.stroke();
    ctx.strokeStyle = "#4d5d80";
    ctx.lineWidth = 6;
    ctx.strokeRect(3, 3, width - 6, height - 6);
  }

  drawWalls() {
    const { ctx } = this;
    for (const wall of this.arena.walls) {
      ctx.fillStyle = "#2a3347";
      ctx.fillRect(wall.x, wall.y, wall.w, wall.h);
      ctx.strokeStyle = "#56678f";
      ctx.lineWidth = 2;
      ctx.strokeRect(wall.x + 1, wall.y + 1, wall.w - 2, wall.h - 2);
    }
  }

  drawBullets(bullets) {
    const { ctx } = this;
    const radius = Math.max(this.rules.bulletRadius, MIN_BULLET_PX / this.scale);
    ctx.lineCap = "round";
    const trail = BULLET_TRAIL_MS / this.tickMs;
    for (const bullet of bullets) {
      const color = playerColor(bullet.owner, 78);
      if (bullet.dx || bullet.dy) {
        const tailX = bullet.x - bullet.dx * trail;
        const tailY = bullet.y - bullet.dy * trail;
        const gradient = ctx.createLinearGradient(tailX, tailY, bullet.x, bullet.y);
        gradient.addColorStop(0, "rgba(255, 255, 255, 0)");
        gradient.addColorStop(1, color);
        ctx.strokeStyle = gradient;
        ctx.lineWidth = radius * 1.4;
        ctx.beginPath();
        ctx.moveTo(tailX, tailY);
        ctx.lineTo(bullet.x, bullet.y);
        ctx.stroke();
      }
      ctx.fillStyle = color;
      ctx.beginPath();
      ctx.arc(bullet.x, bullet.y, radius, 0, Math.PI * 2);
      ctx.fill();
    }
  }

  drawPlayers(players, selfId, names, renderTime) {
    const ordered = [...players].sort(
      (a, b) => Number(a.alive) - Number(b.alive) || Number(a.id === selfId) - Number(b.id === selfId),
    );
    for (const player of ordered) {
      const flashing = this.effects.some(
        (e) => e.kind === "flash" && e.playerId === player.id && e.start <= renderTime && renderTime < e.end,
      );
      this.drawPlayer(player, player.id === selfId, names?.get(player.id), flashing, renderTime);
    }
  }

  drawPlayer(player, isSelf, name, flashing, renderTime) {
    const { ctx } = this;
    const r = this.rules.playerRadius;
    const { x, y } = player;
    ctx.save();
    const alpha = player.alive ? 1 : 0.28;
    ctx.globalAlpha = player.reconnecting ? Math.min(alpha, RECONNECTING_ALPHA) : alpha;

    if (player.alive && player.protected) {
      ctx.strokeStyle = "rgba(140, 220, 255, 0.85)";
      ctx.lineWidth = 2.5;
      ctx.setLineDash([7, 6]);
      ctx.lineDashOffset = -renderTime / 40;
      ctx.beginPath();
      ctx.arc(x, y, r + 9, 0, Math.PI * 2);
      ctx.stroke();
      ctx.setLineDash([]);
    }

    if (player.alive) {
      ctx.strokeStyle = playerColor(player.id, 82);
      ctx.lineWidth = 6;
      ctx.lineCap = "round";
      ctx.beginPath();
      ctx.moveTo(x + Math.cos(player.aim) * r * 0.4, y + Math.sin(player.aim) * r * 0.4);
      ctx.lineTo(x + Math.cos(player.aim) * (r + 14), y + Math.sin(player.aim) * (r + 14));
      ctx.stroke();
    }

    ctx.fillStyle = flashing ? "#ffffff" : playerColor(player.id, 58);
    ctx.beginPath();
    ctx.arc(x, y, r, 0, Math.PI * 2);
    ctx.fill();
    ctx.strokeStyle = isSelf ? "#ffffff" : playerColor(player.id, 32);
    ctx.lineWidth = isSelf ? 3.5 : 2.5;
    ctx.stroke();

    if (!player.alive) {
      ctx.strokeStyle = "#ffffff";
      ctx.lineWidth = 3;
      const d = r * 0.45;
      ctx.beginPath();
      ctx.moveTo(x - d, y - d);
      ctx.lineTo(x + d, y + d);
      ctx.moveTo(x + d, y - d);
      ctx.lineTo(x - d, y + d);
      ctx.stroke();
    }

    const barWidth = r * 2 + 8;
    const barTop = y - r - 14;
    if (player.alive) {
      const fraction = Math.max(0, Math.min(1, player.health / (this.rules.maxHealth || 100)));
      ctx.fillStyle = "rgba(0, 0, 0, 0.55)";
      ctx.fillRect(x - barWidth / 2 - 1, barTop - 1, barWidth + 2, 7);
      ctx.fillStyle = healthColor(fraction);
      ctx.fillRect(x - barWidth / 2, barTop, barWidth * fraction, 5);
    }

    if (name) {
      const fontSize = Math.max(15, MIN_NAME_PX / this.scale);
      ctx.font = `${isSelf ? "700" : "500"} ${fontSize.toFixed(1)}px system-ui, sans-serif`;
      ctx.textAlign = "center";
      ctx.textBaseline = "bottom";
      ctx.lineWidth = 4;
      ctx.strokeStyle = "rgba(8, 10, 16, 0.85)";
      ctx.strokeText(name, x, barTop - 4);
      ctx.fillStyle = isSelf ? "#ffffff" : "#d5dcec";
      ctx.fillText(name, x, barTop - 4);
    }

    if (player.reconnecting) {
      ctx.globalAlpha = 0.9;
      const fontSize = Math.max(12, MIN_TAG_PX / this.scale);
      ctx.font = `italic 500 ${fontSize.toFixed(1)}px system-ui, sans-serif`;
      ctx.textAlign = "center";
      ctx.textBaseline = "top";
      ctx.lineWidth = 3;
      ctx.strokeStyle = "rgba(8, 10, 16, 0.85)";
      ctx.strokeText("reconnecting…", x, y + r + 6);
      ctx.fillStyle = "#aab6cf";
      ctx.fillText("reconnecting…", x, y + r + 6);
    }
    ctx.restore();
  }

  drawBursts(renderTime) {
    const { ctx } = this;
    const r = this.rules.playerRadius;
    for (const effect of this.effects) {
      if (effect.kind !== "burst" || renderTime < effect.start || renderTime >= effect.end) continue;
      const progress = (renderTime - effect.start) / (effect.end - effect.start);
      ctx.save();
      ctx.globalAlpha = 1 - progress;
      ctx.strokeStyle = effect.color;
      ctx.lineWidth = 4 * (1 - progress) + 1;
      ctx.beginPath();
      ctx.arc(effect.x, effect.y, r + progress * r * 2.5, 0, Math.PI * 2);
      ctx.stroke();
      ctx.restore();
    }
  }

  drawOverlay({ title, subtitle }) {
    const { ctx } = this;
    const { width, height } = this.arena;
    ctx.save();
    ctx.textAlign = "center";
    ctx.textBaseline = "middle";
    if (!title) {
      ctx.font = "600 26px system-ui, sans-serif";
      const textWidth = ctx.measureText(subtitle).width;
      const y = height * 0.72;
      ctx.fillStyle = "rgba(8, 11, 18, 0.6)";
      ctx.fillRect(width / 2 - textWidth / 2 - 24, y - 26, textWidth + 48, 52);
      ctx.fillStyle = "#f3f6fc";
      ctx.fillText(subtitle, width / 2, y);
      ctx.restore();
      return;
    }
    const big = title.length <= 3;
    const boxHeight = big ? 190 : subtitle ? 120 : 80;
    ctx.fillStyle = "rgba(8, 11, 18, 0.55)";
    ctx.fillRect(0, height / 2 - boxHeight / 2, width, boxHeight);
    ctx.fillStyle = "#f3f6fc";
    ctx.font = `800 ${big ? 120 : 46}px system-ui, sans-serif`;
    ctx.fillText(title, width / 2, height / 2 - (subtitle && !big ? 16 : 0));
    if (subtitle) {
      ctx.font = "500 22px system-ui, sans-serif";
      ctx.fillStyle = "#aab6cf";
      ctx.fillText(subtitle, width / 2, height / 2 + (big ? 78 : 30));
    }
    ctx.restore();
  }
}

