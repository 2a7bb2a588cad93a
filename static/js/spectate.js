/**
 * Watching a match (`#watch/<match id>`): the spectator socket `/ws/spectate/<id>/` (SPECTATING,
 * then KEYFRAME/DELTA through the same snapshot chain as players), every ship interpolated (no
 * prediction), a camera that follows a chosen player (a scoreboard row or a ship clicked, 1–8,
 * Tab; 0 shows the whole arena; FOLLOW tells the server), the scoreboard, the kill feed, the
 * spectator count, the stream's delay, RESULT and what each close code means.
 */

import { showEvents } from "./events.js";
import {
  cameraTarget,
  clampCamera,
  cycleFollow,
  easeCamera,
  followKey,
  keepFollowing,
  overviewCamera,
  playerAtRow,
  playerNear,
} from "./follow.js";
import { DEFAULT_RENDER_DELAY_MS } from "./interpolation.js";
import { MatchView } from "./match-view.js";
import { GameSocket } from "./net.js";
import {
  CloseCode,
  Phase,
  describeSpectatorClose,
  followFrame,
  spectateSocketUrl,
} from "./protocol.js";

/** Closes after which watching again may work. */
const RETRYABLE_CLOSE_CODES = new Set([
  CloseCode.GOING_AWAY,
  CloseCode.SERVICE_RESTART,
  CloseCode.TOO_SLOW,
  CloseCode.SPECTATORS_FULL,
  1006,
  1011,
  1013,
]);
const EDITABLE = new Set(["INPUT", "TEXTAREA", "SELECT"]);
/** How near (CSS pixels, in player radii) a click must be to a ship to follow it. */
const CLICK_REACH_RADII = 1.8;

/** One spectator connection to a match and everything received on it. */
class WatchSession extends MatchView {
  constructor(matchId) {
    super(matchId);
    this.info = null;
    this.spectators = 0;
    this.followId = null;
    this.followSent = null;
    this.overview = false;
    this.camera = null;
    this.cameraAt = 0;
    this.drawn = [];
    this.frames = 0;
    this.stalledSince = null;
  }
}

/**
 * The spectator view, drawn with the game view's `renderer` and `hud` (see main.js), which shows
 * and hides the view. `body` gets `data-tick` and `data-phase` as for players; `canvas` and
 * `scoreboard` take clicks to choose whom to follow.
 */
export class Spectator {
  /** Wire the keys and clicks that choose whom to follow; nothing is watched until `start`. */
  constructor({ hud, renderer, body, canvas, scoreboard }) {
    this.hud = hud;
    this.renderer = renderer;
    this.body = body;
    this.canvas = canvas;
    this.session = null;
    window.addEventListener("keydown", (event) => this.onKey(event));
    scoreboard.addEventListener("click", (event) => {
      const row = event.target instanceof Element ? event.target.closest("tr[data-player-id]") : null;
      if (row) this.follow(Number(row.dataset.playerId));
    });
    canvas.addEventListener("click", (event) => this.onCanvasClick(event));
  }

  /** True while a match is being watched (also after it closed, until `stop`). */
  get active() {
    return this.session !== null;
  }

  /** The id of the match being watched, or null. */
  get matchId() {
    return this.session?.matchId ?? null;
  }

  /** Watch `matchId`: reset the HUD and open the spectator socket. */
  start(matchId) {
    this.stop();
    const session = new WatchSession(matchId);
    this.session = session;
    this.hud.reset();
    this.renderer.configure(null, null);
    session.socket = new GameSocket(
      spectateSocketUrl(location, matchId),
      {
        onOpen: () => this.current(session) && this.hud.setStatus("joining…", "pending"),
        onSpectating: (info, atMs) => this.onSpectating(session, info, atMs),
        onSnapshot: (snapshot, atMs) => this.onSnapshot(session, snapshot, atMs),
        onResult: (result) => this.onResult(session, result),
        onLatency: (rttMs) => this.onLatency(session, rttMs),
        onSpectators: (count) => this.onSpectators(session, count),
        onStall: (stalled, atMs) => this.onStall(session, stalled, atMs),
        onClose: (info) => this.onClose(session, info),
      },
      { describe: describeSpectatorClose },
    );
  }

  /** Watch the same match again after a close. */
  reconnect() {
    const matchId = this.matchId;
    if (matchId !== null) this.start(matchId);
  }

  /** Close the spectator socket and forget the match. */
  stop() {
    const session = this.session;
    if (!session) return;
    this.session = null;
    session.socket?.close(1000, "leaving");
    delete this.body.dataset.tick;
    delete this.body.dataset.phase;
  }

  current(session) {
    return session === this.session;
  }

  onSpectating(session, info, atMs) {
    if (!this.current(session)) return;
    session.info = info;
    session.begin(info.tickRate, atMs);
    session.spectators = info.spectators;
    this.renderer.configure(info.arena, info.rules);
    session.camera = null;
    this.hud.setStatus("watching", "ok");
    this.hud.setSpectators(info.spectators);
    this.hud.setDelay(info.delayMs);
    this.sendFollow(session);
  }

  onSnapshot(session, snapshot, atMs) {
    if (!this.current(session) || !session.info) return;
    const { fresh, phaseChanged, reconnectingChanged, left } = session.takeSnapshot(
      snapshot,
      atMs,
    );
    if (!fresh) return;
    for (const id of left) this.hud.addNote({ id, name: session.nameOf(id) }, "left", atMs);
    this.body.dataset.tick = String(snapshot.tick);
    if (phaseChanged) this.body.dataset.phase = String(snapshot.phase);
    if (snapshot.roster) {
      const keep = session.overview ? null : keepFollowing(session.roster, session.followId);
      if (keep !== session.followId) this.setFollow(session, keep);
      else this.showFollow(session);
    } else if (reconnectingChanged) {
      this.showFollow(session);
    }
    showEvents(snapshot, {
      hud: this.hud,
      renderer: this.renderer,
      nameOf: (id) => session.nameOf(id),
      highlightId: session.followId,
      eventTime: session.buffer.tickTime(snapshot.tick),
      atMs,
    });
  }

  onResult(session, result) {
    if (!this.current(session)) return;
    session.takeResult(result);
    this.hud.showResults(result, null);
  }

  /** Nothing arrived for a few tick periods (or frames come again): say so at once. */
  onStall(session, stalled, atMs) {
    if (!this.current(session)) return;
    session.stalledSince = stalled ? atMs : null;
    this.hud.setStatus(stalled ? "connection stalled…" : "watching", stalled ? "pending" : "ok");
  }

  onLatency(session, rttMs) {
    if (!this.current(session) || session.closed || session.stalledSince) return;
    this.hud.setStatus(`watching · ${Math.round(rttMs)} ms`, rttMs > 250 ? "pending" : "ok");
  }

  onSpectators(session, count) {
    if (!this.current(session)) return;
    session.spectators = count;
    this.hud.setSpectators(count);
  }

  onClose(session, info) {
    if (!this.current(session)) return;
    session.closed = true;
    if (info.byClient) return;
    if (info.code === CloseCode.MATCH_OVER && session.result) {
      this.hud.setStatus("match finished", "pending");
      return;
    }
    console.info(`The spectator socket closed with ${info.code}: ${info.reason || info.text}`);
    this.hud.setStatus("offline", "error");
    this.hud.showNotice(info.text, RETRYABLE_CLOSE_CODES.has(info.code), "Watch again");
  }

  /** Follow player `id` (ignored for an id not on the scoreboard). */
  follow(id) {
    const session = this.session;
    if (!session || !session.roster.some((entry) => entry.id === id)) return;
    session.overview = false;
    this.setFollow(session, id);
  }

  /** Show the whole arena instead of following a player. */
  showOverview() {
    const session = this.session;
    if (!session) return;
    session.overview = true;
    this.setFollow(session, null);
  }

  setFollow(session, id) {
    session.followId = id;
    this.showFollow(session);
    this.sendFollow(session);
  }

  showFollow(session) {
    this.hud.setScoreboard(session.roster, session.followId, session.reconnecting);
    this.hud.setFollowing(session.followId === null ? null : session.nameOf(session.followId));
  }

  /** Tell the server whom the camera follows, once per change, once it listens. */
  sendFollow(session) {
    const id = session.followId;
    if (id === null || id === session.followSent || !session.info || session.closed) return;
    if (session.socket.send(followFrame(id))) session.followSent = id;
  }

  onKey(event) {
    const session = this.session;
    if (!session || this.body.dataset.view !== "watch" || event.defaultPrevented) return;
    if (EDITABLE.has(event.target?.tagName) || event.target?.closest?.("[role$=dialog]")) return;
    if (!this.hud.notice.hidden || !this.hud.results.hidden) return; // their buttons keep Tab
    const action = followKey(event);
    if (!action) return;
    event.preventDefault();
    if (action.overview) this.showOverview();
    else if (action.row) {
      const id = playerAtRow(session.roster, action.row);
      if (id !== null) this.follow(id);
    } else if (action.step) {
      const id = cycleFollow(session.roster, session.followId, action.step);
      if (id !== null) this.follow(id);
    }
  }

  onCanvasClick(event) {
    const session = this.session;
    if (!session || this.body.dataset.view !== "watch") return;
    const rect = this.canvas.getBoundingClientRect();
    const point = { x: event.clientX - rect.left, y: event.clientY - rect.top };
    const onScreen = session.drawn
      .filter((player) => player.alive)
      .map((player) => ({ id: player.id, ...this.renderer.worldToScreen(player.x, player.y) }));
    const zoom = session.camera?.zoom ?? 1;
    const reach = this.renderer.rules.playerRadius * this.renderer.scale * zoom * CLICK_REACH_RADII;
    const id = playerNear(onScreen, point, reach);
    if (id !== null) this.follow(id);
  }

  /** Draw the view at local time `now` (called every animation frame while it is shown). */
  frame(now) {
    const session = this.session;
    if (!session) return;
    let world = null;
    let renderTime = 0;
    if (session.clock?.ready) {
      renderTime = session.clock.serverTime(now) - DEFAULT_RENDER_DELAY_MS;
      world = session.buffer.sample(renderTime);
    }
    const arena = this.renderer.arena;
    const target = world?.players.find((p) => p.id === session.followId) ?? null;
    let goal = overviewCamera(arena);
    if (!session.overview && target) goal = cameraTarget(arena, target);
    else if (!session.overview && session.followId !== null && session.camera) goal = session.camera;
    session.camera = clampCamera(arena, easeCamera(session.camera, goal, now - session.cameraAt));
    session.cameraAt = now;

    this.renderer.draw({
      world,
      selfId: session.followId,
      names: session.names,
      renderTime,
      overlay: this.overlay(session, now, target),
      camera: session.camera,
    });
    session.drawn = world ? world.players.map(({ id, x, y, alive }) => ({ id, x, y, alive })) : [];
    this.hud.keepClear(this.renderer.shipsOnPage(world));
    session.frames += 1;
    this.updateHud(session, now);
  }

  updateHud(session, now) {
    const latest = session.latest;
    if (latest && !session.closed) {
      const at = session.stalledSince ?? now;
      this.hud.setPhase(latest.phase, latest.phaseMsLeft - (at - session.latestAt));
      const followed = latest.players.find((p) => p.id === session.followId);
      this.hud.setHealth(followed ? followed.health : null, session.info.rules.maxHealth);
    }
    this.hud.pruneKillFeed(now);
  }

  overlay(session, now, followed) {
    if (!session.info) return session.closed ? null : { title: "Connecting…", subtitle: "" };
    const latest = session.latest;
    if (!latest) return null;
    const msLeft = latest.phaseMsLeft - (now - session.latestAt);
    switch (latest.phase) {
      case Phase.WAITING: {
        const present = session.presentCount;
        const needed = session.info.rules.minPlayers ?? 2;
        return { title: "", subtitle: `Waiting for players · ${present} of ${needed}` };
      }
      case Phase.COUNTDOWN:
        return { title: String(Math.max(1, Math.ceil(msLeft / 1000))), subtitle: "Get ready" };
      case Phase.RUNNING:
        if (session.previousPhase === Phase.COUNTDOWN && now - session.phaseSince < 900) {
          return { title: "Fight!", subtitle: "" };
        }
        if (followed && !followed.alive) {
          return { title: "", subtitle: `${session.nameOf(followed.id)} was eliminated · respawning…` };
        }
        return null;
      case Phase.ENDED:
        return session.result ? null : { title: "Match over", subtitle: "" };
      default:
        return null;
    }
  }

  /**
   * What the debug hook shows of the view: the match, tick and phase, whom the camera follows
   * (and the last FOLLOW sent), the camera, the spectator count, the delay, the ships last drawn
   * and how many frames were drawn.
   */
  debugState() {
    const session = this.session;
    if (!session) return null;
    return {
      matchId: session.matchId,
      watching: session.info !== null && !session.closed,
      tick: session.latest?.tick ?? null,
      phase: session.phase,
      following: session.followId,
      followSent: session.followSent,
      overview: session.overview,
      camera: session.camera ? { ...session.camera } : null,
      spectators: session.spectators,
      delayMs: session.info?.delayMs ?? null,
      drawn: session.drawn.map((player) => ({ ...player })),
      frames: session.frames,
    };
  }
}
