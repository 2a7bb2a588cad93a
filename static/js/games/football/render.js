/**
 * Canvas drawing of a football match: the pitch with its lines and goals to the rules' size,
 * the players in their team's shirts (the own one ringed white, with its aim and the kick's
 * line when the ball is in reach), the ball with its trail, kicks and goals as short effects,
 * and the banner over the pitch. Draws in world units; the canvas keeps the aspect ratio of the
 * pitch with its margins and shows all of it, or the part a camera (`{x, y, zoom}`,
 * core/follow.js) looks at.
 */

import { teamColors } from "./hud.js";
import { NET_DEPTH, goalLineOf, markingsOf, pitchOf, sideOf } from "./pitch.js";
import { isReconnecting } from "./wire.js";

const KICK_RING_MS = 380;
const SWING_MS = 170;
const GHOST_IN_MS = 220;
const TRAIL_MS = 140;
const TRAIL_MIN_SPEED = 0.25; // world units per ms below which the ball leaves no trail
const TRAIL_JUMP = 120; // a ball further than this from the last drawn one starts a new trail
const MIN_NAME_PX = 11;
const MIN_TAG_PX = 9;
const LINE_WIDTH = 3;
const STRIPES = 12;
/** Opacity of a player whose connection dropped (it stands still, waiting for it). */
const RECONNECTING_ALPHA = 0.42;

/**
 * The players of an interpolated world as the renderer draws them: the `players` entities with
 * their `team` (from `teamOf`, a Map id → team) and `reconnecting` (its flag, or its id in
 * `reconnecting`). Pure.
 */
export function playersOf(world, teamOf = new Map(), reconnecting = new Set()) {
  const players = [];
  for (const player of world?.collections?.players?.values() ?? []) {
    const waiting = isReconnecting(player) || reconnecting.has(player.id);
    players.push({ ...player, team: teamOf.get(player.id) ?? null, reconnecting: waiting });
  }
  return players;
}

/** The ball of a world (`{x, y}`), or null. */
export function ballOf(world) {
  return world?.collections?.ball?.values().next().value ?? null;
}

/** Whether the ball is within a player's kicking reach (the engine's `_kick` distance). */
export function inKickReach(pitch, player, ball) {
  if (!player || !ball) return false;
  const reach = pitch.playerRadius + pitch.ballRadius + pitch.kickReach;
  return Math.hypot(ball.x - player.x, ball.y - player.y) <= reach;
}

/**
 * Where the ball is drawn inside the net after a goal into the goal of `team` (which the other
 * team scored in), `progress` (0–1) of the way from where it crossed, `entry` (`{x, y}`).
 */
export function ghostBallAt(pitch, team, entry, progress) {
  const side = sideOf(team);
  const line = goalLineOf(pitch, team);
  const r = pitch.ballRadius;
  const target = {
    x: line + side * NET_DEPTH * 0.55,
    y: Math.min(pitch.goalBottom - r, Math.max(pitch.goalTop + r, entry.y)),
  };
  const t = 1 - (1 - Math.min(1, Math.max(0, progress))) ** 3;
  return { x: entry.x + (target.x - entry.x) * t, y: entry.y + (target.y - entry.y) * t };
}

/** Draws football on one canvas element. */
export class Renderer {
  /** Attach to `canvas`; it is sized to fit its parent element (until `destroy`). */
  constructor(canvas) {
    this.canvas = canvas;
    this.ctx = canvas.getContext("2d");
    this.pitch = pitchOf();
    this.markings = markingsOf(this.pitch);
    this.scale = 1;
    this.dpr = 1;
    this.camera = null;
    this.effects = [];
    this.trail = [];
    this.resizeObserver = new ResizeObserver(() => this.resize());
    this.resizeObserver.observe(canvas.parentElement);
    this.resize();
  }

  /** Use the pitch of a parsed WELCOME or SPECTATING (`{rules}`); forget every effect. */
  configure({ rules } = {}) {
    this.pitch = pitchOf(rules);
    this.markings = markingsOf(this.pitch);
    this.effects = [];
    this.trail = [];
    this.resize();
  }

  /** Stop following the size of the canvas's parent. */
  destroy() {
    this.resizeObserver.disconnect();
  }

  /** Fit the canvas to its parent, keeping the aspect ratio of the view, at device resolution. */
  resize() {
    const { view } = this.pitch;
    const parent = this.canvas.parentElement;
    const availableWidth = Math.max(1, parent.clientWidth);
    const availableHeight = Math.max(1, parent.clientHeight);
    const scale = Math.min(availableWidth / view.width, availableHeight / view.height);
    const cssWidth = Math.floor(view.width * scale);
    const cssHeight = Math.floor(view.height * scale);
    this.scale = cssWidth / view.width;
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
    const { view } = this.pitch;
    const camera = this.camera;
    if (!camera) return { x: (x - view.x) * this.scale, y: (y - view.y) * this.scale };
    const k = this.scale * camera.zoom;
    const cssWidth = view.width * this.scale;
    const cssHeight = view.height * this.scale;
    return { x: cssWidth / 2 + (x - camera.x) * k, y: cssHeight / 2 + (y - camera.y) * k };
  }

  /** Queue a ring where player `playerId` kicked the ball (`x`, `y`), at server time `atMs`. */
  addKick(playerId, x, y, team, atMs) {
    const end = atMs + KICK_RING_MS;
    this.effects.push({ kind: "kick", playerId, x, y, team, start: atMs, end });
  }

  /** Queue a goal for `team` (the net of the other flashes) at server time `atMs`. */
  addGoal(team, atMs) {
    const into = team === 0 ? 1 : 0;
    const end = atMs + Math.max(600, this.pitch.goalPauseMs);
    this.effects.push({ kind: "goal", team, into, entry: null, start: atMs, end });
  }

  /**
   * Draw one frame. `scene`: `{players, ball, selfId, names, renderTime, now, overlay, camera,
   * aim, swingAt}` where `players` are as `playersOf` gives them (or null before the first
   * snapshot), `ball` the ball (`{x, y}`) or null, `selfId` the player drawn ringed, `names` a
   * Map id → name, `renderTime` the server time shown (effects), `now` the local time, `overlay`
   * null or `{title, subtitle, team?}` (an empty title draws a small banner), `camera` null (the
   * whole pitch) or `{x, y, zoom}`, `aim` the own player's aim guide (`{kickReady}`) or null,
   * and `swingAt` the local time of the own player's last kick press.
   */
  draw(scene) {
    const { ctx } = this;
    const { players, ball, renderTime = 0, now = 0, camera = null } = scene;
    this.effects = this.effects.filter((effect) => effect.end > renderTime - 1000);
    const { view } = this.pitch;
    const k = this.dpr * this.scale;
    this.camera = camera;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.fillStyle = "#07090e";
    ctx.fillRect(0, 0, this.canvas.width, this.canvas.height);
    if (camera) {
      const kz = k * camera.zoom;
      const dx = this.canvas.width / 2 - camera.x * kz;
      const dy = this.canvas.height / 2 - camera.y * kz;
      ctx.setTransform(kz, 0, 0, kz, dx, dy);
    } else {
      ctx.setTransform(k, 0, 0, k, -view.x * k, -view.y * k);
    }
    this.drawGround();
    this.drawLines();
    this.drawGoals(renderTime);
    if (players) {
      this.trackGoalEntries(ball, renderTime);
      this.drawKickRings(renderTime);
      const self = players.find((player) => player.id === scene.selfId) ?? null;
      const isSelf = (player) => player.id === scene.selfId;
      const ordered = [...players].sort((a, b) => Number(isSelf(a)) - Number(isSelf(b)));
      for (const player of ordered) this.drawPlayer(player, isSelf(player));
      if (self && scene.aim) this.drawAimGuide(self, ball, scene.aim, now, scene.swingAt);
      this.drawGhostBalls(renderTime);
      if (ball) this.drawBall(ball, renderTime);
      for (const player of ordered) this.drawLabels(player, isSelf(player), scene.names);
    }
    if (scene.overlay) {
      ctx.setTransform(k, 0, 0, k, -view.x * k, -view.y * k);
      this.drawOverlay(scene.overlay);
    }
  }

  drawGround() {
    const { ctx } = this;
    const { width, height, view } = this.pitch;
    ctx.fillStyle = "#1f5a2c";
    ctx.fillRect(view.x, view.y, view.width, view.height);
    const stripe = width / STRIPES;
    for (let i = 0; i < STRIPES; i += 1) {
      ctx.fillStyle = i % 2 === 0 ? "#2f8a3f" : "#2a7d39";
      ctx.fillRect(i * stripe, 0, stripe + 0.5, height);
    }
    const [cx, cy] = [width / 2, height / 2];
    const shade = ctx.createRadialGradient(cx, cy, height * 0.2, cx, cy, width * 0.7);
    shade.addColorStop(0, "rgba(255, 255, 255, 0.04)");
    shade.addColorStop(1, "rgba(0, 0, 0, 0.16)");
    ctx.fillStyle = shade;
    ctx.fillRect(0, 0, width, height);
  }

  drawLines() {
    const { ctx, markings: m } = this;
    const { width, height } = this.pitch;
    const half = LINE_WIDTH / 2;
    ctx.save();
    ctx.strokeStyle = "rgba(255, 255, 255, 0.82)";
    ctx.fillStyle = "rgba(255, 255, 255, 0.82)";
    ctx.lineWidth = LINE_WIDTH;
    ctx.strokeRect(half, half, width - LINE_WIDTH, height - LINE_WIDTH);
    ctx.beginPath();
    ctx.moveTo(width / 2, half);
    ctx.lineTo(width / 2, height - half);
    ctx.stroke();
    ctx.beginPath();
    ctx.arc(width / 2, height / 2, m.centreCircle, 0, Math.PI * 2);
    ctx.stroke();
    this.spot(width / 2, height / 2, m.spotRadius);
    for (const team of [0, 1]) {
      const line = goalLineOf(this.pitch, team);
      const inward = -sideOf(team);
      for (const area of [m.penaltyArea, m.goalArea]) {
        const x = inward > 0 ? line + half : line - half - area.depth;
        ctx.strokeRect(x, area.top, area.depth, area.bottom - area.top);
      }
      const spotX = line + inward * m.penaltySpot;
      this.spot(spotX, height / 2, m.spotRadius);
      const beyond = (m.penaltyArea.depth - m.penaltySpot) / m.penaltyArc;
      if (beyond > -1 && beyond < 1) {
        const opening = Math.acos(beyond);
        const facing = inward > 0 ? 0 : Math.PI;
        ctx.beginPath();
        ctx.arc(spotX, height / 2, m.penaltyArc, facing - opening, facing + opening);
        ctx.stroke();
      }
    }
    const r = m.cornerRadius;
    for (const [x, y, from] of [
      [half, half, 0],
      [width - half, half, Math.PI / 2],
      [width - half, height - half, Math.PI],
      [half, height - half, (3 * Math.PI) / 2],
    ]) {
      ctx.beginPath();
      ctx.arc(x, y, r, from, from + Math.PI / 2);
      ctx.stroke();
    }
    ctx.restore();
  }

  spot(x, y, radius) {
    const { ctx } = this;
    ctx.beginPath();
    ctx.arc(x, y, radius, 0, Math.PI * 2);
    ctx.fill();
  }

  drawGoals(renderTime) {
    const { ctx } = this;
    const { goalTop, goalBottom } = this.pitch;
    const mouth = goalBottom - goalTop;
    for (const team of [0, 1]) {
      const line = goalLineOf(this.pitch, team);
      const side = sideOf(team);
      const back = line + side * NET_DEPTH;
      const x0 = Math.min(line, back);
      ctx.save();
      ctx.fillStyle = "rgba(8, 14, 10, 0.55)";
      ctx.fillRect(x0, goalTop, NET_DEPTH, mouth);
      const flash = this.effects.find(
        (e) => e.kind === "goal" && e.into === team && e.start <= renderTime && renderTime < e.end,
      );
      if (flash) {
        const progress = (renderTime - flash.start) / (flash.end - flash.start);
        ctx.globalAlpha = 0.25 + 0.35 * Math.abs(Math.cos(progress * Math.PI * 4)) * (1 - progress);
        ctx.fillStyle = teamColors(flash.team).shirt;
        ctx.fillRect(x0, goalTop, NET_DEPTH, mouth);
        ctx.globalAlpha = 1;
      }
      ctx.beginPath();
      ctx.rect(x0, goalTop, NET_DEPTH, mouth);
      ctx.clip();
      ctx.strokeStyle = "rgba(235, 240, 245, 0.32)";
      ctx.lineWidth = 1;
      ctx.beginPath();
      const cell = 9;
      for (let d = -mouth; d < NET_DEPTH + mouth; d += cell) {
        ctx.moveTo(x0 + d, goalTop);
        ctx.lineTo(x0 + d + mouth, goalBottom);
        ctx.moveTo(x0 + d + mouth, goalTop);
        ctx.lineTo(x0 + d, goalBottom);
      }
      ctx.stroke();
      ctx.restore();
      ctx.save();
      ctx.strokeStyle = "#f4f6f8";
      ctx.lineWidth = 4;
      ctx.lineJoin = "round";
      ctx.beginPath();
      ctx.moveTo(line, goalTop);
      ctx.lineTo(back, goalTop);
      ctx.lineTo(back, goalBottom);
      ctx.lineTo(line, goalBottom);
      ctx.stroke();
      ctx.fillStyle = "#ffffff";
      for (const y of [goalTop, goalBottom]) {
        ctx.beginPath();
        ctx.arc(line, y, 5, 0, Math.PI * 2);
        ctx.fill();
      }
      ctx.restore();
    }
  }

  /**
   * Before a goal shows (its server time), remember where the drawn ball came nearest the goal it
   * went into: the ghost ball rolls into the net from there.
   */
  trackGoalEntries(ball, renderTime) {
    if (!ball) return;
    for (const effect of this.effects) {
      if (effect.kind !== "goal" || renderTime >= effect.start) continue;
      const line = goalLineOf(this.pitch, effect.into);
      const nearer = !effect.entry || Math.abs(ball.x - line) < Math.abs(effect.entry.x - line);
      if (nearer) effect.entry = { x: ball.x, y: ball.y };
    }
  }

  drawGhostBalls(renderTime) {
    for (const effect of this.effects) {
      if (effect.kind !== "goal" || renderTime < effect.start || renderTime >= effect.end) continue;
      const line = goalLineOf(this.pitch, effect.into);
      const entry = effect.entry ?? { x: line, y: this.pitch.height / 2 };
      const progress = (renderTime - effect.start) / GHOST_IN_MS;
      const at = ghostBallAt(this.pitch, effect.into, entry, progress);
      const left = effect.end - renderTime;
      this.drawBallBody(at.x, at.y, Math.min(1, left / 300));
    }
  }

  drawKickRings(renderTime) {
    const { ctx } = this;
    const r = this.pitch.ballRadius;
    for (const effect of this.effects) {
      if (effect.kind !== "kick" || renderTime < effect.start || renderTime >= effect.end) continue;
      const progress = (renderTime - effect.start) / (effect.end - effect.start);
      ctx.save();
      ctx.globalAlpha = (1 - progress) * 0.9;
      ctx.strokeStyle = teamColors(effect.team).light;
      ctx.lineWidth = 3 * (1 - progress) + 1;
      ctx.beginPath();
      ctx.arc(effect.x, effect.y, r + progress * r * 3.2, 0, Math.PI * 2);
      ctx.stroke();
      ctx.restore();
    }
  }

  drawPlayer(player, isSelf) {
    const { ctx } = this;
    const r = this.pitch.playerRadius;
    const { x, y } = player;
    const colors = teamColors(player.team);
    ctx.save();
    if (player.reconnecting) ctx.globalAlpha = RECONNECTING_ALPHA;
    ctx.fillStyle = "rgba(0, 0, 0, 0.28)";
    ctx.beginPath();
    ctx.ellipse(x + 3, y + 4, r, r * 0.9, 0, 0, Math.PI * 2);
    ctx.fill();
    if (isSelf) {
      ctx.fillStyle = "rgba(255, 255, 255, 0.22)";
      ctx.beginPath();
      ctx.arc(x, y, r + 7, 0, Math.PI * 2);
      ctx.fill();
    }
    const aim = Number.isFinite(player.aim) ? player.aim : 0;
    const tipX = x + Math.cos(aim) * (r + 8);
    const tipY = y + Math.sin(aim) * (r + 8);
    const spread = 0.42;
    ctx.fillStyle = isSelf ? "#ffffff" : colors.light;
    ctx.beginPath();
    ctx.moveTo(tipX, tipY);
    ctx.lineTo(x + Math.cos(aim - spread) * (r - 1), y + Math.sin(aim - spread) * (r - 1));
    ctx.lineTo(x + Math.cos(aim + spread) * (r - 1), y + Math.sin(aim + spread) * (r - 1));
    ctx.closePath();
    ctx.fill();
    const body = ctx.createRadialGradient(x - r * 0.35, y - r * 0.4, r * 0.2, x, y, r);
    body.addColorStop(0, colors.light);
    body.addColorStop(0.35, colors.shirt);
    body.addColorStop(1, colors.edge);
    ctx.fillStyle = body;
    ctx.beginPath();
    ctx.arc(x, y, r, 0, Math.PI * 2);
    ctx.fill();
    ctx.strokeStyle = isSelf ? "#ffffff" : colors.edge;
    ctx.lineWidth = isSelf ? 3.5 : 2;
    ctx.stroke();
    ctx.restore();
  }

  /**
   * The own player's aim: a faint line ahead of it; with the ball in reach, the line the kick
   * would send the ball along, bright; a short swing arc after each kick press (local time).
   */
  drawAimGuide(self, ball, { kickReady }, now, swingAt) {
    const { ctx } = this;
    const r = this.pitch.playerRadius;
    const aim = Number.isFinite(self.aim) ? self.aim : 0;
    const cos = Math.cos(aim);
    const sin = Math.sin(aim);
    ctx.save();
    ctx.lineCap = "round";
    if (kickReady && ball) {
      ctx.strokeStyle = "rgba(255, 255, 255, 0.85)";
      ctx.lineWidth = 2.5;
      ctx.setLineDash([10, 8]);
      ctx.beginPath();
      ctx.moveTo(ball.x + cos * this.pitch.ballRadius, ball.y + sin * this.pitch.ballRadius);
      ctx.lineTo(ball.x + cos * 170, ball.y + sin * 170);
      ctx.stroke();
      ctx.setLineDash([]);
      ctx.strokeStyle = "rgba(255, 244, 160, 0.9)";
      ctx.lineWidth = 2;
      ctx.beginPath();
      ctx.arc(ball.x, ball.y, this.pitch.ballRadius + 5, 0, Math.PI * 2);
      ctx.stroke();
    } else {
      ctx.strokeStyle = "rgba(255, 255, 255, 0.3)";
      ctx.lineWidth = 2;
      ctx.setLineDash([6, 9]);
      ctx.beginPath();
      ctx.moveTo(self.x + cos * (r + 12), self.y + sin * (r + 12));
      ctx.lineTo(self.x + cos * (r + 70), self.y + sin * (r + 70));
      ctx.stroke();
      ctx.setLineDash([]);
    }
    const sinceSwing = swingAt === null || swingAt === undefined ? Infinity : now - swingAt;
    if (sinceSwing >= 0 && sinceSwing < SWING_MS) {
      const progress = sinceSwing / SWING_MS;
      ctx.globalAlpha = 1 - progress;
      ctx.strokeStyle = "#ffffff";
      ctx.lineWidth = 4 * (1 - progress) + 1.5;
      ctx.beginPath();
      ctx.arc(self.x, self.y, r + 6 + progress * 14, aim - 0.9, aim + 0.9);
      ctx.stroke();
    }
    ctx.restore();
  }

  drawBall(ball, renderTime) {
    const { ctx } = this;
    const r = this.pitch.ballRadius;
    const last = this.trail.at(-1);
    const jumped = last && Math.hypot(ball.x - last.x, ball.y - last.y) > TRAIL_JUMP;
    if (jumped || (last && renderTime < last.at)) this.trail = [];
    this.trail.push({ x: ball.x, y: ball.y, at: renderTime });
    this.trail = this.trail.filter((point) => renderTime - point.at <= TRAIL_MS);
    const oldest = this.trail[0];
    const age = renderTime - oldest.at;
    const speed = age > 0 ? Math.hypot(ball.x - oldest.x, ball.y - oldest.y) / age : 0;
    if (speed > TRAIL_MIN_SPEED) {
      const gradient = ctx.createLinearGradient(oldest.x, oldest.y, ball.x, ball.y);
      gradient.addColorStop(0, "rgba(255, 255, 255, 0)");
      gradient.addColorStop(1, "rgba(255, 255, 255, 0.45)");
      ctx.save();
      ctx.strokeStyle = gradient;
      ctx.lineCap = "round";
      ctx.lineWidth = r * 1.5;
      ctx.beginPath();
      ctx.moveTo(oldest.x, oldest.y);
      ctx.lineTo(ball.x, ball.y);
      ctx.stroke();
      ctx.restore();
    }
    this.drawBallBody(ball.x, ball.y, 1);
  }

  drawBallBody(x, y, alpha) {
    const { ctx } = this;
    const r = this.pitch.ballRadius;
    ctx.save();
    ctx.globalAlpha = alpha;
    ctx.fillStyle = "rgba(0, 0, 0, 0.3)";
    ctx.beginPath();
    ctx.ellipse(x + 2.5, y + 3, r, r * 0.85, 0, 0, Math.PI * 2);
    ctx.fill();
    const body = ctx.createRadialGradient(x - r * 0.35, y - r * 0.4, r * 0.1, x, y, r);
    body.addColorStop(0, "#ffffff");
    body.addColorStop(0.7, "#e9ecef");
    body.addColorStop(1, "#aeb4bd");
    ctx.fillStyle = body;
    ctx.beginPath();
    ctx.arc(x, y, r, 0, Math.PI * 2);
    ctx.fill();
    ctx.fillStyle = "#20242c";
    ctx.beginPath();
    for (let i = 0; i < 5; i += 1) {
      const a = -Math.PI / 2 + (i * 2 * Math.PI) / 5;
      const px = x + Math.cos(a) * r * 0.38;
      const py = y + Math.sin(a) * r * 0.38;
      if (i === 0) ctx.moveTo(px, py);
      else ctx.lineTo(px, py);
    }
    ctx.closePath();
    ctx.fill();
    ctx.strokeStyle = "#30353f";
    ctx.lineWidth = 1.2;
    ctx.beginPath();
    ctx.arc(x, y, r, 0, Math.PI * 2);
    ctx.stroke();
    ctx.restore();
  }

  drawLabels(player, isSelf, names) {
    const { ctx } = this;
    const r = this.pitch.playerRadius;
    const { x, y } = player;
    const name = names?.get(player.id);
    ctx.save();
    if (player.reconnecting) ctx.globalAlpha = 0.9;
    ctx.textAlign = "center";
    ctx.lineJoin = "round";
    if (name) {
      const fontSize = Math.max(14, MIN_NAME_PX / this.scale);
      ctx.font = `${isSelf ? "700" : "500"} ${fontSize.toFixed(1)}px system-ui, sans-serif`;
      ctx.textBaseline = "bottom";
      ctx.lineWidth = 4;
      ctx.strokeStyle = "rgba(8, 10, 16, 0.8)";
      ctx.strokeText(name, x, y - r - 6);
      ctx.fillStyle = isSelf ? "#ffffff" : teamColors(player.team).light;
      ctx.fillText(name, x, y - r - 6);
    }
    if (player.reconnecting) {
      const fontSize = Math.max(12, MIN_TAG_PX / this.scale);
      ctx.font = `italic 500 ${fontSize.toFixed(1)}px system-ui, sans-serif`;
      ctx.textBaseline = "top";
      ctx.lineWidth = 3;
      ctx.strokeStyle = "rgba(8, 10, 16, 0.85)";
      ctx.strokeText("reconnecting…", x, y + r + 6);
      ctx.fillStyle = "#dfe6f2";
      ctx.fillText("reconnecting…", x, y + r + 6);
    }
    ctx.restore();
  }

  drawOverlay({ title, subtitle, team = null }) {
    const { ctx } = this;
    const { width, height } = this.pitch;
    ctx.save();
    ctx.textAlign = "center";
    ctx.textBaseline = "middle";
    if (!title) {
      ctx.font = "600 26px system-ui, sans-serif";
      const textWidth = ctx.measureText(subtitle).width;
      const y = height * 0.76;
      ctx.fillStyle = "rgba(8, 11, 18, 0.62)";
      ctx.fillRect(width / 2 - textWidth / 2 - 24, y - 26, textWidth + 48, 52);
      ctx.fillStyle = "#f3f6fc";
      ctx.fillText(subtitle, width / 2, y);
      ctx.restore();
      return;
    }
    const big = title.length <= 3;
    const boxHeight = big ? 190 : subtitle ? 124 : 84;
    const { view } = this.pitch;
    ctx.fillStyle = "rgba(8, 11, 18, 0.55)";
    ctx.fillRect(view.x, height / 2 - boxHeight / 2, view.width, boxHeight);
    ctx.fillStyle = team === null ? "#f3f6fc" : teamColors(team).light;
    ctx.font = `800 ${big ? 120 : 54}px system-ui, sans-serif`;
    ctx.fillText(title, width / 2, height / 2 - (subtitle && !big ? 16 : 0));
    if (subtitle) {
      ctx.font = "500 22px system-ui, sans-serif";
      ctx.fillStyle = "#c9d2e3";
      ctx.fillText(subtitle, width / 2, height / 2 + (big ? 78 : 34));
    }
    ctx.restore();
  }
}
